"""Export-time rewrites of the CTR-GCN layers: same parameters, same outputs, other operators.

The layers in ``paddlevideo/modeling/backbones/units.py`` have one formulation, chosen for
training on the CPU. A traced program runs faster in other forms, so the exporter traces the
model inside ``export_forms``, which rewrites two methods of the model's own layers for the
duration of the ``with`` (nothing is copied; the dynamic graph is restored afterwards):

- ``units.Conv2D.conv`` adds the bias inside the convolution operator (``nn.Conv2D``'s
  form), which Paddle Inference fuses with the bias, a following batch norm and ReLU.
  Measured on CTRGCN_light, NTU input, batch 1, one thread, oneDNN on (Paddle Inference's CPU
  default): 38 ms per call against 75 ms with the training form's separate (C, 1, 1) add.
- ``SpatialCTRGC.time_mean`` is one ``mean`` operator instead of the training form's sum and
  scale (three operators fewer per block in the program file; the same speed).
- with ``fuse_subsets`` (the ONNX route): ``SpatialCTRGC.forward`` computes all S adjacency
  subsets at once (``fused_spatial_forward``). For CTRGCN, ONNX Runtime then runs about 500
  instead of about 1170 operators and opens faster, at the same run time
  (benchmarks/RESULTS.md, "ONNX Runtime speed"); under Paddle Inference's oneDNN it was about
  3x slower, so the ``.json`` program keeps the per-subset form.
"""
from __future__ import annotations

import contextlib
import types
from typing import Iterator, List, Optional, Tuple

import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from ..modeling.backbones.units import Conv2D, SpatialCTRGC


def _conv_with_bias_inside(layer: Conv2D, x: paddle.Tensor, weight: paddle.Tensor,
                           bias: Optional[paddle.Tensor]) -> paddle.Tensor:
    """``Conv2D.conv`` in ``nn.Conv2D``'s form: the bias is an argument of the convolution."""
    return F.conv2d(x, weight, bias, layer._stride, layer._padding, layer._dilation, layer._groups)


def _one_mean_operator(x: paddle.Tensor) -> paddle.Tensor:
    """``SpatialCTRGC.time_mean`` as one operator: (N, C, T, V) -> (N, C, 1, V)."""
    return x.mean(axis=2, keepdim=True)


def fused_spatial_forward(layer: SpatialCTRGC, x: paddle.Tensor) -> paddle.Tensor:
    """``SpatialCTRGC.forward`` with the S adjacency subsets side by side: (N, C_in, T, V) -> (N, C_out, T, V).

    One convolution embeds the time mean for every subset's conv1 and conv2, one grouped
    convolution (S groups) applies every conv4, one convolution every conv3, one batched
    matrix product aggregates all N*S*C_out channels and a sum over subsets ends it. The
    parameters are the layer's own, concatenated in the graph (constant-folded by the ONNX
    optimiser).
    """
    convs = layer.convs
    S, V = len(convs), layer.pair_map.shape[0] // 2  # pair_map: (2V, V*V)
    R, C = convs[0].conv1.weight.shape[0], convs[0].conv3.weight.shape[0]

    def stacked(convs_: List[Conv2D], name: str) -> paddle.Tensor:
        return paddle.concat([getattr(conv, name) for conv in convs_])

    embed = [c.conv1 for c in convs] + [c.conv2 for c in convs]
    x_mean = layer.time_mean(x)  # (N, C_in, 1, V)
    embedded = F.conv2d(x_mean, stacked(embed, "weight"), stacked(embed, "bias"))  # (N, 2*S*R, 1, V)
    pairs = embedded.reshape([-1, 2, S * R, V]).transpose([0, 2, 1, 3]).reshape([-1, 2 * V])  # (N*S*R, 2V)
    relation = paddle.tanh(paddle.matmul(pairs, layer.pair_map)).reshape([-1, S * R, V, V])
    conv4 = [c.conv4 for c in convs]
    topology = F.conv2d(relation, stacked(conv4, "weight") * layer.alpha, stacked(conv4, "bias") * layer.alpha,
                        groups=S)  # (N, S*C, V, V), subset-major
    topology = topology.reshape([-1, S, C, V, V]) + layer.adjacency().unsqueeze(1)  # (N, S, C, V, V)
    conv3 = [c.conv3 for c in convs]
    features = F.conv2d(x, stacked(conv3, "weight"), stacked(conv3, "bias"))  # (N, S*C, T, V)
    frames = paddle.shape(x)[2]
    out = paddle.matmul(features.reshape([-1, frames, V]), topology.reshape([-1, V, V]),
                        transpose_y=True)  # (N*S*C, T, V)
    y = out.reshape([-1, S, C, frames, V]).sum(axis=1)  # (N, C, T, V)
    return F.relu(layer.bn(y) + layer.down(x))


@contextlib.contextmanager
def export_forms(model: nn.Layer, fuse_subsets: bool = False) -> Iterator[nn.Layer]:
    """Inside the ``with``, ``model``'s layers compute in the export forms described above
    (``fuse_subsets``: also the fused spatial modules of the ONNX route); restored on exit."""
    rewritten: List[Tuple[nn.Layer, str]] = []
    try:
        for layer in model.sublayers(include_self=True):
            if isinstance(layer, Conv2D):
                layer.conv = types.MethodType(_conv_with_bias_inside, layer)
                rewritten.append((layer, "conv"))
            elif isinstance(layer, SpatialCTRGC):
                layer.time_mean = _one_mean_operator
                rewritten.append((layer, "time_mean"))
                if fuse_subsets:
                    layer.forward = types.MethodType(fused_spatial_forward, layer)
                    rewritten.append((layer, "forward"))
        yield model
    finally:
        for layer, name in rewritten:
            del layer.__dict__[name]


def rewritten_layers(model: nn.Layer) -> List[str]:
    """Names of ``model``'s sublayers whose methods an ``export_forms`` rewrite currently replaces
    (empty outside the ``with``)."""
    ours = (_conv_with_bias_inside, _one_mean_operator, fused_spatial_forward)
    return [name for name, layer in model.named_sublayers(include_self=True)
            if any(getattr(value, "__func__", value) in ours for value in vars(layer).values())]
