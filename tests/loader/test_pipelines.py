"""Skeleton pipelines: crop-resize, rotation, modalities, the NW-UCLA feeder steps, build_pipeline."""
import math

import numpy as np
import paddle
import pytest

from paddlevideo.loader import PIPELINES, build_pipeline
from paddlevideo.loader.pipelines import (CenterOnFirstFrame, MinMaxScale, RandomRotation, RandomViewTransform,
                                          ResampleFrames, SkeletonCropSample, SkeletonModalityTransform)
from paddlevideo.loader.pipelines.skeleton import axis_rotation, resize_time
from paddlevideo.loader.pipelines.ucla import view_transform
from paddlevideo.utils.registry import RegistryError


def ramp(valid: int, total: int, v: int = 2, m: int = 1) -> np.ndarray:
    """(3, total, v, m) data whose value is t + 1 in frame t < ``valid``, then 0 (padding)."""
    data = np.zeros((3, total, v, m), dtype=np.float32)
    data[:, :valid] = np.arange(1, valid + 1, dtype=np.float32)[None, :, None, None]
    return data


def run(transform, data, label=0):
    return transform({"data": data, "label": label})["data"]


# ----------------------------------------------------------------------- crop and resize

def test_test_crop_takes_the_centred_95_percent_and_downsamples_linearly():
    # 40 valid frames of 50: margin int(0.05 * 40 / 2) = 1, so frames 1..38 (values 2..39) are kept;
    # 38 -> 19 frames reads source positions 2j + 0.5 of the crop, i.e. values 2 + 2j + 0.5.
    out = run(SkeletonCropSample(window_size=19, p_interval=[0.95]), ramp(40, 50))
    assert out.shape == (3, 19, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, 0, 0], 2.5 + 2 * np.arange(19), atol=1e-5)


def test_upsampling_clamps_at_both_ends():
    # 10 frames (values 1..10) -> 20: source position 0.5 j - 0.25, clamped to [0, 9].
    out = run(SkeletonCropSample(window_size=20, p_interval=[1.0]), ramp(10, 10))
    np.testing.assert_allclose(out[1, :, 1, 0], 1 + np.clip(0.5 * np.arange(20) - 0.25, 0, 9), atol=1e-6)


@pytest.mark.parametrize("length,window", [(37, 64), (300, 64), (64, 64), (5, 52)])
def test_resize_matches_paddle_bilinear_interpolation(length, window):
    rng = np.random.RandomState(length)
    data = rng.randn(3, length, 4, 2).astype(np.float32)
    flat = data.transpose(0, 2, 3, 1).reshape(1, 1, 3 * 4 * 2, length)  # (1, 1, C*V*M, T)
    ref = paddle.nn.functional.interpolate(paddle.to_tensor(flat), size=(3 * 4 * 2, window),
                                           mode="bilinear", align_corners=False).numpy()
    ref = ref.reshape(3, 4, 2, window).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(resize_time(data, window), ref, atol=1e-5)


def test_train_crop_is_a_random_contiguous_stretch_of_the_valid_frames():
    np.random.seed(0)
    crop = SkeletonCropSample(window_size=64, p_interval=[0.5, 1])
    lengths = set()
    for _ in range(20):
        out = run(crop, ramp(200, 300))[0, :, 0, 0]
        step = np.diff(out)
        assert np.allclose(step, step[0], atol=1e-3)  # a linear stretch of the ramp
        length = step[0] * 64  # crop length: the resize stretches L frames over 64
        assert 100 - 1e-3 <= length <= 200 + 1e-3
        assert out[0] >= 1 and out[-1] <= 200
        lengths.add(round(length))
    assert len(lengths) > 1


def test_train_crop_of_a_short_sequence_keeps_all_of_it():
    # fewer valid frames than the 64-frame lower bound: the crop is the whole valid part
    np.random.seed(1)
    out = run(SkeletonCropSample(window_size=64, p_interval=[0.5, 1]), ramp(30, 300))
    np.testing.assert_allclose(out, resize_time(ramp(30, 30), 64), atol=1e-6)


