"""CTRGCN / CTRGCN_light backbones: PaddleVideo weight compatibility, shapes, block lists."""
import json
import os

import numpy as np
import paddle
import pytest

from conftest import shared_path
from paddlevideo.modeling import build_model
from paddlevideo.modeling.backbones import CTRGCN, CTRGCN_light, TCN_GCN_unit, TCN_unit
from paddlevideo.modeling.backbones.units import TemporalConv
from paddlevideo.utils import checkpoint

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")

# Trainable parameters with a 60-class head (PaddleVideo's CTRGCN: 1,446,672, see the keys file header).
CTRGCN_PARAMS = 1_446_672
CTRGCN_LIGHT_PARAMS = 705_630


def recognizer(backbone: str = "CTRGCN", base: int = 64, num_classes: int = 60):
    return build_model({"framework": "RecognizerGCN", "backbone": {"name": backbone, "base_channel": base},
                        "head": {"name": "CTRGCNHead", "num_classes": num_classes, "in_channels": base}})


def trainable(model) -> int:
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def paddlevideo_manifest() -> dict:
    """{key: shape} of an upstream PaddleVideo CTRGCN state dict, from the manifest shipped in tests/fixtures."""
    with open(os.path.join(FIXTURES, "paddlevideo_ctrgcn_keys.json"), encoding="utf-8") as f:
        return {key: shape for key, shape, _ in json.load(f)["keys"]}


def test_state_dict_matches_paddlevideo_keys_and_shapes():
    expected = paddlevideo_manifest()
    got = {k: list(v.shape) for k, v in recognizer().state_dict().items()}
    assert sorted(got) == sorted(expected)
    assert got == expected


def test_a_state_dict_of_the_paddlevideo_layout_loads_strictly_and_runs(tmp_path):
    rng = np.random.RandomState(0)
    state = {key: rng.uniform(0.5, 1.5, shape).astype("float32") if key.endswith("_variance")
             else rng.normal(0.0, 0.1, shape).astype("float32") for key, shape in paddlevideo_manifest().items()}
    path = str(tmp_path / "paddlevideo_layout.pdparams")
    paddle.save(state, path)
    model = recognizer()
    checkpoint.load_weights(model, path, strict=True)  # raises on a missing, unexpected or reshaped key
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key], err_msg=key)
    model.eval()
    with paddle.no_grad():
        logits = model([paddle.to_tensor(rng.randn(2, 3, 16, 25, 2).astype("float32"))], mode="infer").numpy()
    assert logits.shape == (2, 60)
    assert np.isfinite(logits).all()


