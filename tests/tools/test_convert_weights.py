"""tools/convert_weights.py: the official CTR-GCN's PyTorch checkpoints -> this project's .pdparams, and back.

The parity fixture (../shared/fixtures/ctrgcn_official/) is the official ``model.ctrgcn.Model``
with random weights, saved by torch in its zip and its legacy format, with a fixed input ``x``
(4, 3, 64, 25, 2) and the official model's logits in float32 (``y``) and float64 (``y64``).

With these random weights the activations grow from about 3 to about 8,000 through the ten
blocks, and float32 rounding grows with them: the official float32 logits are themselves
1.76e-5 x max|logit| away from the official float64 logits. So the arithmetic is checked in
float64 (converted model vs ``y64``: 2.3e-11 x max|logit|, all of it Paddle's float32 BatchNorm
epsilon, and 5e-14 with that compensated), and each float32 backend
(dynamic graph, Paddle Inference with oneDNN on and off, ONNX Runtime) is held to the float32
error of the official run itself: max|logits - y64| <= 2 x max|y - y64| (measured 1.0-1.5 x).

The error cases use small checkpoints written in tmp_path (no ../shared needed).
"""
import os
import pickle
import re
import zipfile

import numpy as np
import paddle
import pytest
import yaml

from conftest import ROOT, load_tool, shared_path
from paddlevideo.inference import PredictorOptions, create_predictor, export_onnx, export_paddle, load_eval_model
from paddlevideo.modeling.backbones.units import SpatialCTRGC, pair_difference_map
from paddlevideo.modeling.official_ctrgcn import ConversionError, to_official, unwrap_state_dict
from paddlevideo.config import get_config
from paddlevideo.utils.torch_checkpoint import CheckpointError, load_torch_checkpoint, save_torch_checkpoint

CONFIGS = os.path.join(ROOT, "configs", "recognition", "ctrgcn")
NTU_CONFIG = os.path.join(CONFIGS, "ctrgcn_ntucs_joint.yaml")
convert_tool = load_tool("convert_weights")


def official_fixture(name: str) -> str:
    return shared_path("fixtures", "ctrgcn_official", name)


def convert(capsys, *args):
    """Run the tool in-process -> (exit code, stdout, stderr)."""
    code = convert_tool.main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def logits(model, x: np.ndarray) -> np.ndarray:
    with paddle.no_grad():
        return model([paddle.to_tensor(x)], mode="infer").numpy()


@pytest.fixture(scope="module")
def official_io():
    with np.load(official_fixture("ctrgcn_official_random_io.npz")) as io:
        return {k: io[k] for k in io.files}


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The fixture converted by the tool from both files: {'zip': path, 'legacy': path}."""
    out = tmp_path_factory.mktemp("converted")
    paths = {}
    for kind, name in (("zip", "ctrgcn_official_random.pt"), ("legacy", "ctrgcn_official_random_legacy.pt")):
        paths[kind] = str(out / f"{kind}.pdparams")
        assert convert_tool.main([official_fixture(name), "-c", NTU_CONFIG, "-o", paths[kind]]) == 0
    return paths


def float32_bound(io) -> float:
    """Twice the official float32 run's own distance from its float64 logits."""
    return 2.0 * float(np.abs(io["y"] - io["y64"]).max())


def check_float32(name: str, got: np.ndarray, io) -> None:
    scale = float(np.abs(io["y64"]).max())
    diff = float(np.abs(got - io["y64"]).max())
    assert diff <= float32_bound(io), (
        f"{name}: max|logits - y64| = {diff / scale:.3g} x max|logit|, bound {float32_bound(io) / scale:.3g}")
    assert (got.argmax(axis=1) == io["y"].argmax(axis=1)).all()


# ----------------------------------------------------------------------------- the official fixture


def test_both_file_formats_hold_the_same_tensors():
    zipped, zip_format = load_torch_checkpoint(official_fixture("ctrgcn_official_random.pt"))
    legacy, legacy_format = load_torch_checkpoint(official_fixture("ctrgcn_official_random_legacy.pt"))
    assert (zip_format, legacy_format) == ("zip", "legacy")
    assert list(zipped) == list(legacy) and len(zipped) == 822
    for key, value in zipped.items():
        assert value.dtype == legacy[key].dtype and np.array_equal(value, legacy[key]), key
    assert zipped["fc.weight"].shape == (60, 256) and zipped["l1.gcn1.PA"].shape == (3, 25, 25)
    assert zipped["data_bn.num_batches_tracked"].dtype == np.int64 and zipped["data_bn.num_batches_tracked"].ndim == 0


