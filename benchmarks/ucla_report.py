"""Measure the committed NW-UCLA models and write the "NW-UCLA accuracy" section of RESULTS.md.

One row per committed weights file (model: ctrgcn, ctrgcn_light, ctrgcn_tiny; ctrgcn_light_bone,
CTRGCN_light's bone stream; ctrgcn_light_jbm, CTRGCN_light on joint + bone + motion channels;
ctrgcn_tiny_kd, CTRGCN_tiny distilled from CTRGCN_light's bone stream;
recipe: one of benchmarks/ucla_train.sh): ``benchmarks/weights/<arch>_ucla_<stream>.pdparams`` holds
the full recipe's weights (stream: joint, or the model's suffix, bone, jbm or kd),
``<arch>_ucla_<stream>_<recipe>.pdparams`` another recipe's (short, medium). In one run:

- Top-1 / Top-5 / per-class accuracy on the view-3 validation split, through the same test
  task as ``main.py --test`` (its confusion matrix PNG is copied to
  ``benchmarks/figures/<model>_ucla_<recipe>_confusion.png``);
- per architecture and input shape (``cost_key``), as they do not depend on the weight values: trainable
  parameters, GFLOPs of one sample (convolutions and the classifier, 2 x MACs), exported
  inference model bytes (json + pdiparams), and Paddle Inference latency, 2 threads, batch 1
  and 16, through the verified predictor that predict.py uses (oneDNN when it agrees with the
  dynamic graph), models timed interleaved;
- from the training log (``benchmarks/logs/<model>_ucla_joint_<recipe>.log``, else the log of a
  run in progress, ``benchmarks/runs/<model>_ucla_<recipe>/train.log``): best epoch, the last
  epoch's validation Top-1, training time, samples/s and the machine load during the epochs
  (the 1-minute load average the done lines end with, or, for a log without it, the samples of
  ``--load-log`` files taken while its epochs trained); progress of the runs not finished;
- ``benchmarks/figures/ucla_top1_per_epoch.png``: validation Top-1 per epoch of every log;
- a Pareto table (size and speed relative to CTRGCN beside Top-1) and its plot,
  ``benchmarks/figures/ucla_pareto.png`` (Top-1 against exported bytes and batch-1 latency);
- the predictions for the first validation samples, written beside the weights
  (``<arch>_ucla_<stream>[_<recipe>].expected.json``; tests/benchmarks/test_ucla_weights.py checks
  that the committed weights still classify them so);
- per model and recipe with both streams: the joint + bone ensemble of their test scores
  (tools/ensemble.py, equal weights, as CTR-GCN's ensemble weighs joint and bone alike);
- per model beside CTRGCN of the same recipe, on the same samples (tools/compare_scores.py): the
  samples only one of them gets right and McNemar's exact p, with each Top-1's 95% interval.

    python -m benchmarks.ucla_report --data ../shared/data/NW-UCLA/all_sqe [--load-log FILE]

A load log has one line per minute, ``ISO-time load1 load5 load15``, e.g. from
``echo "$(date +%FT%T) $(cut -d' ' -f1-3 /proc/loadavg)"`` run by a loop beside the training.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from benchmarks.harness import RESULTS, UCLA_DATA, LoadLog, replace_section, run_process, run_rounds
from paddlevideo.utils.fileio import atomic_write
from paddlevideo.utils.train_log import RunHistory, read_train_log

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODELS = ("ctrgcn", "ctrgcn_light", "ctrgcn_tiny", "ctrgcn_light_bone", "ctrgcn_light_jbm", "ctrgcn_tiny_kd")
# model suffixes: X_bone is X on the bone input, X_jbm on joint + bone + motion channels, X_kd X distilled
# (its config's DISTILL section names the teacher) on X's own input
STREAMS = ("bone", "jbm", "kd")
NUM_EXPECTED = 8
HEADING = "## NW-UCLA accuracy"
RECIPES = {  # in table order
    "short": "6 epochs over the 1020 training samples (no repeat), warm-up 2, lr x0.1 after epoch 4 "
             "(about 1.8% of the full recipe's samples)",
    "medium": "30 epochs over the 1020 training samples (no repeat), warm-up 3, lr x0.1 after epoch 24 "
              "(about 9% of the full recipe's samples)",
    "full": "the official CTR-GCN NW-UCLA recipe: 65 epochs, each repeating the training set 5 times, "
            "warm-up 5, lr x0.1 after epoch 50",
}
LoadSample = Tuple[datetime, float]  # (time, 1-minute load average)


def split_stream(model: str) -> Tuple[str, str]:
    """(architecture, stream) of a model name of ``MODELS``: ``X_bone`` is X's bone stream, ``X_jbm``
    X on joint + bone + motion channels, ``X_kd`` X distilled, X its joint one."""
    for stream in STREAMS:
        if model.endswith("_" + stream):
            return model[:-len(stream) - 1], stream
    return model, "joint"


def cost_key(model: str) -> str:
    """What a model's params, GFLOPs, bytes and latency are measured once for: its architecture when
    its input is the joint stream's (joint, bone: as many channels; kd: the same input), else the model
    itself (jbm: 9 channels). A distilled model is its architecture: the teacher is not exported."""
    arch, stream = split_stream(model)
    return arch if stream in ("joint", "bone", "kd") else model


def config_path(model: str) -> str:
    return os.path.join(ROOT, "configs", "recognition", "ctrgcn", "{}_ucla_{}.yaml".format(*split_stream(model)))


def export_with_the_tool(model: str, weights: str, out_dir: str, name: str) -> Tuple[str, str]:
    """Export as a user does, ``tools/export_model.py`` in a fresh process; returns (json, pdiparams).

    In a process that has already run other models the program's generated variable names are
    longer, so the .json (and the bytes reported) would depend on what the report did before."""
    cmd = [sys.executable, os.path.join(ROOT, "tools", "export_model.py"), "-c", config_path(model),
           "-p", weights, "-o", out_dir]
    run_process(cmd, " ".join(cmd))
    stem = os.path.join(out_dir, name)
    return stem + ".json", stem + ".pdiparams"


def load_cfg(model: str, data: str):
    from paddlevideo.config import get_config
    return get_config(config_path(model), overrides=[f"DATASET.test.file_path={data}"], show=False)


def trainable_params(model) -> int:
    """Number of trainable parameter values of ``model``."""
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def gflops(model, shape) -> float:
    """GFLOPs (2 x multiply-adds) of one sample of ``shape``, counted on the upstream CTR-GCN
    formulation (``benchmarks/upstream_ops.py``: every layer called as a layer): convolutions, the
    classifier, and each CTR-GC's graph aggregation (C_out x T x V x V multiply-adds)."""
    import paddle
    import paddle.nn as nn
    from benchmarks.upstream_ops import upstream_ops
    from paddlevideo.modeling.backbones.units import CTRGC
    total = [0]

    def hook(layer, inputs, out):
        if isinstance(layer, nn.Conv2D):
            w = layer.weight.shape
            total[0] += 2 * int(np.prod(out.shape)) * w[1] * w[2] * w[3]  # w[1] is already in_channels / groups
        elif isinstance(layer, nn.Linear):
            total[0] += 2 * int(np.prod(out.shape)) * layer.weight.shape[0]
        elif isinstance(layer, CTRGC):
            total[0] += 2 * int(np.prod(out.shape)) * out.shape[-1]  # (N, C_out, T, V) outputs, V terms each

    handles = [layer.register_forward_post_hook(hook) for layer in model.sublayers()]
    try:
        with paddle.no_grad(), upstream_ops(model):
            model([paddle.zeros([1, *shape])], mode="infer")
    finally:
        for h in handles:
            h.remove()
    return total[0] / 1e9


