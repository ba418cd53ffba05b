"""Registries of model parts; configs refer to entries by name."""
from ..utils.registry import Registry

BACKBONES = Registry("backbone")
HEADS = Registry("head")
RECOGNIZERS = Registry("framework")