def test_tool_reports_what_it_converted(tmp_path, capsys):
    code, out, err = convert(capsys, official_fixture("ctrgcn_official_random.pt"), "-c", NTU_CONFIG,
                             "-o", tmp_path / "w.pdparams", "--from", "ctrgcn-pytorch")
    assert code == 0, err
    assert "(PyTorch zip format): 822 tensors" in out
    assert "Checkpoint: 60 classes, 25 joints, 2 person(s), 3 input channels" in out
    assert "736 tensors for CTRGCN_joint (86 num_batches_tracked counters dropped)" in out
    state = paddle.load(str(tmp_path / "w.pdparams"))
    official, _ = load_torch_checkpoint(official_fixture("ctrgcn_official_random.pt"))
    np.testing.assert_array_equal(np.asarray(state["head.fc.weight"]), official["fc.weight"].T)
    np.testing.assert_array_equal(np.asarray(state["backbone.l5.residual.bn._variance"]),
                                  official["l5.residual.bn.running_var"])


def float64_model(cfg, weights: str):
    """The converted model computing in float64 (each spatial module with its own pair map, so
    float32 models in this process keep the shared one)."""
    model = load_eval_model(cfg, weights)
    for layer in model.sublayers():
        if isinstance(layer, SpatialCTRGC):
            joints = layer.pair_map.shape[0] // 2  # pair map: (2V, V*V)
            layer.register_buffer("pair_map", paddle.to_tensor(pair_difference_map(joints)), persistable=False)
    return model.to(dtype="float64")


@pytest.mark.slow
def test_float64_logits_are_the_official_ones(converted, official_io):
    """Same arithmetic: in float64 the converted model gives the official float64 logits.

    Paddle keeps a BatchNorm's epsilon as a float32 attribute (9.99999975e-6 where torch uses
    1e-5 in float64), worth 2.3e-11 x max|logit| here; with that difference added to the
    running variances, what remains is float64 rounding (5e-14).
    """
    model = float64_model(get_config(NTU_CONFIG, show=False), converted["zip"])
    x, want = official_io["x"].astype(np.float64), official_io["y64"]
    scale = np.abs(want).max()
    got = logits(model, x)
    assert got.dtype == np.float64
    assert np.abs(got - want).max() <= 1e-10 * scale
    epsilon_gap = 1e-5 - float(np.float32(1e-5))
    for layer in model.sublayers():
        if isinstance(layer, (paddle.nn.BatchNorm1D, paddle.nn.BatchNorm2D)):
            layer._variance.set_value(layer._variance.numpy() + epsilon_gap)
    assert np.abs(logits(model, x) - want).max() <= 1e-12 * scale


@pytest.mark.parametrize("kind", ["zip", "legacy"])
def test_dynamic_graph_gives_the_official_logits(kind, converted, official_io):
    model = load_eval_model(get_config(NTU_CONFIG, show=False), converted[kind])
    check_float32(f"dynamic graph ({kind} file)", logits(model, official_io["x"]), official_io)


@pytest.fixture(scope="module")
def exported(converted, tmp_path_factory):
    """The converted model exported for Paddle Inference and ONNX (NTU input shape)."""
    model = load_eval_model(get_config(NTU_CONFIG, show=False), converted["zip"])
    out = tmp_path_factory.mktemp("exported")
    files = export_paddle(model, (3, 64, 25, 2), str(out), "CTRGCN_official")
    export_onnx(model, (3, 64, 25, 2), str(out / "CTRGCN_official.onnx"))
    return files


@pytest.mark.slow
@pytest.mark.parametrize("name, options", [
    ("Paddle Inference, oneDNN on", PredictorOptions(enable_mkldnn=True, cpu_threads=1)),
    ("Paddle Inference, oneDNN off", PredictorOptions(enable_mkldnn=False, cpu_threads=1)),
    ("ONNX Runtime", PredictorOptions(backend="onnxruntime", cpu_threads=1)),
])
def test_exported_model_gives_the_official_logits(name, options, exported, official_io):
    predictor = create_predictor(exported.model_file, exported.params_file, options)
    check_float32(name, predictor.run(official_io["x"]), official_io)


def test_back_to_the_official_layout_gives_the_same_file_contents(converted, tmp_path, capsys):
    code, out, err = convert(capsys, converted["legacy"], "-c", NTU_CONFIG, "-o", tmp_path / "back.pt",
                             "--to", "ctrgcn-pytorch")
    assert code == 0, err
    assert "822 tensors in the official CTR-GCN layout" in out
    original, _ = load_torch_checkpoint(official_fixture("ctrgcn_official_random.pt"))
    back, file_format = load_torch_checkpoint(str(tmp_path / "back.pt"))
    assert file_format == "zip" and list(back) == list(original)
    for key, value in original.items():
        assert back[key].shape == value.shape and back[key].dtype == value.dtype, key
        if not key.endswith("num_batches_tracked"):  # a training counter: written as 0
            assert np.array_equal(back[key], value), key


