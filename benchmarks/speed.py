"""CPU speed of every registered backbone, plain path against fast path, in one run.

    python -m benchmarks.speed --write-results                 # all backbones; "## CPU speed" in RESULTS.md
    python -m benchmarks.speed --models CTRGCN_tiny --train-steps 2 --skip ucla

Training (batch 16 at the NTU shape (3, 64, 25, 2), 60 classes): main.py's step (forward,
loss, backward, Nesterov momentum with L2, clear) repeated on one batch from the same initial
weights, each (model, path) in its own process (MKL reads its CPU setting once per process),
plain and fast alternating:

- plain: upstream PaddleVideo's operator formulation (``benchmarks/upstream_ops.py``) and Paddle's
  default MKL kernels: what ``fast_cpu: false`` in a config trains with;
- fast: the default formulation and MKL's AVX2 kernels on AMD CPUs (``fast_cpu: true``).

Threads: Paddle's default (1, or OMP_NUM_THREADS), as main.py. The first ``--warmup-steps``
steps are not timed; the table gives medians of the timed steps, wall and CPU time.

Inference (Paddle Inference, CPU, ``--threads`` threads, batch 1 and 16 at the NTU shape):
the model exported with each formulation, oneDNN on and off, all four predictors in one
process (with Paddle's default MKL kernels, as tools/predict.py runs them) and their runs
interleaved round by round; medians of ``--reps`` rounds, ratios as the median of the
per-round ratios, and the largest |logit difference| from the dynamic graph on the same
input. The upstream formulation under oneDNN is wrong (see
paddlevideo/modeling/backbones/units.py), so it is shown but never a baseline.

NW-UCLA (``--ucla`` folder, skipped when absent): ``main.py --validate`` on each model's
``*_ucla_joint.yaml`` (fast path, its data workers) with one pass over the 1020 training
samples per epoch, stopped after ``--ucla-iters`` iterations, then the view-3 validation
pass; epoch = iterations per epoch x batch_cost + that pass.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks.harness import (RESULTS, UCLA_DATA, LoadLog, load_text, pooled, publish, ratio,
                                run_process, run_rounds)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADING = "## CPU speed"
NUM_CLASSES = 60
RESULT_TAG = "SPEED_RESULT "
PATHS = ("plain", "fast")
# Paddle Inference predictors timed side by side: (formulation, oneDNN on)
PREDICTORS = (("upstream", False), ("upstream", True), ("ours", False), ("ours", True))
PLAIN_PREDICTOR, FAST_PREDICTOR, OURS_OFF = "upstream, oneDNN off", "ours, oneDNN on", "ours, oneDNN off"
# our export at 1 thread, batch 1 only, timed in process CPU time: a figure other jobs on the cores barely move
ONE_THREAD_OFF, ONE_THREAD_ON = OURS_OFF + ", 1 thread", FAST_PREDICTOR + ", 1 thread"
ATOL = 1e-4
GOAL_ONEDNN, GOAL_TRAIN = 2.5, 3.0  # issue 5: CTRGCN oneDNN on vs off at batch 1; training fast vs plain
DEFAULTS = {"train_steps": 3, "warmup_steps": 1, "train_rounds": 1, "threads": 2, "reps": 20, "frames": 64,
            "train_batch": 16, "batches": [1, 16], "ucla_iters": 9}
LARGE_BATCH_SHARE = 10  # larger batches get reps // 10 rounds (at least 1)


def predictor_key(formulation: str, onednn: bool) -> str:
    return f"{formulation}, oneDNN {'on' if onednn else 'off'}"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python -m benchmarks.speed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    d = DEFAULTS
    p.add_argument("--models", nargs="+", default=None, help="backbones (default: every registered one)")
    p.add_argument("--train-steps", type=int, default=d["train_steps"], help="timed training steps per process")
    p.add_argument("--warmup-steps", type=int, default=d["warmup_steps"], help="untimed training steps first")
    p.add_argument("--train-rounds", type=int, default=d["train_rounds"], help="plain/fast process pairs per model")
    p.add_argument("--threads", type=int, default=d["threads"], help="Paddle Inference CPU threads")
    p.add_argument("--reps", type=int, default=d["reps"],
                   help="interleaved inference rounds at batch 1 (larger batches: a tenth, at least 1)")
    p.add_argument("--frames", type=int, default=d["frames"], help="T of the (3, T, 25, 2) input")
    p.add_argument("--train-batch", type=int, default=d["train_batch"], help="training batch size")
    p.add_argument("--batches", type=int, nargs="+", default=d["batches"], help="inference batch sizes")
    p.add_argument("--ucla", default=UCLA_DATA,
                   help="NW-UCLA all_sqe folder for the epoch estimate")
    p.add_argument("--ucla-iters", type=int, default=d["ucla_iters"],
                   help="training iterations timed on NW-UCLA (logged in 3 intervals, the first left out)")
    p.add_argument("--skip", nargs="*", default=[], choices=["train", "infer", "ucla"], help="parts to leave out")
    p.add_argument("--write-results", action="store_true", help="replace the section in --results")
    p.add_argument("--results", default=RESULTS, help="markdown file whose '## CPU speed' section is replaced")
    p.add_argument("--worker", choices=["train", "infer"], help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--path", choices=PATHS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("train_steps", "train_rounds", "threads", "reps", "frames", "train_batch", "ucla_iters"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.warmup_steps < 0 or min(args.batches) < 1:
        p.error("--warmup-steps must be >= 0 and every --batches value >= 1")
    return args


def input_shape(frames: int) -> Tuple[int, int, int, int]:
    """(C, T, V, M) of one NTU sample with ``frames`` frames."""
    return (3, frames, 25, 2)


# ----------------------------------------------------------------------------- workers (own process)

def build_recognizer(backbone: str, num_classes: int = NUM_CLASSES):
    """``backbone`` at its default width with a CTRGCNHead (in_channels = base channel)."""
    from paddlevideo.modeling import build_model
    from paddlevideo.modeling.registry import BACKBONES

    base = BACKBONES.get(backbone)().out_channels // 4
    return build_model({"framework": "RecognizerGCN", "backbone": {"name": backbone},
                        "head": {"name": "CTRGCNHead", "num_classes": num_classes, "in_channels": base}})


def train_worker(model_name: str, path: str, warmup: int, steps: int, frames: int, batch: int) -> dict:
    """Time main.py's training step for one model on one path.

    Returns per-step wall and CPU seconds of the timed steps, every step's loss, the MKL
    setting and the thread count."""
    from paddlevideo.utils.cpu_math import choose_mkl_kernels

    mkl = choose_mkl_kernels() if path == "fast" else None  # before the first matrix product
    import paddle

    from benchmarks.upstream_ops import upstream_ops

    paddle.seed(0)
    model = build_recognizer(model_name)
    forms = contextlib.ExitStack()  # this worker process's model keeps its formulation to the end
    if path == "plain":
        forms.enter_context(upstream_ops(model))
    opt = paddle.optimizer.Momentum(learning_rate=0.01, momentum=0.9, use_nesterov=True,
                                    parameters=model.parameters(), weight_decay=paddle.regularizer.L2Decay(1e-4))
    rng = np.random.RandomState(0)
    x = paddle.to_tensor(rng.randn(batch, *input_shape(frames)).astype("float32"))
    labels = paddle.to_tensor(rng.randint(0, NUM_CLASSES, (batch, 1)))
    model.train()
    losses = []  # of every step, the untimed ones too

    def step() -> None:
        out = model([x, labels], mode="train")
        out["loss"].backward()
        opt.step()
        opt.clear_grad()
        losses.append(float(out["loss"]))

    rounds = run_rounds({"step": step}, steps, warmup=warmup)
    return {"wall": pooled(rounds.wall["step"]).tolist(), "cpu": pooled(rounds.cpu["step"]).tolist(),
            "losses": losses, "mkl": mkl or "default", "threads": os.environ.get("OMP_NUM_THREADS", "1")}


def rounds_per_batch(reps: int, batch: int) -> int:
    return reps if batch == 1 else max(1, reps // LARGE_BATCH_SHARE)


def infer_worker(model_name: str, threads: int, reps: int, frames: int, batches: Sequence[int]) -> dict:
    """Export both formulations and time the four predictors round by round (one run of each per
    round, the order rotating); at batch 1 also our export at 1 thread, oneDNN off and on.
    Returns, per batch size, each predictor's per-round wall and process-CPU ms and its max
    |logit difference| from the dynamic graph."""
    import paddle
    from paddlevideo.inference import PredictorOptions, create_predictor, export_paddle
    from benchmarks.upstream_ops import upstream_ops
    from tests.helpers.trained_like import make_trained_like

    paddle.seed(0)
    model = make_trained_like(build_recognizer(model_name), input_shape(frames))
    rng = np.random.RandomState(1)
    inputs = {b: rng.randn(b, *input_shape(frames)).astype("float32") for b in batches}
    with paddle.no_grad():
        want = {b: model([paddle.to_tensor(x)], mode="infer").numpy() for b, x in inputs.items()}
    predictors = {}
    with tempfile.TemporaryDirectory() as tmp:
        for formulation in ("upstream", "ours"):
            with upstream_ops(model) if formulation == "upstream" else contextlib.nullcontext():
                exported = export_paddle(model, input_shape(frames), os.path.join(tmp, formulation), model_name)
            for f, onednn in PREDICTORS:
                if f == formulation:
                    predictors[predictor_key(f, onednn)] = create_predictor(
                        exported.model_file, exported.params_file,
                        PredictorOptions(enable_mkldnn=onednn, cpu_threads=threads))
            if formulation == "ours" and 1 in batches:
                for key, onednn in ((ONE_THREAD_OFF, False), (ONE_THREAD_ON, True)):
                    predictors[key] = create_predictor(exported.model_file, exported.params_file,
                                                       PredictorOptions(enable_mkldnn=onednn, cpu_threads=1))
    result = {}
    for batch, x in inputs.items():
        keys = [key for key in predictors if batch == 1 or key not in (ONE_THREAD_OFF, ONE_THREAD_ON)]
        diffs = {key: float(np.abs(predictors[key].run(x) - want[batch]).max()) for key in keys}  # also warms up
        rounds = run_rounds({key: partial(predictors[key].run, x) for key in keys}, rounds_per_batch(reps, batch),
                            order="rotate")
        wall, cpu = rounds.ms("wall"), rounds.ms("cpu")
        result[str(batch)] = {key: {"rounds_ms": [t for (t,) in wall[key]], "rounds_cpu_ms": [t for (t,) in cpu[key]],
                                    "diff": diffs[key]} for key in keys}
    return result


def train_run(model: str, path: str, args, load: LoadLog) -> dict:
    """One training worker process of ``model`` on ``path``; prints its medians and the load."""
    res = run_worker("train", model, args, path)
    print(f"train {model} {path}: median {np.median(res['wall']):.2f} s/step "
          f"(CPU {np.median(res['cpu']):.2f} s), load {load.mark()}", flush=True)
    return res


def run_worker(kind: str, model: str, args, path: Optional[str] = None) -> dict:
    """Run this script as a worker process; returns its result dict."""
    cmd = [sys.executable, "-m", "benchmarks.speed", "--worker", kind, "--model", model,
           "--train-steps", str(args.train_steps), "--warmup-steps", str(args.warmup_steps),
           "--threads", str(args.threads), "--reps", str(args.reps), "--frames", str(args.frames),
           "--train-batch", str(args.train_batch), "--batches", *map(str, args.batches)]
    env = dict(os.environ)
    if path:
        cmd += ["--path", path]
    if path != "fast":
        env.pop("MKL_DEBUG_CPU_TYPE", None)  # Paddle's default MKL kernels (plain training, Paddle Inference)
    proc = run_process(cmd, f"worker {kind} {model} {path or ''}", env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if not lines:
        raise RuntimeError(f"worker {kind} {model} {path or ''} printed no result:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len(RESULT_TAG):])


# ----------------------------------------------------------------------------- NW-UCLA epoch (main.py)

def ucla_config(model: str) -> Optional[str]:
    """The configs/recognition/*/*_ucla_joint.yaml whose backbone is ``model``."""
    import yaml

    for path in sorted(glob.glob(os.path.join(ROOT, "configs", "recognition", "*", "*_ucla_joint.yaml"))):
        with open(path) as f:
            if yaml.safe_load(f)["MODEL"]["backbone"]["name"] == model:
                return path
    return None


_ITER_LINE = re.compile(r"batch_cost: ([0-9.]+) sec, reader_cost: ([0-9.]+) sec")
_STAMP = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]")


def parse_train_log(log: str) -> Tuple[List[Tuple[float, float]], float]:
    """(batch_cost, reader_cost) seconds of every logged interval of main.py's train.log, and the
    seconds from the last epoch's "done" line to its "[valid]" line (the validation pass; the
    log's stamps have 1 s resolution). Raises ValueError naming what is missing."""
    costs = [(float(b), float(r)) for b, r in _ITER_LINE.findall(log)]
    if not costs:
        raise ValueError("no 'batch_cost: ... sec, reader_cost: ... sec' line in the training log")
    stamps = {}
    for line in log.splitlines():
        m = _STAMP.match(line)
        if m and (" done: " in line or "[valid]" in line):
            stamps["valid" if "[valid]" in line else "done"] = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    if set(stamps) != {"done", "valid"}:
        raise ValueError(f"the training log lacks the epoch's 'done' or '[valid]' line (found {sorted(stamps)})")
    return costs, (stamps["valid"] - stamps["done"]).total_seconds()


def epoch_estimate(costs: Sequence[Tuple[float, float]], valid_s: float, samples: int, batch: int,
                   official_repeat: int, official_epochs: int) -> dict:
    """One pass over ``samples`` (the sampler drops the last partial batch) at the mean batch_cost of
    the logged intervals after the first (which holds the warm-up), plus the validation pass."""
    timed = costs[1:] or costs
    batch_cost = float(np.mean([c[0] for c in timed]))
    iters = samples // batch
    epoch_s = iters * batch_cost + valid_s
    official_s = official_epochs * ((samples * official_repeat) // batch * batch_cost + valid_s)
    return {"batch_cost": batch_cost, "reader_cost": float(np.mean([c[1] for c in timed])), "iters": iters,
            "samples": samples, "valid_s": valid_s, "epoch_min": epoch_s / 60.0,
            "official_h": official_s / 3600.0, "official": f"{official_epochs} x {official_repeat}"}


def data_overrides(data: str) -> List[str]:
    return [f"DATASET.{split}.file_path={data}" for split in ("train", "valid", "test")]


def ucla_training_run(config: str, data: str, iters: int, log_interval: int, seed: int,
                      env: Optional[Dict[str, str]] = None) -> Tuple[str, str]:
    """``main.py --validate -c config`` on the NW-UCLA folder ``data``: one epoch without repeat, stopped
    after ``iters`` iterations (then the validation pass), logged every ``log_interval``; (stdout, train.log)."""
    with tempfile.TemporaryDirectory() as out:
        overrides = data_overrides(data) + [f"output_dir={out}", f"log_interval={log_interval}", "epochs=1",
                                            "DATASET.train.repeat=1"]
        cmd = [sys.executable, "main.py", "--validate", "-c", config, "--max_iters", str(iters), "--seed", str(seed)]
        proc = run_process(cmd + [a for item in overrides for a in ("-o", item)], f"main.py -c {config}", env)
        with open(os.path.join(out, "train.log")) as f:
            return proc.stdout, f.read()


def ucla_epoch(model: str, data: str, iters: int) -> Optional[dict]:
    """main.py --validate on NW-UCLA (repeat 1) for ``iters`` iterations logged in 3 intervals; the epoch estimate."""
    config = ucla_config(model)
    if config is None:
        return None
    from paddlevideo.loader.builder import build_dataset
    from paddlevideo.config import get_config

    cfg = get_config(config, overrides=data_overrides(data), show=False)
    train_cfg = cfg["DATASET"]["train"]
    samples = build_dataset({**train_cfg, "repeat": 1}, cfg["PIPELINE"]["train"]).num_samples
    _, log = ucla_training_run(config, data, iters, max(1, iters // 3), seed=1)
    try:
        costs, valid_s = parse_train_log(log)
    except ValueError as e:
        raise RuntimeError(f"NW-UCLA training log of {model}: {e}:\n{log[-2000:]}") from e
    result = epoch_estimate(costs, valid_s, samples, cfg["DATASET"].get("batch_size", 16),
                            train_cfg.get("repeat", 1), cfg.get("epochs", 1))
    result["config"] = os.path.relpath(config, ROOT)
    return result


# ----------------------------------------------------------------------------- report

def code_version() -> str:
    """``commit <short hash>`` of the checkout this script runs in, '+ local changes' when tracked
    files differ from it; 'unknown' outside a git checkout."""
    try:
        run = lambda *a: subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True,  # noqa: E731
                                        check=True).stdout.strip()
        commit, dirty = run("rev-parse", "--short", "HEAD"), run("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"commit {commit}" + (" + local changes" if dirty else "")


def command_line(args) -> str:
    parts = ["python", "-m", "benchmarks.speed"]
    if args.models:
        parts += ["--models"] + args.models
    for name, default in DEFAULTS.items():
        value = getattr(args, name)
        if value != default:
            values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
            parts += [f"--{name.replace('_', '-')}"] + values
    if args.skip:
        parts += ["--skip"] + args.skip
    if args.write_results:
        parts.append("--write-results")
    if os.path.abspath(args.results) != RESULTS:
        parts += ["--results", args.results]
    return " ".join(shlex.quote(p) for p in parts)


def met(value: float, goal: float) -> str:
    return f"goal >= {goal}x {'met' if value >= goal else 'NOT met'}"


def train_rows(models: List[str], train: Dict) -> Dict[str, dict]:
    """Per model: median wall and CPU s/step of each path and their ratios."""
    rows = {}
    for model in models:
        if model in train:
            wall = {p: float(np.median([t for run in train[model][p] for t in run["wall"]])) for p in PATHS}
            cpu = {p: float(np.median([t for run in train[model][p] for t in run["cpu"]])) for p in PATHS}
            rows[model] = {"wall": wall, "cpu": cpu, "speedup": wall["plain"] / wall["fast"],
                           "cpu_speedup": cpu["plain"] / cpu["fast"]}
    return rows


def report(args, models: List[str], train: Dict, infer: Dict, ucla: Dict, loads: List[str],
           date: str, paddle_version: str, code: str) -> str:
    shape = input_shape(args.frames)
    lines = [HEADING, ""]
    lines.append(f"Measured {date} on {os.cpu_count()} CPU cores shared with other jobs (background NW-UCLA "
                 f"trainings; 1-minute load average {' -> '.join(loads)} from start to end), "
                 f"Paddle {paddle_version}, code at {code}. "
                 "Shared cores make absolute figures noisy and inflated; plain and fast were measured alternately "
                 "in the same run, so the ratios are the figures to read.")
    lines.append("")
    goals = []
    if train:
        rows = train_rows(models, train)
        any_run = next(iter(train.values()))["fast"][0]
        mkl = any_run["mkl"]
        lines += [f"### Training step (main.py's step, batch {args.train_batch} at {shape}, {NUM_CLASSES} classes)", "",
                  f"Threads: {any_run['threads']} (Paddle's default unless OMP_NUM_THREADS is set). "
                  f"plain = upstream operator formulation, default MKL kernels (`fast_cpu: false`); "
                  f"fast = this project's formulation, {mkl} (`fast_cpu: true`, the default). Each (model, path) in "
                  f"its own process from the same initial weights and batch; median over {args.train_steps} timed "
                  f"steps (after {args.warmup_steps} untimed), {args.train_rounds} process(es) per path. "
                  "CPU s = the process's CPU time, less sensitive to the other jobs than wall time.", "",
                  "| model | plain s/step | fast s/step | **fast / plain speed** | plain samples/s | fast samples/s "
                  "| plain CPU s/step | fast CPU s/step | CPU-time ratio |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for model, r in rows.items():
            wall, cpu = r["wall"], r["cpu"]
            lines.append(f"| {model} | {wall['plain']:.2f} | {wall['fast']:.2f} | **{r['speedup']:.2f}x** "
                         f"| {args.train_batch / wall['plain']:.2f} | {args.train_batch / wall['fast']:.2f} "
                         f"| {cpu['plain']:.2f} | {cpu['fast']:.2f} | {r['cpu_speedup']:.2f}x |")
        lines.append("")
        lines.append("First two losses, plain / fast: " + "; ".join(
            f"{m} " + ", ".join(f"{a:.5f} / {b:.5f}" for a, b in
                                zip(train[m]["plain"][0]["losses"][:2], train[m]["fast"][0]["losses"][:2]))
            for m in rows) + " (tests/tasks/test_fast_train.py checks that the two paths train alike).")
        lines.append("")
        if "CTRGCN" in rows:
            r = rows["CTRGCN"]
            goals.append(f"CTRGCN training step, fast vs plain: **{r['speedup']:.2f}x** in wall time "
                         f"({r['cpu_speedup']:.2f}x in CPU time); {met(r['speedup'], GOAL_TRAIN)}.")
    if infer:
        lines += [f"### Inference latency (Paddle Inference, CPU, {args.threads} threads, input (N, *{shape}))", "",
                  f"Median ms over interleaved rounds ({rounds_per_batch(args.reps, 1)} at batch 1, "
                  f"{rounds_per_batch(args.reps, 16)} at larger batches, after one untimed run each); the largest "
                  "|logit difference| from the dynamic graph in brackets. plain = the upstream formulation with "
                  "oneDNN off (its only correct mode); fast = this project's export with oneDNN on (Paddle "
                  "Inference's default). Ratios: median of the per-round ratios. Default MKL kernels, as "
                  "tools/predict.py runs. With other jobs on the cores, a 2-thread run waits whenever one of its "
                  "threads is descheduled, so these wall times are inflated and noisy; the 1-thread CPU times below "
                  "the table are the load-robust comparison of oneDNN on and off.", "",
                  "| model | batch | upstream, oneDNN off (plain) | upstream, oneDNN on | ours, oneDNN off "
                  "| ours, oneDNN on (fast) | **plain / fast** | ours: oneDNN off / on |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        worst, one_thread = 0.0, []
        for model in models:
            for batch in map(str, args.batches):
                if model not in infer:
                    continue
                r = infer[model][batch]
                worst = max([worst] + [r[predictor_key("ours", on)]["diff"] for on in (True, False)]
                            + [r[PLAIN_PREDICTOR]["diff"]])
                cells = " | ".join(f"{np.median(r[key]['rounds_ms']):.0f} ({r[key]['diff']:.1e})"
                                   for key in map(lambda fo: predictor_key(*fo), PREDICTORS))
                plain_fast = ratio(r[PLAIN_PREDICTOR]["rounds_ms"], r[FAST_PREDICTOR]["rounds_ms"])
                off_on = ratio(r[OURS_OFF]["rounds_ms"], r[FAST_PREDICTOR]["rounds_ms"])
                lines.append(f"| {model} | {batch} | {cells} | **{plain_fast:.2f}x** | {off_on:.2f}x |")
                cpu_off_on = None
                if ONE_THREAD_ON in r:
                    worst = max(worst, r[ONE_THREAD_ON]["diff"], r[ONE_THREAD_OFF]["diff"])
                    off, on = r[ONE_THREAD_OFF]["rounds_cpu_ms"], r[ONE_THREAD_ON]["rounds_cpu_ms"]
                    cpu_off_on = ratio(off, on)
                    one_thread.append(f"{model} {np.median(off):.0f} / {np.median(on):.0f} ms = "
                                      f"**{cpu_off_on:.2f}x**")
                if model == "CTRGCN" and batch == "1":
                    goals.append(f"CTRGCN inference at batch 1, our export with oneDNN on vs off: **{off_on:.2f}x** "
                                 f"in wall time at {args.threads} threads (median of "
                                 f"{len(r[FAST_PREDICTOR]['rounds_ms'])} per-round ratios); {met(off_on, GOAL_ONEDNN)}"
                                 + ("" if cpu_off_on is None else
                                    f"; **{cpu_off_on:.2f}x** in CPU time at 1 thread (load-robust), "
                                    f"{met(cpu_off_on, GOAL_ONEDNN)}") + ".")
        lines.append("")
        if one_thread:
            lines += ["Batch 1, 1 thread, process CPU time per run of our export, oneDNN off / on (medians; ratio: "
                      "median of the per-round ratios; the same interleaved rounds): " + "; ".join(one_thread) + ".",
                      ""]
        goals.append(f"Correctness: the largest |logit difference| from the dynamic graph over our export (oneDNN on "
                     f"and off) and the plain predictor is {worst:.1e} "
                     f"({'within' if worst <= ATOL else 'ABOVE'} {ATOL:g}).")
    if ucla:
        lines += ["### One NW-UCLA epoch on the fast path (main.py --validate, the model's *_ucla_joint.yaml)", "",
                  f"One epoch = one pass over the training samples (views 1-2, window 52, `DATASET.train.repeat=1`) "
                  f"+ the view-3 validation pass. {args.ucla_iters} training iterations run in 3 logged intervals "
                  "(the first, with the warm-up, left out), then the full validation pass (timed from the log's "
                  "1 s stamps); epoch = iterations x batch_cost + validation. The official recipe (the config's "
                  "epochs x repeat) is extrapolated from the same figures.", "",
                  "| model | config | train samples | iterations (batch 16) | batch_cost s | reader_cost s "
                  "| validation pass s | **epoch min** | official recipe (epochs x repeat): h |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for model in models:
            u = ucla.get(model)
            if u:
                lines.append(f"| {model} | `{u['config']}` | {u['samples']} | {u['iters']} | {u['batch_cost']:.2f} "
                             f"| {u['reader_cost']:.3f} | {u['valid_s']:.0f} | **{u['epoch_min']:.1f}** "
                             f"| {u['official']}: {u['official_h']:.1f} |")
        lines.append("")
    elif "ucla" not in args.skip:
        lines += [f"NW-UCLA epoch: not measured (no data at {args.ucla}).", ""]
    if goals:
        lines += ["### Goals of issue 5", ""] + [f"- {g}" for g in goals] + [""]
    lines += ["Command:", "", "```", command_line(args), "```"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker == "train":
        result = train_worker(args.model, args.path, args.warmup_steps, args.train_steps, args.frames,
                              args.train_batch)
        print("\n" + RESULT_TAG + json.dumps(result), flush=True)  # own line, whatever native code printed
        return 0
    if args.worker == "infer":
        result = infer_worker(args.model, args.threads, args.reps, args.frames, args.batches)
        print("\n" + RESULT_TAG + json.dumps(result), flush=True)
        return 0
    import paddle
    from paddlevideo.modeling.registry import BACKBONES

    models = args.models or BACKBONES.names()
    unknown = [m for m in models if m not in BACKBONES.names()]
    if unknown:
        print(f"error: unknown backbone(s) {unknown}; registered: {BACKBONES.names()}", file=sys.stderr)
        return 2
    date, code = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), code_version()
    load = LoadLog()
    train: Dict[str, Dict[str, list]] = {}
    infer: Dict[str, dict] = {}
    ucla: Dict[str, dict] = {}
    for model in models:
        if "train" not in args.skip:
            workers = {path: partial(train_run, model, path, args, load) for path in PATHS}
            train[model] = run_rounds(workers, args.train_rounds, order="alternate").values
        if "infer" not in args.skip:
            infer[model] = run_worker("infer", model, args)
            print(f"infer {model}: " + ", ".join(
                f"b{b} {k} {np.median(v['rounds_ms']):.0f} ms ({v['diff']:.1e})"
                for b, r in infer[model].items() for k, v in r.items()) + f"; load {load.mark()}", flush=True)
        if "ucla" not in args.skip and os.path.isdir(args.ucla):
            ucla[model] = ucla_epoch(model, args.ucla, args.ucla_iters)
            print(f"ucla {model}: {ucla[model]}, load {load.mark()}", flush=True)
    load.end()
    loads = [load_text(load.start_value), load_text(load.end_value)]
    text = report(args, models, train, infer, ucla, loads, date, paddle.__version__, code)
    publish(text, HEADING, args.write_results, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
