"""A batch sampler whose order depends only on (seed, epoch, rank): resumable and repeatable."""
from __future__ import annotations

import math
from typing import Iterator, List

import numpy as np
from paddle.io import Sampler


class EpochBatchSampler(Sampler):
    """Yields index batches for one epoch; call ``set_epoch`` before iterating.

    With ``world_size > 1`` the permutation is padded (by wrapping) to a multiple of
    ``world_size`` and each rank takes every ``world_size``-th index, so all ranks run the
    same number of batches.
    """

    def __init__(self, num_samples: int, batch_size: int, shuffle: bool, drop_last: bool,
                 seed: int = 0, rank: int = 0, world_size: int = 1):
        if num_samples <= 0:
            raise ValueError("the dataset is empty")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _indices(self) -> List[int]:
        if self.shuffle:
            order = np.random.RandomState(self.seed * 100003 + self.epoch).permutation(self.num_samples)
        else:
            order = np.arange(self.num_samples)
        if self.world_size > 1:
            total = math.ceil(self.num_samples / self.world_size) * self.world_size
            order = np.resize(order, total)[self.rank::self.world_size]
        return order.tolist()

    def __iter__(self) -> Iterator[List[int]]:
        idx = self._indices()
        for start in range(0, len(idx), self.batch_size):
            batch = idx[start:start + self.batch_size]
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = math.ceil(self.num_samples / self.world_size)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
