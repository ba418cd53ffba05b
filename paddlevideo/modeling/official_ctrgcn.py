"""State dicts of the official CTR-GCN (PyTorch, github.com/Uason-Chen/CTR-GCN, ``model.ctrgcn.Model``)
mapped onto this project's CTRGCN recognizer, and back.

The official model names its layers as this project's backbone does, without the prefix:
``l1.gcn1.convs.0.conv1.weight`` is ``backbone.l1.gcn1.convs.0.conv1.weight`` and the
classifier ``fc.*`` is ``head.fc.*``. Besides the names:

- BatchNorm statistics ``running_mean`` / ``running_var`` are Paddle's ``_mean`` / ``_variance``;
  ``num_batches_tracked`` (a training counter, unused in evaluation) has no counterpart.
- ``fc.weight`` is transposed: torch's Linear stores (out, in), Paddle's (in, out).
- The fixed adjacency of an ``adaptive: False`` model is a plain attribute of the official
  model, so not in its state dict; it comes from the config's graph (``...gcn1.A``).

The arithmetic is the same (checked against the official model's logits in
tests/tools/test_convert_weights.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional

import numpy as np

WRAPPERS = ("state_dict", "model", "weights")  # keys training scripts wrap a state dict in
DROPPED_SUFFIX = ".num_batches_tracked"
_BN_NAMES = ((".running_mean", "._mean"), (".running_var", "._variance"))
_FIXED_ADJACENCY = ".gcn1.A"  # buffer of adaptive=False models, absent from official checkpoints


class ConversionError(ValueError):
    """A checkpoint that does not fit the model; the message names the keys and shapes."""


def unwrap_state_dict(obj: Any) -> Dict[str, np.ndarray]:
    """The flat {name: array} state dict inside ``obj``: descends into ``state_dict`` /
    ``model`` / ``weights`` wrappers and strips DataParallel's ``module.`` prefixes."""
    while isinstance(obj, Mapping) and not _is_state_dict(obj):
        inner = [obj[k] for k in WRAPPERS if k in obj and isinstance(obj[k], Mapping)]
        if not inner:
            break
        obj = inner[0]
    if not isinstance(obj, Mapping) or not _is_state_dict(obj):
        kind = f"a dict with keys {sorted(map(str, obj))[:5]}" if isinstance(obj, Mapping) else type(obj).__name__
        raise ConversionError(f"not a state dict of tensors (found {kind}; also looked inside "
                              f"{', '.join(WRAPPERS)})")
    state: Dict[str, np.ndarray] = {}
    for key, value in obj.items():
        name = key[len("module."):] if key.startswith("module.") else key
        if name in state:
            raise ConversionError(f"the checkpoint holds {name!r} twice (with and without 'module.')")
        state[name] = value
    return state


def _is_state_dict(obj: Mapping) -> bool:
    return bool(obj) and all(isinstance(k, str) and isinstance(v, np.ndarray) for k, v in obj.items())


def paddle_name(official: str) -> Optional[str]:
    """This project's key for an official key (None for ``num_batches_tracked``)."""
    if official.endswith(DROPPED_SUFFIX):
        return None
    for torch_suffix, paddle_suffix in _BN_NAMES:
        if official.endswith(torch_suffix):
            official = official[:-len(torch_suffix)] + paddle_suffix
    return ("head." if official.startswith("fc.") else "backbone.") + official


def official_name(paddle_key: str) -> str:
    """The official key for one of this project's keys (inverse of ``paddle_name``)."""
    for torch_suffix, paddle_suffix in _BN_NAMES:
        if paddle_key.endswith(paddle_suffix):
            paddle_key = paddle_key[:-len(paddle_suffix)] + torch_suffix
    for prefix in ("backbone.", "head."):
        if paddle_key.startswith(prefix):
            return paddle_key[len(prefix):]
    raise ValueError(f"{paddle_key!r} is neither a backbone nor a head key")


def _is_classifier_weight(official: str) -> bool:
    return official == "fc.weight"


@dataclass(frozen=True)
class Layout:
    """What a CTR-GCN state dict was built for, read from its shapes (official names)."""

    num_classes: int
    num_point: int
    num_person: int
    in_channels: int
    evidence: str  # the shapes it was read from

    def __str__(self) -> str:
        return (f"{self.num_classes} classes, {self.num_point} joints, {self.num_person} person(s), "
                f"{self.in_channels} input channels ({self.evidence})")

    def same_model(self, other: "Layout") -> bool:
        return (self.num_classes, self.num_point, self.num_person, self.in_channels) == \
            (other.num_classes, other.num_point, other.num_person, other.in_channels)


