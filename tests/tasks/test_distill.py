"""Knowledge distillation (paddlevideo/tasks/distill.py): the loss, the frozen teacher, the
DISTILL config section and main.py training with it, on tiny generated data."""
import os
import subprocess
import sys

import numpy as np
import paddle
import pytest
import yaml

from tests.conftest import ROOT
from paddlevideo.modeling import build_model
from paddlevideo.tasks import resume
from paddlevideo.tasks import train as train_module
from paddlevideo.tasks.distill import Distiller, DistillOptions, kd_loss
from paddlevideo.config import get_config

import main as main_module
from tests.test_main import losses_of, tiny_config, train_log_lines

DISTILL_CONFIG = os.path.join(ROOT, "configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint_distill.yaml")


def log_softmax_np(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def distill_loss_np(student, teacher, labels, temperature, weight):
    """(1 - a) * CE + a * T^2 * KL(p_teacher || p_student), in float64."""
    ce = -log_softmax_np(student)[np.arange(len(labels)), labels].mean()
    ls, lt = log_softmax_np(student / temperature), log_softmax_np(teacher / temperature)
    kd = (np.exp(lt) * (lt - ls)).sum(axis=1).mean() * temperature ** 2
    return (1 - weight) * ce + weight * kd, ce, kd


def teacher_files(folder, num_classes=3, in_channels=3, seed=0):
    """A small teacher (a CTRGCN_light unlike the student): its config and trained-looking weights."""
    model_cfg = {"framework": "RecognizerGCN",
                 "backbone": {"name": "CTRGCN_light", "base_channel": 8, "in_channels": in_channels,
                              "blocks": [[1, 1, True], [1, 1, False], [2, 2, True]]},
                 "head": {"name": "CTRGCNHead", "num_classes": num_classes, "in_channels": 4}}
    cfg_path, weights_path = os.path.join(folder, "teacher.yaml"), os.path.join(folder, "teacher.pdparams")
    with open(cfg_path, "w") as f:
        yaml.safe_dump({"MODEL": model_cfg, "model_name": "teacher"}, f)
    paddle.seed(seed)
    teacher = build_model(model_cfg)
    rng = np.random.RandomState(seed)
    for name, value in teacher.state_dict().items():  # non-trivial BN statistics too
        if "_mean" in name or "_variance" in name:
            value.set_value(np.abs(rng.normal(0.5, 0.2, value.shape)).astype("float32"))
    paddle.save(teacher.state_dict(), weights_path)
    return cfg_path, weights_path


def distill_section(folder, **extra):
    cfg_path, weights_path = teacher_files(folder)
    return dict({"teacher_config": cfg_path, "teacher_weights": weights_path,
                 "temperature": 2.0, "weight": 0.5}, **extra)


def student(in_channels=3, num_classes=3):
    paddle.seed(1)
    return build_model({"framework": "RecognizerGCN",
                        "backbone": {"name": "CTRGCN_light", "base_channel": 8, "in_channels": in_channels,
                                     "blocks": [[1, 1, True], [2, 2, False]]},
                        "head": {"name": "CTRGCNHead", "num_classes": num_classes, "in_channels": 4}})


def batch(channels=3, n=4):
    rng = np.random.RandomState(4)
    x = paddle.to_tensor(rng.randn(n, channels, 12, 25, 2).astype("float32"))
    return x, paddle.to_tensor(rng.randint(0, 3, (n, 1)).astype("int64"))


# ----------------------------------------------------------------------------- the loss


@pytest.mark.parametrize("temperature", [1.0, 4.0])
def test_kd_loss_matches_numpy(temperature):
    rng = np.random.RandomState(0)
    s, t = rng.randn(5, 7) * 3, rng.randn(5, 7) * 3
    got = float(kd_loss(paddle.to_tensor(s.astype("float32")), paddle.to_tensor(t.astype("float32")), temperature))
    want = distill_loss_np(s, t, np.zeros(5, int), temperature, 1.0)[0]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # identical logits: no divergence
    assert abs(float(kd_loss(paddle.to_tensor(s.astype("float32")), paddle.to_tensor(s.astype("float32")),
                             temperature))) < 1e-6


def test_train_step_loss_is_the_weighted_sum(tmp_path):
    model = student()
    opts = DistillOptions(**distill_section(str(tmp_path), temperature=3.0, weight=0.3))
    distiller = Distiller(opts, model)
    x, y = batch()
    model.train()
    out = distiller.train_step(model, model.head, x, y)
    s = model([x], mode="test").numpy().astype(np.float64)  # same batch statistics, same logits
    t = distiller.teacher([x], mode="test").numpy().astype(np.float64)
    total, ce, kd = distill_loss_np(s, t, y.numpy()[:, 0], 3.0, 0.3)
    np.testing.assert_allclose([float(out["loss"]), float(out["loss_ce"]), float(out["loss_kd"])],
                               [total, ce, kd], rtol=1e-5)
    assert "top1" in out


def test_teacher_gets_its_channel_slice_and_no_gradient(tmp_path):
    model = student(in_channels=9)
    distiller = Distiller(DistillOptions(**distill_section(str(tmp_path), teacher_channels=[3, 6])), model)
    x, y = batch(channels=9)
    t = distiller.teacher_logits(x)
    np.testing.assert_array_equal(t.numpy(), distiller.teacher([x[:, 3:6]], mode="test").numpy())
    assert t.stop_gradient and not distiller.teacher.training
    model.train()
    distiller.train_step(model, model.head, x, y)["loss"].backward()
    assert all(p.grad is None for p in distiller.teacher.parameters())
    assert all(p.grad is not None for p in model.parameters() if not p.stop_gradient)


# ----------------------------------------------------------------------------- startup errors


@pytest.mark.parametrize("change, student_kw, message", [
    ({"teacher_weights": "missing/teacher.pdparams"}, {},
     "DISTILL.teacher_weights: file not found: missing/teacher.pdparams"),
    ({"teacher_config": "missing/teacher.yaml"}, {},
     "DISTILL.teacher_config: config file not found: missing/teacher.yaml"),
    ({}, {"num_classes": 4}, "the teacher has 3 classes, the student 4"),
    ({}, {"in_channels": 9}, "the teacher takes 3 input channels but DISTILL.teacher_channels gives it 9"),
    ({"teacher_channels": [0, 2]}, {}, "gives it 2"),
    ({"teacher_channels": [6, 12]}, {"in_channels": 9}, "reaches past the student's 9 input channels"),
])
def test_teacher_that_does_not_fit_is_a_clear_error(tmp_path, change, student_kw, message):
    opts = DistillOptions(**dict(distill_section(str(tmp_path)), **change))
    with pytest.raises((ValueError, FileNotFoundError), match=message.replace("[", r"\[").replace(".", r"\.")):
        Distiller(opts, student(**student_kw))


def test_teacher_weights_are_loaded_strictly(tmp_path):
    section = distill_section(str(tmp_path))
    state = paddle.load(section["teacher_weights"])
    state.pop("head.fc.bias")
    paddle.save(state, section["teacher_weights"])
    with pytest.raises(ValueError, match="teacher.pdparams does not fit the model: 1 missing .*head.fc.bias"):
        Distiller(DistillOptions(**section), student())


@pytest.mark.parametrize("override, message", [
    ("DISTILL.tempreature=2", "DISTILL: unknown key 'tempreature'; DistillOptions accepts: teacher_channels, "
                              "teacher_config, teacher_weights, temperature, weight"),
    ("DISTILL.temperature=0", "DISTILL.temperature must be > 0, got 0"),
    ("DISTILL.temperature=hot", "DISTILL.temperature: expected float, got 'hot'"),
    ("DISTILL.weight=1.5", "DISTILL.weight must lie in [0, 1], got 1.5"),
    ("DISTILL.teacher_channels=[3, 0]", "DISTILL.teacher_channels must be [start, stop] with 0 <= start < stop"),
    ("DISTILL.teacher_channels=[0.5, 3]", "DISTILL.teacher_channels: expected list[int]"),
    ("DISTILL={teacher_config: t.yaml}", "DISTILL: missing required key(s) teacher_weights"),
])
def test_config_errors_name_the_key_and_file(tmp_path, capsys, override, message):
    cfg = tiny_config(str(tmp_path), DISTILL=distill_section(str(tmp_path)))
    assert main_module.main(["-c", cfg, "-o", override]) == 2
    err = capsys.readouterr().err
    assert message in err and cfg in err


def test_missing_teacher_weights_stop_main_with_the_path(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path), DISTILL=distill_section(str(tmp_path)))
    missing = str(tmp_path / "nowhere.pdparams")
    assert main_module.main(["-c", cfg, "-o", f"DISTILL.teacher_weights={missing}"]) == 1
    assert f"DISTILL.teacher_weights: file not found: {missing}" in capsys.readouterr().err