def test_crop_rejects_an_all_zero_sample_and_bad_arguments():
    with pytest.raises(ValueError, match="all zeros"):
        run(SkeletonCropSample(window_size=8, p_interval=[0.95]), np.zeros((3, 10, 2, 1)))
    for bad in ([], [0.5, 1, 1], [0, 1], [1, 0.5], 0.95, ["a"]):
        with pytest.raises(ValueError, match="p_interval"):
            SkeletonCropSample(window_size=8, p_interval=bad)
    with pytest.raises(ValueError, match="window_size"):
        SkeletonCropSample(window_size=0, p_interval=[0.95])
    with pytest.raises(ValueError, match=r"\(C, T, V, M\)"):
        run(SkeletonCropSample(window_size=8, p_interval=[0.95]), np.zeros((3, 10, 2)))


# ----------------------------------------------------------------------- rotation

def test_axis_rotation_follows_the_ctrgcn_convention():
    c, s = math.cos(0.3), math.sin(0.3)
    np.testing.assert_allclose(axis_rotation(0, 0.3), [[1, 0, 0], [0, c, s], [0, -s, c]])
    np.testing.assert_allclose(axis_rotation(1, 0.3), [[c, 0, -s], [0, 1, 0], [s, 0, c]])
    np.testing.assert_allclose(axis_rotation(2, 0.3), [[c, s, 0], [-s, c, 0], [0, 0, 1]])


def test_random_rotation_preserves_norms_and_zero_padding():
    np.random.seed(2)
    data = np.random.randn(3, 10, 5, 2).astype(np.float32)
    data[:, 7:] = 0
    out = run(RandomRotation(argument=True), data.copy())
    assert out.dtype == np.float32 and not np.allclose(out, data)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), np.linalg.norm(data, axis=0), rtol=1e-5, atol=1e-6)
    assert not out[:, 7:].any()
    # one rotation for the whole sequence: pairwise dot products between joints are kept too
    np.testing.assert_allclose(np.einsum("ctvm,ctwm->tvwm", out, out),
                               np.einsum("ctvm,ctwm->tvwm", data, data), rtol=1e-4, atol=1e-5)


def test_rotation_off_passes_through_and_flags_are_checked():
    data = np.random.randn(3, 4, 2, 1).astype(np.float32)
    np.testing.assert_array_equal(run(RandomRotation(argument=False), data), data)
    with pytest.raises(ValueError, match="argument must be true or false"):
        RandomRotation(argument="Fasle")
    with pytest.raises(ValueError, match="C=3"):
        run(RandomRotation(argument=True), np.ones((2, 4, 2, 1)))


# ----------------------------------------------------------------------- modalities

def chain_transform(**flags):
    return SkeletonModalityTransform(**flags, graph="custom", graph_args={"edges": [[1, 0]], "num_node": 2})


def test_bone_of_a_two_joint_chain():
    data = np.zeros((3, 2, 2, 1), dtype=np.float32)
    data[:, :, 0, 0] = [[1, 1], [2, 2], [3, 3]]  # joint 0 (root)
    data[:, :, 1, 0] = [[4, 5], [6, 6], [8, 9]]  # joint 1, child of 0
    out = run(chain_transform(joint=False, bone=True), data)
    np.testing.assert_array_equal(out[:, :, 1, 0], [[3, 4], [4, 4], [5, 6]])
    assert not out[:, :, 0].any()  # the root has no bone


def test_motion_is_the_next_frame_minus_this_one_with_a_zero_last_frame():
    out = run(chain_transform(joint=False, motion=True), ramp(6, 6) ** 2)
    np.testing.assert_array_equal(out[0, :, 0, 0], [3, 5, 7, 9, 11, 0])  # squares 1, 4, ..., 36


def test_bone_motion_is_the_motion_of_the_bones():
    data = np.random.RandomState(3).randn(3, 5, 2, 1).astype(np.float32)
    bone = run(chain_transform(joint=False, bone=True), data.copy())
    out = run(chain_transform(joint=False, bone=True, motion=True), data.copy())
    np.testing.assert_allclose(out[:, :-1], bone[:, 1:] - bone[:, :-1], atol=1e-6)
    assert not out[:, -1].any()


