"""benchmarks/onnx_speed.py: interleaved timing and the RESULTS.md section,
on fake runners and numbers (the real run takes minutes; its output is in RESULTS.md)."""
import argparse
import collections

import pytest

from benchmarks import harness, onnx_speed


def test_timed_ms_runs_round_robin_after_one_untimed_run(monkeypatch):
    calls, clock = [], [0.0]

    def runner(name):
        def run(x):
            calls.append((name, x))
            clock[0] += 0.001  # 1 ms per run
        return run

    monkeypatch.setattr(harness, "wall_seconds", lambda: clock[0])
    times = onnx_speed.timed_ms({name: (runner(name), i) for i, name in enumerate("ab")}, rounds=2, reps=3)
    assert [n for n, _ in calls] == ["a", "b"] + ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3
    assert all(x == "ab".index(n) for n, x in calls)  # each runner gets its own input
    assert times == {name: [[pytest.approx(1.0)] * 3] * 2 for name in "ab"}


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
    assert "python -m benchmarks.onnx_speed --torch-ctrgcn official_ctrgcn.onnx --threads 2 --rounds 2" in text
