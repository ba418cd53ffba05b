"""YAML experiment configs: load, apply ``-o KEY=VALUE`` overrides, validate.

Validation is strict on purpose: an unknown key, a value of the wrong type or a
misspelled boolean ("Fasle") is a :class:`ConfigError` that names the key path and the
file. Sections that name a registered part (``name:``, ``format:``, ``framework:``, a
pipeline step) are checked against that part's constructor signature, so the
signature is the single place where a part's options and their types live.
"""
from __future__ import annotations

import collections.abc
import inspect
import os
import typing
from typing import Any, Dict, Iterable, List, Optional

import yaml

__all__ = ["AttrDict", "ConfigError", "get_config", "parse_config", "override_config",
           "validate_config", "print_config"]


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file and the key path."""


class AttrDict(dict):
    """A dict whose keys are also attributes (``cfg.MODEL.backbone.name``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


def _to_attrdict(obj: Any) -> Any:
    if isinstance(obj, dict):
        return AttrDict({k: _to_attrdict(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [_to_attrdict(v) for v in obj]
    return obj


def parse_config(path: str) -> AttrDict:
    """Read a YAML file into an AttrDict; a missing or unparsable file is a ConfigError."""
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: {path}")
    with open(path, encoding="utf-8") as f:
        try:
            raw = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(raw).__name__}")
    return _to_attrdict(raw)


def override_config(cfg: AttrDict, overrides: Optional[Iterable[str]]) -> AttrDict:
    """Apply ``KEY.SUB=VALUE`` strings in place; VALUE is parsed as YAML (``8``, ``False``, ``[1, 2]``).

    A list element is addressed by its index (``PIPELINE.train.sample.1``).
    """
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"override '{item}' is not of the form KEY=VALUE")
        key, text = item.split("=", 1)
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        node: Any = cfg
        parts = key.strip().split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(f"override '{item}': '{part}' is not an index of the list at "
                                      f"'{'.'.join(parts[:i])}' (length {len(node)})")
                part = int(part)
            elif not isinstance(node, dict):
                raise ConfigError(f"override '{item}': '{'.'.join(parts[:i])}' is not a section")
            if last:
                node[part] = _to_attrdict(value)
            else:
                if isinstance(node, dict) and part not in node:
                    node[part] = AttrDict()
                node = node[part]
    return cfg


# ----------------------------------------------------------------------------- types

def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is not None:
        args = typing.get_args(tp)
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]" if args else origin.__name__
    return getattr(tp, "__name__", str(tp))


def _matches(value: Any, tp: Any) -> bool:
    """True when a YAML value fits the annotation ``tp`` (bool is never an int here)."""
    if tp is Any or tp is inspect.Parameter.empty:
        return True
    if tp is type(None):
        return value is None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        return any(_matches(value, a) for a in args)
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin in (list, tuple, collections.abc.Sequence) or tp in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        if args and args[0] is not Ellipsis and not (origin is tuple and len(args) > 1 and args[1] is not Ellipsis):
            return all(_matches(v, args[0]) for v in value)
        return True
    if origin is dict or tp is dict:
        return isinstance(value, dict)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def _signature_params(obj: Any) -> Dict[str, inspect.Parameter]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    params = dict(inspect.signature(target).parameters)
    params.pop("self", None)
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # unresolved forward references: fall back to raw annotations
        hints = {}
    for name, p in params.items():
        if name in hints:
            params[name] = p.replace(annotation=hints[name])
    return params


def check_kwargs(obj: Any, kwargs: Dict[str, Any], where: str, injected: Iterable[str] = ()) -> None:
    """Check config ``kwargs`` for a registered ``obj`` against its signature.

    ``injected`` names arguments the framework passes itself (e.g. a dataset's pipeline);
    a config may not set them.
    """
    params = _signature_params(obj)
    takes_var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    allowed = {n: p for n, p in params.items()
               if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and n not in injected}
    for key, value in kwargs.items():
        if key not in allowed:
            if takes_var_kw:
                continue
            raise ConfigError(f"{where}: unknown key '{key}'; {getattr(obj, '__name__', obj)} accepts: "
                              f"{', '.join(sorted(allowed)) or '(no options)'}")
        ann = allowed[key].annotation
        if not _matches(value, ann):
            hint = " (YAML booleans are true/false)" if ann is bool else ""
            raise ConfigError(f"{where}.{key}: expected {_type_name(ann)}{hint}, got {value!r}")
    missing = [n for n, p in allowed.items() if p.default is p.empty and n not in kwargs]
    if missing:
        raise ConfigError(f"{where}: missing required key(s) {', '.join(missing)} "
                          f"for {getattr(obj, '__name__', obj)}")


# ----------------------------------------------------------------------------- schema

# Top-level keys: key -> (type, required)
_TOP_LEVEL: Dict[str, tuple] = {
    "MODEL": (dict, True),
    "DATASET": (dict, False),
    "PIPELINE": (dict, False),
    "OPTIMIZER": (dict, False),
    "METRIC": (dict, False),
    "INFERENCE": (dict, False),
    "DISTILL": (dict, False),
    "model_name": (str, True),
    "epochs": (int, False),
    "log_interval": (int, False),
    "save_interval": (int, False),
    "val_interval": (int, False),
    "output_dir": (str, False),
    "log_level": (str, False),
    "fast_cpu": (bool, False),  # training: MKL's AVX2 kernels on AMD CPUs, fast operator forms (default true)
}
_DATASET_KEYS = {"batch_size": int, "num_workers": int, "test_batch_size": int,
                 "test_num_workers": int, "valid_batch_size": int, "train": dict, "valid": dict,
                 "test": dict}
_OPTIMIZER_KEYS = {"name": str, "momentum": float, "learning_rate": (float, dict),
                   "weight_decay": (float, dict), "use_nesterov": bool, "grad_clip": (float, dict)}
_INFERENCE_KEYS = {"name": str, "window_size": int, "p_interval": list, "num_channels": int,
                   "vertex_nums": int, "person_nums": int, "dataset": str, "modality": str,
                   "graph": str, "class_names": (list, str)}


def _check_plain(section: Dict[str, Any], schema: Dict[str, Any], where: str) -> None:
    for key, value in section.items():
        if key not in schema:
            raise ConfigError(f"{where}: unknown key '{key}'; expected one of: {', '.join(sorted(schema))}")
        tps = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
        if not any(_matches(value, t) for t in tps):
            raise ConfigError(f"{where}.{key}: expected {' or '.join(_type_name(t) for t in tps)}, "
                              f"got {value!r}")


def _check_named(section: Any, registry: Any, where: str, key: str = "name",
                 injected: Iterable[str] = ()) -> None:
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping with a '{key}' key, got {section!r}")
    if key not in section:
        raise ConfigError(f"{where}: missing '{key}' (one of: {', '.join(registry.names())})")
    name = section[key]
    if name not in registry:
        raise ConfigError(f"{where}.{key}: unknown {registry.kind} '{name}'; registered "
                          f"{registry.kind}s: {', '.join(registry.names())}")
    kwargs = {k: v for k, v in section.items() if k != key}
    check_kwargs(registry.get(name), kwargs, where, injected)


def _check_pipeline(section: Any, registry: Any, where: str) -> None:
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: expected a mapping with 'sample' and/or 'transform' lists")
    for part, steps in section.items():
        if part not in ("sample", "transform"):
            raise ConfigError(f"{where}: unknown key '{part}'; expected 'sample' or 'transform'")
        if not isinstance(steps, list):
            raise ConfigError(f"{where}.{part}: expected a list of '- Name: {{options}}' steps")
        for i, step in enumerate(steps):
            loc = f"{where}.{part}[{i}]"
            if not isinstance(step, dict) or len(step) != 1:
                raise ConfigError(f"{loc}: expected a single '- Name: {{options}}' entry, got {step!r}")
            (name, kwargs), = step.items()
            if name not in registry:
                raise ConfigError(f"{loc}: unknown pipeline '{name}'; registered pipelines: "
                                  f"{', '.join(registry.names())}")
            if kwargs is not None and not isinstance(kwargs, dict):
                raise ConfigError(f"{loc}.{name}: expected a mapping of options, got {kwargs!r}")
            check_kwargs(registry.get(name), kwargs or {}, f"{loc}.{name}")


def _check_class_names(cfg: Dict[str, Any]) -> None:
    """``INFERENCE.class_names`` (a list, or a file with one name per line) has one name per class."""
    given = cfg["INFERENCE"].get("class_names")
    if given is None:
        return
    if isinstance(given, str):
        if not os.path.isfile(given):
            raise ConfigError(f"INFERENCE.class_names: file not found: {given} (expected a text file with one "
                              "class name per line, or a list of names)")
        with open(given, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip()]
        where = f"INFERENCE.class_names ({given})"
    else:
        names = given
        where = "INFERENCE.class_names"
        if not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{where}: expected a list of strings, got {names!r}")
    num_classes = ((cfg.get("MODEL") or {}).get("head") or {}).get("num_classes")
    if isinstance(num_classes, int) and len(names) != num_classes:
        raise ConfigError(f"{where}: {len(names)} names for MODEL.head.num_classes {num_classes}; "
                          "expected one name per class, in label order")


def validate_config(cfg: Dict[str, Any], path: str = "<config>") -> None:
    """Raise ConfigError naming ``path`` and the key when ``cfg`` cannot be used."""
    from ..loader.registry import DATASETS, PIPELINES
    from ..metrics.registry import METRICS
    from ..modeling.registry import BACKBONES, HEADS, RECOGNIZERS
    from ..solver.registry import LRS
    import paddlevideo.loader  # noqa: F401  (registers datasets and pipelines)
    import paddlevideo.metrics  # noqa: F401
    import paddlevideo.modeling  # noqa: F401
    import paddlevideo.solver  # noqa: F401

    try:
        for key, value in cfg.items():
            if key not in _TOP_LEVEL:
                raise ConfigError(f"unknown top-level key '{key}'; expected one of: "
                                  f"{', '.join(sorted(_TOP_LEVEL))}")
            if not _matches(value, _TOP_LEVEL[key][0]):
                raise ConfigError(f"{key}: expected {_type_name(_TOP_LEVEL[key][0])}, got {value!r}")
        for key, (_, required) in _TOP_LEVEL.items():
            if required and key not in cfg:
                raise ConfigError(f"missing required top-level key '{key}'")

        model = cfg["MODEL"]
        _check_plain(model, {"framework": str, "backbone": dict, "head": dict}, "MODEL")
        for part in ("framework", "backbone", "head"):
            if part not in model:
                raise ConfigError(f"MODEL: missing '{part}'")
        if model["framework"] not in RECOGNIZERS:
            raise ConfigError(f"MODEL.framework: unknown framework '{model['framework']}'; registered "
                              f"frameworks: {', '.join(RECOGNIZERS.names())}")
        _check_named(model["backbone"], BACKBONES, "MODEL.backbone")
        _check_named(model["head"], HEADS, "MODEL.head")

        dataset = cfg.get("DATASET", {})
        _check_plain(dataset, _DATASET_KEYS, "DATASET")
        for mode in ("train", "valid", "test"):
            if mode in dataset:
                _check_named(dataset[mode], DATASETS, f"DATASET.{mode}", key="format",
                             injected=("pipeline",))

        pipeline = cfg.get("PIPELINE", {})
        for mode, section in pipeline.items():
            if mode not in ("train", "valid", "test"):
                raise ConfigError(f"PIPELINE: unknown key '{mode}'; expected train, valid or test")
            _check_pipeline(section, PIPELINES, f"PIPELINE.{mode}")

        opt = cfg.get("OPTIMIZER")
        if opt is not None:
            _check_plain(opt, _OPTIMIZER_KEYS, "OPTIMIZER")
            if opt.get("name", "Momentum") not in ("Momentum", "SGD", "Adam", "AdamW"):
                raise ConfigError(f"OPTIMIZER.name: unknown optimizer '{opt.get('name')}'; "
                                  "expected Momentum, SGD, Adam or AdamW")
            lr = opt.get("learning_rate")
            if isinstance(lr, dict):
                _check_named(lr, LRS, "OPTIMIZER.learning_rate",
                             injected=("num_iters", "last_epoch", "verbose"))
            wd = opt.get("weight_decay")
            if isinstance(wd, dict):
                _check_plain(wd, {"name": str, "value": float}, "OPTIMIZER.weight_decay")
                if wd.get("name", "L2") not in ("L2", "L1"):
                    raise ConfigError(f"OPTIMIZER.weight_decay.name: expected L2 or L1, got {wd['name']!r}")

        if "METRIC" in cfg:
            _check_named(cfg["METRIC"], METRICS, "METRIC",
                         injected=("data_size", "batch_size", "output_dir", "class_names"))
        if "INFERENCE" in cfg:
            _check_plain(cfg["INFERENCE"], _INFERENCE_KEYS, "INFERENCE")
            _check_class_names(cfg)
        if "DISTILL" in cfg:
            from ..tasks.distill import DistillOptions
            check_kwargs(DistillOptions, cfg["DISTILL"], "DISTILL")
            try:
                DistillOptions(**cfg["DISTILL"])
            except ValueError as e:  # out-of-range values; the message names the key
                raise ConfigError(str(e)) from None
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def print_config(cfg: Dict[str, Any], indent: int = 0, log=print) -> None:
    for key, value in cfg.items():
        if isinstance(value, dict):
            log(" " * indent + f"{key}:")
            print_config(value, indent + 4, log)
        else:
            log(" " * indent + f"{key}: {value}")


def get_config(fname: str, overrides: Optional[List[str]] = None, show: bool = True) -> AttrDict:
    """Load ``fname``, apply ``overrides`` (``["DATASET.batch_size=8", ...]``), validate, return it."""
    cfg = parse_config(fname)
    try:
        override_config(cfg, overrides)
    except ConfigError as e:
        raise ConfigError(f"{fname}: {e}") from None
    validate_config(cfg, fname)
    if show:
        from .logger import get_logger
        print_config(cfg, log=get_logger("paddlevideo").info)
    return cfg
