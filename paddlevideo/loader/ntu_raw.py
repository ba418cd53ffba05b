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
    "internal error",  # a bug met while reading this file (the dataset preparation skips it)
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
# reading: a few whole-array passes over the bytes of a file
#
# A well-formed file costs one bytes.translate, one search for whitespace and a
# handful of numpy operations on fields and lines; x, y, z are converted eight digits
# per integer operation, and several files can be read as one text
# (parse_skeleton_texts) to share the fixed cost of these operations. Whatever these
# cheap checks cannot vouch for is looked at again line by line or field by field,
# which names the first problem.

_NOT_NUMERIC = re.compile(rb"[^0-9.+\-eE \t\r\n]")
_FIELD = re.compile(rb"[^ \t\r\n]+")
_NUMBER = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WIDE = 16  # fields of up to this many bytes are converted as two 8-byte integers


class _Fields:
    """The whitespace-separated fields of a file, after checking that each one is a
    decimal number ``[+-]?(D+.?D*|.D+)([eE][+-]?D+)?`` (D a digit).

    Field k of line j is number ``first[j] + k``. When the only doubled whitespace is
    CR LF, the gaps between whitespace bytes are used as they are, the empty gap
    before each LF included (it is no field of its line); otherwise only the gaps
    holding a field are kept.

    Attributes:
        path, data: the file and its bytes.
        starts, ends: (n,) int64 byte offsets of each field (``ends`` exclusive).
        first_bytes: (n,) uint8, the first byte of each field.
        exponent: (n,) bool, fields written with an exponent mark, or None without any.
        counts: (lines,) int64 fields on each line; ``first``: (lines,) index of its
            first field.
        newline_offsets: (lines - 1,) int64 byte offset of each LF.
        last_line: 0-based index of the last line holding a field (-1: none).
    """

    def __init__(self, path: str, data: bytes):
        self.path, self.data = path, data
        self.bytes = buf = np.frombuffer(data or b" ", dtype=np.uint8)
        buf = buf[:len(data)]
        marks = np.frombuffer(data.translate(None, b"0123456789"), dtype=np.uint8)  # but digits
        num_signs, exponents = self._count_marks(marks)
        separators = (buf <= ord(" ")).nonzero()[0]  # space, tab, CR, LF
        # gaps between whitespace bytes, and after the last one unless it ends the file
        closed = len(separators) and separators[-1] == len(data) - 1
        bounds = np.concatenate(([-1], separators) if closed else ([-1], separators, [len(data)]))
        starts, ends = bounds[:-1] + 1, bounds[1:]
        is_field = ends > starts
        first_bytes = self.bytes[starts]
        exponent = None
        if exponents:
            exponent = np.zeros(len(starts), dtype=bool)
            exponent[np.searchsorted(ends, self._exponent_marks(), side="right")] = True
        self.starts, self.ends, self.first_bytes, self.exponent = starts, ends, first_bytes, exponent
        if not self._all_numbers(marks, num_signs, is_field):
            raise self._first_bad_field()
        newlines = (buf[separators] == ord("\n")).nonzero()[0]  # the gap ending each line
        self.newline_offsets = separators[newlines]
        num_fields = np.count_nonzero(is_field)
        empty_at_end = ~is_field[newlines]
        if np.count_nonzero(empty_at_end) == len(is_field) - num_fields:
            line_ends = newlines + 1  # gaps up to the end of each line
            self.counts = np.subtract(line_ends, np.concatenate(([0], line_ends[:-1]))) - empty_at_end
        else:  # doubled or leading whitespace: keep the gaps holding a field
            fields_before = np.cumsum(is_field)
            line_ends = fields_before[newlines]
            self.counts = np.subtract(line_ends, np.concatenate(([0], line_ends[:-1])))
            self.starts, self.ends, self.first_bytes = starts[is_field], ends[is_field], first_bytes[is_field]
            self.exponent = exponent[is_field] if exponent is not None else None
        # the last line, after the last newline
        self.first = np.concatenate(([0], line_ends))
        self.counts = np.append(self.counts, num_fields - (self.counts.sum() if len(line_ends) else 0))
        self.last_line = int(self.counts.nonzero()[0][-1]) if num_fields else -1

    def _count_marks(self, marks: np.ndarray) -> tuple[int, bool]:
        """The number of signs among ``marks`` (the bytes of the file but its digits)
        and whether there is an exponent mark; raises the error of the first bad
        field when a byte is neither whitespace, a sign, a dot nor an exponent mark.
        Counting the usual bytes first spares the rarer ones most of the time."""
        space, newline, dot, minus = (np.count_nonzero(marks == ord(c)) for c in " \n.-")
        others = len(marks) - space - newline - dot - minus
        if not others:
            return minus, False
        cr, tab, plus, e_lower, e_upper = (np.count_nonzero(marks == ord(c)) for c in "\r\t+eE")
        if others != cr + tab + plus + e_lower + e_upper:
            raise self._first_bad_field()
        return minus + plus, e_lower + e_upper > 0

    def _exponent_marks(self) -> list[int]:
        """Offsets of the bytes 'e' and 'E'."""
        where = []
        for mark in b"eE":
            at = self.data.find(mark)
            while at >= 0:
                where.append(at)
                at = self.data.find(mark, at + 1)
        return where

    def _all_numbers(self, marks: np.ndarray, num_signs: int, is_field: np.ndarray) -> bool:
        """Whether every field is a decimal number, given ``marks``, the bytes of the
        file without its digits, and ``num_signs``, how many of them are signs. A
        field without exponent is one when (1) a sign can only be its first byte, (2)
        it holds at most one dot, (3) it ends with a digit, or with a dot after a
        digit. Without digits, two dots of one field touch, which checks (2); (1)
        compares the number of signs in the file with those that start a field.
        Fields with an exponent are matched one by one."""
        dots = marks == ord(".")
        if (dots[1:] & dots[:-1]).any():
            return False
        last = self.bytes[self.ends - 1]  # (for an empty gap: whitespace, or the last byte)
        odd_end = (((last - np.uint8(ord("0"))) > 9) & is_field).nonzero()[0]
        if len(odd_end):  # only "<digit>." may end otherwise
            ends, starts = self.ends[odd_end], self.starts[odd_end]
            before = self.bytes[np.maximum(ends - 2, starts)] - np.uint8(ord("0"))
            if not ((last[odd_end] == ord(".")) & (before < 10) & (ends - starts > 1)).all():
                return False
        first = self.first_bytes  # (whitespace for an empty gap)
        num_signs -= np.count_nonzero((first - np.uint8(ord("+"))) & np.uint8(0xFD) == 0)  # + or -
        for text in self.texts(np.flatnonzero(self.exponent)) if self.exponent is not None else ():
            if not _NUMBER.fullmatch(text):
                return False
            num_signs -= text.count(b"+", 1) + text.count(b"-", 1)
        return num_signs == 0

    def _first_bad_field(self) -> SkeletonFormatError:
        """The error for the first byte or field that breaks the number grammar."""
        data = self.data
        bad = _NOT_NUMERIC.search(data)
        if bad:
            pos = begin = bad.start()
            while begin > 0 and data[begin - 1] > ord(" "):
                begin -= 1
            field = _FIELD.match(data, begin).group().decode("latin-1")
            return self.fail(pos, f"character {data[pos:pos + 1]!r} in {field!r}; "
                                  "fields must be numbers")
        field = next(m for m in _FIELD.finditer(data) if not _NUMBER.fullmatch(m.group()))
        return self.fail(field.start(), f"{field.group().decode()!r} is not a decimal number")

    def fail(self, pos: int, reason: str) -> SkeletonFormatError:
        line = self.data.count(b"\n", 0, pos) + 1
        return SkeletonFormatError(self.path, line, "non-numeric value", reason)

    def text(self, k: int) -> bytes:
        return self.data[self.starts[k]:self.ends[k]]

    def texts(self, ks: np.ndarray) -> list[bytes]:
        data = self.data
        return [data[s:e] for s, e in zip(self.starts[ks].tolist(), self.ends[ks].tolist())]

    def whole_numbers(self, ks: np.ndarray) -> np.ndarray:
        """int64 values of fields ``ks`` made of digits only; -1 for any other field."""
        ends = self.ends[ks]
        length = ends - self.starts[ks]
        last = (self.bytes[ends - 1] - np.uint8(ord("0"))).astype(np.int64)
        first = (self.first_bytes[ks] - np.uint8(ord("0"))).astype(np.int64)
        # one or two digits, the usual counts; -1 for anything else
        values = np.where(length == 1, last, first * 10 + last)
        values[(last > 9) | (first > 9) | (length > 2)] = -1
        for i in np.flatnonzero(length > 2).tolist():
            text = self.text(int(ks[i]))
            values[i] = int(text) if text.isdigit() else -1
        return values

    def decimals(self, ks: np.ndarray) -> np.ndarray:
        """float64 values of number fields ``ks``, correctly rounded (the same as
        float()).

        Nearly every x, y, z of NTU is one digit, a dot and 1 to 8 digits (``d.ffff``,
        signed or not): the 8 bytes ending such a field, shifted so that the digits
        after the dot fill the first lanes and zeros the rest, spell F * 10**(8 - f)
        for the f digits F; (d * 10**8 + that) / 10**8 is then one correctly rounded
        division of exact integers, as float() gives. Other fields go through
        :meth:`_other_decimals`."""
        ends, first = self.ends[ks], self.first_bytes[ks]
        begin = self.starts[ks] + ((first - np.uint8(ord("+"))) < 3)  # after a "+" or "-"
        length = ends - begin
        size = len(self.data)
        short_form = (self.bytes[np.minimum(begin + 1, size - 1)] == ord(".")) \
            & ((length - 3).astype(np.uint64) <= 7) & (ends >= 8)
        if self.exponent is not None:
            short_form &= ~self.exponent[ks]
        words = self.words[np.maximum(ends - 8, 0)] >> _SHORT_SHIFTS[np.minimum(length, 11)]
        fraction = _eight_digit_values(words & _LOW_NIBBLES)
        units = (self.bytes[begin] - np.uint8(ord("0"))).astype(np.float64)
        values = (units * 1e8 + fraction) / _SIGNED_1E8[(first == ord("-")).view(np.uint8)]
        others = np.flatnonzero(~short_form)
        if len(others):
            values[others] = self._other_decimals(ks[others])
        return values

    @property
    def words(self) -> np.ndarray:
        """words[j]: the 8 bytes from offset j as a little-endian uint64."""
        data = self.data if len(self.data) >= 8 else self.data.ljust(8)
        return np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))

    def _other_decimals(self, ks: np.ndarray) -> np.ndarray:
        """:meth:`decimals` of any number fields. Fields of at most _WIDE bytes besides
        the sign, without exponent, are converted together: their digits spell an
        integer M and f digits follow the dot; when M < 2**53, M / 10**f rounds once,
        exactly as float() does. The others go through float()."""
        ends = self.ends[ks]
        first = self.first_bytes[ks]
        negative = first == ord("-")
        unsigned = ends - self.starts[ks] - ((first - np.uint8(ord("+"))) < 3)  # "+" or "-"
        # the _WIDE bytes ending with each field as (low, high) words, the first byte the
        # least significant; shifting out the lanes before the field (and its sign)
        # and keeping low nibbles leaves digits 0..9 and the dot as 14
        cleared = 8 * (_WIDE - np.minimum(unsigned, _WIDE))
        shifts = np.empty((len(ks), 2), dtype=np.uint64)
        shifts[:, 0], shifts[:, 1] = cleared, np.maximum(cleared - 64, 0)
        shifts = shifts.ravel()
        words = self.windows[np.maximum(ends - _WIDE, 0)].view("<u8")
        digits = ((words >> shifts) << shifts) & _LOW_NIBBLES
        dot = ((digits + _TO_HIGH_BIT) & _HIGH) >> np.uint64(7)  # 1 in the lane of the dot
        digits ^= dot * np.uint64(14)
        whole = _sixteen_digit_values(digits)  # the dot read as a 0 digit: 10 * A + B
        # f lanes after the dot, 16 without a dot: a word with a 1 in lane p times
        # _LANE_NUMBERS has 7 - p, the lanes after p, in its top byte; 8 more when the
        # dot is in the low word
        after = ((dot * _LANE_NUMBERS) >> np.uint64(56)).astype(np.int64)
        dot_low, dot_high = dot[0::2] != 0, dot[1::2] != 0
        frac_digits = after[1::2] + (after[0::2] + 8) * dot_low + 16 * ~(dot_low | dot_high)
        np.minimum(frac_digits, _WIDE, out=frac_digits)  # (a field longer than the window)
        # A digits, dot, B of f digits: whole = A * 10**(f + 1) + B, and the wanted
        # integer A * 10**f + B is whole - 9 * A * 10**f (exact below 2**53)
        scale = _POW10[frac_digits]
        mantissa = whole - 9 * np.floor(whole / (10 * scale)) * scale
        values = mantissa / _SIGNED_POW10[(frac_digits & 15) + 16 * negative]
        slow = (unsigned > _WIDE) | (whole >= 2 ** 53) | (ends < _WIDE)
        if self.exponent is not None:
            slow |= self.exponent[ks]
        for i in np.flatnonzero(slow).tolist():
            values[i] = float(self.text(int(ks[i])))
        return values

    @property
    def windows(self) -> np.ndarray:
        """windows[j]: the _WIDE bytes from offset j."""
        data = self.data if len(self.data) >= _WIDE else self.data.ljust(_WIDE)
        return np.ndarray((len(data) - _WIDE + 1,), dtype=f"V{_WIDE}", buffer=data, strides=(1,))


