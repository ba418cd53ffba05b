"""Models: skeleton graphs, backbones, heads and the frameworks joining them.

Importing this package registers every part in BACKBONES, HEADS and RECOGNIZERS.
"""
from . import backbones, framework, heads  # noqa: F401  (registration)
from .builder import build_backbone, build_head, build_model
from ..graphs import Graph, get_graph
from .registry import BACKBONES, HEADS, RECOGNIZERS

__all__ = ["BACKBONES", "HEADS", "RECOGNIZERS", "Graph", "build_backbone", "build_head",
           "build_model", "get_graph"]
