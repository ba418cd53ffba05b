"""Datasets; importing this package registers them in DATASETS."""
from .skeleton import SkeletonDataset
from .ucla import UCLADataset
from ..keypoints import KeypointDataset  # 2-D keypoint files; format and reader in loader/keypoints.py

__all__ = ["KeypointDataset", "SkeletonDataset", "UCLADataset"]
