"""configs/recognition/ctrgcn/ctrgcn_tiny_ucla_kd.yaml: CTRGCN_tiny's joint config unchanged, distilled
from CTRGCN_light's bone stream, whose teacher sees exactly the input it was trained on."""
import os

import numpy as np
import paddle
import pytest

from paddlevideo.config import get_config
from paddlevideo.loader.builder import build_dataset
from paddlevideo.modeling.builder import build_model
from paddlevideo.tasks.distill import Distiller, DistillOptions
from paddlevideo.utils import checkpoint
from tests.conftest import ROOT, shared_path

CONFIGS = os.path.join(ROOT, "configs", "recognition", "ctrgcn")
KD = os.path.join(CONFIGS, "ctrgcn_tiny_ucla_kd.yaml")
BONE = os.path.join(CONFIGS, "ctrgcn_light_ucla_bone.yaml")


def test_only_the_teacher_and_the_name_differ_from_the_tiny_joint_config():
    kd = dict(get_config(KD, show=False))
    joint = dict(get_config(os.path.join(CONFIGS, "ctrgcn_tiny_ucla_joint.yaml"), show=False))
    distill = kd.pop("DISTILL")
    assert kd.pop("model_name") == "CTRGCN_tiny_ucla_kd" and joint.pop("model_name") == "CTRGCN_tiny_ucla_joint"
    assert kd.pop("output_dir") == "output/CTRGCN_tiny_ucla_kd"  # derived from the name
    joint.pop("output_dir")
    assert kd == joint
    assert os.path.join(ROOT, distill["teacher_config"]) == BONE
    assert distill["teacher_channels"] == [3, 6]


def test_the_teachers_channels_are_its_own_training_pipeline_applied_to_the_same_joints():
    """Same sampling steps in every split, and channels 3..5 of the student's transform are the bone
    transform's output: the teacher never sees an input unlike the one it learned from."""
    kd, bone = get_config(KD, show=False), get_config(BONE, show=False)
    from paddlevideo.loader.builder import build_pipeline
    for split in ("train", "valid", "test"):
        assert kd.PIPELINE[split]["sample"] == bone.PIPELINE[split]["sample"], split
        joints = np.random.RandomState(1).randn(3, 52, 20, 1).astype("float32")
        fused = build_pipeline({"transform": kd.PIPELINE[split]["transform"]})({"data": joints.copy(), "label": 0})
        bones = build_pipeline({"transform": bone.PIPELINE[split]["transform"]})({"data": joints.copy(), "label": 0})
        np.testing.assert_array_equal(fused["data"][3:6], bones["data"])


def test_the_distillers_teacher_gives_the_committed_bone_streams_logits_on_real_samples():
    """End to end on NW-UCLA view-3 samples: teacher logits from the student's input equal the
    bone-stream model's logits on the bone config's input (its committed weights)."""
    data = shared_path("data", "NW-UCLA", "all_sqe")
    weights = os.path.join(ROOT, "benchmarks", "weights", "ctrgcn_light_ucla_bone.pdparams")
    if not os.path.isfile(weights):
        pytest.skip("no committed bone-stream weights (`bash benchmarks/ucla_train.sh ctrgcn_light_bone full`)")
    override = [f"DATASET.test.file_path={data}"]
    kd, bone = get_config(KD, overrides=override, show=False), get_config(BONE, overrides=override, show=False)
    kd_set = build_dataset(kd.DATASET.test, kd.PIPELINE.test)
    bone_set = build_dataset(bone.DATASET.test, bone.PIPELINE.test)
    picks = [0, 5, 200, len(kd_set) - 1]
    x = np.stack([kd_set[i][0] for i in picks])
    xb = np.stack([bone_set[i][0] for i in picks])
    assert x.shape[1] == 9 and xb.shape[1] == 3
    cwd = os.getcwd()
    os.chdir(ROOT)  # the config's teacher paths are relative to the repo root
    try:
        distiller = Distiller(DistillOptions(**kd.DISTILL), build_model(kd.MODEL))
    finally:
        os.chdir(cwd)
    bone_model = build_model(bone.MODEL)
    checkpoint.load_weights(bone_model, weights, strict=True)
    bone_model.eval()
    with paddle.no_grad():
        expected = bone_model([paddle.to_tensor(xb)], mode="infer").numpy()
    np.testing.assert_allclose(distiller.teacher_logits(paddle.to_tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-4)
