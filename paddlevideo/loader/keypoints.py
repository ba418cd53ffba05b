"""2-D keypoints from any pose estimator: the JSON file format, its reader and ``KeypointDataset``.

One file holds one video clip (full description and examples in ``docs/keypoints.md``)::

    {
      "layout": "coco17",                 optional, default "coco17" (17 COCO keypoints)
      "image_size": [width, height],      optional, pixels; without it x and y are fractions
                                          of the image width / height (0..1)
      "label": 3,                         optional, 0-based class id
      "keypoints": [                      persons x frames x joints x [x, y, score]
        [ [[x, y, s], ... 17], null, ... ],   one list per person, every person has T frames;
        ...                                   null = that person is not seen in that frame
      ]
    }

x grows to the right and y downwards (image convention); a keypoint with score 0 was not
detected and its x, y are ignored.

``read_keypoints_json`` turns a file into a float32 array (3, T, V, M): channels
(x, y, score) with x, y mapped to [-1, 1] per axis (``x' = 2 x / width - 1``,
``y' = 1 - 2 y / height``, so y points up like NTU's camera coordinates), undetected
keypoints and absent persons all zeros, and frames in which nobody is detected removed.
"""
from __future__ import annotations

import csv
import glob
import json
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ..graphs import get_graph
from ..utils.values import is_int
from .dataset.base import NO_LABEL, SkeletonSetBase
from .registry import DATASETS

KEYPOINT_LAYOUTS = ("coco17",)  # 2-D layouts of graphs.py a keypoint file may name
DEFAULT_LAYOUT = "coco17"
# Without image_size, x and y must be fractions of the image; a detected coordinate beyond
# this bound means the file holds pixels and lacks its image_size.
FRACTION_BOUND = 2.0


def is_keypoint_json(content: Any) -> bool:
    """True when parsed JSON ``content`` is a keypoint file (an object with 'keypoints')."""
    return isinstance(content, dict) and "keypoints" in content


def _load_json(path: str) -> Any:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"keypoint file not found: {path}")
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err


def _layout_of(content: Dict[str, Any], path: str) -> Tuple[str, int]:
    layout = content.get("layout", DEFAULT_LAYOUT)
    if layout not in KEYPOINT_LAYOUTS:
        raise ValueError(f"{path}: layout must be one of {list(KEYPOINT_LAYOUTS)}, got {layout!r}")
    return layout, get_graph(layout).num_node


def _image_size(content: Dict[str, Any], path: str) -> Optional[Tuple[float, float]]:
    size = content.get("image_size")
    if size is None:
        return None
    if (not isinstance(size, list) or len(size) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in size)):
        raise ValueError(f"{path}: image_size must be [width, height] in pixels (two positive numbers), got {size!r}")
    return float(size[0]), float(size[1])


def _label_of(content: Dict[str, Any], path: str) -> Optional[int]:
    label = content.get("label")
    if label is None:
        return None
    if not is_int(label, low=0):
        raise ValueError(f"{path}: label must be a 0-based integer class id, got {label!r}")
    return label


def _person_array(frames: Any, num_joints: int, path: str, person: int) -> np.ndarray:
    """One person's frames as float64 (T, V, 3); null frames become score-0 rows."""
    where = f"{path}: keypoints[{person}]"
    if not isinstance(frames, list) or not frames:
        raise ValueError(f"{where}: expected a non-empty list of frames (each [[x, y, score] x {num_joints}] or null)")
    out = np.zeros((len(frames), num_joints, 3))
    for t, frame in enumerate(frames):
        if frame is None:
            continue
        try:
            arr = np.asarray(frame, dtype=np.float64)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{where}[{t}]: not a numeric [{num_joints}][3] list ({err})") from err
        if arr.shape != (num_joints, 3):
            raise ValueError(f"{where}[{t}]: expected {num_joints} keypoints of [x, y, score], got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{where}[{t}]: NaN or infinite value")
        if (arr[:, 2] < 0).any() or (arr[:, 2] > 1).any():
            raise ValueError(f"{where}[{t}]: scores must lie in [0, 1], got {arr[:, 2].min():g}..{arr[:, 2].max():g}")
        out[t] = arr
    return out


