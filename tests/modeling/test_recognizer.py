"""RecognizerGCN modes, CTRGCNHead loss, and building models from config dicts."""
import numpy as np
import paddle
import pytest

import paddlevideo.modeling  # noqa: F401  (registers the parts)
from paddlevideo.modeling import BACKBONES, HEADS, RECOGNIZERS
from paddlevideo.modeling.builder import build_backbone, build_head, build_model
from paddlevideo.modeling.framework import RecognizerGCN
from paddlevideo.modeling.heads import CTRGCNHead
from paddlevideo.utils.registry import RegistryError


class AttrDict(dict):
    """Stand-in for the config loader's attribute dict."""

    def __getattr__(self, key):
        return self[key]


def small_cfg(num_classes=6, ls_eps=0.0, backbone="CTRGCN"):
    return {"framework": "RecognizerGCN",
            "backbone": {"name": backbone, "base_channel": 4, "blocks": [[1, 1, True], [4, 2, False]]},
            "head": {"name": "CTRGCNHead", "num_classes": num_classes, "in_channels": 4, "ls_eps": ls_eps}}


def batch(n=4, num_classes=6, T=12):
    paddle.seed(1)
    x = paddle.randn([n, 3, T, 25, 2])
    labels = paddle.to_tensor(np.arange(n) % num_classes, dtype="int64").reshape([n, 1])
    return x, labels


def test_registries_hold_the_model_parts():
    assert {"CTRGCN", "CTRGCN_light"} <= set(BACKBONES.names())
    assert "CTRGCNHead" in HEADS and "RecognizerGCN" in RECOGNIZERS


def test_build_model_from_plain_and_attribute_dicts():
    cfg = small_cfg()
    attr_cfg = AttrDict(framework=cfg["framework"], backbone=AttrDict(cfg["backbone"]), head=AttrDict(cfg["head"]))
    for c in (cfg, attr_cfg):
        model = build_model(c)
        assert isinstance(model, RecognizerGCN)
    assert type(build_backbone({"name": "CTRGCN_light", "base_channel": 4})).__name__ == "CTRGCN_light"
    assert isinstance(build_head({"name": "CTRGCNHead", "num_classes": 3, "in_channels": 2}), CTRGCNHead)


def test_builder_errors_name_the_problem():
    with pytest.raises(RegistryError, match="registered backbones: CTRGCN, CTRGCN_light"):
        build_backbone({"name": "STGCN"})
    with pytest.raises(ValueError, match="unknown option.*'num_joints'.*accepted"):
        build_backbone({"name": "CTRGCN", "num_joints": 25})
    with pytest.raises(ValueError, match="no 'name' entry"):
        build_head({"num_classes": 3})
    with pytest.raises(ValueError, match="no 'framework' entry"):
        build_model({"backbone": {}, "head": {}})


def test_modes():
    model = build_model(small_cfg())
    x, labels = batch()
    model.eval()
    with paddle.no_grad():
        logits = model([x])  # default mode: infer
        np.testing.assert_allclose(model([x], mode="test").numpy(), logits.numpy(), atol=1e-6)
        valid = model([x, labels], mode="valid")
    assert list(logits.shape) == [4, 6]
    assert set(valid) == {"loss", "top1", "top5"}
    model.train()
    train = model([x, labels], mode="train")
    assert set(train) == {"loss", "top1", "top5"}
    with pytest.raises(ValueError, match="mode must be one of"):
        model([x], mode="predict")
    with pytest.raises(ValueError, match="needs labels"):
        model([x], mode="train")


def test_one_training_step_lowers_the_loss():
    paddle.seed(0)
    model = build_model(small_cfg())
    x, labels = batch()
    opt = paddle.optimizer.Momentum(learning_rate=0.05, momentum=0.9, parameters=model.parameters())
    model.train()
    losses = []
    for _ in range(3):
        loss = model([x, labels], mode="train")["loss"]
        loss.backward()
        opt.step()
        opt.clear_grad()
        losses.append(float(loss))
    assert losses[-1] < losses[0]


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_head_loss_values():
    head = CTRGCNHead(num_classes=6, in_channels=2, ls_eps=0.1)
    scores = paddle.to_tensor([[2.0, 1.0, 0.0, -1.0, 0.5, 0.1], [0.0, 0.2, 3.0, 0.1, 0.0, 2.5]])
    labels = paddle.to_tensor([1, 5])  # (N,) works as well as (N, 1)
    logp = _log_softmax(scores.numpy())
    hard = -logp[[0, 1], [1, 5]].mean()
    soft_target = np.full((2, 6), 0.1 / 6) + 0.9 * np.eye(6)[[1, 5]]
    smooth = -(soft_target * logp).sum(axis=1).mean()
    train, valid = head.loss(scores, labels), head.loss(scores, labels, valid_mode=True)
    assert float(train["loss"]) == pytest.approx(smooth, rel=1e-5)
    assert float(valid["loss"]) == pytest.approx(hard, rel=1e-5)
    # sample 0: class 1 ranks 2nd; sample 1: class 5 ranks 2nd -> top1 0, top5 1
    assert float(valid["top1"]) == 0.0 and float(valid["top5"]) == 1.0


def test_head_without_top5_and_bad_labels():
    head = CTRGCNHead(num_classes=3, in_channels=2)
    scores = paddle.to_tensor([[0.1, 2.0, 0.3]])
    out = head.loss(scores, paddle.to_tensor([[1]]))
    assert set(out) == {"loss", "top1"} and float(out["top1"]) == 1.0
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        head.loss(scores, paddle.to_tensor([[3]]))


def test_head_checks_its_input_and_arguments():
    head = CTRGCNHead(num_classes=5, in_channels=16)  # fc reads 64 = 4 * in_channels features
    assert list(head.fc.weight.shape) == [64, 5]
    assert list(head(paddle.randn([2, 2, 64, 3, 25])).shape) == [2, 5]
    with pytest.raises(ValueError, match="base_channel"):
        head(paddle.randn([2, 2, 60, 3, 25]))
    with pytest.raises(ValueError, match="drop_out"):
        CTRGCNHead(drop_out=1.5)
    with pytest.raises(ValueError, match="num_classes"):
        CTRGCNHead(num_classes=0)
