"""CPU math library settings that make training and dynamic-graph inference fast on x86 CPUs.

Paddle's CPU matrix products and convolutions (outside oneDNN) run on Intel MKL. On a
CPU whose vendor is not Intel, MKL picks generic SSE kernels even when the CPU has AVX2:
on an AMD EPYC (2 cores) a 512x512x8192 single-precision product runs at about 10
GFLOP/s, and at about 50 GFLOP/s once MKL is told to use its AVX2 kernels
(``MKL_DEBUG_CPU_TYPE=5``). MKL reads the setting once, at its first call, so it only takes
effect when set before the process's first matrix product.
"""
from __future__ import annotations

import os
from typing import Optional

MKL_CPU_TYPE_VAR = "MKL_DEBUG_CPU_TYPE"
MKL_AVX2 = "5"


def cpu_vendor(cpuinfo: str = "/proc/cpuinfo") -> Optional[str]:
    """The ``vendor_id`` of the first CPU in ``cpuinfo`` (``GenuineIntel``, ``AuthenticAMD``), or
    None when the file is absent or has no such line (not Linux, not x86)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "vendor_id":
                    return value.strip()
    except OSError:
        return None
    return None


def cpu_has_avx2(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the ``flags`` line of the first CPU in ``cpuinfo`` lists ``avx2``."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "flags":
                    return "avx2" in value.split()
    except OSError:
        return False
    return False


def prefer_mkl_avx2(cpuinfo: str = "/proc/cpuinfo") -> Optional[str]:
    """On an AMD CPU with AVX2, set ``MKL_DEBUG_CPU_TYPE=5`` so MKL uses its AVX2 kernels.

    Leaves the environment alone on Intel CPUs (MKL already picks their best kernels), on
    CPUs without AVX2, and when the variable is already set (the user's choice wins).
    Call before the first matrix product of the process.

    Returns:
        A one-line description of what was set, or None when nothing was changed.
    """
    if MKL_CPU_TYPE_VAR in os.environ:
        return None
    if cpu_vendor(cpuinfo) != "AuthenticAMD" or not cpu_has_avx2(cpuinfo):
        return None
    os.environ[MKL_CPU_TYPE_VAR] = MKL_AVX2
    return f"{MKL_CPU_TYPE_VAR}={MKL_AVX2}: MKL uses its AVX2 kernels on this AMD CPU"
