"""Evaluate weights on ``DATASET.test``; writes scores and metrics beside the log."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

from ..loader.builder import build_dataset
from ..metrics import METRICS
from ..modeling.builder import build_model
from ..utils import checkpoint
from ..utils.fileio import atomic_write_text
from ..utils.logger import get_logger
from .checks import check_joints, check_labels, sampling_warnings
from .train import evaluate


def _class_names(cfg: Dict[str, Any], num_classes: int):
    """Class names for the confusion matrix (``INFERENCE.class_names`` or ``INFERENCE.dataset``);
    None (class ids) when the config gives none."""
    from ..loader.class_names import config_class_names

    names = config_class_names(cfg)
    if names is None:
        ds = cfg["INFERENCE"].get("dataset")
        if ds:
            get_logger("paddlevideo").warning(f"INFERENCE.dataset '{ds}' has no class names; using class ids "
                                              "(INFERENCE.class_names gives them)")
        return None
    return list(names[:num_classes]) if len(names) >= num_classes else None


def test_model(cfg: Dict[str, Any], weights: Optional[str], output: Optional[str] = None,
               batch_size: Optional[int] = None) -> Dict[str, Any]:
    """Load ``weights`` (strictly: every key must fit) and evaluate on ``DATASET.test``.

    Writes ``scores.npz`` (names, scores, labels: input of tools/ensemble.py),
    ``confusion_matrix.csv/.png``, ``per_class_accuracy.csv`` and ``metrics.json`` to
    ``output`` (default ``<output_dir>/test``). Returns the metric summary.
    """
    if not weights:
        raise ValueError("--test needs weights: -w path/to/model.pdparams")
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"weights not found: {weights} (-w)")
    out_dir = output or os.path.join(cfg["output_dir"], "test")
    ds_cfg, pl_cfg = cfg["DATASET"], cfg["PIPELINE"]
    if "test" not in ds_cfg:
        raise ValueError("the config has no DATASET.test section")
    dataset = build_dataset(ds_cfg["test"], pl_cfg.get("test"))
    check_joints(dataset, cfg["MODEL"]["backbone"], "DATASET.test")
    num_classes = cfg["MODEL"]["head"].get("num_classes")  # None: the head's own default
    check_labels(dataset, num_classes, "DATASET.test")
    logger = get_logger("paddlevideo", os.path.join(out_dir, "test.log"))  # creates out_dir
    logger.setLevel(cfg["log_level"])
    for warning in sampling_warnings(dataset, pl_cfg.get("test"), "PIPELINE.test"):
        logger.warning(warning)
    model = build_model(cfg["MODEL"])
    checkpoint.load_weights(model, weights, strict=True)
    metric_cfg = dict(cfg["METRIC"])
    metric = METRICS.get(metric_cfg.pop("name"))(output_dir=out_dir,
                                                 class_names=_class_names(cfg, num_classes or 0),
                                                 **metric_cfg)
    bs = batch_size or ds_cfg["test_batch_size"]
    result = evaluate(model, dataset, bs, ds_cfg["test_num_workers"], metric=metric, desc="test")
    summary = {k: v for k, v in result.items() if k != "confusion_matrix"}
    summary["weights"] = weights
    atomic_write_text(os.path.join(out_dir, "metrics.json"), json.dumps(summary, indent=1))
    top5_key = next((k for k in result if k.startswith("top") and k != "top1"), None)
    logger.info(f"[test] {len(dataset)} samples: top1 {result.get('top1', float('nan')):.5f}"
                + (f" {top5_key} {result[top5_key]:.5f}" if top5_key else "")
                + f"; outputs in {out_dir}")
    return result
