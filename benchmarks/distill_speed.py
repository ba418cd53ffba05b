"""Time of one distillation training step against one plain step, side by side, per teacher.

    python -m benchmarks.distill_speed --steps 12 --write-results   # "## Distillation speed" in RESULTS.md

The student is CTRGCN_tiny on 9 early-fused channels, as in both shipped NW-UCLA distillation configs
(``TEACHERS``): configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint_distill.yaml (the CTRGCN teacher on
the 3 joint channels) and ctrgcn_tiny_ucla_kd.yaml (the CTRGCN_light bone-stream teacher on the 3
bone channels), each teacher with its committed weights. One random batch at the NW-UCLA shape
(16, 9, 52, 20, 1) and main.py's step (forward, loss, backward, Nesterov momentum with L2, clear) on
the fast CPU path, in one process:

- plain: the student's own loss (``mode="train"``), as without DISTILL;
- distill: ``Distiller.train_step`` (student forward, teacher forward without gradient,
  CE + KL), then the same backward and update; one per teacher.

All actions alternate step by step (plain, distill with each teacher, each teacher's forward alone,
plain, ...) so all see the same machine load; the first ``--warmup`` rounds are not timed.
Threads: Paddle's default (OMP_NUM_THREADS, 1 when unset).
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

TEACHERS = {  # teacher -> the distillation config that names it (same student in both)
    "CTRGCN joint": "configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint_distill.yaml",
    "CTRGCN_light bone": "configs/recognition/ctrgcn/ctrgcn_tiny_ucla_kd.yaml",
}
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

    os.chdir(ROOT)  # the configs' teacher paths are relative to the repo root
    cfgs = {teacher: get_config(path, show=False) for teacher, path in TEACHERS.items()}
    first = next(iter(cfgs.values()))
    for teacher, cfg in cfgs.items():
        if cfg.MODEL != first.MODEL:
            raise ValueError(f"{TEACHERS[teacher]}: its student differs from {TEACHERS[next(iter(cfgs))]}'s")
    paddle.seed(0)
    student = build_model(first.MODEL)
    distillers = {teacher: Distiller(DistillOptions(**cfg.DISTILL), student) for teacher, cfg in cfgs.items()}
    optimizer, _ = build_optimizer(first.OPTIMIZER, student.parameters(), 10)
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

    actions = {"plain step": lambda: step(lambda: student([x, y], mode="train"))}
    for teacher, d in distillers.items():
        actions[f"distill step, {teacher} teacher"] = lambda d=d: step(
            lambda: d.train_step(student, student.head, x, y))
        actions[f"{teacher} teacher forward"] = lambda d=d: d.teacher_logits(x).numpy()
    rounds = run_rounds(actions, steps, warmup=warmup)
    return {name: [t for r in times for t in r] for name, times in rounds.wall.items()}


def report(times: Dict[str, List[float]], command: str) -> str:
    med = {k: float(np.median(v)) for k, v in times.items()}
    threads = os.environ.get("OMP_NUM_THREADS", "unset (1)")
    teachers = [k[len("distill step, "):-len(" teacher")] for k in times if k.startswith("distill step, ")]
    rounds = len(times["plain step"])
    lines = [HEADING, "",
             f"`{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, OMP_NUM_THREADS {threads}, "
             f"{rounds} alternating rounds; the machine was shared with other runs, so the ratios "
             "are the numbers to read).",
             "",
             f"CTRGCN_tiny student (9 channels), batch {SHAPE[0]} of {SHAPE[1:]}, fast CPU path, main.py's "
             "training step; teachers: " + "; ".join(f"{t} (`{TEACHERS.get(t, '?')}`)" for t in teachers) + ".",
             "",
             "| action | median (s) |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in med.items()]
    lines += [""]
    for t in teachers:
        ratios = np.array(round_ratios(times[f"distill step, {t} teacher"], times["plain step"]))
        added = med[f"distill step, {t} teacher"] - med["plain step"]
        lines.append(f"- {t} teacher: distill step / plain step, median of the per-round ratios "
                     f"{np.median(ratios):.2f}x (range {ratios.min():.2f}-{ratios.max():.2f}x); the teacher's "
                     f"forward accounts for {med[f'{t} teacher forward'] / max(added, 1e-9):.0%} of the added time.")
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