def verified_predictors(model_file: str, params_file: str, shape: Sequence[int], threads: int,
                        batches: Sequence[int] = (1, 16)) -> Dict[int, tuple]:
    """Per batch size: tools/predict.py's verified Paddle Inference predictor (oneDNN where it matches
    the dynamic graph), a seeded random input (batch, *shape) and whether oneDNN is on."""
    from paddlevideo.inference.predictor import PredictorOptions
    from paddlevideo.inference.verify import open_verified_predictor

    out = {}
    for batch in batches:
        options = PredictorOptions(cpu_threads=threads, enable_mkldnn=True)
        pred, ver = open_verified_predictor(model_file, params_file, options, shape, batch)
        out[batch] = (pred, np.random.RandomState(0).randn(batch, *shape).astype("float32"), ver.options.uses_mkldnn)
    return out


def weights_path(model: str, recipe: str, root: str = ROOT) -> str:
    """The committed weights of ``model`` trained with ``recipe`` (the full recipe's have no suffix)."""
    suffix = "" if recipe == "full" else f"_{recipe}"
    arch, stream = split_stream(model)
    return os.path.join(root, "benchmarks", "weights", f"{arch}_ucla_{stream}{suffix}.pdparams")


def committed_weights(root: str = ROOT) -> List[Tuple[str, str]]:
    """(model, recipe) of every weights file present, model by model, recipes in ``RECIPES`` order."""
    return [(m, r) for m in MODELS for r in RECIPES if os.path.isfile(weights_path(m, r, root))]


