"""Registries of data parts; configs refer to entries by name."""
from ..utils.registry import Registry

DATASETS = Registry("dataset")
PIPELINES = Registry("pipeline")
