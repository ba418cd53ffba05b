"""tools/compare_scores.py: two models' score files on the same samples, paired: Top-1 with its
Wilson interval, the discordant samples and McNemar's exact test."""
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, load_tool

cmp = load_tool("compare_scores")
ens = load_tool("ensemble")


def write_scores(path, predicted, labels, names=None, classes=4):
    """A scores.npz (main.py --test's form) whose argmax is ``predicted``."""
    scores = np.zeros((len(labels), classes), np.float32)
    scores[np.arange(len(labels)), predicted] = 1.0
    names = names or [f"s{i}" for i in range(len(labels))]
    ens.save_scores(str(path), np.array(names), scores, np.asarray(labels))
    return str(path)


def test_wilson_interval_matches_hand_computed_values():
    lo, hi = cmp.wilson_interval(441, 464)  # 95.04%, CTRGCN's NW-UCLA view-3 Top-1
    assert (round(100 * lo, 2), round(100 * hi, 2)) == (92.67, 96.67)
    assert cmp.wilson_interval(0, 10)[0] == pytest.approx(0.0) and cmp.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert all(math.isnan(v) for v in cmp.wilson_interval(0, 0))


def test_mcnemar_exact_is_the_two_sided_binomial_test():
    assert cmp.mcnemar_exact(0, 0) == 1.0
    assert cmp.mcnemar_exact(5, 5) == 1.0
    assert cmp.mcnemar_exact(0, 6) == pytest.approx(2 / 64)  # 2 * P(X <= 0), X ~ B(6, 1/2)
    assert cmp.mcnemar_exact(2, 10) == pytest.approx(2 * (1 + 12 + 66) / 4096)
    assert cmp.mcnemar_exact(10, 2) == cmp.mcnemar_exact(2, 10)


def test_paired_counts_and_delta(tmp_path):
    labels = [0, 1, 2, 3, 0, 1, 2, -1]  # the last sample has no label: not counted
    a = write_scores(tmp_path / "a.npz", [0, 1, 2, 0, 1, 1, 2, 3], labels)  # right: 0 1 2 5 6
    b = write_scores(tmp_path / "b.npz", [0, 1, 0, 3, 0, 2, 2, 3], labels)  # right: 0 1 3 4 6
    r = cmp.run([a, b])
    assert (r["num_samples"], r["num_labelled"]) == (8, 7)
    assert (r["both"], r["only_a"], r["only_b"], r["neither"]) == (3, 2, 2, 0)
    assert r["a"]["correct"] == r["b"]["correct"] == 5 and r["delta"] == 0.0 and r["p_value"] == 1.0
    lines = cmp.report(r, ["A", "B"])
    assert lines[0] == "7 labelled samples (of 8); one sample is 14.29 pt"
    assert lines[1].startswith("A A: Top-1 71.43% (5/7), 95% interval ")
    assert lines[-1] == "A - B: +0.00 pt (+0 samples); McNemar exact p = 1"


def test_misaligned_files_and_a_wrong_count_are_refused(tmp_path):
    a = write_scores(tmp_path / "a.npz", [0, 1], [0, 1])
    b = write_scores(tmp_path / "b.npz", [0, 1], [0, 1], names=["s0", "x1"])
    with pytest.raises(ValueError, match="sample names differ at index 1"):
        cmp.run([a, b])
    with pytest.raises(ValueError, match="exactly two files"):
        cmp.run([a])


def test_command_line(tmp_path):
    labels = [0] * 12
    a = write_scores(tmp_path / "a.npz", [0] * 12, labels)
    b = write_scores(tmp_path / "b.npz", [0, 0] + [1] * 10, labels)
    r = subprocess.run([sys.executable, "tools/compare_scores.py", "--scores", a, b, "--names", "big", "small"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert "both right 2, only A right 10, only B right 0, both wrong 0" in out
    assert f"A - B: +83.33 pt (+10 samples); McNemar exact p = {2 / 1024:.3g}" in out
    r = subprocess.run([sys.executable, "tools/compare_scores.py", "--scores", a, str(tmp_path / "none.npz")],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "score file not found" in r.stderr and "none.npz" in r.stderr


def test_errors_group_each_models_misses_where_the_other_is_right(tmp_path):
    labels = [0, 0, 0, 1, 2, 2]
    a = write_scores(tmp_path / "a.npz", [1, 1, 0, 1, 2, 0], labels)  # wrong on s0, s1 (0 -> 1) and s5 (2 -> 0)
    b = write_scores(tmp_path / "b.npz", [0, 0, 2, 1, 1, 2], labels)  # wrong on s2 (0 -> 2) and s4 (2 -> 1)
    r = cmp.run([a, b])
    assert r["errors_of_a"] == [("s0", 0, 1), ("s1", 0, 1), ("s5", 2, 0)]
    assert r["errors_of_b"] == [("s2", 0, 2), ("s4", 2, 1)]
    lines = cmp.report(r, ["light", "big"], errors=True, classes=["one hand", "two hands", "drop"])
    start = lines.index("A light wrong, B big right: 3 samples")
    assert lines[start + 1:start + 3] == ["  2 x 0 one hand -> 1 two hands: s0, s1", "  1 x 2 drop -> 0 one hand: s5"]
    assert lines[start + 3:] == ["B big wrong, A light right: 2 samples", "  1 x 0 one hand -> 2 drop: s2",
                                 "  1 x 2 drop -> 1 two hands: s4"]
    assert not any("wrong," in line for line in cmp.report(r, ["light", "big"]))  # only with errors=True


def test_errors_on_the_command_line_with_a_datasets_class_names(tmp_path):
    a = write_scores(tmp_path / "a.npz", [1, 0], [0, 0])
    b = write_scores(tmp_path / "b.npz", [0, 0], [0, 0])
    r = subprocess.run([sys.executable, "tools/compare_scores.py", "--scores", a, b, "--errors",
                        "--dataset", "nwucla"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "  1 x 0 pick up with one hand -> 1 pick up with two hands: s0" in r.stdout.splitlines()
    r = subprocess.run([sys.executable, "tools/compare_scores.py", "--scores", a, b, "--errors",
                        "--dataset", "kinetics"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "unknown dataset 'kinetics'" in r.stderr
