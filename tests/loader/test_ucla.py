"""UCLADataset on the NW-UCLA json folder, checked against the official CTR-GCN feeder's algorithm."""
import json
import math
import os
import re

import numpy as np
import pytest

from conftest import shared_path
from paddlevideo.loader import build_dataset, build_pipeline

JOINT = {"SkeletonModalityTransform": {"joint": True, "bone": False, "motion": False, "graph": "nw_ucla"}}
TRAIN_PIPELINE = {
    "sample": [{"CenterOnFirstFrame": {"joint": 1}}, {"RandomViewTransform": {"argument": True}},
               {"MinMaxScale": None}, {"ResampleFrames": {"window_size": 52, "random_draw": True}}],
    "transform": [JOINT],
}
TEST_PIPELINE = {
    "sample": [{"CenterOnFirstFrame": {"joint": 1}}, {"RandomViewTransform": {"argument": False}},
               {"MinMaxScale": None}, {"ResampleFrames": {"window_size": 52, "random_draw": False}}],
    "transform": [JOINT],
}
# The official feeder's 1-based bone pairs for NW-UCLA (its (3, 3) pair zeroes the root's bone).
FEEDER_BONES = [(1, 2), (2, 3), (3, 3), (4, 3), (5, 3), (6, 5), (7, 6), (8, 7), (9, 3), (10, 9), (11, 10),
                (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19)]


@pytest.fixture(scope="module")
def folder():
    return shared_path("data", "NW-UCLA", "all_sqe")


@pytest.fixture(scope="module")
def val_set(folder):
    return build_dataset({"format": "UCLADataset", "file_path": folder, "split": "val", "test_mode": True},
                         TEST_PIPELINE)


@pytest.fixture(scope="module")
def train_set(folder):
    return build_dataset({"format": "UCLADataset", "file_path": folder, "split": "train", "repeat": 5},
                         TRAIN_PIPELINE)


def official_test_sample(skeletons):
    """The feeder's val path on one file's skeletons, step by step, in its own (T, V, C) layout."""
    value = np.array(skeletons)  # (T, 20, 3)
    value = value - value[0, 1, :]  # centre on joint 1 of the first frame
    agx, agy, s = math.radians(0), math.radians(0), 1.0  # the val path's fixed "view change"
    rx = np.array([[1, 0, 0], [0, math.cos(agx), math.sin(agx)], [0, -math.sin(agx), math.cos(agx)]])
    ry = np.array([[math.cos(agy), 0, -math.sin(agy)], [0, 1, 0], [math.sin(agy), 0, math.cos(agy)]])
    points = value.reshape(-1, 3) @ (ry @ (rx @ (np.eye(3) * s)))
    points = (points - points.min(axis=0)) / (points.max(axis=0) - points.min(axis=0)) * 2 - 1
    value = points.reshape(-1, 20, 3)
    idx = np.linspace(0, len(value) - 1, 52).astype(int)
    data = value[idx]  # (52, 20, 3)
    return data.transpose(2, 0, 1)[..., None]  # (3, 52, 20, 1)


def test_split_sizes_views_and_labels(train_set, val_set):
    assert train_set.num_samples == 1020 and len(train_set) == 5100
    assert val_set.num_samples == 464 and len(val_set) == 464
    assert {n[-3:] for n in train_set.names} == {"v01", "v02"} and {n[-3:] for n in val_set.names} == {"v03"}
    assert all(re.fullmatch(r"a\d\d_s\d\d_e\d\d_v\d\d", n) for n in val_set.names)
    assert sorted(set(train_set.labels)) == list(range(10)) == sorted(set(val_set.labels))


def test_val_samples_equal_the_official_feeder(folder, val_set):
    for i, name in enumerate(val_set.names):
        data, label = val_set[i]
        assert data.shape == (3, 52, 20, 1) and data.dtype == np.float32
        with open(os.path.join(folder, name + ".json")) as f:
            content = json.load(f)
        assert label == content["label"] - 1
        np.testing.assert_allclose(data, official_test_sample(content["skeletons"]), atol=1e-5, err_msg=name)


