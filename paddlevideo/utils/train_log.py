"""Read the ``train.log`` that ``paddlevideo.tasks.train`` writes.

The lines read (each after the logger's ``[YYYY-mm-dd HH:MM:SS] INFO: `` prefix)::

    epoch:[  1/65] iter:[  20/318] loss: 1.23456 top1: 0.50000 lr: 0.010000 batch_cost: ...
    epoch:[  1/65] done: mean loss 1.52904, 125.1 s, 40.66 samples/s, load 2.37
    [valid] epoch 1: loss 1.16808 top1 0.59914 top5 0.97414
    rank 0: final weights checksum 1.590360639641e+05

A done line's seconds, samples/s and load (the 1-minute load average when the epoch ended) are
optional: older logs lack the load, hand-written ones the rest. A log that a resumed or restarted
run appended to holds some epochs twice; the later record of an epoch replaces the earlier one.
"""
from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Tuple

import numpy as np

_NUM = r"([-+0-9.eEnaif]+)"  # a float as Python prints it, nan and inf included
STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]")
ITER_LINE = re.compile(r"epoch:\[\s*(\d+)/(\d+)\] iter:\[\s*(\d+)/(\d+)\] loss: " + _NUM
                       + r" top1: " + _NUM + r" lr: " + _NUM)
EPOCH_LINE = re.compile(r"epoch:\[\s*(\d+)/(\d+)\] done: mean loss " + _NUM + r"(?:, " + _NUM + r" s)?"
                        + r"(?:, " + _NUM + r" samples/s)?(?:, load " + _NUM + r")?")
VALID_LINE = re.compile(r"\[valid\] epoch (\d+): loss " + _NUM + r" top1 " + _NUM + r" top5 " + _NUM)
FINAL_LINE = "final weights checksum"


@dataclass
class EpochTiming:
    """How long one epoch's training took (validation excluded).

    Attributes:
        seconds: training seconds of the epoch.
        samples_per_s: training samples per second (NaN when the line has none).
        end: time stamp of the epoch's done line (None when the line has none).
        load: 1-minute load average when the epoch ended (None when the line has none).
    """

    seconds: float
    samples_per_s: float = float("nan")
    end: Optional[datetime] = None
    load: Optional[float] = None


