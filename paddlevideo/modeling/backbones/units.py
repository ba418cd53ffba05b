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

import contextlib
import math
from typing import Iterator, Optional, Sequence

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F


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
    """``nn.Conv2D`` (same parameters, same checkpoint keys) whose dynamic-graph forward adds
    the bias as a (C, 1, 1) tensor.

    ``nn.Conv2D`` adds a (1, C, 1, 1) bias, which Paddle's CPU dynamic-graph kernels broadcast
    through a generic per-element index path, forward and backward (slower than a 1x1
    convolution itself); a (C, 1, 1) bias takes the per-channel fast path, with the same
    values bit for bit. In a static graph (export) the layer keeps ``nn.Conv2D``'s form, which
    Paddle Inference fuses with the bias, a following batch norm and ReLU.
    ``reference_ops = True`` always uses ``nn.Conv2D``'s forward (see ``use_reference_ops``).
    """

    reference_ops = False

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        if self.reference_ops:
            return super().forward(x)
        return self.conv(x, self.weight, self.bias)

    def conv(self, x: paddle.Tensor, weight: paddle.Tensor, bias: Optional[paddle.Tensor]) -> paddle.Tensor:
        """This layer's convolution (stride, padding, dilation) with ``weight`` and ``bias`` in place of its own."""
        if not paddle.in_dynamic_mode():
            return F.conv2d(x, weight, bias, self._stride, self._padding, self._dilation, self._groups)
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
    """(N, C, T, V) -> (N, C, 1, V) mean over frames.

    In the dynamic graph as a sum and a scale (its backward is about twice as fast as
    ``mean``'s on the CPU); in a static graph as one ``mean`` (fewer operators to run).
    """
    if not paddle.in_dynamic_mode():
        return x.mean(axis=2, keepdim=True)
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
    of two joint embeddings (averaged over time), scaled by the learned scalar ``alpha``.
    """

    reference_ops = False

    def __init__(self, in_channels: int, out_channels: int, rel_channels: int):
        super().__init__()
        self.conv1 = Conv2D(in_channels, rel_channels, 1)  # embedding of the receiving joint
        self.conv2 = Conv2D(in_channels, rel_channels, 1)  # embedding of the sending joint
        self.conv3 = Conv2D(in_channels, out_channels, 1)  # features to aggregate
        self.conv4 = Conv2D(rel_channels, out_channels, 1)  # relation -> per-channel topology
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            init_conv(conv)

    def forward(self, x: paddle.Tensor, x_mean: Optional[paddle.Tensor], A: paddle.Tensor,
                alpha: paddle.Tensor, pair_map: Optional[paddle.Tensor]) -> paddle.Tensor:
        """x (N, C_in, T, V), its mean over time x_mean (N, C_in, 1, V) and ``pair_difference_map(V)``
        (the last two unused with reference_ops) -> (N, C_out, T, V)."""
        if self.reference_ops:
            return self._reference_forward(x, A, alpha)
        # the 1x1 convs commute with the mean over time: embed the mean, not every frame
        receiver = self.conv1(x_mean).squeeze(2)  # (N, R, V)
        sender = self.conv2(x_mean).squeeze(2)  # (N, R, V)
        R, V = receiver.shape[1], receiver.shape[2]
        pairs = paddle.concat([receiver, sender], axis=-1).flatten(0, 1)  # (N*R, 2V)
        relation = paddle.tanh(paddle.matmul(pairs, pair_map)).reshape([-1, R, V, V])  # receiver[u] - sender[v]
        # conv4(relation) * alpha, with alpha applied to conv4's (C_out, R) parameters instead of the output
        topology = self.conv4.conv(relation, self.conv4.weight * alpha, self.conv4.bias * alpha) + A  # (N, C_out, V, V)
        return aggregate(topology, self.conv3(x))

    def _reference_forward(self, x: paddle.Tensor, A: paddle.Tensor, alpha: paddle.Tensor) -> paddle.Tensor:
        receiver = self.conv1(x).mean(axis=2)  # (N, R, V)
        sender = self.conv2(x).mean(axis=2)
        relation = paddle.tanh(receiver.unsqueeze(-1) - sender.unsqueeze(-2))  # (N, R, V, V)
        topology = self.conv4(relation) * alpha + A  # (N, C_out, V, V)
        return paddle.matmul(self.conv3(x), topology, transpose_y=True)


class SpatialCTRGC(nn.Layer):
    """Sum of one CTR-GC per adjacency subset, BN, residual (``down``), ReLU.

    ``PA`` is the trainable adjacency (3, V, V) when ``adaptive``; otherwise the fixed
    adjacency is kept as the buffer ``A``. ``fuse_subsets = True`` (set by
    ``use_fused_subsets``) makes static graphs compute all subsets at once (``fused_forward``).
    """

    fuse_subsets = False

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

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        if self.fuse_subsets and not paddle.in_dynamic_mode() and not self.convs[0].reference_ops:
            return self.fused_forward(x)
        A = self.PA if self.adaptive else self.A
        x_mean = None if self.convs[0].reference_ops else time_mean(x)  # (N, C_in, 1, V)
        y = None
        for i, ctrgc in enumerate(self.convs):
            z = ctrgc(x, x_mean, A[i], self.alpha, self.pair_map)
            y = z if y is None else y + z
        return F.relu(self.bn(y) + self.down(x))

    def fused_forward(self, x: paddle.Tensor) -> paddle.Tensor:
        """``forward`` with the S adjacency subsets side by side: (N, C_in, T, V) -> (N, C_out, T, V).

        One convolution embeds the time mean for every subset's conv1 and conv2, one grouped
        convolution (S groups) applies every conv4, one convolution every conv3, one batched
        matrix product aggregates all N*S*C_out channels and a sum over subsets ends it; the
        parameters are the layers' own, concatenated in the graph (constant-folded by an
        exporter). For CTRGCN, ONNX Runtime then runs about 500 instead of about 1170 operators
        (half the convolution calls, under a third of the shape operators) and opens faster;
        run time stayed the same within this shared machine's noise (benchmarks/RESULTS.md,
        "ONNX Runtime speed"). Under Paddle Inference's oneDNN it was about 3x slower than
        ``forward``, so only the ONNX export (``paddlevideo/inference/export.py``) uses it.
        """
        convs = self.convs
        S, V = len(convs), self.pair_map.shape[0] // 2  # pair_map: (2V, V*V)
        R, C = convs[0].conv1.weight.shape[0], convs[0].conv3.weight.shape[0]

        def stacked(layers, name):
            return paddle.concat([getattr(layer, name) for layer in layers])

        embed = [c.conv1 for c in convs] + [c.conv2 for c in convs]
        x_mean = time_mean(x)  # (N, C_in, 1, V)
        embedded = F.conv2d(x_mean, stacked(embed, "weight"), stacked(embed, "bias"))  # (N, 2*S*R, 1, V)
        pairs = embedded.reshape([-1, 2, S * R, V]).transpose([0, 2, 1, 3]).reshape([-1, 2 * V])  # (N*S*R, 2V)
        relation = paddle.tanh(paddle.matmul(pairs, self.pair_map)).reshape([-1, S * R, V, V])
        conv4 = [c.conv4 for c in convs]
        topology = F.conv2d(relation, stacked(conv4, "weight") * self.alpha, stacked(conv4, "bias") * self.alpha,
                            groups=S)  # (N, S*C, V, V), subset-major
        A = self.PA if self.adaptive else self.A
        topology = topology.reshape([-1, S, C, V, V]) + A.unsqueeze(1)  # (N, S, C, V, V)
        conv3 = [c.conv3 for c in convs]
        features = F.conv2d(x, stacked(conv3, "weight"), stacked(conv3, "bias"))  # (N, S*C, T, V)
        frames = paddle.shape(x)[2]
        out = paddle.matmul(features.reshape([-1, frames, V]), topology.reshape([-1, V, V]),
                            transpose_y=True)  # (N*S*C, T, V)
        y = out.reshape([-1, S, C, frames, V]).sum(axis=1)  # (N, C, T, V)
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
    if isinstance(temporal_groups, bool) or not isinstance(temporal_groups, int) or temporal_groups < 0:
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


@contextlib.contextmanager
def use_fused_subsets(model: nn.Layer) -> Iterator[nn.Layer]:
    """Inside the ``with``, static graphs traced from ``model`` compute each spatial module's
    subsets at once (``SpatialCTRGC.fused_forward``); the dynamic graph is unchanged."""
    modules = [layer for layer in model.sublayers(include_self=True) if isinstance(layer, SpatialCTRGC)]
    for layer in modules:
        layer.fuse_subsets = True
    try:
        yield model
    finally:
        for layer in modules:
            layer.fuse_subsets = False


def use_reference_ops(model: nn.Layer, enabled: bool = True) -> None:
    """Make ``model``'s CTR-GCN layers compute operator for operator as upstream PaddleVideo does.

    The default formulation (fast bias adds, embeddings of the time-averaged input, alpha
    folded into conv4, 3-D aggregation) gives the same values within float32 rounding and
    trains several times faster on the CPU; the reference one is kept as the baseline of
    ``benchmarks/speed.py`` and of the equivalence tests. Parameters are untouched.
    """
    for layer in model.sublayers(include_self=True):
        if isinstance(layer, (Conv2D, CTRGC)):
            layer.reference_ops = enabled
