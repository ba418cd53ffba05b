"""tools/export_model.py and tools/predict.py end to end, on small models exported once per module.

A two-block CTRGCN_light (NTU layout, 60 classes; its first block has the CTR-GC aggregation
that oneDNN got wrong) keeps exports to a few seconds. The real CTRGCN with PaddleVideo-format
weights (../shared/fixtures) shows the oneDNN check and fallback on the model that needs them.
"""
import os
import pickle

import numpy as np
import paddle
import pytest
import yaml

from conftest import ROOT, shared_path, load_tool
from paddlevideo.inference import (InputPreparer, OutputMismatchError, PredictorOptions, create_predictor,
                                   label_from_name, load_eval_model, open_verified_predictor, reference_path)
from paddlevideo.inference import verify
from paddlevideo.loader.class_names import NTU60_CLASSES
from paddlevideo.loader.dataset.ucla import UCLADataset, load_ucla_sample
from paddlevideo.loader.builder import build_pipeline
from paddlevideo.config import get_config

CONFIGS = os.path.join(ROOT, "configs", "recognition", "ctrgcn")



export_tool = load_tool("export_model")
predict_tool = load_tool("predict")


def tiny_config(tmp, base, name, blocks, **backbone_args):
    """A copy of ``base`` with a small backbone (head width follows) and an absolute PIPELINE."""
    with open(os.path.join(CONFIGS, base)) as f:
        cfg = yaml.safe_load(f)
    cfg["MODEL"]["backbone"].update(base_channel=8, blocks=blocks, **backbone_args)
    cfg["MODEL"]["head"]["in_channels"] = 8
    cfg["model_name"] = name
    path = os.path.join(tmp, f"{name}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path


def save_weights(config, path, seed=3):
    paddle.seed(seed)
    model = load_eval_model(get_config(config, show=False), None)
    paddle.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def ntu(tmp_path_factory):
    """Tiny NTU model exported with --onnx --check; yields paths and the export's output."""
    tmp = str(tmp_path_factory.mktemp("ntu"))
    config = tiny_config(tmp, "ctrgcn_light_ntucs_joint.yaml", "Tiny_joint", [[1, 1, True], [4, 2, False]])
    weights = save_weights(config, os.path.join(tmp, "tiny.pdparams"))
    out = os.path.join(tmp, "inference")
    return {"config": config, "weights": weights, "dir": out, "model": os.path.join(out, "Tiny_joint.json"),
            "params": os.path.join(out, "Tiny_joint.pdiparams")}


@pytest.fixture(scope="module")
def exported(ntu):
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = export_tool.main(["-c", ntu["config"], "-p", ntu["weights"], "-o", ntu["dir"], "--onnx", "--check"])
    return code, buf.getvalue()


def predict(capsys, *args):
    code = predict_tool.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def dynamic_logits(config, weights, x):
    model = load_eval_model(get_config(config, show=False), weights)
    with paddle.no_grad():
        return model([paddle.to_tensor(x)], mode="infer").numpy()


def top1_lines(out):
    return [int(line.split(":")[1]) for line in out.splitlines() if line.strip().startswith("top-1 class:")]


# ----------------------------------------------------------------------------- export


def test_export_writes_files_prints_sizes_and_checks(ntu, exported):
    code, out = exported
    assert code == 0, out
    for suffix in (".json", ".pdiparams", ".check.npz", ".onnx"):
        path = os.path.join(ntu["dir"], "Tiny_joint" + suffix)
        assert os.path.isfile(path), path
        assert f"Tiny_joint{suffix}: {os.path.getsize(path)} bytes" in out
    paddle_total = sum(os.path.getsize(ntu[k]) for k in ("model", "params"))
    assert f"total: {paddle_total} bytes" in out
    assert "input data_batch_0: [N, 3, 64, 25, 2]" in out
    for label in ("oneDNN on", "oneDNN off", "ONNX Runtime"):
        line = next(line for line in out.splitlines() if label in line)
        assert line.endswith(" ok"), line
        assert float(line.split(": ")[1].split()[0]) <= 1e-4
    assert "check passed" in out
    assert not [f for f in os.listdir(ntu["dir"]) if f.startswith(".export_") or f.endswith(".tmp")]


@pytest.mark.slow
@pytest.mark.parametrize("groups", [0, 2])
def test_grouped_temporal_convs_pass_the_export_check(groups, tmp_path, capsys):
    """``temporal_groups`` 0 (depthwise) and 2: Paddle Inference (oneDNN on and off) and ONNX Runtime within 1e-4."""
    config = tiny_config(str(tmp_path), "ctrgcn_light_ntucs_joint.yaml", "Grouped_joint",
                         [[1, 1, True], [4, 2, False]], temporal_groups=groups)
    weights = save_weights(config, str(tmp_path / "grouped.pdparams"))
    code = export_tool.main(["-c", config, "-p", weights, "-o", str(tmp_path / "inference"), "--onnx", "--check"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    for label in ("oneDNN on", "oneDNN off", "ONNX Runtime"):
        line = next(line for line in out.splitlines() if label in line)
        assert line.endswith(" ok") and float(line.split(": ")[1].split()[0]) <= 1e-4, line


def test_export_reference_is_the_dynamic_graph(ntu, exported):
    with np.load(reference_path(ntu["model"])) as ref:
        x, logits = ref["x"], ref["logits"]
    assert x.shape == (2, 3, 64, 25, 2) and logits.shape == (2, 60)
    np.testing.assert_allclose(logits, dynamic_logits(ntu["config"], ntu["weights"], x), atol=1e-5)


def test_export_errors_are_messages(ntu, tmp_path, capsys):
    code = export_tool.main(["-c", ntu["config"], "-p", str(tmp_path / "missing.pdparams"), "-o", str(tmp_path)])
    assert code == 1 and "missing.pdparams" in capsys.readouterr().err
    other = save_weights(os.path.join(CONFIGS, "ctrgcn_light_ntucs_joint.yaml"), str(tmp_path / "big.pdparams"))
    code = export_tool.main(["-c", ntu["config"], "-p", other, "-o", str(tmp_path)])
    assert code == 1 and "does not fit the model" in capsys.readouterr().err
    code = export_tool.main(["-c", ntu["config"], "-p", ntu["weights"], "--override", "INFERENCE.window_size=0",
                             "-o", str(tmp_path)])
    assert code == 2 and "INFERENCE.window_size: expected a value >= 1, got 0" in capsys.readouterr().err


def test_output_flag_refuses_a_config_override(tmp_path, monkeypatch, capsys):
    """-o is the output folder (PaddleVideo's meaning); `-o KEY=VALUE`, main.py's override, is refused."""
    monkeypatch.chdir(tmp_path)
    code = export_tool.main(["-c", "c.yaml", "-p", "w.pdparams", "-o", "MODEL.head.drop_out=0.5"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "use --override MODEL.head.drop_out=0.5" in err
    assert os.listdir(tmp_path) == []
    # a folder whose name holds '=' is still an output folder when written as a path
    export_tool.main(["-c", "c.yaml", "-p", "w.pdparams", "-o", "./runs=1"])
    assert "--override" not in capsys.readouterr().err


def test_check_reports_a_wrong_onednn_path(ntu, exported, monkeypatch, capsys):
    """A predictor that is off by 0.5 only with oneDNN must fail the check (exit 1)."""
    real = verify.create_predictor

    class OffWhenOneDNN:
        def __init__(self, inner, options):
            self.inner, self.options = inner, options

        def run(self, x):
            out = self.inner.run(x)
            return out + 0.5 if self.options.uses_mkldnn else out

    monkeypatch.setattr(verify, "create_predictor", lambda m, p, o: OffWhenOneDNN(real(m, p, o), o))
    code = export_tool.main(["-c", ntu["config"], "-p", ntu["weights"], "-o", ntu["dir"], "--check"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "oneDNN on: 0.5 FAIL" in out and "check FAILED" in err


# ----------------------------------------------------------------------------- predict: inputs


def test_flags_parse_paddlevideo_style(ntu):
    args = predict_tool.parse_args(["-c", "c.yaml", "--input_file", "x.npy", "--model_file", "m.json",
                                    "--use_gpu=False", "--enable_mkldnn=True", "--cpu_threads", "2",
                                    "--enable_benchmark=False"])
    assert args.use_gpu is False and args.enable_mkldnn is True and args.cpu_threads == 2 and not args.benchmark
    assert predict_tool.parse_args(["-c", "c", "-i", "x", "--model_file", "m", "--benchmark"]).benchmark is True
    with pytest.raises(SystemExit) as exc:
        predict_tool.parse_args(["-c", "c", "-i", "x", "--model_file", "m", "--enable_mkldnn=Fasle"])
    assert exc.value.code == 2


def test_predict_npy_formats_match_dynamic_graph(ntu, exported, tmp_path, capsys):
    rng = np.random.RandomState(0)
    one = (rng.standard_normal((3, 300, 25, 2)) * 0.3).astype(np.float32)  # example_NTU-RGB-D format
    one[:, 200:] = 0  # zero padding after the valid frames, as in prepared data
    stack = (rng.standard_normal((3, 3, 90, 25, 2)) * 0.3).astype(np.float32)
    np.save(tmp_path / "example.npy", one)
    np.save(tmp_path / "stack.npy", stack)
    code, out, _ = predict(capsys, "-c", ntu["config"], "--input_file", str(tmp_path), "--model_file", ntu["model"],
                           "--params_file", ntu["params"], "--use_gpu=False", "--enable_mkldnn=False",
                           "--batch_size", "2", "--top_k", "3")
    assert code == 0
    assert out.count("Current input file:") == 4
    for name in ("example.npy", "stack.npy[0]", "stack.npy[2]"):
        assert f"Current input file: {name}" in out
    assert "top-1 class name: " in out and "top-3 (class name score): " in out

    preparer = InputPreparer(get_config(ntu["config"], show=False))
    inputs = np.stack([s.data for path in (tmp_path / "example.npy", tmp_path / "stack.npy")
                       for s in preparer(str(path))])
    want = dynamic_logits(ntu["config"], ntu["weights"], inputs)
    assert top1_lines(out) == list(want.argmax(axis=1))
    scores = [float(line.split(":")[1]) for line in out.splitlines() if "top-1 score" in line]
    probs = np.exp(want - want.max(1, keepdims=True))
    np.testing.assert_allclose(scores, (probs / probs.sum(1, keepdims=True)).max(1), atol=1e-5)


def test_skeleton_input_is_prepared_like_the_training_data(ntu):
    """A raw .skeleton file becomes the reference-prepared sample after the test pipeline."""
    raw_dir = shared_path("data", "ntu60_samples", "nturgb+d_skeletons")
    ref_dir = shared_path("data", "ntu60_samples", "reference", "xsub")
    cfg = get_config(ntu["config"], show=False)
    names, labels = pickle.load(open(os.path.join(ref_dir, "train_label.pkl"), "rb"))
    names = [n.decode() if isinstance(n, bytes) else n for n in names]
    data = np.load(os.path.join(ref_dir, "train_data.npy"), mmap_mode="r")
    pipeline = build_pipeline(cfg["PIPELINE"]["test"])
    for k in (0, len(names) - 1):  # a one-person and a two-person action
        sample, = InputPreparer(cfg)(os.path.join(raw_dir, names[k] + ".skeleton"))
        want = pipeline({"data": np.array(data[k]), "label": labels[k]})["data"]
        assert sample.label == labels[k]
        np.testing.assert_allclose(sample.data, want, atol=1e-6)


def test_predict_real_skeleton_file(ntu, exported, capsys):
    path = os.path.join(shared_path("data", "ntu60_samples", "nturgb+d_skeletons"), "S001C001P001R001A059.skeleton")
    code, out, _ = predict(capsys, "-c", ntu["config"], "--input_file", path, "--model_file", ntu["model"],
                           "--params_file", ntu["params"], "--cpu_threads", "1")
    assert code == 0
    assert "Current input file: S001C001P001R001A059.skeleton" in out
    assert "true class (from the file): 58 (walking towards each other)" in out
    sample, = InputPreparer(get_config(ntu["config"], show=False))(path)
    assert top1_lines(out) == [int(dynamic_logits(ntu["config"], ntu["weights"], sample.data[None]).argmax())]


def test_ucla_json_goes_through_the_ucla_test_pipeline(tmp_path):
    folder = shared_path("data", "NW-UCLA", "all_sqe")
    cfg = get_config(os.path.join(CONFIGS, "ctrgcn_light_ucla_joint.yaml"), show=False)
    dataset = UCLADataset(folder, build_pipeline(cfg["PIPELINE"]["test"]), split="val", test_mode=True)
    sample, = InputPreparer(cfg)(os.path.join(folder, dataset.names[0] + ".json"))
    data, label = dataset[0]
    assert sample.data.shape == (3, 52, 20, 1) and sample.label == int(label)
    np.testing.assert_array_equal(sample.data, data)


def test_predict_ucla_json_end_to_end(tmp_path, capsys):
    path = os.path.join(shared_path("data", "NW-UCLA", "all_sqe"), "a01_s01_e00_v03.json")
    config = tiny_config(str(tmp_path), "ctrgcn_light_ucla_joint.yaml", "TinyUCLA", [[1, 1, True], [4, 2, False]])
    weights = save_weights(config, str(tmp_path / "w.pdparams"))
    assert export_tool.main(["-c", config, "-p", weights, "-o", str(tmp_path / "inf")]) == 0
    code, out, _ = predict(capsys, "-c", config, "-i", path, "--model_file", str(tmp_path / "inf" / "TinyUCLA.json"),
                           "--enable_mkldnn=False")
    assert code == 0
    assert "true class (from the file): 0 (pick up with one hand)" in out
    assert top1_lines(out)[0] in range(10)


@pytest.mark.parametrize("name, content, message", [
    ("bad.skeleton", "3\n1\n", "line"),
    ("text.npy", "not an array", "not a readable .npy array"),
    ("wrong.npy", np.zeros((3, 50, 20, 2), np.float32), "expected (C, T, V, M) = (C, T, 25, 2)"),
    ("twoch.npy", np.ones((2, 50, 25, 2), np.float32), "input of shape (2, 50, 25, 2) became (2, 64, 25, 2)"),
    ("zeros.npy", np.zeros((3, 50, 25, 2), np.float32), "all zeros"),
    ("nan.npy", np.full((3, 50, 25, 2), np.nan, np.float32), "NaN"),
    ("clip.avi", "x", "unsupported file type"),
])
def test_malformed_input_is_a_clear_error(ntu, exported, tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content)
        path = tmp_path / name  # np.save keeps the .npy name
    else:
        path.write_text(content)
    code, out, err = predict(capsys, "-c", ntu["config"], "-i", str(path), "--model_file", ntu["model"],
                             "--enable_mkldnn=False")
    assert code == 1
    assert str(path) in err and message in err


def test_bad_file_in_folder_does_not_stop_the_others(ntu, exported, tmp_path, capsys):
    np.save(tmp_path / "a_good.npy", np.ones((3, 40, 25, 2), np.float32))
    (tmp_path / "b_bad.skeleton").write_text("1\n1\n")
    code, out, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path), "--model_file", ntu["model"],
                             "--enable_mkldnn=False")
    assert code == 1
    assert "Current input file: a_good.npy" in out
    assert "b_bad.skeleton" in err and "1 input file(s) could not be used" in err
    summary = out.split("\nSummary: ")[1].splitlines()
    assert summary[:3] == ["1 file(s) predicted", "Skipped 1 file(s):",
                           "\tb_bad.skeleton: could not be used: file ends where a body line of frame 1 was expected"]
    assert summary[-1].startswith("Top-1: no predicted file's name gives the class")


def test_folder_is_predicted_with_its_sub_folders_and_summarised(ntu, exported, tmp_path, capsys):
    """An NTU download's layout: .skeleton files in a sub-folder (and one deeper), beside files of
    other kinds. Three links to one recording are named after the class the model predicts for it
    (twice) and after the next class (once), so Top-1 over the named files must be 2/3."""
    source = os.path.join(shared_path("data", "ntu60_samples", "nturgb+d_skeletons"), "S001C001P001R001A001.skeleton")
    preparer = InputPreparer(get_config(ntu["config"], show=False))
    np.save(tmp_path / "x.npy", np.ones((3, 40, 25, 2), np.float32))
    inputs = np.stack([preparer(source)[0].data, preparer(str(tmp_path / "x.npy"))[0].data])
    p, s = dynamic_logits(ntu["config"], ntu["weights"], inputs).argmax(axis=1)
    q = (p + 1) % 60
    skeletons = tmp_path / "nturgb+d_skeletons"
    (skeletons / "more").mkdir(parents=True)
    right, wrong = f"S001C001P001R001A{p + 1:03d}.skeleton", f"S001C001P001R001A{q + 1:03d}.skeleton"
    deeper = f"more/S002C001P001R001A{p + 1:03d}.skeleton"
    for name in (right, wrong, deeper):
        os.symlink(source, skeletons / name)
    (tmp_path / "readme.txt").write_text("not an input")
    (skeletons / "more" / "NOTES").write_text("not an input")

    code, out, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path), "--model_file", ntu["model"],
                             "--enable_mkldnn=False", "--batch_size", "2")
    assert code == 0, err
    shown = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Current input file: ")]
    assert shown == ["x.npy"] + [f"nturgb+d_skeletons/{name}" for name in sorted([right, wrong])] \
        + [f"nturgb+d_skeletons/{deeper}"]
    per_class = sorted(((-n, c) for c, n in {p: 3, s: 1 + 3 * (s == p)}.items()))
    assert out.split("\nSummary: ")[1].splitlines() == [
        "4 file(s) predicted",
        "Skipped 2 file(s):",
        "\t2 not an input kind (.skeleton, .npy, .json): .txt 1, no suffix 1 (e.g. readme.txt)",
        "Samples per predicted class (top-1):",
        *[f"\t{c} {NTU60_CLASSES[c]}: {-n}" for n, c in per_class],
        "Top-1 over 3 files whose name gives the class: 66.67% (2/3)",
    ]


def test_file_names_give_the_class():
    """NTU: action - 1. NW-UCLA: the place of aAA among a01-a06, a08, a09, a11, a12, which is
    what each real json file's label says (label - 1)."""
    assert label_from_name("nturgb+d_skeletons/S017C003P020R002A060.skeleton") == 59
    assert label_from_name("S001C001P001R001A120.skeleton") == 119
    for name in ("S001C001P001R001A000.skeleton", "S001C001P001R001A001.npy", "x.npy[0]", "clip.json",
                 "a07_s01_e00_v01.json", "a01_s01_e00_v01.skeleton"):
        assert label_from_name(name) is None, name
    folder = shared_path("data", "NW-UCLA", "all_sqe")
    for k, action in enumerate((1, 2, 3, 4, 5, 6, 8, 9, 11, 12)):
        path = os.path.join(folder, f"a{action:02d}_s01_e00_v01.json")
        assert label_from_name(path) == k == load_ucla_sample(path)[1]


def test_missing_inputs_and_models(ntu, exported, tmp_path, capsys):
    code, _, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path), "--model_file", ntu["model"])
    assert code == 1 and "holds no input files" in err
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.txt").write_text("x")
    code, _, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path), "--model_file", ntu["model"])
    assert code == 1 and "sub-folders included; 1 file(s) of other kinds" in err
    (tmp_path / "sub" / "notes.txt").unlink()
    code, _, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path / "none.npy"), "--model_file", ntu["model"])
    assert code == 1 and "no such file or folder" in err
    np.save(tmp_path / "x.npy", np.ones((3, 40, 25, 2), np.float32))
    code, _, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path / "x.npy"),
                           "--model_file", str(tmp_path / "nope.json"))
    assert code == 1 and "nope.json" in err