def test_joint_passes_through():
    data = np.random.RandomState(4).randn(3, 5, 2, 1).astype(np.float32)
    np.testing.assert_array_equal(run(chain_transform(joint=True), data), data)


def test_ntu_bones_equal_the_ctrgcn_bone_feeder():
    pairs = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6), (8, 7), (9, 21), (10, 9),
             (11, 10), (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
             (20, 19), (22, 23), (21, 21), (23, 8), (24, 25), (25, 12)]  # 1-based, as in CTR-GCN
    data = np.random.RandomState(5).randn(3, 8, 25, 2).astype(np.float32)
    expected = np.zeros_like(data)
    for v1, v2 in pairs:
        expected[:, :, v1 - 1] = data[:, :, v1 - 1] - data[:, :, v2 - 1]
    out = run(SkeletonModalityTransform(joint=False, bone=True, motion=False, graph="ntu_rgb_d"), data)
    np.testing.assert_allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("flags", [(True, True, False), (True, False, True), (True, True, True),
                                   (False, False, False)])
def test_invalid_modality_combinations_are_named(flags):
    joint, bone, motion = flags
    with pytest.raises(ValueError, match=f"joint={joint}, bone={bone}, motion={motion}"):
        SkeletonModalityTransform(joint=joint, bone=bone, motion=motion)


def test_modality_rejects_strings_unknown_graphs_and_joint_count_mismatch():
    with pytest.raises(ValueError, match="bone must be true or false"):
        SkeletonModalityTransform(joint=True, bone="Fasle", motion=False)
    with pytest.raises(ValueError, match="unknown graph layout"):
        SkeletonModalityTransform(graph="kinetics")
    with pytest.raises(ValueError, match="V=20 joints but graph 'ntu_rgb_d' has 25"):
        run(SkeletonModalityTransform(joint=False, bone=True), np.ones((3, 4, 20, 1)))


def test_paddlevideo_spellings_are_aliases():
    assert PIPELINES.get("SketeonCropSample") is SkeletonCropSample
    assert PIPELINES.get("SketeonModalityTransform") is SkeletonModalityTransform
    assert PIPELINES.get("Iden") is not None


# ----------------------------------------------------------------------- NW-UCLA feeder steps

def test_center_on_first_frame_moves_the_chosen_joint_to_the_origin():
    data = np.random.RandomState(6).randn(3, 5, 20, 1).astype(np.float32)
    out = run(CenterOnFirstFrame(joint=1), data)
    np.testing.assert_allclose(out[:, 0, 1, 0], 0, atol=1e-7)
    np.testing.assert_allclose(out - out[:, :1, :1], data - data[:, :1, :1], atol=1e-6)
    with pytest.raises(ValueError, match="out of range"):
        run(CenterOnFirstFrame(joint=20), data)


def feeder_view_transform(points, agx, agy, s):
    """The NW-UCLA feeder's formula on (N, 3) row vectors, written out from its definition."""
    ax, ay = math.radians(agx), math.radians(agy)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), math.sin(ax)], [0, -math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, -math.sin(ay)], [0, 1, 0], [math.sin(ay), 0, math.cos(ay)]])
    return points @ (ry @ (rx @ (np.eye(3) * s)))


def test_view_transform_matches_the_feeder_formula():
    data = np.random.RandomState(7).randn(3, 6, 20, 1)
    points = data.transpose(1, 2, 3, 0).reshape(-1, 3)  # (T*V*M, 3)
    expected = feeder_view_transform(points, 35, -50, 1.3).reshape(6, 20, 1, 3).transpose(3, 0, 1, 2)
    np.testing.assert_allclose(view_transform(data, 35, -50, 1.3), expected, atol=1e-12)


