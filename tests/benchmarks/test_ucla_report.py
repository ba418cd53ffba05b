"""The NW-UCLA report: its Pareto table and plots, the training columns it reads from logs, and its
section text, from hand-made measurements and small fake logs."""
import argparse
import os
from datetime import datetime

import numpy as np
import pytest

from benchmarks import ucla_report as ur
from benchmarks.ucla_report import pareto_rows, plot_pareto
from paddlevideo.utils.train_log import read_train_log

LATENCY = {("ctrgcn", 1): 60.0, ("ctrgcn", 16): 800.0, ("ctrgcn_tiny", 1): 15.0, ("ctrgcn_tiny", 16): 100.0}


def _rows():
    return {("ctrgcn", "short"): {"params": 1000, "gflops": 2.0, "bytes": 6_000_000, "top1": 0.80},
            ("ctrgcn_tiny", "short"): {"params": 200, "gflops": 0.25, "bytes": 1_500_000, "top1": 0.83},
            ("ctrgcn_tiny", "full"): {"params": 200, "gflops": 0.25, "bytes": 1_500_000, "top1": 0.90}}


def test_pareto_rows_relate_every_model_to_ctrgcn_of_the_same_recipe():
    rows = {(r["model"], r["recipe"]): r for r in pareto_rows(_rows(), LATENCY)}
    assert rows[("ctrgcn", "short")]["size_share"] == 1.0 and rows[("ctrgcn", "short")]["speedup_b1"] == 1.0
    tiny = rows[("ctrgcn_tiny", "short")]
    assert tiny["size_share"] == pytest.approx(0.25)
    assert tiny["speedup_b1"] == pytest.approx(4.0)
    assert tiny["speedup_b16"] == pytest.approx(8.0)
    assert tiny["top1_delta"] == pytest.approx(0.03)
    assert "size_share" not in rows[("ctrgcn_tiny", "full")]  # no full-recipe ctrgcn to compare with
    assert rows[("ctrgcn_tiny", "full")]["b1"] == 15.0


def test_plot_pareto_writes_a_png(tmp_path):
    path = str(tmp_path / "pareto.png")
    plot_pareto(pareto_rows(_rows(), LATENCY), path, "test")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not os.path.exists(path + ".tmp.png")


# ----------------------------------------------------------------------------- logs and weights files

STAMP = "[2026-12-07 {}] INFO: "


def fake_log(epochs, top1, seconds=60.0, rate=20.0, loads=None, start_minute=0, finished=True):
    """A train.log of ``len(top1)`` epochs (of ``epochs`` planned), one validation per epoch, the
    epochs ending a minute apart from ``start_minute``."""
    lines = []
    for e, value in enumerate(top1, 1):
        minute = f"10:{start_minute + e:02d}:00"
        load = f", load {loads[e - 1]:.2f}" if loads else ""
        lines += [STAMP.format(minute) + f"epoch:[{e:3d}/{epochs}] done: mean loss 1.00000, {seconds:.1f} s, "
                  f"{rate:.2f} samples/s{load}",
                  STAMP.format(minute) + f"[valid] epoch {e}: loss 1.00000 top1 {value:.5f} top5 1.00000"]
    if finished:
        lines.append(STAMP.format(f"10:{start_minute + len(top1):02d}:30") + "rank 0: final weights checksum 1.0e+03")
    return "\n".join(lines) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_weights_names_full_recipe_unsuffixed_others_suffixed(tmp_path):
    assert ur.weights_path("ctrgcn", "full", str(tmp_path)).endswith("weights/ctrgcn_ucla_joint.pdparams")
    assert ur.weights_path("ctrgcn", "short", str(tmp_path)).endswith("weights/ctrgcn_ucla_joint_short.pdparams")
    for model, recipe in (("ctrgcn_tiny", "full"), ("ctrgcn_tiny", "short"), ("ctrgcn", "short")):
        write(ur.weights_path(model, recipe, str(tmp_path)), "")
    assert ur.committed_weights(str(tmp_path)) == [("ctrgcn", "short"), ("ctrgcn_tiny", "short"),
                                                   ("ctrgcn_tiny", "full")]


