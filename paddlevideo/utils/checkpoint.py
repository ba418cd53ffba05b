"""Saving and loading state dicts; every write is atomic (temp file, then rename)."""
from __future__ import annotations

import os
from typing import Any, Dict

import paddle

from .fileio import atomic_write


def save(obj: Any, path: str) -> None:
    """``paddle.save`` to ``path`` through a temp file in the same folder, then ``os.replace``.

    A run killed mid-write leaves the previous file intact.
    """
    atomic_write(path, lambda tmp: paddle.save(obj, tmp))


def load(path: str) -> Dict[str, Any]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    return paddle.load(path)


def load_weights(model: paddle.nn.Layer, path: str, strict: bool = True) -> None:
    """Load a ``.pdparams`` state dict into ``model``.

    With ``strict`` a missing key, an unexpected key or a shape mismatch is an error naming
    the keys, instead of Paddle's warning-and-continue.
    """
    state = load(path)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    bad_shape = [f"{k}: checkpoint {list(state[k].shape)} vs model {list(own[k].shape)}"
                 for k in own if k in state and list(state[k].shape) != list(own[k].shape)]
    if strict and (missing or unexpected or bad_shape):
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
        if bad_shape:
            parts.append(f"{len(bad_shape)} with another shape (e.g. {'; '.join(bad_shape[:3])})")
        raise ValueError(f"{path} does not fit the model: " + ", ".join(parts))
    model.set_state_dict({k: v for k, v in state.items() if k in own})


def _param_names(model: paddle.nn.Layer) -> Dict[str, str]:
    """Paddle's generated parameter name (``conv2d_3.w_0``) -> structured key (``backbone.l1...``)."""
    return {p.name: k for k, p in model.named_parameters()}


def portable_optimizer_state(model: paddle.nn.Layer, optimizer) -> Dict[str, Any]:
    """The optimizer state keyed by structured parameter names.

    Paddle keys optimizer accumulators by generated names that depend on how many layers
    the process built before; these keys survive a new process or another build order.
    """
    by_name = _param_names(model)
    out: Dict[str, Any] = {}
    for key, value in optimizer.state_dict().items():
        owner = next((n for n in sorted(by_name, key=len, reverse=True) if key.startswith(n + "_")), None)
        out[f"@{by_name[owner]}@{key[len(owner):]}" if owner else key] = value
    return out


def load_portable_optimizer_state(model: paddle.nn.Layer, optimizer, state: Dict[str, Any]) -> None:
    """Inverse of :func:`portable_optimizer_state` for this process's parameter names."""
    to_name = {k: p.name for k, p in model.named_parameters()}
    restored: Dict[str, Any] = {}
    for key, value in state.items():
        if key.startswith("@"):
            structured, suffix = key[1:].split("@", 1)
            if structured not in to_name:
                raise ValueError(f"the checkpoint's optimizer state has parameter '{structured}', "
                                 "which the model does not have")
            key = to_name[structured] + suffix
        restored[key] = value
    optimizer.set_state_dict(restored)
