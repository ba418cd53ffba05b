"""Build the PaddleVideo-format NTU RGB+D benchmarks from a folder of raw ``.skeleton`` files.

Output, per benchmark (``xsub``/``xview`` for NTU-60, ``xsub``/``xset`` for NTU-120)::

    <out>/<benchmark>/train_data.npy   (N, 3, T, 25, 2) float32, zero-padded to T frames
    <out>/<benchmark>/train_label.pkl  [names (list of str), labels (list of int, 0-based)]
    <out>/<benchmark>/val_data.npy, val_label.pkl
    <out>/prepare_ntu.log              what happened to every file, then the summary

Two passes keep memory small whatever the dataset size:

1. Worker processes read, denoise and translate a few files per task
   (:mod:`paddlevideo.loader.ntu_raw`; well-formed files are parsed together as one
   text) and append each sample (3, F, 25, 2) to a spool file of their own in the
   output folder; the main process keeps only the name, ids, frame count and spool
   place of each sample.
2. For each benchmark and split, the ``.npy`` is created at its full size (zeros,
   T = the longest sample as in the reference preparation), and the workers copy each
   sample's frames from the spools into its row, file to file in the kernel.

Every output is written under a temporary name and renamed when complete.
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import pickle
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import ntu_raw
from .ntu_raw import DATASETS, SINGLE_ACTOR_FILLS, SkeletonFormatError

LOG_NAME = "prepare_ntu.log"
SPOOL_PREFIX = ".prepare_ntu.spool."  # + the id of the process that writes it
SAMPLE_FLOATS_PER_FRAME = 3 * ntu_raw.NUM_JOINTS * 2
FILES_PER_TASK = 16  # files a worker prepares per task
ROWS_PER_TASK = 64  # output rows a worker writes per task


@dataclass
class _Entry:
    """A prepared sample, as remembered between the two passes."""

    name: str
    info: dict[str, int]
    frames: int
    spool: str  # the spool file holding it
    offset: int  # in float32 values from the start of that spool


@dataclass
class Summary:
    """Counts reported at the end of a run (and returned to callers)."""

    dataset: str
    files_found: int = 0
    outside_dataset: int = 0
    files_read: int = 0
    prepared: int = 0
    skipped: collections.Counter = field(default_factory=collections.Counter)  # by kind
    samples: dict[str, dict[str, int]] = field(default_factory=dict)  # benchmark -> split -> N
    max_frames: int = 0
    empty_frames_dropped: int = 0
    files_with_empty_frames: int = 0
    missing_frames_removed: int = 0
    files_with_missing_frames: int = 0
    bodies_read: int = 0
    removed_by_length: int = 0
    removed_by_spread: int = 0
    not_placed: int = 0
    two_actor_samples: int = 0
    read_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def num_skipped(self) -> int:
        return sum(self.skipped.values())

    def lines(self) -> list[str]:
        out = [f"NTU preparation summary ({self.dataset})",
               f"  files found: {self.files_found} .skeleton; not in {self.dataset} "
               f"(setup/performer/action out of range): {self.outside_dataset}",
               f"  files read: {self.files_read}; prepared: {self.prepared}; "
               f"skipped: {self.num_skipped}"]
        for kind, n in sorted(self.skipped.items()):
            out.append(f"    skipped, {kind}: {n}")
        for bench, splits in self.samples.items():
            out.append(f"  {bench}: " + ", ".join(f"{s} {n} samples" for s, n in splits.items()))
        out += [f"  frames: T = {self.max_frames} (longest sample); empty frames dropped: "
                f"{self.empty_frames_dropped} in {self.files_with_empty_frames} files; "
                f"all-zero frames removed: {self.missing_frames_removed} in "
                f"{self.files_with_missing_frames} files",
                f"  bodies: {self.bodies_read} read; removed by length (<= "
                f"{ntu_raw.LENGTH_MAX_NOISE} frames): {self.removed_by_length}; by spread "
                f"(>= {ntu_raw.SPREAD_NOISE_RATE:.2%} noisy frames): {self.removed_by_spread}; "
                f"not placed (overlapping both actors): {self.not_placed}; samples with two "
                f"actors: {self.two_actor_samples}",
                f"  time: {self.read_seconds:.2f} s reading, {self.write_seconds:.2f} s writing"]
        return out


class _Log:
    """The run's log file; problems are also shown on the console (above the progress
    bar when there is one)."""

    def __init__(self, path: str, progress: bool):
        self.path, self.progress = path, progress
        self.file = open(path, "w", encoding="utf-8")

    def write(self, line: str) -> None:
        self.file.write(line + "\n")

    def warn(self, line: str) -> None:
        self.write(line)
        if self.progress:
            from tqdm import tqdm
            tqdm.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        self.file.close()


class NamesFileError(ValueError):
    """A --names-file entry is not a valid name or has no file in the skeletons folder."""


def select_files(skeletons_dir: str, dataset: str, names_file: str | None = None,
                 limit: int | None = None) -> tuple[list[tuple[str, str, dict]], int, int, list]:
    """The files to prepare, sorted by name.

    Returns ``(selected, found, outside, bad_names)``: (name, path, name ids) triples; how many
    ``.skeleton`` files the folder holds; how many are not part of ``dataset``; and the
    SkeletonFormatError of every file whose name is not an NTU name.
    """
    spec = DATASETS[dataset]
    found = sorted(e.name for e in os.scandir(skeletons_dir)
                   if e.name.endswith(".skeleton") and e.is_file())
    wanted = _read_names_file(names_file) if names_file else None
    if wanted is not None:
        missing = sorted(wanted - {n[:-len(".skeleton")] for n in found})
        if missing:
            raise NamesFileError(f"{names_file}: {len(missing)} listed name(s) have no file in "
                                 f"{skeletons_dir}: {', '.join(missing[:5])}"
                                 + (" ..." if len(missing) > 5 else ""))
    selected, bad_names, outside = [], [], 0
    for file_name in found:
        name = file_name[:-len(".skeleton")]
        if wanted is not None and name not in wanted:
            continue
        path = os.path.join(skeletons_dir, file_name)
        try:
            info = ntu_raw.parse_ntu_name(name)
        except SkeletonFormatError as err:
            bad_names.append(SkeletonFormatError(path, None, err.kind, err.reason))
            continue
        if not spec.contains(info):
            outside += 1
            continue
        selected.append((name, path, info))
    if limit is not None:
        selected = selected[:limit]
    return selected, len(found), outside, bad_names


def _read_names_file(path: str) -> set[str]:
    names = set()
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            name = line.split("#", 1)[0].strip()
            if not name:
                continue
            name = os.path.basename(name)
            if name.endswith(".skeleton"):
                name = name[:-len(".skeleton")]
            try:
                ntu_raw.parse_ntu_name(name)
            except SkeletonFormatError as err:
                raise NamesFileError(f"{path}:{number}: {err.reason}") from None
            names.add(name)
    return names


def _keep_freed_memory() -> None:
    """Ask glibc to keep freed blocks instead of returning them to the system.

    Reading a few files allocates numpy temporaries of a few hundred KB to a few MB. By
    default glibc serves blocks that large with mmap and unmaps them when freed, so every
    task pays page faults to get zeroed pages back: about half the reading time. With a
    higher mmap threshold and trim threshold the blocks are reused; memory stays bounded
    by the largest task's working set. Workers forked afterwards inherit the setting.
    Does nothing on other C libraries.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameter numbers
    mallopt(m_mmap_threshold, 32 << 20)  # glibc's largest allowed value
    mallopt(m_trim_threshold, 256 << 20)


