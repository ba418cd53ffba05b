"""YAML experiment configs: load, apply ``-o KEY=VALUE`` overrides, validate, fill in defaults.

Validation is strict on purpose: an unknown key, a value of the wrong type or out of range, or
a misspelled boolean ("Fasle") is a :class:`ConfigError` that names the key path and the file.
Plain keys are checked against ``paddlevideo/config_schema.py``, which also gives their
defaults; :func:`get_config` writes those into the config, so readers never need a default.
Sections that name a registered part (``name:``, ``format:``, ``framework:``, a pipeline step)
are checked against that part's constructor signature, so the signature is the single place
where a part's options, types and defaults live. Cross-key checks: one skeleton graph per
config (``GRAPH``), and ``INFERENCE`` derived from or agreeing with the model and its input
pipeline.
"""
from __future__ import annotations

import collections.abc
import copy
import inspect
import os
import typing
from typing import Any, Dict, Iterable, List, Optional

import yaml

from .config_schema import OPTIONAL, REQUIRED, TOP_LEVEL, Built, Key
from .utils.values import is_int, is_number

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
        return is_int(value)
    if tp is float:
        return is_number(value)
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

def _registry(name: str) -> Any:
    """A registry (or the DISTILL options class) named in ``config_schema``; imported on first use."""
    if name == "DistillOptions":
        from .config_schema import DistillOptions
        return DistillOptions
    import paddlevideo.loader  # noqa: F401  (registers datasets and pipelines)
    import paddlevideo.metrics  # noqa: F401
    import paddlevideo.modeling  # noqa: F401
    import paddlevideo.solver  # noqa: F401
    from .loader.registry import DATASETS, PIPELINES
    from .metrics.registry import METRICS
    from .modeling.registry import BACKBONES, HEADS, RECOGNIZERS
    from .solver.registry import LRS
    return {"DATASETS": DATASETS, "PIPELINES": PIPELINES, "METRICS": METRICS, "BACKBONES": BACKBONES,
            "HEADS": HEADS, "RECOGNIZERS": RECOGNIZERS, "LRS": LRS}[name]


def _apply_schema(section: Dict[str, Any], schema: Dict[str, Key], where: str) -> None:
    """Check ``section`` key by key against ``schema`` and write the defaults of absent keys."""
    prefix = f"{where}." if where else ""
    for key in section:
        if key not in schema:
            unknown = f"{where}: unknown key '{key}'" if where else f"unknown top-level key '{key}'"
            raise ConfigError(f"{unknown}; accepted keys: {', '.join(sorted(schema))}")
    for key, spec in schema.items():
        if spec.only_with is not None:
            sibling, values = spec.only_with
            if section.get(sibling) not in values:
                if key in section:
                    raise ConfigError(f"{prefix}{key}: read only when {prefix}{sibling} is "
                                      f"{' or '.join(values)}, not {section.get(sibling)!r}; remove it")
                continue
        if key not in section:
            if spec.default is REQUIRED:
                raise ConfigError(f"{where}: missing required key '{key}'" if where
                                  else f"missing required top-level key '{key}'")
            if spec.default is OPTIONAL:
                continue
            default = spec.default(section) if callable(spec.default) else copy.deepcopy(spec.default)
            section[key] = _to_attrdict(default)
        _check_value(section[key], spec, prefix + key)


def _check_value(value: Any, spec: Key, where: str) -> None:
    if not _matches(value, spec.type):
        hint = " (YAML booleans are true/false)" if spec.type is bool else ""
        raise ConfigError(f"{where}: expected {_type_name(spec.type)}{hint}, got {value!r}")
    if spec.choices and value not in spec.choices:
        raise ConfigError(f"{where}: {value!r} is not one of: {', '.join(map(str, spec.choices))}")
    if spec.low is not None and is_number(value) and value < spec.low:
        raise ConfigError(f"{where}: expected a value >= {spec.low}, got {value!r}")
    if spec.names_in is not None:
        registry = _registry(spec.names_in)
        if value not in registry:
            raise ConfigError(f"{where}: unknown {registry.kind} '{value}'; registered "
                              f"{registry.kind}s: {', '.join(registry.names())}")
    if isinstance(value, dict):
        if spec.fields is not None:
            _apply_schema(value, spec.fields, where)
        if spec.built is not None:
            _check_built(value, spec.built, where)
    if spec.steps is not None:
        _check_steps(value, _registry(spec.steps), where)


def _check_built(section: Dict[str, Any], built: Built, where: str) -> None:
    if built.name_key is None:
        target = _registry(built.registry)
        check_kwargs(target, section, where, built.injected)
        try:
            target(**section)  # range checks of its own; the message names the key
        except ValueError as e:
            raise ConfigError(str(e)) from None
        return
    _check_named(section, _registry(built.registry), where, built.name_key, built.injected)


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


