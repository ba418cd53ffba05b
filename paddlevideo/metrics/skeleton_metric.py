"""Classification metrics for skeleton action recognition.

Accumulates per-sample scores, then reports Top-1, Top-5, per-class accuracy and the
confusion matrix, and writes them (plus the raw scores, for stream ensembles) to files.
"""
from __future__ import annotations

import csv
import os
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..utils.fileio import atomic_write
from .registry import METRICS


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of rows of ``scores`` (N, K) whose label is among the k highest scores."""
    if len(labels) == 0:
        return float("nan")
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(num_classes, num_classes) counts; row = true class, column = predicted class."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (labels, pred), 1)
    return cm




def save_confusion_png(cm: np.ndarray, path: str, class_names: Optional[Sequence[str]] = None,
                       title: str = "") -> None:
    """Row-normalised confusion matrix as a PNG (matplotlib, no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = cm.shape[0]
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    size = max(5.0, min(0.32 * n + 2, 24.0))
    fig, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(n)
    labels = list(class_names) if class_names is not None and len(class_names) == n else [str(i) for i in ticks]
    fs = 8 if n <= 20 else 5
    ax.set_xticks(ticks, labels, rotation=90, fontsize=fs)
    ax.set_yticks(ticks, labels, fontsize=fs)
    if n <= 20:
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "confusion matrix (row-normalised)")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


@METRICS.register()
class SkeletonMetric:
    """Collects scores batch by batch; ``accumulate()`` returns the summary dict.

    ``output_dir`` (injected by the test task) receives ``scores.npz`` (names, scores,
    labels), ``confusion_matrix.csv``/``.png`` and ``per_class_accuracy.csv``.
    """

    def __init__(self, top_k: int = 5, save_scores: bool = True, data_size: int = 0,
                 batch_size: int = 1, output_dir: Optional[str] = None,
                 class_names: Optional[List[str]] = None):
        self.top_k = top_k
        self.save_scores = save_scores
        self.output_dir = output_dir
        self.class_names = class_names
        self.scores: List[np.ndarray] = []
        self.labels: List[np.ndarray] = []

    def update(self, scores: np.ndarray, labels: np.ndarray) -> None:
        scores = np.asarray(scores, dtype=np.float32)
        self.scores.append(scores.reshape(scores.shape[0], -1))
        self.labels.append(np.asarray(labels, dtype=np.int64).reshape(-1))

    def accumulate(self, names: Optional[Sequence[str]] = None) -> Dict[str, object]:
        if not self.scores:
            raise ValueError("no samples were evaluated")
        scores = np.concatenate(self.scores)
        labels = np.concatenate(self.labels)
        num_classes = scores.shape[1]
        valid = labels >= 0
        pred = scores.argmax(axis=1)
        result: Dict[str, object] = {"num_samples": int(len(labels)), "num_classes": num_classes}
        if valid.any():
            s, lab, p = scores[valid], labels[valid], pred[valid]
            if lab.max() >= num_classes:
                raise ValueError(f"label {int(lab.max())} is out of range for {num_classes} classes")
            result["top1"] = topk_accuracy(s, lab, 1)
            result[f"top{self.top_k}"] = topk_accuracy(s, lab, self.top_k)
            cm = confusion_matrix(p, lab, num_classes)
            per_class = np.diag(cm) / np.maximum(cm.sum(axis=1), 1)
            result["per_class_accuracy"] = per_class.tolist()
            result["class_counts"] = cm.sum(axis=1).tolist()
            result["confusion_matrix"] = cm
        if self.output_dir:
            self._write(scores, labels, names, result)
        return result

    def _write(self, scores, labels, names, result) -> None:
        out = self.output_dir
        if self.save_scores:
            names_arr = np.asarray([str(n) for n in names] if names is not None
                                   else [str(i) for i in range(len(labels))])
            if len(names_arr) != len(labels):
                raise ValueError(f"{len(names_arr)} sample names for {len(labels)} scores")
            atomic_write(os.path.join(out, "scores.npz"),
                          lambda p: np.savez(p, names=names_arr, scores=scores, labels=labels))
        if "confusion_matrix" not in result:
            return
        cm = result["confusion_matrix"]
        names_c = self.class_names or [str(i) for i in range(cm.shape[0])]

        def write_cm(p):
            with open(p, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["true\\pred"] + list(names_c))
                for i, row in enumerate(cm):
                    w.writerow([names_c[i]] + row.tolist())

        def write_pc(p):
            with open(p, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["class_id", "class_name", "samples", "accuracy"])
                for i, (acc, n) in enumerate(zip(result["per_class_accuracy"], result["class_counts"])):
                    w.writerow([i, names_c[i], n, f"{acc:.4f}"])

        atomic_write(os.path.join(out, "confusion_matrix.csv"), write_cm)
        atomic_write(os.path.join(out, "per_class_accuracy.csv"), write_pc)
        save_confusion_png(cm, os.path.join(out, "confusion_matrix.png"), self.class_names)
