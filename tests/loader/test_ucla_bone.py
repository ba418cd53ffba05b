"""configs/recognition/ctrgcn/ctrgcn_light_ucla_bone.yaml: the bone stream of CTR-GCN's NW-UCLA
feeder (each joint minus its parent after sampling; the root is zero), on every pipeline."""
import os

import numpy as np
import pytest

from paddlevideo.config import get_config
from paddlevideo.loader.builder import build_pipeline
from tests.conftest import ROOT

BONE = os.path.join(ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_light_ucla_bone.yaml")
# CTR-GCN's feeders/feeder_ucla.py bone pairs (1-based child, parent; (3, 3) is the root)
OFFICIAL_PAIRS = [(1, 2), (2, 3), (3, 3), (4, 3), (5, 3), (6, 5), (7, 6), (8, 7), (9, 3), (10, 9), (11, 10),
                  (12, 11), (13, 1), (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18), (20, 19)]


def official_bone(data):
    """(C, T, V, M) joints -> bones as the official feeder computes them."""
    out = np.zeros_like(data)
    for child, parent in OFFICIAL_PAIRS:
        out[:, :, child - 1] = data[:, :, child - 1] - data[:, :, parent - 1]
    return out


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_the_bone_stream_is_the_official_one(split):
    cfg = get_config(BONE, show=False)
    assert cfg["INFERENCE"]["modality"] == "bone" and cfg["model_name"] == "CTRGCN_light_ucla_bone"
    transform = build_pipeline({"transform": cfg["PIPELINE"][split]["transform"]})
    data = np.random.RandomState(0).randn(3, 52, 20, 1).astype("float32")
    out = transform({"data": data.copy(), "label": 0})["data"]
    np.testing.assert_allclose(out, official_bone(data), rtol=0, atol=1e-6)
    assert not out[:, :, 2].any()  # joint 3, the root
