import csv

import numpy as np
import pytest

from paddlevideo.metrics import SkeletonMetric, confusion_matrix, topk_accuracy


def test_topk_and_confusion():
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.5, 0.4, 0.1]])
    labels = np.array([0, 1, 1, 2])
    assert topk_accuracy(scores, labels, 1) == 0.5
    assert topk_accuracy(scores, labels, 2) == 0.75
    cm = confusion_matrix(scores.argmax(1), labels, 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 0]]


def test_metric_writes_files(tmp_path):
    m = SkeletonMetric(output_dir=str(tmp_path), class_names=["a", "b", "c"], top_k=2)
    m.update(np.eye(3)[[0, 1]], np.array([0, 2]))
    m.update(np.eye(3)[[2]], np.array([2]))
    res = m.accumulate(names=["s0", "s1", "s2"])
    assert res["top1"] == pytest.approx(2 / 3)
    assert res["per_class_accuracy"] == [1.0, 0.0, 0.5]
    saved = np.load(tmp_path / "scores.npz")
    assert saved["names"].tolist() == ["s0", "s1", "s2"]
    assert saved["labels"].tolist() == [0, 2, 2]
    rows = list(csv.reader(open(tmp_path / "per_class_accuracy.csv")))
    assert rows[3] == ["2", "c", "2", "0.5000"]
    assert (tmp_path / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"


def test_names_must_match_scores(tmp_path):
    m = SkeletonMetric(output_dir=str(tmp_path))
    m.update(np.eye(2), np.array([0, 1]))
    with pytest.raises(ValueError, match="1 sample names for 2 scores"):
        m.accumulate(names=["only-one"])
