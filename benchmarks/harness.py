"""What the benchmark scripts share: interleaved rounds, their statistics, the machine they ran
on, its load, and the RESULTS.md section writer. Each script keeps only what it measures.

    rounds = run_rounds({"plain": step_a, "fast": step_b}, rounds=12, warmup=2)
    rounds.median("fast")                  # seconds, over every timed call
    rounds.ratio("plain", "fast")          # median over rounds of plain / fast in the same round
    load = LoadLog()                       # 1-minute load average now ...
    load.end()                             # ... and at the end: load.text() == "1.2 -> 1.9"
    machine().cpu, machine().isa()         # e.g. "AMD EPYC 7B13 64-Core Processor", "AVX2, no AVX-512"
    publish(text, "## Distillation speed", write=True)   # print it, replace that section of RESULTS.md
    replace_section(path, "### 1000 files", body, within="## NTU preparation speed")  # one subsection
    run_process(cmd, "worker")             # a process contestant: its output, or an error naming it
    Sampler(lambda: tree_rss_kb(pid))      # a value sampled in the background; .stop() gives its peak

Why interleaved: the machine is shared, so its load changes during a run. Contestants timed in
the same round see about the same load, and the median of per-round ratios cancels most of it,
where a ratio of two medians taken minutes apart does not.
"""
from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Callable, Dict, Hashable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import psutil

from paddlevideo.utils.cpu_math import cpu_info
from paddlevideo.utils.fileio import atomic_write_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "RESULTS.md")
UCLA_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "NW-UCLA", "all_sqe")  # the shared NW-UCLA
ORDERS = ("same", "rotate", "alternate")
Times = Sequence[Union[float, Sequence[float]]]  # per round: one time, or the times of its calls


# ----------------------------------------------------------------------------- statistics


def pooled(times: Times) -> np.ndarray:
    """Every time of ``times`` (per-round values or per-round lists) in one flat array."""
    return np.concatenate([np.atleast_1d(np.asarray(t, dtype=float)) for t in times]) if len(times) else np.array([])


def summary(times: Times) -> Tuple[float, float]:
    """(median, min) over every time of every round."""
    flat = pooled(times)
    return float(np.median(flat)), float(np.min(flat))


def round_ratios(a: Times, b: Times) -> List[float]:
    """Per round: the median of ``a``'s times in it over the median of ``b``'s."""
    if len(a) != len(b):
        raise ValueError(f"{len(a)} rounds against {len(b)}: per-round ratios need the same rounds")
    return [float(np.median(x) / np.median(y)) for x, y in zip(a, b)]


def ratio(a: Times, b: Times) -> float:
    """Median of the per-round ratios a / b (robust to the load changing between rounds)."""
    return float(np.median(round_ratios(a, b)))


# ----------------------------------------------------------------------------- interleaved rounds


wall_seconds = time.perf_counter


def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus that of its children that have been waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Rounds:
    """Timed calls of contestants: ``wall[name][r]`` and ``cpu[name][r]`` are the seconds of each
    timed call of ``name`` in round ``r``; ``values[name]`` what those calls returned, in order."""

    wall: Dict[Hashable, List[List[float]]] = field(default_factory=dict)
    cpu: Dict[Hashable, List[List[float]]] = field(default_factory=dict)
    values: Dict[Hashable, List[object]] = field(default_factory=dict)

    def times(self, name: Hashable, clock: str = "wall") -> List[List[float]]:
        if clock not in ("wall", "cpu"):
            raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
        return getattr(self, clock)[name]

    def ms(self, clock: str = "wall") -> Dict[Hashable, List[List[float]]]:
        """Every contestant's per-round times in milliseconds."""
        return {name: [[1e3 * t for t in r] for r in self.times(name, clock)] for name in self.wall}

    def median(self, name: Hashable, clock: str = "wall") -> float:
        return summary(self.times(name, clock))[0]

    def ratio(self, a: Hashable, b: Hashable, clock: str = "wall") -> float:
        return ratio(self.times(a, clock), self.times(b, clock))


def round_order(names: Sequence[Hashable], r: int, order: str) -> List[Hashable]:
    """The contestants' order in round ``r``: 'same' every round, 'rotate' (round r starts with
    the r-th, so each leads equally often) or 'alternate' (reversed every other round)."""
    names = list(names)
    if order == "same":
        return names
    if order == "rotate":
        k = r % len(names) if names else 0
        return names[k:] + names[:k]
    if order == "alternate":
        return names if r % 2 == 0 else names[::-1]
    raise ValueError(f"order must be one of {ORDERS}, got {order!r}")


