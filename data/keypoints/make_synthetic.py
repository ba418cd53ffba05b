#!/usr/bin/env python
"""Write synthetic 2-D keypoint clips (COCO-17, the format of docs/keypoints.md) to try the
keypoint pipeline without a pose estimator:

    python data/keypoints/make_synthetic.py [--out-dir data/keypoints] [--per-class 4]
        [--num-frames 40] [--num-persons 1] [--seed 0]

Three made-up actions (0 wave, 1 squat, 2 step sideways) on a 640 x 480 image, with pixel
noise, one undetected keypoint and, with two or more people, a person missing in the first
frame; ``train.csv`` and ``val.csv`` list the clips (every fourth clip of a class validates).
``--out-dir data/keypoints`` is where configs/recognition/ctrgcn/ctrgcn_light_coco17_keypoints.yaml
reads them.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
from typing import Any, Dict, List, Tuple

import numpy as np

# A standing person facing the camera in COCO-17 order, pixel offsets from the hip centre
# (x right, y down); the person's left side is on the image's right.
_REST_POSE = np.array([
    [0, -150], [8, -158], [-8, -158], [18, -154], [-18, -154],  # nose, eyes, ears (left, right)
    [40, -110], [-40, -110], [48, -55], [-48, -55], [52, 0], [-52, 0],  # shoulders, elbows, wrists
    [22, 0], [-22, 0], [24, 80], [-24, 80], [25, 160], [-25, 160],  # hips, knees, ankles
], dtype=np.float64)
SYNTHETIC_ACTIONS = ("wave", "squat", "step")  # class ids 0, 1, 2
SYNTHETIC_IMAGE_SIZE = (640, 480)


def _synthetic_person(action: int, num_frames: int, centre_x: float, phase: float) -> np.ndarray:
    """(T, 17, 2) pixel coordinates of one person doing synthetic ``action``."""
    t = np.arange(num_frames) / 30.0  # seconds at 30 fps
    swing = np.sin(2 * math.pi * 1.2 * t + phase)  # (T,)
    pose = np.repeat(_REST_POSE[None], num_frames, axis=0)
    if action == 0:  # right arm (image left) raised, the hand waving
        pose[:, 8] = [-70, -150]
        pose[:, 10, 0] = -70 + 40 * swing
        pose[:, 10, 1] = -230
    elif action == 1:  # squat: everything above the knees goes down and up
        pose[:, :13, 1] += 50 * (1 + swing[:, None])
    else:  # step sideways: the whole body moves left and right
        pose[..., 0] += 60 * swing[:, None]
    pose[..., 0] += centre_x
    pose[..., 1] += 260
    return pose


def synthetic_keypoints(action: int, num_frames: int = 40, num_persons: int = 1,
                        seed: int = 0) -> Dict[str, Any]:
    """A keypoint-file dict (640 x 480 image) of ``num_persons`` people doing ``action``.

    Action ids index ``SYNTHETIC_ACTIONS``; pixel noise and the scores depend on ``seed``.
    The last joint (right ankle) of the first frame is left undetected (score 0), and a
    second person is missing (``null``) in the first frame, to exercise those cases.
    """
    if action not in range(len(SYNTHETIC_ACTIONS)):
        raise ValueError(f"action must be one of 0..{len(SYNTHETIC_ACTIONS) - 1} {SYNTHETIC_ACTIONS}, got {action!r}")
    rng = np.random.RandomState(seed)
    persons = []
    for m in range(num_persons):
        xy = _synthetic_person(action, num_frames, 220 + 200 * m + rng.uniform(-30, 30), rng.uniform(0, 2 * math.pi))
        xy += rng.normal(0, 2.0, xy.shape)
        score = rng.uniform(0.6, 1.0, xy.shape[:2] + (1,))
        frames = np.concatenate([xy, score], axis=-1).round(2).tolist()  # (T, 17, 3)
        if m == 0:
            frames[0][16] = [0.0, 0.0, 0.0]
        else:
            frames[0] = None
        persons.append(frames)
    return {"layout": "coco17", "image_size": list(SYNTHETIC_IMAGE_SIZE), "label": action, "keypoints": persons}


def write_synthetic_keypoint_set(folder: str, per_class: int = 4, num_frames: int = 40,
                                 num_persons: int = 1, seed: int = 0) -> Dict[str, List[Tuple[str, int]]]:
    """Write ``per_class`` synthetic clips of each action to ``folder``, plus label files.

    Every fourth clip of a class (k = 3, 7, ...) is listed in ``val.csv``, the others in
    ``train.csv``. Returns ``{'train': [(name, label), ...], 'val': [...]}`` as written.
    """
    os.makedirs(folder, exist_ok=True)
    splits: Dict[str, List[Tuple[str, int]]] = {"train": [], "val": []}
    for action in range(len(SYNTHETIC_ACTIONS)):
        for k in range(per_class):
            name = f"{SYNTHETIC_ACTIONS[action]}_{k:03d}"
            clip = synthetic_keypoints(action, num_frames, num_persons, seed=seed * 7919 + action * 101 + k)
            with open(os.path.join(folder, name + ".json"), "w", encoding="utf-8") as f:
                json.dump(clip, f)
            splits["val" if k % 4 == 3 else "train"].append((name, action))
    for split, entries in splits.items():
        with open(os.path.join(folder, f"{split}.csv"), "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["name", "label"])
            writer.writerows(entries)
    return splits


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default=os.path.join("data", "keypoints"),
                        help="folder for the clips and train.csv / val.csv (default: %(default)s)")
    parser.add_argument("--per-class", type=int, default=4, help="clips per action (default: %(default)s)")
    parser.add_argument("--num-frames", type=int, default=40, help="frames per clip (default: %(default)s)")
    parser.add_argument("--num-persons", type=int, default=1, help="people per clip (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same files (default: %(default)s)")
    args = parser.parse_args(argv)
    splits = write_synthetic_keypoint_set(args.out_dir, args.per_class, args.num_frames, args.num_persons, args.seed)
    print(f"{args.out_dir}: {len(splits['train'])} train and {len(splits['val'])} val clips, "
          f"actions {', '.join(SYNTHETIC_ACTIONS)}")


if __name__ == "__main__":
    main()