def test_random_view_transform_rotates_and_scales_uniformly():
    np.random.seed(8)
    data = np.random.randn(3, 6, 20, 1).astype(np.float32)
    scales = []
    for _ in range(10):
        out = run(RandomViewTransform(argument=True), data)
        ratio = np.linalg.norm(out, axis=0) / np.linalg.norm(data, axis=0)
        np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-4)
        assert 0.5 <= ratio.flat[0] <= 1.5
        scales.append(ratio.flat[0])
    assert np.std(scales) > 0.01
    np.testing.assert_array_equal(run(RandomViewTransform(argument=False), data), data)


def test_min_max_scale_maps_each_channel_onto_minus_one_one():
    data = np.random.RandomState(9).randn(3, 6, 20, 1) * [[[[1]]], [[[5]]], [[[0.1]]]]
    out = run(MinMaxScale(), data)
    np.testing.assert_allclose(out.min(axis=(1, 2, 3)), -1, atol=1e-6)
    np.testing.assert_allclose(out.max(axis=(1, 2, 3)), 1, atol=1e-6)
    flat = data.copy()
    flat[2] = 0.4
    with pytest.raises(ValueError, match=r"channel\(s\) \[2\]"):
        run(MinMaxScale(), flat)


def test_resample_frames_evenly_in_test_mode():
    out = run(ResampleFrames(window_size=52, random_draw=False), ramp(21, 21))
    np.testing.assert_array_equal(out[0, :, 0, 0], np.linspace(0, 20, 52).astype(int) + 1)


def test_resample_frames_randomly_is_a_sorted_draw():
    np.random.seed(10)
    sampler = ResampleFrames(window_size=52, random_draw=True)
    draws = [run(sampler, ramp(30, 30))[0, :, 0, 0] for _ in range(5)]
    for frames in draws:
        assert frames.shape == (52,) and np.all(np.diff(frames) >= 0)
        assert frames.min() >= 1 and frames.max() <= 30
    assert any(not np.array_equal(draws[0], d) for d in draws[1:])
    single = run(sampler, ramp(1, 1) + 7)  # a one-frame sequence repeats its frame
    assert single.shape == (3, 52, 2, 1) and np.all(single == 8)


# ----------------------------------------------------------------------- build_pipeline

PADDLEVIDEO_TRAIN = {  # PIPELINE.train of PaddleVideo's ctrgcn_ntucs_joint.yaml, with its 'Fasle' fixed
    "sample": [{"Iden": None}, {"SketeonCropSample": {"window_size": 64, "p_interval": [0.5, 1]}}],
    "transform": [{"RandomRotation": {"argument": True}},
                  {"SketeonModalityTransform": {"joint": True, "bone": False, "motion": False,
                                                "graph": "ntu_rgb_d"}}],
}


def test_build_pipeline_runs_a_paddlevideo_section_in_order():
    pipeline = build_pipeline(PADDLEVIDEO_TRAIN)
    assert [type(t).__name__ for t in pipeline.transforms] == [
        "Iden", "SkeletonCropSample", "RandomRotation", "SkeletonModalityTransform"]
    data = np.zeros((3, 300, 25, 2), dtype=np.float64)
    data[:, :120] = np.random.RandomState(11).randn(3, 120, 25, 2)
    out = pipeline({"data": data, "label": 3})
    assert out["data"].shape == (3, 64, 25, 2) and out["data"].dtype == np.float32 and out["label"] == 3


def test_build_pipeline_errors_name_the_problem():
    with pytest.raises(RegistryError, match="SkeletonCropSample"):  # the message lists what exists
        build_pipeline({"sample": [{"CropSample": {"window_size": 64}}]})
    with pytest.raises(ValueError, match=r"sample\[0\]: expected a single-key mapping"):
        build_pipeline({"sample": [{"Iden": None, "RandomRotation": None}]})
    with pytest.raises(ValueError, match=r"transform\[0\]: RandomRotation: .*angle"):
        build_pipeline({"transform": [{"RandomRotation": {"argument": True, "angle": 2}}]})
    with pytest.raises(ValueError, match="unknown pipeline section"):
        build_pipeline({"decode": []})
    assert build_pipeline(None).transforms == []
