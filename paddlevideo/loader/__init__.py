"""Data: datasets that read skeleton files and pipelines that transform each sample.

Importing this package registers every dataset in DATASETS and every pipeline in PIPELINES.
"""
from . import dataset, pipelines  # noqa: F401  (registration)
from .builder import Compose, build_dataset, build_pipeline
from .registry import DATASETS, PIPELINES

__all__ = ["DATASETS", "PIPELINES", "Compose", "build_dataset", "build_pipeline"]
