"""Logits -> class probabilities -> top-k, with class names where the project ships them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, K) logits, computed in float64, returned as float32."""
    z = logits.astype(np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


@dataclass
class Prediction:
    """Top-k classes (best first) and their softmax scores for one sample."""

    name: str
    classes: List[int]
    scores: List[float]
    label: Optional[int] = None

    def lines(self, class_names: Optional[Sequence[str]] = None) -> List[str]:
        """What predict prints for this sample."""
        def named(c: int) -> str:
            return class_names[c] if class_names is not None and 0 <= c < len(class_names) else "n/a"

        out = [f"Current input file: {self.name}",
               f"\ttop-1 class: {self.classes[0]}",
               f"\ttop-1 class name: {named(self.classes[0])}",
               f"\ttop-1 score: {self.scores[0]:.6f}"]
        if self.label is not None:
            out.append(f"\ttrue class (from the file): {self.label} ({named(self.label)})")
        if len(self.classes) > 1:
            ranked = "; ".join(f"{c} {named(c)} {s:.6f}" for c, s in zip(self.classes, self.scores))
            out.append(f"\ttop-{len(self.classes)} (class name score): {ranked}")
        return out


def top_k(logits: np.ndarray, k: int, names: Sequence[str],
          labels: Optional[Sequence[Optional[int]]] = None) -> List[Prediction]:
    """Top-``k`` of each row of (N, K) ``logits`` (ties: lower class id first)."""
    if k < 1:
        raise ValueError(f"top_k must be >= 1, got {k}")
    probs = softmax(logits)
    k = min(k, probs.shape[1])
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    labels = labels if labels is not None else [None] * len(names)
    return [Prediction(name, [int(c) for c in row], [float(probs[i, c]) for c in row], label)
            for i, (name, row, label) in enumerate(zip(names, order, labels))]


def load_class_names(cfg: Mapping[str, Any]) -> Optional[List[str]]:
    """Class names of a config (``INFERENCE.class_names``, else ``INFERENCE.dataset``'s known
    names: see ``paddlevideo/loader/class_names.py``); None when it gives none."""
    from ..loader.class_names import config_class_names
    return config_class_names(cfg)