class _Spool:
    """The spool file of this process in an output folder: samples appended as raw
    float32, unbuffered, so the main process can map them as soon as they are written."""

    _open: "_Spool | None" = None

    def __init__(self, folder: str):
        self.folder, self.pid = folder, os.getpid()
        self.path = os.path.join(folder, f"{SPOOL_PREFIX}{self.pid}")
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.size = 0  # bytes written

    @classmethod
    def of_this_process(cls, folder: str) -> "_Spool":
        spool = cls._open
        if spool is None or spool.folder != folder or spool.pid != os.getpid():
            cls.close()
            spool = cls._open = cls(folder)
        return spool

    @classmethod
    def close(cls) -> None:
        """Close this process's spool (if it opened one, not one inherited by fork)."""
        if cls._open is not None and cls._open.pid == os.getpid():
            os.close(cls._open.fd)
        cls._open = None

    def append(self, sample: np.ndarray) -> int:
        """Write ``sample`` (float32, contiguous); returns its offset in float32 values."""
        offset = self.size // 4
        view = memoryview(sample).cast("B")
        while view:
            view = view[os.write(self.fd, view):]
        self.size += sample.nbytes
        return offset


def _prepare_files(jobs: list[tuple[str, str, str, str]]) -> list:
    """Worker task: (name, path, single_actor, spool folder) of a few files -> for each,
    (name, (spool, offset, frames) or None, report or error). The files are read
    together (see ntu_raw.parse_skeleton_texts); samples go to this process's spool.

    An unexpected exception while preparing a file (a bug, not bad data) skips that file
    as an "internal error" naming the exception, instead of ending the whole run."""
    items, unreadable = [], {}
    for name, path, _, _ in jobs:
        try:
            with open(path, "rb") as f:
                items.append((f.read(), path))
        except OSError as err:
            unreadable[name] = SkeletonFormatError(path, None, "unreadable", str(err))
    try:
        parsed = iter(ntu_raw.parse_skeleton_texts(items))
    except Exception:  # reading them together failed: read each alone
        parsed = iter([_read_alone(data, path) for data, path in items])
    out = []
    for name, path, single_actor, folder in jobs:
        if name in unreadable:
            out.append((name, None, unreadable[name]))
            continue
        seq = next(parsed)
        try:
            if isinstance(seq, SkeletonFormatError):
                raise seq
            data, report = ntu_raw.prepare_sequence(seq, single_actor)
        except SkeletonFormatError as err:
            out.append((name, None, err))
            continue
        except Exception as err:
            out.append((name, None, _internal_error(path, err)))
            continue
        spool = _Spool.of_this_process(folder)
        out.append((name, (spool.path, spool.append(data), data.shape[1]), report))
    return out


