"""One raw NTU RGB+D ``.skeleton`` file -> one training sample (3, T, 25, 2). numpy only.

It imports nothing else of the package, so ``data/ntu-rgb-d/prepare_ntu.py`` loads it by
path and prepares a dataset without paddle. A ``.skeleton`` file is Kinect v2 text, one
record per line (LF or CRLF)::

    <frames>
    then per frame:  <bodies>
      per body:      <body id> <9 more tracking fields>             10 fields
                     <joints>                                       always 25
      per joint:     x y z depthX depthY colorX colorY qW qX qY qZ state   12 fields

Every field must be a decimal number (``[+-]digits[.digits][e[+-]digits]``); x, y, z
(metres, camera space) are used. A problem raises :class:`SkeletonFormatError` naming the
file, the line and what was expected.

The sample is the reference's (CTR-GCN's ``get_raw_skes_data.py``,
``get_raw_denoised_data.py``, ``seq_transformation.py``), bit for bit:

1. Frames without any body are dropped; a body keeps the frames it appears in.
2. With several body ids, noise bodies go: those seen in at most ``LENGTH_MAX_NOISE``
   frames, then (while more than one is left) those wider than tall (x-spread >
   ``SPREAD_X_OVER_Y`` * y-spread) in at least ``SPREAD_NOISE_RATE`` of their frames.
   The rest are ranked by motion; the first is actor 1, later ones join actor 1 or 2
   when their frames do not overlap that actor's. Frames where every kept coordinate
   is zero are removed. (The reference's motion-range filter is disabled, so not here.)
3. Everything is translated so that actor 1's spine-middle joint (joint 2) in its first
   non-zero frame is the origin; frames where an actor is absent stay zero.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

NUM_JOINTS = 25
SPINE_MID = 1  # 0-based index of joint 2, the new origin
LENGTH_MAX_NOISE = 11  # bodies tracked in at most this many frames are noise
SPREAD_X_OVER_Y = 0.8  # a frame is noisy when x-spread > 0.8 * y-spread
SPREAD_NOISE_RATE = 0.69754  # a body whose noisy-frame share reaches this is noise
BODY_FIELDS, JOINT_FIELDS = 10, 12
SINGLE_ACTOR_FILLS = ("zeros", "copy")

ERROR_KINDS = (  # SkeletonFormatError.kind
    "empty file", "truncated", "wrong field count", "bad count", "bad joint count",  # the layout, at a line
    "non-numeric value", "duplicate body id", "trailing data",  # (non-numeric: also x/y/z beyond float32)
    "no skeleton", "no actor left", "all-zero joints",  # no body in any frame, none left by denoising
    "bad file name", "unreadable", "internal error")  # dataset preparation: name, I/O, a bug met on a file


class SkeletonFormatError(ValueError):
    """A file (or its name) that cannot become a sample: ``path``, 1-based ``line`` or None,
    ``kind`` (one of ERROR_KINDS) and ``reason``."""

    def __init__(self, path: str, line: int | None, kind: str, reason: str):
        self.path, self.line, self.kind, self.reason = str(path), line, kind, reason
        super().__init__(f"{self.path}{'' if line is None else f':{line}'}: {reason}")

    def __reduce__(self):  # keep the attributes when sent between processes
        return (SkeletonFormatError, (self.path, self.line, self.kind, self.reason))


@dataclass
class BodyTrack:
    """One body id: ``joints`` (n, 25, 3) float32 in metres over the non-empty frames
    ``start`` .. ``end`` (0-based, inclusive)."""

    body_id: str
    start: int
    joints: np.ndarray

    @property
    def end(self) -> int:
        return self.start + len(self.joints) - 1


@dataclass
class SkeletonSequence:
    """A read file: its frame count, the 0-based frames without bodies, and its bodies
    in order of first appearance."""

    path: str
    num_frames: int
    dropped_frames: list[int]
    bodies: dict[str, BodyTrack]


@dataclass
class DenoiseReport:
    """What cleaning did to one file (for logs and summaries)."""

    num_bodies: int = 0
    dropped_frames: list[int] = field(default_factory=list)
    removed_by_length: list[tuple[str, int]] = field(default_factory=list)  # (id, frames)
    removed_by_spread: list[tuple[str, float]] = field(default_factory=list)  # (id, noisy share)
    not_placed: list[str] = field(default_factory=list)  # overlapped both actors
    missing_frames_removed: int = 0
    num_actors: int = 0


_NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


def parse_ntu_name(name: str) -> dict[str, int]:
    """Setup, camera, performer, replication, action (1-based, as written) and ``label =
    action - 1`` of an NTU name, file name or path. Raises SkeletonFormatError."""
    stem = os.path.basename(str(name))
    stem = stem[:-len(".skeleton")] if stem.endswith(".skeleton") else stem
    match = _NAME.fullmatch(stem)
    ids = tuple(int(g) for g in match.groups()) if match else (0,)
    if 0 in ids:
        raise SkeletonFormatError(name, None, "bad file name",
                                  f"name {stem!r} is not of the form SsssCcccPpppRrrrAaaa with ids from 001")
    keys = ("setup", "camera", "performer", "replication", "action")
    return dict(zip(keys, ids), label=ids[4] - 1)


# ---------------------------------------------------------------------------------- reading

_NUMBER = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BODY_COUNTS = [BODY_FIELDS, 1] + [JOINT_FIELDS] * NUM_JOINTS  # fields per line of a body
_XYZ = JOINT_FIELDS * np.arange(NUM_JOINTS)[:, None] + np.arange(3)  # (25, 3) field offsets


def read_skeleton_file(path: str | os.PathLike) -> SkeletonSequence:
    """Read one ``.skeleton`` file (see :func:`parse_skeleton_text`); OSError if unreadable."""
    with open(path, "rb") as f:
        return parse_skeleton_text(f.read(), os.fspath(path))


def parse_skeleton_text(data: bytes, path: str = "<bytes>") -> SkeletonSequence:
    """The frame count, frames without bodies and bodies of a ``.skeleton`` file's bytes.

    Fields and line lengths are found with whole-array operations; the frames and bodies
    are then walked line by line, which names the first problem."""
    text = _Text(data, path)
    counts, first, last_line = text.counts, text.first, text.last_line
    num_frames = text.count(0, "the frame count")
    line, dropped, ids, body_frames, joint_fields = 1, [], [], [], []
    for frame in range(num_frames):
        num_bodies = text.count(line, "the body count", frame)
        line += 1
        if num_bodies == 0:
            dropped.append(frame)
            continue
        in_frame = []
        for _ in range(num_bodies):
            if counts[line:line + 2 + NUM_JOINTS] != _BODY_COUNTS or text.head(line + 1) != b"25":
                text.explain_body(line, frame)
            body_id = text.head(line).decode()
            if body_id in in_frame:
                raise SkeletonFormatError(path, line + 1, "duplicate body id",
                                          f"body id {body_id} appears twice in frame {frame + 1}")
            in_frame.append(body_id)
            body_frames.append(frame - len(dropped))
            joint_fields.append(first[line + 2])
            line += 2 + NUM_JOINTS
        ids += in_frame
    if line <= last_line:
        trailing = line + next(k for k, n in enumerate(counts[line:]) if n)
        raise SkeletonFormatError(path, trailing + 1, "trailing data",
                                  f"unexpected content after the last of {num_frames} frames")
    xyz = text.decimals(np.asarray(joint_fields, dtype=np.int64).reshape(-1, 1, 1) + _XYZ)  # (B, 25, 3)
    rows_of: dict[str, list[int]] = {}
    for k, body_id in enumerate(ids):
        rows_of.setdefault(body_id, []).append(k)
    bodies = {body_id: BodyTrack(body_id, body_frames[rows[0]], xyz[rows] if len(rows_of) > 1 else xyz)
              for body_id, rows in rows_of.items()}
    return SkeletonSequence(path, num_frames, dropped, bodies)


class _Text:
    """The whitespace-separated fields of a file, checked to be decimal numbers: ``starts``,
    ``ends`` byte offsets; per line ``counts`` of fields and index of the ``first`` (lists);
    ``last_line`` holding a field (0-based); ``exponents``: fields holding an e or E."""

    def __init__(self, data: bytes, path: str):
        self.data, self.path = data, path
        self.marks = marks = data.translate(None, b"0123456789")  # what is not a digit
        if marks.translate(None, b".+-eE \t\r\n"):
            pos = re.search(rb"[^0-9.+\-eE \t\r\n]", data).start()
            raise self.error_at(pos, f"character {data[pos:pos + 1]!r}; fields must be numbers")
        self.buf = buf = np.frombuffer(data, dtype=np.uint8)
        space = np.concatenate(([True], buf <= ord(" "), [True]))
        edges = np.flatnonzero(space[1:] != space[:-1])  # field starts and ends, alternating
        self.starts, self.ends = edges[0::2], edges[1::2]
        if not len(self.starts):
            raise SkeletonFormatError(path, None, "empty file", "the file has no content")
        first = np.concatenate(([0], np.searchsorted(self.starts, np.flatnonzero(buf == ord("\n")))))
        counts = np.diff(first, append=len(self.starts))
        self.first, self.counts = first.tolist(), counts.tolist()
        heads = np.minimum(first, len(self.starts) - 1)  # (a line without field has none)
        self.head_starts, self.head_ends = self.starts[heads].tolist(), self.ends[heads].tolist()
        self.last_line = int(np.flatnonzero(counts)[-1])
        self.exponents = np.unique(np.searchsorted(self.starts, [*_find_all(data, b"e"), *_find_all(data, b"E")],
                                                   side="right") - 1)  # the fields holding them
        self._check_numbers()

    def _check_numbers(self) -> None:
        """Raise for the first field that is not a decimal number. A field without e/E that
        ends with a digit, holds at most one dot (without digits, two dots of a field touch)
        and a sign only first (signs are counted) is one; the others are matched one by one."""
        buf, starts = self.buf, self.starts
        marks = np.frombuffer(self.marks, dtype=np.uint8)  # (numpy counts faster than bytes.count and `in`)
        suspects = set(self.exponents.tolist()) | set(np.flatnonzero((buf[self.ends - 1] - np.uint8(48)) > 9).tolist())
        heads = buf[starts]
        inner_signs = np.count_nonzero((marks == 43) | (marks == 45)) - np.count_nonzero((heads == 43) | (heads == 45))
        inner_signs -= sum(self.field(k)[1:].count(b"-") + self.field(k)[1:].count(b"+") for k in suspects)
        if inner_signs or ((marks[1:] == 46) & (marks[:-1] == 46)).any():  # a field without e/E is wrong: find it
            suspects = range(len(starts))
        for k in sorted(suspects):
            if not _NUMBER.fullmatch(self.field(k)):
                raise self.error_at(int(starts[k]), f"{self.field(k).decode()!r} is not a decimal number")

    def field(self, k: int) -> bytes:
        return self.data[self.starts[k]:self.ends[k]]

    def head(self, line: int) -> bytes:
        """The first field of 0-based ``line``."""
        return self.data[self.head_starts[line]:self.head_ends[line]]

    def error_at(self, pos: int, reason: str) -> SkeletonFormatError:
        return SkeletonFormatError(self.path, self.data.count(b"\n", 0, pos) + 1, "non-numeric value", reason)

    def count(self, line: int, what: str, frame: int | None = None) -> int:
        """The whole number alone on 0-based ``line``."""
        if line <= self.last_line and self.counts[line] == 1:
            token = self.head(line)
            if token.isdigit():
                return int(token)
        self.fail(line, 1, what if frame is None else f"{what} of frame {frame + 1}")

    def explain_body(self, line: int, frame: int) -> None:
        """Raise the error of the first wrong line of the body starting at 0-based ``line``."""
        self.fail(line, BODY_FIELDS, f"a body line of frame {frame + 1}")
        joints = self.count(line + 1, "the joint count", frame)
        if joints != NUM_JOINTS:
            raise SkeletonFormatError(self.path, line + 2, "bad joint count",
                                      f"expected {NUM_JOINTS} joints, found {joints}")
        for k in range(NUM_JOINTS):
            self.fail(line + 2 + k, JOINT_FIELDS, f"joint {k + 1} of frame {frame + 1}")

    def fail(self, line: int, fields: int, what: str) -> None:
        """Raise why 0-based ``line`` is not ``what`` of ``fields`` fields (nothing when it is,
        but for a count that is not a whole number)."""
        if line > self.last_line:
            raise SkeletonFormatError(self.path, line + 1, "truncated", f"file ends where {what} was expected")
        found = self.counts[line]
        if found < fields and line == self.last_line:
            raise SkeletonFormatError(self.path, line + 1, "truncated",
                                      f"file ends inside {what} ({found} of {fields} fields)")
        if found != fields:
            raise SkeletonFormatError(self.path, line + 1, "wrong field count",
                                      f"{what} must have {fields} field(s), found {found}")
        if fields == 1:
            raise SkeletonFormatError(self.path, line + 1, "bad count", f"{what} must be a whole number, "
                                      f"found {self.head(line).decode()!r}")

    def decimals(self, ks: np.ndarray) -> np.ndarray:
        """float32 values of number fields ``ks`` (any shape), rounded as the reference's
        ``np.array(str, np.float32)`` does: to float64 first, then to float32."""
        flat = ks.ravel()
        values = _decimals(self.buf, self.starts[flat], self.ends[flat])
        slow = np.isnan(values) | (np.isin(flat, self.exponents) if len(self.exponents) else False)
        for i in np.flatnonzero(slow).tolist():
            values[i] = float(self.field(int(flat[i])))
        with np.errstate(over="ignore"):
            out = values.astype(np.float32)
        if not np.isfinite(out).all():
            k = int(flat[np.flatnonzero(~np.isfinite(out))[0]])
            raise self.error_at(int(self.starts[k]), f"{self.field(k).decode()!r} is out of the float32 range")
        return out.reshape(ks.shape)


def _find_all(data: bytes, byte: bytes):
    at = data.find(byte)
    while at >= 0:
        yield at
        at = data.find(byte, at + 1)


_POW10 = np.array([float(10 ** k) for k in range(9)])  # exact
_LANES = [np.uint64(c) for c in (0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0xFFFFFFFF)]


def _decimals(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """float64 values of number fields ``[+-]d.ddd`` (1 or 2 digits before the dot, up to 8
    after, no exponent), exactly as float() gives them; NaN for other forms. The whole part I
    is its digit bytes; the f digits F after the dot are the 8 bytes ending with them as one
    little-endian word, masked to 0-9 and joined (10a + b, 100ab + cd, 10**4 abcd + efgh).
    (I * 10**f + F) / 10**f is one correctly rounded division of exact integers, as float()
    does: 60 ns per x/y/z value, against 230 ns for float() of each field."""
    words = np.ndarray((max(len(buf) - 7, 0),), dtype="<u8", buffer=buf, strides=(1,))  # bytes j .. j + 7
    first = starts + ((buf[starts] == ord("-")) | (buf[starts] == ord("+")))  # the first digit
    second = buf.take(first + 1, mode="clip")
    dot = np.where(second == ord("."), first + 1, first + 2)
    fraction = ends - 1 - dot  # digits after the dot
    plain = (buf.take(dot, mode="clip") == ord(".")) & (fraction >= 0) & (fraction <= 8) & (dot >= 8)
    fraction, whole = np.where(plain, fraction, 0), buf.take(first, mode="clip") - 48.0
    whole = np.where(dot > first + 1, 10.0 * whole + (second - 48.0), whole)

    def digits(end: np.ndarray, count: np.ndarray) -> np.ndarray:  # the ``count`` digits before ``end``
        shift = np.uint64(8) * (8 - count).astype(np.uint64)
        w = ((words[np.where(plain, end, 8) - 8] >> shift) << shift) & _LANES[0]
        for factor, bits, lanes in ((10, 8, _LANES[1]), (100, 16, _LANES[2]), (10000, 32, _LANES[3])):
            w = (w * np.uint64(factor) + (w >> np.uint64(bits))) & lanes
        return w.astype(np.float64)

    values = (whole * _POW10[fraction] + digits(ends, fraction)) / _POW10[fraction]
    values[buf[starts] == ord("-")] *= -1
    values[~plain] = np.nan
    return values


# ------------------------------------------------------------------ denoising, actors, layout


def _motion(joints: np.ndarray) -> np.float32:
    """Sum over x, y, z of the variance of all joint positions (m^2)."""
    return np.sum(np.var(joints.reshape(-1, 3), axis=0))


def _noisy_frames(joints: np.ndarray) -> np.ndarray:
    """(n,) bool: frames whose x-spread exceeds SPREAD_X_OVER_Y times the y-spread."""
    x, y = joints[:, :, 0], joints[:, :, 1]
    return ~((x.max(axis=1) - x.min(axis=1)) <= SPREAD_X_OVER_Y * (y.max(axis=1) - y.min(axis=1)))


def select_actors(seq: SkeletonSequence) -> tuple[np.ndarray, DenoiseReport]:
    """(F, M, 25, 3) float32 actors (M = 1 or 2, untranslated, absent = zeros) over the
    kept frames, and what denoising removed. Raises SkeletonFormatError when no body is
    left."""
    report = DenoiseReport(num_bodies=len(seq.bodies), dropped_frames=list(seq.dropped_frames))
    bodies = list(seq.bodies.values())
    if not bodies:
        raise SkeletonFormatError(seq.path, None, "no skeleton", f"no body in any of the {seq.num_frames} frames")
    if len(bodies) == 1:
        report.num_actors = 1
        return bodies[0].joints[:, None].copy(), report
    kept = [b for b in bodies if len(b.joints) > LENGTH_MAX_NOISE]
    report.removed_by_length = [(b.body_id, len(b.joints)) for b in bodies if len(b.joints) <= LENGTH_MAX_NOISE]
    if not kept:
        raise SkeletonFormatError(seq.path, None, "no actor left",
                                  f"all {len(bodies)} bodies are shorter than {LENGTH_MAX_NOISE + 1} frames")
    motion = {b.body_id: _motion(b.joints) for b in kept}
    for body in list(kept):
        if len(kept) == 1:
            break
        noisy = _noisy_frames(body.joints)
        rate = int(noisy.sum()) / float(len(body.joints))
        if rate >= SPREAD_NOISE_RATE:
            kept.remove(body)
            report.removed_by_spread.append((body.body_id, rate))
        elif noisy.any():
            motion[body.body_id] = min(motion[body.body_id], _motion(body.joints[~noisy]))
    kept.sort(key=lambda b: motion[b.body_id], reverse=True)
    num_frames = seq.num_frames - len(seq.dropped_frames)
    actors = np.zeros((num_frames, min(len(kept), 2), NUM_JOINTS, 3), dtype=np.float32)
    spans = [[kept[0].start, kept[0].end], [0, 0]]  # actor 2's span starts at frame 0
    actors[kept[0].start:kept[0].end + 1, 0] = kept[0].joints
    for body in kept[1:]:
        slot = next((m for m, (s, e) in enumerate(spans) if min(body.end, e) - max(body.start, s) <= 0), None)
        if slot is None:
            report.not_placed.append(body.body_id)
            continue
        actors[body.start:body.end + 1, slot] = body.joints
        spans[slot] = [min(spans[slot][0], body.start), max(spans[slot][1], body.end)]
    present = actors.reshape(num_frames, -1).sum(axis=1) != 0
    report.missing_frames_removed = int(num_frames - present.sum())
    report.num_actors = actors.shape[1]
    return (actors[present] if report.missing_frames_removed else actors), report


def center_on_first_spine(actors: np.ndarray, path: str = "<sample>") -> np.ndarray:
    """(F, M, 25, 3) actors translated so that actor 1's spine-middle joint in its first
    non-zero frame is the origin; with two actors, frames where an actor is absent (its
    coordinates sum to zero) stay zero. Returns a new float32 array."""
    actors = np.array(actors, dtype=np.float32)
    absent = actors.reshape(len(actors), actors.shape[1], -1).sum(axis=2) == 0  # (F, M)
    nonzero = np.flatnonzero(actors[:, 0].reshape(len(actors), -1).any(axis=1))
    if not len(nonzero):
        raise SkeletonFormatError(path, None, "all-zero joints", "every joint coordinate of the main actor is zero")
    actors -= actors[nonzero[0], 0, SPINE_MID].copy()
    if actors.shape[1] == 2:
        actors[absent] = 0
    return actors


def prepare_sequence(seq: SkeletonSequence, single_actor: str = "zeros") -> tuple[np.ndarray, DenoiseReport]:
    """Denoised, translated sample (3, F, 25, 2) float32 of a read file, with its report.
    With one actor the second slot is zeros (NTU-60 reference) or a copy of the first
    (``"copy"``, CTR-GCN's NTU-120 preparation)."""
    if single_actor not in SINGLE_ACTOR_FILLS:
        raise ValueError(f"single_actor must be one of {SINGLE_ACTOR_FILLS}, got {single_actor!r}")
    actors, report = select_actors(seq)
    actors = center_on_first_spine(actors, seq.path)  # (F, M, 25, 3)
    out = np.zeros((3, len(actors), NUM_JOINTS, 2), dtype=np.float32)
    out[..., :actors.shape[1]] = actors.transpose(3, 0, 2, 1)  # (3, F, 25, M)
    if actors.shape[1] == 1 and single_actor == "copy":
        out[..., 1] = out[..., 0]
    return out, report


def prepare_skeleton_file(path: str | os.PathLike, single_actor: str = "zeros") -> np.ndarray:
    """One raw ``.skeleton`` file as a sample (3, T, 25, 2) float32 in metres, prepared as
    the dataset preparation does, not padded. Raises SkeletonFormatError or OSError."""
    return prepare_sequence(read_skeleton_file(path), single_actor)[0]


# ------------------------------------------------------------ benchmarks of the dataset papers

NTU60_XSUB_TRAIN = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
NTU120_XSUB_TRAIN = NTU60_XSUB_TRAIN + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84,
    85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)


