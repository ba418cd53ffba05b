#!/usr/bin/env python
"""Prepare NTU RGB+D 60/120 from raw ``.skeleton`` files in PaddleVideo's format.

    python data/ntu-rgb-d/prepare_ntu.py --skeletons-dir RAW --out-dir OUT \
        [--dataset ntu60|ntu120] [--num-workers N] [--strict] [--limit N] [--names-file F]

writes OUT/<benchmark>/{train,val}_data.npy (N, 3, T, 25, 2) float32 and
{train,val}_label.pkl ([names, labels]) for xsub/xview (NTU-60) or xsub/xset
(NTU-120), plus OUT/prepare_ntu.log. The work is done by
paddlevideo/loader/ntu_prepare.py and ntu_raw.py.
"""
import importlib
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_prepare_module():
    """Import paddlevideo.loader.ntu_prepare without running the package __init__ files,
    which import paddle: the preparation needs only numpy and starts in a fraction of a
    second this way."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    for package in ("paddlevideo", "paddlevideo.loader"):
        if package not in sys.modules:
            module = types.ModuleType(package)
            module.__path__ = [os.path.join(ROOT, *package.split("."))]
            sys.modules[package] = module
    return importlib.import_module("paddlevideo.loader.ntu_prepare")


if __name__ == "__main__":
    # no linear algebra here: one BLAS thread spares numpy's idle thread pool
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(_load_prepare_module().main())
