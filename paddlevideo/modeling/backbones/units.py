"""Building blocks of CTR-GCN style backbones.

All layers take and return features shaped (N, C, T, V): batch (persons folded in),
channels, frames, joints. Sublayer attribute names (gcn1, tcn1, convs, down, branches,
residual, conv, bn, PA, alpha) are fixed: they form the checkpoint keys of PaddleVideo's
released CTR-GCN weights.

    TCN_GCN_unit:  x -> gcn1 (CTR-GC spatial module) -> tcn1 (multi-scale temporal) -+-> ReLU
                   x -> residual (identity / 1x1 conv + BN / none) -------------------+
    TCN_unit:      the same without gcn1.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from ...utils.values import is_int


def init_conv(conv: nn.Conv2D) -> None:
    """He-normal weights scaled by fan-out (out_channels * kernel area), zero bias."""
    fan_out = conv.weight.shape[0] * int(np.prod(conv.weight.shape[2:]))
    nn.initializer.Normal(mean=0.0, std=math.sqrt(2.0 / fan_out))(conv.weight)
    if conv.bias is not None:
        nn.initializer.Constant(0.0)(conv.bias)


def init_bn(bn: nn.Layer, scale: float = 1.0, jitter: float = 0.0) -> None:
    """BN scale = ``scale`` (plus N(0, jitter) noise when jitter > 0), shift = 0."""
    if jitter > 0:
        nn.initializer.Normal(mean=scale, std=jitter)(bn.weight)
    else:
        nn.initializer.Constant(scale)(bn.weight)
    nn.initializer.Constant(0.0)(bn.bias)


class Conv2D(nn.Conv2D):
    """``nn.Conv2D`` (same parameters, same checkpoint keys) that adds its bias as a (C, 1, 1) tensor.

    Same values bit for bit as ``nn.Conv2D``. Paddle's CPU kernels broadcast the (1, C, 1, 1)
    bias of ``nn.Conv2D`` through a generic per-element path, forward and backward, slower than
    a 1x1 convolution itself; a (C, 1, 1) bias takes the per-channel fast path. (An exported
    program is better off with ``nn.Conv2D``'s form, which Paddle Inference fuses with the
    bias, batch norm and ReLU: the exporter, ``paddlevideo/inference/export_forms.py``,
    rewrites it.)
    """

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return self.conv(x, self.weight, self.bias)

    def conv(self, x: paddle.Tensor, weight: paddle.Tensor, bias: Optional[paddle.Tensor]) -> paddle.Tensor:
        """This layer's convolution (stride, padding, dilation, groups) with ``weight`` and ``bias``
        in place of its own parameters."""
        y = F.conv2d(x, weight, None, self._stride, self._padding, self._dilation, self._groups)
        return y if bias is None else y + bias.reshape([-1, 1, 1])


def aggregate(topology: paddle.Tensor, features: paddle.Tensor) -> paddle.Tensor:
    """Per-channel graph aggregation: out[n, c, t, u] = sum_v topology[n, c, u, v] * features[n, c, t, v].

    Computed as one batch of N*C (T x V) @ (V x V) products. Paddle Inference's oneDNN
    kernel for the equivalent 4-D matmul miscomputes it when ``features`` comes straight
    from a convolution (max logit error ~3 on CTRGCN); the 3-D form is computed correctly.

    Args:
        topology: (N, C, V, V) refined adjacency, row u = receiving joint.
        features: (N, C, T, V).
    Returns:
        (N, C, T, V).
    """
    out = paddle.matmul(features.flatten(0, 1), topology.flatten(0, 1), transpose_y=True)  # (N*C, T, V)
    return out.reshape(paddle.shape(features))


def time_mean(x: paddle.Tensor) -> paddle.Tensor:
    """(N, C, T, V) -> (N, C, 1, V) mean over frames, as a sum and a scale: on the CPU, forward +
    backward take about a third of ``mean``'s time (15 vs 41 ms at (32, 64, 64, 25))."""
    return x.sum(axis=2, keepdim=True) * (1.0 / x.shape[2])


_PAIR_MAPS: dict = {}


