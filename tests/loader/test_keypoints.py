"""2-D keypoint files: the reader's normalisation and errors, KeypointDataset, and training on them."""
import json
import os

import numpy as np
import pytest

from conftest import ROOT, load_synthetic_keypoints
from paddlevideo.loader import build_dataset
from paddlevideo.loader.keypoints import parse_keypoints, read_keypoints_json, read_label_csv, select_persons

synthetic = load_synthetic_keypoints()  # data/keypoints/make_synthetic.py
CONFIG = os.path.join(ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_light_coco17_keypoints.yaml")


def frame(x=320.0, y=240.0, score=0.9):
    """17 identical keypoints."""
    return [[x, y, score]] * 17


def write(path, content):
    with open(path, "w") as f:
        json.dump(content, f)
    return str(path)


def test_pixels_map_to_minus_one_one_with_y_up():
    content = {"image_size": [640, 480], "keypoints": [[frame(0, 0), frame(640, 480), frame(320, 120)]]}
    data, label = parse_keypoints(content)
    assert data.shape == (3, 3, 17, 1) and data.dtype == np.float32 and label is None
    np.testing.assert_allclose(data[:, 0, 0, 0], [-1, 1, 0.9])  # top-left corner: x -1, y +1
    np.testing.assert_allclose(data[:, 1, 0, 0], [1, -1, 0.9])  # bottom-right: x +1, y -1
    np.testing.assert_allclose(data[:, 2, 0, 0], [0, 0.5, 0.9])


def test_fractions_without_image_size():
    data, _ = parse_keypoints({"keypoints": [[frame(0.25, 0.75)]]})
    np.testing.assert_allclose(data[:, 0, 0, 0], [-0.5, -0.5, 0.9])


def test_pixels_without_image_size_are_refused():
    with pytest.raises(ValueError, match="image_size"):
        parse_keypoints({"keypoints": [[frame(320, 240)]]}, "clip.json")


def test_missing_keypoints_persons_and_empty_frames():
    person0 = [frame(), frame(score=0.0), frame()]  # frame 1: nobody detected -> removed
    person0[0] = [[100, 100, 0.0]] + frame()[1:]  # joint 0 undetected in frame 0
    person1 = [None, None, frame(10, 20)]  # absent, absent, present
    data, _ = parse_keypoints({"image_size": [640, 480], "keypoints": [person0, person1]})
    assert data.shape == (3, 2, 17, 2)
    assert (data[:, 0, 0, 0] == 0).all()  # undetected keypoint is all zeros, not (-0.69, 0.58, 0)
    assert (data[:, 0, 1:, 0] != 0).any()
    assert (data[:, 0, :, 1] == 0).all()  # person 2 absent in the first kept frame
    np.testing.assert_allclose(data[:, 1, 0, 1], [10 / 320 - 1, 1 - 40 / 480, 0.9], rtol=1e-6)


@pytest.mark.parametrize("content, message", [
    ({"keypoints": [[frame()[:16]]], "image_size": [640, 480]}, r"keypoints\[0\]\[0\]: expected 17 keypoints"),
    ({"keypoints": [[frame(score=1.5)]], "image_size": [640, 480]}, r"scores must lie in \[0, 1\]"),
    ({"keypoints": [[frame()], [frame(), frame()]], "image_size": [640, 480]}, "same number of frames"),
    ({"keypoints": [[frame()]], "image_size": [640]}, "image_size must be"),
    ({"keypoints": [[frame()]], "image_size": [640, 480], "label": -1}, "label must be"),
    ({"keypoints": [[frame()]], "image_size": [640, 480], "layout": "ntu_rgb_d"}, "layout must be one of"),
    ({"keypoints": [[frame()]], "image_size": [640, 480], "fps": 30}, r"unknown key\(s\) \['fps'\]"),
    ({"keypoints": [[frame(score=0.0)]], "image_size": [640, 480]}, "no keypoint has a score above 0"),
    ({"keypoints": []}, "non-empty list of persons"),
    ({"skeletons": []}, "expected a JSON object with 'keypoints'"),
])
def test_bad_content_is_named(content, message):
    with pytest.raises(ValueError, match=message) as err:
        parse_keypoints(content, "clip.json")
    assert str(err.value).startswith("clip.json")


def test_read_file_and_select_persons(tmp_path):
    path = write(tmp_path / "a.json", synthetic.synthetic_keypoints(1, num_frames=10, num_persons=2, seed=3))
    data = read_keypoints_json(path)
    assert data.shape == (3, 10, 17, 2)
    # person 2 is missing in frame 0, so person 1 has the higher total score and stays first
    np.testing.assert_array_equal(read_keypoints_json(path, num_person=1)[..., 0], data[..., 0])
    padded = read_keypoints_json(path, num_person=3)
    assert padded.shape == (3, 10, 17, 3) and (padded[..., 2] == 0).all()
    swapped = select_persons(data[..., ::-1], 2)
    np.testing.assert_array_equal(swapped, data)  # ranked by total score, not file order
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="bad.json: not valid JSON"):
        read_keypoints_json(str(tmp_path / "bad.json"))