def test_a_bone_stream_has_its_own_config_weights_and_logs(tmp_path):
    root = str(tmp_path)
    assert ur.split_stream("ctrgcn_light_bone") == ("ctrgcn_light", "bone")
    assert ur.split_stream("ctrgcn_light") == ("ctrgcn_light", "joint")
    assert os.path.isfile(ur.config_path("ctrgcn_light_bone"))
    assert ur.config_path("ctrgcn_light_bone").endswith("configs/recognition/ctrgcn/ctrgcn_light_ucla_bone.yaml")
    assert ur.weights_path("ctrgcn_light_bone", "full", root).endswith("weights/ctrgcn_light_ucla_bone.pdparams")
    assert ur.weights_path("ctrgcn_light_bone", "short", root).endswith("weights/ctrgcn_light_ucla_bone_short.pdparams")
    # the names benchmarks/ucla_train.sh gives a bone run's folder and its finished log
    running = write(os.path.join(root, "benchmarks/runs/ctrgcn_light_bone_ucla_full/train.log"),
                    fake_log(65, [0.4], finished=False))
    copied = write(os.path.join(root, "benchmarks/logs/ctrgcn_light_ucla_bone_short.log"), fake_log(2, [0.5, 0.6]))
    write(os.path.join(root, "benchmarks/logs/ctrgcn_light_ucla_joint_short.log"), fake_log(2, [0.5, 0.7]))
    logs = ur.training_logs(root)
    assert logs[("ctrgcn_light_bone", "full")] == running and logs[("ctrgcn_light_bone", "short")] == copied
    assert logs[("ctrgcn_light", "short")] != copied
    write(ur.weights_path("ctrgcn_light_bone", "full", root), "")
    assert ur.committed_weights(root) == [("ctrgcn_light_bone", "full")]


def test_a_jbm_model_has_its_own_config_weights_logs_and_costs(tmp_path):
    """ctrgcn_light_jbm: CTRGCN_light on 9 input channels; its params, bytes and latency are its own."""
    root = str(tmp_path)
    assert ur.split_stream("ctrgcn_light_jbm") == ("ctrgcn_light", "jbm")
    assert ur.cost_key("ctrgcn_light_jbm") == "ctrgcn_light_jbm"
    assert ur.cost_key("ctrgcn_light_bone") == ur.cost_key("ctrgcn_light") == "ctrgcn_light"

    assert ur.config_path("ctrgcn_light_jbm").endswith("configs/recognition/ctrgcn/ctrgcn_light_ucla_jbm.yaml")
    assert ur.weights_path("ctrgcn_light_jbm", "full", root).endswith("weights/ctrgcn_light_ucla_jbm.pdparams")
    running = write(os.path.join(root, "benchmarks/runs/ctrgcn_light_jbm_ucla_full/train.log"),
                    fake_log(65, [0.4], finished=False))
    assert ur.training_logs(root) == {("ctrgcn_light_jbm", "full"): running}
    cfg = ur.load_cfg("ctrgcn_light_jbm", root)
    assert cfg["MODEL"]["backbone"]["name"] == "CTRGCN_light" and cfg["MODEL"]["backbone"]["in_channels"] == 9
    assert cfg["INFERENCE"]["num_channels"] == 9
    rows = {("ctrgcn_light", "full"): {"params": 700, "gflops": 0.5, "bytes": 3_000_000, "top1": 0.93},
            ("ctrgcn_light_jbm", "full"): {"params": 701, "gflops": 0.51, "bytes": 3_000_100, "top1": 0.95}}
    latency = {("ctrgcn_light", 1): 16.0, ("ctrgcn_light", 16): 80.0,
               ("ctrgcn_light_jbm", 1): 17.0, ("ctrgcn_light_jbm", 16): 85.0}
    assert [(p["model"], p["b1"], p["b16"]) for p in pareto_rows(rows, latency)] == [
        ("ctrgcn_light", 16.0, 80.0), ("ctrgcn_light_jbm", 17.0, 85.0)]


