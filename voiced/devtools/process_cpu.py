"""CPU seconds used so far by a process and every process under it, live or already reaped,
read from /proc: how scripts/arm64-check follows setup's CPU time while it runs.

    python3 -m voiced.devtools.process_cpu PID
"""

from __future__ import annotations

import os
import sys


def tree_cpu_seconds(root: int) -> int:
    """User and system time of `root` and every process under it, with their reaped
    children's, in whole seconds."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(name)] = int(fields[1])
        ticks[int(name)] = sum(map(int, fields[11:15]))

    def under(pid: int) -> bool:
        while pid and pid != root:
            pid = parents.get(pid, 0)
        return pid == root

    return round(sum(t for pid, t in ticks.items() if under(pid)) / os.sysconf("SC_CLK_TCK"))


if __name__ == "__main__":
    print(tree_cpu_seconds(int(sys.argv[1])))
