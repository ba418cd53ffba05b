"""Optimizers and learning-rate schedules."""
from . import lr  # noqa: F401  (registers schedules)
from .optimizer import build_lr, build_optimizer
from .registry import LRS

__all__ = ["build_lr", "build_optimizer", "LRS"]
