"""Read a file written by PyTorch's ``torch.save`` as numpy arrays, without torch and without
running code from the file; write a state dict of numpy arrays in that form.

Both of torch's file formats are read:

- zip (the default since torch 1.6): ``<root>/data.pkl`` pickles the saved object; the bytes of
  each tensor storage are the entry ``<root>/data/<key>``, in the byte order that
  ``<root>/byteorder`` names (little endian when absent).
- legacy (torch < 1.6, or ``_use_new_zipfile_serialization=False``): five pickles in a row
  (a magic number, the protocol version, system information, the saved object, the list of
  storage keys), then each storage in that list's order as an int64 element count followed by
  its bytes.

Pickles are read by ``SafeUnpickler``, which knows only the globals a state dict needs
(``collections.OrderedDict``, torch's tensor rebuild functions, torch's typed storages) and
refuses any other global (``os.system``, ``builtins.eval``, ...) before anything is called.
Tensors become float/int numpy arrays of the tensor's shape and dtype.

``save_torch_checkpoint`` writes a flat {name: array} dict in the form ``torch.save`` gives a
dict of tensors (zip or legacy format), using only the globals that ``torch.load``'s
``weights_only`` unpickler accepts.
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Dict, Mapping, Optional, Tuple

import numpy as np

from .fileio import atomic_write

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # first pickle of a legacy torch.save file
LEGACY_PROTOCOL = 1001
LEGACY_SYS_INFO = {"protocol_version": LEGACY_PROTOCOL, "little_endian": True,
                   "type_sizes": {"short": 2, "int": 4, "long": 4}}

# torch storage type -> numpy dtype of its elements ("bfloat16": 2-byte floats, widened on read)
STORAGE_DTYPES = {
    "DoubleStorage": "f8", "FloatStorage": "f4", "HalfStorage": "f2", "BFloat16Storage": "bfloat16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?",
}


class CheckpointError(ValueError):
    """The file is not a PyTorch checkpoint this reader accepts; the message says why."""


@dataclass
class _Storage:
    """One torch storage: its elements' dtype, and its flat data once read."""

    key: str
    dtype: str
    data: Optional[np.ndarray] = None

    @property
    def itemsize(self) -> int:
        return 2 if self.dtype == "bfloat16" else np.dtype(self.dtype).itemsize

    def fill(self, raw: bytes, little_endian: bool) -> None:
        """Set ``data`` from the storage's bytes (any trailing partial element is an error)."""
        if len(raw) % self.itemsize:
            raise CheckpointError(f"storage {self.key} has {len(raw)} bytes, not a whole number of "
                                  f"{self.itemsize}-byte elements")
        order = "<" if little_endian else ">"
        if self.dtype == "bfloat16":  # the high half of a float32
            high = np.frombuffer(raw, order + "u2").astype(np.uint32)
            self.data = (high << 16).view(np.float32)
        else:
            self.data = np.frombuffer(raw, order + self.dtype).astype(self.dtype)


@dataclass
class _StorageView:
    """A slice of a storage (legacy files of torch < 1.0 record such views)."""

    base: _Storage
    offset: int
    size: int

    @property
    def data(self) -> Optional[np.ndarray]:
        return None if self.base.data is None else self.base.data[self.offset:self.offset + self.size]


@dataclass
class _TensorRef:
    """A tensor as ``_rebuild_tensor_v2`` describes it; its storage's data may come later."""

    storage: Any
    offset: int
    shape: Tuple[int, ...]
    stride: Tuple[int, ...]

    def array(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise CheckpointError("a tensor refers to a storage the file does not contain")
        shape, stride = tuple(int(s) for s in self.shape), tuple(int(s) for s in self.stride)
        if len(shape) != len(stride) or min(shape + stride + (self.offset,), default=0) < 0:
            raise CheckpointError(f"a tensor has an invalid layout (shape {shape}, stride {stride})")
        last = self.offset + sum((n - 1) * s for n, s in zip(shape, stride)) if all(shape) else self.offset - 1
        if last >= len(data):
            raise CheckpointError(f"a tensor of shape {list(shape)} reaches past the end of its storage "
                                  f"({len(data)} elements): the file is damaged")
        start = data[self.offset:]
        view = np.lib.stride_tricks.as_strided(start, shape, [s * data.itemsize for s in stride], writeable=False)
        return np.array(view)  # a contiguous copy


@dataclass(frozen=True)
class _StorageType:
    name: str


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None) -> _TensorRef:
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    return data  # an nn.Parameter saved as such: its tensor