def test_label_csv_errors(tmp_path):
    good = tmp_path / "ok.csv"
    good.write_text("name,label\nb,2\na,0\n\n")
    assert read_label_csv(str(good)) == [("b", 2), ("a", 0)]
    for text, message in (("a,0\n", r":1: the first line must be the header"),
                          ("name,label\na,zero\n", r":2: label must be a 0-based integer"),
                          ("name,label\na,0\nb,1,2\n", r":3: expected 'name,label'"),
                          ("name,label\na,0\na,1\n", r":3: 'a' is listed twice \(first on line 2\)")):
        path = tmp_path / "bad.csv"
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            read_label_csv(str(path))


def test_dataset_follows_the_label_file(tmp_path):
    folder = str(tmp_path / "clips")
    splits = synthetic.write_synthetic_keypoint_set(folder, per_class=4, num_frames=12, num_persons=2)
    assert [len(splits["train"]), len(splits["val"])] == [9, 3]
    pipeline = {"sample": [{"SkeletonCropSample": {"window_size": 16, "p_interval": [0.95]}}]}
    ds = build_dataset({"format": "KeypointDataset", "file_path": folder, "label_path": os.path.join(folder, "val.csv"),
                        "num_person": 2, "test_mode": True}, pipeline)
    assert ds.names == [n for n, _ in splits["val"]] and ds.labels == [0, 1, 2]
    data, label = ds[1]
    assert data.shape == (3, 16, 17, 2) and data.dtype == np.float32 and label == 1
    everything = build_dataset({"format": "KeypointDataset", "file_path": folder, "num_person": 1}, None)
    assert len(everything) == 12 and sorted(everything.names) == everything.names
    assert everything[0][0].shape == (3, 12, 17, 1)


def test_the_synthetic_set_script_writes_clips_and_label_files(tmp_path, capsys):
    synthetic.main(["--out-dir", str(tmp_path), "--per-class", "4", "--num-frames", "6", "--num-persons", "2"])
    assert "9 train and 3 val clips, actions wave, squat, step" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir())[:2] == ["squat_000.json", "squat_001.json"]
    assert read_label_csv(str(tmp_path / "val.csv")) == [("wave_003", 0), ("squat_003", 1), ("step_003", 2)]
    assert read_keypoints_json(str(tmp_path / "wave_000.json")).shape == (3, 6, 17, 2)


def test_dataset_label_errors(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    clip = synthetic.synthetic_keypoints(2, num_frames=5)
    write(folder / "x.json", clip)
    (tmp_path / "wrong.csv").write_text("name,label\nx,1\n")
    with pytest.raises(ValueError, match=r"x.json: label 2 in the file but 1 in .*wrong.csv"):
        build_dataset({"format": "KeypointDataset", "file_path": str(folder),
                       "label_path": str(tmp_path / "wrong.csv")}, None)
    (tmp_path / "missing.csv").write_text("name,label\ny,0\n")
    with pytest.raises(FileNotFoundError, match=r"missing.csv: sample 'y' has no file .*y.json"):
        build_dataset({"format": "KeypointDataset", "file_path": str(folder),
                       "label_path": str(tmp_path / "missing.csv")}, None)
    del clip["label"]
    write(folder / "x.json", clip)
    with pytest.raises(ValueError, match="x.json: no label"):
        build_dataset({"format": "KeypointDataset", "file_path": str(folder)}, None)
    unlabelled = build_dataset({"format": "KeypointDataset", "file_path": str(folder), "test_mode": True}, None)
    assert unlabelled.labels == [-1]


def test_config_trains_on_generated_keypoints(tmp_path):
    """The shipped COCO-17 config, shrunk by overrides, trains and validates through main.py."""
    import main as main_module

    folder = str(tmp_path / "clips")
    synthetic.write_synthetic_keypoint_set(folder, per_class=4, num_frames=20, num_persons=2)
    overrides = [f"DATASET.{s}.file_path={folder}" for s in ("train", "valid", "test")] + [
        f"DATASET.train.label_path={folder}/train.csv", f"DATASET.valid.label_path={folder}/val.csv",
        f"DATASET.test.label_path={folder}/val.csv",
        "MODEL.backbone.base_channel=8", "MODEL.backbone.blocks=[[1,1,true],[2,2,false]]",
        "MODEL.head.in_channels=4", "DATASET.batch_size=4", "DATASET.num_workers=0",
        "PIPELINE.train.sample.0.SkeletonCropSample.window_size=16",
        "PIPELINE.valid.sample.0.SkeletonCropSample.window_size=16",
        "epochs=1", "log_interval=1", f"output_dir={tmp_path / 'out'}"]
    argv = ["-c", CONFIG, "--validate", "--max_iters", "2"]
    for item in overrides:
        argv += ["-o", item]
    assert main_module.main(argv) == 0
    log = (tmp_path / "out" / "train.log").read_text()
    assert "iter:[   2/2]" in log and "[valid] epoch 1" in log
    assert (tmp_path / "out" / "CTRGCN_light_coco17_keypoints_latest.pdparams").is_file()
