"""Frameworks: a backbone and a head joined, with train / valid / test / infer steps."""
from .recognizer_gcn import RecognizerGCN

__all__ = ["RecognizerGCN"]
