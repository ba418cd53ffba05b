"""Start-up checks of a dataset against its config (paddlevideo/tasks/checks.py)."""
import os

import numpy as np

from paddlevideo.loader import build_dataset
from paddlevideo.tasks.checks import sampling_warnings
from tests.test_main import main_module, tiny_config, write_tiny_set


def padded_set(tmp_path, frames=100, valid=20):
    """The tiny train set of tests/test_main.py padded to ``frames`` frames, ``valid`` of them non-zero."""
    write_tiny_set(str(tmp_path))
    x = np.load(tmp_path / "train_data.npy")[:, :, :1]  # one frame, repeated
    x = np.repeat(x, frames, axis=2)
    x[:, :, valid:] = 0
    np.save(tmp_path / "train_data.npy", x)
    return {"format": "SkeletonDataset", "file_path": str(tmp_path / "train_data.npy"),
            "label_path": str(tmp_path / "train_label.pkl")}


def warnings_for(ds_cfg, steps):
    pipeline = {"sample": steps}
    return sampling_warnings(build_dataset(ds_cfg, pipeline), pipeline, "PIPELINE.train")


def test_whole_sequence_sampler_on_padded_arrays_is_warned_with_the_numbers(tmp_path):
    said = warnings_for(padded_set(tmp_path), [{"ResampleFrames": {"window_size": 12, "random_draw": True}}])
    assert len(said) == 1
    assert "median of 20 valid frames: about 80% of the frames it draws are zero padding" in said[0]


def test_crop_longer_than_most_sequences_is_warned(tmp_path):
    ds = padded_set(tmp_path)
    crop = lambda **kw: [{"SkeletonCropSample": {"window_size": 12, "p_interval": [0.5, 1], **kw}}]  # noqa: E731
    said = warnings_for(ds, crop())
    assert len(said) == 1 and "min_crop 64 is longer than the valid frames of 100% of the samples (median 20" in said[0]
    assert warnings_for(ds, crop(min_crop=8)) == []


def test_labels_beyond_num_classes_fail_before_training_with_the_range(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path))
    assert main_module.main(["-c", cfg, "-o", "MODEL.head.num_classes=2"]) == 1
    err = capsys.readouterr().err
    assert "DATASET.train" in err and "train_label.pkl" in err
    assert "labels range 0..2 over 16 samples, but MODEL.head.num_classes is 2" in err
    assert not os.path.exists(tmp_path / "out")


def test_data_with_other_joint_count_than_the_graph_fails_before_training(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path))
    x = np.load(tmp_path / "train_data.npy")[:, :, :, :20]
    np.save(tmp_path / "train_data.npy", x)
    assert main_module.main(["-c", cfg]) == 1
    err = capsys.readouterr().err
    assert "DATASET.train" in err and "train_data.npy" in err
    assert ("the data has V=20 joints (shape (16, 3, 20, 20, 2)), but MODEL.backbone.num_point and its graph "
            "have 25") in err
    assert not os.path.exists(tmp_path / "out")