@dataclass(frozen=True)
class Benchmark:
    """A train/val split by one id of the file name (``key``: performer, camera or setup);
    samples are ordered by the id's place in ``train``/``val``, then by name."""

    name: str
    key: str
    train: tuple[int, ...]
    val: tuple[int, ...]

    def split_of(self, info: dict[str, int]) -> str | None:
        value = info[self.key]
        return "train" if value in self.train else "val" if value in self.val else None


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    max_setup: int
    max_performer: int
    num_classes: int
    benchmarks: tuple[Benchmark, ...]
    single_actor: str  # what the reference puts in the second slot of one-actor samples

    def contains(self, info: dict[str, int]) -> bool:
        return (info["setup"] <= self.max_setup and info["performer"] <= self.max_performer
                and info["action"] <= self.num_classes and info["camera"] <= 3)


DATASETS: dict[str, DatasetSpec] = {
    "ntu60": DatasetSpec("ntu60", 17, 40, 60, (
        Benchmark("xsub", "performer", NTU60_XSUB_TRAIN, tuple(sorted(set(range(1, 41)) - set(NTU60_XSUB_TRAIN)))),
        Benchmark("xview", "camera", (2, 3), (1,))), single_actor="zeros"),
    "ntu120": DatasetSpec("ntu120", 32, 106, 120, (
        Benchmark("xsub", "performer", NTU120_XSUB_TRAIN, tuple(sorted(set(range(1, 107)) - set(NTU120_XSUB_TRAIN)))),
        Benchmark("xset", "setup", tuple(range(2, 33, 2)), tuple(range(1, 33, 2)))), single_actor="copy"),
}
