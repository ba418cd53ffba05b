"""Training on every CPU core: main.py starts data-parallel processes for the user.

Paddle's CPU training gains little from a second math thread (0.88-1.16x, benchmarks/RESULTS.md
"## Training speed"). With ``cpu_processes`` (0, the default: one process per core, or per
``OMP_NUM_THREADS`` cores when that is set; 1: a single process) ``python main.py`` (training)
starts that many copies of itself with one math thread each and waits for them. They keep the
recipe:

- ``DATASET.batch_size`` stays the batch of one optimizer step: each of the P processes takes
  batch_size / P samples of it (P is lowered until it divides the batch, and said so);
  the sampler gives the P processes the same samples a single process would take in that step;
- batch norm normalises with the statistics of the whole batch (``tasks/sync_bn.py``) and the
  gradients are averaged, so a step computes what the single process computes, up to float
  summation order; augmentation draws differ (they are seeded per process).

Measured side by side on 2 cores (AMD EPYC, AVX-512; batch 16; ``python -m benchmarks.train_speed
--data-parallel``, benchmarks/RESULTS.md "## Training speed"): two processes against one two-thread
process, NW-UCLA shape CTRGCN 41.0 / 26.8, CTRGCN_light 79.0 / 49.4, CTRGCN_tiny 132.9 / 86.9
samples/s; NTU shape 13.4 / 8.5, 27.2 / 16.3, 55.1 / 31.3.

Process 0 writes to the terminal, train.log and every file of the run; the others' output goes
to a temporary file, shown (its end) when that process fails, else removed. A process that fails
stops the others.
A user's own ``paddle.distributed.launch`` keeps PaddleVideo's meaning (batch_size per process).
"""
from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing import resource_tracker, shared_memory
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

SPLIT_ENV = "PADDLEVIDEO_CPU_PROCESSES"  # set in the processes main.py starts: batch split, synced batch norm
SHM_ENV = "PADDLEVIDEO_CPU_SHM"  # the shared memory block of SharedSum


def started_by_main() -> bool:
    """True in a process that main.py started for a CPU data-parallel run."""
    return os.environ.get(SPLIT_ENV, "") not in ("", "0")


