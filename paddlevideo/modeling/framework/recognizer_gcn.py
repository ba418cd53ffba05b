"""RecognizerGCN: skeleton backbone + classification head, driven by a ``mode`` string."""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Union

import paddle
import paddle.nn as nn

from ..builder import build_backbone, build_head
from ..registry import RECOGNIZERS

MODES = ("train", "valid", "test", "infer")


@RECOGNIZERS.register()
class RecognizerGCN(nn.Layer):
    """Skeleton action recognizer.

    Args:
        backbone: backbone config, e.g. ``{name: CTRGCN, num_point: 25, ...}``.
        head: head config, e.g. ``{name: CTRGCNHead, num_classes: 60, in_channels: 64}``.

    ``forward(data_batch, mode)`` with ``data_batch = [x]`` or ``[x, labels]``, x (N, C, T, V, M):
    'train' / 'valid' return the head's loss dict ({loss, top1, top5}; 'valid' without label
    smoothing); 'test' / 'infer' return logits (N, num_classes).
    """

    def __init__(self, backbone: Optional[dict] = None, head: Optional[dict] = None):
        super().__init__()
        if backbone is None or head is None:
            raise ValueError("RecognizerGCN needs both MODEL.backbone and MODEL.head configs")
        self.backbone = build_backbone(backbone)
        self.head = build_head(head)

    def forward_net(self, x: paddle.Tensor) -> paddle.Tensor:
        """(N, C, T, V, M) -> logits (N, num_classes)."""
        return self.head(self.backbone(x))

    def forward(self, data_batch: Sequence[paddle.Tensor],
                mode: str = "infer") -> Union[paddle.Tensor, Dict[str, paddle.Tensor]]:
        if mode not in MODES:
            raise ValueError(f"RecognizerGCN mode must be one of {list(MODES)}, got {mode!r}")
        if not isinstance(data_batch, (list, tuple)) or not data_batch:
            raise ValueError("RecognizerGCN expects data_batch = [x] or [x, labels]")
        scores = self.forward_net(data_batch[0])
        if mode in ("test", "infer"):
            return scores
        if len(data_batch) < 2:
            raise ValueError(f"mode {mode!r} needs labels: data_batch = [x, labels]")
        return self.head.loss(scores, data_batch[1], valid_mode=(mode == "valid"))
