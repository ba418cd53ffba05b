"""The per-sample steps of the official CTR-GCN NW-UCLA feeder, as pipeline transforms.

The feeder, on a sequence of T frames of 20 joints:
  1. subtracts joint 1 (0-based; the spine) of the first frame from every joint of every frame;
  2. when training, rotates the view: integer angles ax, ay drawn from [-60, 60] degrees and
     a scale s from [0.5, 1.5], applied as row vectors ``x @ (Ry(ay) @ Rx(ax) @ s I)``;
  3. scales each coordinate to [-1, 1] by its minimum and maximum over all frames and joints;
  4. samples 52 frames: when training a sorted random draw, otherwise evenly spaced frames.
A UCLA config lists them in that order:

    - CenterOnFirstFrame: {joint: 1}
    - RandomViewTransform: {argument: true}      # argument: false (or omit) for val/test
    - MinMaxScale:
    - ResampleFrames: {window_size: 52, random_draw: true}   # false for val/test

Step 3 is invariant to any per-axis shift and to a positive uniform scale, so it cancels the
centring of step 1 and the scale s of step 2; only the rotation changes what the model sees.
The steps are kept as the feeder has them, so configs read like the published recipe.

Randomness comes from ``np.random`` as in ``skeleton.py``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ...utils.values import is_int
from ..registry import PIPELINES
from .skeleton import Results, axis_rotation, check_bool, sample_data

# The training draw picks frames from the frame list repeated this many times (without
# replacement), so one frame appears at most this often in a window.
DRAW_REPEATS = 100


@PIPELINES.register()
class CenterOnFirstFrame:
    """Subtract the coordinates of ``joint`` in the first frame (of the first body) from all data.

    Args:
        joint: 0-based joint index (1, the spine, for NW-UCLA as in CTR-GCN).
    """

    def __init__(self, joint: int = 1):
        if not is_int(joint, low=0):
            raise ValueError(f"CenterOnFirstFrame: joint must be an integer >= 0, got {joint!r}")
        self.joint = joint

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "CenterOnFirstFrame")
        if self.joint >= data.shape[2]:
            raise ValueError(f"CenterOnFirstFrame: joint {self.joint} out of range for V={data.shape[2]} joints")
        centre = data[:, 0, self.joint, 0]  # (C,)
        results["data"] = (data - centre[:, None, None, None]).astype(np.float32)
        return results


def view_transform(data: np.ndarray, angle_x: float, angle_y: float, scale: float) -> np.ndarray:
    """Apply the NW-UCLA feeder's view change to (3, T, V, M) coordinates.

    Angles in degrees. Each point x (a row vector) becomes ``x @ (Ry(angle_y) @ Rx(angle_x) * scale)``.
    """
    mat = axis_rotation(1, np.radians(angle_y)) @ axis_rotation(0, np.radians(angle_x)) * scale
    return np.einsum("ktvm,kc->ctvm", data, mat)


@PIPELINES.register()
class RandomViewTransform:
    """The NW-UCLA feeder's random view change (training augmentation).

    Args:
        argument: transform only when true (false passes data through, as a test pipeline).
        max_angle: angles about x and y are integers drawn uniformly from [-max_angle, max_angle] degrees.
        scale_range: [low, high] of the uniform scale factor.
    """

    def __init__(self, argument: bool, max_angle: int = 60, scale_range: Sequence[float] = (0.5, 1.5)):
        owner = "RandomViewTransform"
        self.argument = check_bool(argument, "argument", owner)
        if not is_int(max_angle, low=0):
            raise ValueError(f"{owner}: max_angle must be an integer >= 0 (degrees), got {max_angle!r}")
        if (not isinstance(scale_range, (list, tuple)) or len(scale_range) != 2
                or not all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in scale_range)
                or not 0 < scale_range[0] <= scale_range[1]):
            raise ValueError(f"{owner}: scale_range must be [low, high] with 0 < low <= high, got {scale_range!r}")
        self.max_angle = max_angle
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "RandomViewTransform")
        if self.argument:
            if data.shape[0] != 3:
                raise ValueError(f"RandomViewTransform: needs 3-d coordinates (C=3), got C={data.shape[0]}")
            angle_x, angle_y = np.random.randint(-self.max_angle, self.max_angle + 1, size=2)
            scale = np.random.uniform(*self.scale_range)
            data = view_transform(data, angle_x, angle_y, scale)
        results["data"] = data.astype(np.float32)
        return results


@PIPELINES.register()
class MinMaxScale:
    """Scale each coordinate channel to [-1, 1] by its min and max over all frames, joints, bodies.

    Every entry counts, zero padding included: meant for unpadded sequences such as NW-UCLA's.
    """

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "MinMaxScale").astype(np.float64)
        low = data.min(axis=(1, 2, 3), keepdims=True)  # (C, 1, 1, 1)
        high = data.max(axis=(1, 2, 3), keepdims=True)
        if np.any(high == low):
            flat = [c for c in range(data.shape[0]) if high[c, 0, 0, 0] == low[c, 0, 0, 0]]
            raise ValueError(f"MinMaxScale: channel(s) {flat} hold a single value; cannot scale to [-1, 1]")
        results["data"] = ((data - low) / (high - low) * 2 - 1).astype(np.float32)
        return results


@PIPELINES.register()
class ResampleFrames:
    """Pick ``window_size`` frames of a (C, T, V, M) sequence, as the NW-UCLA feeder does.

    Args:
        window_size: output length (52 for NW-UCLA).
        random_draw: true (training): draw ``window_size`` entries without replacement from the
            frame indices repeated ``DRAW_REPEATS`` times, and sort them; false (val/test): the
            evenly spaced indices ``linspace(0, T - 1, window_size)`` truncated to integers.
    """

    def __init__(self, window_size: int = 52, random_draw: bool = False):
        if not is_int(window_size, low=1):
            raise ValueError(f"ResampleFrames: window_size must be a positive integer, got {window_size!r}")
        self.window_size = window_size
        self.random_draw = check_bool(random_draw, "random_draw", "ResampleFrames")

    def frame_indices(self, length: int) -> np.ndarray:
        """The ``window_size`` source frame indices for a sequence of ``length`` frames."""
        if self.random_draw:
            if self.window_size > length * DRAW_REPEATS:
                raise ValueError(f"ResampleFrames: cannot draw {self.window_size} frames from {length} "
                                 f"frames repeated {DRAW_REPEATS} times")
            picks = np.random.choice(length * DRAW_REPEATS, self.window_size, replace=False)
            return np.sort(picks % length)  # position k of the repeated list is frame k % length
        return np.linspace(0, length - 1, self.window_size).astype(np.int64)

    def __call__(self, results: Results) -> Results:
        data = sample_data(results, "ResampleFrames")
        results["data"] = data[:, self.frame_indices(data.shape[1])].astype(np.float32)
        return results
