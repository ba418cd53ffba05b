"""CTR-GCN backbone and its light variant, both built in a loop from a list of blocks.

Each block is ``[width, stride, spatial]``: output channels = ``base_channel * width``,
temporal stride, and whether the block has the CTR-GC spatial module (``TCN_GCN_unit``) or
only the multi-scale temporal module (``TCN_unit``). Blocks are named ``l1, l2, ...`` so a
10-block CTRGCN has the checkpoint keys of PaddleVideo's released weights
(``backbone.l1.gcn1.convs.0.conv1.weight``, ``backbone.l5.residual.conv.weight``, ...).
The first block has no residual connection.

Trainable parameters with a 60-class CTRGCNHead (measured, see tests/modeling/test_ctrgcn.py):
CTRGCN 1,446,672; CTRGCN_light 705,630.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import paddle
import paddle.nn as nn

from ...graphs import get_graph
from ...utils.values import is_int
from ..registry import BACKBONES
from .units import TCN_GCN_unit, TCN_unit, branch_groups, init_bn

Block = Tuple[int, int, bool]

# [width (x base_channel), temporal stride, has CTR-GC spatial module]
CTRGCN_BLOCKS: List[Block] = [
    (1, 1, True), (1, 1, True), (1, 1, True), (1, 1, True),
    (2, 2, True), (2, 1, True), (2, 1, True),
    (4, 2, True), (4, 1, True), (4, 1, True),
]
# Same widths and strides; only blocks 1, 6 and 9 mix joints.
CTRGCN_LIGHT_BLOCKS: List[Block] = [
    (1, 1, True), (1, 1, False), (1, 1, False), (1, 1, False),
    (2, 2, False), (2, 1, True), (2, 1, False),
    (4, 2, False), (4, 1, True), (4, 1, False),
]


def _positive_int(value, where: str) -> int:
    if not is_int(value, low=1):
        raise ValueError(f"{where} must be a positive integer, got {value!r}")
    return value


def parse_blocks(blocks: Sequence) -> List[Block]:
    """Check a block list (``[[width, stride, spatial], ...]``); errors name the entry."""
    if not isinstance(blocks, (list, tuple)) or not blocks:
        raise ValueError(f"backbone.blocks must be a non-empty list of [width, stride, spatial], got {blocks!r}")
    parsed = []
    for k, block in enumerate(blocks):
        where = f"backbone.blocks[{k}] = {block!r}"
        if not isinstance(block, (list, tuple)) or len(block) != 3:
            raise ValueError(f"{where}: expected [width (multiple of base_channel), temporal stride, spatial (bool)]")
        width, stride, spatial = block
        _positive_int(width, f"{where}: width")
        _positive_int(stride, f"{where}: stride")
        if not isinstance(spatial, bool):
            raise ValueError(f"{where}: spatial must be true or false, got {spatial!r}")
        parsed.append((width, stride, spatial))
    return parsed


@BACKBONES.register()
class CTRGCN(nn.Layer):
    """CTR-GCN (Chen et al., ICCV 2021): skeleton sequence -> per-person feature maps.

    Args:
        num_point: joints per person V (must match the graph).
        num_person: persons per sample M.
        base_channel: channels of the first blocks; block widths are multiples of it.
        graph: layout name for ``paddlevideo.graphs.get_graph``.
        graph_args: extra ``get_graph`` arguments (labeling_mode, edges, num_node, center).
        in_channels: coordinates per joint C (3 for x, y, z; 2 for 2-D keypoints).
        adaptive: learn the adjacency (``PA``) or keep it fixed (buffer ``A``).
        blocks: ``[[width, stride, spatial], ...]``; default: the ten CTR-GCN blocks.
        temporal_groups: groups of the dilated (5 x 1) temporal convolutions of every
            multi-scale TCN. 1 (default) = dense convolutions, PaddleVideo's parameters and keys;
            g > 1 = g groups (g must divide each branch's channels, base_channel * width / 4);
            0 = depthwise (one group per channel: weights (C, 1, 5, 1) instead of (C, C, 5, 1)).
            The 1x1 convolutions stay dense, so channels still mix in every block.

    Input (N, C, T, V, M); output (N, M, C_out, T_out, V) with C_out = base_channel * last
    width and T_out = T divided by the product of strides (rounded up).
    """

    default_blocks: List[Block] = CTRGCN_BLOCKS

    def __init__(self, num_point: int = 25, num_person: int = 2, base_channel: int = 64, graph: str = "ntu_rgb_d",
                 graph_args: Optional[dict] = None, in_channels: int = 3, adaptive: bool = True,
                 blocks: Optional[list] = None, temporal_groups: int = 1):
        super().__init__()
        for key, value in (("num_point", num_point), ("num_person", num_person),
                           ("base_channel", base_channel), ("in_channels", in_channels)):
            _positive_int(value, f"backbone.{key}")
        graph_args = dict(graph_args or {})
        self.graph = get_graph(graph, **graph_args)
        if self.graph.num_node != num_point:
            raise ValueError(f"backbone.num_point = {num_point} but graph {graph!r} has {self.graph.num_node} joints")
        blocks = parse_blocks(self.default_blocks if blocks is None else blocks)

        self.num_point = num_point
        self.num_person = num_person
        self.in_channels = in_channels
        self.data_bn = nn.BatchNorm1D(num_person * num_point * in_channels)
        init_bn(self.data_bn)

        self.block_names = []
        channels = in_channels
        for k, (width, stride, spatial) in enumerate(blocks):
            out_channels = base_channel * width
            if out_channels % 4:
                raise ValueError(f"backbone.blocks[{k}]: {out_channels} channels (base_channel * width) "
                                 "must be a multiple of 4 (four temporal branches)")
            residual = k > 0
            try:
                branch_groups(out_channels // 4, temporal_groups)
            except ValueError as err:
                raise ValueError(f"backbone.{err} (in blocks[{k}])") from None
            if spatial:
                unit = TCN_GCN_unit(channels, out_channels, self.graph.A, stride, residual, adaptive,
                                    temporal_groups=temporal_groups)
            else:
                unit = TCN_unit(channels, out_channels, stride, residual, temporal_groups=temporal_groups)
            name = f"l{k + 1}"
            self.add_sublayer(name, unit)
            self.block_names.append(name)
            channels = out_channels
        self.out_channels = channels

    def _check_input(self, x: paddle.Tensor) -> None:
        expected = {1: self.in_channels, 3: self.num_point, 4: self.num_person}
        shape = list(x.shape)
        bad = len(shape) != 5 or any(shape[axis] not in (want, -1) for axis, want in expected.items())
        if bad:
            raise ValueError(f"{type(self).__name__} expects input (N, C={self.in_channels}, T, V={self.num_point}, "
                             f"M={self.num_person}), got shape {shape}")

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        """(N, C, T, V, M) -> (N, M, C_out, T_out, V)."""
        self._check_input(x)
        C, V, M = self.in_channels, self.num_point, self.num_person
        # Normalise every (person, joint, coordinate) channel over time and batch.
        x = x.transpose([0, 4, 3, 1, 2])  # (N, M, V, C, T)
        x = self.data_bn(x.reshape([0, M * V * C, -1]))  # (N, M*V*C, T)
        x = x.reshape([0, M, V, C, -1]).transpose([0, 1, 3, 4, 2])  # (N, M, C, T, V)
        x = x.flatten(0, 1)  # (N*M, C, T, V)
        for name in self.block_names:
            x = getattr(self, name)(x)
        frames = paddle.shape(x)[2]  # a tensor, so exported models accept any T
        return x.reshape([-1, M, self.out_channels, frames, V])  # (N, M, C_out, T_out, V)


@BACKBONES.register()
class CTRGCN_light(CTRGCN):
    """CTR-GCN with the CTR-GC spatial module in blocks 1, 6 and 9 only (widths 60-120-240).

    Same arguments, input and output as ``CTRGCN``; the defaults differ (base_channel 60,
    ``CTRGCN_LIGHT_BLOCKS``).
    """

    default_blocks = CTRGCN_LIGHT_BLOCKS

    def __init__(self, num_point: int = 25, num_person: int = 2, base_channel: int = 60, graph: str = "ntu_rgb_d",
                 graph_args: Optional[dict] = None, in_channels: int = 3, adaptive: bool = True,
                 blocks: Optional[list] = None, temporal_groups: int = 1):
        super().__init__(num_point, num_person, base_channel, graph, graph_args, in_channels, adaptive, blocks,
                         temporal_groups)