def training_logs(root: str = ROOT) -> Dict[Tuple[str, str], str]:
    """(model, recipe) -> training log: the copy in benchmarks/logs/ that ucla_train.sh makes when
    a run finishes, else the log of the run in benchmarks/runs/ (in progress)."""
    logs = {}
    for m in MODELS:
        arch, stream = split_stream(m)
        for r in RECIPES:
            for path in (os.path.join(root, "benchmarks", "logs", f"{arch}_ucla_{stream}_{r}.log"),
                         os.path.join(root, "benchmarks", "runs", f"{m}_ucla_{r}", "train.log")):
                if os.path.isfile(path):
                    logs[(m, r)] = path
                    break
    return logs


def read_load_log(path: str) -> List[LoadSample]:
    """(time, 1-minute load average) of every line ``ISO-time load1 load5 load15`` of a load log
    (a time zone, if written, is dropped: the training log's times are local too)."""
    samples = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                stamp, load = line.split()[:2]
                samples.append((datetime.fromisoformat(stamp).replace(tzinfo=None), float(load)))
            except ValueError:
                raise ValueError(f"{path}:{number}: expected 'ISO-time load1 load5 load15', "
                                 f"got {line.strip()!r}") from None
    return samples


def run_loads(history: RunHistory, load_samples: Sequence[LoadSample] = ()) -> List[float]:
    """1-minute load averages during a run: those its done lines end with; for a log without
    them, the ``load_samples`` taken while one of its epochs trained."""
    logged = [t.load for t in history.timing.values() if t.load is not None]
    if logged:
        return logged
    epochs = [(t.end - timedelta(seconds=t.seconds), t.end) for t in history.timing.values() if t.end]
    return [load for stamp, load in load_samples if any(start <= stamp <= end for start, end in epochs)]


def training_stats(history: RunHistory, load_samples: Sequence[LoadSample] = ()) -> Dict[str, object]:
    """The training columns of a run: epochs, (epoch, Top-1) of the best and of the last validation
    (None without), training seconds, samples/s, and (median, max) load (None without)."""
    loads = run_loads(history, load_samples)
    return {"epochs": history.epochs, "epochs_done": history.epochs_done, "finished": history.finished,
            "best": history.best_valid(), "last": history.last_valid(),
            "train_seconds": history.train_seconds(), "samples_per_s": history.samples_per_s(),
            "median_samples_per_s": history.median_samples_per_s(),
            "load": (float(np.median(loads)), float(max(loads))) if loads else None}


def run_label(model: str, recipe: str, history: RunHistory) -> str:
    """``model recipe``, with the epochs done of a run not finished."""
    progress = "" if history.finished else f" (epoch {history.epochs_done}/{history.epochs or '?'})"
    return f"{model} {recipe}{progress}"


def progress_line(model: str, recipe: str, history: RunHistory) -> str:
    """Where a run not finished is: epochs done, best validation Top-1 so far, its log."""
    best = history.best_valid()
    so_far = f"{100 * best[1]:.2f}% (epoch {best[0]})" if best else "-"
    return (f"{run_label(model, recipe, history)}: best validation Top-1 so far {so_far}, "
            f"`{os.path.relpath(history.source, ROOT)}`")