def _read_alone(data: bytes, path: str):
    """The sequence of one file, or the SkeletonFormatError that skips it."""
    try:
        return ntu_raw.parse_skeleton_text(data, path)
    except SkeletonFormatError as err:
        return err
    except Exception as err:
        return _internal_error(path, err)


def _internal_error(path: str, err: Exception) -> SkeletonFormatError:
    return SkeletonFormatError(path, None, "internal error",
                               f"{type(err).__name__}: {err} (a bug in the preparation, not "
                               "in the file's format: please report it with this file)")


class _Workers:
    """Forked worker processes mapping a function over items, results in order; with
    fewer than two workers everything runs in this process.

    Each worker has a pipe of its own and at most ``IN_FLIGHT`` tasks queued on it;
    the main thread sends and receives. (multiprocessing.Pool was used before: its
    worker-handler thread spins while a result waits in the shared result pipe, about
    2 ms of CPU per task.)"""

    IN_FLIGHT = 2

    def __init__(self, num_workers: int):
        self.processes, self.pipes = [], []
        if num_workers > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            for _ in range(num_workers):
                ours, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs,), daemon=True)
                process.start()
                theirs.close()
                self.processes.append(process)
                self.pipes.append(ours)

    def imap(self, function, items: list):
        """``function`` of each item, in order, as an iterator. An exception raised
        by ``function`` in a worker is raised here."""
        if not self.processes or len(items) <= 1:
            return map(function, items)
        return self._imap(function, items)

    def _imap(self, function, items: list):
        todo = iter(enumerate(items))
        queued = {pipe: collections.deque() for pipe in self.pipes}  # item indices sent
        done: dict[int, object] = {}
        next_out = 0

        def send(pipe) -> None:
            for index, item in todo:
                pipe.send((function, item))
                queued[pipe].append(index)
                return

        for _ in range(self.IN_FLIGHT):
            for pipe in self.pipes:
                send(pipe)
        while any(queued.values()):
            for pipe in multiprocessing.connection.wait([p for p, q in queued.items() if q]):
                try:
                    ok, value = pipe.recv()
                except EOFError:
                    raise RuntimeError("a worker process ended unexpectedly") from None
                if not ok:
                    raise value
                done[queued[pipe].popleft()] = value
                send(pipe)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1

    def __enter__(self) -> "_Workers":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        """Let idle workers end; stop them at once when leaving on an exception."""
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for process in self.processes:
            process.join(timeout=None if exc_type is None else 0)
            if process.is_alive():
                process.terminate()
                process.join()
        for pipe in self.pipes:
            pipe.close()


