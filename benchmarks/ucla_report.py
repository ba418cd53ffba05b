"""Measure the committed NW-UCLA models and write the "NW-UCLA accuracy" section of RESULTS.md.

For every ``benchmarks/weights/<model>_ucla_joint.pdparams`` present (model in ctrgcn,
ctrgcn_light, ctrgcn_tiny), in one run:

- Top-1 / Top-5 / per-class accuracy on the view-3 validation split, through the same test
  task as ``main.py --test`` (its confusion matrix PNG is copied to benchmarks/figures/);
- trainable parameters, GFLOPs of one sample (convolutions and the classifier, 2 x MACs);
- exported inference model bytes (json + pdiparams);
- Paddle Inference latency, 2 threads, batch 1 and 16, through the verified predictor that
  predict.py uses (oneDNN when it agrees with the dynamic graph), models timed interleaved;
- training time and samples/s read from ``benchmarks/logs/<model>_ucla_joint_<recipe>.log``;
- a Pareto table (size and speed relative to CTRGCN beside Top-1) and its plot,
  ``benchmarks/figures/ucla_pareto.png`` (Top-1 against exported bytes and batch-1 latency);
- the predictions for the first validation samples, written to
  ``benchmarks/weights/<model>_ucla_joint.expected.json`` (tests/benchmarks/test_ucla_weights.py
  checks the committed weights still classify them so).

    python benchmarks/ucla_report.py --data ../shared/data/NW-UCLA/all_sqe [--recipe medium]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from typing import Dict, List

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

MODELS = ("ctrgcn", "ctrgcn_light", "ctrgcn_tiny")
NUM_EXPECTED = 8
HEADING = "## NW-UCLA accuracy"
RECIPES = {
    "short": "6 epochs over the 1020 training samples (no repeat), warm-up 2, lr x0.1 after epoch 4 "
             "(about 1.8% of the full recipe's samples)",
    "medium": "30 epochs over the 1020 training samples (no repeat), warm-up 3, lr x0.1 after epoch 24 "
              "(about 9% of the full recipe's samples)",
    "full": "the official CTR-GCN NW-UCLA recipe: 65 epochs, each repeating the training set 5 times, "
            "warm-up 5, lr x0.1 after epoch 50",
}


def config_path(model: str) -> str:
    return os.path.join(ROOT, "configs", "recognition", "ctrgcn", f"{model}_ucla_joint.yaml")


def load_cfg(model: str, data: str):
    from paddlevideo.utils import get_config
    return get_config(config_path(model), overrides=[f"DATASET.test.file_path={data}"], show=False)


def trainable_params(model) -> int:
    """Number of trainable parameter values of ``model``."""
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def gflops(model, shape) -> float:
    """GFLOPs (2 x multiply-adds) of one sample of ``shape``, counted on the upstream CTR-GCN
    formulation (``use_reference_ops``: every layer called as a layer): convolutions, the
    classifier, and each CTR-GC's graph aggregation (C_out x T x V x V multiply-adds)."""
    import paddle
    import paddle.nn as nn
    from paddlevideo.modeling.backbones.units import CTRGC, use_reference_ops
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
    use_reference_ops(model, True)
    try:
        with paddle.no_grad():
            model([paddle.zeros([1, *shape])], mode="infer")
    finally:
        use_reference_ops(model, False)
        for h in handles:
            h.remove()
    return total[0] / 1e9


