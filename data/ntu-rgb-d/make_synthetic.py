#!/usr/bin/env python
"""Write deterministic, format-true NTU RGB+D ``.skeleton`` files for smoke tests.

    python data/ntu-rgb-d/make_synthetic.py --out-dir DIR [--num-files 60] [--seed 0]

Each file is a standing Kinect v2 skeleton (25 joints, metres, about 3 m from the
camera) moving as one of six NTU-60 actions: clapping (A010), hand waving (A023),
kicking something (A024), jump up (A027) and, with two people, punching (A050) and
handshaking (A058). Names cycle through setups, cameras 1-3, performers 1-8 and both
replications, so xsub and xview each get train and val samples. Body size, position,
speed, length (40-89 frames) and a little joint jitter vary per file; the same seed
gives the same bytes. The files prepare without skips:

    python data/ntu-rgb-d/prepare_ntu.py --skeletons-dir DIR --out-dir OUT
"""
from __future__ import annotations

import argparse
import itertools
import os

import numpy as np

# Kinect v2 joints, standing, facing the camera: metres from the spine base
# (x to the body's left, y up, z away from the camera; a positive turn about the x axis
# brings a hanging limb towards the camera).
REST_POSE = np.array([
    [0.00, 0.00, 0.00],    # 1 spine base
    [0.00, 0.28, -0.01],   # 2 spine middle
    [0.00, 0.55, -0.02],   # 3 neck
    [0.00, 0.70, -0.03],   # 4 head
    [0.17, 0.48, -0.01],   # 5 left shoulder
    [0.22, 0.22, 0.00],    # 6 left elbow
    [0.24, -0.02, -0.02],  # 7 left wrist
    [0.25, -0.09, -0.03],  # 8 left hand
    [-0.17, 0.48, -0.01],  # 9 right shoulder
    [-0.22, 0.22, 0.00],   # 10 right elbow
    [-0.24, -0.02, -0.02],  # 11 right wrist
    [-0.25, -0.09, -0.03],  # 12 right hand
    [0.08, -0.02, 0.00],   # 13 left hip
    [0.09, -0.42, -0.02],  # 14 left knee
    [0.09, -0.80, 0.02],   # 15 left ankle
    [0.10, -0.86, -0.08],  # 16 left foot
    [-0.08, -0.02, 0.00],  # 17 right hip
    [-0.09, -0.42, -0.02],  # 18 right knee
    [-0.09, -0.80, 0.02],  # 19 right ankle
    [-0.10, -0.86, -0.08],  # 20 right foot
    [0.00, 0.48, -0.02],   # 21 spine shoulder
    [0.26, -0.16, -0.04],  # 22 left hand tip
    [0.22, -0.10, -0.07],  # 23 left thumb
    [-0.26, -0.16, -0.04],  # 24 right hand tip
    [-0.22, -0.10, -0.07],  # 25 right thumb
])
LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW, RIGHT_HIP = 4, 8, 5, 9, 16
LEFT_ARM = [5, 6, 7, 21, 22]  # elbow down to the thumb
RIGHT_ARM = [9, 10, 11, 23, 24]
RIGHT_FOREARM = [10, 11, 23, 24]
RIGHT_LEG = [17, 18, 19]
X_AXIS, Y_AXIS, Z_AXIS = np.eye(3)

ACTIONS = (10, 23, 24, 27, 50, 58)  # NTU action numbers (label = number - 1)
TWO_PERSON = {50, 58}
PERFORMERS = (1, 2, 3, 4, 5, 6, 7, 8)  # xsub: 1, 2, 4, 5, 8 train; 3, 6, 7 val


def rotate(poses: np.ndarray, joints: list[int], pivot: int, axis: np.ndarray,
           angles) -> None:
    """Rotate ``joints`` of (T, 25, 3) poses about joint ``pivot`` by ``angles`` radians
    (one per frame, or one for all) around the unit vector ``axis``, in place
    (Rodrigues' formula)."""
    angles = np.broadcast_to(np.asarray(angles, dtype=float), (len(poses),))[:, None, None]
    v = poses[:, joints] - poses[:, pivot:pivot + 1]
    along = (v @ axis)[..., None] * axis
    v = v * np.cos(angles) + np.cross(axis, v) * np.sin(angles) + along * (1 - np.cos(angles))
    poses[:, joints] = poses[:, pivot:pivot + 1] + v