# ----------------------------------------------------------------------------- backends and verification


def test_onnxruntime_backend_matches_dynamic_graph_and_paddle(ntu, exported, tmp_path, capsys):
    x = (np.random.RandomState(5).standard_normal((3, 3, 64, 25, 2)) * 0.5).astype(np.float32)
    onnx = create_predictor(ntu["model"], None, PredictorOptions(backend="onnxruntime", cpu_threads=1))
    np.testing.assert_allclose(onnx.run(x), dynamic_logits(ntu["config"], ntu["weights"], x), atol=1e-4)
    np.save(tmp_path / "x.npy", x)
    runs = {}
    for backend in ("paddle", "onnxruntime"):
        code, out, _ = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path / "x.npy"), "--model_file", ntu["model"],
                               "--backend", backend, "--enable_mkldnn=False", "--top_k", "2")
        assert code == 0 and f"backend {backend}" in out
        runs[backend] = [line for line in out.splitlines() if line.startswith(("Current", "\ttop"))]
    assert runs["paddle"] == runs["onnxruntime"]


def test_benchmark_prints_the_log(ntu, exported, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.ones((3, 40, 25, 2), np.float32))
    code, out, _ = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path / "x.npy"), "--model_file", ntu["model"],
                           "--benchmark", "--batch_size", "2", "--cpu_threads", "1", "--benchmark_iters", "3",
                           "--warmup", "1", "--benchmark_log", str(tmp_path / "b.json"))
    assert code == 0
    assert out.count("Current input file: x.npy") == 1  # predictions printed for the first pass only
    for key in ("[benchmark]  model_name: Tiny_joint", "batch_size: 2", "data_num: 6 (timed batches 3, warm-up 1)",
                "cpu_math_library_num_threads: 1", "inference_time(ms):", "cpu_rss(MB):"):
        assert key in out, key
    assert (tmp_path / "b.json").is_file()


