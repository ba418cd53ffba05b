"""configs/recognition/ctrgcn/ctrgcn_light_ucla_jbm.yaml: CTRGCN_light fed CTRGCN_tiny's input
(joint + bone + motion channels), otherwise the CTRGCN_light joint config unchanged."""
import os

import numpy as np
import pytest

from paddlevideo.config import get_config
from paddlevideo.loader.builder import build_pipeline
from tests.conftest import ROOT

CONFIGS = os.path.join(ROOT, "configs", "recognition", "ctrgcn")
JBM = os.path.join(CONFIGS, "ctrgcn_light_ucla_jbm.yaml")


def _without(cfg, *paths):
    """A copy of ``cfg`` (nested dicts) without the dotted ``paths``."""
    import copy
    out = copy.deepcopy(cfg)
    for path in paths:
        *parents, last = path.split(".")
        node = out
        for key in parents:
            node = node[key]
        del node[last]
    return out


def test_only_the_input_differs_from_the_joint_config():
    jbm = get_config(JBM, show=False)
    joint = get_config(os.path.join(CONFIGS, "ctrgcn_light_ucla_joint.yaml"), show=False)
    differing = ("MODEL.backbone.in_channels", "INFERENCE.num_channels", "INFERENCE.modality", "model_name",
                 "output_dir", "PIPELINE.train.transform", "PIPELINE.valid.transform", "PIPELINE.test.transform")
    assert _without(jbm, *differing) == _without(joint, *differing)
    assert jbm["MODEL"]["backbone"]["in_channels"] == jbm["INFERENCE"]["num_channels"] == 9
    assert jbm["model_name"] == "CTRGCN_light_ucla_jbm"


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_the_input_is_ctrgcn_tinys(split):
    jbm = get_config(JBM, show=False)
    tiny = get_config(os.path.join(CONFIGS, "ctrgcn_tiny_ucla_joint.yaml"), show=False)
    assert jbm["PIPELINE"][split] == tiny["PIPELINE"][split]
    data = np.random.RandomState(0).randn(3, 52, 20, 1).astype("float32")
    out = build_pipeline({"transform": jbm["PIPELINE"][split]["transform"]})({"data": data.copy(), "label": 0})
    assert out["data"].shape == (9, 52, 20, 1)
    np.testing.assert_array_equal(out["data"][:3], data)  # the joints first, then bones and motion


def test_the_model_takes_nine_channels():
    import paddle
    from paddlevideo.modeling.builder import build_model
    cfg = get_config(JBM, show=False)
    paddle.seed(0)
    model = build_model(cfg["MODEL"])
    model.eval()
    with paddle.no_grad():
        logits = model([paddle.randn([2, 9, 52, 20, 1])], mode="infer")
    assert logits.shape == [2, 10]
    with pytest.raises(Exception):
        with paddle.no_grad():
            model([paddle.randn([2, 3, 52, 20, 1])], mode="infer")
