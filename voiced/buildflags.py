"""The llama.cpp build flags for the CPU that builds llama-cpp-python.

Run by `scripts/setup` with the system Python before the venv exists, so it uses the
standard library only: `python3 -m voiced.buildflags` prints the CMAKE_ARGS.

llama.cpp's default, GGML_NATIVE (-march=native), compiles every kernel the CPU has. On
an Intel CPU with AMX (Sapphire Rapids and later) that includes the AMX matrix kernels,
and the first decode after the weights are repacked for them segfaults (llama.cpp issue
20824). So native is off and each feature is named from what the kernel reports, AMX
never. On aarch64 the architecture string follows the cores: a Pi 4's Cortex-A72 has no
dot-product instructions, a Pi 5's Cortex-A76 has them (and half-precision arithmetic).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")

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
# Armv8.2-A is the first to define the fp16 and dot-product extensions.
ARM_BASE = "armv8-a"
ARM_V82 = "armv8.2-a"

# Always: the features are the ones named here, not -march=native.
COMMON = ("-DGGML_NATIVE=OFF",)


def cpu_flags(cpuinfo: str) -> set[str]:
    """Every word of the first "flags" (x86) or "Features" (arm) line."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


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


def cmake_args(machine: str, cpuinfo: str) -> list[str]:
    """The CMake options for this machine; other architectures keep llama.cpp's defaults."""
    flags = cpu_flags(cpuinfo)
    if machine in ("x86_64", "AMD64"):
        return x86_args(flags)
    if machine in ("aarch64", "arm64"):
        return arm_args(flags)
    return []


def this_machine() -> list[str]:
    try:
        cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        # No /proc/cpuinfo (a sandbox): every optional feature off is always safe.
        cpuinfo = ""
    return cmake_args(platform.machine(), cpuinfo)


if __name__ == "__main__":
    sys.stdout.write(" ".join(this_machine()) + "\n")
