"""SkeletonDataset on PaddleVideo-format files, build_dataset, and batching with paddle's DataLoader."""
import os
import pickle

import numpy as np
import paddle
import pytest

from conftest import shared_path
from paddlevideo.loader import build_dataset
from paddlevideo.utils.registry import RegistryError

N, C, T, V, M = 4, 3, 20, 25, 2
TEST_PIPELINE = {"sample": [{"Iden": None}, {"SketeonCropSample": {"window_size": 8, "p_interval": [0.95]}}]}
TRAIN_PIPELINE = {"sample": [{"SkeletonCropSample": {"window_size": 8, "p_interval": [0.5, 1]}}],
                  "transform": [{"RandomRotation": {"argument": True}}]}


def write_set(folder, data, names, labels):
    data_path, label_path = os.path.join(folder, "x_data.npy"), os.path.join(folder, "x_label.pkl")
    np.save(data_path, data)
    with open(label_path, "wb") as f:
        pickle.dump([names, labels], f)
    return data_path, label_path


@pytest.fixture
def tiny(tmp_path):
    """Four samples; sample i holds the value i + 1 in its first 10 + i frames, then zero padding."""
    data = np.zeros((N, C, T, V, M), dtype=np.float32)
    for i in range(N):
        data[i, :, :10 + i] = i + 1
    names = np.array([b"S001C001P001R001A001", b"S001C001P001R001A002", b"S001C001P002R001A001",
                      b"S001C001P002R001A002"])
    return write_set(str(tmp_path), data, names, np.array([0, 1, 0, 7]))


def make(data_path, label_path=None, pipeline=None, **kwargs):
    cfg = {"format": "SkeletonDataset", "file_path": data_path, **kwargs}
    if label_path is not None:
        cfg["label_path"] = label_path
    return build_dataset(cfg, TEST_PIPELINE if pipeline is None else pipeline)


def test_samples_labels_and_names(tiny):
    dataset = make(*tiny, test_mode=True)
    assert len(dataset) == N and isinstance(dataset.data, np.memmap)
    assert dataset.names[0] == "S001C001P001R001A001" and len(dataset.names) == N
    data, label = dataset[3]
    assert data.shape == (C, 8, V, M) and data.dtype == np.float32
    assert isinstance(label, np.int64) and label == 7
    assert np.all(data == 4)  # the crop stays inside the 13 valid frames of sample 3


def test_str_names_and_repeat(tmp_path):
    data = np.ones((2, C, T, V, M), dtype=np.float32)
    data[1] *= 2
    paths = write_set(str(tmp_path), data, ["a", "b"], [3, 5])
    dataset = make(*paths, repeat=3)
    assert len(dataset) == 6 and dataset.names == ["a", "b"]
    assert [int(dataset[i][1]) for i in range(6)] == [3, 5, 3, 5, 3, 5]
    np.testing.assert_array_equal(dataset[5][0], dataset[1][0])
    with pytest.raises(IndexError):
        dataset[6]


def test_unlabelled_data_gets_label_minus_one(tiny):
    dataset = make(tiny[0], test_mode=True)
    assert dataset.names == ["0", "1", "2", "3"]
    assert [int(dataset[i][1]) for i in range(N)] == [-1] * N


