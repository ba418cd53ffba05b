"""Skeleton pipelines of the CTR-GCN NTU recipe: crop-and-resize, random rotation, modalities.

Every transform is a callable taking and returning a results dict whose ``'data'`` is a
(C, T, V, M) array (returned as float32) and whose ``'label'`` passes through. Random
choices come from numpy's global generator ``np.random``: seed it for repeatable runs (see
``paddlevideo/loader/builder.py`` for how DataLoader workers get distinct streams).
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np

from ...graphs import get_graph
from ...utils.values import is_int, is_number
from ..registry import PIPELINES

Results = Dict[str, Any]


def check_bool(value: Any, name: str, owner: str) -> bool:
    """``value`` if it is a real boolean, else ValueError (catches strings such as 'Fasle')."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be true or false, got {value!r}")
    return bool(value)


def sample_data(results: Results, owner: str) -> np.ndarray:
    """The (C, T, V, M) array of a results dict, with a clear error when it is not one."""
    if "data" not in results:
        raise ValueError(f"{owner}: results has no 'data' entry (keys: {sorted(results)})")
    data = np.asarray(results["data"])
    if data.ndim != 4:
        raise ValueError(f"{owner}: expected data of shape (C, T, V, M), got {data.shape}")
    return data


def axis_rotation(axis: int, angle: float) -> np.ndarray:
    """(3, 3) rotation by ``angle`` radians about coordinate ``axis`` (0=x, 1=y, 2=z).

    The convention of CTR-GCN's feeders: about x it is [[1, 0, 0], [0, c, s], [0, -s, c]],
    and y, z follow cyclically (about y: [[c, 0, -s], [0, 1, 0], [s, 0, c]]).
    """
    i, j = {0: (1, 2), 1: (2, 0), 2: (0, 1)}[axis]
    rot = np.eye(3)
    c, s = np.cos(angle), np.sin(angle)
    rot[i, i], rot[i, j], rot[j, i], rot[j, j] = c, s, -s, c
    return rot


def count_valid_frames(data: np.ndarray) -> int:
    """Number of frames of (C, T, V, M) ``data`` holding any non-zero value.

    Like CTR-GCN, the valid frames are taken to be the leading ones (zero padding at the end).
    """
    return int(np.count_nonzero((data != 0).any(axis=(0, 2, 3))))


def resize_time(data: np.ndarray, window_size: int) -> np.ndarray:
    """Linearly resample (C, T, V, M) ``data`` to (C, window_size, V, M).

    Half-pixel centres, as ``interpolate(mode='bilinear', align_corners=False)`` over the
    time axis: output frame j reads source position (j + 0.5) * T / window_size - 0.5,
    clamped at 0 and to the last frame.
    """
    length = data.shape[1]
    src = (np.arange(window_size) + 0.5) * (length / window_size) - 0.5
    src = np.maximum(src, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), length - 1)
    hi = np.minimum(lo + 1, length - 1)
    frac = (src - lo)[None, :, None, None]
    return data[:, lo] * (1.0 - frac) + data[:, hi] * frac


@PIPELINES.register()
class Iden:
    """Identity step kept so PaddleVideo configs (``- Iden:``) load; casts data to float32."""

    def __call__(self, results: Results) -> Results:
        results["data"] = sample_data(results, "Iden").astype(np.float32)
        return results


