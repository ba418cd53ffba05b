"""Evaluation metrics."""
from .registry import METRICS
from .skeleton_metric import SkeletonMetric, confusion_matrix, topk_accuracy

__all__ = ["METRICS", "SkeletonMetric", "confusion_matrix", "topk_accuracy"]