def test_val_is_deterministic_and_train_is_augmented(val_set, train_set):
    np.testing.assert_array_equal(val_set[5][0], val_set[5][0])
    np.random.seed(0)
    first, second = train_set[3][0], train_set[3 + 1020][0]  # the same sample, repeated
    assert first.shape == (3, 52, 20, 1) and not np.allclose(first, second)
    assert first.min() >= -1 - 1e-6 and first.max() <= 1 + 1e-6


def test_bone_and_motion_equal_the_official_feeder(val_set):
    raw = val_set.sequences[0]
    joint = build_pipeline(TEST_PIPELINE)({"data": raw.copy(), "label": 0})["data"]
    bone_cfg = {"sample": TEST_PIPELINE["sample"],
                "transform": [{"SkeletonModalityTransform": {"joint": False, "bone": True, "motion": True,
                                                             "graph": "nw_ucla"}}]}
    out = build_pipeline(bone_cfg)({"data": raw.copy(), "label": 0})["data"]
    bone = np.zeros_like(joint)
    for child, parent in FEEDER_BONES:
        bone[:, :, child - 1] = joint[:, :, child - 1] - joint[:, :, parent - 1]
    expected = np.zeros_like(bone)
    expected[:, :-1] = bone[:, 1:] - bone[:, :-1]
    np.testing.assert_allclose(out, expected, atol=1e-6)


# ----------------------------------------------------------------------- errors, on synthetic files

def write_json(folder, stem, content):
    path = folder / f"{stem}.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def good(stem, frames=3, label=4):
    skeletons = np.random.RandomState(frames).rand(frames, 20, 3).round(3).tolist()
    return {"file_name": stem, "skeletons": skeletons, "label": label}


def make(folder, split="val"):
    return build_dataset({"format": "UCLADataset", "file_path": str(folder), "split": split}, TEST_PIPELINE)


def test_reads_a_synthetic_folder(tmp_path):
    write_json(tmp_path, "a04_s01_e00_v03", good("a04_s01_e00_v03"))
    write_json(tmp_path, "a04_s01_e00_v01", good("a04_s01_e00_v01"))
    dataset = make(tmp_path)
    assert dataset.names == ["a04_s01_e00_v03"] and dataset.labels == [3]
    assert dataset[0][0].shape == (3, 52, 20, 1)


@pytest.mark.parametrize("content,message", [
    ('{"file_name": "a01_s01_e00_v03", "skeletons": [[', "not valid JSON"),
    ({"file_name": "a01_s01_e00_v03", "label": 1}, r"missing key\(s\) \['skeletons'\]"),
    ({"file_name": "a01_s01_e00_v03", "skeletons": [[[0, 0, 0]] * 19], "label": 1}, r"shape \[T>=1\]\[20\]\[3\]"),
    ({"file_name": "a01_s01_e00_v03", "skeletons": [], "label": 1}, r"shape \[T>=1\]\[20\]\[3\]"),
    ({"file_name": "a01_s01_e00_v03", "skeletons": [[[0, 0]] * 20], "label": 1}, r"shape \[T>=1\]\[20\]\[3\]"),
    ({"file_name": "a01_s01_e00_v03", "skeletons": [[["x", 0, 0]] * 20], "label": 1}, "not a numeric"),
    ({"file_name": "a01_s01_e00_v03", "skeletons": [[[0, 0, 0]] * 20], "label": 11},
     "label must be an integer in 1..10"),
    ({"file_name": "a01_s01_e00_v02", "skeletons": [[[0, 0, 0]] * 20], "label": 1}, "does not match"),
    ([1, 2], "expected a JSON object"),
])
def test_malformed_json_names_the_file(tmp_path, content, message):
    write_json(tmp_path, "a01_s01_e00_v03", content)
    with pytest.raises(ValueError, match=message) as err:
        make(tmp_path)
    assert "a01_s01_e00_v03.json" in str(err.value)


def test_folder_and_split_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        make(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no .json files"):
        make(tmp_path)
    write_json(tmp_path, "a04_s01_e00_v01", good("a04_s01_e00_v01"))
    with pytest.raises(ValueError, match=r"no samples of views \(3,\)"):
        make(tmp_path, "val")
    with pytest.raises(ValueError, match="split must be one of"):
        make(tmp_path, "test")
    write_json(tmp_path, "sample_7", good("sample_7"))
    with pytest.raises(ValueError, match="sample_7.json: file name does not follow"):
        make(tmp_path, "train")