def run_rounds(contestants: Mapping[Hashable, Callable[[], object]], rounds: int, reps: int = 1,
               warmup: int = 0, order: str = "same", settle: int = 0) -> Rounds:
    """Call every contestant in turn, ``rounds`` times; each turn is ``settle`` untimed calls then
    ``reps`` timed ones (wall: ``wall_seconds``; CPU: ``cpu_seconds``). ``warmup`` untimed
    rounds of one call each come first. A contestant is any callable: a predictor run, a training
    step, or a function that runs a process and returns what it reported."""
    if rounds < 1 or reps < 1 or warmup < 0 or settle < 0:
        raise ValueError(f"need rounds >= 1, reps >= 1, warmup >= 0, settle >= 0; got {rounds}, {reps}, "
                         f"{warmup}, {settle}")
    out = Rounds({n: [] for n in contestants}, {n: [] for n in contestants}, {n: [] for n in contestants})
    for r in range(warmup):
        for name in round_order(contestants, r, order):
            contestants[name]()
    for r in range(rounds):
        for name in round_order(contestants, r, order):
            call = contestants[name]
            for _ in range(settle):
                call()
            wall, cpu = [], []
            for _ in range(reps):
                w, c = wall_seconds(), cpu_seconds()
                out.values[name].append(call())
                wall.append(wall_seconds() - w)
                cpu.append(cpu_seconds() - c)
            out.wall[name].append(wall)
            out.cpu[name].append(cpu)
    return out


def run_process(cmd: Sequence[str], what: str, env: Optional[Mapping[str, str]] = None,
                cwd: str = ROOT) -> subprocess.CompletedProcess:
    """Run ``cmd`` to its end with its output captured (a process contestant calls this);
    RuntimeError naming ``what`` with the end of its stderr when it fails. The child imports
    this checkout's code: its root leads the child's PYTHONPATH."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


# ----------------------------------------------------------------------------- machine and load


ISA = (("AVX2", ("avx2",)), ("AVX-512", ("avx512f",)), ("AVX-512 VNNI", ("avx512_vnni", "avx512vnni")),
       ("AMX", ("amx_tile",)))  # the instruction sets CPU math libraries pick kernels by


def package_version(name: str) -> Optional[str]:
    """Installed version of a distribution (e.g. 'paddlepaddle'), without importing it; None if absent."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class Machine:
    """Where a benchmark ran: CPU model and flags, cores, and the versions its numbers depend on."""

    cpu: str
    flags: frozenset
    cores: int
    python: str
    numpy: str
    paddle: Optional[str]

    def isa(self) -> str:
        """The vector instruction sets present, and the widest absent one: 'AVX2, no AVX-512'."""
        present = [label for label, names in ISA if self.flags & set(names)]
        absent = [label for label, names in ISA[:2] if label not in present]
        return ", ".join(present + [f"no {label}" for label in absent[:1]])

    def describe(self) -> str:
        return (f"{self.cpu} ({self.isa()}), {self.cores} cores, Python {self.python}, NumPy {self.numpy}"
                + (f", Paddle {self.paddle}" if self.paddle else ""))


def machine(cpuinfo: str = "/proc/cpuinfo") -> Machine:
    """This machine, its CPU read as main.py reads it (``paddlevideo.utils.cpu_math.cpu_info``)."""
    info = cpu_info(cpuinfo)
    name, flags = info["model"], frozenset(info["flags"])
    return Machine(name or platform.processor() or platform.machine() or "unknown CPU", flags,
                   os.cpu_count() or 1, sys.version.split()[0], np.__version__, package_version("paddlepaddle"))