def test_a_distilled_model_has_its_own_config_and_weights_but_its_architectures_costs():
    """ctrgcn_tiny_kd: CTRGCN_tiny distilled; what is exported and timed is CTRGCN_tiny itself."""
    assert ur.split_stream("ctrgcn_tiny_kd") == ("ctrgcn_tiny", "kd")
    assert ur.cost_key("ctrgcn_tiny_kd") == "ctrgcn_tiny"
    assert ur.config_path("ctrgcn_tiny_kd").endswith("configs/recognition/ctrgcn/ctrgcn_tiny_ucla_kd.yaml")
    assert os.path.isfile(ur.config_path("ctrgcn_tiny_kd"))
    assert ur.weights_path("ctrgcn_tiny_kd", "full").endswith("benchmarks/weights/ctrgcn_tiny_ucla_kd.pdparams")


def _scores(path, logits, labels):
    np.savez(path, names=np.array([f"s{i}" for i in range(len(labels))]), scores=np.array(logits, "float32"),
             labels=np.array(labels))
    return str(path)


def test_joint_bone_ensemble_sums_the_two_streams_logits(tmp_path):
    # 3 samples, 6 classes; joint right on 0 and 1, bone right on 2; summed: right on 0 and 2
    joint = [[2, 1, 0, 0, 0, 0], [0, 3, 0, 0, 0, 0], [0, 3, 1, 0, 0, 0]]
    bone = [[1, 2, 0, 0, 0, 0], [0, 0, 4, 0, 0, 0], [0, 0, 5, 0, 0, 0]]
    labels = [0, 1, 2]
    files = {("ctrgcn_light", "full"): _scores(tmp_path / "j.npz", joint, labels),
             ("ctrgcn_light_bone", "full"): _scores(tmp_path / "b.npz", bone, labels),
             ("ctrgcn_tiny", "full"): _scores(tmp_path / "t.npz", joint, labels)}  # no bone stream: no row
    (e,) = ur.joint_bone_ensembles(files)
    assert (e["model"], e["recipe"]) == ("ctrgcn_light", "full")
    assert e["joint"] == pytest.approx(2 / 3) and e["bone"] == pytest.approx(1 / 3)
    assert e["top1"] == pytest.approx(2 / 3) and e["top5"] == 1.0
    assert "vs_reference" not in e  # no CTRGCN of that recipe
    # CTRGCN (joint) right on sample 1 only: the fusion (right on 0 and 2) is paired with it
    files[("ctrgcn", "full")] = _scores(tmp_path / "c.npz", [[0, 1, 0, 0, 0, 0]] * 3, labels)
    (e,) = ur.joint_bone_ensembles(files)
    vs = e["vs_reference"]
    assert (vs["only_a"], vs["only_b"], vs["both"], vs["neither"]) == (2, 1, 0, 0)
    assert vs["a"]["top1"] == pytest.approx(2 / 3) and vs["b"]["top1"] == pytest.approx(1 / 3)
    _scores(tmp_path / "b.npz", bone, [0, 1, 3])
    with pytest.raises(ValueError, match="labels differ at index 2"):
        ur.joint_bone_ensembles(files)


def test_a_finished_runs_copied_log_wins_over_its_run_folder(tmp_path):
    root = str(tmp_path)
    copied = write(os.path.join(root, "benchmarks/logs/ctrgcn_tiny_ucla_joint_full.log"), fake_log(2, [0.5, 0.6]))
    write(os.path.join(root, "benchmarks/runs/ctrgcn_tiny_ucla_full/train.log"), fake_log(2, [0.5, 0.6]))
    running = write(os.path.join(root, "benchmarks/runs/ctrgcn_ucla_full/train.log"),
                    fake_log(65, [0.4], finished=False))
    assert ur.training_logs(root) == {("ctrgcn", "full"): running, ("ctrgcn_tiny", "full"): copied}


