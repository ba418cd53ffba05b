"""Every committed NW-UCLA weights file still classifies its check samples as RESULTS.md says.

benchmarks/ucla_report.py wrote, beside each weights file (``<model>_ucla_joint.pdparams``: the
full recipe's; ``<model>_ucla_joint_<recipe>.pdparams``: another recipe's), the predictions for the
first validation samples; a broken loader, pipeline or model change shows up here as a different class.
"""
import json
import os

import numpy as np
import paddle
import pytest

from benchmarks.ucla_report import MODELS, RECIPES, weights_path
from tests.conftest import ROOT, shared_path


@pytest.mark.parametrize("model,recipe", [(m, r) for m in MODELS for r in RECIPES])
def test_committed_weights_classify_check_samples(model, recipe):
    weights = weights_path(model, recipe)
    expected_file = weights.replace(".pdparams", ".expected.json")
    if not os.path.isfile(weights):
        pytest.skip(f"{model}, {recipe} recipe: no committed weights ({os.path.relpath(weights, ROOT)}; "
                    f"`bash benchmarks/ucla_train.sh {model} {recipe}` makes them)")
    if not os.path.isfile(expected_file):
        pytest.skip(f"{model}, {recipe} recipe: no {os.path.relpath(expected_file, ROOT)} yet "
                    "(benchmarks/ucla_report.py writes it)")
    data = shared_path("data", "NW-UCLA", "all_sqe")
    from paddlevideo.loader.builder import build_dataset
    from paddlevideo.modeling.builder import build_model
    from paddlevideo.config import get_config
    from paddlevideo.utils import checkpoint

    expected = json.load(open(expected_file))
    cfg = get_config(os.path.join(ROOT, expected["config"]), overrides=[f"DATASET.test.file_path={data}"],
                     show=False)
    dataset = build_dataset(cfg.DATASET.test, cfg.PIPELINE.test)
    model_ = build_model(cfg.MODEL)
    checkpoint.load_weights(model_, weights, strict=True)
    model_.eval()
    samples = expected["samples"]
    index = {name: i for i, name in enumerate(dataset.names)}
    x = np.stack([dataset[index[s["name"]]][0] for s in samples])
    with paddle.no_grad():
        predicted = model_([paddle.to_tensor(x)], mode="infer").numpy().argmax(1).tolist()
    assert [s["label"] for s in samples] == [int(dataset[index[s["name"]]][1]) for s in samples]
    assert predicted == [s["predicted"] for s in samples]
