"""CTRGCN_tiny: the CTRGCN_light block pattern at base width 32.

Same block list as CTRGCN_light (spatial CTR-GC module in blocks 1, 6 and 9; temporal
stride 2 in blocks 5 and 8), widths 32-64-128. With a 60-class head it has 212,116
trainable parameters (CTRGCN: 1,446,672) and about 8x fewer multiply-adds than CTRGCN at
the NTU input shape. The tiny configs feed it early-fused joint + bone + motion channels
(``ConcatModalities``, ``in_channels: 9``), which costs only the first block's input width.
Measured sizes, speed and accuracy: benchmarks/RESULTS.md.
"""
from __future__ import annotations

from typing import Optional

from ..registry import BACKBONES
from .ctrgcn import CTRGCN_LIGHT_BLOCKS, CTRGCN


@BACKBONES.register()
class CTRGCN_tiny(CTRGCN):
    """CTRGCN with ``CTRGCN_LIGHT_BLOCKS`` and base_channel 32; arguments as ``CTRGCN``
    (``temporal_groups: 0`` makes the temporal convolutions depthwise)."""

    default_blocks = CTRGCN_LIGHT_BLOCKS

    def __init__(self, num_point: int = 25, num_person: int = 2, base_channel: int = 32, graph: str = "ntu_rgb_d",
                 graph_args: Optional[dict] = None, in_channels: int = 3, adaptive: bool = True,
                 blocks: Optional[list] = None, temporal_groups: int = 1):
        super().__init__(num_point, num_person, base_channel, graph, graph_args, in_channels, adaptive, blocks,
                         temporal_groups)
