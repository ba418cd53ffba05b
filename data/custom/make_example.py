"""Write a small example of "your own skeletons": per-sequence CSV files of a 15-joint body.

    python data/custom/make_example.py --out-dir my_data [--people 6] [--takes 4] [--seed 0]

Three actions (``wave``, ``squat``, ``jump``), each performed ``--takes`` times by each of
``--people`` people, written to OUT/sequences/pPP_ACTION_rTT.csv. Every file holds one line per frame with
15 joints x (x, y, z) in metres; lengths vary (30-70 frames) and about 3% of the frames are lost
(written as zeros, as trackers do). ``classes.txt`` lists the actions in label order and
``joints.txt`` the joint names (both in OUT). It exists to try docs/custom_data.md end to end; it is
synthetic motion, not a benchmark.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

CLASSES = ["wave", "squat", "jump"]
JOINTS = ["pelvis", "spine", "neck", "head", "l_shoulder", "l_elbow", "l_hand", "r_shoulder", "r_elbow",
          "r_hand", "l_hip", "l_knee", "l_foot", "r_hip", "r_knee"]
# [child, parent] pairs of the 15 joints, rooted at the pelvis (0); see docs/custom_data.md
EDGES = [[1, 0], [2, 1], [3, 2], [4, 2], [5, 4], [6, 5], [7, 2], [8, 7], [9, 8], [10, 0], [11, 10],
         [12, 11], [13, 0], [14, 13]]
REST = np.array([[0, 1.0, 0], [0, 1.25, 0], [0, 1.5, 0], [0, 1.7, 0], [-.2, 1.45, 0], [-.45, 1.45, 0],
                 [-.7, 1.45, 0], [.2, 1.45, 0], [.45, 1.45, 0], [.7, 1.45, 0], [-.1, .95, 0], [-.1, .5, 0],
                 [-.1, .05, 0], [.1, .95, 0], [.1, .5, 0]])


def sequence(action: str, frames: int, rng: np.random.RandomState) -> np.ndarray:
    """(T, 15, 3) positions of one take."""
    t = np.linspace(0, 2 * np.pi * rng.uniform(1.5, 2.5), frames)
    pose = np.repeat(REST[None], frames, axis=0) * rng.uniform(0.9, 1.1)  # body size
    if action == "wave":      # right hand and elbow up and swinging
        pose[:, 9, 1] += 0.4 + 0.1 * np.sin(t)
        pose[:, 9, 0] += 0.15 * np.sin(2 * t)
        pose[:, 8, 1] += 0.2
    elif action == "squat":   # everything above the knees goes down and up
        drop = 0.35 * (1 - np.cos(t)) / 2
        pose[:, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13], 1] -= drop[:, None]
    else:                     # jump: the whole body goes up, arms raised
        pose[:, :, 1] += 0.3 * np.clip(np.sin(t), 0, None)[:, None]
        pose[:, [6, 9], 1] += 0.5
    pose += rng.normal(0, 0.01, pose.shape)  # sensor noise
    pose[:, :, 0] += rng.uniform(-1, 1)      # where the person stands
    pose[:, :, 2] += rng.uniform(2, 4)
    return pose


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", required=True, help="folder for sequences/*.csv, classes.txt and joints.txt")
    p.add_argument("--people", type=int, default=6, help="number of people (default 6)")
    p.add_argument("--takes", type=int, default=4, help="takes per person and action (default 4)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = p.parse_args(argv)
    rng = np.random.RandomState(args.seed)
    os.makedirs(os.path.join(args.out_dir, "sequences"), exist_ok=True)
    count = 0
    for person in range(1, args.people + 1):
        for action in CLASSES:
            for take in range(1, args.takes + 1):
                pose = sequence(action, rng.randint(30, 71), rng).reshape(-1, len(JOINTS) * 3)
                pose[rng.uniform(size=len(pose)) < 0.03] = 0.0  # frames the tracker lost
                path = os.path.join(args.out_dir, "sequences", f"p{person:02d}_{action}_r{take:02d}.csv")
                np.savetxt(path, pose, fmt="%.4f", delimiter=",")
                count += 1
    for name, lines in (("classes.txt", CLASSES), ("joints.txt", JOINTS)):
        with open(os.path.join(args.out_dir, name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(f"wrote {count} sequences of {len(JOINTS)} joints, {len(CLASSES)} classes, to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
