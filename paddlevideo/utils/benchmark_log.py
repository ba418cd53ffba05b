"""Inference benchmark log with the fields PaddleVideo's TIPC reads from AutoLog.

AutoLog cannot be installed here, so this small logger takes its place::

    log = BenchmarkLog(model_name="CTRGCN_light_joint", batch_size=1, device="cpu",
                       cpu_threads=2, mkldnn=True)
    for batch in batches:
        log.start()          # preprocess begins
        ...
        log.stamp()          # preprocess done, inference begins
        ...
        log.stamp()          # inference done, postprocess begins
        ...
        log.end(num_samples=len(batch))
    print("\\n".join(log.report_lines()))

Times are wall-clock (``time.perf_counter`` by default), reported in milliseconds per sample; the
first ``warmup`` batches are left out of the averages. Memory: the process's resident set
size (RSS, from psutil) sampled at every stamp, reported as its peak in MB; GPU memory
(MB, from ``nvidia-smi`` for this process) when a GPU is in use.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import psutil

from .fileio import atomic_write_text

STAGES = ("preprocess", "inference", "postprocess")


def cpu_rss_mb(pid: Optional[int] = None) -> float:
    """Resident set size of process ``pid`` (default: this one), MB (2**20 bytes)."""
    return psutil.Process(pid or os.getpid()).memory_info().rss / 2 ** 20


def parse_nvidia_smi_apps(text: str, pid: int) -> Optional[float]:
    """GPU memory (MB) of ``pid`` from ``nvidia-smi --query-compute-apps=pid,used_memory
    --format=csv,noheader,nounits`` output (``"1234, 811"`` per line); None if absent."""
    total, found = 0.0, False
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) == pid:
            try:
                total += float(parts[1])
            except ValueError:
                continue
            found = True
    return total if found else None


def gpu_memory_mb(pid: Optional[int] = None) -> Optional[float]:
    """GPU memory used by ``pid`` in MB according to nvidia-smi; None without a GPU."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory",
                              "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_nvidia_smi_apps(out, pid or os.getpid())


