"""Heads: backbone features -> class scores, plus the training loss."""
from .ctrgcn_head import CTRGCNHead

__all__ = ["CTRGCNHead"]
