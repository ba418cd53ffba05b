"""The project's formulation trains the same model as upstream's.

Ours: the operator forms of paddlevideo/modeling/backbones/units.py. Upstream: the oracle
``benchmarks/upstream_ops.py``, operator for operator as upstream PaddleVideo, with the same
parameters. Same weights, same batch -> same losses and weights after a few optimizer steps,
for every registered backbone. Also: the ``fast_cpu`` switch (MKL's AVX2 kernels on AMD CPUs,
paddlevideo/utils/cpu_math.py).
"""
import contextlib
import copy
import os
import sys
import subprocess

import numpy as np
import paddle
import pytest
import yaml

from paddlevideo.modeling import build_model
from benchmarks.upstream_ops import upstream_ops
from paddlevideo.modeling.backbones.units import CTRGC, Conv2D, SpatialCTRGC
from paddlevideo.modeling.registry import BACKBONES
from tests.helpers.trained_like import randomize_constant_parameters
from paddlevideo.utils import cpu_math

import main as main_module
from tests.conftest import ROOT
from tests.test_main import losses_of, tiny_config

STEPS = 3


def small_recognizer(backbone: str, base: int = 8):
    """A narrow recognizer whose constant-initialised parameters (biases, alpha, BN) are made
    random, so every term of the formulation counts."""
    model = build_model({"framework": "RecognizerGCN",
                         "backbone": {"name": backbone, "base_channel": base},
                         "head": {"name": "CTRGCNHead", "num_classes": 10, "in_channels": base}})
    randomize_constant_parameters(model, np.random.RandomState(2))
    return model


def forms(model, upstream: bool):
    """upstream_ops(model) for the reference model, nothing for ours."""
    return upstream_ops(model) if upstream else contextlib.nullcontext(model)


def train_steps(model, x, labels, steps: int = STEPS, upstream: bool = False):
    """Losses of ``steps`` Nesterov-momentum steps on one batch (main.py's step: forward, backward, step)."""
    opt = paddle.optimizer.Momentum(learning_rate=0.05, momentum=0.9, use_nesterov=True,
                                    parameters=model.parameters(), weight_decay=paddle.regularizer.L2Decay(1e-4))
    model.train()
    losses = []
    with forms(model, upstream):
        for _ in range(steps):
            out = model([x, labels], mode="train")
            out["loss"].backward()
            opt.step()
            opt.clear_grad()
            losses.append(float(out["loss"]))
    return losses


def model_pair_and_batch(backbone: str, dtype: str = "float32"):
    """A small model, its deep copy (to run in upstream's formulation), and one batch (N=4, T=16,
    NTU joints, 2 persons)."""
    paddle.seed(0)
    fast = small_recognizer(backbone)
    reference = copy.deepcopy(fast)
    for model in (fast, reference):
        model.to(dtype=dtype)
    rng = np.random.RandomState(1)
    x = paddle.to_tensor(rng.randn(4, 3, 16, 25, 2).astype(dtype))
    labels = paddle.to_tensor(rng.randint(0, 10, (4, 1)))
    return fast, reference, x, labels


# In float64 the two formulations agree to rounding (~1e-12): any difference in the math shows.
@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_fast_and_reference_ops_give_the_same_loss_and_gradients(backbone):
    fast, reference, x, labels = model_pair_and_batch(backbone, "float64")
    losses = []
    for model in (fast, reference):
        model.train()
        with forms(model, model is reference):
            loss = model([x, labels], mode="train")["loss"]
        loss.backward()
        losses.append(float(loss))
    assert abs(losses[0] - losses[1]) <= 1e-9 * abs(losses[1])
    want = {name: p.grad.numpy() for name, p in reference.named_parameters() if p.grad is not None}
    got = {name: p.grad.numpy() for name, p in fast.named_parameters() if p.grad is not None}
    assert sorted(got) == sorted(want)
    for name, grad in got.items():
        scale = max(float(np.abs(want[name]).max()), 1e-3)  # conv biases before a BN: zero up to rounding
        assert np.abs(grad - want[name]).max() <= 1e-9 * scale, name