def test_training_stats_of_a_log_with_loads(tmp_path):
    log = write(str(tmp_path / "train.log"), fake_log(4, [0.5, 0.7, 0.7, 0.6], seconds=30.0, rate=10.0,
                                                      loads=[1.0, 2.0, 4.0, 3.0]))
    stats = ur.training_stats(read_train_log(log))
    assert stats["best"] == (2, 0.7) and stats["last"] == (4, 0.6)
    assert (stats["epochs_done"], stats["finished"], stats["train_seconds"]) == (4, True, 120.0)
    assert stats["samples_per_s"] == 10.0
    assert stats["load"] == (2.5, 4.0)  # median, max of the done lines' loads
    assert ur.training_cells("full", stats) == ["full (4 epochs)", "2", "60.00%", "0:02", "10.00 (10.00)", "2.5 / 4.0"]


def test_a_log_without_loads_takes_the_load_log_samples_taken_during_its_epochs(tmp_path):
    # epochs of 30 s ending at 10:01:00 and 10:02:00: trained 10:00:30-10:01:00 and 10:01:30-10:02:00
    history = read_train_log(write(str(tmp_path / "train.log"), fake_log(2, [0.5, 0.6], seconds=30.0)))
    load_log = write(str(tmp_path / "load.log"), "2026-12-07T10:00:20 9.00 1 1\n2026-12-07T10:00:40 1.00 1 1\n"
                                                 "\n2026-12-07T10:01:10 9.00 1 1\n2026-12-07T10:01:45 3.00 1 1\n"
                                                 "2026-12-07T10:01:59+00:00 2.00 1 1\n")
    samples = ur.read_load_log(load_log)
    assert samples[0] == (datetime(2026, 12, 7, 10, 0, 20), 9.0) and len(samples) == 5
    assert ur.run_loads(history, samples) == [1.0, 3.0, 2.0]
    assert ur.training_stats(history, samples)["load"] == (2.0, 3.0)
    assert ur.training_stats(history)["load"] is None
    logged = read_train_log(write(str(tmp_path / "b.log"), fake_log(1, [0.5], seconds=30.0, loads=[7.0])))
    assert ur.run_loads(logged, samples) == [7.0]  # the log's own values first


def test_a_malformed_load_log_line_names_the_file_and_line(tmp_path):
    path = write(str(tmp_path / "load.log"), "2026-12-07T10:00:20 1.00 1 1\nload 2.0\n")
    with pytest.raises(ValueError, match=r"load.log:2: expected 'ISO-time load1 load5 load15'"):
        ur.read_load_log(path)


def test_top1_per_epoch_plot_has_one_series_per_run(tmp_path):
    short = read_train_log(write(str(tmp_path / "short.log"), fake_log(3, [0.5, 0.7, 0.72])))
    full = read_train_log(write(str(tmp_path / "full.log"), fake_log(65, [0.6, 0.8], finished=False)))
    path = str(tmp_path / "fig" / "ucla_top1_per_epoch.png")
    series = ur.plot_top1_per_epoch({("ctrgcn", "short"): short, ("ctrgcn_tiny", "full"): full}, path)
    assert series == {"ctrgcn short": {1: 0.5, 2: 0.7, 3: 0.72},
                      "ctrgcn_tiny full (epoch 2/65)": {1: 0.6, 2: 0.8}}
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert ur.progress_line("ctrgcn_tiny", "full", full).startswith(
        "ctrgcn_tiny full (epoch 2/65): best validation Top-1 so far 80.00% (epoch 2), `")


