"""Backbones: skeleton sequence (N, C, T, V, M) -> features (N, M, C', T', V)."""
from .ctrgcn import CTRGCN, CTRGCN_light
from .ctrgcn_tiny import CTRGCN_tiny
from .units import TCN_GCN_unit, TCN_unit

__all__ = ["CTRGCN", "CTRGCN_light", "CTRGCN_tiny", "TCN_GCN_unit", "TCN_unit"]