def test_the_shipped_manifest_is_the_shared_key_list():
    """tests/fixtures/paddlevideo_ctrgcn_keys.json (regenerate: tests/fixtures/make_paddlevideo_ctrgcn_keys.py)
    agrees with the key list beside the upstream fixture."""
    expected = {}
    with open(shared_path("fixtures", "ctrgcn_paddlevideo_state_keys.txt")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            key, shape = line.split("\t")[:2]
            expected[key] = [int(s) for s in shape.strip("[]").split(",") if s.strip()]
    assert list(paddlevideo_manifest().items()) == list(expected.items())


def test_outputs_match_paddlevideo():
    weights = shared_path("fixtures", "ctrgcn_paddlevideo_parity.pdparams")
    io = np.load(shared_path("fixtures", "ctrgcn_paddlevideo_parity_io.npz"))
    model = recognizer()
    missing, unexpected = model.set_state_dict(paddle.load(weights))
    assert not missing and not unexpected
    model.eval()
    with paddle.no_grad():
        logits = model([paddle.to_tensor(io["x"])], mode="infer").numpy()
    assert logits.shape == (2, 60)
    assert np.abs(logits - io["logits"]).max() <= 1e-4


@pytest.mark.parametrize("T", [1, 7, 52, 100])
def test_any_number_of_frames(T):
    paddle.seed(0)
    backbone = CTRGCN(base_channel=8)  # same blocks and strides as the full model, narrow
    backbone.eval()
    with paddle.no_grad():
        out = backbone(paddle.randn([1, 3, T, 25, 2]))
    t_out = -(-(-(-T // 2)) // 2)  # two stride-2 blocks, each rounding up
    assert list(out.shape) == [1, 2, 32, t_out, 25]
    assert np.isfinite(out.numpy()).all()


def test_static_graph_accepts_any_batch_and_frames():
    from paddle.static import InputSpec

    paddle.seed(0)
    backbone = CTRGCN(base_channel=4, blocks=[[4, 2, True]])
    backbone.eval()
    static = paddle.jit.to_static(backbone, input_spec=[InputSpec([None, 3, None, 25, 2], "float32")],
                                  full_graph=True)
    for n, T in ((1, 10), (3, 13)):
        x = paddle.randn([n, 3, T, 25, 2])
        with paddle.no_grad():
            want = backbone.forward(x).numpy()
            got = static(x).numpy()
        assert got.shape == (n, 2, 16, (T + 1) // 2, 25)
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_parameter_counts():
    assert trainable(recognizer("CTRGCN", 64)) == CTRGCN_PARAMS
    assert trainable(recognizer("CTRGCN_light", 60)) == CTRGCN_LIGHT_PARAMS


def test_light_block_structure():
    backbone = CTRGCN_light()
    units = [getattr(backbone, name) for name in backbone.block_names]
    assert backbone.block_names == [f"l{i}" for i in range(1, 11)]
    spatial = [i + 1 for i, u in enumerate(units) if isinstance(u, TCN_GCN_unit)]
    assert spatial == [1, 6, 9]
    assert all(isinstance(u, TCN_unit) for i, u in enumerate(units) if i + 1 not in spatial)
    widths = [u.tcn1.branches[-1][0].weight.shape[0] * 4 for u in units]
    assert widths == [60, 60, 60, 60, 120, 120, 120, 240, 240, 240]
    strides = [u.tcn1.branches[-1][0]._stride[0] for u in units]
    assert strides == [1, 1, 1, 1, 2, 1, 1, 2, 1, 1]
    assert units[0].residual is None  # block 1 has no residual, as in CTR-GCN
    assert isinstance(units[4].residual, TemporalConv) and isinstance(units[7].residual, TemporalConv)
    assert isinstance(units[1].residual, paddle.nn.Identity)
    keys = backbone.state_dict()
    assert "l6.gcn1.convs.2.conv4.weight" in keys and not any(k.startswith("l2.gcn1") for k in keys)
    with paddle.no_grad():
        backbone.eval()
        assert list(backbone(paddle.randn([1, 3, 20, 25, 2])).shape) == [1, 2, 240, 5, 25]


def test_custom_block_list_and_graph():
    backbone = CTRGCN(num_point=5, num_person=1, in_channels=2, base_channel=8, graph="custom",
                      graph_args={"edges": [[1, 0], [2, 1], [3, 0], [4, 3]], "num_node": 5},
                      blocks=[[1, 1, True], [2, 2, False], [2, 1, True]])
    assert backbone.block_names == ["l1", "l2", "l3"] and backbone.out_channels == 16
    assert list(backbone.state_dict()["l1.gcn1.PA"].shape) == [3, 5, 5]
    assert list(backbone(paddle.randn([2, 2, 9, 5, 1])).shape) == [2, 1, 16, 5, 5]


def test_fixed_adjacency_is_a_buffer():
    backbone = CTRGCN(base_channel=8, adaptive=False, blocks=[[1, 1, True]])
    assert "l1.gcn1.A" in backbone.state_dict()
    assert not any(name.endswith("gcn1.PA") for name, _ in backbone.named_parameters())


@pytest.mark.parametrize("kwargs, message", [
    ({"blocks": [[1, 1, True], [2, 2]]}, r"blocks\[1\]"),
    ({"blocks": [[1, 0, True]]}, r"blocks\[0\].*stride"),
    ({"blocks": [[1, 1, "yes"]]}, r"blocks\[0\].*spatial"),
    ({"blocks": []}, "non-empty"),
    ({"base_channel": 6}, "multiple of 4"),
    ({"num_point": 17}, "num_point = 17 but graph 'ntu_rgb_d' has 25"),
    ({"graph": "openpose"}, "known layouts"),
    ({"temporal_groups": 3}, r"temporal_groups = 3 does not divide the 16 channels .*blocks\[0\]"),
    ({"temporal_groups": -1}, "0 \\(depthwise\\) or a positive integer"),
])
def test_bad_backbone_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CTRGCN(**kwargs)


def test_wrong_input_shape_is_reported():
    backbone = CTRGCN(base_channel=8, blocks=[[1, 1, True]])
    with pytest.raises(ValueError, match=r"expects input \(N, C=3, T, V=25, M=2\)"):
        backbone(paddle.randn([1, 3, 10, 17, 2]))


@pytest.mark.parametrize("groups", [2, 0])
def test_grouped_temporal_convs_change_only_the_temporal_weights(groups):
    """temporal_groups thins the (5 x 1) convolutions of the dilated branches; every key stays."""
    dense = CTRGCN(blocks=[[1, 1, True], [2, 2, False]]).state_dict()
    grouped = CTRGCN(blocks=[[1, 1, True], [2, 2, False]], temporal_groups=groups).state_dict()
    assert list(dense) == list(grouped)
    changed = {k for k in dense if list(dense[k].shape) != list(grouped[k].shape)}
    assert changed == {f"{block}.tcn1.branches.{b}.3.conv.weight" for block in ("l1", "l2") for b in (0, 1)}
    width = grouped["l2.tcn1.branches.0.3.conv.weight"].shape[0]  # 32 channels per branch in l2
    assert list(grouped["l2.tcn1.branches.0.3.conv.weight"].shape) == [width, width // (groups or width), 5, 1]

