"""Checks of a dataset against its config, run once before training or testing starts.

- joints: padded (N, C, T, V, M) arrays must have the backbone's V (``num_point``, the graph's joints);
- labels: every label of the set must be a class of the head (``MODEL.head.num_classes``);
  found before the first batch, with the set's file and the full label range.
- sampling (warnings, for padded (N, C, T, V, M) arrays such as ``SkeletonDataset``'s):
  a frame-sampling step that draws from all T frames (``ResampleFrames``, made for the unpadded
  NW-UCLA sequences) on data whose samples are mostly zero padding, and a
  ``SkeletonCropSample.min_crop`` longer than most samples' valid frames (they are then never
  cropped, only resized).
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from ..loader.dataset.base import NO_LABEL
from ..loader.pipelines.skeleton import count_valid_frames

MAX_SAMPLES_READ = 256  # valid lengths are estimated on at most this many evenly spaced samples
PADDING_WARN = 0.5      # warn when over half of the frames a whole-sequence sampler draws are padding


def check_joints(dataset, backbone_cfg: Mapping[str, Any], where: str) -> None:
    """Raise ValueError when a padded dataset's joint count V is not the backbone's ``num_point``."""
    from ..modeling.registry import BACKBONES

    data = getattr(dataset, "data", None)
    if not isinstance(data, np.ndarray) or data.ndim != 5:
        return
    num_point = backbone_cfg.get("num_point")
    if num_point is None:
        default = inspect.signature(BACKBONES.get(backbone_cfg["name"])).parameters.get("num_point")
        num_point = None if default is None else default.default
    if isinstance(num_point, int) and data.shape[3] != num_point:
        raise ValueError(f"{where} ({getattr(dataset, 'file_path', '')}): the data has V={data.shape[3]} joints "
                         f"(shape {tuple(data.shape)}), but MODEL.backbone.num_point and its graph have {num_point}")


def check_labels(dataset, num_classes: Optional[int], where: str) -> None:
    """Raise ValueError when a label of ``dataset`` is not a class of the head."""
    labels = [label for label in getattr(dataset, "labels", []) if label != NO_LABEL]
    if not labels or not isinstance(num_classes, int):
        return
    low, high = min(labels), max(labels)
    if low < 0 or high >= num_classes:
        source = getattr(dataset, "label_path", None) or getattr(dataset, "file_path", "")
        raise ValueError(f"{where} ({source}): labels range {low}..{high} over {len(labels)} samples, but "
                         f"MODEL.head.num_classes is {num_classes} (labels must be 0..{num_classes - 1}); "
                         f"set num_classes to {high + 1} or check the labels")


def valid_lengths(data: np.ndarray) -> np.ndarray:
    """Valid (non-zero) frame counts of up to MAX_SAMPLES_READ evenly spaced samples of (N, C, T, V, M)."""
    picks = np.unique(np.linspace(0, len(data) - 1, min(len(data), MAX_SAMPLES_READ)).astype(int))
    return np.asarray([count_valid_frames(np.asarray(data[i])) for i in picks])


def _steps(pipeline_cfg: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The pipeline's steps as (name, kwargs) mappings, sample then transform."""
    steps = []
    for section in ("sample", "transform"):
        for entry in (pipeline_cfg or {}).get(section) or []:
            (name, kwargs), = entry.items()
            steps.append({"name": name, "kwargs": kwargs or {}})
    return steps


def sampling_warnings(dataset, pipeline_cfg: Optional[Mapping[str, Any]], where: str) -> List[str]:
    """Warnings about how the pipeline samples frames of a padded dataset (empty when fine)."""
    data = getattr(dataset, "data", None)
    if not isinstance(data, np.ndarray) or data.ndim != 5:
        return []  # sequences without padding (NW-UCLA json, keypoints)
    frames = data.shape[2]
    lengths = valid_lengths(data)
    median = float(np.median(lengths))
    warnings = []
    for step in _steps(pipeline_cfg):
        if step["name"] == "ResampleFrames":
            padding = 1.0 - float(np.mean(lengths)) / frames
            if padding > PADDING_WARN:
                warnings.append(
                    f"{where}: ResampleFrames draws from all T={frames} frames of these padded arrays, whose "
                    f"samples have a median of {median:.0f} valid frames: about {100 * padding:.0f}% of the "
                    f"frames it draws are zero padding. For padded arrays use SkeletonCropSample (it crops "
                    f"within the valid frames).")
            break  # the first frame-sampling step decides
        if step["name"] == "SkeletonCropSample":
            min_crop = int(step["kwargs"].get("min_crop", 64))
            shorter = float(np.mean(lengths < min_crop))
            p_interval = step["kwargs"].get("p_interval", [])
            if len(p_interval) == 2 and shorter > 0.5:
                warnings.append(
                    f"{where}: SkeletonCropSample.min_crop {min_crop} is longer than the valid frames of "
                    f"{100 * shorter:.0f}% of the samples (median {median:.0f} of T={frames}): those are never "
                    f"cropped, only resized. Set min_crop below the typical length (e.g. {max(1, int(median // 2))}).")
            break
    return warnings