def _serve(pipe) -> None:
    """Worker loop: (function, item) -> (True, result) or (False, exception) until None."""
    while True:
        try:
            task = pipe.recv()
        except EOFError:
            return
        if task is None:
            return
        function, item = task
        try:
            reply = (True, function(item))
        except Exception as err:  # sent to the main process, which raises it
            reply = (False, err)
        pipe.send(reply)


def _log_report(log: _Log, name: str, report: ntu_raw.DenoiseReport, summary: Summary) -> None:
    summary.bodies_read += report.num_bodies
    if report.dropped_frames:
        summary.empty_frames_dropped += len(report.dropped_frames)
        summary.files_with_empty_frames += 1
        log.write(f"{name}: dropped {len(report.dropped_frames)} frames without bodies "
                  f"(0-based): {report.dropped_frames}")
    for body_id, length in report.removed_by_length:
        log.write(f"{name}: body {body_id} removed by length ({length} frames)")
    for body_id, rate in report.removed_by_spread:
        log.write(f"{name}: body {body_id} removed by spread (noisy frame share {rate:.6f})")
    for body_id in report.not_placed:
        log.write(f"{name}: body {body_id} not placed (overlaps both actors)")
    if report.missing_frames_removed:
        summary.missing_frames_removed += report.missing_frames_removed
        summary.files_with_missing_frames += 1
        log.write(f"{name}: removed {report.missing_frames_removed} frames where every kept "
                  f"joint is zero")
    summary.removed_by_length += len(report.removed_by_length)
    summary.removed_by_spread += len(report.removed_by_spread)
    summary.not_placed += len(report.not_placed)
    summary.two_actor_samples += report.num_actors == 2


def _skip(log: _Log, err: SkeletonFormatError, summary: Summary) -> None:
    summary.skipped[err.kind] += 1
    log.warn(f"skipped {err}")


def _split_order(entries: list[_Entry], bench: ntu_raw.Benchmark) -> dict[str, list[int]]:
    """Entry indices of each split, in the reference order: by the split's id list, then
    by name (entries are already sorted by name)."""
    out = {}
    for split, ids in (("train", bench.train), ("val", bench.val)):
        rank = {v: r for r, v in enumerate(ids)}
        members = [i for i, e in enumerate(entries) if e.info[bench.key] in rank]
        members.sort(key=lambda i: rank[entries[i].info[bench.key]])  # stable: names stay sorted
        out[split] = members
    return out


def _write_split(data_path: str, label_path: str, entries: list[_Entry], order: list[int],
                 max_frames: int, workers: _Workers) -> None:
    """Write one split's (N, 3, T, 25, 2) array and [names, labels] atomically."""
    shape = (len(order), 3, max_frames, ntu_raw.NUM_JOINTS, 2)
    tmp_data, tmp_label = data_path + ".tmp", label_path + ".tmp"
    with open(tmp_data, "wb") as f:
        np.lib.format.write_array_header_1_0(
            f, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
                "fortran_order": False, "shape": shape})
        start = f.tell()
        row_bytes = int(np.prod(shape[1:])) * 4
        f.truncate(start + len(order) * row_bytes)  # all zeros (a sparse file where possible)
    tasks = [(tmp_data, start + first * row_bytes, max_frames,
              [(entries[i].spool, entries[i].offset, entries[i].frames)
               for i in order[first:first + ROWS_PER_TASK]])
             for first in range(0, len(order), ROWS_PER_TASK)]
    for _ in workers.imap(_write_rows, tasks):
        pass
    with open(tmp_label, "wb") as f:
        pickle.dump([[entries[i].name for i in order], [entries[i].info["label"] for i in order]], f)
    for tmp, final in ((tmp_data, data_path), (tmp_label, label_path)):
        # Renaming over an old output makes ext4 write the new file out synchronously
        # (auto_da_alloc); removing the old one first keeps re-runs as fast as first runs
        # and still never leaves a partial file under the final name.
        if os.path.exists(final):
            os.remove(final)
        os.replace(tmp, final)


