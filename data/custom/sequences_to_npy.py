"""Turn a folder of per-sequence skeleton text files into the arrays SkeletonDataset reads.

    python data/custom/sequences_to_npy.py --input-dir SEQS --out-dir OUT --joints 15 \
        --label-regex '_(?P<label>[a-z]+)_' --classes classes.txt --val-regex '^p0[45]_'

Input: one text file per sequence (``.csv`` or ``.txt``), one line per frame holding
``joints x channels x persons`` numbers (comma- or space-separated), ordered person by person,
joint by joint, channel by channel: ``p0j0x p0j0y p0j0z p0j1x ...``. Lines starting with ``#``
are comments. A frame the tracker lost is an empty line, a line of zeros or a line with NaN:
``--missing hold`` (default) repeats the last seen pose there (the first seen pose before it),
``--missing drop`` leaves the frame out.

``--center-joint J`` moves every sequence so that joint J of its first frame is at the origin
(as the NTU RGB+D preparation does with the spine), which removes where the person stood.

Label: ``--label-regex`` is searched in the file name; its group ``label`` is a 0-based class id,
or a class name from ``--classes`` (a file with one class name per line, in label order). Split:
files whose name matches ``--val-regex`` go to ``val``, the others to ``train``.

Output in OUT: ``{train,val}_data.npy`` float32 (N, C, T, V, M), every sequence starting at frame
0 and zero-padded to T (the longest sequence, or ``--max-frames``: longer sequences are resampled
evenly to that length), and ``{train,val}_label.pkl`` = ``[names, labels]``. A file that cannot be
used is skipped, named with its reason and counted in the summary (``--strict``: exit 1 then).
With ``--classes``, a copy of it is written as OUT/classes.txt (for ``INFERENCE.class_names``).
Numpy only; no paddle needed.
"""
from __future__ import annotations

import argparse
import os
import pickle
import re
import sys
from collections import Counter
from typing import Dict, List, Optional, Tuple

import numpy as np

SUFFIXES = (".csv", ".txt")


