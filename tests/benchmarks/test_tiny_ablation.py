"""benchmarks/tiny_ablation.py: reading accuracies from training outputs, counting exported
operators, and the RESULTS.md section (a variant without training says so)."""
import argparse
import collections
import json
import os

import paddle
import pytest
import yaml

from benchmarks import tiny_ablation as ab
from paddlevideo.inference.export import load_eval_model
from paddlevideo.config import get_config

LOG = """[2026-11-28 10:59:44] INFO: epoch:[  1/6] done: mean loss 2.79105, 28.8 s, 35.02 samples/s
[2026-11-28 11:00:14] INFO: epoch:[  2/6] done: mean loss 1.38222, 29.7 s, 33.96 samples/s
[2026-11-28 11:00:20] INFO: [valid] epoch 2: loss 1.31841 top1 0.55172 top5 0.96983
[2026-11-28 11:00:20] INFO: best top1 so far 0.55172: saved CTRGCN_tiny_ucla_joint_best.pdparams
"""
REST = """[2026-11-28 11:02:14] INFO: epoch:[  4/6] done: mean loss 1.0, 29.7 s, 33.96 samples/s
[2026-11-28 11:02:20] INFO: [valid] epoch 4: loss 0.9 top1 0.80000 top5 0.98000
[2026-11-28 11:04:14] INFO: epoch:[  6/6] done: mean loss 0.8, 29.7 s, 33.96 samples/s
[2026-11-28 11:04:20] INFO: [valid] epoch 6: loss 0.7 top1 0.79000 top5 0.98000
[2026-11-28 11:04:21] INFO: rank 0: final weights checksum 2.9e+04
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def test_finished_log_gives_best_and_last_top1(tmp_path):
    write(str(tmp_path / "train.log"), LOG + REST)
    acc = ab.accuracy_from_log(str(tmp_path / "train.log"))
    assert (acc.status, acc.best, acc.best_epoch, acc.last, acc.epochs_done, acc.epochs) == \
        ("finished", 0.8, 4, 0.79, 6, 6)


def test_unfinished_and_missing_runs_are_not_reported_as_results(tmp_path):
    write(str(tmp_path / "a" / "train.log"), LOG)
    acc = ab.accuracy_from_log(str(tmp_path / "a" / "train.log"))
    assert acc.status == "unfinished" and acc.epochs_done == 2
    assert ab.accuracy_cell(acc) == ("unfinished (epoch 2/6; best so far 55.17%)", "")
    missing = ab.accuracy_from_log(str(tmp_path / "none" / "train.log"))
    assert missing.status == "not trained" and ab.accuracy_cell(missing) == ("not trained", "")


def test_resumed_run_keeps_the_latest_value_per_epoch(tmp_path):
    resumed = LOG.replace("top1 0.55172", "top1 0.10000") + LOG + REST  # epoch 2 rerun after a kill
    write(str(tmp_path / "train.log"), resumed)
    acc = ab.accuracy_from_log(str(tmp_path / "train.log"))
    assert acc.best == 0.8 and acc.status == "finished"


def test_folder_prefers_main_py_test_metrics(tmp_path):
    variant = ab.Variant("x", "c.yaml", folder="out/x")
    write(str(tmp_path / "out" / "x" / "train.log"), LOG + REST)
    assert ab.read_accuracy(variant, root=str(tmp_path)).best == 0.8
    write(str(tmp_path / "out" / "x" / "test" / "metrics.json"), json.dumps({"top1": 0.8125}))
    acc = ab.read_accuracy(variant, root=str(tmp_path))
    assert acc.best == 0.8125 and acc.source.endswith("metrics.json")
    write(str(tmp_path / "out" / "x" / "test" / "metrics.json"), json.dumps({"top1": "high"}))
    with pytest.raises(ValueError, match="metrics.json: expected a number under 'top1'"):
        ab.read_accuracy(variant, root=str(tmp_path))


def test_every_variant_config_and_override_is_valid():
    names = [v.name for v in ab.VARIANTS]
    assert len(set(names)) == len(names)
    for v in ab.VARIANTS:
        assert (v.folder is None) != (v.weights is None), v.name
        cfg = ab.load_variant_config(v, "data")
        for override in v.overrides:  # the override reached the config
            key, value = override.split("=", 1)
            node = cfg
            for part in key.split("."):
                node = node[part]
            assert node == yaml.safe_load(value), (v.name, key)  # as the config parser reads a value


def test_exported_operators_are_counted(tmp_path):
    cfg = get_config(os.path.join(ab.ROOT, ab.CONFIGS, "ctrgcn_tiny_ucla_joint.yaml"), show=False,
                     overrides=["MODEL.backbone.base_channel=8", "MODEL.head.in_channels=4",
                                "MODEL.backbone.blocks=[[1,1,true],[2,2,false]]"])  # out 16 = 4 x head width
    paddle.seed(0)
    model = load_eval_model(cfg, None)
    _, cost = ab.export_cost(model, (9, 16, 20, 1), str(tmp_path), "small")
    convs = sum(isinstance(layer, paddle.nn.Conv2D) for layer in model.sublayers())
    assert cost.ops["1.conv2d"] == convs  # every convolution is one conv2d operator
    assert cost.ops["1.data"] == 1 and cost.ops["p"] > 0
    assert cost.operators == sum(cost.ops.values()) - cost.ops["p"]
    assert cost.json_bytes == os.path.getsize(tmp_path / "small.json")
    assert cost.params_bytes == os.path.getsize(tmp_path / "small.pdiparams")


def test_block_deltas_subtract_the_base():
    base = ab.ExportCost(100, 1000, collections.Counter({"p": 5, "1.conv2d": 2, "1.add": 1}))
    tcn = ab.ExportCost(130, 1400, collections.Counter({"p": 9, "1.conv2d": 5, "1.add": 2}))
    gcn = ab.ExportCost(190, 2000, collections.Counter({"p": 12, "1.conv2d": 9, "1.add": 4, "1.tanh": 1}))
    rows = ab.block_delta_rows({"base": base, "+TCN_unit": tcn, "+TCN_GCN_unit": gcn})
    assert rows[0] == {"block": "TCN_unit", "json_bytes": 30, "params_bytes": 400, "operators": 4,
                       "parameters": 4, "kinds": {"conv2d": 3, "add": 1}}
    assert rows[1]["operators"] == 11 and rows[1]["kinds"] == {"conv2d": 7, "add": 3, "tanh": 1}


def test_section_marks_untrained_variants_and_ratios():
    def row(name, acc, b1):
        return {"name": name, "lever": "l", "accuracy": acc, "params": 10, "gflops": 0.5, "json_bytes": 1,
                "params_bytes": 2, "operators": 3, "latency": {1: b1, 16: 4 * b1}, "onednn": {1: True, 16: False}}
    done = ab.Accuracy(best=0.75, best_epoch=6, last=0.75, epochs_done=6, epochs=6,
                       source=os.path.join(ab.ROOT, "benchmarks", "logs", "x.log"), status="finished")
    rows = [row("ctrgcn", done, 8.0), row("distill", ab.Accuracy(), 2.0)]
    rows[1]["speedup"] = {1: 4.0, 16: 3.5}
    args = argparse.Namespace(threads=2, rounds=3, reps=2, load_start=1.0, load_end=2.0)
    groups = {1: {"params": 5, "gflops": 0.1, "params_bytes": 9, "latency": {1: 2.0, 16: 8.0},
                  "onednn": {1: True, 16: True}, "vs_dense": {1: 1.0, 16: 1.0}},
              0: {"params": 4, "gflops": 0.08, "params_bytes": 7, "latency": {1: 3.0, 16: 16.0},
                  "onednn": {1: True, 16: True}, "vs_dense": {1: 1.5, 16: 2.0}}}
    text = ab.format_section(rows, [], args, groups)
    assert "| 0 (depthwise) | 4 | 0.080 | 7 | 3.00 | 16.0 | 1.50 / 2.00 |" in text
    assert text.startswith(ab.HEADING)
    line = next(t for t in text.splitlines() if t.startswith("| distill"))
    assert "| not trained |" in line and "%" not in line and line.endswith("| 4.00x / 3.50x |")
    assert "| 75.00% (ep 6) | 75.00% |" in text and "32.0 (no oneDNN)" in text
    assert "ctrgcn: `benchmarks/logs/x.log`" in text and "distill: no training log" in text