def one_person(action: int, t: np.ndarray, role: int) -> np.ndarray:
    """(T, 25, 3) poses of one performer of ``action`` at phases ``t`` in [0, 1].
    ``role`` 0 or 1 tells the two people of a two-person action apart (1 stands at +x)."""
    poses = np.repeat(REST_POSE[None], len(t), axis=0)
    wave = np.sin(2 * np.pi * t)
    if action == 10:  # clapping: both arms forward, hands meet and part
        rotate(poses, LEFT_ARM, LEFT_SHOULDER, X_AXIS, 1.2)
        rotate(poses, RIGHT_ARM, RIGHT_SHOULDER, X_AXIS, 1.2)
        opening = 0.35 + 0.3 * np.sin(6 * np.pi * t)
        rotate(poses, LEFT_ARM, LEFT_SHOULDER, Y_AXIS, opening)
        rotate(poses, RIGHT_ARM, RIGHT_SHOULDER, Y_AXIS, -opening)
    elif action == 23:  # hand waving: right arm up, forearm swings side to side
        rotate(poses, RIGHT_ARM, RIGHT_SHOULDER, Z_AXIS, -2.5)
        rotate(poses, RIGHT_FOREARM, RIGHT_ELBOW, Z_AXIS, 0.5 * np.sin(8 * np.pi * t))
    elif action == 24:  # kicking something: right leg swings forward once
        rotate(poses, RIGHT_LEG, RIGHT_HIP, X_AXIS, 1.1 * np.sin(np.pi * t) ** 2)
    elif action == 27:  # jump up: the whole body rises and lands
        poses[:, :, 1] += 0.3 * np.maximum(0.0, np.sin(np.pi * (2 * t - 0.5)))[:, None]
    elif action == 50:  # punching: role 0 punches towards role 1, who leans away
        if role == 0:
            rotate(poses, LEFT_ARM, LEFT_SHOULDER, Z_AXIS, 1.5 * np.maximum(0.0, wave))
        else:
            poses[:, :, 0] += 0.08 * np.maximum(0.0, wave)[:, None]
    elif action == 58:  # handshaking: inner hands meet between the two and shake
        arm, shoulder, sign = (LEFT_ARM, LEFT_SHOULDER, 1) if role == 0 else \
            (RIGHT_ARM, RIGHT_SHOULDER, -1)
        rotate(poses, arm, shoulder, Z_AXIS, sign * 1.1)
        rotate(poses, arm, shoulder, X_AXIS, 0.4 + 0.15 * np.sin(8 * np.pi * t))
    return poses


def sample_bodies(action: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Camera-space joints (T, 25, 3) of each person in one file."""
    frames = int(rng.integers(40, 90))
    t = np.linspace(0.0, 1.0, frames) * rng.uniform(0.8, 1.0)
    people = 2 if action in TWO_PERSON else 1
    bodies = []
    for role in range(people):
        scale = rng.uniform(0.9, 1.1)
        pose = one_person(action, t, role) * scale
        origin = np.array([rng.uniform(-0.2, 0.2) + (0.45 if role else -0.45) * (people - 1),
                           rng.uniform(-0.25, -0.05), rng.uniform(2.6, 3.4)])
        sway = np.cumsum(rng.normal(0.0, 0.002, size=(frames, 1, 3)), axis=0)
        jitter = rng.normal(0.0, 0.004, size=pose.shape)
        bodies.append(pose + origin + sway + jitter)
    return bodies


def skeleton_text(bodies: list[np.ndarray], body_ids: list[int]) -> str:
    """The .skeleton text of bodies that are all present in every frame."""
    frames = len(bodies[0])
    out = [f"{frames}"]
    for f in range(frames):
        out.append(f"{len(bodies)}")
        for joints, body_id in zip(bodies, body_ids):
            lean = joints[f, 3, :2] - joints[f, 0, :2]
            out.append(f"{body_id} 0 1 1 1 1 0 {lean[0]:.7g} {lean[1]:.7g} 2")
            out.append("25")
            for x, y, z in joints[f]:
                depth = (256 + 366 * x / z, 212 - 366 * y / z)
                color = (960 + 1066 * x / z, 540 - 1066 * y / z)
                out.append(f"{x:.7g} {y:.7g} {z:.7g} {depth[0]:.7g} {depth[1]:.7g} "
                           f"{color[0]:.7g} {color[1]:.7g} 0 0 0 0 2")
    return "\n".join(out) + "\n"


def sample_names(num_files: int) -> list[tuple[str, int]]:
    """(name, action) of the first ``num_files`` samples, all distinct."""
    combos = itertools.product(range(1, 18), PERFORMERS, (1, 2, 3), (1, 2))
    names = []
    for k, (setup, performer, camera, replication) in enumerate(combos):
        if k == num_files:
            break
        action = ACTIONS[k % len(ACTIONS)]
        names.append((f"S{setup:03d}C{camera:03d}P{performer:03d}R{replication:03d}"
                      f"A{action:03d}", action))
    return names


def make_synthetic(out_dir: str, num_files: int = 60, seed: int = 0) -> list[str]:
    """Write the files; returns their paths."""
    if not 1 <= num_files <= 17 * len(PERFORMERS) * 3 * 2:
        raise ValueError(f"num_files must be in 1..{17 * len(PERFORMERS) * 6}, got {num_files}")
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for k, (name, action) in enumerate(sample_names(num_files)):
        rng = np.random.default_rng([seed, k])
        bodies = sample_bodies(action, rng)
        ids = [72057594037900000 + int(rng.integers(0, 99999)) * 2 + i for i in range(len(bodies))]
        path = os.path.join(out_dir, name + ".skeleton")
        with open(path + ".tmp", "w", encoding="ascii", newline="\n") as f:
            f.write(skeleton_text(bodies, ids))
        os.replace(path + ".tmp", path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", required=True, help="folder for the .skeleton files")
    parser.add_argument("--num-files", type=int, default=60, help="files to write (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args()
    try:
        paths = make_synthetic(args.out_dir, args.num_files, args.seed)
    except ValueError as err:
        parser.error(str(err))
    print(f"wrote {len(paths)} .skeleton files to {args.out_dir}")


if __name__ == "__main__":
    main()