def read_layout(shapes: Mapping[str, Iterable[int]]) -> Optional[Layout]:
    """Classes, joints, persons and input channels from official-named shapes (torch layout:
    ``fc.weight`` (K, C)); None when a key it needs is absent.

    ``data_bn`` normalises persons * joints * channels features; ``l1.gcn1.PA`` (or ``A``) is
    (subsets, V, V) and ``l1.gcn1.convs.0.conv3.weight`` (C_out, C_in, 1, 1).
    """
    adjacency = "l1.gcn1.PA" if "l1.gcn1.PA" in shapes else "l1.gcn1.A"
    needed = ("fc.weight", "data_bn.weight", adjacency, "l1.gcn1.convs.0.conv3.weight")
    if any(k not in shapes for k in needed):
        return None
    fc, bn, graph, conv3 = (list(shapes[k]) for k in needed)
    if [len(fc), len(bn), len(graph), len(conv3)] != [2, 1, 3, 4] or not graph[-1] * conv3[1]:
        return None  # not shaped like CTR-GCN's tensors: the per-tensor checks will say what is wrong
    num_point, in_channels = graph[-1], conv3[1]
    evidence = f"fc.weight {fc}, data_bn.weight {bn}, {adjacency} {graph}, l1.gcn1.convs.0.conv3.weight {conv3}"
    return Layout(fc[0], num_point, bn[0] // (num_point * in_channels), in_channels, evidence)


def from_official(official: Mapping[str, np.ndarray], model_state: Mapping[str, Any]) -> Dict[str, np.ndarray]:
    """Map an official CTR-GCN state dict onto a model's state dict.

    Args:
        official: {official name: array} (``unwrap_state_dict`` output).
        model_state: the target model's ``state_dict()`` (values with ``.shape``; Paddle layout).
    Returns:
        {model key: float32 array} filling every key of ``model_state`` exactly once.
    Raises:
        ConversionError: the checkpoint was built for other classes / joints / persons /
            channels than the model (one message naming both), is not a CTR-GCN checkpoint,
            or has missing, extra or differently shaped tensors (the message lists them).
    """
    want = {k: list(v.shape) for k, v in model_state.items()}
    mapped = {paddle_name(k): k for k in official if paddle_name(k) is not None}
    if not set(mapped) & set(want):
        raise ConversionError(f"not a CTR-GCN checkpoint: none of its {len(official)} tensors (e.g. "
                              f"{', '.join(list(official)[:3])}) has a CTR-GCN name such as l1.gcn1.PA or fc.weight")
    theirs = read_layout({k: v.shape for k, v in official.items()})
    ours = read_layout({official_name(k): to_official_shape(official_name(k), s) for k, s in want.items()})
    if theirs is not None and ours is not None and not theirs.same_model(ours):
        raise ConversionError(f"the checkpoint is for {theirs}, but the config's model has {ours}")

    out: Dict[str, np.ndarray] = {}
    missing: List[str] = []
    bad_shape: List[str] = []
    for key, shape in want.items():
        if key not in mapped:
            if key.endswith(_FIXED_ADJACENCY):
                out[key] = np.asarray(model_state[key], dtype=np.float32)  # from the config's graph
            else:
                missing.append(official_name(key))
            continue
        value = official[mapped[key]]
        if _is_classifier_weight(mapped[key]) and value.ndim == 2:
            value = value.T
        if list(value.shape) != shape:
            bad_shape.append(f"{mapped[key]} {list(official[mapped[key]].shape)} (model: {key} "
                             f"{to_official_shape(mapped[key], shape)})")
            continue
        out[key] = np.ascontiguousarray(value, dtype=np.float32)
    extra = [official_key for key, official_key in mapped.items() if key not in want]
    problems = []
    if missing:
        problems.append(f"{len(missing)} tensor(s) the model needs are missing: {', '.join(missing[:5])}")
    if extra:
        problems.append(f"{len(extra)} tensor(s) have no place in the model: {', '.join(extra[:5])}")
    if bad_shape:
        problems.append(f"{len(bad_shape)} tensor(s) have another shape: {'; '.join(bad_shape[:3])}")
    if problems:
        raise ConversionError("the checkpoint does not fit the model: " + "; ".join(problems))
    return out


def to_official_shape(official: str, shape: Iterable[int]) -> List[int]:
    """A Paddle-layout shape in torch layout (``fc.weight`` reversed)."""
    shape = list(shape)
    return shape[::-1] if _is_classifier_weight(official) else shape


def to_official(model_state: Mapping[str, Any]) -> Dict[str, np.ndarray]:
    """This project's CTRGCN state dict as the official model's (torch layout, official names,
    a zero ``num_batches_tracked`` per BatchNorm), loadable by ``Model.load_state_dict``.

    The fixed adjacency ``...gcn1.A`` of ``adaptive: False`` models is left out, as the
    official model does not store it.
    """
    out: Dict[str, np.ndarray] = {}
    for key, value in model_state.items():
        if key.endswith(_FIXED_ADJACENCY):
            continue
        name = official_name(key)
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        out[name] = np.ascontiguousarray(array.T if _is_classifier_weight(name) else array)
        if name.endswith(".running_var"):
            out[name[:-len(".running_var")] + DROPPED_SUFFIX] = np.zeros((), np.int64)
    return out