@PIPELINES.register()
class SkeletonCropSample:
    """CTR-GCN's crop-and-resize of the valid (non-zero) frames to ``window_size`` frames.

    Args:
        window_size: output length T'.
        p_interval: one value p (test: the centred crop of p * valid frames, CTR-GCN uses
            0.95) or two values [p0, p1] (train: a random crop of a proportion drawn uniformly
            from [p0, p1], at random position, never shorter than ``min_crop`` frames nor
            longer than the valid frames).
        min_crop: lower bound of the random crop length; CTR-GCN and PaddleVideo fix it at 64.

    Input (C, T, V, M); output float32 (C, window_size, V, M).
    """

    def __init__(self, window_size: int, p_interval: Sequence[float], min_crop: int = 64):
        owner = "SkeletonCropSample"
        if not is_int(window_size, low=1):
            raise ValueError(f"{owner}: window_size must be a positive integer, got {window_size!r}")
        if not is_int(min_crop, low=1):
            raise ValueError(f"{owner}: min_crop must be a positive integer, got {min_crop!r}")
        if (not isinstance(p_interval, (list, tuple)) or len(p_interval) not in (1, 2)
                or not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in p_interval)):
            raise ValueError(f"{owner}: p_interval must be [p] or [p0, p1] with numbers in (0, 1], got {p_interval!r}")
        if not all(0 < p <= 1 for p in p_interval) or (len(p_interval) == 2 and p_interval[0] > p_interval[1]):
            raise ValueError(f"{owner}: p_interval values must lie in (0, 1] with p0 <= p1, got {list(p_interval)}")
        self.window_size = window_size
        self.p_interval = [float(p) for p in p_interval]
        self.min_crop = min_crop

    def crop(self, data: np.ndarray) -> np.ndarray:
        """The cropped (C, T_crop, V, M) part of the valid frames."""
        valid = count_valid_frames(data)
        if valid == 0:
            raise ValueError("SkeletonCropSample: the sample is all zeros (no valid frame to crop)")
        if len(self.p_interval) == 1:
            margin = int((1 - self.p_interval[0]) * valid / 2)
            return data[:, margin:valid - margin]
        p = np.random.uniform(self.p_interval[0], self.p_interval[1])
        length = min(max(int(np.floor(valid * p)), self.min_crop), valid)
        start = np.random.randint(0, valid - length + 1)
        return data[:, start:start + length]

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "SkeletonCropSample")
        results["data"] = resize_time(self.crop(data), self.window_size).astype(np.float32)
        return results


@PIPELINES.register()
class RandomRotation:
    """CTR-GCN's random rotation of 3-d skeletons (training augmentation).

    Draws angles (ax, ay, az) uniformly from [-theta, theta] radians and applies
    R = Rz(az) @ Ry(ay) @ Rx(ax) (``axis_rotation`` convention) to every joint of every frame.

    Args:
        argument: rotate only when true (false passes the data through, as a test pipeline).
        theta: largest angle about each axis, radians.
    """

    def __init__(self, argument: bool, theta: float = 0.3):
        self.argument = check_bool(argument, "argument", "RandomRotation")
        if not is_number(theta, low=0):
            raise ValueError(f"RandomRotation: theta must be a number >= 0 (radians), got {theta!r}")
        self.theta = float(theta)

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "RandomRotation")
        if self.argument:
            if data.shape[0] != 3:
                raise ValueError(f"RandomRotation: needs 3-d coordinates (C=3), got C={data.shape[0]}")
            ax, ay, az = np.random.uniform(-self.theta, self.theta, 3)
            rot = axis_rotation(2, az) @ axis_rotation(1, ay) @ axis_rotation(0, ax)
            data = np.einsum("ck,ktvm->ctvm", rot, data)
        results["data"] = data.astype(np.float32)
        return results


# (joint, bone, motion) -> modality name
MODALITIES = {
    (True, False, False): "joint",
    (False, True, False): "bone",
    (False, False, True): "motion",
    (False, True, True): "bone_motion",
}


def bone_vectors(data: np.ndarray, inward: Sequence[Sequence[int]]) -> np.ndarray:
    """Bones of (C, T, V, M) joints: ``bone[child] = joint[child] - joint[parent]``, 0 at the root."""
    bones = np.zeros_like(data)
    if len(inward):
        child, parent = np.asarray(inward, dtype=np.int64).T
        bones[:, :, child] = data[:, :, child] - data[:, :, parent]
    return bones


def frame_motion(data: np.ndarray) -> np.ndarray:
    """Motion of (C, T, V, M) data: ``x[t + 1] - x[t]``, with the last frame 0."""
    motion = np.zeros_like(data)
    motion[:, :-1] = data[:, 1:] - data[:, :-1]
    return motion


