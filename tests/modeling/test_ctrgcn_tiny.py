import numpy as np
import paddle

from paddlevideo.modeling.backbones.ctrgcn import CTRGCN_LIGHT_BLOCKS
from paddlevideo.modeling.builder import build_model


def trainable(model):
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def test_tiny_is_the_light_pattern_at_width_32():
    model = build_model({"framework": "RecognizerGCN", "backbone": {"name": "CTRGCN_tiny"},
                         "head": {"name": "CTRGCNHead", "num_classes": 60, "in_channels": 32}})
    assert trainable(model) == 212116
    bb = model.backbone
    assert bb.out_channels == 128
    spatial = [hasattr(getattr(bb, n), "gcn1") for n in bb.block_names]
    assert spatial == [b[2] for b in CTRGCN_LIGHT_BLOCKS]


def test_tiny_with_fused_input_runs_on_ucla_shape():
    model = build_model({"framework": "RecognizerGCN",
                         "backbone": {"name": "CTRGCN_tiny", "in_channels": 9, "num_point": 20,
                                      "num_person": 1, "graph": "nw_ucla"},
                         "head": {"name": "CTRGCNHead", "num_classes": 10, "in_channels": 32}})
    model.eval()
    out = model([paddle.randn([2, 9, 52, 20, 1])], mode="infer")
    assert out.shape == [2, 10]