def shared_pair_map(num_joints: int) -> paddle.Tensor:
    """``pair_difference_map(num_joints)`` as one tensor per joint count, shared by all layers."""
    if num_joints not in _PAIR_MAPS:
        _PAIR_MAPS[num_joints] = paddle.to_tensor(pair_difference_map(num_joints))
    return _PAIR_MAPS[num_joints]


def pair_difference_map(num_joints: int) -> np.ndarray:
    """(2V, V*V) matrix P with [a, b] @ P = (a[u] - b[v]) over (u, v), for row vectors a, b of length V.

    Each output sums one +1 and one -1 product (the other terms are exact zeros), so the
    product equals the direct difference bit for bit, as one matrix product: several times
    faster than a two-sided broadcast subtraction on the CPU, forward and backward, and far
    faster under oneDNN.
    """
    V = num_joints
    pmap = np.zeros((2 * V, V * V), dtype=np.float32)
    u, v = np.meshgrid(np.arange(V), np.arange(V), indexing="ij")
    pmap[u.ravel(), (u * V + v).ravel()] = 1.0
    pmap[V + v.ravel(), (u * V + v).ravel()] = -1.0
    return pmap


class CTRGC(nn.Layer):
    """Channel-wise topology refinement graph convolution for one adjacency subset.

    A shared topology ``A`` (V, V) is refined per output channel by the pairwise differences
    of two joint embeddings (averaged over time), scaled by the learned scalar ``alpha``:

        topology = alpha * conv4(tanh(mean_t conv1(x)[u] - mean_t conv2(x)[v])) + A   # (N, C_out, V, V)
        out[n, c, t, u] = sum_v topology[n, c, u, v] * conv3(x)[n, c, t, v]

    Computed in an equivalent, cheaper order: the 1x1 convolutions commute with the mean over
    time, so conv1 and conv2 embed the time mean (``x_mean``) instead of every frame; the
    pairwise differences are one product with ``pair_difference_map(V)``; alpha scales
    conv4's parameters instead of its output.
    """

    def __init__(self, in_channels: int, out_channels: int, rel_channels: int):
        super().__init__()
        self.conv1 = Conv2D(in_channels, rel_channels, 1)  # embedding of the receiving joint
        self.conv2 = Conv2D(in_channels, rel_channels, 1)  # embedding of the sending joint
        self.conv3 = Conv2D(in_channels, out_channels, 1)  # features to aggregate
        self.conv4 = Conv2D(rel_channels, out_channels, 1)  # relation -> per-channel topology
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            init_conv(conv)

    def topology(self, x_mean: paddle.Tensor, A: paddle.Tensor, alpha: paddle.Tensor,
                 pair_map: paddle.Tensor) -> paddle.Tensor:
        """The refined topology (N, C_out, V, V), row u = receiving joint, from the input's mean
        over time ``x_mean`` (N, C_in, 1, V), the shared topology ``A`` (V, V), ``alpha`` (1,)
        and ``pair_difference_map(V)``."""
        receiver = self.conv1(x_mean).squeeze(2)  # (N, R, V)
        sender = self.conv2(x_mean).squeeze(2)  # (N, R, V)
        R, V = receiver.shape[1], receiver.shape[2]
        pairs = paddle.concat([receiver, sender], axis=-1).flatten(0, 1)  # (N*R, 2V)
        relation = paddle.tanh(paddle.matmul(pairs, pair_map)).reshape([-1, R, V, V])  # receiver[u] - sender[v]
        return self.conv4.conv(relation, self.conv4.weight * alpha, self.conv4.bias * alpha) + A

    def forward(self, x: paddle.Tensor, x_mean: paddle.Tensor, A: paddle.Tensor, alpha: paddle.Tensor,
                pair_map: paddle.Tensor) -> paddle.Tensor:
        """x (N, C_in, T, V) and its mean over time x_mean (N, C_in, 1, V) -> (N, C_out, T, V)."""
        return aggregate(self.topology(x_mean, A, alpha, pair_map), self.conv3(x))