def test_section_has_a_row_per_weights_file_and_says_not_finished_only_for_models_without_full(tmp_path):
    short = read_train_log(write(str(tmp_path / "s.log"), fake_log(2, [0.5, 0.7], seconds=1800.0)))
    rows = {}
    for key, r in _rows().items():
        train = ur.training_stats(short) if key[1] == "short" else {}
        rows[key] = dict(r, top5=0.99, per_class=[r["top1"]] * 10, train=train,
                         expected=[{"name": "a01_s01_e00_v03", "label": 0, "predicted": 0}])
    args = argparse.Namespace(threads=2, repeats=5, load_start=1.0, load_end=2.0, load_log=["/x/load.log"],
                              data=os.path.join(ur.ROOT, "..", "shared", "data", "NW-UCLA", "all_sqe"))
    onednn = {k: True for k in LATENCY}
    text = ur.format_section(rows, LATENCY, onednn, pareto_rows(rows, LATENCY), ["ctrgcn full (epoch 3/65): ..."],
                             [str(i) for i in range(10)], args)
    lines = text.splitlines()
    assert ("| model | recipe | Top-1 | Top-5 | best epoch | last-epoch Top-1 | params | GFLOPs | exported bytes | "
            "latency b1 (ms) | latency b16 (ms) | train time (h:mm) | train samples/s: median epoch (overall) | "
            "load (median / max) |") in lines
    assert "| ctrgcn | short (2 epochs) | 80.00% | 99.00% | 2 | 70.00% | 1,000 | 2.000 | 6,000,000 | 60.0 | " \
           "800.0 | 1:00 | 20.00 (20.00) | - |" in lines
    assert "| ctrgcn_tiny | full | 90.00% | 99.00% | - | - | 200 | 0.250 | 1,500,000 | 15.0 | 100.0 | - | - | - |" \
        in lines
    assert "- ctrgcn full (epoch 3/65): ..." in lines
    assert "Not finished here for ctrgcn, ctrgcn_light, ctrgcn_light_bone, ctrgcn_light_jbm, ctrgcn_tiny_kd:" in text
    assert "ctrgcn_tiny:" not in text
    assert "### Joint + bone ensemble" not in text  # no model has both streams
    assert "python -m benchmarks.ucla_report --data ../shared/data/NW-UCLA/all_sqe --load-log " \
           f"{os.path.relpath('/x/load.log', ur.ROOT)}  # reads ../shared" in lines
    assert "bash benchmarks/ucla_train.sh MODEL RECIPE  # reads ../shared" in lines
    assert "| class | ctrgcn short | ctrgcn_tiny short | ctrgcn_tiny full |" in lines