def training_stats(model: str, recipe: str) -> Dict[str, object]:
    """Epoch count, training seconds and mean samples/s from the model's training log of ``recipe``."""
    log = os.path.join(ROOT, "benchmarks", "logs", f"{model}_ucla_joint_{recipe}.log")
    if not os.path.isfile(log):
        return {}
    text = open(log).read()
    done = re.findall(r"done: mean loss ([\d.]+), ([\d.]+) s, ([\d.]+) samples/s", text)
    valid = re.findall(r"\[valid\] epoch (\d+): loss [\d.na]+ top1 ([\d.]+)", text)
    return {"log": os.path.relpath(log, ROOT), "recipe": recipe,
            "epochs": len(done), "train_seconds": sum(float(d[1]) for d in done),
            "samples_per_s": float(np.mean([float(d[2]) for d in done])) if done else float("nan"),
            "first_loss": float(done[0][0]) if done else float("nan"),
            "last_loss": float(done[-1][0]) if done else float("nan"),
            "valid_top1": [float(v[1]) for v in valid]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(ROOT), "shared", "data", "NW-UCLA", "all_sqe"))
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per model and batch size")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--recipe", default="medium", choices=sorted(RECIPES),
                    help="the recipe the committed weights were trained with (its log gives the training time)")
    args = ap.parse_args()
    args.load_start = os.getloadavg()[0]

    from paddlevideo.inference.export import export_paddle, input_shape, load_eval_model
    from paddlevideo.inference.predictor import PredictorOptions
    from paddlevideo.inference.verify import open_verified_predictor
    from paddlevideo.loader.builder import build_dataset
    from paddlevideo.loader.class_names import class_names
    from paddlevideo.tasks import test_model

    present = [m for m in MODELS if os.path.isfile(os.path.join(ROOT, "benchmarks", "weights", f"{m}_ucla_joint.pdparams"))]
    if not present:
        sys.exit("no weights in benchmarks/weights/: train first (benchmarks/ucla_train.sh)")
    names = class_names("nw_ucla")
    rows, predictors, tmp = {}, {}, tempfile.mkdtemp(prefix="ucla_report_")
    os.makedirs(os.path.join(ROOT, "benchmarks", "figures"), exist_ok=True)
    for m in present:
        weights = os.path.join(ROOT, "benchmarks", "weights", f"{m}_ucla_joint.pdparams")
        cfg = load_cfg(m, args.data)
        out = os.path.join(tmp, m, "test")
        res = test_model(cfg, weights, output=out)
        shutil.copy(os.path.join(out, "confusion_matrix.png"),
                    os.path.join(ROOT, "benchmarks", "figures", f"{m}_ucla_confusion.png"))
        model = load_eval_model(cfg, weights)
        shape = input_shape(cfg)
        exported = export_paddle(model, shape, os.path.join(tmp, m, "inference"), cfg["model_name"])
        size = os.path.getsize(exported.model_file) + os.path.getsize(exported.params_file)
        # predictions on the first validation samples, for the committed-weights test
        dataset = build_dataset(cfg["DATASET"]["test"], cfg["PIPELINE"]["test"])
        import paddle
        x = np.stack([dataset[i][0] for i in range(NUM_EXPECTED)])
        with paddle.no_grad():
            logits = model([paddle.to_tensor(x)], mode="infer").numpy()
        expected = {"config": os.path.relpath(config_path(m), ROOT), "top1": res["top1"],
                    "samples": [{"name": dataset.names[i], "label": int(dataset[i][1]),
                                 "predicted": int(logits[i].argmax())} for i in range(NUM_EXPECTED)]}
        with open(os.path.join(ROOT, "benchmarks", "weights", f"{m}_ucla_joint.expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
        rows[m] = {"top1": res["top1"], "top5": res.get("top5"), "per_class": res["per_class_accuracy"],
                   "params": trainable_params(model),
                   "gflops": gflops(model, shape), "bytes": size, "train": training_stats(m, args.recipe),
                   "expected": expected["samples"]}
        for batch in (1, 16):
            options = PredictorOptions(cpu_threads=args.threads, enable_mkldnn=True)
            pred, ver = open_verified_predictor(exported.model_file, exported.params_file, options, shape, batch)
            predictors[(m, batch)] = (pred, np.random.RandomState(0).randn(batch, *shape).astype("float32"),
                                      ver.options.uses_mkldnn)
    latency: Dict[tuple, List[float]] = {k: [] for k in predictors}
    for _ in range(args.repeats):  # interleaved: every model and batch once per round
        for key, (pred, x, _) in predictors.items():
            pred.run(x)
            t = time.perf_counter()
            pred.run(x)
            latency[key].append((time.perf_counter() - t) * 1000)
    shutil.rmtree(tmp, ignore_errors=True)
    args.load_end = os.getloadavg()[0]
    write_section(rows, {k: float(np.median(v)) for k, v in latency.items()},
                  {k: v[2] for k, v in predictors.items()}, names, args)


def pareto_rows(rows, latency, reference: str = "ctrgcn") -> List[Dict[str, object]]:
    """Per model: size, speed and accuracy beside ``reference``'s (ratios as size share and speed-up)."""
    ref = rows.get(reference)
    out = []
    for m, r in rows.items():
        row = {"model": m, "params": r["params"], "gflops": r["gflops"], "bytes": r["bytes"],
               "b1": latency[(m, 1)], "b16": latency[(m, 16)], "top1": r["top1"]}
        if ref is not None:
            row["size_share"] = r["bytes"] / ref["bytes"]
            row["speedup_b1"] = latency[(reference, 1)] / latency[(m, 1)]
            row["speedup_b16"] = latency[(reference, 16)] / latency[(m, 16)]
            row["top1_delta"] = r["top1"] - ref["top1"]
        out.append(row)
    return out


def plot_pareto(pareto: List[Dict[str, object]], path: str, title: str) -> None:
    """Top-1 against exported size (left) and batch-1 latency (right), one labelled point per model."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], "bytes", "exported model (MB, json + pdiparams)"),
                           (axes[1], "b1", "Paddle Inference latency, batch 1 (ms)")):
        for row in pareto:
            x = row[key] / 1e6 if key == "bytes" else row[key]
            ax.scatter(x, 100 * row["top1"], s=40)
            ax.annotate(row["model"], (x, 100 * row["top1"]), textcoords="offset points", xytext=(5, 5))
        ax.set_xlabel(label)
        ax.set_ylabel("NW-UCLA Top-1 (%)")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def write_section(rows, latency, onednn, names, args) -> None:
    recipes = sorted({r["train"].get("recipe", args.recipe) for r in rows.values()})
    lines = [HEADING, "",
             "NW-UCLA, views 1-2 train, view 3 validates (464 samples), joint input "
             "(CTRGCN_tiny: joints fused early into joint + bone + motion channels). "
             "Evaluated with `main.py --test`; latency: Paddle Inference, "
             f"{args.threads} threads, NW-UCLA input shape, median of {args.repeats} interleaved runs, oneDNN where it "
             f"matches the dynamic graph. Machine: 2 CPU cores shared with other jobs (1-minute load average "
             f"{args.load_start:.1f} when this report started, {args.load_end:.1f} at the end), so absolute "
             "latencies are noisy; compare models within a column (they were timed in the same rounds). "
             "Training time and samples/s come from the training logs (benchmarks/logs/), with other jobs "
             "sharing the CPU.", "",
             "| model | recipe | Top-1 | Top-5 | params | GFLOPs | exported bytes | latency b1 (ms) | "
             "latency b16 (ms) | train time (min) | train samples/s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m, r in rows.items():
        tr = r["train"]
        recipe = tr.get("recipe", "?")
        lines.append(
            f"| {m} | {recipe} ({tr.get('epochs', '?')} epochs) | {100 * r['top1']:.2f}% | "
            f"{100 * r['top5']:.2f}% | {r['params']:,} | {r['gflops']:.3f} | {r['bytes']:,} | "
            f"{latency[(m, 1)]:.1f}{'' if onednn[(m, 1)] else ' (no oneDNN)'} | "
            f"{latency[(m, 16)]:.1f}{'' if onednn[(m, 16)] else ' (no oneDNN)'} | "
            f"{tr.get('train_seconds', float('nan')) / 60:.1f} | {tr.get('samples_per_s', float('nan')):.2f} |")
    lines += ["", "Recipes (batch 16, Nesterov momentum 0.9, L2 1e-4, base lr 0.1, seed 1):"]
    lines += [f"- `{name}`: {RECIPES[name]}." for name in recipes]
    if "full" not in recipes:
        lines += [f"- `full`: {RECIPES['full']}: not finished here; `bash benchmarks/ucla_train.sh MODEL full` "
                  "runs it resumably across sittings (the epoch times in \"## CPU speed\" put it at about a day "
                  "of this machine for CTRGCN). Shortened recipes see a fraction of its samples, so these are not "
                  "the published figures (CTR-GCN joint: about 94.5%)."]
    pareto = pareto_rows(rows, latency)
    plot = os.path.join(ROOT, "benchmarks", "figures", "ucla_pareto.png")
    plot_pareto(pareto, plot, f"NW-UCLA, {'/'.join(recipes)} recipe, {args.threads} CPU threads")
    lines += ["", "### Pareto: accuracy against size and speed", "",
              "Same runs as above; ratios to CTRGCN (size share: exported bytes / CTRGCN's; speed-up: CTRGCN's "
              "latency / the model's, same timing rounds). Plot: `benchmarks/figures/ucla_pareto.png`.", "",
              "| model | params | GFLOPs | exported bytes | size share | latency b1 (ms) | speed-up b1 | "
              "latency b16 (ms) | speed-up b16 | Top-1 | vs CTRGCN |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in pareto:
        ratio = lambda k, fmt: format(row[k], fmt) if k in row else "-"  # noqa: E731
        delta = f"{100 * row['top1_delta']:+.2f} pt" if "top1_delta" in row else "-"
        lines.append(f"| {row['model']} | {row['params']:,} | {row['gflops']:.3f} | {row['bytes']:,} | "
                     f"{ratio('size_share', '.0%')} | {row['b1']:.1f} | {ratio('speedup_b1', '.2f')}x | "
                     f"{row['b16']:.1f} | {ratio('speedup_b16', '.2f')}x | {100 * row['top1']:.2f}% | {delta} |")
    lines += ["", "Per-class accuracy (%):", "",
              "| class | " + " | ".join(rows) + " |", "|---|" + "---:|" * len(rows)]
    for i, name in enumerate(names):
        lines.append(f"| {i} {name} | " + " | ".join(f"{100 * r['per_class'][i]:.1f}" for r in rows.values()) + " |")
    lines += ["", "Confusion matrices: " + ", ".join(f"`benchmarks/figures/{m}_ucla_confusion.png`" for m in rows),
              "", f"Check samples (first {NUM_EXPECTED} validation samples, label -> predicted), tested by "
              "`tests/benchmarks/test_ucla_weights.py`:", ""]
    for m, r in rows.items():
        lines.append(f"- {m}: " + ", ".join(f"{s['name']} {s['label']}->{s['predicted']}" for s in r["expected"]))
    lines += ["", "Commands:", "", "```",
              f"bash benchmarks/ucla_train.sh MODEL {args.recipe}      # MODEL: ctrgcn, ctrgcn_light, ctrgcn_tiny",
              f"python benchmarks/ucla_report.py --data {args.data} --recipe {args.recipe}",
              "python main.py --test -c configs/recognition/ctrgcn/MODEL_ucla_joint.yaml "
              "-w benchmarks/weights/MODEL_ucla_joint.pdparams -o DATASET.test.file_path=../shared/data/NW-UCLA/all_sqe",
              "```", ""]
    from benchmarks.results_md import replace_section
    replace_section(os.path.join(ROOT, "benchmarks", "RESULTS.md"), HEADING, "\n".join(lines))


if __name__ == "__main__":
    main()
