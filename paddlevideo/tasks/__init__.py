"""Training and testing entry points used by main.py."""
from .test import test_model
from .train import evaluate, train_model

__all__ = ["evaluate", "test_model", "train_model"]