def plot_top1_per_epoch(histories: Dict[Tuple[str, str], RunHistory], path: str) -> Dict[str, Dict[int, float]]:
    """One line per run, validation Top-1 per epoch (colour: model, line style: recipe); returns
    the plotted series, label -> {epoch: Top-1}."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    styles = {"short": ":", "medium": "--", "full": "-"}
    fig, ax = plt.subplots(figsize=(8, 4.5))
    series = {}
    for (model, recipe), history in histories.items():
        top1 = history.valid_top1()
        if not top1:
            continue
        label = run_label(model, recipe, history)
        series[label] = top1
        ax.plot(list(top1), [100 * v for v in top1.values()], styles[recipe], color=f"C{MODELS.index(model)}",
                marker="o", ms=3, label=label)
    ax.set_xlabel("epoch (full recipe: 5 passes over the training set each; short, medium: 1)")
    ax.set_ylabel("validation Top-1 (%)")
    ax.set_title("NW-UCLA, view 3 (464 samples): validation Top-1 per epoch")
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)
    return series


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=UCLA_DATA, help="NW-UCLA all_sqe folder (default ../shared)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per model and batch size")
    ap.add_argument("--threads", type=int, default=2, help="Paddle Inference threads (default 2)")
    ap.add_argument("--load-log", action="append", default=[], metavar="FILE",
                    help="load log ('ISO-time load1 load5 load15' per line) giving the load column of training "
                         "logs whose done lines carry no load; repeatable")
    args = ap.parse_args()
    load = LoadLog()

    from paddlevideo.inference.export import input_shape, load_eval_model
    from paddlevideo.loader.builder import build_dataset
    from paddlevideo.loader.class_names import class_names
    from paddlevideo.tasks import test_model

    present = committed_weights()
    if not present:
        sys.exit("no weights in benchmarks/weights/: train first (benchmarks/ucla_train.sh)")
    load_samples = [s for path in args.load_log for s in read_load_log(path)]
    histories = {key: read_train_log(path) for key, path in training_logs().items()}
    train = {key: training_stats(h, load_samples) for key, h in histories.items()}
    figures = os.path.join(ROOT, "benchmarks", "figures")
    os.makedirs(figures, exist_ok=True)
    plot_top1_per_epoch(histories, os.path.join(figures, "ucla_top1_per_epoch.png"))
    progress = [progress_line(m, r, h) for (m, r), h in histories.items() if not h.finished]
    names = class_names("nw_ucla")
    rows, costs, predictors, scores, tmp = {}, {}, {}, {}, tempfile.mkdtemp(prefix="ucla_report_")
    for m, recipe in present:
        key = cost_key(m)
        weights = weights_path(m, recipe)
        cfg = load_cfg(m, args.data)
        out = os.path.join(tmp, f"{m}_{recipe}", "test")
        res = test_model(cfg, weights, output=out)
        scores[(m, recipe)] = os.path.join(out, "scores.npz")
        shutil.copy(os.path.join(out, "confusion_matrix.png"),
                    os.path.join(figures, f"{m}_ucla_{recipe}_confusion.png"))
        model = load_eval_model(cfg, weights)
        shape = input_shape(cfg)
        if key not in costs:  # the architecture's costs (a 3-channel stream's too), on its first weights file
            model_file, params_file = export_with_the_tool(m, weights, os.path.join(tmp, m, "inference"),
                                                           cfg["model_name"])
            costs[key] = {"params": trainable_params(model), "gflops": gflops(model, shape),
                        "bytes": os.path.getsize(model_file) + os.path.getsize(params_file)}
            for batch, timed in verified_predictors(model_file, params_file, shape, args.threads).items():
                predictors[(key, batch)] = timed
        # predictions on the first validation samples, for the committed-weights test
        dataset = build_dataset(cfg["DATASET"]["test"], cfg["PIPELINE"]["test"])
        import paddle
        x = np.stack([dataset[i][0] for i in range(NUM_EXPECTED)])
        with paddle.no_grad():
            logits = model([paddle.to_tensor(x)], mode="infer").numpy()
        expected = {"config": os.path.relpath(config_path(m), ROOT), "top1": res["top1"],
                    "samples": [{"name": dataset.names[i], "label": int(dataset[i][1]),
                                 "predicted": int(logits[i].argmax())} for i in range(NUM_EXPECTED)]}
        with open(weights.replace(".pdparams", ".expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
        rows[(m, recipe)] = {"top1": res["top1"], "top5": res.get("top5"), "per_class": res["per_class_accuracy"],
                             **costs[key], "train": train.get((m, recipe), {}), "expected": expected["samples"]}
    # interleaved: every model and batch once per round, each timed run right after an untimed one
    latency = run_rounds({k: partial(pred.run, x) for k, (pred, x, _) in predictors.items()}, args.repeats, settle=1)
    ensembles = joint_bone_ensembles(scores)
    paired = paired_with_reference(scores)
    shutil.rmtree(tmp, ignore_errors=True)
    args.load_start, args.load_end = load.start_value, load.end().end_value
    medians = {k: 1e3 * latency.median(k) for k in predictors}
    pareto = pareto_rows(rows, medians)
    recipes = "/".join(r for r in RECIPES if any(key[1] == r for key in rows))
    plot_pareto(pareto, os.path.join(figures, "ucla_pareto.png"),
                f"NW-UCLA, {recipes} recipes, {args.threads} CPU threads")
    replace_section(RESULTS, HEADING, format_section(rows, medians, {k: v[2] for k, v in predictors.items()}, pareto,
                                                     progress, names, args, ensembles, paired))


def joint_bone_ensembles(score_files: Dict[Tuple[str, str], str], reference: str = "ctrgcn"
                         ) -> List[Dict[str, object]]:
    """Per (model, recipe) whose joint and bone streams were both tested (``score_files``: (model,
    recipe) -> scores.npz): each stream's Top-1, the Top-1 / Top-5 of tools/ensemble.py's
    equal-weight fusion and, where ``reference`` (joint) has the recipe, tools/compare_scores.py's
    pairing of the fusion with it (``vs_reference``)."""
    from tools.compare_scores import run as compare_files
    from tools.ensemble import run as fuse_scores
    out = []
    with tempfile.TemporaryDirectory(prefix="ucla_ensemble_") as tmp:
        for (m, recipe), joint in score_files.items():
            bone = score_files.get((f"{m}_bone", recipe))
            if bone is None:
                continue
            fused = os.path.join(tmp, f"{m}_{recipe}.npz")
            result = fuse_scores([joint, bone], out=fused)
            row = {"model": m, "recipe": recipe, "joint": result["streams"][0]["top1"],
                   "bone": result["streams"][1]["top1"], **result["fused"]}
            ref = score_files.get((reference, recipe))
            if ref is not None:
                row["vs_reference"] = compare_files([fused, ref])
            out.append(row)
    return out


def paired_with_reference(score_files: Dict[Tuple[str, str], str], reference: str = "ctrgcn"
                          ) -> List[Dict[str, object]]:
    """Per (model, recipe) other than ``reference`` whose recipe ``reference`` has too: tools/compare_scores.py's
    paired comparison (model as A, ``reference`` as B) of their test scores."""
    from tools.compare_scores import run as compare_files
    out = []
    for (m, recipe), path in score_files.items():
        ref = score_files.get((reference, recipe))
        if m == reference or ref is None:
            continue
        out.append({"model": m, "recipe": recipe, **compare_files([path, ref])})
    return out


def pareto_rows(rows, latency, reference: str = "ctrgcn") -> List[Dict[str, object]]:
    """Per (model, recipe) row: size, speed and accuracy beside ``reference``'s of the same recipe
    (ratios as size share and speed-up; ``latency`` is keyed by (``cost_key``, batch))."""
    out = []
    for (m, recipe), r in rows.items():
        key = cost_key(m)
        row = {"model": m, "recipe": recipe, "params": r["params"], "gflops": r["gflops"], "bytes": r["bytes"],
               "b1": latency[(key, 1)], "b16": latency[(key, 16)], "top1": r["top1"]}
        ref = rows.get((reference, recipe))
        if ref is not None:
            row["size_share"] = r["bytes"] / ref["bytes"]
            row["speedup_b1"] = latency[(reference, 1)] / row["b1"]
            row["speedup_b16"] = latency[(reference, 16)] / row["b16"]
            row["top1_delta"] = r["top1"] - ref["top1"]
        out.append(row)
    return out


def plot_pareto(pareto: List[Dict[str, object]], path: str, title: str) -> None:
    """Top-1 against exported size (left) and batch-1 latency (right), one labelled point per
    (model, recipe)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], "bytes", "exported model (MB, json + pdiparams)"),
                           (axes[1], "b1", "Paddle Inference latency, batch 1 (ms)")):
        for row in pareto:
            x = row[key] / 1e6 if key == "bytes" else row[key]
            ax.scatter(x, 100 * row["top1"], s=40)
            ax.annotate(f"{row['model']} {row['recipe']}", (x, 100 * row["top1"]), textcoords="offset points",
                        xytext=(5, 5))
        ax.set_xlabel(label)
        ax.set_ylabel("NW-UCLA Top-1 (%)")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)