class SequenceError(ValueError):
    """A sequence file that cannot be used; the message names the line and what was expected,
    ``kind`` is what the summary counts it as."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def read_sequence(path: str, joints: int, channels: int, persons: int, missing: str) -> np.ndarray:
    """One file -> float32 (C, T, V, M); lost frames held or dropped as ``missing`` says."""
    width = joints * channels * persons
    frames: List[Optional[np.ndarray]] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            text = line.strip()
            if text.startswith("#"):
                continue
            if not text:
                frames.append(None)
                continue
            try:
                values = np.array([float(v) for v in re.split(r"[,\s]+", text)], dtype=np.float64)
            except ValueError:
                raise SequenceError("malformed line", f"line {number}: not a list of numbers: {text[:60]!r}") from None
            if values.size != width:
                raise SequenceError("wrong number count", f"line {number}: {values.size} numbers, expected {width} "
                                    f"({joints} joints x {channels} channels x {persons} person(s))")
            lost = np.isnan(values).any() or not values.any()
            frames.append(None if lost else values)
    seen = [k for k, frame in enumerate(frames) if frame is not None]
    if not seen:
        raise SequenceError("no pose", "no frame with a pose (empty, or every frame lost)")
    if missing == "drop":
        kept = [frames[k] for k in seen]
    else:
        kept, last = [], frames[seen[0]]
        for frame in frames:
            last = frame if frame is not None else last
            kept.append(last)
    data = np.stack(kept).reshape(len(kept), persons, joints, channels)  # (T, M, V, C)
    return data.transpose(3, 0, 2, 1).astype(np.float32)  # (C, T, V, M)


def label_of(name: str, pattern: re.Pattern, classes: Optional[List[str]]) -> int:
    match = pattern.search(name)
    if match is None or "label" not in match.groupdict():
        raise SequenceError("no label", f"--label-regex {pattern.pattern!r} does not match the name "
                                        "(or has no group 'label')")
    value = match.group("label")
    if value.isdigit():
        return int(value)
    if classes is None:
        raise SequenceError("no label", f"label {value!r} is a name: give --classes FILE (one class name per line)")
    if value not in classes:
        raise SequenceError("unknown class", f"label {value!r} is not in --classes ({len(classes)} names)")
    return classes.index(value)


def resample(data: np.ndarray, length: int) -> np.ndarray:
    """(C, T, V, M) -> (C, length, V, M) by evenly spaced frames (T > length)."""
    picks = np.linspace(0, data.shape[1] - 1, length).round().astype(int)
    return data[:, picks]


def pack(samples: List[Tuple[str, int, np.ndarray]], frames: int) -> Tuple[np.ndarray, List[str], List[int]]:
    """Zero-pad (or resample) every (C, T, V, M) sample to ``frames`` frames and stack them."""
    c, _, v, m = samples[0][2].shape
    out = np.zeros((len(samples), c, frames, v, m), dtype=np.float32)
    for i, (_, _, data) in enumerate(samples):
        data = resample(data, frames) if data.shape[1] > frames else data
        out[i, :, :data.shape[1]] = data
    return out, [s[0] for s in samples], [s[1] for s in samples]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input-dir", required=True, help="folder of per-sequence .csv/.txt files (searched recursively)")
    p.add_argument("--out-dir", required=True, help="where {train,val}_data.npy and _label.pkl are written")
    p.add_argument("--joints", type=int, required=True, help="joints per person (V)")
    p.add_argument("--channels", type=int, default=3, help="numbers per joint (C), default 3: x y z")
    p.add_argument("--persons", type=int, default=1, help="persons per frame (M), default 1")
    p.add_argument("--label-regex", required=True, help="regex with a group 'label' searched in the file name")
    p.add_argument("--classes", help="class names, one per line in label order, for names in the label group")
    p.add_argument("--val-regex", default=None, help="file names matching it form the val split")
    p.add_argument("--missing", choices=("hold", "drop"), default="hold", help="lost-tracking frames (default hold)")
    p.add_argument("--max-frames", type=int, default=None, help="cap T; longer sequences are resampled evenly")
    p.add_argument("--center-joint", type=int, default=None,
                   help="subtract this joint's first-frame position from every frame (0-based index)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a file was skipped")
    args = p.parse_args(argv)

    if args.center_joint is not None and not 0 <= args.center_joint < args.joints:
        print(f"error: --center-joint {args.center_joint}: expected a joint index in [0, {args.joints - 1}]",
              file=sys.stderr)
        return 2
    if not os.path.isdir(args.input_dir):
        print(f"error: --input-dir {args.input_dir}: no such folder", file=sys.stderr)
        return 2
    classes = None
    if args.classes:
        if not os.path.isfile(args.classes):
            print(f"error: --classes {args.classes}: no such file", file=sys.stderr)
            return 2
        with open(args.classes, encoding="utf-8") as f:
            classes = [line.strip() for line in f if line.strip()]
    pattern, val_pattern = re.compile(args.label_regex), re.compile(args.val_regex) if args.val_regex else None

    files = sorted(os.path.join(root, n) for root, _, names in os.walk(args.input_dir)
                   for n in names if n.lower().endswith(SUFFIXES))
    splits: Dict[str, List[Tuple[str, int, np.ndarray]]] = {"train": [], "val": []}
    skipped: Counter = Counter()
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        try:
            label = label_of(name, pattern, classes)
            data = read_sequence(path, args.joints, args.channels, args.persons, args.missing)
        except (SequenceError, OSError, UnicodeDecodeError) as err:
            print(f"skipped {path}: {err}", file=sys.stderr)
            skipped[getattr(err, "kind", "unreadable file")] += 1
            continue
        if args.center_joint is not None:
            data = data - data[:, :1, args.center_joint:args.center_joint + 1, :1]  # first frame, first person
        split = "val" if val_pattern and val_pattern.search(name) else "train"
        splits[split].append((name, label, data))

    print(f"files found: {len(files)} ({', '.join(SUFFIXES)}); used: {len(files) - sum(skipped.values())}; "
          f"skipped: {sum(skipped.values())}")
    for reason, count in sorted(skipped.items()):
        print(f"  skipped, {reason}: {count}")
    lengths = [s[2].shape[1] for split in splits.values() for s in split]
    if not lengths:
        print("error: no usable sequence", file=sys.stderr)
        return 1
    frames = min(max(lengths), args.max_frames) if args.max_frames else max(lengths)
    print(f"frames per sequence: min {min(lengths)}, median {int(np.median(lengths))}, max {max(lengths)}; "
          f"arrays padded to T={frames}")
    os.makedirs(args.out_dir, exist_ok=True)
    for split, samples in splits.items():
        if not samples:
            print(f"  {split}: 0 sequences (nothing written)")
            continue
        data, names, labels = pack(samples, frames)
        np.save(os.path.join(args.out_dir, f"{split}_data.npy"), data)
        with open(os.path.join(args.out_dir, f"{split}_label.pkl"), "wb") as f:
            pickle.dump([names, labels], f)
        per_class = ", ".join(f"{c}: {n}" for c, n in sorted(Counter(labels).items()))
        print(f"  {split}: {len(samples)} sequences, shape {data.shape}; per class {{{per_class}}}")
    if classes is not None:
        with open(os.path.join(args.out_dir, "classes.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(classes) + "\n")
    return 1 if args.strict and skipped else 0


if __name__ == "__main__":
    sys.exit(main())
