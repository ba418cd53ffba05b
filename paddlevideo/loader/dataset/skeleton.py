"""PaddleVideo-format skeleton data: one ``*_data.npy`` array and one ``*_label.pkl`` file."""
from __future__ import annotations

import os
import pickle
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ..registry import DATASETS
from .base import NO_LABEL, SkeletonSetBase


def _load_array(file_path: str) -> np.ndarray:
    """Memory-map ``file_path``, a float (N, C, T, V, M) ``.npy`` array."""
    if not os.path.isfile(file_path):
        raise FileNotFoundError(f"skeleton data file not found: {file_path}")
    try:
        data = np.load(file_path, mmap_mode="r")
    except (ValueError, OSError) as err:
        raise ValueError(f"{file_path}: not a readable .npy array ({err})") from err
    if data.ndim != 5:
        raise ValueError(f"{file_path}: expected a 5-d array (N, C, T, V, M), got shape {data.shape}")
    if len(data) == 0:
        raise ValueError(f"{file_path}: contains no samples (shape {data.shape})")
    return data


def _as_name(name: Any) -> str:
    return name.decode("utf-8") if isinstance(name, bytes) else str(name)


def _load_labels(label_path: str) -> Tuple[List[str], List[int]]:
    """Read ``[names, labels]`` from a pickle; names may be bytes or str, labels integers >= 0."""
    if not os.path.isfile(label_path):
        raise FileNotFoundError(f"skeleton label file not found: {label_path}")
    try:
        with open(label_path, "rb") as f:
            content = pickle.load(f)
    except Exception as err:  # unpickling can fail in many ways; all mean an unusable file
        raise ValueError(f"{label_path}: not a readable pickle ({type(err).__name__}: {err})") from err
    if not isinstance(content, (list, tuple)) or len(content) != 2:
        raise ValueError(f"{label_path}: expected a pickled pair [names, labels], got {type(content).__name__}")
    raw_names, raw_labels = content
    names = [_as_name(n) for n in raw_names]
    labels: List[int] = []
    for k, label in enumerate(raw_labels):
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or label < 0:
            raise ValueError(f"{label_path}: label {k} ({names[k] if k < len(names) else '?'}) "
                             f"must be an integer class id >= 0, got {label!r}")
        labels.append(int(label))
    if len(names) != len(labels):
        raise ValueError(f"{label_path}: {len(names)} names but {len(labels)} labels")
    return names, labels


@DATASETS.register()
class SkeletonDataset(SkeletonSetBase):
    """Skeleton sequences stored as PaddleVideo/CTR-GCN ``.npy`` + ``.pkl`` files.

    Args:
        file_path: ``*_data.npy``, float (N, C, T, V, M) (NTU: C=3 metres, T=300, V=25, M=2),
            opened memory-mapped so only the samples read are loaded.
        pipeline: the transforms applied to each sample (built from the PIPELINE section).
        label_path: ``*_label.pkl`` holding ``[names, labels]``; ``None`` for inference-only
            data, whose labels are -1 and whose names are the sample indices.
        test_mode: marks a validation/test set (such a set must have ``repeat == 1``).
        repeat: how many times one epoch goes through the set.

    Attributes:
        names: sample names in file order (for per-sample score files).
        labels: 0-based class ids in file order.
    """

    def __init__(self, file_path: str, pipeline: Callable[[Dict[str, Any]], Dict[str, Any]],
                 label_path: Optional[str] = None, test_mode: bool = False, repeat: int = 1):
        super().__init__(pipeline, test_mode, repeat)
        self.file_path = file_path
        self.label_path = label_path
        self.data = _load_array(file_path)
        if label_path is None:
            self.names = [str(i) for i in range(len(self.data))]
            self.labels = [NO_LABEL] * len(self.data)
        else:
            self.names, self.labels = _load_labels(label_path)
            if len(self.labels) != len(self.data):
                raise ValueError(f"{label_path} has {len(self.labels)} labels but {file_path} holds "
                                 f"{len(self.data)} samples")

    def _raw_sample(self, i: int) -> np.ndarray:
        return np.array(self.data[i], dtype=np.float32)  # copy out of the read-only memory map
