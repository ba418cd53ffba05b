"""A run's resume state on disk: a small manifest and one file per state dict.

Layout in the run folder (``output_dir``)::

    resume.json                      format, epoch, best Top-1 and its epoch, seed, and each part's
                                     file, size and SHA-256
    resume/e0010.model.pdparams      weights after that epoch (0-based 9, i.e. the 10th finished)
    resume/e0010.optimizer.pdopt     optimizer state: momentum and LR schedule position, keyed by
                                     structured parameter names (checkpoint.portable_optimizer_state)
    resume/e0010.best.pdparams       the best validation weights so far (absent before a validation)

Why parts and not one file: a CTRGCN run's state is about 17 MB (weights, momentum and best
weights, 5.7 MB each) and a repository that keeps a long run's state across sittings may refuse
files over a size limit (8 MB for this project's). Each part is one state dict, so no part is
bigger than the model. Each part is written atomically under a name that carries the epoch, then
the manifest is replaced atomically, then parts that the manifest does not name are removed: a run
killed at any moment leaves a manifest whose parts are all complete and match their SHA-256.
An unchanged best part is byte-identical from one epoch to the next, so git stores it once.

:func:`load` also reads the single-file ``resume.pdckpt`` of earlier versions (same keys); the
first save in the new form removes that file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, Dict, Optional

from ..utils import checkpoint
from ..utils.fileio import atomic_write_text

MANIFEST = "resume.json"
PARTS_DIR = "resume"
LEGACY_FILE = "resume.pdckpt"
FORMAT = "paddlevideo-resume-1"
_PART = re.compile(r"^e\d{4,}\.(model|optimizer|best)\.(pdparams|pdopt)$")
_META_KEYS = ("epoch", "best_top1", "best_epoch", "seed")
_PART_FILES = {"model": "model.pdparams", "optimizer": "optimizer.pdopt", "best_model": "best.pdparams"}


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find(path: str) -> Optional[str]:
    """The resume file of ``path`` (a run folder, its resume.json, or an older resume.pdckpt), or None."""
    if os.path.isdir(path):
        for name in (MANIFEST, LEGACY_FILE):
            if os.path.isfile(os.path.join(path, name)):
                return os.path.join(path, name)
        return None
    return path if os.path.isfile(path) else None


def save(out_dir: str, state: Dict[str, Any]) -> str:
    """Write ``state`` (keys model, optimizer, best_model or None, epoch, best_top1, best_epoch, seed)
    as the run's resume state in ``out_dir``; returns the manifest's path."""
    missing = [k for k in ("model", "optimizer") + _META_KEYS if k not in state]
    if missing:
        raise KeyError(f"resume state lacks {', '.join(missing)}")
    parts_dir = os.path.join(out_dir, PARTS_DIR)
    os.makedirs(parts_dir, exist_ok=True)
    prefix = f"e{int(state['epoch']) + 1:04d}"
    parts = {}
    for key, suffix in _PART_FILES.items():
        if state.get(key) is None:
            continue
        rel = f"{PARTS_DIR}/{prefix}.{suffix}"
        path = os.path.join(out_dir, rel)
        checkpoint.save(state[key], path)
        parts[key] = {"file": rel, "bytes": os.path.getsize(path), "sha256": _sha256(path)}
    manifest = {"format": FORMAT, **{k: state[k] for k in _META_KEYS}, "parts": parts}
    manifest["epoch"], manifest["best_epoch"], manifest["seed"] = (
        int(state["epoch"]), int(state["best_epoch"]), int(state["seed"]))
    manifest["best_top1"] = float(state["best_top1"])
    path = atomic_write_text(os.path.join(out_dir, MANIFEST), json.dumps(manifest, indent=2) + "\n")
    named = {os.path.basename(p["file"]) for p in parts.values()}
    for name in os.listdir(parts_dir):  # the previous epoch's parts (only files of this form)
        if _PART.match(name) and name not in named:
            os.remove(os.path.join(parts_dir, name))
    legacy = os.path.join(out_dir, LEGACY_FILE)
    if os.path.isfile(legacy):
        os.remove(legacy)
    return path


def load(path: str) -> Dict[str, Any]:
    """Read a resume state (resume.json and its parts, or an older single resume.pdckpt).

    Returns the keys :func:`save` takes. A missing, truncated or altered part is an error naming
    the file and what was expected.
    """
    if not path.endswith(".json"):
        return checkpoint.load(path)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a readable resume manifest ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise ValueError(f"{path}: expected a resume manifest of format '{FORMAT}', got {got!r}")
    absent = [k for k in _META_KEYS if k not in manifest]
    parts = manifest.get("parts") or {}
    absent += [f"parts.{k}" for k in ("model", "optimizer") if k not in parts]
    if absent:
        raise ValueError(f"{path}: the manifest lacks {', '.join(absent)}")
    folder = os.path.dirname(os.path.abspath(path))
    state: Dict[str, Any] = {k: manifest[k] for k in _META_KEYS}
    state["best_model"] = None
    for key, part in parts.items():
        if key not in _PART_FILES:
            raise ValueError(f"{path}: unknown part '{key}' (expected {', '.join(_PART_FILES)})")
        file = os.path.join(folder, part["file"])
        if not os.path.isfile(file):
            raise FileNotFoundError(f"{path}: its part '{key}' is missing: {file} "
                                    f"(commit or copy the {PARTS_DIR}/ folder beside {MANIFEST})")
        size, digest = os.path.getsize(file), _sha256(file)
        if size != part["bytes"] or digest != part["sha256"]:
            raise ValueError(f"{file}: {size} bytes, SHA-256 {digest[:12]}..., but {path} expects "
                             f"{part['bytes']} bytes, SHA-256 {part['sha256'][:12]}... (a part of another epoch?)")
        state[key] = checkpoint.load(file)
    return state