def plan(requested: int, cores: int, batch_size: int, user_threads: Optional[int],
         system: str = sys.platform) -> Tuple[int, int, str]:
    """(processes, math threads per process, why) for a training on ``cores`` CPU cores.

    ``requested``: the config's ``cpu_processes`` (0: one per core, or per ``user_threads``
    cores). The count is lowered until it divides ``batch_size``. Off Linux (where Paddle's
    gloo runs) one process.
    """
    if not system.startswith("linux"):
        return 1, max(1, user_threads or cores), f"one process: data-parallel CPU processes need Linux, not {system}"
    threads = max(1, user_threads or 1)
    wanted = requested if requested > 0 else max(1, cores // threads)
    procs = wanted
    while procs > 1 and batch_size % procs:
        procs -= 1
    why = (f"{procs} process(es) x {threads} math thread(s) on {cores} core(s)"
           + (f"; {wanted} do not divide DATASET.batch_size {batch_size}" if procs != wanted else ""))
    return procs, threads, why


class SharedSum:
    """Sum (or gather) of a small float64 vector over the processes main.py started, through shared memory.

    Synchronised batch norm exchanges twice per layer and step (a gather of the slices' statistics,
    a sum of the gradient sums); each exchange is a few memory writes and reads plus the wait for the
    slower process, where gloo's all_reduce goes through a TCP socket. Each process writes its vector
    into its slot, then publishes the call's number; once every process has published it, each
    reads every slot (``gather``) or adds them in rank order (the call), so all get bit-identical
    sums. Two sets of slots alternate: a process can be at most one call ahead, so the slots being
    read are never the ones being written. Relies on x86's store order (data before the number);
    elsewhere main.py uses gloo.
    """

    SLOT = 1 << 15  # values per process and call (batch norm sends 2 per channel, + 1)
    STRIDE = 8  # int64s between two processes' call numbers: one cache line each

    def __init__(self, name: str, rank: int, procs: int):
        self.shm = shared_memory.SharedMemory(name=name)
        try:  # the launcher owns the block; Python < 3.13 would unlink it when this process exits
            resource_tracker.unregister(self.shm._name, "shared_memory")  # noqa: SLF001
        except Exception:  # noqa: BLE001 (no tracker: nothing to undo)
            pass
        self.rank, self.procs, self.calls = rank, procs, 0
        head = procs * self.STRIDE
        self.numbers = np.ndarray((head,), np.int64, self.shm.buf)
        self.slots = np.ndarray((2, procs, self.SLOT), np.float64, self.shm.buf, offset=head * 8)

    @classmethod
    def size(cls, procs: int) -> int:
        return procs * cls.STRIDE * 8 + 2 * procs * cls.SLOT * 8

    def gather(self, values: np.ndarray, timeout: float = 1800.0) -> np.ndarray:
        """Every process' ``values`` (same length in all), as rows in rank order: (procs, size)."""
        values = np.asarray(values, np.float64).ravel()
        if values.size > self.SLOT:
            raise ValueError(f"SharedSum: {values.size} values, at most {self.SLOT}")
        self.calls += 1
        slots = self.slots[self.calls & 1]
        slots[self.rank, :values.size] = values
        self.numbers[self.rank * self.STRIDE] = self.calls
        published = self.numbers[::self.STRIDE]
        spins, start = 0, None
        while published.min() < self.calls:
            spins += 1
            if spins > 200:  # a process is busy: stop spinning, give the core away
                time.sleep(0)
                start = start or time.monotonic()
                if time.monotonic() - start > timeout:
                    raise RuntimeError(f"SharedSum: no answer from the other CPU processes in {timeout:.0f} s")
        return slots[:, :values.size].copy()

    def __call__(self, values: np.ndarray, timeout: float = 1800.0) -> np.ndarray:
        """The elementwise sum of every process' ``values``, added in rank order (bit-identical in all)."""
        return self.gather(values, timeout).sum(axis=0)

    def close(self) -> None:
        del self.numbers, self.slots
        self.shm.close()


_SHARED: Optional[SharedSum] = None


def shared_sum() -> Optional[SharedSum]:
    """This process' SharedSum when main.py started it with one, else None (use gloo)."""
    global _SHARED
    name = os.environ.get(SHM_ENV)
    if _SHARED is None and name:
        _SHARED = SharedSum(name, int(os.environ["PADDLE_TRAINER_ID"]), int(os.environ["PADDLE_TRAINERS_NUM"]))
    return _SHARED


def _free_ports(n: int) -> List[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def shared_block(procs: int) -> Optional[shared_memory.SharedMemory]:
    """A zeroed shared memory block for ``procs`` processes' SharedSum (None off x86: gloo then);
    the caller closes and unlinks it."""
    if platform.machine().lower() not in ("x86_64", "amd64", "i686", "x86"):
        return None
    shm = shared_memory.SharedMemory(create=True, size=SharedSum.size(procs))
    shm.buf[:SharedSum.size(procs)] = bytes(SharedSum.size(procs))
    return shm


def process_envs(procs: int, threads: int, shm: Optional[shared_memory.SharedMemory]) -> List[Dict[str, str]]:
    """The environment variables that make rank 0 .. procs-1 main.py's data-parallel CPU processes."""
    endpoints = [f"127.0.0.1:{p}" for p in _free_ports(procs)]
    envs = []
    for rank in range(procs):
        env = {"PADDLE_TRAINER_ID": str(rank), "PADDLE_TRAINERS_NUM": str(procs),
               "PADDLE_TRAINER_ENDPOINTS": ",".join(endpoints), "PADDLE_CURRENT_ENDPOINT": endpoints[rank],
               "PADDLE_DISTRI_BACKEND": "gloo", "OMP_NUM_THREADS": str(threads), SPLIT_ENV: str(procs),
               # the others wait in a collective while process 0 validates: allow a day, not 30 minutes
               "PADDLE_PG_TIMEOUT": os.environ.get("PADDLE_PG_TIMEOUT", str(24 * 3600 * 1000))}
        if shm is not None:
            env[SHM_ENV] = shm.name
        envs.append(env)
    return envs


def launch(script: str, argv: Sequence[str], procs: int, threads: int) -> int:
    """Run ``python script argv`` as ``procs`` data-parallel CPU processes; returns the exit code
    (0 when every process succeeded, else the first failure's)."""
    shm = shared_block(procs)
    children: List[subprocess.Popen] = []
    logs = []
    for rank, extra in enumerate(process_envs(procs, threads, shm)):
        env = dict(os.environ, **extra)
        out = None
        if rank > 0:
            out = tempfile.TemporaryFile("w+", prefix=f"paddlevideo_rank{rank}_")
            logs.append(out)
        children.append(subprocess.Popen([sys.executable, script, *argv], env=env, stdout=out,
                                         stderr=subprocess.STDOUT if out else None))

    def forward(signum, _frame):
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)
    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        running = list(range(procs))
        while running:
            for rank in list(running):
                rc = children[rank].poll()
                if rc is None:
                    continue
                running.remove(rank)
                if rc == 0 or code != 0:
                    continue
                code = rc
                if rank > 0:  # process 0's own output is already on the terminal
                    logs[rank - 1].seek(0)
                    tail = "".join(logs[rank - 1].readlines()[-30:])
                    print(f"{tail}error: CPU process {rank} of {procs} exited with {rc} (its output above); "
                          f"stopping the others", file=sys.stderr)
                for other in running:
                    children[other].terminate()
            time.sleep(0.2)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        for f in logs:
            f.close()
        if shm is not None:
            shm.close()
            shm.unlink()
    return code
