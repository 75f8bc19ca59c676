"""What a process in scripts/arm64-check's emulated arm64 root sees of its CPU, from the
hardware capabilities qemu hands it in the auxiliary vector (AT_HWCAP, AT_HWCAP2):

    python3 - cpuinfo CPU < arm64_cpu.py   an arm64 kernel's /proc/cpuinfo for the core CPU
    python3 -m voiced.devtools.arm64_cpu hwcaps   the capabilities llama.cpp's kernels use
    python3 -m voiced.devtools.arm64_cpu cores    what `llm.cpus: auto` resolves to

cpuinfo runs before the source is in the root (its program comes on stdin), so this module
needs only the standard library; cores alone imports voiced.
"""

from __future__ import annotations

import os
import struct
import sys

AT_HWCAP = 16
AT_HWCAP2 = 26
# The Features words, bit by bit, as Linux names them (arch/arm64/kernel/cpuinfo.c).
HWCAP_NAMES = (
    "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt "
    "fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs "
    "sb paca pacg"
)
HWCAP2_NAMES = (
    "dcpodp sve2 sveaes svepmull svebitperm svesha3 svesm4 flagm2 frint svei8mm svef32mm "
    "svef64mm svebf16 i8mm bf16 dgh rng bti mte ecv afp rpres mte3"
)
# The part numbers of the cores qemu emulates.
PARTS = {
    "cortex-a53": 0xD03,
    "cortex-a55": 0xD05,
    "cortex-a57": 0xD07,
    "cortex-a72": 0xD08,
    "cortex-a76": 0xD0B,
    "neoverse-n1": 0xD0C,
}
# The capabilities llama.cpp's ARM kernels care about: bit -> name, in AT_HWCAP and AT_HWCAP2.
KERNEL_HWCAPS = {0: "fp", 1: "asimd", 9: "fphp", 10: "asimdhp", 20: "asimddp", 22: "sve"}
KERNEL_HWCAPS2 = {1: "sve2", 13: "i8mm", 14: "bf16"}


def aux_vector() -> dict[int, int]:
    """This process's auxiliary vector: type -> value."""
    with open("/proc/self/auxv", "rb") as file:
        data = file.read()
    words = struct.unpack(f"<{len(data) // 8}Q", data)
    return dict(zip(words[::2], words[1::2], strict=False))


def print_cpuinfo(cpu: str) -> None:
    """/proc/cpuinfo as an arm64 kernel writes it for the emulated core `cpu`."""
    aux = aux_vector()
    features = [n for b, n in enumerate(HWCAP_NAMES.split()) if aux.get(AT_HWCAP, 0) >> b & 1]
    features += [n for b, n in enumerate(HWCAP2_NAMES.split()) if aux.get(AT_HWCAP2, 0) >> b & 1]
    part = PARTS.get(cpu)
    for number in range(os.cpu_count() or 1):
        print(f"processor\t: {number}")
        print("BogoMIPS\t: 108.00")
        print("Features\t: " + " ".join(features))
        print(f"CPU implementer\t: {0x41 if part else 0:#x}")
        print("CPU architecture: 8")
        print("CPU variant\t: 0x0")
        print(f"CPU part\t: {part or 0:#05x}")
        print("CPU revision\t: 0")
        print()


def print_hwcaps() -> None:
    aux = aux_vector()
    hwcap, hwcap2 = aux.get(AT_HWCAP, 0), aux.get(AT_HWCAP2, 0)
    have = [n for b, n in KERNEL_HWCAPS.items() if hwcap >> b & 1]
    have += [n for b, n in KERNEL_HWCAPS2.items() if hwcap2 >> b & 1]
    print(f"  HWCAP={hwcap:#x} HWCAP2={hwcap2:#x}:", " ".join(have))


def print_cores() -> None:
    from voiced.cores import core_speed, resolve_cpus

    available = sorted(os.sched_getaffinity(0))
    print("  cores this process may use:", available, "(os.cpu_count():", os.cpu_count(), ")")
    print(
        "  core speeds (cpu_capacity, else cpuinfo_max_freq; 0 = unknown):",
        {c: core_speed(c) for c in available},
    )
    print('  resolve_cpus("auto") ->', resolve_cpus("auto"), "(None: unpinned)")


def main(argv: list[str]) -> None:
    if argv[:1] == ["cpuinfo"] and len(argv) == 2:
        print_cpuinfo(argv[1])
    elif argv == ["hwcaps"]:
        print_hwcaps()
    elif argv == ["cores"]:
        print_cores()
    else:
        raise SystemExit("usage: arm64_cpu (cpuinfo CPU | hwcaps | cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
