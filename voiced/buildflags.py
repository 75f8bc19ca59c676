"""The llama.cpp build flags for the CPU that builds llama-cpp-python.

Run by `scripts/setup` with the system Python before the venv exists, so it uses the
standard library only: `python3 -m voiced.buildflags` prints the CMAKE_ARGS.

llama.cpp's default, GGML_NATIVE (-march=native), compiles every kernel the CPU has. On
an Intel CPU with AMX (Sapphire Rapids and later) that includes the AMX matrix kernels,
and the first decode after the weights are repacked for them segfaults (llama.cpp issue
20824). So native is off and each feature is named from what the kernel reports, AMX
never. On aarch64 the architecture string follows the cores: a Pi 4's Cortex-A72 has no
dot-product instructions, a Pi 5's Cortex-A76 has them (and half-precision arithmetic).
They are read from the hardware capabilities the kernel hands every process (the auxiliary
vector, which /proc/cpuinfo's "Features" line is printed from): under qemu-user, as in
scripts/arm64-check, /proc/cpuinfo is the host's x86 file, and only the auxiliary vector
describes the emulated core.
"""

from __future__ import annotations

import platform
import struct
import sys
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# What platform.machine() says on x86-64.
X86_MACHINES = ("x86_64", "AMD64")
AUXV = Path("/proc/self/auxv")

# llama.cpp option → the /proc/cpuinfo flags it compiles for (all must be present).
X86_OPTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GGML_SSE42", ("sse4_2",)),
    ("GGML_AVX", ("avx",)),
    ("GGML_AVX2", ("avx2",)),
    ("GGML_FMA", ("fma",)),
    ("GGML_F16C", ("f16c",)),
    ("GGML_BMI2", ("bmi2",)),
    ("GGML_AVX_VNNI", ("avx_vnni",)),
    # GGML_AVX512 compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw.
    ("GGML_AVX512", ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
    ("GGML_AVX512_VBMI", ("avx512f", "avx512vbmi")),
    ("GGML_AVX512_VNNI", ("avx512f", "avx512_vnni")),
    ("GGML_AVX512_BF16", ("avx512f", "avx512_bf16")),
)
# Never on, whatever the CPU says, until llama.cpp's AMX path is proven on these CPUs.
X86_NEVER = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")

# aarch64 extension → the /proc/cpuinfo "Features" word that shows it.
ARM_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("fp16", "asimdhp"),
    ("dotprod", "asimddp"),
    ("i8mm", "i8mm"),
)
# The same words from the auxiliary vector: (AT_HWCAP or AT_HWCAP2, bit) per Linux's
# arch/arm64/include/uapi/asm/hwcap.h.
AT_HWCAP = 16
AT_HWCAP2 = 26
ARM_HWCAP_BITS: dict[str, tuple[int, int]] = {
    "asimdhp": (AT_HWCAP, 10),
    "asimddp": (AT_HWCAP, 20),
    "i8mm": (AT_HWCAP2, 13),
}
# Armv8.2-A is the first to define the fp16 and dot-product extensions.
ARM_BASE = "armv8-a"
ARM_V82 = "armv8.2-a"

# Always: the features are the ones named here, not -march=native.
COMMON = ("-DGGML_NATIVE=OFF",)


def cpu_flags(cpuinfo: str, key: str = "flags") -> set[str]:
    """Every word of the first `key` line: "flags" on x86, "Features" on arm."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == key:
            return set(value.split())
    return set()


def hwcap_flags(auxv: bytes) -> set[str] | None:
    """The "Features" words of ARM_HWCAP_BITS that an auxiliary vector (pairs of native
    unsigned longs) sets, or None when it holds no AT_HWCAP."""
    pair = struct.Struct("@LL")
    usable = len(auxv) - len(auxv) % pair.size
    entries = dict(pair.iter_unpack(auxv[:usable]))
    if AT_HWCAP not in entries:
        return None
    return {
        name for name, (entry, bit) in ARM_HWCAP_BITS.items() if entries.get(entry, 0) >> bit & 1
    }


def x86_args(flags: set[str]) -> list[str]:
    args = list(COMMON)
    for option, needs in X86_OPTIONS:
        on = all(flag in flags for flag in needs)
        args.append(f"-D{option}={'ON' if on else 'OFF'}")
    args += [f"-D{option}=OFF" for option in X86_NEVER]
    return args


def arm_args(flags: set[str]) -> list[str]:
    extensions = [name for name, flag in ARM_EXTENSIONS if flag in flags]
    arch = ARM_BASE if not extensions else "+".join([ARM_V82, *extensions])
    return [*COMMON, f"-DGGML_CPU_ARM_ARCH={arch}"]


def cmake_args(machine: str, cpuinfo: str, auxv: bytes = b"") -> list[str]:
    """The CMake options for this machine; other architectures keep llama.cpp's defaults.
    On aarch64 the auxiliary vector, when given, is believed before /proc/cpuinfo."""
    if machine in X86_MACHINES:
        return x86_args(cpu_flags(cpuinfo, "flags"))
    if machine in ("aarch64", "arm64"):
        flags = hwcap_flags(auxv)
        return arm_args(cpu_flags(cpuinfo, "Features") if flags is None else flags)
    return []


def read_or_empty(path: Path) -> bytes:
    # Unreadable (a sandbox): every optional feature off is always safe.
    try:
        return path.read_bytes()
    except OSError:
        return b""


def this_cpuinfo() -> str:
    """This machine's /proc/cpuinfo; empty where it cannot be read."""
    return read_or_empty(CPUINFO).decode("utf-8", errors="replace")


def this_machine() -> list[str]:
    return cmake_args(platform.machine(), this_cpuinfo(), read_or_empty(AUXV))


if __name__ == "__main__":
    sys.stdout.write(" ".join(this_machine()) + "\n")