def p_cell(p: float) -> str:
    """A p-value for a table: two decimals, or one significant digit below 0.01 (never a bare 0.00)."""
    return f"{p:.2f}" if p >= 0.01 else f"{p:.1g}"


def percent(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def hours_minutes(seconds: float) -> str:
    """A duration in seconds as ``h:mm``."""
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}:{minutes % 60:02d}"


def training_cells(recipe: str, train: Dict[str, object]) -> List[str]:
    """Table cells from ``training_stats``: recipe (epochs), best epoch, last-epoch Top-1, training
    time, samples/s, load median / max ('-' where the log, if any, has nothing)."""
    if not train:
        return [recipe] + ["-"] * 5
    done, best, last, load = train["epochs_done"], train["best"], train["last"], train["load"]
    epochs = f"{done} epochs" if train["finished"] else f"{done}/{train['epochs']} epochs"
    last_cell = "-" if last is None else percent(last[1]) + ("" if last[0] == done else f" (epoch {last[0]})")
    return [f"{recipe} ({epochs})", str(best[0]) if best else "-", last_cell,
            hours_minutes(train["train_seconds"]) if train["train_seconds"] else "-",
            "-" if np.isnan(train["samples_per_s"]) else
            f"{train['median_samples_per_s']:.2f} ({train['samples_per_s']:.2f})",
            "-" if load is None else f"{load[0]:.1f} / {load[1]:.1f}"]