def test_benchmark_goes_through_every_input(ntu, exported, tmp_path, capsys):
    for k in range(3):
        np.save(tmp_path / f"x{k}.npy", np.full((3, 40, 25, 2), k + 1, np.float32))
    code, out, _ = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path), "--model_file", ntu["model"],
                           "--benchmark", "--batch_size", "2", "--benchmark_iters", "1", "--warmup", "0",
                           "--enable_mkldnn=False")
    assert code == 0
    assert [out.count(f"Current input file: x{k}.npy") for k in range(3)] == [1, 1, 1]
    assert "timed batches 2" in out  # x0 x1 | x2 x0: the second batch starts the second pass


class Shifted:
    """A predictor wrapper adding ``shift`` to the logits when its options match ``when``."""

    def __init__(self, inner, options, shift, when):
        self.inner, self.options, self.shift, self.when = inner, options, shift, when

    def run(self, x):
        out = self.inner.run(x)
        return out + self.shift if self.when(self.options) else out


def patch_predictors(monkeypatch, shift, when):
    real = verify.create_predictor
    monkeypatch.setattr(verify, "create_predictor", lambda m, p, o: Shifted(real(m, p, o), o, shift, when))


def test_wrong_onednn_falls_back_to_plain_kernels(ntu, exported, monkeypatch):
    patch_predictors(monkeypatch, 3.0, lambda o: o.uses_mkldnn)
    warnings = []
    shape = (3, 64, 25, 2)
    predictor, check = open_verified_predictor(ntu["model"], ntu["params"], PredictorOptions(enable_mkldnn=True),
                                               shape, batch_size=3, warn=warnings.append)
    assert check.fallback and not check.options.enable_mkldnn and check.diff <= 1e-4
    assert len(warnings) == 1 and "differs from the dynamic graph by 3" in warnings[0]
    with np.load(reference_path(ntu["model"])) as ref:
        np.testing.assert_allclose(predictor.run(ref["x"]), ref["logits"], atol=1e-4)