def _normalise(points: np.ndarray, image_size: Optional[Tuple[float, float]], path: str) -> np.ndarray:
    """(M, T, V, 3) pixels or fractions -> [-1, 1] per axis, y up; undetected keypoints zero."""
    detected = points[..., 2] > 0  # (M, T, V)
    xy = points[..., :2]
    if image_size is None:
        far = np.abs(xy[detected]).max(initial=0.0)
        if far > FRACTION_BOUND:
            raise ValueError(f"{path}: no image_size, so x and y must be fractions of the image (0..1), but a "
                             f"detected keypoint has |coordinate| {far:g}; add \"image_size\": [width, height]")
        width = height = 1.0
    else:
        width, height = image_size
    out = np.empty_like(points)
    out[..., 0] = 2.0 * xy[..., 0] / width - 1.0
    out[..., 1] = 1.0 - 2.0 * xy[..., 1] / height
    out[..., 2] = points[..., 2]
    out[~detected] = 0.0
    return out


def select_persons(data: np.ndarray, num_person: int) -> np.ndarray:
    """Keep the ``num_person`` most confident persons of (C, T, V, M) keypoint data.

    Persons are ranked by their total score (channel 2 summed over frames and joints),
    highest first; fewer persons than ``num_person`` are padded with zeros.
    Returns (C, T, V, num_person).
    """
    if not is_int(num_person, low=1):
        raise ValueError(f"num_person must be a positive integer, got {num_person!r}")
    order = np.argsort(-data[2].sum(axis=(0, 1)), kind="stable")[:num_person]
    kept = data[..., order]
    if kept.shape[-1] < num_person:
        pad = np.zeros(kept.shape[:-1] + (num_person - kept.shape[-1],), dtype=kept.dtype)
        kept = np.concatenate([kept, pad], axis=-1)
    return kept


def parse_keypoints(content: Any, path: str = "<keypoints>") -> Tuple[np.ndarray, Optional[int]]:
    """Parsed keypoint JSON -> (float32 (3, T, V, M) normalised data, label or None).

    See the module docstring for the format and the normalisation. Frames in which no
    keypoint of any person is detected are removed.
    """
    if not is_keypoint_json(content):
        raise ValueError(f"{path}: expected a JSON object with 'keypoints' (persons x frames x joints x [x, y, score])")
    unknown = sorted(set(content) - {"layout", "image_size", "label", "keypoints"})
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; expected keypoints, layout, image_size, label")
    _, num_joints = _layout_of(content, path)
    image_size = _image_size(content, path)
    label = _label_of(content, path)
    persons = content["keypoints"]
    if not isinstance(persons, list) or not persons:
        raise ValueError(f"{path}: keypoints must be a non-empty list of persons")
    arrays = [_person_array(frames, num_joints, path, m) for m, frames in enumerate(persons)]
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"{path}: every person needs the same number of frames (use null where a person is "
                         f"not seen), got {[len(a) for a in arrays]}")
    points = _normalise(np.stack(arrays), image_size, path)  # (M, T, V, 3)
    seen = (points[..., 2] > 0).any(axis=(0, 2))  # (T,)
    if not seen.any():
        raise ValueError(f"{path}: no keypoint has a score above 0 in any frame")
    data = points[:, seen].transpose(3, 1, 2, 0)  # (M, T, V, 3) -> (3, T, V, M)
    return np.ascontiguousarray(data, dtype=np.float32), label


def read_keypoints_json(path: str, num_person: Optional[int] = None) -> np.ndarray:
    """Read a keypoint file as float32 (3, T, V, M), coordinates in [-1, 1], y up.

    Args:
        path: the ``.json`` file.
        num_person: M of the result (``select_persons``); ``None`` keeps every person of the file.
    """
    data, _ = parse_keypoints(_load_json(path), path)
    return data if num_person is None else select_persons(data, num_person)