def test_section_shows_a_bone_row_and_the_joint_bone_ensemble_with_its_commands():
    rows = {key: dict(r, top5=0.99, per_class=[r["top1"]] * 10, train={}, expected=[])
            for key, r in _rows().items()}
    rows[("ctrgcn_tiny_bone", "full")] = dict(rows[("ctrgcn_tiny", "full")], top1=0.85)
    latency = dict(LATENCY)  # a stream is timed as its architecture: no ("ctrgcn_tiny_bone", b) key
    args = argparse.Namespace(threads=2, repeats=5, load_start=1.0, load_end=2.0, load_log=[],
                              data=os.path.join(ur.ROOT, "..", "shared", "data", "NW-UCLA", "all_sqe"))
    ensembles = [{"model": "ctrgcn_tiny", "recipe": "full", "joint": 0.90, "bone": 0.85, "top1": 0.95, "top5": 1.0}]
    pareto = pareto_rows(rows, latency)
    assert [p["b1"] for p in pareto if p["model"] == "ctrgcn_tiny_bone"] == [15.0]
    text = ur.format_section(rows, latency, {k: True for k in latency}, pareto, [], [str(i) for i in range(10)],
                             args, ensembles)
    lines = text.splitlines()
    assert ("| ctrgcn_tiny_bone | full | 85.00% | 99.00% | - | - | 200 | 0.250 | 1,500,000 | 15.0 | 100.0 | "
            "- | - | - |") in lines
    assert "| ctrgcn_tiny | full | 90.00% | 85.00% | 95.00% | 100.00% | - | - | - |" in lines
    assert ("python main.py --test -c configs/recognition/ctrgcn/ctrgcn_tiny_ucla_bone.yaml -w "
            "benchmarks/weights/ctrgcn_tiny_ucla_bone.pdparams --output out/bone "
            "-o DATASET.test.file_path=../shared/data/NW-UCLA/all_sqe  # reads ../shared") in lines
    assert "python tools/ensemble.py --scores out/joint/scores.npz out/bone/scores.npz --out out/ensemble.npz" in lines
    assert not any(line.startswith("python tools/compare_scores.py --scores out/ensemble.npz") for line in lines)
    vs = {"only_a": 12, "only_b": 5, "p_value": 0.1435}
    text = ur.format_section(rows, latency, {k: True for k in latency}, pareto, [], [str(i) for i in range(10)],
                             args, [dict(ensembles[0], vs_reference=vs)])
    lines = text.splitlines()
    assert "| ctrgcn_tiny | full | 90.00% | 85.00% | 95.00% | 100.00% | 12 | 5 | 0.14 |" in lines
    assert ("python main.py --test -c configs/recognition/ctrgcn/ctrgcn_ucla_joint.yaml -w "
            "benchmarks/weights/ctrgcn_ucla_joint.pdparams --output out/ctrgcn "
            "-o DATASET.test.file_path=../shared/data/NW-UCLA/all_sqe  # reads ../shared") in lines
    assert ("python tools/compare_scores.py --scores out/ensemble.npz out/ctrgcn/scores.npz "
            "--names ctrgcn_tiny_joint+bone ctrgcn") in lines