def test_predict_refuses_when_no_path_is_right(ntu, exported, monkeypatch, tmp_path, capsys):
    patch_predictors(monkeypatch, 1.0, lambda o: True)
    np.save(tmp_path / "x.npy", np.ones((3, 40, 25, 2), np.float32))
    code, out, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path / "x.npy"), "--model_file", ntu["model"])
    assert code == 1 and "refusing to predict" in err and "Current input file" not in out
    with pytest.raises(OutputMismatchError):
        open_verified_predictor(ntu["model"], ntu["params"], PredictorOptions(backend="onnxruntime"), (3, 64, 25, 2))


def test_without_reference_onednn_is_checked_against_plain(ntu, exported, monkeypatch, tmp_path):
    for suffix in (".json", ".pdiparams"):
        (tmp_path / ("m" + suffix)).write_bytes(open(ntu["model"][:-5] + suffix, "rb").read())
    model = str(tmp_path / "m.json")
    good, check = open_verified_predictor(model, None, PredictorOptions(enable_mkldnn=True), (3, 64, 25, 2))
    assert check.reference is None and check.options.enable_mkldnn and "checked against the plain" in check.notes[0]
    patch_predictors(monkeypatch, 2.0, lambda o: o.uses_mkldnn)
    _, check = open_verified_predictor(model, None, PredictorOptions(enable_mkldnn=True), (3, 64, 25, 2),
                                       warn=lambda _: None)
    assert check.fallback and not check.options.enable_mkldnn


