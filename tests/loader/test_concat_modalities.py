import numpy as np
import pytest

from paddlevideo.loader.builder import build_pipeline


def chain_data(T=4):
    # 3 joints of the custom chain 0 <- 1 <- 2, one person; x moves by t, y = joint index
    data = np.zeros((3, T, 3, 1), np.float32)
    data[0] = np.arange(T)[:, None, None]
    data[1] = np.arange(3)[None, :, None]
    return data


def test_joint_bone_motion_stacked_in_order():
    pipe = build_pipeline({"transform": [{"ConcatModalities": {
        "modalities": ["joint", "bone", "motion"], "graph": "custom",
        "graph_args": {"edges": [[1, 0], [2, 1]], "num_node": 3}}}]})
    data = chain_data()
    out = pipe({"data": data.copy(), "label": 0})["data"]
    assert out.shape == (9, 4, 3, 1) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:3], data)
    assert out[4, 0, :, 0].tolist() == [0, 1, 1]  # bone y: child minus parent, root 0
    assert out[6, :, 0, 0].tolist() == [1, 1, 1, 0]  # joint motion x, last frame 0


def test_unknown_or_empty_modalities_are_errors():
    with pytest.raises(ValueError, match="unknown modality 'velocity'"):
        build_pipeline({"transform": [{"ConcatModalities": {"modalities": ["joint", "velocity"]}}]})
    with pytest.raises(ValueError, match="at least one"):
        build_pipeline({"transform": [{"ConcatModalities": {"modalities": []}}]})


def test_joint_count_must_match_graph():
    pipe = build_pipeline({"transform": [{"ConcatModalities": {"graph": "nw_ucla"}}]})
    with pytest.raises(ValueError, match="V=3 joints but graph 'nw_ucla' has 20"):
        pipe({"data": chain_data(), "label": 0})
