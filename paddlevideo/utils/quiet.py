"""Keep Paddle's start-up messages that tell a user nothing out of the entry points' output."""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from typing import Iterator

CCACHE_MESSAGE = r"No ccache found\."
CCACHE_MODULE = r"paddle\.utils\.cpp_extension\.extension_utils"


def hide_paddle_noise() -> None:
    """Ignore Paddle's ``UserWarning: No ccache found...``; every other warning still shows.

    Paddle 3.3.1 looks for ``ccache`` while ``import paddle`` runs and warns when it is not on
    PATH. ccache only speeds up compiling custom C++ operators, which this project never does.
    Call before the first ``import paddle`` (main.py, tools/export_model.py, tools/visualize.py).

    The exporter's C++ message is dropped by :func:`native_stderr_without`.
    """
    warnings.filterwarnings("ignore", message=CCACHE_MESSAGE, category=UserWarning, module=CCACHE_MODULE)


PIR_OUT_TENSOR_MESSAGE = "not support input out tensor for now"
OMP_THREADS_MESSAGE = "The computation speed will not be optimized if you use data parallel"


@contextlib.contextmanager
def python_stderr_without(fragment: str) -> Iterator[None]:
    """Drop the lines containing ``fragment`` that Python code prints to ``sys.stderr`` inside the block.

    For ``import paddle`` under ``OMP_NUM_THREADS`` > 1 (main.py's default on CPU): Paddle 3.3.1
    prints ``WARNING: OMP_NUM_THREADS set to 2, not 1. The computation speed will not be
    optimized if you use data parallel ...``, which says nothing about a single-process run.
    """
    captured = io.StringIO()
    previous, sys.stderr = sys.stderr, captured
    try:
        yield
    finally:
        sys.stderr = previous
        kept = [line for line in captured.getvalue().splitlines(keepends=True) if fragment not in line]
        if kept:
            sys.stderr.write("".join(kept))


@contextlib.contextmanager
def native_stderr_without(fragment: str) -> Iterator[None]:
    """Drop the lines containing ``fragment`` that C++ code writes to stderr inside the block.

    For Paddle 3.3.1's ``Paddle static graph(PIR) not support input out tensor for now!!!!!``:
    a glog warning from ``eager_utils.cc`` printed once per export, because ``paddle.mean``
    passes ``out=None`` to its operator while a model is traced. glog can only silence every
    C++ warning (``GLOG_minloglevel``), so the block's file descriptor 2 goes to a temporary
    file and every other line is written back to stderr afterwards, in order.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if fragment not in line]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
