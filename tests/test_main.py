"""main.py end to end on a tiny generated dataset and a tiny CTRGCN_light.

Covers: training with validation, best/latest checkpoints, repeatable seeds, --resume after
a killed run, --test outputs, config errors, and 2-process data parallel on the CPU.
"""
import os
import pickle
import subprocess
import sys

import numpy as np
import paddle
import pytest
import yaml

import main as main_module
from paddlevideo.tasks import resume
from tests.conftest import ROOT


def write_tiny_set(folder):
    rng = np.random.RandomState(0)
    for split, n in (("train", 16), ("val", 8)):
        labels = rng.randint(0, 3, n)
        x = rng.randn(n, 3, 20, 25, 2).astype("float32") * 0.1
        x[:, 0] += labels[:, None, None, None]
        np.save(os.path.join(folder, f"{split}_data.npy"), x)
        with open(os.path.join(folder, f"{split}_label.pkl"), "wb") as f:
            pickle.dump([[f"{split}{i}" for i in range(n)], labels.tolist()], f)


def tiny_config(folder, epochs=2, **extra):
    write_tiny_set(folder)
    ds = lambda split, test: {"format": "SkeletonDataset",  # noqa: E731
                              "file_path": os.path.join(folder, f"{split}_data.npy"),
                              "label_path": os.path.join(folder, f"{split}_label.pkl"),
                              "test_mode": test}
    crop = lambda p: {"sample": [{"SkeletonCropSample": {"window_size": 12, "p_interval": p}}]}  # noqa: E731
    cfg = {
        "MODEL": {"framework": "RecognizerGCN",
                  "backbone": {"name": "CTRGCN_light", "base_channel": 8,
                               "blocks": [[1, 1, True], [2, 2, False]]},
                  "head": {"name": "CTRGCNHead", "num_classes": 3, "in_channels": 4}},
        "DATASET": {"batch_size": 4, "num_workers": 0, "train": ds("train", False),
                    "valid": ds("val", True), "test": ds("val", True)},
        "PIPELINE": {"train": crop([0.5, 1]), "valid": crop([0.95]), "test": crop([0.95])},
        "OPTIMIZER": {"name": "Momentum", "momentum": 0.9, "use_nesterov": True,
                      "learning_rate": {"name": "CustomWarmupAdjustDecay", "step_base_lr": 0.05,
                                        "warmup_epochs": 2, "lr_decay_rate": 0.1, "boundaries": [3]},
                      "weight_decay": {"name": "L2", "value": 1e-4}},
        "model_name": "tiny", "epochs": epochs, "log_interval": 2,
        "output_dir": os.path.join(folder, "out"),
        "cpu_processes": 1,  # in this process; tests/tasks/test_cpu_parallel.py covers several
    }
    cfg.update(extra)
    path = os.path.join(folder, "tiny.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def train_log_lines(out_dir, word):
    with open(os.path.join(out_dir, "train.log")) as f:
        return [line for line in f if word in line]


def losses_of(out_dir):
    return [line.split("loss: ")[1].split()[0] for line in train_log_lines(out_dir, "iter:[")]


def test_train_validate_checkpoints_and_test(tmp_path):
    cfg = tiny_config(str(tmp_path))
    assert main_module.main(["--validate", "-c", cfg, "--seed", "3"]) == 0
    out = tmp_path / "out"
    for name in ("tiny_best.pdparams", "tiny_latest.pdparams", "tiny_epoch_00002.pdparams", "resume.json"):
        assert (out / name).is_file(), name
    assert not [p for p in os.listdir(out) if p.startswith(".tmp_")]
    log = "".join(train_log_lines(str(out), ""))
    assert "batch_cost" in log and "reader_cost" in log and "ips" in log and "[valid]" in log
    assert any(p.startswith("vdlrecords") for p in os.listdir(out / "vdl"))

    assert main_module.main(["--test", "-c", cfg, "-w", str(out / "tiny_best.pdparams"),
                             "--output", str(tmp_path / "test")]) == 0
    scores = np.load(tmp_path / "test" / "scores.npz")
    assert scores["scores"].shape == (8, 3) and scores["names"][0] == "val0"
    for name in ("confusion_matrix.csv", "confusion_matrix.png", "per_class_accuracy.csv", "metrics.json"):
        assert (tmp_path / "test" / name).is_file(), name


def test_same_seed_same_losses(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    assert main_module.main(["-c", tiny_config(str(a)), "--seed", "7"]) == 0
    assert main_module.main(["-c", tiny_config(str(b)), "--seed", "7"]) == 0
    la, lb = losses_of(str(a / "out")), losses_of(str(b / "out"))
    assert len(la) == 4 and la == lb


def test_resume_continues_epoch_and_lr(tmp_path):
    cfg = tiny_config(str(tmp_path), epochs=3)
    # the uninterrupted run
    full = tmp_path / "full"
    assert main_module.main(["-c", cfg, "--seed", "5", "-o", f"output_dir={full}"]) == 0
    # a run killed after epoch 1, then resumed
    part = tmp_path / "part"
    assert main_module.main(["-c", cfg, "--seed", "5", "-o", f"output_dir={part}", "--max_epochs", "1"]) == 0
    state = resume.load(str(part / "resume.json"))
    assert state["epoch"] == 0
    assert main_module.main(["-c", cfg, "--seed", "5", "-o", f"output_dir={part}", "--resume"]) == 0
    resumed = "".join(train_log_lines(str(part), "resumed from"))
    assert "continuing at epoch 2/3" in resumed
    # epoch 2 of the warm-up starts at lr 0.05 * 2/2; the schedule continued, not restarted
    assert "lr 0.05" in resumed
    lr_full = [line.split("lr: ")[1].split()[0] for line in train_log_lines(str(full), "iter:[")]
    lr_part = [line.split("lr: ")[1].split()[0] for line in train_log_lines(str(part), "iter:[")]
    assert lr_part == lr_full
    # same data order and augmentations per epoch: the resumed run reproduces the losses
    np.testing.assert_allclose(np.float64(losses_of(str(part))), np.float64(losses_of(str(full))),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("override, message", [
    ("MODEL.backbone.nmae=CTRGCN", "MODEL.backbone: unknown key 'nmae'"),
    ("MODEL.backbone.name=CTRGNC", "unknown backbone 'CTRGNC'; registered backbones: CTRGCN, CTRGCN_light"),
    ("OPTIMIZER.use_nesterov=Fasle", "OPTIMIZER.use_nesterov: expected bool"),
    ("DATASET.batch_size=eight", "DATASET.batch_size: expected int, got 'eight'"),
    ("PIPELINE.train.sample.0.SkeletonCropSample.window_size=[64]", "window_size: expected int"),
    ("epochs=3.5", "epochs: expected int"),
    ("MODLE.x=1", "unknown top-level key 'MODLE'"),
])
def test_config_errors_name_the_key_and_file(tmp_path, capsys, override, message):
    cfg = tiny_config(str(tmp_path))
    assert main_module.main(["-c", cfg, "-o", override]) == 2
    err = capsys.readouterr().err
    assert message in err and cfg in err


def test_missing_config_and_data_files(tmp_path, capsys):
    assert main_module.main(["-c", str(tmp_path / "nope.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err
    cfg = tiny_config(str(tmp_path))
    assert main_module.main(["-c", cfg, "-o", f"DATASET.train.file_path={tmp_path}/missing.npy"]) == 1
    assert "missing.npy" in capsys.readouterr().err


def test_wrong_shaped_data_file_is_named_once(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path))
    bad = tmp_path / "wrong_shape.npy"
    np.save(bad, np.ones((16, 3, 20, 25), np.float32))  # (N, C, T, V) without M
    assert main_module.main(["-c", cfg, "-o", f"DATASET.train.file_path={bad}"]) == 1
    err = capsys.readouterr().err
    assert f"error: {bad}: expected a 5-d array" in err and err.count("wrong_shape.npy") == 1


@pytest.mark.slow
def test_distributed_two_cpu_processes_end_identical(tmp_path):
    cfg = tiny_config(str(tmp_path), epochs=1)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    cmd = [sys.executable, "-m", "paddle.distributed.launch", "--nproc_per_node", "2",
           "--log_dir", str(tmp_path / "dist_log"), os.path.join(ROOT, "main.py"), "-c", cfg,
           "--seed", "2", "-o", "save_interval=1"]
    proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    logs = "".join(open(p).read() for p in (tmp_path / "dist_log").glob("workerlog.*"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:] + logs[-3000:]
    # every rank logs a checksum of its final weights
    sums = [line.split("weights checksum ")[1].strip() for line in logs.splitlines()
            if "weights checksum " in line]
    assert len(sums) == 2 and sums[0] == sums[1], sums
    # the two ranks split the 16 samples: 2 iterations of batch 4 each
    assert logs.count("iter:[   2/2]") == 2


def test_test_with_unknown_inference_dataset_uses_class_ids(tmp_path):
    cfg = tiny_config(str(tmp_path), epochs=1, INFERENCE={"dataset": "my_own_set"})
    assert main_module.main(["-c", cfg, "--seed", "1"]) == 0
    assert main_module.main(["--test", "-c", cfg, "-w", str(tmp_path / "out" / "tiny_latest.pdparams"),
                             "--output", str(tmp_path / "test")]) == 0
    assert open(tmp_path / "test" / "per_class_accuracy.csv").read().splitlines()[1].startswith("0,0,")


def run_main(*args):
    """main.py in a fresh process (one math thread, as CI runs)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_stop_file_then_resume_elsewhere_from_the_resume_file_alone(tmp_path):
    """Issue 13: a run stopped at an epoch boundary (STOP file), whose resume file and log alone are
    carried to another folder (what git keeps), continues in a fresh process with the same losses,
    weights and best weights as the uninterrupted run; dropout and two loader workers included."""
    cfg = tiny_config(str(tmp_path), epochs=3)
    def common(seed):
        return ["--validate", "-c", cfg, "--seed", str(seed), "-o", "MODEL.head.drop_out=0.3",
                "-o", "DATASET.num_workers=2"]
    full, part, moved = tmp_path / "full", tmp_path / "part", tmp_path / "moved"
    r = run_main(*common(5), "-o", f"output_dir={full}")
    assert r.returncode == 0, r.stderr[-2000:]

    part.mkdir()
    (part / "STOP").touch()
    r = run_main(*common(5), "-o", f"output_dir={part}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "stopped after epoch 1/3" in "".join(train_log_lines(str(part), "STOP"))
    assert not (part / "STOP").exists()
    state = resume.load(str(part / "resume.json"))
    assert state["epoch"] == 0 and state["seed"] == 5 and state["best_epoch"] == 1
    assert set(state["best_model"]) == set(state["model"])

    (moved / "resume").mkdir(parents=True)  # what git keeps: resume.json, resume/ and train.log
    kept = ["resume.json", "train.log"] + [f"resume/{p.name}" for p in (part / "resume").iterdir()]
    assert len(kept) == 5  # model, optimizer and best weights
    for name in kept:
        (moved / name).write_bytes((part / name).read_bytes())
    r = run_main(*common(99), "-o", f"output_dir={moved}", "--resume")
    assert r.returncode == 0, r.stderr[-2000:]
    log = "".join(train_log_lines(str(moved), ""))
    assert "continues with its own seed 5" in log and "continuing at epoch 2/3" in log
    assert losses_of(str(moved)) == losses_of(str(full))
    for name in ("tiny_latest.pdparams", "tiny_best.pdparams"):
        a, b = paddle.load(str(full / name)), paddle.load(str(moved / name))
        assert set(a) == set(b)
        for k in a:
            np.testing.assert_allclose(np.asarray(b[k]), np.asarray(a[k]), rtol=1e-6, atol=1e-7, err_msg=f"{name}: {k}")


def test_resume_of_a_finished_run_says_so(tmp_path):
    cfg = tiny_config(str(tmp_path), epochs=1)
    assert main_module.main(["--validate", "-c", cfg]) == 0
    assert main_module.main(["--validate", "-c", cfg, "--resume"]) == 0
    said = "".join(train_log_lines(str(tmp_path / "out"), "nothing left"))
    assert "already finished 1 of 1 epochs" in said
    assert str(tmp_path / "out" / "tiny_best.pdparams") in said
    assert "continuing at epoch 2/1" not in "".join(train_log_lines(str(tmp_path / "out"), ""))


def test_bad_inputs_fail_before_printing_the_config_or_creating_the_output_folder(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path))
    out = tmp_path / "out"
    r = run_main("-c", cfg, "-w", str(tmp_path / "missing.pdparams"))  # a fresh process: all it prints
    assert r.returncode == 1 and "weights not found" in r.stderr and "missing.pdparams" in r.stderr
    assert "MODEL" not in r.stdout + r.stderr and not out.exists()

    assert main_module.main(["-c", cfg, "-o", f"DATASET.train.file_path={tmp_path}/none.npy"]) == 1
    assert "none.npy" in capsys.readouterr().err and not out.exists()

    assert main_module.main(["-c", cfg, "--resume"]) == 1
    assert "nothing to resume" in capsys.readouterr().err and not out.exists()


def test_test_with_missing_weights_or_data_creates_nothing(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path))
    assert main_module.main(["--test", "-c", cfg, "-w", str(tmp_path / "gone.pdparams")]) == 1
    assert "weights not found" in capsys.readouterr().err and not (tmp_path / "out").exists()
    weights = tmp_path / "w.pdparams"
    weights.write_bytes(b"")
    assert main_module.main(["--test", "-c", cfg, "-w", str(weights),
                             "-o", f"DATASET.test.file_path={tmp_path}/none.npy"]) == 1
    assert "none.npy" in capsys.readouterr().err and not (tmp_path / "out").exists()