# ----------------------------------------------------------------------------- small checkpoints


def tiny_config(folder, base: str, name: str) -> str:
    """``base`` with a two-block, 8-channel CTRGCN (same classes, joints and persons)."""
    with open(os.path.join(CONFIGS, base)) as f:
        cfg = yaml.safe_load(f)
    cfg["MODEL"]["backbone"].update(base_channel=8, blocks=[[1, 1, True], [2, 2, True]])
    cfg["MODEL"]["head"]["in_channels"] = 8
    cfg["model_name"] = name
    path = os.path.join(str(folder), f"{name}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


@pytest.fixture
def tiny(tmp_path):
    """A tiny NTU model with random weights and its official-layout state dict."""
    config = tiny_config(tmp_path, "ctrgcn_ntucs_joint.yaml", "tiny_ntu")
    rng = np.random.RandomState(5)
    model = load_eval_model(get_config(config, show=False), None)
    # random values everywhere (no constant tensors), so any two swapped tensors would show
    state = {k: rng.normal(0.0, 1.0, v.shape).astype(np.float32) for k, v in model.state_dict().items()}
    return {"config": config, "state": state, "official": to_official(state), "dir": tmp_path}


@pytest.mark.parametrize("legacy", [False, True])
def test_round_trip_through_both_file_formats(tiny, legacy, capsys):
    """this project -> official layout (torch file) -> this project: every tensor comes back."""
    official = {"module." + k: v for k, v in tiny["official"].items()}  # as DataParallel saves it
    source = save_torch_checkpoint(official, str(tiny["dir"] / "tiny.pt"), legacy=legacy)
    code, out, err = convert(capsys, source, "-c", tiny["config"], "-o", tiny["dir"] / "tiny.pdparams")
    assert code == 0, err
    assert f"PyTorch {'legacy' if legacy else 'zip'} format" in out
    back = paddle.load(str(tiny["dir"] / "tiny.pdparams"))
    assert sorted(back) == sorted(tiny["state"])
    for key, value in tiny["state"].items():
        np.testing.assert_array_equal(np.asarray(back[key]), value, err_msg=key)

    code, out, err = convert(capsys, tiny["dir"] / "tiny.pdparams", "-c", tiny["config"], "-o",
                             tiny["dir"] / "again.pt", "--to", "ctrgcn-pytorch")
    assert code == 0, err
    again, _ = load_torch_checkpoint(str(tiny["dir"] / "again.pt"))
    assert list(again) == list(tiny["official"])
    for key, value in tiny["official"].items():
        np.testing.assert_array_equal(again[key], value, err_msg=key)


def test_fixed_adjacency_comes_from_the_config(tiny, capsys):
    """An ``adaptive: False`` model keeps its adjacency as a buffer the official model does not save."""
    with open(tiny["config"]) as f:
        cfg = yaml.safe_load(f)
    cfg["MODEL"]["backbone"]["adaptive"] = False
    config = str(tiny["dir"] / "fixed.yaml")
    with open(config, "w") as f:
        yaml.safe_dump(cfg, f)
    model = load_eval_model(get_config(config, show=False), None)
    official = to_official(model.state_dict())
    assert "l1.gcn1.A" not in official and "l1.gcn1.PA" not in official
    source = save_torch_checkpoint(official, str(tiny["dir"] / "fixed.pt"))
    code, _, err = convert(capsys, source, "-c", config, "-o", tiny["dir"] / "fixed.pdparams")
    assert code == 0, err
    back = paddle.load(str(tiny["dir"] / "fixed.pdparams"))
    np.testing.assert_array_equal(np.asarray(back["backbone.l2.gcn1.A"]), model.backbone.l2.gcn1.A.numpy())


def test_wrappers_and_prefixes_are_unwrapped():
    tensors = {"module.fc.bias": np.zeros(3, np.float32), "module.l1.gcn1.alpha": np.ones(1, np.float32)}
    for saved in (tensors, {"state_dict": tensors, "epoch": 3}, {"model": {"weights": tensors}}):
        assert sorted(unwrap_state_dict(saved)) == ["fc.bias", "l1.gcn1.alpha"]
    with pytest.raises(ConversionError, match="not a state dict of tensors"):
        unwrap_state_dict({"epoch": 3, "optimizer": {}})
    with pytest.raises(ConversionError, match="twice"):
        unwrap_state_dict({"fc.bias": tensors["module.fc.bias"], **tensors})


class RunsCode:
    """Pickles as a call of os.system: what a malicious checkpoint holds."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def write_bad_file(kind: str, tiny) -> str:
    """A file for each error case, in tmp_path."""
    folder, official = tiny["dir"], dict(tiny["official"])
    path = str(folder / f"{kind}.pt")
    marker = str(folder / "code_ran")
    if kind == "not_a_checkpoint":
        with open(path, "w") as f:
            f.write("epoch,top1\n1,0.5\n")
    elif kind == "truncated_zip" or kind == "truncated_legacy":
        save_torch_checkpoint(official, path, legacy=kind == "truncated_legacy")
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:len(data) * 2 // 3])
    elif kind == "code_pickle":
        with open(path, "wb") as f:
            pickle.dump({"fc.weight": RunsCode(marker)}, f, protocol=2)
    elif kind == "code_in_zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("archive/data.pkl", pickle.dumps(RunsCode(marker), protocol=2))
    elif kind == "missing_key":
        del official["l2.tcn1.branches.1.3.conv.weight"]
        save_torch_checkpoint(official, path)
    elif kind == "other_model":
        save_torch_checkpoint({"conv1.weight": np.zeros((8, 3, 3, 3), np.float32),
                               "classifier.bias": np.zeros(10, np.float32)}, path)
    elif kind == "mismatch":  # an NW-UCLA checkpoint (10 classes, 20 joints, 1 person) for the NTU config
        ucla = tiny_config(folder, "ctrgcn_ucla_joint.yaml", "tiny_ucla")
        save_torch_checkpoint(to_official(load_eval_model(get_config(ucla, show=False), None).state_dict()), path)
    return path


@pytest.mark.parametrize("kind, message", [
    ("mismatch", r"the checkpoint is for 10 classes, 20 joints, 1 person\(s\), 3 input channels \(fc.weight "
                 r"\[10, 32\], data_bn.weight \[60\], l1.gcn1.PA \[3, 20, 20\].*but the config's model has "
                 r"60 classes, 25 joints, 2 person\(s\), 3 input channels \(fc.weight \[60, 32\], "
                 r"data_bn.weight \[150\], l1.gcn1.PA \[3, 25, 25\]"),
    ("not_a_checkpoint", "cannot be read as a PyTorch checkpoint"),
    ("truncated_zip", "damaged or truncated zip archive"),
    ("truncated_legacy", "truncated"),
    ("code_pickle", r"asks for the global posix.system.*refusing to load it"),
    ("code_in_zip", r"asks for the global posix.system.*refusing to load it"),
    ("missing_key", r"1 tensor\(s\) the model needs are missing: l2.tcn1.branches.1.3.conv.weight"),
    ("other_model", "not a CTR-GCN checkpoint"),
])
def test_bad_checkpoints_are_one_line_errors(kind, message, tiny, capsys):
    path = write_bad_file(kind, tiny)
    code, out, err = convert(capsys, path, "-c", tiny["config"], "-o", tiny["dir"] / "out.pdparams")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(message, lines[0]), lines[0]
    assert not os.path.exists(tiny["dir"] / "out.pdparams")
    assert not os.path.exists(tiny["dir"] / "code_ran")


def test_reader_refuses_globals_before_calling_them(tmp_path):
    path = tmp_path / "eval.pt"
    path.write_bytes(b"\x80\x02cbuiltins\neval\nX\x06\x00\x00\x00print(1)\x85R.")
    with pytest.raises(CheckpointError, match="builtins.eval"):
        load_torch_checkpoint(str(path))


def test_missing_file_and_bad_config(tmp_path, capsys):
    code, _, err = convert(capsys, tmp_path / "absent.pt", "-c", NTU_CONFIG, "-o", tmp_path / "o.pdparams")
    assert code == 1 and err.startswith("error: checkpoint not found")
    code, _, err = convert(capsys, tmp_path / "absent.pt", "-c", NTU_CONFIG, "-o", tmp_path / "o.pdparams",
                           "--override", "MODEL.head.num_clases=3")
    assert code == 2 and err.startswith("error: ") and "num_clases" in err


# ----------------------------------------------------------------------------- distillation from official weights


def test_distill_config_with_an_official_teacher_loads():
    cfg = get_config(os.path.join(CONFIGS, "ctrgcn_light_ntucs_joint_distill_official.yaml"), show=False)
    assert cfg["MODEL"]["backbone"]["name"] == "CTRGCN_light"
    distill = cfg["DISTILL"]
    assert distill["teacher_config"] == "configs/recognition/ctrgcn/ctrgcn_ntucs_joint.yaml"
    assert distill["teacher_weights"] == "data/ctrgcn_official_ntucs_joint.pdparams"
    teacher = get_config(os.path.join(ROOT, distill["teacher_config"]), show=False)
    assert teacher["MODEL"]["head"]["num_classes"] == cfg["MODEL"]["head"]["num_classes"]
