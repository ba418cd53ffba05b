"""Which kernels Intel MKL uses on this CPU: training and dynamic-graph inference run on them.

Paddle's CPU matrix products and convolutions (outside oneDNN) run on Intel MKL, which picks
its kernels from the CPU's vendor as well as its instruction sets: on Intel CPUs it takes
the best the CPU has, on other vendors' CPUs generic SSE kernels even when the CPU has AVX2
or AVX-512. ``MKL_DEBUG_CPU_TYPE`` overrides the choice: 5 = AVX2, 7 = AVX-512. Measured
(single-precision products, issue 17 and ``benchmarks/RESULTS.md``): on an AMD EPYC with
AVX2 only, 512x512x8192 at about 10 GFLOP/s by default and 50 with type 5; on an AMD EPYC
with AVX-512, 2048^2 at 114 GFLOP/s with type 5 and 222 with type 7 (training steps
1.14-1.40x faster, gradients as close to float64 as before). MKL reads the variable once, at
its first call: :func:`choose_mkl_kernels` must run before the process's first matrix product
(main.py calls it first thing).
"""
from __future__ import annotations

import os
from typing import Dict, Set

MKL_CPU_TYPE_VAR = "MKL_DEBUG_CPU_TYPE"
MKL_AVX2 = "5"
MKL_AVX512 = "7"
AVX2_FLAGS = frozenset({"avx2", "fma"})
AVX512_FLAGS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})  # MKL's AVX-512 kernels


def cpu_info(cpuinfo: str = "/proc/cpuinfo") -> Dict[str, object]:
    """``vendor`` (``GenuineIntel``, ``AuthenticAMD``... or None), ``model`` (name or None) and
    ``flags`` (set; ARM's ``Features``) of the first CPU in ``cpuinfo``; empty values when the
    file is absent (not Linux) or has no such lines."""
    info: Dict[str, object] = {"vendor": None, "model": None, "flags": set()}
    names = {"vendor_id": "vendor", "model name": "model"}
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if not key:  # a blank line ends the first CPU's block
                    break
                if key in names:
                    info[names[key]] = value.strip()
                elif key in ("flags", "Features"):  # x86, ARM
                    info["flags"] = set(value.split())
    except OSError:
        pass
    return info


def instruction_sets(flags: Set[str]) -> str:
    """'AVX-512', 'AVX2' or 'no AVX2': the widest vector kernels MKL has for these CPU flags."""
    if AVX512_FLAGS <= flags:
        return "AVX-512"
    return "AVX2" if AVX2_FLAGS <= flags else "no AVX2"


def describe_cpu(cpuinfo: str = "/proc/cpuinfo") -> str:
    """'<model name> (<vendor>, <widest vector kernels>)' of this CPU, for logs."""
    info = cpu_info(cpuinfo)
    return (f"{info['model'] or 'unknown CPU model'} ({info['vendor'] or 'unknown vendor'}, "
            f"{instruction_sets(info['flags'])})")  # type: ignore[arg-type]


def choose_mkl_kernels(cpuinfo: str = "/proc/cpuinfo") -> str:
    """Point MKL at the widest kernels this CPU runs (AVX-512 where present, AVX2 otherwise).

    Sets ``MKL_DEBUG_CPU_TYPE`` (7 for AVX-512, 5 for AVX2) on CPUs that are not Intel's;
    leaves it alone on Intel CPUs (MKL already picks their best kernels), on CPUs without
    AVX2, and when the variable is set (the user's choice wins).

    Returns:
        One line saying what MKL will use and why, for the log.
    """
    info = cpu_info(cpuinfo)
    vendor, isa = info["vendor"] or "unknown vendor", instruction_sets(info["flags"])  # type: ignore[arg-type]
    if MKL_CPU_TYPE_VAR in os.environ:
        return f"{MKL_CPU_TYPE_VAR}={os.environ[MKL_CPU_TYPE_VAR]} as set by the user ({vendor}, {isa})"
    if vendor == "GenuineIntel":
        return f"MKL picks its own kernels on this Intel CPU ({isa})"
    if isa == "no AVX2":
        return f"MKL's default kernels ({vendor}, no AVX2)"
    os.environ[MKL_CPU_TYPE_VAR] = MKL_AVX512 if isa == "AVX-512" else MKL_AVX2
    return f"{MKL_CPU_TYPE_VAR}={os.environ[MKL_CPU_TYPE_VAR]}: MKL uses its {isa} kernels on this {vendor} CPU"
