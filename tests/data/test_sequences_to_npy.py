"""data/custom/sequences_to_npy.py: per-sequence text files -> SkeletonDataset arrays."""
import os
import pickle
import subprocess
import sys

import numpy as np

from tests.conftest import ROOT

TOOL = os.path.join(ROOT, "data", "custom", "sequences_to_npy.py")


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=120)


def write(folder, name, rows):
    with open(os.path.join(folder, name), "w") as f:
        f.write("\n".join(rows) + "\n")


def frame(value, joints=2):
    return ",".join(str(value + j) for j in range(joints * 3))


def test_lengths_lost_frames_labels_split_and_bad_files(tmp_path):
    seqs = tmp_path / "seqs"
    os.makedirs(seqs / "sub")
    write(seqs, "p1_wave_r1.csv", [frame(1), "", frame(3)])                       # a lost frame (empty line)
    write(seqs, "p1_jump_r1.csv", ["# comment", frame(1), "0,0,0,0,0,0", frame(5), frame(6)])  # zeros = lost
    write(seqs / "sub", "p2_wave_r1.txt", [frame(7)] + ["nan,1,1,1,1,1"])       # NaN = lost, sub-folder
    write(seqs, "p1_wave_r2.csv", [frame(1), "1,2,3"])                            # wrong number count
    write(seqs, "p1_wave_r3.csv", ["0,0,0,0,0,0"])                                # no pose
    write(seqs, "p1_sit_r1.csv", [frame(1)])                                      # class not in the list
    write(seqs, "notes.csv", [frame(1)])                                          # no label in the name
    classes = tmp_path / "classes.txt"
    classes.write_text("wave\njump\n")
    out = tmp_path / "out"
    r = run("--input-dir", str(seqs), "--out-dir", str(out), "--joints", "2", "--label-regex",
            "_(?P<label>[a-z]+)_r", "--classes", str(classes), "--val-regex", "^p2_")
    assert r.returncode == 0, r.stderr
    assert "files found: 7 (.csv, .txt); used: 3; skipped: 4" in r.stdout
    for kind in ("wrong number count: 1", "no pose: 1", "unknown class: 1", "no label: 1"):
        assert f"skipped, {kind}" in r.stdout
    assert "p1_wave_r2.csv: line 2: 3 numbers, expected 6 (2 joints x 3 channels x 1 person(s))" in r.stderr
    assert "frames per sequence: min 2, median 3, max 4; arrays padded to T=4" in r.stdout

    train = np.load(out / "train_data.npy")
    names, labels = pickle.load(open(out / "train_label.pkl", "rb"))
    assert names == ["p1_jump_r1", "p1_wave_r1"] and labels == [1, 0]
    assert train.shape == (2, 3, 4, 2, 1)
    jump = train[0, :, :, :, 0]  # (C, T, V): frames 1, held 1, 5, 6
    assert jump[0, :, 0].tolist() == [1, 1, 5, 6]
    wave = train[1, 0, :, 0, 0]
    assert wave.tolist() == [1, 1, 3, 0]  # held lost frame, then zero padding
    val_names, val_labels = pickle.load(open(out / "val_label.pkl", "rb"))
    assert val_names == ["p2_wave_r1"] and val_labels == [0]
    assert (out / "classes.txt").read_text() == "wave\njump\n"

    strict = run("--input-dir", str(seqs), "--out-dir", str(out), "--joints", "2", "--label-regex",
                 "_(?P<label>[a-z]+)_r", "--classes", str(classes), "--strict")
    assert strict.returncode == 1


def test_drop_lost_frames_and_centre_and_cap_length(tmp_path):
    seqs = tmp_path / "seqs"
    seqs.mkdir()
    write(seqs, "x_0_.csv", [frame(2), "", frame(4), frame(6), frame(8)])
    out = tmp_path / "out"
    r = run("--input-dir", str(seqs), "--out-dir", str(out), "--joints", "2", "--label-regex", "_(?P<label>\\d)_",
            "--missing", "drop", "--center-joint", "1", "--max-frames", "2")
    assert r.returncode == 0, r.stderr
    data = np.load(out / "train_data.npy")[0]  # (C, T, V, M)
    assert data.shape == (3, 2, 2, 1)
    # frames 2, 4, 6, 8 (lost one dropped) resampled to 2 -> first and last; centred on joint 1 of frame 0
    assert data[0, :, 0, 0].tolist() == [2 - 5, 8 - 5]


def test_bad_arguments_are_one_line_errors(tmp_path):
    r = run("--input-dir", str(tmp_path / "none"), "--out-dir", str(tmp_path), "--joints", "2", "--label-regex", "x")
    assert r.returncode == 2 and "no such folder" in r.stderr and "Traceback" not in r.stderr
    r = run("--input-dir", str(tmp_path), "--out-dir", str(tmp_path), "--joints", "2", "--label-regex", "x",
            "--center-joint", "5")
    assert r.returncode == 2 and "--center-joint 5: expected a joint index in [0, 1]" in r.stderr