class SpatialCTRGC(nn.Layer):
    """Sum of one CTR-GC per adjacency subset, BN, residual (``down``), ReLU: (N, C_in, T, V) -> (N, C_out, T, V).

    ``PA`` is the trainable adjacency (S, V, V) when ``adaptive``; otherwise the fixed
    adjacency is kept as the buffer ``A``.
    """

    def __init__(self, in_channels: int, out_channels: int, A: np.ndarray, adaptive: bool = True):
        super().__init__()
        rel_channels = 8 if in_channels <= 16 else in_channels // 8  # raw coordinates (C=2, 3, 9...) get 8
        self.adaptive = adaptive
        self.convs = nn.LayerList([CTRGC(in_channels, out_channels, rel_channels) for _ in range(A.shape[0])])
        if in_channels != out_channels:
            self.down = nn.Sequential(Conv2D(in_channels, out_channels, 1), nn.BatchNorm2D(out_channels))
            init_conv(self.down[0])
        else:
            self.down = nn.Identity()
        A = np.asarray(A, dtype=np.float32)
        if adaptive:
            self.PA = self.create_parameter(shape=list(A.shape), dtype="float32",
                                            default_initializer=nn.initializer.Assign(A))
        else:
            self.register_buffer("A", paddle.to_tensor(A), persistable=True)
        self.alpha = self.create_parameter(shape=[1], dtype="float32",
                                           default_initializer=nn.initializer.Constant(0.0))
        self.bn = nn.BatchNorm2D(out_channels)
        init_bn(self.bn, scale=1e-6)  # the block starts close to its residual path
        # a constant of the formulation, not a weight: kept out of the state dict, and one tensor
        # shared by every block of the same joint count, so an exported model stores it once
        self.register_buffer("pair_map", shared_pair_map(A.shape[-1]), persistable=False)

    time_mean = staticmethod(time_mean)  # a method, so that the exporter can trace it as one ``mean``

    def adjacency(self) -> paddle.Tensor:
        """The shared topology of every subset, (S, V, V): learned ``PA`` or fixed ``A``."""
        return self.PA if self.adaptive else self.A

    def refined_topologies(self, x: paddle.Tensor) -> paddle.Tensor:
        """The topologies the subsets refine for input x (N, C_in, T, V): (N, S, C_out, V, V)."""
        x_mean, A = self.time_mean(x), self.adjacency()
        return paddle.stack([ctrgc.topology(x_mean, A[i], self.alpha, self.pair_map)
                             for i, ctrgc in enumerate(self.convs)], axis=1)

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        x_mean, A = self.time_mean(x), self.adjacency()  # (N, C_in, 1, V), (S, V, V)
        y = None
        for i, ctrgc in enumerate(self.convs):
            z = ctrgc(x, x_mean, A[i], self.alpha, self.pair_map)
            y = z if y is None else y + z
        return F.relu(self.bn(y) + self.down(x))