@dataclass
class RunHistory:
    """What a run recorded.

    Attributes:
        iters: epoch -> [(iteration within the epoch (1-based), loss, top1, lr)], logged iterations.
        iters_per_epoch: iterations of one epoch (from the log's ``iter:[i/n]``).
        epochs: epochs the run was set to train (the ``n`` of ``epoch:[i/n]``; 0 when unknown).
        epoch_loss: epoch -> mean training loss.
        timing: epoch -> its training time, speed and load, for done lines that give the seconds.
        valid: epoch -> (loss, top1, top5).
        final_checksum: main.py ended a training in this log (after the last epoch or on a STOP file).
        source: the file(s) read.
    """

    iters: Dict[int, List[Tuple[int, float, float, float]]] = field(default_factory=dict)
    iters_per_epoch: int = 0
    epochs: int = 0
    epoch_loss: Dict[int, float] = field(default_factory=dict)
    timing: Dict[int, EpochTiming] = field(default_factory=dict)
    valid: Dict[int, Tuple[float, float, float]] = field(default_factory=dict)
    final_checksum: bool = False
    source: str = ""

    def add_iter(self, epoch: int, it: int, loss: float, top1: float, lr: float) -> None:
        """Record a logged iteration; an iteration at or before the last one of its epoch
        starts that epoch over (a resumed run repeating it)."""
        rows = self.iters.setdefault(epoch, [])
        if rows and it <= rows[-1][0]:
            rows.clear()
        rows.append((it, loss, top1, lr))

    def iteration_curve(self, column: int) -> Tuple[np.ndarray, np.ndarray]:
        """(x in fractional epochs, values) of column 1 = loss, 2 = top1, 3 = lr."""
        xs, ys = [], []
        for epoch in sorted(self.iters):
            for row in self.iters[epoch]:
                xs.append(epoch - 1 + row[0] / max(self.iters_per_epoch, 1))
                ys.append(row[column])
        return np.asarray(xs), np.asarray(ys)

    def train_top1(self) -> Dict[int, float]:
        """epoch -> mean of the logged batch Top-1 values (NaN ones left out)."""
        out = {}
        for epoch, rows in self.iters.items():
            values = [r[2] for r in rows if np.isfinite(r[2])]
            if values:
                out[epoch] = float(np.mean(values))
        return out

    @property
    def epochs_done(self) -> int:
        """The last epoch with a done line (0: none)."""
        return max(self.epoch_loss, default=0)

    @property
    def finished(self) -> bool:
        """Every planned epoch is done and main.py ended the training."""
        return self.epochs > 0 and self.epochs_done >= self.epochs and self.final_checksum

    def valid_top1(self) -> Dict[int, float]:
        """epoch -> validation Top-1, in epoch order, NaN ones left out."""
        return {e: self.valid[e][1] for e in sorted(self.valid) if not math.isnan(self.valid[e][1])}

    def best_valid(self) -> Optional[Tuple[int, float]]:
        """(epoch, Top-1) of the first epoch reaching the best validation Top-1: the epoch whose
        weights the training keeps as ``_best``; None without validation."""
        top1 = self.valid_top1()
        if not top1:
            return None
        epoch = max(top1, key=lambda e: (top1[e], -e))
        return epoch, top1[epoch]

    def last_valid(self) -> Optional[Tuple[int, float]]:
        """(epoch, Top-1) of the last validated epoch; None without validation."""
        top1 = self.valid_top1()
        return (max(top1), top1[max(top1)]) if top1 else None

    def train_seconds(self) -> float:
        """Training seconds of all epochs with a timed done line (validation excluded)."""
        return float(sum(t.seconds for t in self.timing.values()))

    def samples_per_s(self) -> float:
        """Training samples over training seconds, all timed epochs together (NaN without any)."""
        timed = [t for t in self.timing.values() if not math.isnan(t.samples_per_s)]
        seconds = sum(t.seconds for t in timed)
        if seconds <= 0:
            return float("nan")
        return sum(t.seconds * t.samples_per_s for t in timed) / seconds

    def median_samples_per_s(self) -> float:
        """Median of the epochs' samples/s: unlike :meth:`samples_per_s`, not pulled down by a few
        epochs during which the run was paused (SIGSTOP) or shared the CPU (NaN without any)."""
        rates = [t.samples_per_s for t in self.timing.values() if not math.isnan(t.samples_per_s)]
        return float(statistics.median(rates)) if rates else float("nan")


def read_train_log(path: str) -> RunHistory:
    """Parse the iteration, epoch, validation and final lines of a ``train.log``."""
    history = RunHistory(source=path)
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        for line in f:
            match = ITER_LINE.search(line)
            if match:
                epoch, epochs, it, total = (int(g) for g in match.groups()[:4])
                loss, top1, lr = (float(g) for g in match.groups()[4:])
                history.epochs, history.iters_per_epoch = epochs, total
                history.add_iter(epoch, it, loss, top1, lr)
                continue
            match = EPOCH_LINE.search(line)
            if match:
                epoch, history.epochs = int(match.group(1)), int(match.group(2))
                loss, seconds, rate, load = match.groups()[2:]
                history.epoch_loss[epoch] = float(loss)
                if seconds is not None:
                    stamp = STAMP.match(line)
                    history.timing[epoch] = EpochTiming(
                        float(seconds), float("nan") if rate is None else float(rate),
                        datetime.fromisoformat(stamp.group(1)) if stamp else None,
                        None if load is None else float(load))
                else:
                    history.timing.pop(epoch, None)
                continue
            match = VALID_LINE.search(line)
            if match:
                history.valid[int(match.group(1))] = tuple(float(g) for g in match.groups()[1:])
                continue
            if FINAL_LINE in line:
                history.final_checksum = True
    return history
