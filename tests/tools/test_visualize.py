"""tools/visualize.py: reading every input kind, drawing persons and bones, predictions, topology plots."""
import importlib.util
import json
import os

import numpy as np
import paddle
import pytest
import yaml
from PIL import Image

from conftest import shared_path, load_synthetic_keypoints, load_tool
from paddlevideo.inference import InputPreparer, load_eval_model
from paddlevideo.config import get_config



vis = load_tool("visualize")
BLUE, ORANGE = (31, 119, 180), (255, 127, 14)  # matplotlib tab:blue, tab:orange


def count_colour(image, rgb, tol=40):
    return int((np.abs(image.astype(int) - np.array(rgb)).sum(axis=-1) < tol).sum())


def standing_person(num_frames=6, shift=0.0):
    """(3, T, 25) NTU-like joints: a vertical stick figure, y up, moving right by 0.05 m a frame."""
    joints = np.zeros((3, num_frames, 25), np.float32)
    joints[1] = np.linspace(-0.8, 0.8, 25)[None]
    joints[0] = shift + np.linspace(-0.2, 0.2, 25)[None] + 0.05 * np.arange(num_frames)[:, None]
    joints[2] = 3.0
    return joints


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny NTU CTRGCN_light config (window 12, 7 classes) and weights with alpha != 0."""
    tmp = tmp_path_factory.mktemp("tiny")
    cfg = {
        "MODEL": {"framework": "RecognizerGCN",
                  "backbone": {"name": "CTRGCN_light", "base_channel": 8,
                               "blocks": [[1, 1, True], [2, 2, False], [2, 1, True]]},
                  "head": {"name": "CTRGCNHead", "num_classes": 7, "in_channels": 4}},
        "PIPELINE": {"test": {"sample": [{"SkeletonCropSample": {"window_size": 12, "p_interval": [0.95]}}]}},
        "INFERENCE": {"name": "SkeletonInference", "dataset": "ntu60", "window_size": 12, "num_channels": 3,
                      "vertex_nums": 25, "person_nums": 2},
        "model_name": "tiny",
    }
    config = str(tmp / "tiny.yaml")
    with open(config, "w") as f:
        yaml.safe_dump(cfg, f)
    paddle.seed(7)
    model = load_eval_model(get_config(config, show=False), None)
    for name in ("l1", "l3"):
        getattr(model.backbone, name).gcn1.alpha.set_value(np.array([0.7], np.float32))
    weights = str(tmp / "tiny.pdparams")
    paddle.save(model.state_dict(), weights)
    two = np.stack([standing_person(20), standing_person(20, shift=1.5)], axis=-1)  # (3, 20, 25, 2)
    npy = str(tmp / "two.npy")
    np.save(npy, two)
    return {"config": config, "weights": weights, "npy": npy, "model": model}


# ----------------------------------------------------------------------------- reading

def test_read_npy_single_and_stacked(tmp_path):
    single = np.stack([standing_person(), np.zeros((3, 6, 25), np.float32)], axis=-1)
    np.save(tmp_path / "one.npy", single)
    np.save(tmp_path / "many.npy", np.stack([single, single * 2]))
    seq = vis.read_sequence(str(tmp_path / "one.npy"))
    assert seq.graph.layout == "ntu_rgb_d" and seq.data.shape == (3, 6, 25, 2) and not seq.has_scores
    second = vis.read_sequence(str(tmp_path / "many.npy"), index=1)
    np.testing.assert_array_equal(second.data, single * 2)
    assert second.name == "many.npy[1]"
    with pytest.raises(ValueError, match=r"--index 2 outside the 2 samples"):
        vis.read_sequence(str(tmp_path / "many.npy"), index=2)
    np.save(tmp_path / "odd.npy", np.zeros((3, 6, 19, 1), np.float32))
    with pytest.raises(ValueError, match=r"odd.npy: expected .* V in \[17, 20, 25\]"):
        vis.read_sequence(str(tmp_path / "odd.npy"))


def test_read_keypoint_and_ucla_json_by_content(tmp_path):
    clip = load_synthetic_keypoints().synthetic_keypoints(0, num_frames=5, num_persons=2)
    (tmp_path / "kp.json").write_text(json.dumps(clip))
    seq = vis.read_sequence(str(tmp_path / "kp.json"))
    assert seq.graph.layout == "coco17" and seq.has_scores and seq.data.shape == (3, 5, 17, 2)
    present = vis.present_joints(seq)
    assert not present[0, 16, 0] and present[0, :16, 0].all()  # undetected ankle of person 1
    assert not present[0, :, 1].any() and present[1, :, 1].all()  # person 2 absent in frame 1
    ucla = {"file_name": "a01_s01_e00_v01", "label": 1,
            "skeletons": np.random.RandomState(0).uniform(-1, 1, (4, 20, 3)).tolist()}
    (tmp_path / "a01_s01_e00_v01.json").write_text(json.dumps(ucla))
    seq = vis.read_sequence(str(tmp_path / "a01_s01_e00_v01.json"))
    assert seq.graph.layout == "nw_ucla" and seq.data.shape == (3, 4, 20, 1)


def test_real_ntu_file_has_two_persons():
    path = os.path.join(shared_path("data", "ntu60_samples", "nturgb+d_skeletons"), "S001C001P001R001A051.skeleton")
    seq = vis.read_sequence(path)
    assert seq.data.shape[2:] == (25, 2)
    present = vis.present_joints(seq)
    assert present[..., 0].any() and present[..., 1].any()
    head, base = seq.data[1, :, 3, 0], seq.data[1, :, 0, 0]  # joint 4 (head) above joint 1 (spine base)
    assert (head > base).all()  # upright with y up


# ----------------------------------------------------------------------------- drawing

def test_two_persons_in_two_colours_and_a_missing_person_not_drawn(tmp_path):
    data = np.stack([standing_person(), standing_person(shift=1.0)], axis=-1)
    data[:, 2, :, 1] = 0  # person 2 absent in frame 3
    seq = vis.Clip(data, vis.get_graph("ntu_rgb_d"), "two")
    animator = vis.SkeletonAnimator(seq)
    try:
        both, alone = animator.render(0), animator.render(2)
    finally:
        animator.close()
    assert count_colour(both, BLUE) > 200 and count_colour(both, ORANGE) > 200
    assert count_colour(alone, BLUE) > 200 and count_colour(alone, ORANGE) == 0


def test_gif_frames_and_pngs(tmp_path):
    seq = vis.Clip(np.stack([standing_person(9)] * 2, axis=-1), vis.get_graph("ntu_rgb_d"), "x")
    out = str(tmp_path / "x.gif")
    written = vis.animate(seq, out, fps=10, stride=2, save_frames=2)
    assert written == [out, str(tmp_path / "x_frame_0001.png"), str(tmp_path / "x_frame_0009.png")]
    with Image.open(out) as gif:
        assert gif.n_frames == 5 and gif.info["duration"] == 100 and gif.size == (480, 480)
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp_")]


def test_cli_errors(tmp_path, capsys):
    np.save(tmp_path / "a.npy", np.stack([standing_person()] * 2, axis=-1))
    assert vis.main(["--input_file", str(tmp_path / "a.npy"), "--out", str(tmp_path / "a.avi")]) == 1
    assert "--out must end in .gif or .mp4" in capsys.readouterr().err
    assert vis.main(["--input_file", str(tmp_path / "missing.npy"), "--out", str(tmp_path / "a.gif")]) == 1
    assert "input file not found" in capsys.readouterr().err
    assert vis.main(["--input_file", str(tmp_path / "a.npy"), "--out", str(tmp_path / "a.gif"),
                     "--params_file", "w.pdparams"]) == 1
    assert "needs --config and --params_file" in capsys.readouterr().err
    assert vis.main(["--topology"]) == 1
    assert "--topology needs --params_file" in capsys.readouterr().err


def test_mp4_needs_imageio_ffmpeg(tmp_path):
    frames = [np.zeros((8, 8, 3), np.uint8)] * 3
    out = str(tmp_path / "a.mp4")
    if importlib.util.find_spec("imageio_ffmpeg") is None:
        with pytest.raises(ValueError, match="needs the imageio-ffmpeg package"):
            vis.write_animation(frames, out, 10)
    else:
        vis.write_animation(frames, out, 10)
        assert os.path.getsize(out) > 0


# ----------------------------------------------------------------------------- prediction

def test_prediction_is_the_dynamic_graph_softmax(tiny):
    cfg = get_config(tiny["config"], show=False)
    pred = vis.predict(cfg, tiny["npy"], tiny["weights"])
    sample, = InputPreparer(cfg)(tiny["npy"])
    with paddle.no_grad():
        logits = tiny["model"]([paddle.to_tensor(sample.data[None])], mode="infer").numpy()[0].astype(np.float64)
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert pred.classes == list(np.argsort(-probs, kind="stable")[:5])
    np.testing.assert_allclose(pred.scores, np.sort(probs)[::-1][:5], rtol=1e-5)
    assert pred.label is None and len(pred.names) == 5


def test_cli_with_model_draws_the_bars(tiny, tmp_path, capsys):
    out = str(tmp_path / "p.gif")
    assert vis.main(["--input_file", tiny["npy"], "--out", out, "-c", tiny["config"],
                     "--params_file", tiny["weights"], "--stride", "5"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with Image.open(out) as gif:
        assert gif.n_frames == 4 and gif.size == (800, 480)
        frame = np.asarray(gif.convert("RGB"))
    assert count_colour(frame[:, 600:], (127, 127, 127), tol=20) > 200  # grey score bars on the right


# ----------------------------------------------------------------------------- topology

def test_shared_topology_is_the_pa_of_every_block(tiny):
    state = paddle.load(tiny["weights"])
    mats = vis.shared_topologies(state)
    assert list(mats) == ["l1", "l3"]
    np.testing.assert_array_equal(mats["l3"], state["backbone.l3.gcn1.PA"].numpy())
    with pytest.raises(ValueError, match="no learned adjacency"):
        vis.shared_topologies({k: v for k, v in state.items() if not k.endswith(".PA")})


def test_refined_topology_is_what_each_block_computes(tiny):
    """One (S, N*M, C_out, V, V) stack per CTR-GC block (the formula itself: tests/modeling/test_units.py)."""
    cfg = get_config(tiny["config"], show=False)
    x, _ = vis.model_input(cfg, tiny["npy"])
    refined = vis.refined_topologies(tiny["model"], x)
    assert refined["l1"].shape == (3, 2, 8, 25, 25) and refined["l3"].shape == (3, 2, 16, 25, 25)
    # alpha 0.7 makes the refinement visible: the topology differs from PA and between channels
    pa = tiny["model"].backbone.l1.gcn1.PA.numpy()
    assert np.abs(refined["l1"] - pa[:, None, None]).max() > 1e-3
    assert np.abs(np.diff(refined["l1"], axis=2)).max() > 1e-3


def test_topology_cli_writes_both_pngs(tiny, tmp_path, capsys):
    out_dir = str(tmp_path / "topo")
    assert vis.main(["--topology", "--params_file", tiny["weights"], "-c", tiny["config"],
                     "--input_file", tiny["npy"], "--out_dir", out_dir, "--channel", "3"]) == 0
    for name in ("shared_topology.png", "refined_topology.png"):
        with Image.open(os.path.join(out_dir, name)) as png:
            assert png.format == "PNG" and png.size[1] > 600  # two rows of heatmaps
    assert vis.main(["--topology", "--params_file", tiny["weights"], "-c", tiny["config"],
                     "--input_file", tiny["npy"], "--out_dir", out_dir, "--channel", "8"]) == 1
    assert "--channel 8 outside the channels" in capsys.readouterr().err