class TemporalConv(nn.Layer):
    """(k x 1) convolution over time (optionally strided / dilated / grouped) followed by BN.

    ``groups`` splits the channels into independent groups (``in_channels`` for a depthwise
    convolution); the weight is then (out_channels, in_channels / groups, k, 1).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, dilation: int = 1,
                 groups: int = 1):
        super().__init__()
        pad = (kernel_size - 1) * dilation // 2  # keeps T when stride == 1
        self.conv = Conv2D(in_channels, out_channels, kernel_size=(kernel_size, 1), padding=(pad, 0),
                           stride=(stride, 1), dilation=(dilation, 1), groups=groups)
        self.bn = nn.BatchNorm2D(out_channels)
        init_conv(self.conv)

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return self.bn(self.conv(x))


def branch_groups(width: int, temporal_groups: int) -> int:
    """Groups of a ``width``-channel temporal convolution for the ``temporal_groups`` setting
    (0 = depthwise, i.e. ``width``); ValueError when it does not divide ``width``."""
    if not is_int(temporal_groups, low=0):
        raise ValueError(f"temporal_groups must be 0 (depthwise) or a positive integer, got {temporal_groups!r}")
    groups = temporal_groups or width
    if width % groups:
        raise ValueError(f"temporal_groups = {temporal_groups} does not divide the {width} channels of a "
                         "temporal branch")
    return groups


class MultiScaleTCN(nn.Layer):
    """Multi-scale temporal convolution: parallel branches concatenated on channels.

    One branch per dilation (1x1 conv, BN, ReLU, dilated temporal conv + BN), one max-pool
    branch (1x1 conv, BN, ReLU, 3x1 max-pool, BN) and one strided 1x1 branch (conv, BN).
    Each branch has ``width = out_channels / (len(dilations) + 2)`` channels.

    ``temporal_groups`` groups the dilated temporal convolutions only (the 1x1 convolutions
    still mix all channels): 1 = dense (weights (width, width, k, 1)), g > 1 = g groups
    (g must divide width), 0 = depthwise (groups = width, weights (width, 1, k, 1)).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 5, stride: int = 1,
                 dilations: Sequence[int] = (1, 2), temporal_groups: int = 1):
        super().__init__()
        num_branches = len(dilations) + 2
        if out_channels % num_branches:
            raise ValueError(f"multi-scale TCN: {out_channels} output channels do not split into "
                             f"{num_branches} equal branches")
        width = out_channels // num_branches
        groups = branch_groups(width, temporal_groups)

        def squeeze() -> list:  # 1x1 conv to the branch width
            return [Conv2D(in_channels, width, 1), nn.BatchNorm2D(width), nn.ReLU()]

        branches = [nn.Sequential(*squeeze(), TemporalConv(width, width, kernel_size, stride, d, groups))
                    for d in dilations]
        branches.append(nn.Sequential(*squeeze(), nn.MaxPool2D(kernel_size=(3, 1), stride=(stride, 1), padding=(1, 0)),
                                      nn.BatchNorm2D(width)))
        branches.append(nn.Sequential(Conv2D(in_channels, width, 1, stride=(stride, 1)), nn.BatchNorm2D(width)))
        self.branches = nn.LayerList(branches)
        for layer in self.sublayers():
            if isinstance(layer, nn.Conv2D):
                init_conv(layer)
            elif isinstance(layer, nn.BatchNorm2D):
                init_bn(layer, scale=1.0, jitter=0.02)

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return paddle.concat([branch(x) for branch in self.branches], axis=1)


def residual_path(in_channels: int, out_channels: int, stride: int, enabled: bool) -> Optional[nn.Layer]:
    """None (no residual), identity, or a strided 1x1 conv + BN when the shape changes."""
    if not enabled:
        return None
    if in_channels == out_channels and stride == 1:
        return nn.Identity()
    return TemporalConv(in_channels, out_channels, kernel_size=1, stride=stride)


def _add_residual(y: paddle.Tensor, x: paddle.Tensor, residual: Optional[nn.Layer]) -> paddle.Tensor:
    return F.relu(y if residual is None else y + residual(x))


class TCN_GCN_unit(nn.Layer):
    """CTR-GC spatial module, multi-scale temporal module and a residual: (N, C_in, T, V) -> (N, C_out, T/stride, V)."""

    def __init__(self, in_channels: int, out_channels: int, A: np.ndarray, stride: int = 1, residual: bool = True,
                 adaptive: bool = True, kernel_size: int = 5, dilations: Sequence[int] = (1, 2),
                 temporal_groups: int = 1):
        super().__init__()
        self.gcn1 = SpatialCTRGC(in_channels, out_channels, A, adaptive=adaptive)
        self.tcn1 = MultiScaleTCN(out_channels, out_channels, kernel_size, stride, dilations, temporal_groups)
        self.residual = residual_path(in_channels, out_channels, stride, residual)

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return _add_residual(self.tcn1(self.gcn1(x)), x, self.residual)


class TCN_unit(nn.Layer):
    """Multi-scale temporal module and a residual, no spatial mixing: (N, C_in, T, V) -> (N, C_out, T/stride, V)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, residual: bool = True,
                 kernel_size: int = 5, dilations: Sequence[int] = (1, 2), temporal_groups: int = 1):
        super().__init__()
        self.tcn1 = MultiScaleTCN(in_channels, out_channels, kernel_size, stride, dilations, temporal_groups)
        self.residual = residual_path(in_channels, out_channels, stride, residual)

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        return _add_residual(self.tcn1(x), x, self.residual)
