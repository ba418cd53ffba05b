"""Classification head of CTR-GCN: global average pool, dropout, one linear layer."""
from __future__ import annotations

import math
from typing import Dict

import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from ...utils.values import is_int, is_number
from ..registry import HEADS


@HEADS.register()
class CTRGCNHead(nn.Layer):
    """Average over time, joints and persons, then a linear classifier (``fc``).

    Args:
        num_classes: number of action classes K.
        in_channels: the backbone's base_channel, as in PaddleVideo configs; the feature
            width fed to ``fc`` is ``4 * in_channels`` (64 -> 256 for CTRGCN).
        drop_out: dropout probability before ``fc`` (0 disables it).
        ls_eps: label smoothing epsilon used by ``loss`` in training (0 disables it).

    Input (N, M, C, T, V) with C = 4 * in_channels; output scores (N, K).
    """

    def __init__(self, num_classes: int = 60, in_channels: int = 64, drop_out: float = 0.0, ls_eps: float = 0.0):
        super().__init__()
        for key, value in (("num_classes", num_classes), ("in_channels", in_channels)):
            if not is_int(value, low=1):
                raise ValueError(f"head.{key} must be a positive integer, got {value!r}")
        for key, value in (("drop_out", drop_out), ("ls_eps", ls_eps)):
            if not is_number(value, low=0.0) or value >= 1.0:
                raise ValueError(f"head.{key} must be a number in [0, 1), got {value!r}")
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.ls_eps = float(ls_eps)
        self.dropout = nn.Dropout(drop_out) if drop_out > 0 else nn.Identity()
        self.fc = nn.Linear(4 * in_channels, num_classes)
        nn.initializer.Normal(mean=0.0, std=math.sqrt(2.0 / num_classes))(self.fc.weight)
        nn.initializer.Constant(0.0)(self.fc.bias)

    def forward(self, feature: paddle.Tensor) -> paddle.Tensor:
        """(N, M, C, T, V) -> (N, K)."""
        if feature.ndim != 5 or feature.shape[2] != self.fc.weight.shape[0]:
            raise ValueError(f"CTRGCNHead expects features (N, M, C={self.fc.weight.shape[0]}, T, V), "
                             f"got shape {list(feature.shape)}; head.in_channels should be the backbone's base_channel")
        pooled = feature.mean(axis=[3, 4]).mean(axis=1)  # (N, C)
        return self.fc(self.dropout(pooled))

    def loss(self, scores: paddle.Tensor, labels: paddle.Tensor, valid_mode: bool = False) -> Dict[str, paddle.Tensor]:
        """Cross-entropy (label-smoothed in training when ls_eps > 0) and accuracies.

        Args:
            scores: (N, K) logits.
            labels: (N,) or (N, 1) integer class indices in [0, K).
            valid_mode: evaluation: no label smoothing.
        Returns:
            {'loss': scalar, 'top1': (1,), 'top5': (1,)}; 'top5' only when K >= 5.
        """
        labels = paddle.to_tensor(labels) if not isinstance(labels, paddle.Tensor) else labels
        labels = labels.astype("int64").reshape([-1, 1])  # (N, 1)
        if labels.shape[0] != scores.shape[0]:
            raise ValueError(f"loss: {labels.shape[0]} labels for {scores.shape[0]} score rows")
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= self.num_classes:
            raise ValueError(f"loss: labels must lie in [0, {self.num_classes - 1}], got range [{low}, {high}]")
        if self.ls_eps > 0 and not valid_mode:
            target = F.label_smooth(F.one_hot(labels[:, 0], self.num_classes), epsilon=self.ls_eps)  # (N, K)
            loss = F.cross_entropy(scores, target, soft_label=True)
        else:
            loss = F.cross_entropy(scores, labels)
        metrics = {"loss": loss, "top1": paddle.metric.accuracy(scores, labels, k=1)}
        if self.num_classes >= 5:
            metrics["top5"] = paddle.metric.accuracy(scores, labels, k=5)
        return metrics
