"""Read raw NTU RGB+D ``.skeleton`` files and turn one into a training sample.

A ``.skeleton`` file is Kinect v2 text, one record per line (LF or CRLF)::

    <frames>
    then per frame:  <bodies>
      per body:      <body id> <9 more tracking fields>             10 fields
                     <joints>                                       always 25
      per joint:     x y z depthX depthY colorX colorY qW qX qY qZ state   12 fields

Only x, y, z (metres, camera space) are used. Every field must be a decimal number
(``[+-]digits[.digits][e[+-]digits]``); anything else makes the whole file invalid.

Turning a file into a sample reproduces the reference NTU preparation of CTR-GCN and
PaddleVideo (``get_raw_skes_data.py``, ``get_raw_denoised_data.py``,
``seq_transformation.py``) number for number:

1. Frames without any body are dropped. A body keeps the frames it appears in, placed
   one after another from its first frame (the reference's bookkeeping).
2. With one body id in the file, that body is the sample. With several, noise bodies go:
   those seen in at most ``LENGTH_MAX_NOISE`` frames, then (while more than one body is
   left) those whose frames are mostly wider than tall (x-spread >
   ``SPREAD_X_OVER_Y`` * y-spread in at least ``SPREAD_NOISE_RATE`` of their frames).
   The survivors are ranked by motion (sum of per-axis joint variance, over the
   non-noisy frames); the first is actor 1, later ones join actor 1 or actor 2 when
   their frame range does not overlap that actor's, and are left out otherwise.
   Frames where every kept coordinate is zero are then removed. (The reference also
   defines a motion-range filter, but its code path is disabled, so it is not applied.)
3. Everything is translated so that actor 1's spine-middle joint (joint 2) of its first
   non-zero frame is the origin; frames where an actor is absent stay zero.

Every problem with a file's content raises :class:`SkeletonFormatError`.
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

BODY_FIELDS = 10
JOINT_FIELDS = 12

SINGLE_ACTOR_FILLS = ("zeros", "copy")


ERROR_KINDS = (
    "empty file",  # no field at all
    "truncated",  # the file ends before the frames it announces
    "wrong field count",  # a line with the wrong number of fields
    "bad count",  # a frame, body or joint count that is not a whole number
    "bad joint count",  # a body with other than 25 joints
    "non-numeric value",  # a field that is not a decimal number, or overflows
    "duplicate body id",  # one body id twice in a frame
    "trailing data",  # content after the last frame
    "no skeleton",  # no body in any frame (NTU's "missing skeleton" samples)
    "no actor left",  # every body is noise by the length rule
    "all-zero joints",  # the main actor never has a non-zero coordinate
    "bad file name",  # not SsssCcccPpppRrrrAaaa
    "unreadable",  # the file could not be read (used by the dataset preparation)
)


class SkeletonFormatError(ValueError):
    """A skeleton file (or its name) cannot become a sample.

    Attributes:
        path: the file (or name) concerned.
        line: 1-based line number of the problem, or None when it is not tied to a line.
        kind: short category used to group skips in summaries, one of ``ERROR_KINDS``.
        reason: human-readable explanation.
    """

    def __init__(self, path: str, line: int | None, kind: str, reason: str):
        self.path = str(path)
        self.line = line
        self.kind = kind
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):  # keep the attributes when sent between processes
        return (SkeletonFormatError, (self.path, self.line, self.kind, self.reason))


@dataclass
class BodyTrack:
    """One tracked body id: its joints in the frames it appears in.

    Attributes:
        body_id: the tracking id as written in the file.
        start: index of its first frame among the non-empty frames (0-based).
        joints: (n, 25, 3) float32, x/y/z in metres; it occupies frames start .. start+n-1.
    """

    body_id: str
    start: int
    joints: np.ndarray

    @property
    def length(self) -> int:
        return len(self.joints)

    @property
    def end(self) -> int:
        """Index of its last frame (inclusive)."""
        return self.start + len(self.joints) - 1

    @property
    def motion(self) -> np.float32:
        """Sum over x, y, z of the variance of all its joint positions (float32, m^2)."""
        return _motion(self.joints)


@dataclass
class SkeletonSequence:
    """Content of one ``.skeleton`` file.

    Attributes:
        path: the file read.
        num_frames: frame count written in the file.
        dropped_frames: 0-based indices of frames that contain no body.
        bodies: body id -> track, in order of first appearance.
    """

    path: str
    num_frames: int
    dropped_frames: list[int]
    bodies: dict[str, BodyTrack]

    @property
    def num_valid_frames(self) -> int:
        return self.num_frames - len(self.dropped_frames)


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


# ---------------------------------------------------------------------------
# file names


_NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


def parse_ntu_name(name: str) -> dict[str, int]:
    """Setup, camera, performer, replication and action of an NTU sample name.

    ``name`` may be a bare name (``S001C002P003R002A013``), a file name with
    ``.skeleton`` or a path. Returns ``{"setup", "camera", "performer", "replication",
    "action", "label"}``: ids as written (1-based) and ``label = action - 1``.
    Raises SkeletonFormatError (kind ``"bad file name"``) when the name does not match.
    """
    stem = os.path.basename(str(name))
    if stem.endswith(".skeleton"):
        stem = stem[: -len(".skeleton")]
    match = _NAME.fullmatch(stem)
    if match is None or 0 in (ids := tuple(int(g) for g in match.groups())):
        raise SkeletonFormatError(
            name, None, "bad file name",
            f"name {stem!r} is not of the form SsssCcccPpppRrrrAaaa with ids from 001")
    setup, camera, performer, replication, action = ids
    return {"setup": setup, "camera": camera, "performer": performer,
            "replication": replication, "action": action, "label": action - 1}


# ---------------------------------------------------------------------------
# reading: vectorised tokenising and number parsing of the whole file

_NOT_NUMERIC = re.compile(rb"[^0-9.+\-eE \t\r\n]")
_TOKEN = re.compile(rb"[^ \t\r\n]+")
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_POW10 = 10.0 ** np.arange(23)  # powers of ten that float64 holds exactly
_FAST_WIDTH = 16  # x/y/z tokens of up to 15 bytes (so at most 15 digits, exact in
                  # float64) are converted together; longer ones by float()


class _Text:
    """The bytes of one file: token starts, number grammar, line numbers and values.

    Works on whole arrays of bytes, so a file costs a few numpy passes instead of a
    Python call per field."""

    def __init__(self, path: str, data: bytes):
        self.path = path
        self.data = data
        buf = np.frombuffer(data, dtype=np.uint8)
        # spaces around: padded[1:n+1] are the bytes; tokens read past the end see spaces
        self.padded = np.concatenate((_SPACES[:1], buf, _SPACES))
        self.newlines = np.flatnonzero(buf == ord("\n"))

    def line_of(self, pos: int) -> int:
        """1-based line number of byte offset ``pos``."""
        return int(np.searchsorted(self.newlines, pos)) + 1

    def fail(self, pos: int, reason: str) -> SkeletonFormatError:
        return SkeletonFormatError(self.path, self.line_of(pos), "non-numeric value", reason)

    def token_at(self, pos: int) -> str:
        """The whitespace-separated token around byte offset ``pos`` (for messages)."""
        begin = pos
        while begin > 0 and self.data[begin - 1] > ord(" "):
            begin -= 1
        return _TOKEN.match(self.data, begin).group().decode("latin-1")

    def token_starts(self) -> np.ndarray:
        """Byte offsets where whitespace-separated tokens start, after checking that
        every token is a decimal number ``[+-]?(D+.?D*|.D+)([eE][+-]?D+)?`` (D a digit)."""
        marks_only = self.data.translate(None, b"0123456789+-")  # (4x shorter)
        if marks_only.translate(None, b".eE \t\r\n"):
            pos = _NOT_NUMERIC.search(self.data).start()
            raise self.fail(pos, f"character {self.data[pos:pos + 1]!r} in "
                                 f"{self.token_at(pos)!r}; fields must be numbers")
        padded = self.padded[:len(self.data) + 2]  # [1:-1] a byte, [:-2] left, [2:] right
        space = padded <= ord(" ")  # only space, tab, CR and LF are that low here
        starts = np.flatnonzero(space[:-2] & ~space[1:-1])
        # Each sign, dot and exponent mark must sit where a number allows it, judging by
        # its two neighbours: a sign first or after the mark, a dot next to a digit, a
        # mark between a digit or dot and a digit or sign.
        marks = np.flatnonzero(~space[1:-1] & ((padded[1:-1] - np.uint8(ord("0"))) > 9))
        here, left, right = padded[marks + 1], padded[marks], padded[marks + 2]
        sign, dot = here < ord("."), here == ord(".")  # "+" 43, "-" 45, "." 46, "E"/"e" above
        left_digit = (left - np.uint8(ord("0"))) < 10
        right_digit = (right - np.uint8(ord("0"))) < 10
        ok = np.where(
            sign, ((left <= ord(" ")) & (right_digit | (right == ord("."))))
            | (((left | 0x20) == ord("e")) & right_digit),
            np.where(dot, left_digit | right_digit,
                     (left_digit | (left == ord(".")))
                     & (right_digit | (right == ord("+")) | (right == ord("-")))))
        # Then a token holds at most one dot, then at most one exponent mark. With digits
        # and signs deleted, a token keeps only its marks, so that holds when no two
        # marks touch except a dot followed by an exponent mark.
        marks_only = np.frombuffer(marks_only, dtype=np.uint8)
        touching = (marks_only[:-1] > ord(" ")) & (marks_only[1:] > ord(" "))
        clash = touching & ~((marks_only[:-1] == ord(".")) & (marks_only[1:] > ord(".")))
        if not ok.all() or clash.any():  # name the first token that is not a number
            token = next(m for m in _TOKEN.finditer(self.data) if not _NUMBER.fullmatch(m.group()))
            raise self.fail(token.start(), f"{token.group().decode()!r} is not a decimal number")
        return starts

    def token_matrix(self, starts: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Bytes of the tokens starting at ``starts``, one column each: (width, n) uint8,
        and each token's length (0 when it is ``width`` bytes or longer)."""
        rows = np.arange(width)[:, None]
        chars = self.padded[starts + 1 + rows]  # byte j of each token, then what follows
        return chars, np.argmax(chars <= ord(" "), axis=0)

    def parse_counts(self, starts: np.ndarray) -> np.ndarray:
        """int64 values of the tokens starting at ``starts`` that are plain whole numbers
        (digits only, at most 18); -1 for any other token."""
        chars, length = self.token_matrix(starts, _COUNT_DIGITS + 1)
        width = int(length.max(initial=0))
        inside = np.arange(width)[:, None] < length
        value = (chars[:width] - np.uint8(ord("0"))).astype(np.int64)
        plain = (length > 0) & ~(inside & (value > 9)).any(axis=0)
        out = np.zeros(len(starts), dtype=np.int64)
        for j in range(width):
            out = np.where(inside[j], out * 10 + value[j], out)
        return np.where(plain, out, -1)

    def token_texts(self, starts: np.ndarray) -> np.ndarray | None:
        """The tokens starting at ``starts`` as an array of bytes strings, or None if one
        is longer than 18 bytes."""
        chars, length = self.token_matrix(starts, _COUNT_DIGITS + 1)
        if not length.all():
            return None
        chars = np.where(np.arange(len(chars))[:, None] < length, chars, np.uint8(0))
        return np.ascontiguousarray(chars.T).view(f"S{len(chars)}").ravel()

    def parse_floats(self, starts: np.ndarray, width: int) -> np.ndarray:
        """float64 values of the (checked) number tokens starting at ``starts``, correctly
        rounded: the same values as float(). ``width`` <= _FAST_WIDTH; tokens of
        ``width`` bytes or more and tokens with an exponent are converted one by one."""
        chars, length = self.token_matrix(starts, width)
        rows = np.arange(width)[:, None]
        inside = rows < length
        is_dot = inside & (chars == ord("."))
        has_dot = is_dot.any(axis=0)
        dot = (rows * is_dot).sum(axis=0)  # position of the (single) dot
        value = chars - np.uint8(ord("0"))  # digits 0..9; other bytes wrap above 9
        digit = inside & (value < 10)
        step = digit * np.uint8(9) + np.uint8(1)  # 10 at digits, 1 (skip) elsewhere
        value = np.where(digit, value, np.uint8(0))
        mantissa = value[0].astype(np.float64)
        for j in range(1, width):  # Horner's rule down the rows
            mantissa = mantissa * step[j] + value[j]
        fraction = np.where(has_dot, length - 1 - dot, 0)
        out = mantissa / _POW10[fraction]
        out[chars[0] == ord("-")] *= -1
        # length 0: no space within width bytes, the token is too long for this path
        slow = (length == 0) | (inside & ((chars | 0x20) == ord("e"))).any(axis=0)
        for i in np.flatnonzero(slow):  # exponents and long tokens
            out[i] = float(_TOKEN.match(self.data, int(starts[i])).group())
        return out