def test_hours_minutes():
    assert [ur.hours_minutes(s) for s in (0, 3012, 3600, 90000)] == ["0:00", "0:50", "1:00", "25:00"]


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
    CTR-GC (upstream formulation), and the model is left on its own formulation."""
    from benchmarks.ucla_report import gflops
    from paddlevideo.modeling import build_model
    from paddlevideo.modeling.backbones.units import CTRGC
    model = build_model({"framework": "RecognizerGCN",
                         "backbone": {"name": "CTRGCN", "num_point": 20, "num_person": 1, "graph": "nw_ucla"},
                         "head": {"name": "CTRGCNHead", "num_classes": 10, "in_channels": 64}})
    model.eval()
    total = gflops(model, (3, 52, 20, 1))
    ctrgcs = [m for m in model.sublayers() if isinstance(m, CTRGC)]
    assert ctrgcs and not any("forward" in vars(m) for m in ctrgcs)
    V2, S = 20 * 20, 3  # joint pairs, adjacency subsets
    # aggregation: C_out x T x V x V per subset; blocks 1-4 (64, T 52), 5-7 (128, 26), 8-10 (256, 13)
    aggregation = S * V2 * (4 * 64 * 52 + 3 * 128 * 26 + 3 * 256 * 13)
    # conv4: C_out x R x V x V per subset, R = C_in / 8 (8 for raw coordinates)
    conv4 = S * V2 * (4 * 64 * 8 + 128 * 8 + 2 * 128 * 16 + 256 * 16 + 2 * 256 * 32)
    # 0.964: the convolutions and classifier other than conv4, on the time-averaged embeddings
    assert total >= 0.964 + 2 * (aggregation + conv4) / 1e9


def test_verified_predictors_give_a_seeded_input_per_batch(tmp_path):
    """A small exported model: one predictor per batch size, its input (batch, *shape), logits per sample."""
    import paddle

    from paddlevideo.config import get_config
    from paddlevideo.inference.export import export_paddle, load_eval_model
    cfg = get_config(os.path.join(ur.ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_tiny_ucla_joint.yaml"),
                     show=False, overrides=["MODEL.backbone.base_channel=8", "MODEL.head.in_channels=4",
                                            "MODEL.backbone.blocks=[[1,1,true],[2,2,false]]"])
    paddle.seed(0)
    shape = (9, 16, 20, 1)
    exported = export_paddle(load_eval_model(cfg, None), shape, str(tmp_path), "small")
    timed = ur.verified_predictors(exported.model_file, exported.params_file, shape, threads=1, batches=(1, 2))
    assert sorted(timed) == [1, 2]
    for batch, (pred, x, onednn) in timed.items():
        assert x.shape == (batch, *shape) and isinstance(onednn, bool)
        assert pred.run(x).shape == (batch, 10)
    assert (timed[2][1][:1] == timed[1][1]).all()  # the same seed: batch 2 starts with batch 1's sample


def test_paired_with_ctrgcn_of_the_same_recipe_and_its_table(tmp_path):
    labels = [0, 1, 2, 3, 4, 5]
    eye = np.eye(6).tolist()
    light = [eye[1], eye[1], eye[2], eye[3], eye[4], eye[0]]  # right on 1-4
    files = {("ctrgcn", "full"): _scores(tmp_path / "c.npz", [eye[0]] * 6, labels),  # right on 0 only
             ("ctrgcn_light", "full"): _scores(tmp_path / "l.npz", light, labels),
             ("ctrgcn_tiny", "short"): _scores(tmp_path / "t.npz", eye, labels)}  # no short ctrgcn: no row
    (p,) = ur.paired_with_reference(files)
    assert (p["model"], p["recipe"], p["only_a"], p["only_b"], p["both"], p["neither"]) == (
        "ctrgcn_light", "full", 4, 1, 0, 1)
    assert p["p_value"] == pytest.approx(2 * (1 + 5) / 32)
    rows = {key: dict(r, top5=0.99, per_class=[r["top1"]] * 10, train={}, expected=[])
            for key, r in _rows().items()}
    args = argparse.Namespace(threads=2, repeats=5, load_start=1.0, load_end=2.0, load_log=[],
                              data=os.path.join(ur.ROOT, "..", "shared", "data", "NW-UCLA", "all_sqe"))
    text = ur.format_section(rows, LATENCY, {k: True for k in LATENCY}, pareto_rows(rows, LATENCY), [],
                             [str(i) for i in range(10)], args, paired=[p])
    lines = text.splitlines()
    lo, hi = (100 * v for v in p["a"]["ci95"])
    assert (f"| ctrgcn_light | full | 66.67% ({lo:.1f}-{hi:.1f}) | 16.67% "
            f"({100 * p['b']['ci95'][0]:.1f}-{100 * p['b']['ci95'][1]:.1f}) | 4 | 1 | +50.00 pt (+3) | 0.38 |") in lines
    # exact commands: every row's test run into its own folder, and the pairing read from those folders
    for model, recipe in rows:
        config = f"{model}_ucla_joint"
        suffix = "" if recipe == "full" else f"_{recipe}"
        assert (f"python main.py --test -c configs/recognition/ctrgcn/{config}.yaml -w benchmarks/weights/"
                f"{config}{suffix}.pdparams --output out/{model}_{recipe} "
                "-o DATASET.test.file_path=../shared/data/NW-UCLA/all_sqe  # reads ../shared") in lines
    assert ("python tools/compare_scores.py --scores out/ctrgcn_light_full/scores.npz "
            "out/ctrgcn_full/scores.npz --names ctrgcn_light ctrgcn") in lines
    assert not any("MODEL" in line for line in lines if line.startswith("python main.py"))
    assert "### Paired with CTRGCN" not in ur.format_section(rows, LATENCY, {k: True for k in LATENCY},
                                                             pareto_rows(rows, LATENCY), [], [str(i) for i in
                                                                                              range(10)], args)


def test_p_values_below_one_percent_keep_a_significant_digit():
    assert ur.p_cell(0.6784) == "0.68" and ur.p_cell(0.01) == "0.01"
    assert ur.p_cell(0.000712) == "0.0007" and ur.p_cell(0.0) == "0"