def _check_steps(steps: List[Any], registry: Any, where: str) -> None:
    """A pipeline part: a list of ``- Name: {options}`` steps, each checked against its signature."""
    for i, step in enumerate(steps):
        loc = f"{where}[{i}]"
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
        if not os.path.isfile(given):  # may be written later (a data converter); read where it is used
            return
        from .loader.class_names import read_class_names_file
        names = read_class_names_file(given)
        where = f"INFERENCE.class_names ({given})"
    else:
        names = given
        where = "INFERENCE.class_names"
        if not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{where}: expected a list of strings, got {names!r}")
    num_classes = cfg["MODEL"]["head"].get("num_classes")
    if isinstance(num_classes, int) and len(names) != num_classes:
        raise ConfigError(f"{where}: {len(names)} names for MODEL.head.num_classes {num_classes}; "
                          "expected one name per class, in label order")


_GRAPH_ARGS = ("num_node", "edges", "center")


def _graph_users(cfg: Dict[str, Any], backbones: Any, pipelines: Any) -> List[tuple]:
    """(key, options mapping, default layout) of the backbone and of every pipeline step that takes a graph."""
    users = []
    backbone = cfg["MODEL"]["backbone"]
    params = _signature_params(backbones.get(backbone["name"]))
    if "graph" in params:
        users.append(("MODEL.backbone", backbone, params["graph"].default))
    for mode, section in cfg["PIPELINE"].items():
        for part in ("sample", "transform"):
            for i, step in enumerate((section or {}).get(part) or []):
                (name, kwargs), = step.items()
                params = _signature_params(pipelines.get(name))
                if "graph" in params:
                    if kwargs is None:
                        step[name] = kwargs = {}
                    users.append((f"PIPELINE.{mode}.{part}[{i}].{name}", kwargs, params["graph"].default))
    return users


def _graph_key(layout: Any, args: Optional[Dict[str, Any]]) -> tuple:
    """What makes two graph declarations the same graph (labeling_mode aside)."""
    args = args or {}
    edges = tuple(tuple(e) for e in args.get("edges") or ()) or None
    return ({"ntu-rgb-d": "ntu_rgb_d"}.get(layout, layout), args.get("num_node"), edges, args.get("center"))


def _describe_graph(layout: Any, args: Optional[Dict[str, Any]]) -> str:
    extra = {k: v for k, v in (args or {}).items() if k in _GRAPH_ARGS}
    return f"'{layout}'" + (f" with {extra}" if extra else "")


def _check_graph(cfg: Dict[str, Any]) -> Optional[str]:
    """One skeleton graph per config, checked once.

    With a ``GRAPH`` section (``layout``, and for ``custom`` ``num_node``, ``edges``, optional
    ``center``, ``labeling_mode``, ``joint_names``) the backbone, every pipeline step that takes a
    graph and ``INFERENCE.graph`` get it from there; a part that declares a graph of its own must
    declare the same one. Without it, the parts' declarations must agree with each other. Either
    way the graph is built (joint indices in range, one tree rooted at the centre) and its joint
    count must be the backbone's ``num_point``. Returns the graph's layout (None: no part takes a graph).
    """
    from .graphs import get_graph

    users = _graph_users(cfg, _registry("BACKBONES"), _registry("PIPELINES"))
    section = cfg.get("GRAPH")
    if section is not None:
        layout = section["layout"]
        args = {k: section[k] for k in _GRAPH_ARGS if k in section}
        for where, options, _ in users:
            if "graph" in options or "graph_args" in options:
                if _graph_key(options.get("graph"), options.get("graph_args")) != _graph_key(layout, args):
                    raise ConfigError(
                        f"{where}: declares graph {_describe_graph(options.get('graph'), options.get('graph_args'))}"
                        f" but GRAPH is {_describe_graph(layout, args)}; declare the graph once, in GRAPH")
            else:
                options["graph"] = layout
                options["graph_args"] = dict(args)
                if "labeling_mode" in section and where == "MODEL.backbone":
                    options["graph_args"]["labeling_mode"] = section["labeling_mode"]
        declared = [("GRAPH", layout, args)]
    else:
        declared = [(where, options.get("graph", default), options.get("graph_args"))
                    for where, options, default in users]
    for where, layout, args in declared[1:]:
        if _graph_key(layout, args) != _graph_key(declared[0][1], declared[0][2]):
            raise ConfigError(f"{where}: graph {_describe_graph(layout, args)} differs from {declared[0][0]}'s "
                              f"{_describe_graph(declared[0][1], declared[0][2])}: bones and adjacency would "
                              "not match; declare the graph once, in a GRAPH section")
    if not declared:
        return None
    where, layout, args = declared[0]
    try:
        graph = get_graph(layout, **{k: v for k, v in (args or {}).items() if k in _GRAPH_ARGS})
    except ValueError as err:
        raise ConfigError(f"{where}: {err}") from None
    names = (section or {}).get("joint_names")
    if names is not None and len(names) != graph.num_node:
        raise ConfigError(f"GRAPH.joint_names: {len(names)} names for {graph.num_node} joints")
    num_point = _backbone_option(cfg, "num_point")
    if isinstance(num_point, int) and num_point != graph.num_node:
        raise ConfigError(f"MODEL.backbone.num_point: {num_point}, but the graph {_describe_graph(layout, args)} "
                          f"has {graph.num_node} joints")
    return layout