_COUNT_DIGITS = 18  # whole numbers up to 18 digits fit int64
_SPACES = np.full(max(_FAST_WIDTH, _COUNT_DIGITS + 1) + 2, ord(" "), dtype=np.uint8)


def read_skeleton_file(path: str | os.PathLike) -> SkeletonSequence:
    """Read one ``.skeleton`` file.

    Returns the frame count, the indices of frames without bodies, and each body id's
    joints (n, 25, 3) float32 in metres. Raises SkeletonFormatError naming the line for
    an empty, truncated or otherwise malformed file; OSError if it cannot be read.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    return parse_skeleton_text(data, path)


def parse_skeleton_text(data: bytes, path: str = "<bytes>") -> SkeletonSequence:
    """Parse the bytes of a ``.skeleton`` file (see :func:`read_skeleton_file`)."""
    text = _Text(path, data)
    starts = text.token_starts()
    if len(starts) == 0:
        raise SkeletonFormatError(path, None, "empty file", "the file has no content")
    lines = _Lines(text, starts)
    layout = _layout_at_once(text, starts, lines) or _layout_line_by_line(text, starts, lines)
    xyz = _joint_positions(text, starts, lines.first_token, layout.block_lines)
    tracks: dict[str, list[int]] = {}
    for k, body_id in enumerate(layout.body_ids):
        tracks.setdefault(body_id, []).append(k)
    bodies = {body_id: BodyTrack(body_id, int(layout.body_frames[ks[0]]), xyz[ks])
              for body_id, ks in tracks.items()}
    return SkeletonSequence(path, layout.num_frames, layout.dropped, bodies)


@dataclass
class _LayoutResult:
    num_frames: int
    dropped: list[int]  # 0-based frames without bodies
    body_ids: list[str]  # per body, in file order
    body_frames: np.ndarray  # per body: index of its frame among the non-empty frames
    block_lines: np.ndarray  # per body: 0-based line of its first joint


class _Lines:
    """Field counts per line."""

    def __init__(self, text: _Text, starts: np.ndarray):
        self.first_token = np.concatenate(([0], np.searchsorted(starts, text.newlines)))
        self.counts = np.diff(self.first_token, append=len(starts))  # fields on each line
        self.last_line = int(np.searchsorted(text.newlines, starts[-1]))  # last with a field


_BODY_LINES = 2 + NUM_JOINTS  # body line, joint count, joints


def _layout_at_once(text: _Text, starts: np.ndarray, lines: _Lines) -> _LayoutResult | None:
    """The layout of a well-formed file, found with whole-array operations; None when
    anything is off (the line-by-line walk then names the problem)."""
    n = lines.last_line + 1
    counts = lines.counts[:n]
    ones = np.flatnonzero(counts == 1)
    if len(ones) == 0 or ones[0] != 0:
        return None
    value = np.full(n, -1, dtype=np.int64)  # whole number alone on a line, else -1
    value[ones] = text.parse_counts(starts[lines.first_token[ones]])
    num_frames = int(value[0])
    bodies = np.flatnonzero(counts == BODY_FIELDS)  # body lines
    joints = bodies[:, None] + 2 + np.arange(NUM_JOINTS)  # (B, 25) joint lines
    if len(bodies) and (bodies[-1] + _BODY_LINES > n or (np.diff(bodies) < _BODY_LINES).any()
                        or (value[bodies + 1] != NUM_JOINTS).any()
                        or (counts[joints] != JOINT_FIELDS).any()):
        return None
    covered = np.zeros(n, dtype=bool)
    covered[bodies] = covered[bodies + 1] = True
    covered[joints] = True
    frames = np.flatnonzero(~covered)[1:]  # body-count lines; line 0 is the frame count
    num_bodies = value[frames]
    lines_after = np.append(frames[1:], n) - frames - 1
    if (len(frames) != num_frames or (num_bodies < 0).any()
            or (lines_after != _BODY_LINES * num_bodies).any()):
        return None
    ids = text.token_texts(starts[lines.first_token[bodies]])
    if ids is None:
        return None
    frame_of_body = np.searchsorted(frames, bodies) - 1
    order = np.lexsort((ids, frame_of_body))
    if ((frame_of_body[order][1:] == frame_of_body[order][:-1])
            & (ids[order][1:] == ids[order][:-1])).any():
        return None  # an id twice in one frame
    nonempty = num_bodies > 0
    valid_index = np.cumsum(nonempty) - 1
    return _LayoutResult(num_frames, np.flatnonzero(~nonempty).tolist(),
                         [i.decode("ascii") for i in ids.tolist()], valid_index[frame_of_body],
                         bodies + 2)


def _layout_line_by_line(text: _Text, starts: np.ndarray, lines: _Lines) -> _LayoutResult:
    """The layout, read line by line; raises SkeletonFormatError at the first problem."""
    path = text.path
    layout = _Layout(text, starts, lines)
    counts, last_line = layout.counts, layout.last_line
    num_frames = layout.count(0, "the frame count")
    line = 1
    dropped: list[int] = []
    body_ids: list[str] = []
    body_frames: list[int] = []
    block_lines: list[int] = []
    for frame in range(num_frames):
        num_bodies = layout.count(line, "the body count", frame)
        line += 1
        if num_bodies == 0:
            dropped.append(frame)
            continue
        for _ in range(num_bodies):
            if line > last_line or counts[line] != BODY_FIELDS:
                layout.fail(line, BODY_FIELDS, "a body line", frame)
            body_ids.append(layout.first_field(line).decode("ascii"))
            num_joints = layout.count(line + 1, "the joint count", frame)
            if num_joints != NUM_JOINTS:
                raise SkeletonFormatError(path, line + 2, "bad joint count",
                                          f"expected {NUM_JOINTS} joints, found {num_joints}")
            for k in range(NUM_JOINTS):
                if line + 2 + k > last_line or counts[line + 2 + k] != JOINT_FIELDS:
                    layout.fail(line + 2 + k, JOINT_FIELDS, f"joint {k + 1}", frame)
            body_frames.append(frame - len(dropped))
            block_lines.append(line + 2)
            line += _BODY_LINES
        in_frame = body_ids[-num_bodies:]
        for k, body_id in enumerate(in_frame):
            if body_id in in_frame[:k]:
                raise SkeletonFormatError(path, line - _BODY_LINES * (num_bodies - k) + 1,
                                          "duplicate body id",
                                          f"body id {body_id} appears twice in frame {frame + 1}")
    if line <= last_line:
        while counts[line] == 0:
            line += 1
        raise SkeletonFormatError(path, line + 1, "trailing data",
                                  f"unexpected content after the last of {num_frames} frames")
    return _LayoutResult(num_frames, dropped, body_ids, np.asarray(body_frames, dtype=np.int64),
                         np.asarray(block_lines, dtype=np.int64))


class _Layout:
    """Field counts and first fields of each line as Python lists, with precise errors
    for a bad layout."""

    def __init__(self, text: _Text, starts: np.ndarray, lines: _Lines):
        self.path, self.data = text.path, text.data
        self.counts = lines.counts.tolist()
        self.begin = starts[np.minimum(lines.first_token, len(starts) - 1)].tolist()
        self.end = text.newlines.tolist() + [len(self.data)]  # offset of each line's end
        self.last_line = lines.last_line

    def first_field(self, line: int) -> bytes:
        return self.data[self.begin[line]:self.end[line]].split(None, 1)[0]

    def count(self, line: int, what: str, frame: int | None = None) -> int:
        """The whole number alone on 0-based ``line``."""
        if line <= self.last_line and self.counts[line] == 1:
            token = self.data[self.begin[line]:self.end[line]].rstrip()
            if token.isdigit():
                return int(token)
        self.fail(line, 1, what, frame)

    def fail(self, line: int, fields: int, what: str, frame: int | None = None) -> None:
        """Raise the error explaining why ``line`` is not ``what`` with ``fields`` fields."""
        if frame is not None:
            what = f"{what} of frame {frame + 1}"
        if line > self.last_line:
            raise SkeletonFormatError(self.path, line + 1, "truncated",
                                      f"file ends where {what} was expected")
        found = self.counts[line]
        if found < fields and line == self.last_line:
            raise SkeletonFormatError(self.path, line + 1, "truncated",
                                      f"file ends inside {what} ({found} of {fields} fields)")
        if found != fields:
            raise SkeletonFormatError(self.path, line + 1, "wrong field count",
                                      f"{what} must have {fields} field(s), found {found}")
        token = self.first_field(line).decode()
        raise SkeletonFormatError(self.path, line + 1, "bad count",
                                  f"{what} must be a whole number, found {token!r}")


def _joint_positions(text: _Text, starts, first_token, block_lines) -> np.ndarray:
    """x, y, z of every body's joint lines: (bodies, 25, 3) float32."""
    if not len(block_lines):
        return np.zeros((0, NUM_JOINTS, 3), dtype=np.float32)
    lines = block_lines[:, None] + np.arange(NUM_JOINTS)  # (B, 25)
    tokens = (first_token[lines][..., None] + np.arange(3)).ravel()  # (B*25*3,)
    # each x/y/z token is followed by another field, so the gap to it holds the token
    # and at least one space
    width = int(min((starts[tokens + 1] - starts[tokens]).max(), _FAST_WIDTH))
    values = text.parse_floats(starts[tokens], width)
    # float64 -> float32 rounds as the reference's str -> float32 conversion does
    with np.errstate(over="ignore"):
        values = values.astype(np.float32)
    infinite = np.flatnonzero(~np.isfinite(values))
    if len(infinite):
        pos = int(starts[tokens[infinite[0]]])
        raise text.fail(pos, f"{text.token_at(pos)!r} is out of the float32 range")
    return values.reshape(len(block_lines), NUM_JOINTS, 3)


