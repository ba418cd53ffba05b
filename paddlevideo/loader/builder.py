"""Turn the DATASET and PIPELINE sections of a config into a dataset object.

A pipeline section has PaddleVideo's form: optional ``sample`` and ``transform`` lists whose
entries are single-key mappings, the key a registered pipeline name and the value its keyword
arguments (or nothing)::

    sample:
        - Iden:
        - SkeletonCropSample: {window_size: 64, p_interval: [0.5, 1]}
    transform:
        - RandomRotation: {argument: true}

The transforms run in that order (all of ``sample``, then all of ``transform``).

Datasets return ``(data, label)`` with ``data`` a float32 numpy array (C, T, V, M) and
``label`` a numpy int64 scalar, so ``paddle.io.DataLoader``'s default collation gives a
float32 (N, C, T, V, M) batch and an int64 (N,) label vector; no custom collate is needed.

Randomness: every random transform draws from numpy's global generator (``np.random``), so
``np.random.seed(seed)`` in the main process makes runs repeatable. With ``num_workers > 0``
paddle's DataLoader draws a base seed from that generator for each new epoch iterator and
re-seeds ``np.random`` in every worker from (base seed, worker id), so workers do not repeat
each other's augmentations and a seeded run stays repeatable.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional

from .registry import DATASETS, PIPELINES

Transform = Callable[[Dict[str, Any]], Dict[str, Any]]
PIPELINE_SECTIONS = ("sample", "transform")


class PipelineError(ValueError):
    """A pipeline step failed on a sample; the message names the step and the reason."""


class Compose:
    """Apply transforms in order to a results dict ``{'data': (C, T, V, M) array, 'label': int}``."""

    def __init__(self, transforms: List[Transform]):
        self.transforms = list(transforms)

    def __call__(self, results: Dict[str, Any]) -> Dict[str, Any]:
        for k, transform in enumerate(self.transforms):
            try:
                results = transform(results)
            except Exception as err:
                raise PipelineError(f"pipeline step {k + 1} ({type(transform).__name__}) failed: "
                                    f"{type(err).__name__}: {err}") from err
        return results

    def __repr__(self) -> str:
        inner = ", ".join(type(t).__name__ for t in self.transforms)
        return f"Compose([{inner}])"


def _build_transform(entry: Any, where: str) -> Transform:
    if not isinstance(entry, Mapping) or len(entry) != 1:
        raise ValueError(f"{where}: expected a single-key mapping such as "
                         f"'- SkeletonCropSample: {{window_size: 64, p_interval: [0.95]}}', got {entry!r}")
    (name, kwargs), = entry.items()
    cls = PIPELINES.get(name)
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise ValueError(f"{where}: the arguments of {name} must be a mapping of keyword arguments "
                         f"(or empty), got {kwargs!r}")
    try:
        return cls(**kwargs)
    except TypeError as err:  # unknown or missing keyword argument
        raise ValueError(f"{where}: {name}: {err}") from err


def build_pipeline(cfg: Optional[Mapping[str, Any]]) -> Compose:
    """Build a ``Compose`` from a pipeline section (``None`` gives the empty pipeline).

    Raises:
        RegistryError: an entry names no registered pipeline (the message lists them).
        ValueError: a malformed section, or arguments a pipeline does not accept.
    """
    if cfg is None:
        return Compose([])
    if not isinstance(cfg, Mapping):
        raise ValueError(f"a pipeline section must be a mapping with keys {PIPELINE_SECTIONS}, got {cfg!r}")
    unknown = sorted(set(cfg) - set(PIPELINE_SECTIONS))
    if unknown:
        raise ValueError(f"unknown pipeline section key(s) {unknown}; expected only {list(PIPELINE_SECTIONS)}")
    transforms: List[Transform] = []
    for section in PIPELINE_SECTIONS:
        entries = cfg.get(section) or []
        if not isinstance(entries, list):
            raise ValueError(f"pipeline '{section}' must be a list of '- Name: {{kwargs}}' entries, got {entries!r}")
        for k, entry in enumerate(entries):
            transforms.append(_build_transform(entry, f"pipeline {section}[{k}]"))
    return Compose(transforms)


def build_dataset(dataset_cfg: Mapping[str, Any], pipeline_cfg: Optional[Mapping[str, Any]]) -> Any:
    """Build the dataset named by ``dataset_cfg['format']`` with the pipeline of ``pipeline_cfg``.

    ``dataset_cfg`` holds ``format`` plus the dataset's constructor arguments, e.g.
    ``{'format': 'SkeletonDataset', 'file_path': '.../train_data.npy', 'label_path': '...'}``.
    """
    if not isinstance(dataset_cfg, Mapping):
        raise ValueError(f"a dataset section must be a mapping, got {dataset_cfg!r}")
    kwargs = dict(dataset_cfg)
    name = kwargs.pop("format", None)
    if name is None:
        raise ValueError(f"dataset section needs 'format: <dataset name>'; registered datasets: "
                         f"{', '.join(DATASETS.names())}")
    cls = DATASETS.get(name)
    if "pipeline" in kwargs:
        raise ValueError("the dataset section must not set 'pipeline'; it is built from the PIPELINE section")
    pipeline = build_pipeline(pipeline_cfg)
    try:
        return cls(pipeline=pipeline, **kwargs)
    except TypeError as err:  # unknown or missing keyword argument
        raise ValueError(f"dataset {name}: {err}") from err
