"""Datasets; importing this package registers them in DATASETS."""
from .skeleton import SkeletonDataset
from .ucla import UCLADataset

__all__ = ["SkeletonDataset", "UCLADataset"]
