"""Dynamic int8 ONNX models: export_model.py --onnx --quantize int8, predict.py on NAME.int8.onnx,
and the int8 verification rule (a stated, looser tolerance; never the fp32 one silently).

One small CTRGCN_light in the NW-UCLA layout (3 blocks, base_channel 16, random weights) is
exported once per module; everything else reuses its files.
"""
import contextlib
import io
import os
import sys

import numpy as np
import onnx
import paddle
import pytest
import yaml

from conftest import ROOT, load_tool
from paddlevideo.inference import (OutputMismatchError, PredictorOptions, create_predictor, load_eval_model,
                                   open_verified_predictor, reference_path)
from paddlevideo.inference import verify
from paddlevideo.inference.export import quantize_onnx
from paddlevideo.config import get_config

SHAPE = (3, 52, 20, 1)



export_tool = load_tool("export_model")
predict_tool = load_tool("predict")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """Config, weights and the export's output of a small UCLA model with --onnx --quantize int8 --check."""
    tmp = str(tmp_path_factory.mktemp("int8"))
    with open(os.path.join(ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_light_ucla_joint.yaml")) as f:
        cfg = yaml.safe_load(f)
    cfg["MODEL"]["backbone"].update(base_channel=16, blocks=[[1, 1, True], [2, 2, False], [4, 1, True]])
    cfg["MODEL"]["head"]["in_channels"] = 16
    cfg["model_name"] = "Small_ucla"
    config = os.path.join(tmp, "small.yaml")
    with open(config, "w") as f:
        yaml.safe_dump(cfg, f)
    paddle.seed(7)
    weights = os.path.join(tmp, "small.pdparams")
    paddle.save(load_eval_model(get_config(config, show=False), None).state_dict(), weights)
    out_dir = os.path.join(tmp, "inference")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = export_tool.main(["-c", config, "-p", weights, "-o", out_dir, "--onnx", "--quantize", "int8",
                                 "--check", "--cpu_threads", "1"])
    stem = os.path.join(out_dir, "Small_ucla")
    return {"config": config, "weights": weights, "code": code, "out": buf.getvalue(), "dir": out_dir,
            "fp32": stem + ".onnx", "int8": stem + ".int8.onnx", "json": stem + ".json"}


def run_predict(capsys, *args):
    code = predict_tool.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_export_writes_a_smaller_int8_model_and_checks_it(model):
    assert model["code"] == 0, model["out"]
    out = model["out"]
    for path in (model["fp32"], model["int8"]):
        assert f"{os.path.basename(path)}: {os.path.getsize(path)} bytes" in out
    assert os.path.getsize(model["int8"]) < os.path.getsize(model["fp32"])  # ~3x on real models; tiny here
    line = next(line for line in out.splitlines() if "ONNX Runtime, CPU, int8:" in line)
    assert " ok (int8 tolerance " in line and "0.1 * max |reference logit|" in line
    assert not [f for f in os.listdir(model["dir"]) if f.startswith(".tmp_") or f.endswith(".tmp")]


def test_int8_file_is_quantized_and_labelled(model):
    quantized, plain = onnx.load(model["int8"]), onnx.load(model["fp32"])
    assert {p.key: p.value for p in quantized.metadata_props}["paddlevideo.precision"] == "int8"
    assert "paddlevideo.precision" not in {p.key for p in plain.metadata_props}
    assert not any(n.op_type == "Conv" for n in quantized.graph.node)
    weights = {i.name: i for i in quantized.graph.initializer}
    conv_weights = [weights[n.input[1]] for n in quantized.graph.node if n.op_type == "ConvInteger"]
    assert len(conv_weights) == sum(n.op_type == "Conv" for n in plain.graph.node)
    assert {w.data_type for w in conv_weights} == {onnx.TensorProto.UINT8}
    # the fp32 file is the cleaned graph: standard operators, BatchNorm folded, no identities
    assert {n.domain for n in plain.graph.node} <= {"", "ai.onnx"}
    assert not any(n.op_type in ("Identity", "Constant") for n in plain.graph.node)
    contents = [(i.data_type, tuple(i.dims), onnx.numpy_helper.to_array(i).tobytes()) for i in plain.graph.initializer]
    assert len(set(contents)) == len(contents)  # identical constants stored once


def test_int8_close_to_fp32_but_not_within_the_fp32_tolerance(model):
    x = verify.random_input(SHAPE, 4, seed=11)
    fp32 = create_predictor(model["fp32"], None, PredictorOptions(backend="onnxruntime", cpu_threads=1))
    int8 = create_predictor(model["int8"], None, PredictorOptions(backend="onnxruntime", cpu_threads=1))
    assert (fp32.precision, int8.precision) == ("fp32", "int8")
    want, got = fp32.run(x), int8.run(x)
    diff = float(np.abs(got - want).max())
    assert verify.tolerance(want) < diff <= verify.tolerance(want, precision="int8")


def test_verification_applies_and_states_the_int8_tolerance(model):
    predictor, check = open_verified_predictor(model["int8"], None, PredictorOptions(backend="onnxruntime"),
                                               SHAPE, batch_size=2)
    with np.load(reference_path(model["json"])) as ref:
        scale = float(np.abs(ref["logits"]).max())
    assert check.precision == "int8" and check.reference.endswith("Small_ucla.check.npz")
    assert check.tol == pytest.approx(0.1 * scale, rel=1e-6)
    assert 1e-5 * scale < check.diff <= check.tol
    assert any("int8 tolerance" in note for note in check.notes)


def test_a_wrong_int8_model_is_refused(model, monkeypatch):
    """Off by 0.2 x the logit scale: beyond the int8 tolerance, so refused."""
    with np.load(reference_path(model["json"])) as ref:
        shift = 0.2 * float(np.abs(ref["logits"]).max())
    real = verify.create_predictor

    class Shifted:
        def __init__(self, inner):
            self.inner, self.precision = inner, inner.precision

        def run(self, x):
            return self.inner.run(x) + shift

    monkeypatch.setattr(verify, "create_predictor", lambda m, p, o: Shifted(real(m, p, o)))
    with pytest.raises(OutputMismatchError, match="precision int8"):
        open_verified_predictor(model["int8"], None, PredictorOptions(backend="onnxruntime"), SHAPE)


def test_unlabelled_quantized_model_gets_the_fp32_tolerance(model, tmp_path):
    """A model quantized by hand without the metadata is held to fp32 rules: refused, with a hint."""
    labelled = onnx.load(model["int8"])
    del labelled.metadata_props[:]
    path = tmp_path / "Small_ucla.int8.onnx"
    onnx.save(labelled, str(path))
    (tmp_path / "Small_ucla.check.npz").write_bytes(open(reference_path(model["json"]), "rb").read())
    with pytest.raises(OutputMismatchError, match="paddlevideo.precision = int8"):
        open_verified_predictor(str(path), None, PredictorOptions(backend="onnxruntime"), SHAPE)


def test_predict_runs_the_int8_model_and_says_so(model, tmp_path, capsys):
    x = verify.random_input(SHAPE, 1, seed=3)[0]
    np.save(tmp_path / "x.npy", x)
    outputs = {}
    for name in ("fp32", "int8"):
        code, out, _ = run_predict(capsys, "-c", model["config"], "-i", str(tmp_path / "x.npy"), "--model_file",
                                   model[name], "--backend", "onnxruntime", "--cpu_threads", "1", "--benchmark",
                                   "--benchmark_iters", "1", "--warmup", "0")
        assert code == 0
        assert f"precision {name}" in out
        assert f"precision: {name}" in out  # the benchmark log
        outputs[name] = out
    assert "int8 tolerance" in outputs["int8"] and "int8 tolerance" not in outputs["fp32"]


def test_quantize_needs_onnx_and_an_existing_model(model, tmp_path, capsys):
    code = export_tool.main(["-c", model["config"], "-p", model["weights"], "-o", str(tmp_path), "--quantize", "int8"])
    assert code == 2 and "add --onnx" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="nope.onnx"):
        quantize_onnx(str(tmp_path / "nope.onnx"))


def test_session_does_not_spin_unless_asked(model):
    for spin, want in ((False, "0"), (True, "1")):
        predictor = create_predictor(model["fp32"], None, PredictorOptions(backend="onnxruntime", ort_spin_wait=spin))
        options = predictor.session.get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == want


@pytest.mark.slow
def test_missing_quantizer_dependency_is_one_line_with_the_package_to_install(model, monkeypatch, capsys):
    """onnxruntime's quantizer imports ml_dtypes without declaring it: a fresh machine without it
    gets one line naming the package (export_model.py exits 1), not a traceback."""
    for name in [n for n in sys.modules if n.startswith("onnxruntime.quantization")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import ml_dtypes -> ImportError
    with pytest.raises(RuntimeError, match="pip install ml_dtypes"):
        quantize_onnx(model["fp32"], os.path.join(os.path.dirname(model["fp32"]), "x.int8.onnx"))
    code = export_tool.main(["-c", model["config"], "-p", model["weights"], "-o", model["dir"] + "_noml",
                             "--onnx", "--quantize", "int8", "--cpu_threads", "1"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    assert "pip install ml_dtypes" in err and len([line for line in err.splitlines() if "ml_dtypes" in line]) == 1
