"""Build model parts from config dicts: ``{name: CTRGCN, num_point: 25, ...}``.

Configs may be plain dicts or attribute-dict subclasses of dict; only item access is used.
"""
from __future__ import annotations

import inspect
from typing import Any, Mapping

import paddle.nn as nn

from ..utils.registry import Registry
from .registry import BACKBONES, HEADS, RECOGNIZERS


def build(cfg: Mapping, registry: Registry, key: str = "name") -> Any:
    """Instantiate ``registry.get(cfg[key])`` with the other entries of ``cfg`` as keyword arguments."""
    if not isinstance(cfg, Mapping):
        raise ValueError(f"{registry.kind} config must be a mapping with a '{key}' entry, got {type(cfg).__name__}")
    kwargs = dict(cfg)
    name = kwargs.pop(key, None)
    if name is None:
        raise ValueError(f"{registry.kind} config has no '{key}' entry (keys: {sorted(cfg)})")
    cls = registry.get(name)
    accepted = inspect.signature(cls).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(f"{registry.kind} '{name}' got unknown option(s) {unknown}; accepted: {sorted(accepted)}")
    return cls(**kwargs)


def build_backbone(cfg: Mapping) -> nn.Layer:
    """Backbone from ``{name: ..., **kwargs}``."""
    return build(cfg, BACKBONES)


def build_head(cfg: Mapping) -> nn.Layer:
    """Head from ``{name: ..., **kwargs}``."""
    return build(cfg, HEADS)


def build_model(cfg: Mapping) -> nn.Layer:
    """Whole model from a MODEL config: ``{framework: RecognizerGCN, backbone: {...}, head: {...}}``."""
    return build(cfg, RECOGNIZERS, key="framework")
