"""Learning-rate schedules, stepped once per iteration.

Each schedule is a function of the fractional epoch ``e = iteration / num_iters``; the
builder passes ``num_iters`` (iterations per epoch), so configs never need it.
"""
from __future__ import annotations

from typing import List

import numpy as np
from paddle.optimizer.lr import LRScheduler

from .registry import LRS


class _EpochScheduler(LRScheduler):
    """Base: ``last_epoch`` counts iterations; subclasses define ``lr_at(epoch: float)``."""

    def __init__(self, num_iters: int = 1, last_epoch: int = -1, verbose: bool = False):
        if num_iters < 1:
            raise ValueError(f"num_iters (iterations per epoch) must be >= 1, got {num_iters}")
        self.num_iters = num_iters
        super().__init__(learning_rate=self.lr_at(0.0), last_epoch=last_epoch, verbose=verbose)

    @property
    def epoch(self) -> float:
        return max(self.last_epoch, 0) / self.num_iters

    def get_lr(self) -> float:
        return float(self.lr_at(self.epoch))

    def lr_at(self, epoch: float) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


@LRS.register()
class CustomWarmupAdjustDecay(_EpochScheduler):
    """Linear warm-up, then a step decay at each boundary epoch.

    ``lr(e) = step_base_lr * min(1, (e + 1) / warmup_epochs)`` while ``e < warmup_epochs``
    (so integer epochs get the official CTR-GCN values base/5, 2base/5, ..., base and the
    ramp never overshoots), then ``step_base_lr * lr_decay_rate ** k`` with ``k`` the number
    of boundaries ``<= e``.
    """

    def __init__(self, step_base_lr: float, warmup_epochs: int, lr_decay_rate: float,
                 boundaries: List[int], num_iters: int = 1, last_epoch: int = -1,
                 verbose: bool = False):
        if step_base_lr <= 0:
            raise ValueError(f"step_base_lr must be > 0, got {step_base_lr}")
        if warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be >= 0, got {warmup_epochs}")
        if list(boundaries) != sorted(boundaries):
            raise ValueError(f"boundaries must be increasing, got {boundaries}")
        self.step_base_lr = float(step_base_lr)
        self.warmup_epochs = warmup_epochs
        self.lr_decay_rate = float(lr_decay_rate)
        self.boundaries = list(boundaries)
        super().__init__(num_iters=num_iters, last_epoch=last_epoch, verbose=verbose)

    def lr_at(self, epoch: float) -> float:
        if epoch < self.warmup_epochs:
            return self.step_base_lr * min(1.0, (epoch + 1) / self.warmup_epochs)
        drops = int(np.sum(epoch >= np.asarray(self.boundaries, dtype=float)))
        return self.step_base_lr * self.lr_decay_rate ** drops


@LRS.register()
class CosineWarmup(_EpochScheduler):
    """Linear warm-up from ``base_lr / (warmup_epochs + 1)`` to ``base_lr``, then cosine to 0 at ``max_epoch``."""

    def __init__(self, base_lr: float, max_epoch: int, warmup_epochs: int = 0,
                 num_iters: int = 1, last_epoch: int = -1, verbose: bool = False):
        if max_epoch <= warmup_epochs:
            raise ValueError(f"max_epoch ({max_epoch}) must exceed warmup_epochs ({warmup_epochs})")
        self.base_lr = float(base_lr)
        self.max_epoch = max_epoch
        self.warmup_epochs = warmup_epochs
        super().__init__(num_iters=num_iters, last_epoch=last_epoch, verbose=verbose)

    def lr_at(self, epoch: float) -> float:
        if epoch < self.warmup_epochs:
            return self.base_lr * min(1.0, (epoch + 1) / (self.warmup_epochs + 1))
        progress = min(1.0, (epoch - self.warmup_epochs) / (self.max_epoch - self.warmup_epochs))
        return self.base_lr * 0.5 * (1.0 + np.cos(np.pi * progress))
