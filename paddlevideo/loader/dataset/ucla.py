"""NW-UCLA read straight from its ``all_sqe/*.json`` folder.

Each file ``aAA_sSS_eEE_vVV.json`` (action, subject, take, view) holds ``file_name`` (that
stem), ``skeletons`` ([T][20][3], Kinect v1 joints in metres) and ``label`` (1..10). The
standard cross-view split trains on views 1 and 2 and validates on view 3 (1020 / 464
samples in the released data).

The dataset only loads; the per-sample normalisation and augmentation of the official CTR-GCN
NW-UCLA feeder are pipeline steps (``paddlevideo/loader/pipelines/ucla.py``) the UCLA configs list.
"""
from __future__ import annotations

import glob
import json
import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ...utils.values import is_int
from ..registry import DATASETS
from .base import SkeletonSetBase

NAME_PATTERN = re.compile(r"^a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})$")
SPLIT_VIEWS = {"train": (1, 2), "val": (3,)}
NUM_JOINTS = 20
NUM_CLASSES = 10
# action number AA of the file name, by 0-based label (json label - 1); there is no a07 or a10
ACTION_IDS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)


def _view_of(stem: str, path: str) -> int:
    match = NAME_PATTERN.match(stem)
    if match is None:
        raise ValueError(f"{path}: file name does not follow the NW-UCLA pattern aAA_sSS_eEE_vVV.json")
    return int(match.group(4))


def label_from_name(name: str) -> Optional[int]:
    """0-based label that an NW-UCLA name ``aAA_sSS_eEE_vVV`` (``.json`` or a path allowed) states:
    the place of AA in ACTION_IDS (a08 -> 6). None when the name does not follow the pattern or
    AA is not one of the ten actions."""
    stem = os.path.basename(name)
    if stem.endswith(".json"):
        stem = stem[: -len(".json")]
    match = NAME_PATTERN.match(stem)
    if match is None or int(match.group(1)) not in ACTION_IDS:
        return None
    return ACTION_IDS.index(int(match.group(1)))


def load_ucla_sample(path: str) -> Tuple[np.ndarray, int]:
    """Read one json file; returns skeletons as float64 (3, T, 20, 1) and the 0-based label."""
    try:
        with open(path, "r") as f:
            content = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(content, dict):
        raise ValueError(f"{path}: expected a JSON object with file_name, skeletons, label")
    missing = [key for key in ("file_name", "skeletons", "label") if key not in content]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing}; expected file_name, skeletons, label")
    stem = os.path.splitext(os.path.basename(path))[0]
    if content["file_name"] != stem:
        raise ValueError(f"{path}: file_name {content['file_name']!r} does not match the file's name {stem!r}")
    label = content["label"]
    if not is_int(label, low=1, high=NUM_CLASSES):
        raise ValueError(f"{path}: label must be an integer in 1..{NUM_CLASSES}, got {label!r}")
    try:
        skeletons = np.asarray(content["skeletons"], dtype=np.float64)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{path}: skeletons is not a numeric [T][{NUM_JOINTS}][3] array ({err})") from err
    if skeletons.ndim != 3 or skeletons.shape[0] < 1 or skeletons.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"{path}: skeletons must have shape [T>=1][{NUM_JOINTS}][3], got {skeletons.shape}")
    if not np.isfinite(skeletons).all():
        raise ValueError(f"{path}: skeletons contain NaN or infinite values")
    data = skeletons.transpose(2, 0, 1)[..., None]  # (T, V, C) -> (C, T, V, 1)
    return data, label - 1


@DATASETS.register()
class UCLADataset(SkeletonSetBase):
    """NW-UCLA cross-view split from the ``all_sqe`` json folder.

    Args:
        file_path: the ``all_sqe`` folder.
        pipeline: the transforms applied to each sample (built from the PIPELINE section).
        split: 'train' (views 1 and 2) or 'val' (view 3).
        test_mode: marks a validation/test set (such a set must have ``repeat == 1``).
        repeat: how many times one epoch goes through the set (the official recipe uses 5).

    Attributes:
        names: sample names (file stems) in sorted order.
        labels: 0-based class ids (json ``label`` - 1).
        sequences: raw float64 (3, T, 20, 1) skeletons, loaded once at construction.
    """

    def __init__(self, file_path: str, pipeline: Callable[[Dict[str, Any]], Dict[str, Any]],
                 split: str = "train", test_mode: bool = False, repeat: int = 1):
        super().__init__(pipeline, test_mode, repeat)
        if split not in SPLIT_VIEWS:
            raise ValueError(f"split must be one of {sorted(SPLIT_VIEWS)}, got {split!r}")
        if not os.path.isdir(file_path):
            raise FileNotFoundError(f"NW-UCLA folder not found: {file_path} "
                                    "(expected the all_sqe folder of json files)")
        self.file_path = file_path
        self.split = split
        paths = sorted(glob.glob(os.path.join(file_path, "*.json")))
        if not paths:
            raise FileNotFoundError(f"no .json files in {file_path}")
        views = SPLIT_VIEWS[split]
        self.sequences: List[np.ndarray] = []
        for path in paths:
            stem = os.path.splitext(os.path.basename(path))[0]
            if _view_of(stem, path) not in views:
                continue
            data, label = load_ucla_sample(path)
            self.names.append(stem)
            self.labels.append(label)
            self.sequences.append(data)
        if not self.names:
            raise ValueError(f"{file_path}: no samples of views {views} for split '{split}'")

    def _raw_sample(self, i: int) -> np.ndarray:
        return self.sequences[i].copy()  # transforms may then work in place