# ---------------------------------------------------------------------------
# denoising and actor selection


def _motion(joints: np.ndarray) -> np.float32:
    return np.sum(np.var(joints.reshape(-1, 3), axis=0))


def _noisy_frames(joints: np.ndarray) -> np.ndarray:
    """(n,) bool: frames whose x-spread exceeds SPREAD_X_OVER_Y times the y-spread."""
    x, y = joints[:, :, 0], joints[:, :, 1]
    return ~((x.max(axis=1) - x.min(axis=1)) <= SPREAD_X_OVER_Y * (y.max(axis=1) - y.min(axis=1)))


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return min(end, other_end) - max(start, other_start) > 0


def select_actors(seq: SkeletonSequence) -> tuple[np.ndarray, DenoiseReport]:
    """Denoise the bodies of a file and lay out its actors frame by frame.

    Returns ``actors`` (F, M, 25, 3) float32 with M = 1 or 2 actors over the F kept frames
    (untranslated, an absent actor is zero), and what was removed. Raises
    SkeletonFormatError when the file holds no body or denoising leaves none.
    """
    report = DenoiseReport(num_bodies=len(seq.bodies), dropped_frames=list(seq.dropped_frames))
    if not seq.bodies:
        raise SkeletonFormatError(seq.path, None, "no skeleton",
                                  f"no body in any of the {seq.num_frames} frames")
    num_frames = seq.num_valid_frames
    bodies = list(seq.bodies.values())
    if len(bodies) == 1:
        report.num_actors = 1
        return bodies[0].joints[:, None].copy(), report  # (F, 1, 25, 3)

    motion = {b.body_id: b.motion for b in bodies}
    kept = []
    for body in bodies:
        if body.length <= LENGTH_MAX_NOISE:
            report.removed_by_length.append((body.body_id, body.length))
        else:
            kept.append(body)
    if not kept:
        raise SkeletonFormatError(seq.path, None, "no actor left",
                                  f"all {len(bodies)} bodies are shorter than "
                                  f"{LENGTH_MAX_NOISE + 1} frames")
    if len(kept) > 1:
        for body in list(kept):
            if len(kept) == 1:
                break
            noisy = _noisy_frames(body.joints)
            if not noisy.any():
                continue
            rate = int(noisy.sum()) / float(body.length)
            if rate >= SPREAD_NOISE_RATE:
                kept.remove(body)
                report.removed_by_spread.append((body.body_id, rate))
            else:
                motion[body.body_id] = min(motion[body.body_id], _motion(body.joints[~noisy]))

    if len(kept) == 1:
        actors = np.zeros((num_frames, 1, NUM_JOINTS, 3), dtype=np.float32)
        body = kept[0]
        actors[body.start:body.end + 1, 0] = body.joints
    else:
        kept.sort(key=lambda b: motion[b.body_id], reverse=True)
        actors = np.zeros((num_frames, 2, NUM_JOINTS, 3), dtype=np.float32)
        first = kept[0]
        actors[first.start:first.end + 1, 0] = first.joints
        spans = [[first.start, first.end], [0, 0]]  # actor 2's span starts at frame 0
        for body in kept[1:]:
            for slot, span in enumerate(spans):
                if not _overlaps(body.start, body.end, *span):
                    actors[body.start:body.end + 1, slot] = body.joints
                    span[0], span[1] = min(span[0], body.start), max(span[1], body.end)
                    break
            else:
                report.not_placed.append(body.body_id)

    present = actors.reshape(num_frames, -1).sum(axis=1) != 0
    report.missing_frames_removed = int(num_frames - present.sum())
    if report.missing_frames_removed:
        actors = actors[present]
    report.num_actors = actors.shape[1]
    return actors, report