_ALLOWED_GLOBALS: Dict[Tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds only state-dict objects and refuses every other global.

    ``storage`` maps a persistent id's (storage type, key) to the ``_Storage`` to use; without
    it, a persistent id (a tensor storage) is an error.
    """

    def __init__(self, file: BinaryIO, storage: Optional[Callable[[_StorageType, str], _Storage]] = None):
        super().__init__(file)
        self._storage = storage

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise CheckpointError(f"the pickle asks for the global {module}.{name}, which a checkpoint of "
                                  "tensors does not need; refusing to load it (it could run code)") from None

    def persistent_load(self, pid: Any) -> Any:
        ok = self._storage is not None and isinstance(pid, tuple) and len(pid) in (5, 6) \
            and pid[0] == "storage" and isinstance(pid[1], _StorageType)
        if not ok:
            raise CheckpointError(f"unexpected persistent id {str(pid)[:80]!r} (not a torch storage)")
        storage = self._storage(pid[1], str(pid[2]))
        view = pid[5] if len(pid) == 6 else None  # legacy: (view key, offset, size) or None
        if view is not None:
            return _StorageView(storage, int(view[1]), int(view[2]))
        return storage


def _storage_table() -> Tuple[Dict[str, _Storage], Callable[[_StorageType, str], _Storage]]:
    """A key -> storage table and the function that fills it as persistent ids are read."""
    table: Dict[str, _Storage] = {}

    def storage(kind: _StorageType, key: str) -> _Storage:
        if key not in table:
            table[key] = _Storage(key, STORAGE_DTYPES[kind.name])
        return table[key]
    return table, storage


def _materialise(obj: Any) -> Any:
    """``obj`` with every ``_TensorRef`` inside dicts, lists and tuples replaced by its array."""
    if isinstance(obj, _TensorRef):
        return obj.array()
    if isinstance(obj, dict):
        return type(obj)((k, _materialise(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj


def _read_zip(path: str) -> Any:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise CheckpointError(f"a damaged or truncated zip archive ({err})") from None
    with archive:
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError("a zip archive but not a torch.save file (it has no single .../data.pkl)")
        root = pickles[0][:-len("data.pkl")]
        byteorder = "little"
        if root + "byteorder" in archive.namelist():
            byteorder = archive.read(root + "byteorder").decode("ascii", "replace").strip()
        table, storage = _storage_table()
        with archive.open(pickles[0]) as f:
            obj = SafeUnpickler(f, storage).load()
        for key, item in table.items():
            name = f"{root}data/{key}"
            if name not in archive.namelist():
                raise CheckpointError(f"the archive has no {name} (a tensor storage): the file is damaged")
            item.fill(archive.read(name), byteorder == "little")
    return _materialise(obj)


def _read_legacy(f: BinaryIO) -> Any:
    magic = SafeUnpickler(f).load()
    if magic != LEGACY_MAGIC:
        raise CheckpointError("a pickle, but not a torch.save file (no zip archive, no legacy magic number)")
    if SafeUnpickler(f).load() != LEGACY_PROTOCOL:
        raise CheckpointError("a legacy torch.save file of an unknown protocol version")
    info = SafeUnpickler(f).load()
    little_endian = not isinstance(info, dict) or bool(info.get("little_endian", True))
    table, storage = _storage_table()
    obj = SafeUnpickler(f, storage).load()
    keys = SafeUnpickler(f).load()
    if not isinstance(keys, list):
        raise CheckpointError("the legacy file's storage key list is missing")
    for key in keys:
        item = table.get(str(key))
        if item is None:
            raise CheckpointError(f"the storage list names {key!r}, which no tensor uses")
        head = f.read(8)
        count = struct.unpack("<q" if little_endian else ">q", head)[0] if len(head) == 8 else -1
        raw = f.read(count * item.itemsize) if count >= 0 else b""
        if count < 0 or len(raw) != count * item.itemsize:
            raise CheckpointError(f"the file ends inside storage {key}: it is truncated")
        item.fill(raw, little_endian)
    return _materialise(obj)


def load_torch_checkpoint(path: str) -> Tuple[Any, str]:
    """Read ``path`` (a ``torch.save`` file) -> (the saved object with numpy arrays for tensors,
    the format: 'zip' or 'legacy').

    Raises FileNotFoundError when the file is absent and CheckpointError (a ValueError) when it
    is not a readable torch.save file: not a zip archive or pickle, truncated, damaged, or a
    pickle asking for any global besides those a state dict needs.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    with open(path, "rb") as f:
        is_zip = f.read(4) == b"PK\x03\x04"
    try:
        if is_zip:
            return _read_zip(path), "zip"
        with open(path, "rb") as f:
            return _read_legacy(f), "legacy"
    except CheckpointError as err:
        raise CheckpointError(f"{path}: {err}") from None
    except Exception as err:  # the pickle machinery and zlib fail in many ways on damaged input
        what = "truncated" if isinstance(err, EOFError) else "damaged, truncated or not a torch.save file"
        raise CheckpointError(f"{path}: cannot be read as a PyTorch checkpoint ({what}: "
                              f"{type(err).__name__}: {err})") from None


# ----------------------------------------------------------------------------- writing


def _opcodes(value: Any) -> bytes:
    """Protocol-2 pickle opcodes of a plain value (str, int, tuple, None, bool), without the
    PROTO and STOP opcodes and without memo entries, to splice into a larger pickle."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=2)
    pickler.fast = True  # no memo (PUT) opcodes
    pickler.dump(value)
    return buf.getvalue()[2:-1]


def _global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode("ascii")


def _state_pickle(state: Mapping[str, np.ndarray], legacy: bool) -> Tuple[bytes, Dict[str, np.ndarray]]:
    """The pickle of ``state`` as torch writes a dict of tensors, and the storages it refers
    to by key ("0", "1", ...: one contiguous storage per tensor)."""
    storage_types = {np.dtype(v): k for k, v in STORAGE_DTYPES.items() if v != "bfloat16"}
    items, storages = [], {}
    for index, (name, value) in enumerate(state.items()):
        array = np.array(value, order="C")  # (ascontiguousarray would make a 0-d array 1-d)
        kind = storage_types.get(array.dtype.newbyteorder("="))
        if kind is None:
            raise ValueError(f"{name}: no torch storage type for dtype {array.dtype}")
        key = str(index)
        storages[key] = array
        stride = tuple(s // array.itemsize for s in array.strides)  # in elements
        # persistent id ('storage', type, key, location, numel[, view: legacy only])
        pid = _opcodes("storage") + _global("torch", kind) + _opcodes(key) + _opcodes("cpu") \
            + _opcodes(int(array.size)) + (_opcodes(None) if legacy else b"")
        # _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks)
        args = b"((" + pid + b"tQ" + _opcodes(0) + _opcodes(tuple(array.shape)) + _opcodes(stride) \
            + _opcodes(False) + _global("collections", "OrderedDict") + b")Rt"
        items.append(_opcodes(str(name)) + _global("torch._utils", "_rebuild_tensor_v2") + args + b"R")
    return b"\x80\x02}(" + b"".join(items) + b"u.", storages  # {} MARK key value ... SETITEMS STOP


def _little_endian_bytes(array: np.ndarray) -> bytes:
    return array.astype(array.dtype.newbyteorder("<")).tobytes()


def save_torch_checkpoint(state: Mapping[str, np.ndarray], path: str, legacy: bool = False) -> str:
    """Write ``state`` ({name: array}) to ``path`` as ``torch.save(dict_of_tensors, path)`` would:
    torch's zip format, or the legacy format with ``legacy=True``; returns ``path``.

    The file is written to a temporary file and renamed (``atomic_write``).
    """
    data, storages = _state_pickle(state, legacy)

    def write_zip(tmp: str) -> None:
        root = os.path.splitext(os.path.basename(path))[0] or "archive"
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(f"{root}/data.pkl", data)
            archive.writestr(f"{root}/byteorder", "little")
            for key, array in storages.items():
                archive.writestr(f"{root}/data/{key}", _little_endian_bytes(array))
            archive.writestr(f"{root}/version", "3\n")

    def write_legacy(tmp: str) -> None:
        with open(tmp, "wb") as f:
            for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, LEGACY_SYS_INFO):
                f.write(pickle.dumps(header, protocol=2))
            f.write(data)
            keys = sorted(storages)  # torch reads the storages in this list's order
            f.write(pickle.dumps(keys, protocol=2))
            for key in keys:
                f.write(struct.pack("<q", storages[key].size))  # element count, then the bytes
                f.write(_little_endian_bytes(storages[key]))

    return atomic_write(path, write_legacy if legacy else write_zip)
