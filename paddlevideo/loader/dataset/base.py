"""What every skeleton dataset shares: sample names, labels, repetition and the pipeline call."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List

import numpy as np

from ...utils.values import is_int

NO_LABEL = -1  # label of samples from a set without labels (inference-only data)


class SampleError(ValueError):
    """Reading or transforming one sample failed; the message names the sample and the reason."""


class SkeletonSetBase(ABC):
    """A map-style dataset of skeleton sequences passed through a pipeline.

    Subclasses fill ``self.names`` (one string per sample, in order) and ``self.labels``
    (0-based class ids, or ``NO_LABEL``) and implement ``_raw_sample(i)`` returning the
    sample as an array (C, T, V, M).

    ``dataset[idx]`` returns ``(data, label)``: float32 (C, T, V, M) after the pipeline and a
    numpy int64 scalar. ``len(dataset)`` is ``repeat`` times the number of samples; index
    ``idx`` reads sample ``idx % num_samples``, so one epoch sees every sample ``repeat`` times.
    """

    def __init__(self, pipeline: Callable[[Dict[str, Any]], Dict[str, Any]], test_mode: bool, repeat: int):
        if not callable(pipeline):
            raise ValueError(f"pipeline must be callable (built by build_pipeline), got {pipeline!r}")
        if not isinstance(test_mode, bool):
            raise ValueError(f"test_mode must be true or false, got {test_mode!r}")
        if not is_int(repeat, low=1):
            raise ValueError(f"repeat must be an integer >= 1, got {repeat!r}")
        if test_mode and repeat != 1:
            raise ValueError(f"repeat={repeat} with test_mode: a validation/test set is read exactly once")
        self.pipeline = pipeline
        self.test_mode = test_mode
        self.repeat = repeat
        self.names: List[str] = []
        self.labels: List[int] = []

    @property
    def num_samples(self) -> int:
        """Number of distinct samples (without repetition)."""
        return len(self.names)

    @abstractmethod
    def _raw_sample(self, i: int) -> np.ndarray:
        """Sample ``i`` (0 <= i < num_samples) before the pipeline, as an array (C, T, V, M)."""

    def __len__(self) -> int:
        return self.num_samples * self.repeat

    def __getitem__(self, idx: int):
        if not 0 <= idx < len(self):
            raise IndexError(f"index {idx} out of range for a dataset of length {len(self)}")
        i = idx % self.num_samples
        try:
            results = self.pipeline({"data": self._raw_sample(i), "label": self.labels[i]})
            return np.asarray(results["data"], dtype=np.float32), np.int64(results["label"])
        except Exception as err:
            reason = str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"
            raise SampleError(f"sample {idx} ('{self.names[i]}'): {reason}") from err