def test_missing_files_are_named(tiny, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere_data.npy"):
        make(str(tmp_path / "nowhere_data.npy"))
    with pytest.raises(FileNotFoundError, match="nowhere_label.pkl"):
        make(tiny[0], str(tmp_path / "nowhere_label.pkl"))


def test_shape_and_length_errors(tmp_path):
    folder = str(tmp_path)
    paths = write_set(folder, np.zeros((N, C, T, V), np.float32), ["a"] * N, [0] * N)
    with pytest.raises(ValueError, match=r"5-d array \(N, C, T, V, M\)"):
        make(*paths)
    paths = write_set(folder, np.zeros((N, C, T, V, M), np.float32), ["a"] * 3, [0] * 3)
    with pytest.raises(ValueError, match="has 3 labels but .*x_data.npy holds 4 samples"):
        make(*paths)
    paths = write_set(folder, np.zeros((N, C, T, V, M), np.float32), ["a"] * 3, [0] * 4)
    with pytest.raises(ValueError, match="3 names but 4 labels"):
        make(*paths)
    paths = write_set(folder, np.zeros((N, C, T, V, M), np.float32), ["a"] * 4, [0, 1, -2, 0])
    with pytest.raises(ValueError, match="label 2 .*-2"):
        make(*paths)
    paths = write_set(folder, np.zeros((0, C, T, V, M), np.float32), [], [])
    with pytest.raises(ValueError, match="no samples"):
        make(*paths)


def test_malformed_label_pickle_and_arguments(tiny, tmp_path):
    bad = tmp_path / "bad_label.pkl"
    with open(bad, "wb") as f:
        pickle.dump({"names": []}, f)
    with pytest.raises(ValueError, match=r"bad_label.pkl: expected a pickled pair \[names, labels\]"):
        make(tiny[0], str(bad))
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="bad_label.pkl: not a readable pickle"):
        make(tiny[0], str(bad))
    with pytest.raises(ValueError, match="repeat must be an integer >= 1"):
        make(*tiny, repeat=0)
    with pytest.raises(ValueError, match="repeat=2 with test_mode"):
        make(*tiny, repeat=2, test_mode=True)


def test_build_dataset_errors():
    with pytest.raises(ValueError, match="needs 'format"):
        build_dataset({"file_path": "x.npy"}, None)
    with pytest.raises(RegistryError, match="SkeletonDataset"):
        build_dataset({"format": "NTUDataset", "file_path": "x.npy"}, None)
    with pytest.raises(ValueError, match="must not set 'pipeline'"):
        build_dataset({"format": "SkeletonDataset", "file_path": "x.npy", "pipeline": []}, None)
    with pytest.raises(ValueError, match="SkeletonDataset: .*data_prefix"):
        build_dataset({"format": "SkeletonDataset", "file_path": "x.npy", "data_prefix": "d"}, None)


def test_paddle_dataloader_batches_numpy_samples(tiny):
    loader = paddle.io.DataLoader(make(*tiny, test_mode=True), batch_size=3, shuffle=False)
    batches = list(loader)
    data, label = batches[0]
    assert data.shape == [3, C, 8, V, M] and data.dtype == paddle.float32
    assert label.shape == [3] and label.dtype == paddle.int64
    assert label.numpy().tolist() == [0, 1, 0] and batches[1][0].shape[0] == 1


def test_workers_draw_different_augmentations_and_seeding_repeats_them(tmp_path):
    paths = write_set(str(tmp_path), np.random.RandomState(0).randn(1, C, T, V, M).astype(np.float32), ["a"], [0])
    dataset = make(*paths, pipeline=TRAIN_PIPELINE, repeat=4)  # one sample, augmented four times

    def epoch():
        loader = paddle.io.DataLoader(dataset, batch_size=1, num_workers=2, shuffle=False)
        return [batch[0].numpy() for batch in loader]

    np.random.seed(123)
    first = epoch()
    np.random.seed(123)
    again = epoch()
    for i in range(4):
        np.testing.assert_array_equal(first[i], again[i])
        for j in range(i):
            assert not np.allclose(first[i], first[j]), f"samples {j} and {i} got the same augmentation"


def test_reads_the_reference_ntu_preparation():
    folder = shared_path("data", "ntu60_samples", "reference", "xsub")
    with open(os.path.join(folder, "train_label.pkl"), "rb") as f:
        names, labels = pickle.load(f)
    dataset = make(os.path.join(folder, "train_data.npy"), os.path.join(folder, "train_label.pkl"),
                   pipeline={"sample": [{"SkeletonCropSample": {"window_size": 64, "p_interval": [0.95]}}]},
                   test_mode=True)
    assert dataset.names == [n.decode() for n in names] and dataset.labels == list(labels)
    data, label = dataset[len(dataset) - 1]
    assert data.shape == (3, 64, 25, 2) and label == labels[-1]
    with pytest.raises(ValueError, match="no samples"):  # the cross-subject val split of these 30 is empty
        make(os.path.join(folder, "val_data.npy"), os.path.join(folder, "val_label.pkl"))
