"""tests/helpers/trained_like.py: no constant parameter is left, batch norms are
calibrated, and the model ends in eval mode with its momenta back."""
import numpy as np

from paddlevideo.modeling import build_model
from tests.helpers.trained_like import make_trained_like


def test_make_trained_like_leaves_no_constant_parameter_and_calibrates_batch_norms():
    model = build_model({"framework": "RecognizerGCN", "backbone": {"name": "CTRGCN_tiny", "base_channel": 8},
                         "head": {"name": "CTRGCNHead", "num_classes": 5, "in_channels": 8}})
    assert any(np.ptp(p.numpy()) == 0 for p in model.parameters())
    bn = model.backbone.data_bn
    momentum = bn._momentum
    make_trained_like(model, (3, 8, 25, 2), seed=3)
    assert all(np.ptp(p.numpy()) > 0 for p in model.parameters() if p.size > 1)
    assert not model.training and bn._momentum == momentum
    assert np.abs(bn._mean.numpy()).max() > 0  # running mean taken from the random batch, no longer 0
