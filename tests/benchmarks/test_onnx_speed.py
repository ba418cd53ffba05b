"""benchmarks/onnx_speed.py: interleaved timing, per-round ratios and the RESULTS.md section,
on fake runners and numbers (the real run takes minutes; its output is in RESULTS.md)."""
import argparse
import collections

import pytest

from benchmarks import onnx_speed


def test_interleaved_runs_round_robin_after_one_untimed_run():
    calls = []
    ticks = iter(range(1000))
    runners = {name: ((lambda x, name=name: calls.append(name)), None) for name in ("a", "b")}
    times = onnx_speed.interleaved(runners, rounds=2, reps=3, clock=lambda: next(ticks) / 1000)
    assert calls == ["a", "b"] + ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3
    assert {name: [len(r) for r in rounds] for name, rounds in times.items()} == {"a": [3, 3], "b": [3, 3]}
    assert all(t == pytest.approx(1.0) for rounds in times.values() for r in rounds for t in r)  # 1 tick = 1 ms


def test_ratio_is_the_median_of_per_round_ratios():
    ours = [[10, 12, 11], [40, 40, 40], [5, 5, 6]]
    theirs = [[20, 20, 20], [50, 50, 50], [10, 10, 10]]
    assert onnx_speed.ratio(ours, theirs) == pytest.approx(0.55)  # rounds: 0.55, 0.8, 0.5
    assert onnx_speed.summary(ours) == (11.0, 5.0)


def fake_models():
    counts = collections.Counter({"Conv": 3, "Reshape": 2})
    return {name: {"shape": (3, 64, 25, 2), "fp32": __file__, "int8": None, "raw": counts, "shipped": counts,
                   "runtime": counts, "open_ms": 150.0} for name in ("CTRGCN", onnx_speed.OFFICIAL)}


def test_report_has_the_heading_ratios_and_command():
    args = argparse.Namespace(torch_ctrgcn="x.onnx", sweep=False, ucla_weights=None, threads=2, rounds=2, reps=1,
                              batches=[16], data="/no/such/folder")
    rounds = {False: [[30.0], [60.0]], True: [[90.0], [60.0]]}
    official = {False: [[60.0], [60.0]], True: [[60.0], [60.0]]}
    latency = {16: {**{("CTRGCN", "fp32", s): t for s, t in rounds.items()},
                    **{(onnx_speed.OFFICIAL, "fp32", s): t for s, t in official.items()}}}
    text = onnx_speed.report(args, fake_models(), latency, None, None, (1.0, 2.0), "1.0")
    assert text.startswith(onnx_speed.HEADING + "\n")
    row = next(line for line in text.splitlines() if line.startswith("| CTRGCN | fp32 |"))
    assert row == "| CTRGCN | fp32 | 45.0 (30.0) | 0.75 | 75.0 (60.0) | 1.25 |"
    assert "| CTRGCN | 5 | 5 | 5 | 3 | 0 | 0 | 2 | 150 |" in text.splitlines()
    assert "not measured (no data at /no/such/folder" in text
    assert "python benchmarks/onnx_speed.py --torch-ctrgcn official_ctrgcn.onnx --threads 2 --rounds 2" in text