def read_label_csv(label_path: str) -> List[Tuple[str, int]]:
    """Read ``name,label`` rows (header line ``name,label``); names are file stems, labels 0-based."""
    if not os.path.isfile(label_path):
        raise FileNotFoundError(f"keypoint label file not found: {label_path}")
    with open(label_path, "r", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or [c.strip() for c in rows[0]] != ["name", "label"]:
        raise ValueError(f"{label_path}:1: the first line must be the header 'name,label'")
    entries: List[Tuple[str, int]] = []
    seen: Dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            raise ValueError(f"{label_path}:{line}: expected 'name,label', got {row!r}")
        name, text = row[0].strip(), row[1].strip()
        if not text.isdigit():
            raise ValueError(f"{label_path}:{line}: label must be a 0-based integer class id, got {text!r}")
        if name in seen:
            raise ValueError(f"{label_path}:{line}: {name!r} is listed twice (first on line {seen[name]})")
        seen[name] = line
        entries.append((name, int(text)))
    if not entries:
        raise ValueError(f"{label_path}: lists no samples")
    return entries


@DATASETS.register()
class KeypointDataset(SkeletonSetBase):
    """A folder of keypoint ``.json`` files (format: module docstring, ``docs/keypoints.md``).

    Args:
        file_path: the folder holding ``<name>.json`` files.
        pipeline: the transforms applied to each sample (built from the PIPELINE section).
        label_path: CSV with the header ``name,label`` and one ``<name>,<0-based class id>``
            row per sample: the set is exactly those files, in that order (so one folder
            can serve several splits). ``None``: every ``*.json`` of the folder, sorted by
            name, labelled by its own ``label`` key (a training set needs one in every file;
            a test set without labels gets -1).
        num_person: persons per sample M (the backbone's num_person); more confident
            persons are kept first, missing ones are zeros (``select_persons``).
        test_mode: marks a validation/test set (such a set must have ``repeat == 1``).
        repeat: how many times one epoch goes through the set.

    Samples are float32 (3, T, 17, M) as ``read_keypoints_json`` returns them, with T the
    clip's frames that have a detection; all files are read once at construction.
    """

    def __init__(self, file_path: str, pipeline: Callable[[Dict[str, Any]], Dict[str, Any]],
                 label_path: Optional[str] = None, num_person: int = 2, test_mode: bool = False,
                 repeat: int = 1):
        super().__init__(pipeline, test_mode, repeat)
        if not os.path.isdir(file_path):
            raise FileNotFoundError(f"keypoint folder not found: {file_path}")
        if not is_int(num_person, low=1):
            raise ValueError(f"KeypointDataset: num_person must be a positive integer, got {num_person!r}")
        self.file_path = file_path
        self.label_path = label_path
        self.num_person = num_person
        if label_path is None:
            listed = [(os.path.splitext(os.path.basename(p))[0], None)
                      for p in sorted(glob.glob(os.path.join(file_path, "*.json")))]
            if not listed:
                raise FileNotFoundError(f"no .json files in {file_path}")
        else:
            listed = read_label_csv(label_path)
        self.sequences: List[np.ndarray] = []
        for name, csv_label in listed:
            path = os.path.join(file_path, name + ".json")
            if not os.path.isfile(path):
                raise FileNotFoundError(f"{label_path}: sample {name!r} has no file {path}")
            data, file_label = parse_keypoints(_load_json(path), path)
            self.names.append(name)
            self.labels.append(self._label(csv_label, file_label, path))
            self.sequences.append(select_persons(data, num_person))

    def _label(self, csv_label: Optional[int], file_label: Optional[int], path: str) -> int:
        if csv_label is not None:
            if file_label is not None and file_label != csv_label:
                raise ValueError(f"{path}: label {file_label} in the file but {csv_label} in {self.label_path}")
            return csv_label
        if file_label is not None:
            return file_label
        if not self.test_mode:
            raise ValueError(f"{path}: no label (a training set needs 'label' in every file, or a label_path CSV)")
        return NO_LABEL

    def _raw_sample(self, i: int) -> np.ndarray:
        return self.sequences[i].copy()  # transforms may then work in place