@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_fast_and_reference_ops_train_alike(backbone):
    fast, reference, x, labels = model_pair_and_batch(backbone, "float64")
    fast_losses = train_steps(fast, x, labels)
    ref_losses = train_steps(reference, x, labels, upstream=True)
    assert fast_losses[-1] < fast_losses[0]  # it learns
    np.testing.assert_allclose(fast_losses, ref_losses, rtol=1e-9)
    ref_state = reference.state_dict()
    for key, value in fast.state_dict().items():  # trained weights and BN statistics
        want = ref_state[key].numpy()
        assert np.abs(value.numpy() - want).max() <= 1e-9 * max(1.0, float(np.abs(want).max())), key


# In float32 rounding differences (~1e-7) grow with every step of this high learning rate on
# one batch of four; the first two steps must still agree.
@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_float32_first_steps_agree(backbone):
    fast, reference, x, labels = model_pair_and_batch(backbone)
    np.testing.assert_allclose(train_steps(fast, x, labels, 2), train_steps(reference, x, labels, 2, upstream=True),
                               rtol=1e-3)


def test_upstream_ops_reach_every_layer_keep_parameters_and_leave_no_trace():
    model = small_recognizer("CTRGCN")
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    layers = [layer for layer in model.sublayers() if isinstance(layer, (Conv2D, CTRGC, SpatialCTRGC))]
    with upstream_ops(model):
        assert layers and all("forward" in vars(layer) for layer in layers)
    assert not any("forward" in vars(layer) for layer in layers)
    assert all(np.array_equal(v.numpy(), before[k]) for k, v in model.state_dict().items())


def test_main_fast_cpu_switch_trains_alike(tmp_path):
    """``fast_cpu: false`` in the config keeps Paddle's default MKL kernels; losses match the default."""
    runs = {}
    for fast in (True, False):
        folder = tmp_path / f"fast_{fast}"
        folder.mkdir()
        cfg = tiny_config(str(folder), epochs=1, fast_cpu=fast)
        assert main_module.main(["-c", cfg, "--seed", "5"]) == 0
        runs[fast] = [float(v) for v in losses_of(str(folder / "out"))]
    assert len(runs[True]) == len(runs[False]) > 0
    np.testing.assert_allclose(runs[True], runs[False], rtol=1e-4)


def test_fast_cpu_must_be_a_boolean(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path), epochs=1)
    with open(cfg) as f:
        data = yaml.safe_load(f)
    data["fast_cpu"] = "yes"
    with open(cfg, "w") as f:
        yaml.safe_dump(data, f)
    assert main_module.main(["-c", cfg]) == 2
    assert "fast_cpu" in capsys.readouterr().err


def write_cpuinfo(path, vendor: str, flags: str) -> str:
    path.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\nmodel name\t: Test CPU\nflags\t\t: {flags}\n\n"
                    f"processor\t: 1\nvendor_id\t: OtherVendor\nflags\t\t: fpu\n")
    return str(path)


AVX2 = "fpu sse avx avx2 fma"
AVX512 = AVX2 + " avx512f avx512cd avx512bw avx512dq avx512vl"


