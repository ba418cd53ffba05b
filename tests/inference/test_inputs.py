"""paddlevideo/inference/inputs.py: an input file that cannot become a model input is one clear error."""
import os

import numpy as np
import pytest

from conftest import ROOT
from paddlevideo.inference import InputError, InputPreparer
from paddlevideo.config import get_config

CONFIG = os.path.join(ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_light_ntucs_joint.yaml")  # V=25, M=2


def test_wrong_shape_error_names_the_file_once(tmp_path):
    preparer = InputPreparer(get_config(CONFIG, show=False))
    single = tmp_path / "wrong_shape.npy"
    np.save(single, np.ones((3, 50, 20, 2), np.float32))  # (C, T, V, M) with 20 joints
    with pytest.raises(InputError) as info:
        preparer(str(single))
    message = str(info.value)
    assert message.startswith(f"{single}: expected (C, T, V, M) = (C, T, 25, 2)")
    assert message.count("wrong_shape.npy") == 1
    stacked = tmp_path / "stacked.npy"
    np.save(stacked, np.ones((2, 3, 50, 20, 2), np.float32))  # (N, C, T, V, M)
    with pytest.raises(InputError) as info:
        preparer(str(stacked))
    assert str(info.value).startswith(f"{stacked}: sample 0: expected (C, T, V, M)")
    assert str(info.value).count("stacked.npy") == 1