def _write_rows(task: tuple[str, int, int, list[tuple[str, int, int]]]) -> None:
    """Worker task: copy samples (spool, offset, frames) from their spools into
    consecutive rows of an output file, from byte ``start``; each row holds ``max_frames``
    frames per channel, the frames after a sample's own stay zero."""
    path, start, max_frames, samples = task
    channel_bytes = max_frames * SAMPLE_FLOATS_PER_FRAME // 3 * 4
    out = os.open(path, os.O_WRONLY)
    spools: dict[str, int] = {}
    try:
        for spool, offset, frames in samples:
            if spool not in spools:
                spools[spool] = os.open(spool, os.O_RDONLY)
            size = frames * SAMPLE_FLOATS_PER_FRAME // 3 * 4  # one channel of the sample
            for channel in range(3):
                _copy(spools[spool], out, size, offset * 4 + channel * size,
                      start + channel * channel_bytes)
            start += 3 * channel_bytes
    finally:
        for fd in [out, *spools.values()]:
            os.close(fd)


def _copy(src: int, dst: int, size: int, src_offset: int, dst_offset: int) -> None:
    """Copy ``size`` bytes between open files at the given offsets, in the kernel when it
    can (copy_file_range), otherwise through a buffer."""
    while size > 0:
        try:
            done = os.copy_file_range(src, dst, size, src_offset, dst_offset)
        except (AttributeError, OSError):  # no copy_file_range here
            done = os.pwrite(dst, os.pread(src, size, src_offset), dst_offset)
        if done <= 0:
            raise OSError(f"could not copy {size} bytes into the output")
        size, src_offset, dst_offset = size - done, src_offset + done, dst_offset + done


