"""Per-sample scores as ``main.py --test`` writes them (``scores.npz``: ``names`` (N,), ``scores``
(N, K) raw logits, ``labels`` (N,) 0-based, -1 when unknown), read and checked for the tools that
combine or compare several of them (tools/ensemble.py, tools/compare_scores.py)."""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

REQUIRED = ("names", "scores", "labels")


class ScoreFile:
    """One ``scores.npz``: names (N,) str, scores (N, K) float64, labels (N,) int64."""

    def __init__(self, path: str):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"score file not found: {path}")
        try:
            loaded = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise ValueError(f"{path}: not a readable .npz score file ({err})") from err
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError(f"{path}: a single array, not a .npz archive of {list(REQUIRED)}")
        with loaded:
            found = list(loaded.files)
            arrays = {k: loaded[k] for k in REQUIRED if k in found}
        missing = [k for k in REQUIRED if k not in arrays]
        if missing:
            raise ValueError(f"{path}: missing array(s) {missing}; a scores.npz from main.py --test "
                             f"holds {list(REQUIRED)}, this file has {found}")
        self.names = arrays["names"].astype(str)
        self.scores = arrays["scores"].astype(np.float64)
        self.labels = arrays["labels"].astype(np.int64)
        self.path = path
        n = len(self.names)
        if self.scores.ndim != 2 or len(self.scores) != n or self.labels.shape != (n,):
            raise ValueError(f"{path}: expected names (N,), scores (N, K), labels (N,); got "
                             f"{self.names.shape}, {self.scores.shape}, {self.labels.shape}")


def check_aligned(files: Sequence[ScoreFile]) -> None:
    """Raise ValueError at the first sample whose name or label differs from the first file's."""
    ref = files[0]
    for other in files[1:]:
        if other.scores.shape[1] != ref.scores.shape[1]:
            raise ValueError(f"{other.path} has {other.scores.shape[1]} classes but {ref.path} has "
                             f"{ref.scores.shape[1]}")
        for what, a, b in (("sample name", ref.names, other.names), ("label", ref.labels, other.labels)):
            n = min(len(a), len(b))
            diff = np.flatnonzero(a[:n] != b[:n])
            if len(diff):
                i = int(diff[0])
                raise ValueError(f"{what}s differ at index {i}: {ref.path} has {a[i].item()!r}, {other.path} has "
                                 f"{b[i].item()!r} "
                                 "(score files must list the same samples in the same order)")
            if len(a) != len(b):
                raise ValueError(f"{ref.path} has {len(a)} samples but {other.path} has {len(b)}; the first "
                                 f"{n} agree (index {n} exists only in the longer file)")