@pytest.mark.parametrize("vendor, flags, want, isa", [
    ("AuthenticAMD", AVX512, "7", "AVX-512"),
    ("AuthenticAMD", AVX2, "5", "AVX2"),
    ("AuthenticAMD", AVX2 + " avx512f", "5", "AVX2"),  # AVX-512 foundation alone: not MKL's AVX-512 kernels
    ("AuthenticAMD", "fpu sse avx", None, "no AVX2"),
    ("HygonGenuine", AVX2, "5", "AVX2"),
    ("GenuineIntel", AVX512, None, "AVX-512"),  # MKL picks Intel's best kernels itself
    ("GenuineIntel", AVX2, None, "AVX2"),
])
def test_mkl_gets_the_widest_kernels_the_cpu_has(tmp_path, monkeypatch, vendor, flags, want, isa):
    info = write_cpuinfo(tmp_path / "cpuinfo", vendor, flags)
    monkeypatch.delenv(cpu_math.MKL_CPU_TYPE_VAR, raising=False)
    note = cpu_math.choose_mkl_kernels(info)
    assert os.environ.get(cpu_math.MKL_CPU_TYPE_VAR) == want
    assert isa in note and (want is None or f"MKL_DEBUG_CPU_TYPE={want}" in note)
    assert cpu_math.describe_cpu(info) == f"Test CPU ({vendor}, {isa})"


def test_mkl_setting_of_the_user_wins_and_no_cpuinfo_changes_nothing(tmp_path, monkeypatch):
    amd = write_cpuinfo(tmp_path / "amd", "AuthenticAMD", AVX512)
    monkeypatch.setenv(cpu_math.MKL_CPU_TYPE_VAR, "2")
    assert "as set by the user" in cpu_math.choose_mkl_kernels(amd)
    assert os.environ[cpu_math.MKL_CPU_TYPE_VAR] == "2"
    monkeypatch.delenv(cpu_math.MKL_CPU_TYPE_VAR)
    assert cpu_math.choose_mkl_kernels(str(tmp_path / "absent")) == "MKL's default kernels (unknown vendor, no AVX2)"
    assert cpu_math.MKL_CPU_TYPE_VAR not in os.environ


GRADIENT_CHECK = """
import numpy as np, paddle
from paddlevideo.modeling import build_model
from tests.helpers.trained_like import randomize_constant_parameters
grads = {}
for dtype in ("float64", "float32"):
    paddle.seed(0)
    model = build_model({"framework": "RecognizerGCN", "backbone": {"name": "CTRGCN_light", "base_channel": 8},
                         "head": {"name": "CTRGCNHead", "num_classes": 10, "in_channels": 8}})
    randomize_constant_parameters(model, np.random.RandomState(2))
    model.to(dtype=dtype)
    rng = np.random.RandomState(1)
    x = paddle.to_tensor(rng.randn(4, 3, 16, 25, 2).astype(dtype))
    model.train()
    model([x, paddle.to_tensor(rng.randint(0, 10, (4, 1)))], mode="train")["loss"].backward()
    grads[dtype] = {n: p.grad.numpy().astype("float64") for n, p in model.named_parameters() if p.grad is not None}
worst = max(float(np.abs(g - grads["float64"][n]).max() / max(float(np.abs(grads["float64"][n]).max()), 1e-3))
            for n, g in grads["float32"].items())
print("WORST", worst)
"""


@pytest.mark.parametrize("mkl_type", [cpu_math.MKL_AVX2, cpu_math.MKL_AVX512])
def test_float32_gradients_stay_close_to_float64_under_each_mkl_kernel_set(mkl_type):
    """The kernels MKL is pointed at change the float32 rounding only: every parameter's float32
    gradient stays within 5e-3 of its largest float64 gradient (measured on an Intel Xeon with
    AVX-512: 9.7e-4 with MKL's own choice and with type 7, 1.6e-3 with type 5; a wrong kernel
    is off by the gradient's size)."""
    needed = cpu_math.AVX512_FLAGS if mkl_type == cpu_math.MKL_AVX512 else cpu_math.AVX2_FLAGS
    if not needed <= cpu_math.cpu_info()["flags"]:
        pytest.skip(f"this CPU lacks {sorted(needed - cpu_math.cpu_info()['flags'])} for MKL_DEBUG_CPU_TYPE={mkl_type}")
    env = dict(os.environ, MKL_DEBUG_CPU_TYPE=mkl_type, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", GRADIENT_CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    worst = float(out.stdout.split("WORST")[-1])
    assert worst <= 5e-3
