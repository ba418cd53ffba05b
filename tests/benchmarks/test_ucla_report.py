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


def test_gflops_counts_a_grouped_convolution_once_per_group_input():
    """A 1x1 conv 4 -> 8 channels in 2 groups over a 5 x 6 map: 8*5*6 outputs x 2 inputs each."""
    import paddle

    from benchmarks.ucla_report import gflops

    class Toy(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.conv = paddle.nn.Conv2D(4, 8, 1, groups=2)

        def forward(self, inputs, mode="infer"):
            return self.conv(inputs[0])

    assert gflops(Toy(), (4, 5, 6)) == pytest.approx(2 * 8 * 5 * 6 * 2 / 1e9)


def test_gflops_of_ctrgcn_counts_every_ctrgc_conv_and_aggregation():
    """CTRGCN at NW-UCLA shape: the counted work includes conv4 and the aggregation of every
    CTR-GC (upstream formulation), and the model is left on its fast formulation."""
    from benchmarks.ucla_report import gflops
    from paddlevideo.modeling import build_model
    from paddlevideo.modeling.backbones.units import CTRGC
    model = build_model({"framework": "RecognizerGCN",
                         "backbone": {"name": "CTRGCN", "num_point": 20, "num_person": 1, "graph": "nw_ucla"},
                         "head": {"name": "CTRGCNHead", "num_classes": 10, "in_channels": 64}})
    model.eval()
    total = gflops(model, (3, 52, 20, 1))
    ctrgcs = [m for m in model.sublayers() if isinstance(m, CTRGC)]
    assert not any(m.reference_ops for m in ctrgcs)
    V2, S = 20 * 20, 3  # joint pairs, adjacency subsets
    # aggregation: C_out x T x V x V per subset; blocks 1-4 (64, T 52), 5-7 (128, 26), 8-10 (256, 13)
    aggregation = S * V2 * (4 * 64 * 52 + 3 * 128 * 26 + 3 * 256 * 13)
    # conv4: C_out x R x V x V per subset, R = C_in / 8 (8 for raw coordinates)
    conv4 = S * V2 * (4 * 64 * 8 + 128 * 8 + 2 * 128 * 16 + 256 * 16 + 2 * 256 * 32)
    # 0.964: the convolutions and classifier other than conv4, on the time-averaged embeddings
    assert total >= 0.964 + 2 * (aggregation + conv4) / 1e9