def test_reference_shape_must_match_the_config(ntu, exported):
    with pytest.raises(ValueError, match="exported for inputs"):
        open_verified_predictor(ntu["model"], ntu["params"], PredictorOptions(), (3, 100, 25, 2))


@pytest.mark.slow
def test_real_ctrgcn_check_and_predictions(tmp_path, capsys):
    """PaddleVideo-format CTRGCN weights (real BN statistics), where Paddle 3.3.1's oneDNN path
    was seen to be wrong: --check reports it (exit 1 exactly when a path fails), and predict
    serves the dynamic graph's numbers whatever oneDNN does."""
    weights = shared_path("fixtures", "ctrgcn_paddlevideo_parity.pdparams")
    path = os.path.join(shared_path("data", "ntu60_samples", "nturgb+d_skeletons"), "S001C001P001R001A001.skeleton")
    config = os.path.join(CONFIGS, "ctrgcn_ntucs_joint.yaml")
    code = export_tool.main(["-c", config, "-p", weights, "-o", str(tmp_path), "--check", "--cpu_threads", "2"])
    out = capsys.readouterr().out
    diffs = {label: float(line.split(": ")[1].split()[0]) for line in out.splitlines()
             for label in ("oneDNN on", "oneDNN off") if label + ":" in line}
    assert diffs["oneDNN off"] <= 1e-4
    assert code == (1 if diffs["oneDNN on"] > 1e-4 else 0)  # logits here are below 10: tolerance 1e-4

    code, out, err = predict(capsys, "-c", config, "-i", path, "--model_file", str(tmp_path / "CTRGCN_joint.json"),
                             "--enable_mkldnn=True", "--cpu_threads", "2", "--top_k", "1")
    assert code == 0
    sample, = InputPreparer(get_config(config, show=False))(path)
    want = dynamic_logits(config, weights, sample.data[None])[0]
    assert top1_lines(out) == [int(want.argmax())]
    score = float(next(line for line in out.splitlines() if "top-1 score" in line).split(":")[1])
    probs = np.exp(want - want.max())
    assert score == pytest.approx(float(probs.max() / probs.sum()), abs=1e-5)
    fell_back = "turned oneDNN off" in err
    assert fell_back == (diffs["oneDNN on"] > 1e-4)
    assert ("oneDNN off" in out) == fell_back