def center_on_first_spine(actors: np.ndarray, path: str = "<sample>") -> np.ndarray:
    """Translate (F, M, 25, 3) actors so actor 1's spine-middle joint in its first
    non-zero frame is the origin; with two actors, frames where an actor is absent
    (all coordinates summing to zero) stay zero. Returns a new float32 array."""
    actors = np.array(actors, dtype=np.float32)
    num_frames, num_actors = actors.shape[:2]
    flat = actors.reshape(num_frames, num_actors * NUM_JOINTS * 3)  # (F, M*75) view
    absent = [flat[:, m * 75:(m + 1) * 75].sum(axis=1) == 0 for m in range(num_actors)] \
        if num_actors == 2 else []
    nonzero = np.flatnonzero((flat[:, :75] != 0).any(axis=1))
    if len(nonzero) == 0:
        raise SkeletonFormatError(path, None, "all-zero joints",
                                  "every joint coordinate of the main actor is zero")
    origin = actors[nonzero[0], 0, SPINE_MID].copy()
    actors -= origin
    if num_actors == 2:
        for m in range(2):
            actors[absent[m], m] = 0
    return actors


def to_paddlevideo_layout(actors: np.ndarray, single_actor: str = "zeros") -> np.ndarray:
    """(F, M, 25, 3) actors -> (3, F, 25, 2) float32.

    With one actor the second slot is zeros (NTU-60 reference) or a copy of the first
    (``single_actor="copy"``, as CTR-GCN's NTU-120 preparation does)."""
    if single_actor not in SINGLE_ACTOR_FILLS:
        raise ValueError(f"single_actor must be one of {SINGLE_ACTOR_FILLS}, got {single_actor!r}")
    if actors.shape[1] == 1:
        second = actors if single_actor == "copy" else np.zeros_like(actors)
        actors = np.concatenate([actors, second], axis=1)
    return np.ascontiguousarray(actors.transpose(3, 0, 2, 1), dtype=np.float32)  # (3, F, 25, 2)