# ----------------------------------------------------------------------------- training through main.py


def test_weight_zero_trains_exactly_like_plain_training(tmp_path):
    plain, zero = tmp_path / "plain", tmp_path / "zero"
    plain.mkdir()
    zero.mkdir()
    # dropout draws from Paddle's generator: building the teacher must not shift it
    args = ["--seed", "3", "--max_iters", "2", "-o", "log_interval=1", "-o", "MODEL.head.drop_out=0.5"]
    assert main_module.main(["-c", tiny_config(str(plain), epochs=1)] + args) == 0
    assert main_module.main(["-c", tiny_config(str(zero), epochs=1,
                                               DISTILL=distill_section(str(zero), weight=0.0))] + args) == 0
    assert len(losses_of(str(plain / "out"))) == 2
    assert losses_of(str(plain / "out")) == losses_of(str(zero / "out"))
    a = paddle.load(str(plain / "out" / "tiny_latest.pdparams"))
    b = paddle.load(str(zero / "out" / "tiny_latest.pdparams"))
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy(), err_msg=key)


def test_distilled_run_validates_tests_and_keeps_the_teacher_out(tmp_path, monkeypatch):
    made = []

    class RecordingDistiller(Distiller):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(train_module, "Distiller", RecordingDistiller)
    section = distill_section(str(tmp_path), temperature=4.0, weight=0.5)
    cfg = tiny_config(str(tmp_path), epochs=2, DISTILL=section)
    assert main_module.main(["--validate", "-c", cfg, "--seed", "3"]) == 0
    out = tmp_path / "out"

    # the log shows both parts, and they add up to the loss
    lines = train_log_lines(str(out), "iter:[")
    assert len(lines) == 4 and "distilling from" in "".join(train_log_lines(str(out), ""))
    for line in lines:
        loss, ce, kd = (float(line.split(f"{k}: ")[1].split()[0]) for k in ("loss", "loss_ce", "loss_kd"))
        assert abs(loss - (0.5 * ce + 0.5 * kd)) < 2e-5 and kd > 0
    assert "[valid]" in "".join(train_log_lines(str(out), ""))

    # the teacher is exactly its weights file after training (parameters and BN statistics)
    teacher_state = paddle.load(section["teacher_weights"])
    for key, value in made[0].teacher.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), teacher_state[key].numpy(), err_msg=key)

    # checkpoints hold the student only, and --test runs on the student
    student_keys = sorted(build_model(get_config(cfg, show=False)["MODEL"]).state_dict())
    for name in ("tiny_best.pdparams", "tiny_latest.pdparams"):
        assert sorted(paddle.load(str(out / name))) == student_keys, name
    assert sorted(resume.load(str(out / "resume.json"))["model"]) == student_keys
    assert main_module.main(["--test", "-c", cfg, "-w", str(out / "tiny_best.pdparams"),
                             "--output", str(tmp_path / "test")]) == 0
    assert np.load(tmp_path / "test" / "scores.npz")["scores"].shape == (8, 3)