@PIPELINES.register()
class SkeletonModalityTransform:
    """Turn joint coordinates into one input modality: joint, bone, motion or bone-motion.

    Exactly one modality: ``joint`` alone; ``bone`` alone; ``motion`` alone (joint motion);
    or ``bone`` and ``motion`` (bone motion). Bones follow the graph's (child, parent) pairs.

    Args:
        joint, bone, motion: the modality flags (real booleans).
        graph: graph layout name ('ntu_rgb_d', 'nw_ucla', 'coco17', 'custom').
        graph_args: extra ``get_graph`` arguments, e.g. ``{edges: [[1, 0], ...], num_node: 17}``
            for 'custom'.
    """

    def __init__(self, joint: bool = True, bone: bool = False, motion: bool = False,
                 graph: str = "ntu_rgb_d", graph_args: Optional[Dict[str, Any]] = None):
        owner = "SkeletonModalityTransform"
        flags = tuple(check_bool(v, n, owner) for v, n in ((joint, "joint"), (bone, "bone"), (motion, "motion")))
        if flags not in MODALITIES:
            raise ValueError(f"{owner}: joint={flags[0]}, bone={flags[1]}, motion={flags[2]} is not a modality; "
                             "choose exactly one of: joint (joint only), bone (bone only), motion (motion only), "
                             "bone-motion (bone and motion, joint false)")
        self.modality = MODALITIES[flags]
        self.graph = get_graph(graph, **(graph_args or {}))

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "SkeletonModalityTransform").astype(np.float32)
        if self.modality in ("bone", "bone_motion"):
            if data.shape[2] != self.graph.num_node:
                raise ValueError(f"SkeletonModalityTransform: data has V={data.shape[2]} joints but graph "
                                 f"'{self.graph.layout}' has {self.graph.num_node}")
            data = bone_vectors(data, self.graph.inward)
        if self.modality in ("motion", "bone_motion"):
            data = frame_motion(data)
        results["data"] = data
        return results


@PIPELINES.register()
class ConcatModalities:
    """Early fusion: stack several modalities of the same joints along channels.

    ``modalities: [joint, bone, motion]`` turns (3, T, V, M) joints into (9, T, V, M):
    joint, bone and joint-motion channels in that order (``bone_motion`` is also accepted).
    The model then needs ``in_channels`` = 3 x the number of modalities.
    """

    def __init__(self, modalities: Sequence[str] = ("joint", "bone", "motion"),
                 graph: str = "ntu_rgb_d", graph_args: Optional[Dict[str, Any]] = None):
        known = set(MODALITIES.values())
        if not modalities:
            raise ValueError("ConcatModalities: modalities must name at least one of " + ", ".join(sorted(known)))
        for name in modalities:
            if name not in known:
                raise ValueError(f"ConcatModalities: unknown modality {name!r}; expected one of "
                                 + ", ".join(sorted(known)))
        self.modalities = list(modalities)
        self.graph = get_graph(graph, **(graph_args or {}))

    def __call__(self, results: Results) -> Results:
        joints = sample_data(results, "ConcatModalities").astype(np.float32)
        if joints.shape[2] != self.graph.num_node:
            raise ValueError(f"ConcatModalities: data has V={joints.shape[2]} joints but graph "
                             f"'{self.graph.layout}' has {self.graph.num_node}")
        bones = bone_vectors(joints, self.graph.inward) if {"bone", "bone_motion"} & set(self.modalities) else None
        parts = {"joint": lambda: joints, "bone": lambda: bones, "motion": lambda: frame_motion(joints),
                 "bone_motion": lambda: frame_motion(bones)}
        results["data"] = np.concatenate([parts[m]() for m in self.modalities], axis=0)
        return results


# PaddleVideo's spellings, so its configs load unchanged.
PIPELINES.register(SkeletonCropSample, name="SketeonCropSample")
PIPELINES.register(SkeletonModalityTransform, name="SketeonModalityTransform")
