"""The NW-UCLA report's Pareto table and plot, from hand-made measurements."""
import os

import pytest

from benchmarks.ucla_report import pareto_rows, plot_pareto, training_stats


def _rows():
    return {"ctrgcn": {"params": 1000, "gflops": 2.0, "bytes": 6_000_000, "top1": 0.80},
            "ctrgcn_tiny": {"params": 200, "gflops": 0.25, "bytes": 1_500_000, "top1": 0.83}}


def test_pareto_rows_relate_every_model_to_ctrgcn():
    latency = {("ctrgcn", 1): 60.0, ("ctrgcn", 16): 800.0, ("ctrgcn_tiny", 1): 15.0, ("ctrgcn_tiny", 16): 100.0}
    rows = {r["model"]: r for r in pareto_rows(_rows(), latency)}
    assert rows["ctrgcn"]["size_share"] == 1.0 and rows["ctrgcn"]["speedup_b1"] == 1.0
    assert rows["ctrgcn_tiny"]["size_share"] == pytest.approx(0.25)
    assert rows["ctrgcn_tiny"]["speedup_b1"] == pytest.approx(4.0)
    assert rows["ctrgcn_tiny"]["speedup_b16"] == pytest.approx(8.0)
    assert rows["ctrgcn_tiny"]["top1_delta"] == pytest.approx(0.03)


def test_pareto_rows_without_reference_have_no_ratios():
    rows = {"ctrgcn_tiny": _rows()["ctrgcn_tiny"]}
    (row,) = pareto_rows(rows, {("ctrgcn_tiny", 1): 15.0, ("ctrgcn_tiny", 16): 100.0})
    assert "size_share" not in row and row["b1"] == 15.0


def test_plot_pareto_writes_a_png(tmp_path):
    latency = {("ctrgcn", 1): 60.0, ("ctrgcn", 16): 800.0, ("ctrgcn_tiny", 1): 15.0, ("ctrgcn_tiny", 16): 100.0}
    path = str(tmp_path / "pareto.png")
    plot_pareto(pareto_rows(_rows(), latency), path, "test")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not os.path.exists(path + ".tmp.png")


def test_training_stats_of_a_missing_recipe_is_empty():
    assert training_stats("ctrgcn", "no_such_recipe") == {}
