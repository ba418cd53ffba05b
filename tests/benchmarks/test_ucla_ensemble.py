"""The committed CTRGCN_light NW-UCLA weights reach, on all 464 view-3 samples, the Top-1 that
benchmarks/RESULTS.md publishes: each stream alone and the joint + bone ensemble (issue 13's goal:
at least 96.0%), through the user's commands (`main.py --test --output`, `tools/ensemble.py`).

tests/benchmarks/test_ucla_weights.py checks 8 samples per weights file; this test checks the
published numbers themselves, so a change that costs one view-3 sample shows up here.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.ucla_report import config_path, weights_path
from paddlevideo.metrics.score_file import ScoreFile
from tests.conftest import ROOT, shared_path

NUM_VIEW3 = 464
# benchmarks/RESULTS.md "### Joint + bone ensemble": 96.98% = 450 of 464 samples.
ENSEMBLE_CORRECT = 450
GOAL = 0.96


def _test_scores(model: str, data: str, out: str) -> ScoreFile:
    weights = weights_path(model, "full")
    if not os.path.isfile(weights):
        pytest.skip(f"no committed weights {os.path.relpath(weights, ROOT)} "
                    f"(`bash benchmarks/ucla_train.sh {model} full` makes them)")
    subprocess.run([sys.executable, "main.py", "--test", "-c", config_path(model), "-w", weights,
                    "--output", out, "-o", f"DATASET.test.file_path={data}"],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return ScoreFile(os.path.join(out, "scores.npz"))


def _correct(scores: np.ndarray, labels: np.ndarray) -> int:
    return int((scores.argmax(1) == labels).sum())


def test_light_joint_and_bone_reach_the_published_top1_and_their_ensemble_the_goal(tmp_path):
    data = shared_path("data", "NW-UCLA", "all_sqe")
    streams = {}
    for model in ("ctrgcn_light", "ctrgcn_light_bone"):
        scores = _test_scores(model, data, str(tmp_path / model))
        assert len(scores.labels) == NUM_VIEW3 and (scores.labels >= 0).all()
        recorded = json.load(open(weights_path(model, "full").replace(".pdparams", ".expected.json")))["top1"]
        assert _correct(scores.scores, scores.labels) == round(recorded * NUM_VIEW3), model
        streams[model] = scores

    fused_path = tmp_path / "ensemble.npz"
    done = subprocess.run([sys.executable, "tools/ensemble.py", "--scores",
                           *(os.path.join(str(tmp_path / m), "scores.npz") for m in streams),
                           "--out", str(fused_path)], cwd=ROOT, check=True, capture_output=True, text=True)
    fused = ScoreFile(str(fused_path))
    correct = _correct(fused.scores, fused.labels)
    assert correct == ENSEMBLE_CORRECT
    assert correct / NUM_VIEW3 >= GOAL
    assert f"{100 * ENSEMBLE_CORRECT / NUM_VIEW3:.2f}" in done.stdout  # the tool prints what it wrote
    # the ensemble is better than either stream: the two streams err on different samples
    assert correct > max(_correct(s.scores, s.labels) for s in streams.values())
