"""Training speed of this project's models against the official PyTorch CTR-GCN, side by side.

    python -m benchmarks.train_speed --repo CTR-GCN [--torch-python /tmp/torchvenv/bin/python] \
        [--shapes ucla ntu] [--threads 1 2] [--rounds 5] [--steps 2] [--write-results]

One training step = forward, cross-entropy, backward and a Nesterov-momentum SGD step (lr 0.1,
momentum 0.9, weight decay 1e-4) on one fixed batch of 16 random samples, as main.py and the
official ``main.py`` train. Shapes (C, T, V, M) per sample: NW-UCLA (3, 52, 20, 1), 10
classes; NTU RGB+D (3, 64, 25, 2), 60 classes; the project's models as their
``*_ucla_joint.yaml`` / ``*_ntucs_joint.yaml`` configs build them (CTRGCN_tiny takes joint,
bone and motion: 9 channels), the official one as ``model.ctrgcn.Model`` with its
``graph.ucla`` / ``graph.ntu_rgb_d`` graph.

With ``--data-parallel``, each project model also runs as main.py's ``cpu_processes`` form at
the largest thread count: that many one-thread processes sharing the batch of 16, batch norm
synchronised over them (``paddlevideo/tasks/cpu_parallel.py``, ``sync_bn.py``); its row is
labelled "MODEL, N processes".

Every (model, threads) runs in its own long-lived worker process (the math libraries read
their thread count and kernel choice once per process); the workers take turns, one at a
time, ``--steps`` steps per turn, ``--rounds`` rounds in rotating order after one untimed
warm-up turn each, so load changes weigh on all alike. The table gives each one's median
samples/s and, against the official model at the same thread count, the median of the
per-round ratios. GFLOP per training sample: 3x the forward FLOPs counted on the upstream
formulation (``benchmarks/ucla_report.py gflops``); the limit is the measured GFLOP/s of a
2048^2 float32 matrix product in Paddle at that thread count divided by it.

PyTorch is a benchmark-only dependency, never in requirements.txt. Install it in a venv of its
own (here a CPU build lies on disk for Python 3.11) with a checkout of the official code:

    python -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.13.0 numpy
    git clone https://github.com/Uason-Chen/CTR-GCN /tmp/CTR-GCN
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## Training speed"
BATCH = 16
SHAPES = {  # name -> (C, T, V, M) of the official model's input, classes, official graph, project config stem
    "ucla": ((3, 52, 20, 1), 10, "graph.ucla.Graph", "ucla_joint"),
    "ntu": ((3, 64, 25, 2), 60, "graph.ntu_rgb_d.Graph", "ntucs_joint"),
}
PROJECT_MODELS = {"CTRGCN": "ctrgcn", "CTRGCN_light": "ctrgcn_light", "CTRGCN_tiny": "ctrgcn_tiny"}
OFFICIAL = "official CTR-GCN (PyTorch)"
TORCH_HELP = ("PyTorch is not importable by {python}: python -m venv /tmp/torchvenv && "
              "/tmp/torchvenv/bin/pip install torch==2.13.0 numpy, then --torch-python /tmp/torchvenv/bin/python")


# ----------------------------------------------------------------------------- workers


def paddle_step_fn(model_name: str, shape: str, procs: int = 1):
    """(step, info) for the project's model: step() runs one training step and returns its loss.
    With ``procs`` > 1 this process is one of main.py's data-parallel CPU processes (its
    environment says which) and steps on its share of the batch."""
    import numpy as np

    from paddlevideo.utils.cpu_math import choose_mkl_kernels
    mkl = choose_mkl_kernels()  # before the first matrix product, as main.py does
    import paddle

    from benchmarks.ucla_report import gflops
    from paddlevideo.config import get_config
    from paddlevideo.modeling import build_model

    cfg = get_config(os.path.join(ROOT, "configs", "recognition", "ctrgcn",
                                  f"{PROJECT_MODELS[model_name]}_{SHAPES[shape][3]}.yaml"), show=False)
    inf = cfg["INFERENCE"]
    sample = (inf["num_channels"], inf["window_size"], inf["vertex_nums"], inf["person_nums"])
    paddle.seed(0)
    model = build_model(cfg["MODEL"])
    model.eval()
    forward_gflop = gflops(model, sample)
    model.train()
    opt = paddle.optimizer.Momentum(learning_rate=0.1, momentum=0.9, use_nesterov=True,
                                    parameters=model.parameters(), weight_decay=paddle.regularizer.L2Decay(1e-4))
    rng = np.random.RandomState(0)
    x = paddle.to_tensor(rng.randn(BATCH, *sample).astype("float32"))
    labels = paddle.to_tensor(rng.randint(0, SHAPES[shape][1], (BATCH, 1)))
    net = model
    if procs > 1:
        from paddlevideo.tasks.sync_bn import sync_batch_norm
        paddle.distributed.init_parallel_env()
        sync_batch_norm(model)
        net = paddle.DataParallel(model)
        rank = paddle.distributed.get_rank()
        x, labels = x[rank::procs], labels[rank::procs]

    def step() -> float:
        loss = net([x, labels], mode="train")["loss"]
        loss.backward()
        opt.step()
        opt.clear_grad()
        return float(loss)

    a = paddle.randn([2048, 2048])
    paddle.matmul(a, a)
    t = time.perf_counter()
    for _ in range(5):
        paddle.matmul(a, a).numpy()
    peak = 5 * 2 * 2048 ** 3 / (time.perf_counter() - t) / 1e9
    return step, {"sample": sample, "gflop": 3 * forward_gflop, "peak_gflops": peak, "mkl": mkl}


def torch_step_fn(shape: str, threads: int):
    """(step, info) for the official model (imported from the checkout on PYTHONPATH)."""
    import numpy as np
    import torch
    from model.ctrgcn import Model  # the official code: its folder is the worker's PYTHONPATH

    torch.set_num_threads(threads)
    (C, T, V, M), classes, graph, _ = SHAPES[shape]
    torch.manual_seed(0)
    model = Model(num_class=classes, num_point=V, num_person=M, graph=graph,
                  graph_args={"labeling_mode": "spatial"}, in_channels=C)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    rng = np.random.RandomState(0)
    x = torch.from_numpy(rng.randn(BATCH, C, T, V, M).astype("float32"))
    labels = torch.from_numpy(rng.randint(0, classes, BATCH))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> float:
        loss = loss_fn(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step, {"sample": (C, T, V, M), "torch": torch.__version__}


def worker(spec: dict) -> int:
    """Worker process: build the step, say READY, then per 'STEPS n' line run n timed steps."""
    if spec["framework"] == "torch":
        step, info = torch_step_fn(spec["shape"], spec["threads"])
    else:
        step, info = paddle_step_fn(spec["model"], spec["shape"], spec.get("procs", 1))
    print("READY " + json.dumps(info), flush=True)
    for line in sys.stdin:
        if not line.startswith("STEPS"):
            break
        wall, losses = [], []
        for _ in range(int(line.split()[1])):
            t = time.perf_counter()
            losses.append(step())
            wall.append(time.perf_counter() - t)
        print("DONE " + json.dumps({"wall": wall, "losses": losses}), flush=True)
    return 0


class Worker:
    """A worker process of one (framework, model, shape, threads), driven over its stdin/stdout."""

    def __init__(self, spec: dict, python: str, wait: bool = True):
        env = dict(os.environ, OMP_NUM_THREADS=str(spec["threads"]), MKL_NUM_THREADS=str(spec["threads"]),
                   PYTHONPATH=ROOT if spec["framework"] == "paddle" else os.path.abspath(spec["repo"]))
        self.spec = spec
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", json.dumps(spec)], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if wait:
            self.ready()

    def ready(self) -> None:
        self.info = json.loads(self._reply("READY"))

    def _reply(self, tag: str) -> str:
        line = self.proc.stdout.readline()
        if not line.startswith(tag + " "):
            self.proc.kill()
            raise RuntimeError(f"worker {self.spec} failed (see its error above); it said {line!r}")
        return line[len(tag) + 1:]

    def send(self, steps: int) -> None:
        self.proc.stdin.write(f"STEPS {steps}\n")
        self.proc.stdin.flush()

    def receive(self) -> Dict[str, List[float]]:
        return json.loads(self._reply("DONE"))

    def run(self, steps: int) -> Dict[str, List[float]]:
        self.send(steps)
        return self.receive()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("QUIT\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


class DataParallelWorker:
    """``procs`` one-thread worker processes of one project model stepping together as main.py's
    CPU processes do (cpu_parallel.launch's environment); a step's time is the slowest one's."""

    def __init__(self, spec: dict, python: str, procs: int):
        from paddlevideo.tasks.cpu_parallel import process_envs, shared_block
        self.shm = shared_block(procs)
        saved = dict(os.environ)
        self.workers = []
        try:
            for env in process_envs(procs, 1, self.shm):
                os.environ.update(env)
                self.workers.append(Worker(dict(spec, threads=1, procs=procs), python, wait=False))
            for w in self.workers:
                w.ready()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.info = self.workers[0].info

    def run(self, steps: int) -> Dict[str, List[float]]:
        for w in self.workers:
            w.send(steps)
        replies = [w.receive() for w in self.workers]
        return {"wall": [max(t) for t in zip(*(r["wall"] for r in replies))], "losses": replies[0]["losses"]}

    def close(self) -> None:
        for w in self.workers:
            w.close()
        if self.shm is not None:
            self.shm.close()
            self.shm.unlink()


# ----------------------------------------------------------------------------- the run and its report


def check_torch(python: str, repo: str) -> Optional[str]:
    """None when ``python`` imports torch and ``repo`` holds the official model; else what is missing."""
    if not os.path.isfile(os.path.join(repo, "model", "ctrgcn.py")):
        return f"--repo {repo} has no model/ctrgcn.py: git clone https://github.com/Uason-Chen/CTR-GCN {repo}"
    proc = subprocess.run([python, "-c", "import torch"], capture_output=True, text=True)
    return None if proc.returncode == 0 else TORCH_HELP.format(python=python)


def dp_name(model: str, procs: int) -> str:
    return f"{model}, {procs} processes"


def measure(shapes: Sequence[str], threads: Sequence[int], rounds: int, steps: int, repo: str,
            torch_python: str, data_parallel: bool = False,
            models: Sequence[str] = tuple(PROJECT_MODELS)) -> Tuple[dict, dict]:
    """Per (shape, threads): the rounds of every contestant (seconds per step) and their workers' info."""
    from benchmarks.harness import round_order
    results, infos = {}, {}
    for shape in shapes:
        for n in threads:
            workers = {name: Worker({"framework": "paddle", "model": name, "shape": shape, "threads": n},
                                    sys.executable) for name in models}
            workers[OFFICIAL] = Worker({"framework": "torch", "repo": repo, "shape": shape, "threads": n},
                                       torch_python)
            if data_parallel and n == max(threads) and n > 1:
                for name in models:
                    workers[dp_name(name, n)] = DataParallelWorker(
                        {"framework": "paddle", "model": name, "shape": shape}, sys.executable, n)
            try:
                for w in workers.values():  # one untimed turn each
                    w.run(1)
                times: Dict[str, List[List[float]]] = {name: [] for name in workers}
                for r in range(rounds):
                    for name in round_order(list(workers), r, "rotate"):
                        wall = workers[name].run(steps)["wall"]
                        times[name].append(wall)
                        print(f"{shape}, {n} thread(s), round {r + 1}: {name} {BATCH / min(wall):.1f} samples/s",
                              file=sys.stderr)
                results[(shape, n)] = times
                infos[(shape, n)] = {name: w.info for name, w in workers.items()}
            finally:
                for w in workers.values():
                    w.close()
    return results, infos


def report(results: dict, infos: dict, rounds: int, steps: int, load: str, command: str) -> str:
    from benchmarks.harness import machine, ratio, summary
    lines = [HEADING, "", f"Machine: {machine().describe()}; 1-minute load average {load}. Batch {BATCH}, "
             f"{rounds} rounds of {steps} step(s) per contestant after one untimed step, rotating order; "
             "samples/s from the median step time; ratios are medians of per-round ratios against the official "
             "model at the same thread count.", ""]
    for shape in dict.fromkeys(s for s, _ in results):
        counts = sorted(n for s, n in results if s == shape)
        sample = infos[(shape, counts[0])][OFFICIAL]["sample"]
        lines += [f"### {'NW-UCLA' if shape == 'ucla' else 'NTU RGB+D'} shape ({BATCH}, {', '.join(map(str, sample))})",
                  "", "| model | " + " | ".join(f"{n} thread(s): samples/s | vs official" for n in counts)
                  + " | GFLOP per training sample | limit at " + f"{counts[-1]} thread(s), samples/s | share of it |",
                  "|---|" + "---:|---:|" * len(counts) + "---:|---:|---:|"]
        dp_rows = [name for name in results[(shape, counts[-1])] if name not in PROJECT_MODELS and name != OFFICIAL]
        for name in [*(m for m in PROJECT_MODELS if m in results[(shape, counts[-1])]), *dp_rows, OFFICIAL]:
            cells = []
            for n in counts:
                times = results[(shape, n)]
                if name not in times:
                    cells += ["", ""]
                    continue
                speed = BATCH / summary(times[name])[0]
                cells += [f"{speed:.1f}", "1.00x" if name == OFFICIAL else
                          f"**{ratio(times[OFFICIAL], times[name]):.2f}x**"]
            last = infos[(shape, counts[-1])]
            gflop = last[name].get("gflop", last["CTRGCN"]["gflop"])  # the official model: CTRGCN's layers
            limit = last["CTRGCN"]["peak_gflops"] / gflop
            speed = BATCH / summary(results[(shape, counts[-1])][name])[0]
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {gflop:.2f} | {limit:.0f} | {speed / limit:.0%} |")
        lines.append("")
    paddle_any = next(iter(infos.values()))["CTRGCN"]
    torch_any = next(iter(infos.values()))[OFFICIAL]
    peaks = ", ".join(f"{s} {n} thread(s): {i['CTRGCN']['peak_gflops']:.0f} GFLOP/s" for (s, n), i in infos.items())
    lines += [f"Paddle's MKL: {paddle_any['mkl']}; PyTorch {torch_any['torch']}. The official model's GFLOP is "
              "CTRGCN's (same layers). Limit = Paddle's 2048^2 float32 matrix product at that thread count "
              f"({peaks}) / GFLOP per training sample.", "", "```", command, "```"]
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repo", default="/tmp/CTR-GCN",
                   help="checkout of the official CTR-GCN code (default /tmp/CTR-GCN)")
    p.add_argument("--torch-python", default=sys.executable,
                   help="Python with PyTorch installed, for the official model's worker (default: this one)")
    p.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=["ucla", "ntu"], help="input shapes")
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="math threads per process (default 1 2)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument("--steps", type=int, default=2, help="training steps per contestant per round (default 2)")
    p.add_argument("--models", nargs="+", choices=list(PROJECT_MODELS), default=list(PROJECT_MODELS),
                   help="the project's models to time (default all; CTRGCN always runs: the official model's "
                        "GFLOP and the limit are taken from it)")
    p.add_argument("--data-parallel", action="store_true",
                   help="also each project model as main.py's CPU processes (cpu_processes) at the largest --threads")
    p.add_argument("--write-results", action="store_true", help=f"replace {HEADING!r} in benchmarks/RESULTS.md")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(json.loads(args.worker))
    missing = check_torch(args.torch_python, args.repo)
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    from benchmarks.harness import LoadLog, publish
    load = LoadLog()
    results, infos = measure(args.shapes, args.threads, args.rounds, args.steps, args.repo, args.torch_python,
                             args.data_parallel, [m for m in PROJECT_MODELS if m in {"CTRGCN", *args.models}])
    command = "python -m benchmarks.train_speed " + " ".join(argv if argv is not None else sys.argv[1:])
    publish(report(results, infos, args.rounds, args.steps, load.end().text(), command), HEADING, args.write_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
