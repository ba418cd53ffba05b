"""Turn input files into model inputs exactly as the config's test pipeline prepares test data.

Accepted inputs (a file, or a folder holding such files, sub-folders included; see :func:`input_files`):

- ``.skeleton``: one raw NTU RGB+D file, read, denoised and centred by
  ``paddlevideo/loader/ntu_raw.py`` as the dataset preparation does -> (3, T, 25, 2);
- ``.npy``: one prepared sample (C, T, V, M) (PaddleVideo's ``example_NTU-RGB-D_sketeton.npy``
  is (3, 300, 25, 2)) or a stack of them (N, C, T, V, M), e.g. a ``*_data.npy`` split;
- ``.json``: one NW-UCLA ``all_sqe`` file -> (3, T, 20, 1), or a 2-D keypoint file (an object
  with ``keypoints``, see ``docs/keypoints.md``) -> (3, T, 17, M), its most confident persons first.

Each sample then goes through ``PIPELINE.test`` of the config (crop/resample to the window,
modality) and must come out as the exported input (C, window_size, V, M) of ``INFERENCE``.
Problems are :class:`InputError` naming the file and what is wrong.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple

import numpy as np

from ..loader.builder import build_pipeline
from ..loader.dataset.ucla import label_from_name as ucla_label_from_name
from ..loader.dataset.ucla import load_ucla_sample
from ..loader.keypoints import is_keypoint_json, parse_keypoints, select_persons
from ..loader.ntu_raw import DATASETS as NTU_DATASETS
from ..loader.ntu_raw import SkeletonFormatError, parse_ntu_name, prepare_skeleton_file
from .export import input_shape

INPUT_SUFFIXES = (".skeleton", ".npy", ".json")


class InputError(ValueError):
    """An input file that cannot become a model input."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


@dataclass
class Sample:
    """One model input.

    Attributes:
        name: the file name; ``file.npy[k]`` for the k-th sample of a stacked .npy.
        data: float32 (C, T, V, M) after the test pipeline.
        label: the true class when the file states it (NTU file name, NW-UCLA json), else None.
    """

    name: str
    data: np.ndarray
    label: Optional[int] = None


def input_files(path: str) -> Tuple[List[str], List[str]]:
    """(input files, other files) under ``path``.

    A file is ``([path], [])`` whatever its kind (reading it says when the kind is wrong). A
    folder is walked with its sub-folders (linked ones once): a folder's own files by name, then
    its sub-folders by name. Files not ending in one of INPUT_SUFFIXES are the other files.
    """
    if os.path.isfile(path):
        return [path], []
    if not os.path.isdir(path):
        raise InputError(path, "no such file or folder")
    files: List[str] = []
    others: List[str] = []
    walked = set()
    for folder, subfolders, names in os.walk(path, followlinks=True):
        real = os.path.realpath(folder)
        if real in walked:  # a link to a folder already walked (or to an ancestor)
            subfolders.clear()
            continue
        walked.add(real)
        subfolders.sort()
        for name in sorted(names):
            (files if name.endswith(INPUT_SUFFIXES) else others).append(os.path.join(folder, name))
    if not files:
        raise InputError(path, f"the folder holds no input files ({', '.join(INPUT_SUFFIXES)}), sub-folders "
                               f"included; {len(others)} file(s) of other kinds")
    return files, others


def _sample_prefix(path: str, name: str) -> str:
    """The prefix naming sample ``name`` in an ``InputError`` about ``path`` (which names the file):
    ``''`` for the file's only sample, ``'sample k: '`` for ``file.npy[k]`` of a stacked .npy."""
    index = name[len(os.path.basename(path)):].strip("[]")
    return f"sample {index}: " if index else ""


def label_from_name(name: str) -> Optional[int]:
    """The 0-based class a file name states, else None: NTU ``SsssCcccPpppRrrrAaaa.skeleton``
    gives action - 1, NW-UCLA ``aAA_sSS_eEE_vVV.json`` the place of AA among its ten actions."""
    base = os.path.basename(name)
    if base.endswith(".skeleton"):
        try:
            return parse_ntu_name(base)["label"]
        except SkeletonFormatError:
            return None
    if base.endswith(".json"):
        return ucla_label_from_name(base)
    return None