def _lane_constant(byte: int) -> np.uint64:
    return np.uint64(int.from_bytes(bytes([byte]) * 8, "little"))


_HIGH, _TO_HIGH_BIT = _lane_constant(0x80), _lane_constant(0x80 - 10)
_LOW_NIBBLES = _lane_constant(0x0F)
_LANE_NUMBERS = np.uint64(int.from_bytes(bytes(range(8)), "little"))  # lane k holds k
_POW10 = 10.0 ** np.arange(_WIDE + 1)  # exact in float64
_SIGNED_POW10 = np.concatenate((_POW10[:16], -_POW10[:16]))  # [16 + f]: -10**f


# right shift of the word ending a d.ffff field of this length (3..10 bytes) that
# leaves its f digits after the dot in the first lanes; other lengths are not converted
_SHORT_SHIFTS = np.array([0, 0, 0] + [8 * (10 - n) for n in range(3, 11)] + [0], dtype=np.uint64)
_SIGNED_1E8 = np.array([1e8, -1e8])


def _eight_digit_values(digits: np.ndarray) -> np.ndarray:
    """(n,) words of one digit 0..9 per byte, the first digit in the lowest byte ->
    (n,) float64, the 8-digit integers they spell."""
    v = (digits * np.uint64(10) + (digits >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v * np.uint64(100) + (v >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    return ((v * np.uint64(10000) + (v >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.float64)


def _sixteen_digit_values(digits: np.ndarray) -> np.ndarray:
    """(2n,) words of one digit 0..9 per byte, the first digit in the lowest byte, a
    low and a high word per number -> (n,) float64, the 16-digit integers they spell
    (exact below 2**53). Each step joins neighbouring groups: 10 * left + right, then
    100 *, then 10**4 *."""
    v = (digits * np.uint64(10) + (digits >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v * np.uint64(100) + (v >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = ((v * np.uint64(10000) + (v >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.float64)
    return v[0::2] * 1e8 + v[1::2]


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
    fields = _Fields(path, data)
    if fields.last_line < 0:
        raise SkeletonFormatError(path, None, "empty file", "the file has no content")
    layouts = _layouts_at_once(fields, np.zeros(1, dtype=np.int64))
    return _sequences(fields, layouts or [_layout_line_by_line(fields)], [path])[0]


def parse_skeleton_texts(items: list[tuple[bytes, str]]) -> list:
    """Parse several files: for each (bytes, path), what :func:`parse_skeleton_text`
    returns, or the SkeletonFormatError it raises.

    Well-formed files are read together, as one text, which costs less than one at a
    time; if anything in that text is off, each file is read on its own."""
    if len(items) > 1:
        joined = b"\n".join(data for data, _ in items)  # a line break after each file
        try:
            fields = _Fields("<several files>", joined)
            starts = np.cumsum([0] + [len(data) + 1 for data, _ in items[:-1]])
            layouts = _layouts_at_once(fields, fields.newline_offsets.searchsorted(starts))
            if layouts is not None:
                return _sequences(fields, layouts, [path for _, path in items])
        except SkeletonFormatError:
            pass
    out = []
    for data, path in items:
        try:
            out.append(parse_skeleton_text(data, path))
        except SkeletonFormatError as err:
            out.append(err)
    return out


def _sequences(fields: _Fields, layouts: list, paths: list[str]) -> list[SkeletonSequence]:
    """The SkeletonSequence of each laid-out file; x, y, z converted in one go."""
    xyz = _joint_positions(fields, np.concatenate([layout.block_lines for layout in layouts]))
    out, first_body = [], 0
    for layout, path in zip(layouts, paths):
        ids = layout.body_ids
        own = xyz[first_body:first_body + len(ids)]
        first_body += len(ids)
        if len(set(ids)) == 1:  # one body in every non-empty frame
            tracks = {ids[0]: slice(None)}
        else:
            tracks = {}
            for k, body_id in enumerate(ids):
                tracks.setdefault(body_id, []).append(k)
        starts = layout.body_frames.tolist()
        bodies = {}
        for body_id, ks in tracks.items():
            name = body_id.decode("ascii")
            bodies[name] = BodyTrack(name, starts[ks[0] if isinstance(ks, list) else 0], own[ks])
        out.append(SkeletonSequence(path, layout.num_frames, layout.dropped, bodies))
    return out


@dataclass
class _LayoutResult:
    num_frames: int
    dropped: list[int]  # 0-based frames without bodies
    body_ids: list[bytes]  # per body, in file order
    body_frames: np.ndarray  # per body: index of its frame among the non-empty frames
    block_lines: np.ndarray  # per body: 0-based line of its first joint


_BODY_LINES = 2 + NUM_JOINTS  # body line, joint count, joints
_JOINT_LINES = 2 + np.arange(NUM_JOINTS)  # after a body line


def _layouts_at_once(fields: _Fields, file_lines: np.ndarray) -> list[_LayoutResult] | None:
    """The layout of each well-formed file of ``fields``, file k starting at line
    ``file_lines[k]`` (its frame count) and ending where file k + 1 starts; found with
    whole-array operations. None when anything is off (one file at a time, the
    line-by-line walk then names the problem)."""
    counts = fields.counts
    num_lines = len(counts)
    bounds = np.append(file_lines, num_lines)
    with_fields = (counts > 0).nonzero()[0]
    last_with_fields = with_fields.searchsorted(bounds[1:]) - 1  # per file; -1: none so far
    if (last_with_fields < 0).any():
        return None  # (the first files have no field at all)
    content_end = with_fields[last_with_fields] + 1  # per file
    if not (content_end > file_lines).all() or not (counts[file_lines] == 1).all():
        return None
    ones = (counts == 1).nonzero()[0]
    value = np.full(num_lines, -1, dtype=np.int64)  # whole number alone on a line, else -1
    value[ones] = fields.whole_numbers(fields.first[ones])
    num_frames = value[file_lines]
    bodies = (counts == BODY_FIELDS).nonzero()[0]  # body lines
    if len(bodies):
        body_file = bounds.searchsorted(bodies, side="right") - 1
        if (not (bodies + _BODY_LINES <= content_end[body_file]).all()
                or not (bodies[1:] - bodies[:-1] >= _BODY_LINES).all()
                or not (value[bodies + 1] == NUM_JOINTS).all()
                or not (counts[bodies[:, None] + _JOINT_LINES] == JOINT_FIELDS).all()):
            return None
    # every other line of a file's content is a frame's body count
    not_frame = np.zeros(num_lines + 1, dtype=np.int8)
    not_frame[content_end] += 1  # blank lines at the end of a file
    not_frame[bounds[1:]] -= 1
    not_frame = not_frame.cumsum()[:-1].astype(bool)
    not_frame[file_lines] = not_frame[bodies] = not_frame[bodies + 1] = True
    not_frame[bodies[:, None] + _JOINT_LINES] = True
    frames = (~not_frame).nonzero()[0]
    frame_file = bounds.searchsorted(frames, side="right") - 1
    num_bodies = value[frames]
    next_line = np.minimum(np.append(frames[1:], num_lines), content_end[frame_file])
    if (not (np.bincount(frame_file, minlength=len(file_lines)) == num_frames).all()
            or not (num_bodies >= 0).all()
            or not (next_line - frames - 1 == _BODY_LINES * num_bodies).all()
            or not ((num_frames == 0) | ~np.append(not_frame, True)[file_lines + 1]).all()):
        return None  # (the last check: a file's first frame follows its frame count)
    ids = fields.texts(fields.first[bodies])
    body_frame = frames.searchsorted(bodies) - 1
    if len(set(zip(body_frame.tolist(), ids))) != len(ids):
        return None  # an id twice in one frame
    nonempty = num_bodies > 0
    valid_before = np.concatenate(([0], nonempty.cumsum()))  # non-empty frames before each
    frame_bounds = frames.searchsorted(bounds).tolist()
    body_bounds = bodies.searchsorted(bounds).tolist()
    layouts = []
    for k in range(len(file_lines)):
        f0, f1, b0, b1 = frame_bounds[k], frame_bounds[k + 1], body_bounds[k], body_bounds[k + 1]
        layouts.append(_LayoutResult(
            int(num_frames[k]), (~nonempty[f0:f1]).nonzero()[0].tolist(), ids[b0:b1],
            valid_before[body_frame[b0:b1]] - valid_before[f0], bodies[b0:b1] + 2))
    return layouts


def _layout_line_by_line(fields: _Fields) -> _LayoutResult:
    """The layout, read line by line; raises SkeletonFormatError at the first problem."""
    path = fields.path
    layout = _Layout(fields)
    counts, last_line = layout.counts, layout.last_line
    num_frames = layout.count(0, "the frame count")
    line = 1
    dropped: list[int] = []
    body_ids: list[bytes] = []
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
            body_ids.append(layout.first_field(line))
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
                                          f"body id {body_id.decode()} appears twice in frame "
                                          f"{frame + 1}")
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

    def __init__(self, fields: _Fields):
        self.path, self.fields = fields.path, fields
        self.counts = fields.counts.tolist()
        self.first = fields.first.tolist()
        self.last_line = fields.last_line

    def first_field(self, line: int) -> bytes:
        return self.fields.text(self.first[line])

    def count(self, line: int, what: str, frame: int | None = None) -> int:
        """The whole number alone on 0-based ``line``."""
        if line <= self.last_line and self.counts[line] == 1:
            token = self.first_field(line)
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


def _joint_positions(fields: _Fields, block_lines: np.ndarray) -> np.ndarray:
    """x, y, z of every body's joint lines: (bodies, 25, 3) float32."""
    if not len(block_lines):
        return np.zeros((0, NUM_JOINTS, 3), dtype=np.float32)
    lines = block_lines[:, None] + np.arange(NUM_JOINTS)  # (B, 25)
    ks = (fields.first[lines][..., None] + np.arange(3)).ravel()  # (B*25*3,)
    # float64 -> float32 rounds as the reference's str -> float32 conversion does
    with np.errstate(over="ignore"):
        values = fields.decimals(ks).astype(np.float32)
    infinite = np.flatnonzero(~np.isfinite(values))
    if len(infinite):
        k = int(ks[infinite[0]])
        raise fields.fail(int(fields.starts[k]),
                          f"{fields.text(k).decode()!r} is out of the float32 range")
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

    motion: dict[str, np.float32] = {}  # of the bodies that stay, when needed
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
                motion[body.body_id] = min(body.motion, _motion(body.joints[~noisy]))

    if len(kept) == 1:
        actors = np.zeros((num_frames, 1, NUM_JOINTS, 3), dtype=np.float32)
        body = kept[0]
        actors[body.start:body.end + 1, 0] = body.joints
    else:
        kept.sort(key=lambda b: motion[b.body_id] if b.body_id in motion else b.motion, reverse=True)
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
    # the first frame where actor 1 has a non-zero coordinate (almost always frame 0)
    first = 0 if num_frames and flat[0, :75].any() else None
    if first is None:
        nonzero = np.flatnonzero((flat[:, :75] != 0).any(axis=1))
        if len(nonzero) == 0:
            raise SkeletonFormatError(path, None, "all-zero joints",
                                      "every joint coordinate of the main actor is zero")
        first = nonzero[0]
    origin = actors[first, 0, SPINE_MID].copy()
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
    num_frames, num_actors = actors.shape[:2]
    out = np.zeros((3, num_frames, NUM_JOINTS, 2), dtype=np.float32)
    out[..., :num_actors] = actors.transpose(3, 0, 2, 1)  # (3, F, 25, M)
    if num_actors == 1 and single_actor == "copy":
        out[..., 1] = out[..., 0]
    return out


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
