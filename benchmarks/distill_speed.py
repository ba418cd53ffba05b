"""Time of one distillation training step against one plain step, side by side.

    python -m benchmarks.distill_speed --steps 12 --write-results   # "## Distillation speed" in RESULTS.md

Student and teacher come from configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint_distill.yaml
(CTRGCN_tiny on 9 early-fused channels; the CTRGCN teacher on the 3 joint channels, with
its committed weights). One random batch at the NW-UCLA shape (16, 9, 52, 20, 1) and
main.py's step (forward, loss, backward, Nesterov momentum with L2, clear) on the fast CPU
path, in one process:

- plain: the student's own loss (``mode="train"``), as without DISTILL;
- distill: ``Distiller.train_step`` (student forward, teacher forward without gradient,
  CE + KL), then the same backward and update.

The two alternate step by step (plain, distill, plain, ...) so both see the same machine
load; the first ``--warmup`` pairs are not timed. Also timed, in the same rotation: the
teacher's forward alone. Threads: Paddle's default (OMP_NUM_THREADS, 1 when unset).
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from typing import Callable, Dict, List

import numpy as np

from benchmarks.harness import publish, round_ratios, run_rounds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONFIG = "configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint_distill.yaml"
HEADING = "## Distillation speed"
SHAPE = (16, 9, 52, 20, 1)  # (N, C, T, V, M)


def measure(steps: int, warmup: int) -> Dict[str, List[float]]:
    """Seconds per call of each timed action, over ``steps`` alternating rounds."""
    from paddlevideo.utils.cpu_math import choose_mkl_kernels
    choose_mkl_kernels()  # before the first matrix product, as main.py does with fast_cpu: true
    import paddle
    from paddlevideo.modeling import build_model
    from paddlevideo.solver import build_optimizer
    from paddlevideo.tasks.distill import Distiller, DistillOptions
    from paddlevideo.config import get_config

    os.chdir(ROOT)  # the config's teacher paths are relative to the repo root
    cfg = get_config(CONFIG, show=False)
    paddle.seed(0)
    student = build_model(cfg.MODEL)
    distiller = Distiller(DistillOptions(**cfg.DISTILL), student)
    optimizer, _ = build_optimizer(cfg.OPTIMIZER, student.parameters(), 10)
    rng = np.random.RandomState(0)
    x = paddle.to_tensor(rng.randn(*SHAPE).astype("float32"))
    y = paddle.to_tensor(rng.randint(0, 10, (SHAPE[0], 1)).astype("int64"))
    student.train()

    def step(forward: Callable[[], Dict]) -> None:
        out = forward()
        out["loss"].backward()
        optimizer.step()
        optimizer.clear_grad()
        float(out["loss"])  # wait for the result

    actions = {
        "plain step": lambda: step(lambda: student([x, y], mode="train")),
        "distill step": lambda: step(lambda: distiller.train_step(student, student.head, x, y)),
        "teacher forward": lambda: distiller.teacher_logits(x).numpy(),
    }
    rounds = run_rounds(actions, steps, warmup=warmup)
    return {name: [t for r in times for t in r] for name, times in rounds.wall.items()}


def report(times: Dict[str, List[float]], command: str) -> str:
    med = {k: float(np.median(v)) for k, v in times.items()}
    ratios = np.array(round_ratios(times["distill step"], times["plain step"]))
    threads = os.environ.get("OMP_NUM_THREADS", "unset (1)")
    lines = [HEADING, "",
             f"`{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, OMP_NUM_THREADS {threads}, "
             f"{len(ratios)} alternating rounds; the machine was shared with other runs, so the ratio "
             "is the number to read).",
             "",
             f"CTRGCN_tiny student (9 channels) + CTRGCN teacher (3 joint channels), batch {SHAPE[0]} of "
             f"{SHAPE[1:]}, fast CPU path, main.py's training step:",
             "",
             "| action | median (s) |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in med.items()]
    lines += ["", f"Distill step / plain step: median of the per-round ratios {np.median(ratios):.2f}x "
                  f"(range {ratios.min():.2f}-{ratios.max():.2f}x); the teacher's forward accounts for "
                  f"{med['teacher forward'] / max(med['distill step'] - med['plain step'], 1e-9):.0%} "
                  "of the added time."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=12, help="timed rounds (default 12)")
    p.add_argument("--warmup", type=int, default=2, help="untimed rounds first (default 2)")
    p.add_argument("--write-results", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    command = "python -m benchmarks.distill_speed " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(measure(args.steps, args.warmup), command.strip())
    publish(text, HEADING, args.write_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