def prepare_ntu(skeletons_dir: str, out_dir: str, dataset: str = "ntu60",
                num_workers: int | None = None, limit: int | None = None,
                names_file: str | None = None, single_actor: str | None = None,
                progress: bool = True) -> Summary:
    """Prepare every benchmark of ``dataset`` from ``skeletons_dir`` into ``out_dir``.

    Files that cannot become a sample are skipped, logged with file, line and reason,
    and counted in the returned summary. ``single_actor`` ("zeros" or "copy") fills the
    second body slot of one-actor samples; by default as the dataset's reference does.
    Raises NamesFileError for a bad names file, ValueError for bad arguments.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {dataset!r}")
    spec = DATASETS[dataset]
    single_actor = single_actor or spec.single_actor
    if single_actor not in SINGLE_ACTOR_FILLS:
        raise ValueError(f"single_actor must be one of {SINGLE_ACTOR_FILLS}, got {single_actor!r}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if not os.path.isdir(skeletons_dir):
        raise ValueError(f"skeletons folder not found: {skeletons_dir}")
    if num_workers is None:
        num_workers = os.cpu_count() or 1

    selected, found, outside, bad_names = select_files(skeletons_dir, dataset, names_file, limit)
    os.makedirs(out_dir, exist_ok=True)
    _keep_freed_memory()
    summary = Summary(dataset, files_found=found, outside_dataset=outside)
    log = _Log(os.path.join(out_dir, LOG_NAME), progress)
    try:
        log.write(f"preparing {dataset} from {os.path.abspath(skeletons_dir)}: {len(selected)} "
                  f"files selected, {num_workers} worker(s), one-actor second slot: {single_actor}")
        for err in bad_names:
            _skip(log, err, summary)
        with _Workers(num_workers if len(selected) > 1 else 1) as workers:
            entries = _read_all(selected, single_actor, workers, out_dir, log, summary, progress)
            summary.max_frames = max((e.frames for e in entries), default=0)
            start = time.perf_counter()
            for bench in spec.benchmarks:
                folder = os.path.join(out_dir, bench.name)
                os.makedirs(folder, exist_ok=True)
                summary.samples[bench.name] = {}
                for split, order in _split_order(entries, bench).items():
                    _write_split(os.path.join(folder, f"{split}_data.npy"),
                                 os.path.join(folder, f"{split}_label.pkl"),
                                 entries, order, summary.max_frames, workers)
                    summary.samples[bench.name][split] = len(order)
            summary.write_seconds = time.perf_counter() - start
        for line in summary.lines():
            log.write(line)
    finally:
        log.close()
        _Spool.close()
        for name in os.listdir(out_dir):
            if name.startswith(SPOOL_PREFIX):
                os.remove(os.path.join(out_dir, name))
    return summary


def _read_all(selected, single_actor, workers, out_dir, log, summary, progress) -> list[_Entry]:
    """Pass 1: prepare every file in workers, which spool the samples; keep small records."""
    start = time.perf_counter()
    entries: list[_Entry] = []
    jobs = [(name, path, single_actor, out_dir) for name, path, _ in selected]
    infos = {name: info for name, _, info in selected}
    tasks = [jobs[i:i + FILES_PER_TASK] for i in range(0, len(jobs), FILES_PER_TASK)]
    results = workers.imap(_prepare_files, tasks)  # workers start before the progress bar
    results = (result for task in results for result in task)
    if progress:  # (tqdm is imported only when it shows something)
        from tqdm import tqdm
        results = tqdm(results, total=len(jobs), desc="reading .skeleton", unit="file",
                       file=sys.stderr)
    for name, place, report in results:
        summary.files_read += 1
        if isinstance(report, SkeletonFormatError):
            _skip(log, report, summary)
            continue
        _log_report(log, name, report, summary)
        spool, offset, frames = place
        entries.append(_Entry(name, infos[name], frames, spool, offset))
        summary.prepared += 1
    _Spool.close()
    summary.read_seconds = time.perf_counter() - start
    return entries


def main(argv: list[str] | None = None) -> int:
    """Command line: see ``data/ntu-rgb-d/prepare_ntu.py --help``."""
    parser = argparse.ArgumentParser(
        prog="prepare_ntu.py",
        description="Prepare NTU RGB+D 60/120 raw .skeleton files as PaddleVideo data: "
                    "OUT/<benchmark>/{train,val}_{data.npy,label.pkl} and OUT/prepare_ntu.log.")
    parser.add_argument("--skeletons-dir", required=True,
                        help="folder of raw .skeleton files (e.g. nturgb+d_skeletons)")
    parser.add_argument("--out-dir", required=True, help="output folder")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="ntu60",
                        help="ntu60: setups 1-17, benchmarks xsub/xview; ntu120: setups "
                             "1-32, benchmarks xsub/xset (default: ntu60)")
    parser.add_argument("--num-workers", type=int, default=None,
                        help="worker processes (default: all CPUs; 0 or 1: in this process)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any file was skipped")
    parser.add_argument("--limit", type=int, default=None,
                        help="prepare only the first N selected files (by name)")
    parser.add_argument("--names-file", default=None,
                        help="prepare only the samples named in this file (one per line)")
    parser.add_argument("--single-actor", choices=SINGLE_ACTOR_FILLS, default=None,
                        help="second body slot of one-actor samples (default: as the "
                             "dataset's reference: zeros for ntu60, copy for ntu120)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        summary = prepare_ntu(args.skeletons_dir, args.out_dir, args.dataset, args.num_workers,
                              args.limit, args.names_file, args.single_actor,
                              progress=not args.no_progress)
    except (NamesFileError, ValueError) as err:
        parser.error(str(err))
    print("\n".join(summary.lines()))
    print(f"  log: {os.path.join(args.out_dir, LOG_NAME)}")
    if summary.prepared == 0:
        print("error: no sample could be prepared", file=sys.stderr)
        return 1
    if args.strict and summary.num_skipped:
        print(f"error: {summary.num_skipped} file(s) skipped (--strict)", file=sys.stderr)
        return 1
    return 0
