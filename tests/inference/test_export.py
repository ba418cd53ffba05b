"""paddlevideo/inference/export.py: export_onnx traces the model with CTR-GC's subsets fused
(inference/export_forms.py) and the ONNX model computes the dynamic graph's logits."""
import os

import numpy as np
import paddle
import pytest

from paddlevideo.inference.export import export_onnx
from paddlevideo.modeling import build_model
from paddlevideo.inference.export_forms import rewritten_layers
from paddlevideo.modeling.backbones.units import SpatialCTRGC
from tests.helpers.trained_like import make_trained_like

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("paddle2onnx")

ATOL = 1e-4
T = 16


def trained_like(backbone: str, in_channels: int, base_channel: int) -> paddle.nn.Layer:
    """The backbone (its own blocks, ``base_channel`` wide) with a 60-class head; constant-initialised parameters
    (biases, alpha, BN affine) made random and BN statistics taken from one random batch, so
    the logits have a trained model's scale (a few units) and every term matters."""
    paddle.seed(0)
    model = build_model({"framework": "RecognizerGCN",
                         "backbone": {"name": backbone, "in_channels": in_channels, "base_channel": base_channel},
                         "head": {"name": "CTRGCNHead", "num_classes": 60, "in_channels": base_channel}})
    return make_trained_like(model, (in_channels, T, 25, 2))


@pytest.mark.slow
# narrower than the defaults (CTRGCN 64, CTRGCN_light 60) to keep the test fast; blocks as registered
@pytest.mark.parametrize("backbone, in_channels, base_channel", [("CTRGCN", 3, 16), ("CTRGCN_light", 3, 20),
                                                                 ("CTRGCN_tiny", 9, 32)])
def test_onnx_export_matches_the_dynamic_graph(backbone, in_channels, base_channel, tmp_path):
    model = trained_like(backbone, in_channels, base_channel)
    onnx_file = export_onnx(model, (in_channels, T, 25, 2), str(tmp_path / "out" / f"{backbone}.onnx"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{backbone}.onnx"]  # no temporary left
    spatial = sum(isinstance(m, SpatialCTRGC) for m in model.sublayers())
    nodes = [n.op_type for n in onnx.load(onnx_file).graph.node]
    assert nodes.count("Tanh") == spatial  # one relation per spatial module: subsets fused
    assert rewritten_layers(model) == []  # the model computes in its own forms again

    session = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.random.RandomState(1).randn(16, in_channels, T, 25, 2).astype("float32")
    with paddle.no_grad():
        want = model([paddle.to_tensor(x)], mode="infer").numpy()
    assert 1.0 < np.abs(want).max() < 100.0  # a trained model's scale, so ATOL is meaningful
    for batch in (1, 16):
        diff = float(np.abs(session.run(None, {name: x[:batch]})[0] - want[:batch]).max())
        assert diff <= ATOL, f"{backbone}, batch {batch}: max |logit difference| {diff:.3g} > {ATOL}"


@pytest.mark.slow
def test_paddle_export_stores_weights_and_one_pair_map(tmp_path):
    """The exported .pdiparams holds the model's parameters and BN statistics plus CTR-GC's
    pair-difference constant once (shared by all ten blocks), not once per block."""
    from paddlevideo.inference.export import export_paddle
    from paddlevideo.modeling.backbones.units import pair_difference_map
    paddle.seed(0)
    model = build_model({"framework": "RecognizerGCN", "backbone": {"name": "CTRGCN"},
                         "head": {"name": "CTRGCNHead", "num_classes": 60, "in_channels": 64}})
    model.eval()
    exported = export_paddle(model, (3, T, 25, 2), str(tmp_path), "ctrgcn")
    weights = sum(int(np.prod(v.shape)) for v in model.state_dict().values()) * 4
    one_map = pair_difference_map(25).size * 4
    size = os.path.getsize(exported.params_file)
    assert weights + one_map <= size < weights + 2 * one_map, (size, weights, one_map)