def _backbone_option(cfg: Dict[str, Any], key: str) -> Any:
    """The value the backbone gets for ``key``: the config's, else its signature default (None: no such option)."""
    backbone = cfg["MODEL"]["backbone"]
    if key in backbone:
        return backbone[key]
    param = _signature_params(_registry("BACKBONES").get(backbone["name"])).get(key)
    return None if param is None or param.default is param.empty else param.default


def _input_pipeline_facts(cfg: Dict[str, Any]) -> Dict[str, Any]:
    """window_size, p_interval and modality of the pipeline that prepares inference inputs
    (PIPELINE.test, else PIPELINE.valid, as inference/inputs.py), read from its steps' options."""
    from .loader.pipelines.skeleton import MODALITIES

    pipelines = cfg["PIPELINE"]
    mode = "test" if "test" in pipelines else "valid" if "valid" in pipelines else None
    if mode is None:
        return {}
    facts: Dict[str, Any] = {"pipeline": f"PIPELINE.{mode}", "modality": "joint"}
    registry = _registry("PIPELINES")
    for part in ("sample", "transform"):
        for step in pipelines[mode].get(part) or []:
            (name, kwargs), = step.items()
            params = _signature_params(registry.get(name))
            options = {n: p.default for n, p in params.items() if p.default is not p.empty}
            options.update(kwargs or {})
            for key in ("window_size", "p_interval"):
                if key in options:
                    facts[key] = options[key]
            if "modalities" in options:
                facts["modality"] = "_".join(options["modalities"])
            elif {"joint", "bone", "motion"} <= set(params):
                flags = (options["joint"], options["bone"], options["motion"])
                facts["modality"] = MODALITIES.get(flags, facts["modality"])
    return facts


def _check_inference(cfg: Dict[str, Any], layout: Optional[str]) -> None:
    """INFERENCE states the exported model's input: each key is derived from the model and the input
    pipeline when absent and must agree with them when given (see ``config_schema.INFERENCE``)."""
    from .graphs import LAYOUTS

    inference = cfg["INFERENCE"]
    facts = _input_pipeline_facts(cfg)
    pipeline = facts.get("pipeline", "PIPELINE.test")
    truth = {  # key -> (value the model or pipeline implies, where it comes from)
        "num_channels": (_backbone_option(cfg, "in_channels"), "MODEL.backbone.in_channels"),
        "vertex_nums": (_backbone_option(cfg, "num_point"), "MODEL.backbone.num_point"),
        "person_nums": (_backbone_option(cfg, "num_person"), "MODEL.backbone.num_person"),
        "window_size": (facts.get("window_size"), f"the window_size of {pipeline}"),
        "p_interval": (facts.get("p_interval"), f"the p_interval of {pipeline}"),
        "modality": (facts.get("modality"), f"the modality {pipeline} makes"),
    }
    for key, (value, source) in truth.items():
        if key not in inference:
            if key in ("num_channels", "vertex_nums", "person_nums", "window_size") and value is not None:
                inference[key] = value
        elif value is None:
            raise ConfigError(f"INFERENCE.{key}: {inference[key]!r}, but no step of {pipeline} sets it; remove it")
        elif _as_list(inference[key]) != _as_list(value):
            raise ConfigError(f"INFERENCE.{key}: {inference[key]!r}, but {source} is {value!r}")
    if "graph" in inference:
        given = _graph_key(inference["graph"], None)[0]
        if given not in LAYOUTS:
            raise ConfigError(f"INFERENCE.graph: unknown graph '{inference['graph']}'; known graphs: "
                              f"{', '.join(LAYOUTS)}")
        if given != _graph_key(layout, None)[0]:
            raise ConfigError(f"INFERENCE.graph: '{inference['graph']}', but the model's graph is '{layout}'")


def _as_list(value: Any) -> Any:
    return [float(v) for v in value] if isinstance(value, (list, tuple)) else value


def validate_config(cfg: Dict[str, Any], path: str = "<config>") -> None:
    """Check ``cfg`` against ``paddlevideo/config_schema.py`` and write the defaults of absent keys
    (and the INFERENCE keys derived from the model) into it.

    Raises ConfigError naming ``path`` and the key path when ``cfg`` cannot be used.
    """
    try:
        _apply_schema(cfg, TOP_LEVEL, "")
        layout = _check_graph(cfg)
        _check_inference(cfg, layout)
        _check_class_names(cfg)
        opt = cfg["OPTIMIZER"]
        if opt["name"] == "AdamW" and isinstance(opt["weight_decay"], dict) and opt["weight_decay"]["name"] != "L2":
            raise ConfigError("OPTIMIZER.weight_decay.name: AdamW's decay is decoupled L2; L1 is not available")
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
        from .utils.logger import get_logger
        print_config(cfg, log=get_logger("paddlevideo").info)
    return cfg