@dataclass
class BenchmarkLog:
    """Per-stage timings and memory of an inference run.

    Args:
        model_name: the config's model_name.
        batch_size: samples per predictor call.
        precision: 'fp32', 'fp16' or 'int8'.
        device: 'cpu' or 'gpu'.
        cpu_threads: math-library threads (None: the library default).
        mkldnn: whether oneDNN was in effect (after any fallback).
        backend: 'paddle' (Paddle Inference) or 'onnxruntime'.
        warmup: leading batches excluded from the averages.
        notes: free-form extra lines (e.g. why oneDNN was turned off).
        gpu_memory: callable returning GPU MB (default: nvidia-smi when device is 'gpu').
        clock: seconds counter (default ``time.perf_counter``).
    """

    model_name: str
    batch_size: int
    precision: str = "fp32"
    device: str = "cpu"
    cpu_threads: Optional[int] = None
    mkldnn: bool = False
    backend: str = "paddle"
    warmup: int = 0
    notes: List[str] = field(default_factory=list)
    gpu_memory: Optional[Callable[[], Optional[float]]] = None
    clock: Callable[[], float] = time.perf_counter
    _stamps: List[float] = field(default_factory=list, init=False, repr=False)
    _batches: List[List[float]] = field(default_factory=list, init=False, repr=False)  # per batch: stage seconds
    _samples: List[int] = field(default_factory=list, init=False, repr=False)
    _rss_peak: float = field(default=0.0, init=False, repr=False)
    _gpu_peak: Optional[float] = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.gpu_memory is None and self.device == "gpu":
            self.gpu_memory = gpu_memory_mb

    def _sample_memory(self) -> None:
        self._rss_peak = max(self._rss_peak, cpu_rss_mb())
        if self.gpu_memory is not None:
            used = self.gpu_memory()
            if used is not None:
                self._gpu_peak = used if self._gpu_peak is None else max(self._gpu_peak, used)

    def start(self) -> None:
        """A batch begins (its preprocessing starts now)."""
        self._stamps = [self.clock()]

    def stamp(self) -> None:
        """The current stage ends and the next begins."""
        if not self._stamps:
            raise RuntimeError("BenchmarkLog.stamp() before start()")
        self._stamps.append(self.clock())
        self._sample_memory()

    def end(self, num_samples: int) -> None:
        """The batch's last stage ends; it held ``num_samples`` samples."""
        self.stamp()
        if len(self._stamps) != len(STAGES) + 1:
            raise RuntimeError(f"BenchmarkLog: expected start, {len(STAGES) - 1} stamp() calls and end() "
                               f"per batch, got {len(self._stamps) - 2} stamp() calls")
        if num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}")
        self._batches.append([b - a for a, b in zip(self._stamps, self._stamps[1:])])
        self._samples.append(num_samples)
        self._stamps = []

    @property
    def timed_batches(self) -> int:
        """Batches that count in the averages (after warm-up)."""
        return max(0, len(self._batches) - self.warmup)

    def summary(self) -> Dict[str, Any]:
        """All fields as a dict; times in ms per sample over the timed batches."""
        batches = self._batches[self.warmup:]
        samples = sum(self._samples[self.warmup:])
        per_sample = {}
        for k, stage in enumerate(STAGES):
            total = sum(b[k] for b in batches)
            per_sample[f"{stage}_time_ms"] = round(1000.0 * total / samples, 4) if samples else None
        return {
            "model_name": self.model_name,
            "backend": self.backend,
            "precision": self.precision,
            "batch_size": self.batch_size,
            "device": self.device,
            "cpu_threads": self.cpu_threads,
            "mkldnn": self.mkldnn,
            "timed_batches": len(batches),
            "samples": samples,
            "warmup_batches": min(self.warmup, len(self._batches)),
            **per_sample,
            "total_time_s": round(sum(sum(b) for b in batches), 4),
            "cpu_rss_mb": round(self._rss_peak, 1),
            "gpu_memory_mb": None if self._gpu_peak is None else round(self._gpu_peak, 1),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "notes": list(self.notes),
        }

    def report_lines(self) -> List[str]:
        """Human-readable report; the keys match AutoLog's so TIPC log readers find them."""
        s = self.summary()

        def ms(v: Optional[float]) -> str:
            return "n/a" if v is None else f"{v:.4f}"

        gpu = "n/a" if s["gpu_memory_mb"] is None else f"{s['gpu_memory_mb']:.1f}"
        lines = [
            "---------------------- Env info ----------------------",
            f" OS_version: {s['os']}",
            f" python_version: {s['python']}",
            "----------------------- Model info ----------------------",
            f" model_name: {s['model_name']}",
            f" precision: {s['precision']}",
            f" backend: {s['backend']}",
            "----------------------- Data info -----------------------",
            f" batch_size: {s['batch_size']}",
            " input_shape: dynamic",
            f" data_num: {s['samples']} (timed batches {s['timed_batches']}, warm-up {s['warmup_batches']})",
            "----------------------- Conf info -----------------------",
            f" runtime_device: {s['device']}",
            f" enable_mkldnn: {s['mkldnn']}",
            f" cpu_math_library_num_threads: {s['cpu_threads'] if s['cpu_threads'] else 'default'}",
            "----------------------- Perf info -----------------------",
            f" cpu_rss(MB): {s['cpu_rss_mb']:.1f}, gpu_rss(MB): {gpu}",
            f" total time spent(s): {s['total_time_s']:.4f}",
            f" preprocess_time(ms): {ms(s['preprocess_time_ms'])}, "
            f"inference_time(ms): {ms(s['inference_time_ms'])}, "
            f"postprocess_time(ms): {ms(s['postprocess_time_ms'])}",
        ]
        lines += [f" note: {n}" for n in s["notes"]]
        return ["[benchmark] " + line for line in lines]

    def save_json(self, path: str) -> None:
        """Write :meth:`summary` as JSON (atomically)."""
        atomic_write_text(path, json.dumps(self.summary(), indent=1))
