"""tools/plot_run.py on a real (tiny) main.py run and on hand-written logs of resumed runs."""
import importlib.util
import os
import pickle
import sys

import numpy as np
import pytest
import yaml
from PIL import Image

from conftest import ROOT


def load_tool(name):
    spec = importlib.util.spec_from_file_location(f"tool_{name}", os.path.join(ROOT, "tools", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


plot_run = load_tool("plot_run")
PNGS = ["loss.png", "lr.png", "top1.png"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Two epochs of a tiny CTRGCN_light (4 iterations each, logged every 2) with validation, then --test."""
    import main as main_module

    tmp = tmp_path_factory.mktemp("run")
    rng = np.random.RandomState(0)
    for split, n in (("train", 16), ("val", 6)):
        labels = rng.randint(0, 3, n)
        np.save(tmp / f"{split}_data.npy", (rng.randn(n, 3, 12, 25, 2) * 0.1).astype("float32"))
        with open(tmp / f"{split}_label.pkl", "wb") as f:
            pickle.dump([[f"{split}{i}" for i in range(n)], labels.tolist()], f)

    def dataset(split, test):
        return {"format": "SkeletonDataset", "file_path": str(tmp / f"{split}_data.npy"),
                "label_path": str(tmp / f"{split}_label.pkl"), "test_mode": test}

    crop = {"sample": [{"SkeletonCropSample": {"window_size": 8, "p_interval": [0.95]}}]}
    cfg = {"MODEL": {"framework": "RecognizerGCN",
                     "backbone": {"name": "CTRGCN_light", "base_channel": 4, "blocks": [[1, 1, True], [2, 2, False]]},
                     "head": {"name": "CTRGCNHead", "num_classes": 3, "in_channels": 2}},
           "DATASET": {"batch_size": 4, "num_workers": 0, "train": dataset("train", False),
                       "valid": dataset("val", True), "test": dataset("val", True)},
           "PIPELINE": {"train": crop, "valid": crop, "test": crop},
           "OPTIMIZER": {"name": "Momentum", "momentum": 0.9,
                         "learning_rate": {"name": "CustomWarmupAdjustDecay", "step_base_lr": 0.1,
                                           "warmup_epochs": 1, "lr_decay_rate": 0.1, "boundaries": [1]}},
           "model_name": "tiny", "epochs": 2, "log_interval": 2, "output_dir": str(tmp / "out")}
    with open(tmp / "tiny.yaml", "w") as f:
        yaml.safe_dump(cfg, f)
    assert main_module.main(["--validate", "-c", str(tmp / "tiny.yaml")]) == 0
    weights = str(tmp / "out" / "tiny_latest.pdparams")
    assert main_module.main(["--test", "-c", str(tmp / "tiny.yaml"), "-w", weights]) == 0
    return str(tmp / "out")


def logged(run_dir, marker, field):
    """Values of ``field`` (the token after it) on the log lines containing ``marker``."""
    with open(os.path.join(run_dir, "train.log")) as f:
        return [float(line.split(field)[1].split()[0].rstrip(",")) for line in f if marker in line]


def test_history_of_a_real_run(run_dir):
    history = plot_run.read_run(run_dir)
    assert history.iters_per_epoch == 4
    assert {e: [r[0] for r in rows] for e, rows in history.iters.items()} == {1: [2, 4], 2: [2, 4]}
    assert [r[1] for e in (1, 2) for r in history.iters[e]] == logged(run_dir, "iter:[", "loss: ")
    assert [r[3] for e in (1, 2) for r in history.iters[e]] == logged(run_dir, "iter:[", "lr: ")
    assert list(history.epoch_loss.values()) == logged(run_dir, "done:", "mean loss ")
    assert [v[1] for v in history.valid.values()] == logged(run_dir, "[valid]", "top1 ")
    lrs = [r[3] for e in (1, 2) for r in history.iters[e]]
    assert lrs[-1] == pytest.approx(0.01)  # x0.1 after epoch 1, as the config says


def test_vdl_records_give_the_same_epochs(run_dir, tmp_path):
    from_log = plot_run.read_run(run_dir)
    from_vdl = plot_run.read_vdl(os.path.join(run_dir, "vdl"))
    assert from_vdl.iters_per_epoch == 4 and [len(r) for r in from_vdl.iters.values()] == [4, 4]
    for epoch, loss in from_log.epoch_loss.items():
        assert from_vdl.epoch_loss[epoch] == pytest.approx(loss, abs=1e-5)  # the log prints 5 decimals
        assert from_vdl.valid[epoch][1] == pytest.approx(from_log.valid[epoch][1], abs=1e-5)
    for epoch, rows in from_log.iters.items():  # logged iterations are a subset of the per-step records
        by_iter = {r[0]: r for r in from_vdl.iters[epoch]}
        for it, loss, _, lr in rows:
            assert by_iter[it][1] == pytest.approx(loss, abs=1e-5) and by_iter[it][3] == pytest.approx(lr)


def test_cli_writes_curves_and_confusion_matrix(run_dir, capsys):
    out_dir = os.path.join(run_dir, "plots")
    assert plot_run.main([run_dir]) == 0
    out = capsys.readouterr().out
    assert "2 epochs" in out and "best validation Top-1" in out
    for name in PNGS + ["confusion_matrix.png"]:
        assert f"wrote {os.path.join(out_dir, name)}" in out
        with Image.open(os.path.join(out_dir, name)) as png:
            assert png.format == "PNG" and png.size[0] > 400
    assert not [p for p in os.listdir(out_dir) if p.startswith(".tmp_")]


LINE = "[2026-01-01 00:00:00] INFO: "


def iter_line(epoch, it, loss, lr=0.1, top1=0.5):
    return (f"{LINE}epoch:[{epoch:3d}/3] iter:[{it:4d}/4] loss: {loss:.5f} top1: {top1:.5f} lr: {lr:.6f} "
            "batch_cost: 0.1 sec, reader_cost: 0.0 sec, ips: 10.0 instance/sec\n")


def test_a_resumed_run_replaces_the_repeated_epoch(tmp_path):
    lines = [iter_line(1, 2, 2.0), iter_line(1, 4, 1.8), f"{LINE}epoch:[  1/3] done: mean loss 1.90000, 1 s\n",
             f"{LINE}[valid] epoch 1: loss 1.50000 top1 0.40000 top5 0.90000\n",
             iter_line(2, 2, 9.0),  # killed here; resumed from the end of epoch 1
             f"{LINE}resumed from resume.pdckpt: continuing at epoch 2/3\n",
             iter_line(2, 2, 1.2, top1=1.0), iter_line(2, 4, 1.0, top1=0.0),
             f"{LINE}epoch:[  2/3] done: mean loss 1.10000, 1 s\n",
             f"{LINE}[valid] epoch 2: loss nan top1 0.60000 top5 1.00000\n"]
    (tmp_path / "train.log").write_text("".join(lines))
    history = plot_run.read_run(str(tmp_path))
    assert history.iters[2] == [(2, 1.2, 1.0, 0.1), (4, 1.0, 0.0, 0.1)]
    assert history.epoch_loss == {1: 1.9, 2: 1.1}
    assert history.train_top1() == {1: 0.5, 2: 0.5}
    assert history.valid[1] == (1.5, 0.4, 0.9) and np.isnan(history.valid[2][0])
    x, y = history.iteration_curve(1)
    np.testing.assert_allclose(x, [0.5, 1.0, 1.5, 2.0])
    np.testing.assert_allclose(y, [2.0, 1.8, 1.2, 1.0])
    assert plot_run.main([str(tmp_path)]) == 0  # NaN validation loss still plots
    assert sorted(os.listdir(tmp_path / "plots")) == PNGS


def test_errors_name_the_folder(tmp_path, capsys):
    assert plot_run.main([str(tmp_path)]) == 1
    assert f"{tmp_path}: neither train.log nor vdl/ found" in capsys.readouterr().err
    (tmp_path / "train.log").write_text(f"{LINE}config loaded\n")
    assert plot_run.main([str(tmp_path)]) == 1
    assert "no training records" in capsys.readouterr().err
    (tmp_path / "train.log").write_text(iter_line(1, 2, 1.0))
    assert plot_run.main([str(tmp_path), "--test_dir", str(tmp_path / "nowhere")]) == 1
    assert "no scores.npz in" in capsys.readouterr().err