def load1() -> Optional[float]:
    """The 1-minute load average (None where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def load_text(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.1f}"


class LoadLog:
    """1-minute load averages taken during a benchmark: at creation, at each ``mark()``, at ``end()``."""

    def __init__(self) -> None:
        self.samples: List[Optional[float]] = [load1()]

    def mark(self) -> str:
        """Take a sample; returns it as text for a progress line."""
        self.samples.append(load1())
        return load_text(self.samples[-1])

    def end(self) -> "LoadLog":
        self.mark()
        return self

    @property
    def start_value(self) -> Optional[float]:
        return self.samples[0]

    @property
    def end_value(self) -> Optional[float]:
        return self.samples[-1]

    def text(self) -> str:
        """'start -> end' (one decimal)."""
        return f"{load_text(self.start_value)} -> {load_text(self.end_value)}"


class Sampler:
    """Calls ``measure()`` every ``interval`` seconds in a background thread from creation until
    ``stop()``, which returns the largest value seen (a process tree's memory, the load average)."""

    def __init__(self, measure: Callable[[], float], interval: float = 0.05) -> None:
        self.measure, self.interval, self.peak = measure, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.measure())
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def tree_rss_kb(pid: int) -> int:
    """Resident memory (KB) of process ``pid`` and all its descendants now; 0 once it has ended."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:  # ended meanwhile
            pass
    return total // 1024


# ----------------------------------------------------------------------------- RESULTS.md


def publish(text: str, heading: str, write: bool, path: str = RESULTS) -> None:
    """Print a section; with ``write``, also put it into ``path`` in place of its previous version."""
    print(text)
    if write:
        replace_section(path, heading, text)
        print(f"wrote {heading!r} into {path}", file=sys.stderr)


def heading_level(line: str) -> int:
    """1 for '# x', 2 for '## x', ...; 0 for a line that is not a markdown heading."""
    m = re.match(r"(#+) ", line)
    return len(m.group(1)) if m else 0


def heading_levels(lines: List[str]) -> List[int]:
    """``heading_level`` of each line, 0 inside fenced code blocks (where "# x" is a shell comment)."""
    levels, fenced = [], False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            levels.append(0)
        else:
            levels.append(0 if fenced else heading_level(line))
    return levels


def section_span(lines: List[str], heading: str) -> Optional[Tuple[int, int]]:
    """[first, end) line indices of the section that starts with the line ``heading``: up to the
    next heading of its level or above (code blocks hold no headings); None if absent."""
    levels, level = heading_levels(lines), heading_level(heading)
    first = next((i for i, line in enumerate(lines) if line == heading and levels[i]), None)
    if first is None:
        return None
    end = next((i for i in range(first + 1, len(lines)) if 0 < levels[i] <= level), len(lines))
    return first, end


def replace_section(path: str, heading: str, body: str, within: Optional[str] = None,
                    intro: Optional[str] = None, order: Optional[Callable[[str], object]] = None) -> None:
    """Replace the section of ``path`` that starts with the line ``heading`` by ``body`` (which
    starts with ``heading``), keeping every other section; append it when absent. Atomic.

    With ``within`` (a parent heading), ``heading`` is a subsection of that section: replaced or
    added there (the parent created when absent), the parent's text before its first subsection
    set to ``intro`` when given, and its subsections sorted by ``order(heading)`` when given."""
    text = "# Benchmark results\n"
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    lines = text.splitlines()
    if within is None:
        new_lines = body.rstrip("\n").splitlines()
        span = section_span(lines, heading)
    else:
        span = section_span(lines, within)
        new_lines = subsections_replaced(lines[span[0]:span[1]] if span else [within], heading, body, intro, order)
    if span is None:
        new = text.rstrip("\n") + "\n\n" + "\n".join(new_lines) + "\n"
    else:
        new = "\n".join(lines[:span[0]] + new_lines + [""] + lines[span[1]:]).rstrip("\n") + "\n"
    atomic_write_text(path, new)


def subsections_replaced(section: List[str], heading: str, body: str, intro: Optional[str],
                         order: Optional[Callable[[str], object]]) -> List[str]:
    """The lines of ``section`` (its heading first) with subsection ``heading`` set to ``body``."""
    level = heading_level(heading)
    starts = [i for i, lv in enumerate(heading_levels(section)) if i and lv == level]
    preamble = "\n".join(section[1:starts[0] if starts else len(section)]).strip()
    parts = {section[s]: "\n".join(section[s + 1:e]).strip() for s, e in zip(starts, starts[1:] + [len(section)])}
    parts[heading] = body.strip()[len(heading):].strip() if body.strip().startswith(heading) else body.strip()
    names = sorted(parts, key=order) if order else list(parts)
    preamble = intro.strip() if intro is not None else preamble
    out = [section[0]] + (["", preamble] if preamble else [])
    for name in names:
        out += ["", name, "", parts[name]]
    return out
