"""The committed NW-UCLA weights still classify their check samples as RESULTS.md says.

benchmarks/ucla_report.py wrote, per model, the predictions for the first validation
samples; a broken loader, pipeline or model change shows up here as a different class.
"""
import json
import os

import numpy as np
import paddle
import pytest

from tests.conftest import ROOT, shared_path

MODELS = ("ctrgcn", "ctrgcn_light", "ctrgcn_tiny")


@pytest.mark.parametrize("model", MODELS)
def test_committed_weights_classify_check_samples(model):
    weights = os.path.join(ROOT, "benchmarks", "weights", f"{model}_ucla_joint.pdparams")
    expected_file = weights.replace(".pdparams", ".expected.json")
    if not (os.path.isfile(weights) and os.path.isfile(expected_file)):
        pytest.skip(f"{model}: no committed weights yet ({os.path.relpath(weights, ROOT)})")
    data = shared_path("data", "NW-UCLA", "all_sqe")
    from paddlevideo.loader.builder import build_dataset
    from paddlevideo.modeling.builder import build_model
    from paddlevideo.utils import checkpoint, get_config

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
