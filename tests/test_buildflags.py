"""The llama.cpp build flags chosen from what the CPU reports (pure logic)."""

from __future__ import annotations

import struct

from voiced.buildflags import AT_HWCAP, AT_HWCAP2, cmake_args

# What qemu-user 7.2 hands an arm64 process for each emulated core (AT_HWCAP), read in
# scripts/arm64-check's root; /proc/cpuinfo there is the x86 host's.
HWCAP_CORTEX_A72 = 0x8FB  # Pi 4: fp asimd aes pmull sha1 sha2 crc32 cpuid
HWCAP_CORTEX_A76 = 0x119FFB  # Pi 5: the above and atomics, fphp, asimdhp, asimddp, ...
X86_CPUINFO = "model name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse4_2 avx avx2 amx_int8\n"
PI5_CPUINFO = (
    "processor\t: 0\nBogoMIPS\t: 108.00\n"
    "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid "
    "asimdrdm lrcpc dcpop asimddp\nCPU part\t: 0xd0b\n"
)


def auxv(*entries: tuple[int, int]) -> bytes:
    return b"".join(struct.pack("@LL", key, value) for key, value in [*entries, (0, 0)])


def arm_arch(args: list[str]) -> str:
    (arch,) = [arg.split("=", 1)[1] for arg in args if arg.startswith("-DGGML_CPU_ARM_ARCH=")]
    return arch


def test_emulated_pi5_core_is_read_from_the_auxiliary_vector_not_the_hosts_cpuinfo() -> None:
    args = cmake_args("aarch64", X86_CPUINFO, auxv((AT_HWCAP, HWCAP_CORTEX_A76), (AT_HWCAP2, 0)))
    assert arm_arch(args) == "armv8.2-a+fp16+dotprod"


def test_emulated_pi4_core_gets_the_base_architecture() -> None:
    args = cmake_args("aarch64", X86_CPUINFO, auxv((AT_HWCAP, HWCAP_CORTEX_A72)))
    assert arm_arch(args) == "armv8-a"


def test_i8mm_comes_from_the_second_hwcap_word() -> None:
    args = cmake_args("aarch64", "", auxv((AT_HWCAP, HWCAP_CORTEX_A76), (AT_HWCAP2, 1 << 13)))
    assert arm_arch(args) == "armv8.2-a+fp16+dotprod+i8mm"


def test_without_an_auxiliary_vector_the_features_line_is_read() -> None:
    assert arm_arch(cmake_args("aarch64", PI5_CPUINFO)) == "armv8.2-a+fp16+dotprod"


def test_an_x86_flags_line_is_never_read_as_arm_features() -> None:
    cpuinfo = "flags\t\t: fpu asimdhp asimddp i8mm\n"
    assert arm_arch(cmake_args("aarch64", cpuinfo)) == "armv8-a"


def test_x86_reads_its_flags_and_never_amx() -> None:
    args = cmake_args("x86_64", X86_CPUINFO + PI5_CPUINFO)
    assert "-DGGML_AVX2=ON" in args
    assert "-DGGML_AMX_INT8=OFF" in args
    assert "-DGGML_AMX_INT8=ON" not in args


SAPPHIRE_RAPIDS = (
    "processor\t: 0\nflags\t\t: fpu sse4_2 avx f16c fma bmi2 avx2 avx512f avx512dq avx512cd "
    "avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 avx_vnni amx_bf16 amx_tile amx_int8\n"
    "processor\t: 1\nflags\t\t: fpu\n"
)
EPYC_ZEN2 = "flags\t\t: fpu sse4_2 avx f16c fma bmi2 avx2\n"
PI4_A72 = "processor\t: 0\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU part\t: 0xd08\n"
PI5_A76 = "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid "
PI5_A76 += "asimdrdm lrcpc dcpop asimddp\n"


def options(args: list[str]) -> dict[str, str]:
    return dict(arg.removeprefix("-D").split("=", 1) for arg in args)


def test_amx_is_never_built_and_native_is_off() -> None:
    chosen = options(cmake_args("x86_64", SAPPHIRE_RAPIDS))
    assert chosen["GGML_NATIVE"] == "OFF"
    assert {chosen[k] for k in ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")} == {"OFF"}
    # Everything else the CPU has is used.
    for option in ("GGML_AVX2", "GGML_AVX512", "GGML_AVX512_VNNI", "GGML_AVX512_BF16"):
        assert chosen[option] == "ON", option


def test_features_the_cpu_lacks_are_off() -> None:
    chosen = options(cmake_args("x86_64", EPYC_ZEN2))
    assert chosen["GGML_AVX2"] == "ON" and chosen["GGML_FMA"] == "ON"
    assert chosen["GGML_AVX512"] == "OFF" and chosen["GGML_AVX_VNNI"] == "OFF"
    # No flags line at all (a sandbox hides /proc/cpuinfo): every optional kernel off.
    bare = options(cmake_args("x86_64", ""))
    assert bare["GGML_NATIVE"] == "OFF" and bare["GGML_AVX"] == "OFF"


def test_pi_features_lines_and_other_architectures() -> None:
    assert options(cmake_args("aarch64", PI4_A72))["GGML_CPU_ARM_ARCH"] == "armv8-a"
    assert options(cmake_args("aarch64", PI5_A76))["GGML_CPU_ARM_ARCH"] == (
        "armv8.2-a+fp16+dotprod"
    )
    assert cmake_args("riscv64", "") == []