def test_pipeline_derived_channels_reach_the_model_shape():
    """CTRGCN_tiny's test pipeline turns 3 coordinates into 9 channels; raw 3-channel inputs are fine."""
    from paddlevideo.inference.inputs import InputPreparer
    from paddlevideo.config import get_config

    data = shared_path("data", "NW-UCLA", "all_sqe")
    cfg = get_config(os.path.join(ROOT, "configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint.yaml"), show=False)
    samples = InputPreparer(cfg)(os.path.join(data, "a06_s01_e00_v03.json"))
    assert samples[0].data.shape == (9, 52, 20, 1)


def test_a_failing_pipeline_step_is_named_and_the_others_go_on(ntu, exported, tmp_path, capsys):
    """Prediction: a sample the test pipeline cannot take (all zeros: nothing to crop) ends with
    the step and the reason, the other files are predicted, exit 1; no hang, no traceback."""
    np.save(tmp_path / "a_good.npy", np.ones((3, 40, 25, 2), np.float32))
    np.save(tmp_path / "b_zeros.npy", np.zeros((3, 40, 25, 2), np.float32))
    code, out, err = predict(capsys, "-c", ntu["config"], "-i", str(tmp_path), "--model_file", ntu["model"],
                             "--enable_mkldnn=False")
    assert code == 1 and "Current input file: a_good.npy" in out
    assert ("b_zeros.npy: could not be used: pipeline step 1 (SkeletonCropSample) failed: ValueError: "
            "SkeletonCropSample: the sample is all zeros") in out