def prepare_sequence(seq: SkeletonSequence, single_actor: str = "zeros"
                     ) -> tuple[np.ndarray, DenoiseReport]:
    """Denoised, translated sample (3, F, 25, 2) float32 of a read file, with its report."""
    actors, report = select_actors(seq)
    actors = center_on_first_spine(actors, seq.path)
    return to_paddlevideo_layout(actors, single_actor), report


def prepare_skeleton_file(path: str | os.PathLike, single_actor: str = "zeros") -> np.ndarray:
    """One raw ``.skeleton`` file as a training sample: (3, T, 25, 2) float32 in metres,
    denoised and translated exactly as the dataset preparation does, not padded
    (T = kept frames). Raises SkeletonFormatError for unusable content."""
    data, _ = prepare_sequence(read_skeleton_file(path), single_actor)
    return data


# ---------------------------------------------------------------------------
# benchmarks (evaluation protocols of the dataset papers)

NTU60_XSUB_TRAIN = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38)
NTU120_XSUB_TRAIN = NTU60_XSUB_TRAIN + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84,
    85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)


@dataclass(frozen=True)
class Benchmark:
    """A train/val split by one id of the file name; samples are ordered by the id's
    position in ``train``/``val``, then by name (the reference's order)."""

    name: str
    key: str  # "performer", "camera" or "setup"
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


def _others(train: tuple[int, ...], last: int) -> tuple[int, ...]:
    return tuple(i for i in range(1, last + 1) if i not in train)


DATASETS: dict[str, DatasetSpec] = {
    "ntu60": DatasetSpec(
        "ntu60", 17, 40, 60,
        (Benchmark("xsub", "performer", NTU60_XSUB_TRAIN, _others(NTU60_XSUB_TRAIN, 40)),
         Benchmark("xview", "camera", (2, 3), (1,))),
        single_actor="zeros"),
    "ntu120": DatasetSpec(
        "ntu120", 32, 106, 120,
        (Benchmark("xsub", "performer", NTU120_XSUB_TRAIN, _others(NTU120_XSUB_TRAIN, 106)),
         Benchmark("xset", "setup", tuple(range(2, 33, 2)), tuple(range(1, 33, 2)))),
        single_actor="copy"),
}