@pytest.mark.slow
def test_data_parallel_distillation_keeps_ranks_identical(tmp_path):
    """Two CPU processes: the student's gradients are still averaged across ranks."""
    cfg = tiny_config(str(tmp_path), epochs=1, DISTILL=distill_section(str(tmp_path)))
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    cmd = [sys.executable, "-m", "paddle.distributed.launch", "--nproc_per_node", "2",
           "--log_dir", str(tmp_path / "dist_log"), os.path.join(ROOT, "main.py"), "-c", cfg, "--seed", "2"]
    proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)
    logs = "".join(open(p).read() for p in (tmp_path / "dist_log").glob("workerlog.*"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:] + logs[-3000:]
    sums = [line.split("weights checksum ")[1].strip() for line in logs.splitlines() if "weights checksum " in line]
    assert len(sums) == 2 and sums[0] == sums[1], sums
    assert logs.count("loss_kd: ") == 2


# ----------------------------------------------------------------------------- the shipped config


def test_shipped_distill_config_teacher_fits_the_student():
    cfg = get_config(DISTILL_CONFIG, show=False)
    assert cfg.DISTILL.teacher_channels == [0, 3] and cfg.MODEL.backbone.in_channels == 9
    cwd = os.getcwd()
    os.chdir(ROOT)  # the config's paths are relative to the repo root
    try:
        model = build_model(cfg.MODEL)
        distiller = Distiller(DistillOptions(**cfg.DISTILL), model)
    finally:
        os.chdir(cwd)
    x = paddle.to_tensor(np.random.RandomState(0).randn(2, 9, 52, 20, 1).astype("float32"))
    assert distiller.teacher_logits(x).shape == [2, 10]


def test_ntu_distill_config_takes_paddlevideo_released_ctrgcn_as_teacher():
    """The NTU-60 recipe's teacher is PaddleVideo's released CTRGCN: a state dict with its key names
    (the shared upstream fixture) loads strictly as the teacher, and sees the 3 joint channels."""
    from tests.conftest import shared_path
    weights = shared_path("fixtures", "ctrgcn_paddlevideo_parity.pdparams")
    cfg = get_config(os.path.join(ROOT, "configs/recognition/ctrgcn/ctrgcn_tiny_ntucs_joint_distill.yaml"),
                     overrides=[f"DISTILL.teacher_weights={weights}"], show=False)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        distiller = Distiller(DistillOptions(**cfg.DISTILL), build_model(cfg.MODEL))
    finally:
        os.chdir(cwd)
    x = np.random.RandomState(0).randn(2, 9, 16, 25, 2).astype("float32")
    teacher = build_model(get_config(os.path.join(ROOT, cfg.DISTILL.teacher_config), show=False).MODEL)
    from paddlevideo.utils import checkpoint
    checkpoint.load_weights(teacher, weights, strict=True)
    teacher.eval()
    with paddle.no_grad():
        direct = teacher([paddle.to_tensor(x[:, :3])], mode="infer").numpy()
    np.testing.assert_allclose(distiller.teacher_logits(paddle.to_tensor(x)).numpy(), direct, atol=1e-5)
