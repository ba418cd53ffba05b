"""Training speed on NW-UCLA with 1 and 2 CPU math threads, side by side: which default main.py uses.

    python -m benchmarks.train_threads --data ../shared/data/NW-UCLA/all_sqe [--rounds 3] [--iters 60] \\
        [--write-results]   # reads ../shared

For each model, ``main.py --validate`` with the model's ``*_ucla_joint.yaml`` (its data workers,
batch 16, the official augmentation) runs ``--iters`` iterations of one epoch with
``OMP_NUM_THREADS=1``, then with 2, alternating for ``--rounds`` rounds; each run's samples/s is
the training-log ``ips`` of its iterations after the first logging interval (start-up excluded).
Reported: the median over rounds for each setting and the median of the per-round ratios.
"""
from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import time
from typing import Dict, List

import numpy as np

from benchmarks.harness import LoadLog, load_text, machine, publish, ratio, run_rounds
from benchmarks.speed import ucla_training_run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADING = "## Training threads: 1 or 2"
MODELS = ("ctrgcn_tiny", "ctrgcn_light", "ctrgcn")
LOG_INTERVAL = 20


def train_ips(model: str, threads: int, data: str, iters: int) -> float:
    """Median samples/s of the logging intervals after the first, one main.py run."""
    stdout, _ = ucla_training_run(f"configs/recognition/ctrgcn/{model}_ucla_joint.yaml", data, iters, LOG_INTERVAL,
                                  seed=1234, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))  # main.py's seed
    ips = [float(x) for x in re.findall(r"ips: ([\d.]+) instance/sec", stdout)]
    if len(ips) < 2:
        raise RuntimeError(f"{model}: fewer than 2 logging intervals in {iters} iterations; raise --iters")
    return float(np.median(ips[1:]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="NW-UCLA all_sqe folder")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS, help="models (default all)")
    p.add_argument("--rounds", type=int, default=3, help="alternating 1/2-thread rounds")
    p.add_argument("--iters", type=int, default=60, help="training iterations per run")
    p.add_argument("--write-results", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    if not os.path.isdir(args.data):
        print(f"error: NW-UCLA folder not found: {args.data}", file=sys.stderr)
        return 2
    load = LoadLog()
    rows: Dict[str, Dict[int, List[float]]] = {}

    def run(model: str, threads: int) -> float:
        speed = train_ips(model, threads, args.data, args.iters)
        print(f"{model}: {threads} thread(s) {speed:.1f} samples/s", flush=True)
        return speed

    for model in args.models:
        rounds = run_rounds({t: functools.partial(run, model, t) for t in (1, 2)}, args.rounds)
        rows[model] = rounds.values
    load.end()
    lines = [HEADING, "",
             f"`python -m benchmarks.train_threads --data {args.data} --rounds {args.rounds} --iters {args.iters} "
             "--write-results`   # reads ../shared", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine().cpu}, {os.cpu_count()} cores, "
             f"1-minute load average {load_text(load.start_value)} at the start and {load_text(load.end_value)} "
             "at the end (other jobs "
             f"paused). main.py training on NW-UCLA, batch 16, {args.iters} iterations per run, 1 and 2 threads "
             f"alternating, {args.rounds} rounds; samples/s: median over rounds (range).", "",
             "| model | 1 thread | 2 threads | 2 / 1 (median of rounds) |", "|---|---:|---:|---:|"]
    for model, by in rows.items():
        one, two = np.asarray(by[1]), np.asarray(by[2])
        lines.append(f"| {model} | {np.median(one):.1f} ({one.min():.1f}-{one.max():.1f}) | "
                     f"{np.median(two):.1f} ({two.min():.1f}-{two.max():.1f}) | {ratio(two, one):.2f}x |")
    lines += ["", "main.py sets `OMP_NUM_THREADS` to the number of cores it may use when the variable is unset "
              "(Paddle alone would use 1); set it to override.", ""]
    text = "\n".join(lines)
    publish(text, HEADING, args.write_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