def format_section(rows, latency, onednn, pareto, progress: List[str], names, args,
                   ensembles: Sequence[Dict[str, object]] = (), paired: Sequence[Dict[str, object]] = ()) -> str:
    """The "## NW-UCLA accuracy" section: ``rows`` keyed by (model, recipe), ``latency`` and
    ``onednn`` by (``cost_key``, batch), ``progress`` lines of the runs not finished, ``ensembles``
    from ``joint_bone_ensembles``, ``paired`` from ``paired_with_reference``."""
    lines = [HEADING, "",
             "NW-UCLA, views 1-2 train, view 3 validates (464 samples), joint input "
             "(CTRGCN_tiny: joints fused early into joint + bone + motion channels; ctrgcn_light_bone: "
             "CTRGCN_light on the bone input, each joint minus its parent; ctrgcn_light_jbm: CTRGCN_light "
             "on CTRGCN_tiny's joint + bone + motion channels, the lever tried for its shortfall; ctrgcn_tiny_kd: "
             "CTRGCN_tiny distilled from ctrgcn_light_bone, the lever tried for CTRGCN_tiny's). One row "
             "per committed weights file: `benchmarks/weights/MODEL_ucla_joint.pdparams` (full recipe; a bone "
             "stream's: `..._ucla_bone.pdparams`, a jbm model's `..._ucla_jbm.pdparams`, a distilled one's "
             "`..._ucla_kd.pdparams`) or "
             "`MODEL_ucla_joint_RECIPE.pdparams` (other recipes). Top-1 and "
             "Top-5 evaluated with `main.py --test`. Params, GFLOPs, exported bytes and latency depend on the "
             "architecture and input channels only, "
             "so they are measured once per model and input; latency: Paddle Inference, "
             f"{args.threads} threads, NW-UCLA input shape, median of {args.repeats} interleaved runs, oneDNN where it "
             f"matches the dynamic graph. Machine: 2 CPU cores shared with other jobs (1-minute load average "
             f"{args.load_start:.1f} when this report started, {args.load_end:.1f} at the end), so absolute "
             "latencies are noisy; compare models within a column (they were timed in the same rounds). "
             "From the training log (benchmarks/logs/): best epoch (the first to reach the best validation "
             "Top-1: the row's weights), the last epoch's validation Top-1, training time (the epochs' "
             "training seconds, validation excluded; it includes time the run was paused for other jobs), "
             "samples/s (the median epoch's, and in brackets all training samples over all those seconds) and "
             "the machine's 1-minute load average during training (median / max over the epochs' ends, or "
             "over the samples of a per-minute load log taken during the epochs; other jobs shared the CPU).",
             "",
             "| model | recipe | Top-1 | Top-5 | best epoch | last-epoch Top-1 | params | GFLOPs | exported bytes | "
             "latency b1 (ms) | latency b16 (ms) | train time (h:mm) | train samples/s: median epoch (overall) | "
             "load (median / max) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (m, recipe), r in rows.items():
        recipe_cell, best, last, hours, rate, load = training_cells(recipe, r["train"])
        key = cost_key(m)
        lines.append(
            f"| {m} | {recipe_cell} | {percent(r['top1'])} | {percent(r['top5'])} | {best} | {last} | "
            f"{r['params']:,} | {r['gflops']:.3f} | {r['bytes']:,} | "
            f"{latency[(key, 1)]:.1f}{'' if onednn[(key, 1)] else ' (no oneDNN)'} | "
            f"{latency[(key, 16)]:.1f}{'' if onednn[(key, 16)] else ' (no oneDNN)'} | {hours} | {rate} | {load} |")
    lines += ["", "Validation Top-1 per epoch of every training log: `benchmarks/figures/ucla_top1_per_epoch.png` "
              "(an epoch of the full recipe is 5 passes over the training set, of the others 1)."]
    if progress:
        lines += ["", "Runs not finished:", ""] + [f"- {p}" for p in progress]
    if ensembles:
        lines += ["", "### Joint + bone ensemble", "",
                  "The joint and bone rows' test scores (raw logits) summed with equal weights, "
                  "`tools/ensemble.py` (CTR-GCN's ensemble weighs joint and bone alike).", "",
                  "| model | recipe | joint Top-1 | bone Top-1 | ensemble Top-1 | ensemble Top-5 | "
                  "vs CTRGCN joint: only ensemble right | only CTRGCN right | McNemar p |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for e in ensembles:
            vs = e.get("vs_reference")
            vs_cells = (f"{vs['only_a']} | {vs['only_b']} | {p_cell(vs['p_value'])}" if vs else "- | - | -")
            lines.append(f"| {e['model']} | {e['recipe']} | {percent(e['joint'])} | {percent(e['bone'])} | "
                         f"{percent(e['top1'])} | {percent(e['top5'])} | {vs_cells} |")
        lines += ["", "```"]
        for e in ensembles:
            tests = [("joint", e["model"]), ("bone", f"{e['model']}_bone")]
            if "vs_reference" in e:
                tests.append(("ctrgcn", "ctrgcn"))
            for out_name, model in tests:
                lines.append(test_command(model, e["recipe"], f"out/{out_name}", args.data))
            lines.append("python tools/ensemble.py --scores out/joint/scores.npz out/bone/scores.npz "
                         "--out out/ensemble.npz")
            if "vs_reference" in e:
                lines.append("python tools/compare_scores.py --scores out/ensemble.npz out/ctrgcn/scores.npz "
                             f"--names {e['model']}_joint+bone ctrgcn")
        lines.append("```")
    missing_full = [m for m in MODELS if (m, "full") not in rows]
    lines += ["", "Recipes (batch 16, Nesterov momentum 0.9, L2 1e-4, base lr 0.1, seed 1):"]
    for name in RECIPES:
        if name == "full":
            text = f"- `full`: {RECIPES['full']} (published CTR-GCN joint: about 94.5%)."
            if missing_full:
                text += (f" Not finished here for {', '.join(missing_full)}: "
                         "`bash benchmarks/ucla_train.sh MODEL full` runs it resumably across sittings (it "
                         "trains on 331,500 samples; \"## Training speed\" gives each model's samples/s). "
                         "Shortened recipes see a fraction of its samples, so their rows are not comparable "
                         "with the published figure.")
            lines.append(text)
        elif any(key[1] == name for key in rows):
            lines.append(f"- `{name}`: {RECIPES[name]}.")
    lines += ["", "### Pareto: accuracy against size and speed", "",
              "Same runs as above; ratios to CTRGCN trained with the same recipe (size share: exported bytes / "
              "CTRGCN's; speed-up: CTRGCN's latency / the model's, same timing rounds). "
              "Plot: `benchmarks/figures/ucla_pareto.png`.", "",
              "| model | recipe | params | GFLOPs | exported bytes | size share | latency b1 (ms) | speed-up b1 | "
              "latency b16 (ms) | speed-up b16 | Top-1 | vs CTRGCN |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in pareto:
        ratio = lambda k, fmt: format(row[k], fmt) if k in row else "-"  # noqa: E731
        delta = f"{100 * row['top1_delta']:+.2f} pt" if "top1_delta" in row else "-"
        lines.append(f"| {row['model']} | {row['recipe']} | {row['params']:,} | {row['gflops']:.3f} | "
                     f"{row['bytes']:,} | {ratio('size_share', '.0%')} | {row['b1']:.1f} | "
                     f"{ratio('speedup_b1', '.2f')}x | {row['b16']:.1f} | {ratio('speedup_b16', '.2f')}x | "
                     f"{100 * row['top1']:.2f}% | {delta} |")
    if paired:
        lines += ["", "### Paired with CTRGCN: is a difference more than the test set's noise?", "",
                  "Each model beside CTRGCN trained with the same recipe, on the same validation samples "
                  "(`tools/compare_scores.py`): Top-1 with its 95% Wilson interval (the spread the test set "
                  "alone allows), the samples only one of the two classifies right (a Top-1 difference is "
                  "their difference over N) and the exact McNemar p-value: the chance of a split at least "
                  "as uneven if both were equally good. A large p says these samples cannot tell the two "
                  "apart. Every row's weights are its best validation epoch, chosen on these same samples.", "",
                  "| model | recipe | Top-1 (95% interval) | CTRGCN Top-1 (95% interval) | only model right | "
                  "only CTRGCN right | difference | McNemar p |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for p in paired:
            cells = [f"{percent(p[k]['top1'])} ({100 * p[k]['ci95'][0]:.1f}-{100 * p[k]['ci95'][1]:.1f})"
                     for k in ("a", "b")]
            lines.append(f"| {p['model']} | {p['recipe']} | {cells[0]} | {cells[1]} | {p['only_a']} | "
                         f"{p['only_b']} | {100 * p['delta']:+.2f} pt ({p['only_a'] - p['only_b']:+d}) | "
                         f"{p_cell(p['p_value'])} |")
        lines += ["", "Commands: the `main.py --test` and `tools/compare_scores.py` lines at the end of this "
                  "section."]
    lines += ["", "Per-class accuracy (%):", "",
              "| class | " + " | ".join(f"{m} {r}" for m, r in rows) + " |", "|---|" + "---:|" * len(rows)]
    for i, name in enumerate(names):
        lines.append(f"| {i} {name} | " + " | ".join(f"{100 * r['per_class'][i]:.1f}" for r in rows.values()) + " |")
    lines += ["", "Confusion matrices: "
              + ", ".join(f"`benchmarks/figures/{m}_ucla_{r}_confusion.png`" for m, r in rows),
              "", f"Check samples (first {NUM_EXPECTED} validation samples, label -> predicted), tested by "
              "`tests/benchmarks/test_ucla_weights.py`:", ""]
    for (m, recipe), r in rows.items():
        lines.append(f"- {m} {recipe}: " + ", ".join(f"{s['name']} {s['label']}->{s['predicted']}"
                                                    for s in r["expected"]))
    data = os.path.relpath(args.data, ROOT)
    report = f"python -m benchmarks.ucla_report --data {data}" + "".join(
        f" --load-log {os.path.relpath(path, ROOT)}" for path in args.load_log)
    report += shared_note(data)
    lines += ["", "Commands (MODEL: ctrgcn, ctrgcn_light or ctrgcn_tiny; ctrgcn_light_bone trains the bone "
              "stream, configs/recognition/ctrgcn/ctrgcn_light_ucla_bone.yaml, ctrgcn_light_jbm CTRGCN_light on "
              "joint + bone + motion channels, ctrgcn_light_ucla_jbm.yaml, ctrgcn_tiny_kd CTRGCN_tiny distilled from "
              "the bone stream, ctrgcn_tiny_ucla_kd.yaml; RECIPE: short, medium or full):",
              "", "```",
              "bash benchmarks/ucla_train.sh MODEL RECIPE  # reads ../shared", report]
    lines += ["# every row's Top-1 / Top-5 (scores.npz in the --output folder):"]
    lines += [test_command(m, recipe, f"out/{m}_{recipe}", args.data) for m, recipe in rows]
    if paired:
        lines += ["# the paired table, from the score files above:"]
        lines += [f"python tools/compare_scores.py --scores out/{p['model']}_{p['recipe']}/scores.npz "
                  f"out/ctrgcn_{p['recipe']}/scores.npz --names {p['model']} ctrgcn" for p in paired]
    lines += ["```", ""]
    return "\n".join(lines)


def test_command(model: str, recipe: str, out: str, data: str) -> str:
    """The ``main.py --test`` line that evaluates ``model``'s committed ``recipe`` weights on view 3."""
    rel_data = os.path.relpath(data, ROOT) if os.path.isabs(data) else data
    return (f"python main.py --test -c {os.path.relpath(config_path(model), ROOT)} "
            f"-w {os.path.relpath(weights_path(model, recipe), ROOT)} --output {out} "
            f"-o DATASET.test.file_path={rel_data}" + shared_note(rel_data))


def shared_note(rel_path: str) -> str:
    """The comment that marks a command reading ../shared (``rel_path`` relative to the repo root)."""
    return "  # reads ../shared" if rel_path.startswith(os.path.join(os.pardir, "shared")) else ""


if __name__ == "__main__":
    main()