class InputPreparer:
    """Reads input files and applies the config's test pipeline.

    Args:
        cfg: the experiment config (needs ``INFERENCE`` and ``PIPELINE.test``).
    """

    def __init__(self, cfg: Mapping[str, Any]):
        self.shape = input_shape(cfg)  # (C, T, V, M) of one model input
        self.dataset = cfg["INFERENCE"].get("dataset")
        pipelines = cfg.get("PIPELINE") or {}
        section = pipelines.get("test") or pipelines.get("valid")
        if section is None:
            raise ValueError("the config has no PIPELINE.test section; inputs are prepared as test data is")
        self.pipeline = build_pipeline(section)

    def raw_samples(self, path: str) -> List[Tuple[str, np.ndarray, Optional[int]]]:
        """(name, raw (C, T, V, M) array, label or None) for each sample in the file."""
        name = os.path.basename(path)
        if path.endswith(".skeleton"):
            return [(name, self._read_skeleton(path), label_from_name(name))]
        if path.endswith(".npy"):
            array = self._read_npy(path)
            if array.ndim == 4:
                return [(name, array, None)]
            return [(f"{name}[{k}]", array[k], None) for k in range(len(array))]
        if path.endswith(".json"):
            try:
                data, label = self._read_json(path)
            except ValueError as err:
                raise InputError(path, str(err).replace(f"{path}: ", "")) from None
            return [(name, data, label)]
        raise InputError(path, f"unsupported file type; expected one of {', '.join(INPUT_SUFFIXES)}")

    def _read_json(self, path: str) -> Tuple[np.ndarray, Optional[int]]:
        """A keypoint file (it has 'keypoints') with this model's person count, else NW-UCLA."""
        with open(path, "r", encoding="utf-8") as f:
            try:
                content = json.load(f)
            except json.JSONDecodeError as err:
                raise ValueError(f"not valid JSON ({err})") from None
        if is_keypoint_json(content):
            data, label = parse_keypoints(content, path)
            return select_persons(data, self.shape[3]), label
        return load_ucla_sample(path)

    def _read_skeleton(self, path: str) -> np.ndarray:
        spec = NTU_DATASETS.get(self.dataset) if isinstance(self.dataset, str) else None
        if spec is None:
            raise InputError(path, f"an NTU RGB+D .skeleton file, but the config is for dataset "
                                   f"{self.dataset!r} (INFERENCE.dataset); use an NTU config")
        try:
            return prepare_skeleton_file(path, spec.single_actor)
        except SkeletonFormatError as err:
            raise InputError(path, str(err).split(": ", 1)[-1]) from None
        except OSError as err:
            raise InputError(path, f"cannot be read ({err.strerror or err})") from None

    def _read_npy(self, path: str) -> np.ndarray:
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as err:
            raise InputError(path, f"not a readable .npy array ({err})") from None
        if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
            raise InputError(path, f"expected a numeric array, got dtype {array.dtype}")
        C, _, V, M = self.shape
        if array.ndim not in (4, 5):
            raise InputError(path, f"expected shape (C, T, V, M) = ({C}, T, {V}, {M}) or (N, {C}, T, {V}, {M}), "
                                   f"got {array.shape}")
        if array.ndim == 5 and len(array) == 0:
            raise InputError(path, f"holds no samples (shape {array.shape})")
        return array.astype(np.float32)

    def _check_raw(self, path: str, where: str, raw: np.ndarray) -> None:
        # The channel count is checked on the pipeline's output: a pipeline may derive channels
        # (ConcatModalities turns 3 coordinates into 9 joint/bone/motion channels).
        _, _, V, M = self.shape
        if raw.ndim != 4 or raw.shape[2] != V or raw.shape[3] != M or raw.shape[1] < 1:
            raise InputError(path, f"{where}expected (C, T, V, M) = (C, T, {V}, {M}) for this config "
                                   f"(INFERENCE.vertex_nums, person_nums), got {raw.shape}")
        if not np.isfinite(raw).all():
            raise InputError(path, f"{where}contains NaN or infinite values")

    def __call__(self, path: str) -> List[Sample]:
        """The model inputs of one file."""
        samples = []
        for name, raw, label in self.raw_samples(path):
            where = _sample_prefix(path, name)
            self._check_raw(path, where, raw)
            try:
                data = self.pipeline({"data": raw, "label": -1 if label is None else label})["data"]
            except ValueError as err:
                raise InputError(path, f"{where}{err}") from None
            if tuple(data.shape) != self.shape:
                raise InputError(path, f"{where}input of shape {raw.shape} became {data.shape} through the "
                                       f"test pipeline, but the model takes {self.shape} (INFERENCE.num_channels, "
                                       f"window_size, vertex_nums, person_nums)")
            samples.append(Sample(name, np.ascontiguousarray(data, dtype=np.float32), label))
        return samples
