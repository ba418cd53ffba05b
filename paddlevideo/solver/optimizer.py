"""Build the optimizer and its per-iteration LR schedule from ``cfg.OPTIMIZER``.

The section is read as :func:`paddlevideo.config.get_config` leaves it: every key of
``paddlevideo/config_schema.py``'s OPTIMIZER table present, defaults filled in.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple, Union

import paddle
from paddle.optimizer.lr import LRScheduler

from .registry import LRS


def build_lr(lr_cfg: Union[float, Dict[str, Any]], num_iters: int) -> Union[float, LRScheduler]:
    """A float stays a constant LR; a ``{name: ..., **kwargs}`` mapping builds a schedule."""
    if isinstance(lr_cfg, (int, float)):
        return float(lr_cfg)
    kwargs = {k: v for k, v in lr_cfg.items() if k != "name"}
    return LRS.get(lr_cfg["name"])(num_iters=num_iters, **kwargs)


def _regularizer(wd: Union[None, float, Dict[str, Any]]):
    if wd is None:
        return None
    if isinstance(wd, (int, float)):
        return paddle.regularizer.L2Decay(float(wd))
    cls = paddle.regularizer.L1Decay if wd["name"] == "L1" else paddle.regularizer.L2Decay
    return cls(float(wd["value"]))


def build_optimizer(opt_cfg: Dict[str, Any], parameters, num_iters: int
                    ) -> Tuple[paddle.optimizer.Optimizer, Union[float, LRScheduler]]:
    """Return ``(optimizer, lr)``; step ``lr`` once per iteration when it is a scheduler."""
    name = opt_cfg["name"]
    lr = build_lr(opt_cfg["learning_rate"], num_iters)
    clip_cfg = opt_cfg["grad_clip"]
    clip = None
    if clip_cfg is not None:
        value = clip_cfg if isinstance(clip_cfg, (int, float)) else clip_cfg["value"]
        clip = paddle.nn.ClipGradByGlobalNorm(float(value))
    common = dict(learning_rate=lr, parameters=parameters,
                  weight_decay=_regularizer(opt_cfg["weight_decay"]), grad_clip=clip)
    if name == "Momentum":
        opt = paddle.optimizer.Momentum(momentum=float(opt_cfg["momentum"]), use_nesterov=opt_cfg["use_nesterov"],
                                        **common)
    elif name == "SGD":
        opt = paddle.optimizer.SGD(**common)
    elif name == "Adam":
        opt = paddle.optimizer.Adam(**common)
    elif name == "AdamW":
        wd = opt_cfg["weight_decay"]  # decoupled decay: a coefficient, not a regularizer
        common["weight_decay"] = 0.0 if wd is None else float(wd if isinstance(wd, (int, float)) else wd["value"])
        opt = paddle.optimizer.AdamW(**common)
    else:
        raise ValueError(f"unknown optimizer '{name}'; expected Momentum, SGD, Adam or AdamW")
    return opt, lr
