"""Upstream PaddleVideo's operator formulation of the CTR-GCN layers: the test oracle and the speed baseline.

``paddlevideo/modeling/backbones/units.py`` computes CTR-GC in a cheaper order (embeddings of
the time mean, pairwise differences as one matrix product, alpha folded into conv4's
parameters, (C, 1, 1) bias adds). Inside ``with upstream_ops(model):`` the model's own layers
compute operator for operator as upstream does instead, with the same parameters:

    receiver, sender = mean_t conv1(x), mean_t conv2(x)                  # (N, R, V)
    topology = conv4(tanh(receiver[..., :, None] - sender[..., None, :])) * alpha + A
    out = conv3(x) @ topology^T                                          # 4-D matmul, (N, C, T, V)

and every convolution adds its bias as ``nn.Conv2D`` does. Equality tests compare the two
(tests/modeling/test_units.py, tests/tasks/test_fast_train.py); benchmarks/speed.py trains
with it as its "plain" baseline; benchmarks/ucla_report.py counts FLOPs on it (every
convolution is then called as a layer).
"""
from __future__ import annotations

import contextlib
import types
from typing import Iterator, List, Optional, Tuple

import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from paddlevideo.modeling.backbones.units import CTRGC, Conv2D, SpatialCTRGC


def upstream_ctrgc(layer: CTRGC, x: paddle.Tensor, x_mean: Optional[paddle.Tensor], A: paddle.Tensor,
                   alpha: paddle.Tensor, pair_map: Optional[paddle.Tensor] = None) -> paddle.Tensor:
    """``CTRGC.forward`` as upstream computes it (``x_mean`` and ``pair_map`` unused):
    (N, C_in, T, V) -> (N, C_out, T, V)."""
    receiver = layer.conv1(x).mean(axis=2)  # (N, R, V)
    sender = layer.conv2(x).mean(axis=2)
    relation = paddle.tanh(receiver.unsqueeze(-1) - sender.unsqueeze(-2))  # (N, R, V, V)
    topology = layer.conv4(relation) * alpha + A  # (N, C_out, V, V)
    return paddle.matmul(layer.conv3(x), topology, transpose_y=True)


def upstream_spatial(layer: SpatialCTRGC, x: paddle.Tensor) -> paddle.Tensor:
    """``SpatialCTRGC.forward`` as upstream computes it: one CTR-GC per subset on x, summed, BN, residual, ReLU."""
    A = layer.adjacency()
    y = None
    for i, ctrgc in enumerate(layer.convs):
        z = ctrgc(x, None, A[i], layer.alpha, None)
        y = z if y is None else y + z
    return F.relu(layer.bn(y) + layer.down(x))


@contextlib.contextmanager
def upstream_ops(model: nn.Layer) -> Iterator[nn.Layer]:
    """Inside the ``with``, ``model``'s CTR-GCN layers compute in upstream's formulation; restored on exit."""
    replaced: List[Tuple[nn.Layer, str]] = []
    try:
        for layer in model.sublayers(include_self=True):
            if isinstance(layer, Conv2D):
                layer.forward = types.MethodType(nn.Conv2D.forward, layer)
            elif isinstance(layer, CTRGC):
                layer.forward = types.MethodType(upstream_ctrgc, layer)
            elif isinstance(layer, SpatialCTRGC):
                layer.forward = types.MethodType(upstream_spatial, layer)
            else:
                continue
            replaced.append((layer, "forward"))
        yield model
    finally:
        for layer, name in replaced:
            del layer.__dict__[name]
