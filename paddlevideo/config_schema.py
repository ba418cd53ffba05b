"""Every key a config may hold: its type, default, allowed values, and what reads it.

``paddlevideo/config.py`` checks a loaded config against these tables and writes the defaults
into it once, so the code that reads a key (``reader`` below) indexes the config directly
(``cfg["DATASET"]["batch_size"]``) and never carries a default of its own. A key that is not
in a table is an error that lists the keys the table accepts.

Sections that name a registered part (``MODEL.backbone``, ``DATASET.train``, a pipeline step,
``OPTIMIZER.learning_rate``, ``METRIC``, ``DISTILL``) are not listed key by key: their keys
are the constructor arguments of the part they name (:class:`Built`), so the part's signature
is the one place its options, types and defaults live.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = ["Key", "Built", "REQUIRED", "OPTIONAL", "TOP_LEVEL", "INFERENCE_HELPERS", "DistillOptions"]


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Marker("REQUIRED")  # no default: the config must give the key
OPTIONAL = _Marker("OPTIONAL")  # no default: an absent key stays absent (its reader checks `in`)


@dataclass(frozen=True)
class Built:
    """A mapping whose keys are the constructor arguments of a registered part.

    ``registry``: the registry's name in ``paddlevideo/config.py`` (``BACKBONES``, ...), or
    ``DistillOptions`` for the one class of the DISTILL section. ``name_key``: the key naming
    the part (None: the section has a single class). ``injected``: arguments the framework
    passes itself, which a config may not set.
    """

    registry: str
    name_key: Optional[str] = "name"
    injected: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Key:
    """One config key.

    ``default``: a value, REQUIRED, OPTIONAL, or a function of the enclosing section (its
    earlier keys already filled in) giving the value. ``low``: smallest allowed number.
    ``choices``: allowed values. ``names_in``: the value must be registered in that registry.
    ``fields``: a mapping value's own keys. ``built``: a mapping value names a registered part.
    ``steps``: a list of ``- Name: {options}`` pipeline steps from that registry.
    ``only_with``: ``(sibling, values)``: the key is read only when the sibling key has one of
    these values; otherwise setting it is an error and no default is written.
    ``reader``: where the value is used (or how it is checked).
    """

    type: Any
    default: Any = REQUIRED
    reader: str = ""
    low: Optional[float] = None
    choices: Tuple[Any, ...] = ()
    names_in: Optional[str] = None
    fields: Optional[Dict[str, "Key"]] = None
    built: Optional[Built] = None
    steps: Optional[str] = None
    only_with: Optional[Tuple[str, Tuple[Any, ...]]] = None


MODEL: Dict[str, Key] = {
    "framework": Key(str, names_in="RECOGNIZERS", reader="modeling/builder.py build_model"),
    "backbone": Key(dict, built=Built("BACKBONES"), reader="modeling/builder.py build_model"),
    "head": Key(dict, built=Built("HEADS"), reader="modeling/builder.py build_model"),
}

_DATASET_PART = Built("DATASETS", name_key="format", injected=("pipeline",))
DATASET: Dict[str, Key] = {
    "batch_size": Key(int, 16, low=1, reader="tasks/train.py: training batch per process"),
    "num_workers": Key(int, 0, low=0, reader="tasks/train.py: training loader processes (0: main thread)"),
    "test_batch_size": Key(int, lambda ds: ds["batch_size"], low=1,
                           reader="tasks/test.py: --test batch (default batch_size)"),
    "test_num_workers": Key(int, 0, low=0, reader="tasks/train.py validation and tasks/test.py loaders"),
    "valid_batch_size": Key(int, lambda ds: ds["test_batch_size"], low=1,
                            reader="tasks/train.py: --validate batch (default test_batch_size)"),
    "train": Key(dict, OPTIONAL, built=_DATASET_PART, reader="tasks/train.py"),
    "valid": Key(dict, OPTIONAL, built=_DATASET_PART, reader="tasks/train.py --validate (else DATASET.test)"),
    "test": Key(dict, OPTIONAL, built=_DATASET_PART, reader="tasks/test.py; --validate without DATASET.valid"),
}

_STEPS: Dict[str, Key] = {
    "sample": Key(list, OPTIONAL, steps="PIPELINES", reader="loader/builder.py build_pipeline"),
    "transform": Key(list, OPTIONAL, steps="PIPELINES", reader="loader/builder.py build_pipeline"),
}
PIPELINE: Dict[str, Key] = {
    "train": Key(dict, OPTIONAL, fields=_STEPS, reader="tasks/train.py (DATASET.train)"),
    "valid": Key(dict, OPTIONAL, fields=_STEPS, reader="tasks/train.py --validate; inference inputs without test"),
    "test": Key(dict, OPTIONAL, fields=_STEPS, reader="tasks/test.py; inference/inputs.py prepares inputs so"),
}

OPTIMIZERS = ("Momentum", "SGD", "Adam", "AdamW")
_MOMENTUM = ("name", ("Momentum",))
_WEIGHT_DECAY: Dict[str, Key] = {
    "name": Key(str, "L2", choices=("L2", "L1"),
                reader="solver/optimizer.py: L2Decay or L1Decay (AdamW: L2, its decoupled decay)"),
    "value": Key(float, low=0, reader="solver/optimizer.py"),
}
_GRAD_CLIP: Dict[str, Key] = {
    "name": Key(str, "ClipGradByGlobalNorm", choices=("ClipGradByGlobalNorm",),
                reader="checked: the one clipping rule solver/optimizer.py applies (PaddleVideo's key)"),
    "value": Key(float, low=0, reader="solver/optimizer.py: the global gradient norm bound"),
}
OPTIMIZER: Dict[str, Key] = {
    "name": Key(str, "Momentum", choices=OPTIMIZERS, reader="solver/optimizer.py"),
    "momentum": Key(float, 0.9, low=0, only_with=_MOMENTUM, reader="solver/optimizer.py"),
    "use_nesterov": Key(bool, False, only_with=_MOMENTUM, reader="solver/optimizer.py"),
    "learning_rate": Key(Union[float, dict], 0.1, low=0,
                         built=Built("LRS", injected=("num_iters", "last_epoch", "verbose")),
                         reader="solver/optimizer.py build_lr: a constant, or a schedule from solver/lr.py"),
    "weight_decay": Key(Optional[Union[float, dict]], lambda opt: 0.01 if opt["name"] == "AdamW" else None, low=0,
                        fields=_WEIGHT_DECAY,
                        reader="solver/optimizer.py: a coefficient (L2) or {name, value}; AdamW default 0.01"),
    "grad_clip": Key(Optional[Union[float, dict]], None, low=0, fields=_GRAD_CLIP,
                     reader="solver/optimizer.py: a bound, or PaddleVideo's {name, value}"),
}

# Names of the predictor this repository has (tools/predict.py, paddlevideo/inference): its own,
# and the names PaddleVideo's configs give their skeleton helpers.
INFERENCE_HELPERS = ("SkeletonInference", "STGCN_Inference_helper", "CTRGCN_Inference_helper")
_DERIVED = "derived when absent, else checked against"
INFERENCE: Dict[str, Key] = {
    "name": Key(str, OPTIONAL, choices=INFERENCE_HELPERS,
                reader="checked: a skeleton predictor (tools/predict.py is the only one)"),
    "num_channels": Key(int, OPTIONAL, low=1, reader=f"inference/export.py input C; {_DERIVED} backbone in_channels"),
    "window_size": Key(int, OPTIONAL, low=1,
                       reader=f"inference/export.py input T; {_DERIVED} the window_size of PIPELINE.test"),
    "vertex_nums": Key(int, OPTIONAL, low=1, reader=f"inference/export.py input V; {_DERIVED} backbone num_point"),
    "person_nums": Key(int, OPTIONAL, low=1, reader=f"inference/export.py input M; {_DERIVED} backbone num_person"),
    "p_interval": Key(List[float], OPTIONAL, reader="checked: equals PIPELINE.test's SkeletonCropSample p_interval"),
    "modality": Key(str, OPTIONAL, reader="checked: the modality PIPELINE.test makes (joint_bone_motion: "
                                          "ConcatModalities [joint, bone, motion])"),
    "graph": Key(str, OPTIONAL, reader="checked: a known layout, the model's"),
    "dataset": Key(str, OPTIONAL, reader="loader/class_names.py (class names), inference/inputs.py (.skeleton files)"),
    "class_names": Key(Union[list, str], OPTIONAL,
                       reader="loader/class_names.py: a list, or a file with one name per line"),
}

GRAPH: Dict[str, Key] = {
    "layout": Key(str, reader="graphs.py get_graph; given to the backbone and every pipeline step with a graph"),
    "num_node": Key(int, OPTIONAL, low=1, reader="graphs.py get_graph (custom layout)"),
    "edges": Key(list, OPTIONAL, reader="graphs.py get_graph (custom layout): [child, parent] pairs"),
    "center": Key(int, OPTIONAL, low=0, reader="graphs.py get_graph"),
    "labeling_mode": Key(str, OPTIONAL, reader="graphs.py Graph (the backbone's adjacency)"),
    "joint_names": Key(List[str], OPTIONAL, reader="checked: one name per joint (documents a custom layout)"),
}

@dataclass(frozen=True)
class DistillOptions:
    """The ``DISTILL`` section of a config; a bad value raises ValueError naming its key.

    Paths are relative to the working directory, like the dataset paths of a config.
    """

    teacher_config: str
    teacher_weights: str
    temperature: float = 4.0
    weight: float = 0.5
    teacher_channels: Optional[List[int]] = None

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"DISTILL.temperature must be > 0, got {self.temperature!r}")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"DISTILL.weight must lie in [0, 1], got {self.weight!r}")
        ch = self.teacher_channels
        if ch is not None and (len(ch) != 2 or not 0 <= ch[0] < ch[1]):
            raise ValueError(f"DISTILL.teacher_channels must be [start, stop] with 0 <= start < stop, got {ch!r}")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TOP_LEVEL: Dict[str, Key] = {
    "model_name": Key(str, reader="tasks/train.py file names, tools/export_model.py save name"),
    "MODEL": Key(dict, fields=MODEL, reader="modeling/builder.py"),
    "DATASET": Key(dict, {}, fields=DATASET, reader="tasks/train.py, tasks/test.py"),
    "PIPELINE": Key(dict, {}, fields=PIPELINE, reader="loader/builder.py"),
    "OPTIMIZER": Key(dict, {}, fields=OPTIMIZER, reader="solver/optimizer.py"),
    "METRIC": Key(dict, {"name": "SkeletonMetric"},
                  built=Built("METRICS", injected=("data_size", "batch_size", "output_dir", "class_names")),
                  reader="tasks/test.py"),
    "INFERENCE": Key(dict, {}, fields=INFERENCE, reader="inference/, tools/export_model.py, tools/predict.py"),
    "GRAPH": Key(dict, OPTIONAL, fields=GRAPH, reader="config.py: written into every part that takes a graph"),
    "DISTILL": Key(dict, OPTIONAL, built=Built("DistillOptions", name_key=None), reader="tasks/distill.py"),
    "epochs": Key(int, 1, low=1, reader="tasks/train.py"),
    "log_interval": Key(int, 10, low=1, reader="tasks/train.py: a log line every N iterations"),
    "save_interval": Key(int, 10, low=1, reader="tasks/train.py: <model_name>_epoch_<N>.pdparams every N epochs"),
    "val_interval": Key(int, 1, low=1, reader="tasks/train.py: --validate every N epochs"),
    "output_dir": Key(str, lambda cfg: os.path.join("output", cfg["model_name"]),
                      reader="tasks/train.py, tasks/test.py, main.py --resume (default output/<model_name>)"),
    "log_level": Key(str, "INFO", choices=LOG_LEVELS,
                     reader="tasks/train.py, tasks/test.py: level of the paddlevideo logger"),
    "fast_cpu": Key(bool, True, reader="main.py (MKL kernels)"),
    "cpu_processes": Key(int, 0, low=0, reader="main.py: data-parallel processes for a CPU training "
                                               "(0: one per core; 1: a single process)"),
}
