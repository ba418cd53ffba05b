"""CTRGCN_tiny ablation: what each lever costs and what it keeps, one variant per row; writes the
"## CTRGCN_tiny ablation" section of benchmarks/RESULTS.md.

    python -m benchmarks.tiny_ablation [--rounds 5] [--reps 3] [--threads 2] [--no-write]

Every variant (``VARIANTS``: a config, overrides, and its training output folder or committed
weights) is built and measured in this one process:

- Top-1 on NW-UCLA view 3 (464 samples), read, not recomputed: ``<folder>/test/metrics.json``
  (``main.py --test``) when present, else the ``[valid]`` lines of ``<folder>/train.log``
  (validation and test use the same split): the best epoch's Top-1 (the ``_best`` weights that
  are measured here) and the last epoch's. A run that has not finished says so; a variant without
  a training run says "not trained" (its costs are measured on the initial weights; they do not
  depend on the weight values);
- trainable parameters; GFLOPs of one sample at the config's input shape (``ucla_report.gflops``:
  convolutions and the classifier, 2 x multiply-adds);
- the exported Paddle inference model: json bytes, pdiparams bytes, operators in the PIR program
  (every op except the parameter declarations);
- Paddle Inference latency at batch 1 and 16, ``--threads`` threads, through the verified
  predictor of tools/predict.py (oneDNN where it matches the dynamic graph), all variants timed
  interleaved (round-robin; median over rounds and runs).

Two more tables: CTRGCN_tiny at every ``temporal_groups`` setting in ``GROUPS`` (initial weights,
timed in the same rounds: the speed of grouped temporal convolutions apart from training), and
what one more block adds to the exported files, a TCN_GCN_unit (CTR-GC spatial module +
multi-scale TCN) against a TCN_unit (multi-scale TCN only), both appended to CTRGCN_tiny at its
last width.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks.harness import UCLA_DATA, LoadLog, publish, run_rounds
from benchmarks.ucla_report import gflops, trainable_params, verified_predictors
from paddlevideo.utils.train_log import read_train_log

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADING = "## CTRGCN_tiny ablation"
CONFIGS = "configs/recognition/ctrgcn"
SHORT_RECIPE = ("-o epochs=6 -o DATASET.train.repeat=1 -o OPTIMIZER.learning_rate.warmup_epochs=2 "
                "-o \"OPTIMIZER.learning_rate.boundaries=[4]\" -o save_interval=2 -o val_interval=2")
GROUPS = (1, 2, 4, 0)  # temporal_groups settings timed: dense, 2 and 4 groups, depthwise
ONE_CTRGC_BLOCKS = ("[[1,1,true],[1,1,false],[1,1,false],[1,1,false],[2,2,false],[2,1,false],[2,1,false],"
                    "[4,2,false],[4,1,false],[4,1,false]]")


@dataclass
class Variant:
    """One row: ``config`` (relative to the repo) with ``overrides`` (KEY=VALUE), and either the
    training output folder ``folder`` (weights ``<model_name>_best.pdparams`` there) or committed
    ``weights`` with the ``log`` of their training."""

    name: str
    config: str
    overrides: Tuple[str, ...] = ()
    folder: Optional[str] = None
    weights: Optional[str] = None
    log: Optional[str] = None
    lever: str = ""


VARIANTS: List[Variant] = [
    Variant("ctrgcn", f"{CONFIGS}/ctrgcn_ucla_joint.yaml",
            weights="benchmarks/weights/ctrgcn_ucla_joint_short.pdparams",
            log="benchmarks/logs/ctrgcn_ucla_joint_short.log", lever="reference: 10 CTR-GC blocks, width 64"),
    Variant("ctrgcn_light", f"{CONFIGS}/ctrgcn_light_ucla_joint.yaml",
            weights="benchmarks/weights/ctrgcn_light_ucla_joint_short.pdparams",
            log="benchmarks/logs/ctrgcn_light_ucla_joint_short.log", lever="CTR-GC in blocks 1, 6, 9 only, width 60"),
    Variant("narrow32_joint", f"{CONFIGS}/ctrgcn_light_ucla_joint.yaml",
            ("MODEL.backbone.base_channel=32", "MODEL.head.in_channels=32"), folder="output/ablation/narrow32_joint",
            lever="ctrgcn_light at width 32 (joints only)"),
    Variant("ctrgcn_tiny", f"{CONFIGS}/ctrgcn_tiny_ucla_joint.yaml",
            weights="benchmarks/weights/ctrgcn_tiny_ucla_joint_short.pdparams",
            log="benchmarks/logs/ctrgcn_tiny_ucla_joint_short.log",
            lever="narrow32 + early fusion of joint, bone, motion (9 input channels)"),
    Variant("one_ctrgc", f"{CONFIGS}/ctrgcn_tiny_ucla_joint.yaml", (f"MODEL.backbone.blocks={ONE_CTRGC_BLOCKS}",),
            folder="output/ablation/one_ctrgc", lever="ctrgcn_tiny with CTR-GC in block 1 only"),
    Variant("depthwise", f"{CONFIGS}/ctrgcn_tiny_ucla_joint.yaml", ("MODEL.backbone.temporal_groups=0",),
            folder="output/ablation/depthwise", lever="ctrgcn_tiny with depthwise temporal convolutions"),
    Variant("ctrgcn_light_rerun", f"{CONFIGS}/ctrgcn_light_ucla_joint.yaml", folder="output/ablation/light_base",
            lever="ctrgcn_light trained again, same recipe and seed, fast path from the start (run-to-run spread)"),
    Variant("ctrgcn_tiny_rerun", f"{CONFIGS}/ctrgcn_tiny_ucla_joint.yaml", folder="output/ablation/tiny_base",
            lever="ctrgcn_tiny trained again, same recipe and seed, fast path from the start (run-to-run spread)"),
    Variant("distill", f"{CONFIGS}/ctrgcn_tiny_ucla_joint_distill.yaml",
            ("DISTILL.teacher_weights=benchmarks/weights/ctrgcn_ucla_joint_short.pdparams",),  # the short recipe's
            folder="output/ablation/distill", lever="ctrgcn_tiny distilled from the ctrgcn weights"),
]

# ----------------------------------------------------------------------------- accuracy


@dataclass
class Accuracy:
    """Top-1 of a variant (None: not available) and where it was read."""

    best: Optional[float] = None
    best_epoch: Optional[int] = None
    last: Optional[float] = None
    epochs_done: int = 0
    epochs: Optional[int] = None
    source: str = ""
    status: str = "not trained"  # 'finished', 'unfinished' or 'not trained'


def accuracy_from_log(path: str) -> Accuracy:
    """Best and last ``[valid]`` Top-1 of a train.log (``paddlevideo.utils.train_log`` reads it:
    a resumed run's later lines replace the earlier ones for the same epoch)."""
    if not os.path.isfile(path):
        return Accuracy(source=path)
    history = read_train_log(path)
    if not history.epoch_loss:
        return Accuracy(source=path, status="not trained")
    acc = Accuracy(epochs_done=history.epochs_done, epochs=history.epochs, source=path,
                   status="finished" if history.finished else "unfinished")
    if history.best_valid():
        acc.best_epoch, acc.best = history.best_valid()
        acc.last = history.last_valid()[1]
    return acc


def read_accuracy(variant: Variant, root: str = ROOT) -> Accuracy:
    """A variant's Top-1: its folder's test/metrics.json, else its training log (see the module doc)."""
    if variant.folder is None:
        return accuracy_from_log(os.path.join(root, variant.log)) if variant.log else Accuracy()
    folder = os.path.join(root, variant.folder)
    acc = accuracy_from_log(os.path.join(folder, "train.log"))
    metrics = os.path.join(folder, "test", "metrics.json")
    if os.path.isfile(metrics) and acc.status == "finished":
        with open(metrics) as f:
            top1 = json.load(f).get("top1")
        if not isinstance(top1, (int, float)):
            raise ValueError(f"{metrics}: expected a number under 'top1', got {top1!r}")
        acc.best, acc.source = float(top1), metrics
    return acc


def weights_of(variant: Variant, cfg, root: str = ROOT) -> Optional[str]:
    """The weights to load (None: not trained yet)."""
    path = os.path.join(root, variant.weights) if variant.weights else \
        os.path.join(root, variant.folder, f"{cfg['model_name']}_best.pdparams")
    return path if os.path.isfile(path) else None


# ----------------------------------------------------------------------------- exported-model costs


def pir_op_counts(json_file: str) -> collections.Counter:
    """Operator names (``pd_op.conv2d`` is stored as ``1.conv2d``) over every block of a PIR json
    program, nested control-flow regions included; parameter declarations count as ``p``."""
    with open(json_file) as f:
        program = json.load(f)["program"]
    counts: collections.Counter = collections.Counter()

    def walk_regions(regions: Sequence[dict]) -> None:
        for region in regions:
            for block in region.get("blocks", []):
                for op in block.get("ops", []):
                    counts[op["#"]] += 1
                    walk_regions(op.get("regions", []))

    walk_regions(program["regions"])
    return counts


def operator_count(counts: collections.Counter) -> int:
    """Operators of a program, without its parameter declarations."""
    return sum(n for name, n in counts.items() if name != "p")


@dataclass
class ExportCost:
    json_bytes: int
    params_bytes: int
    ops: collections.Counter = field(default_factory=collections.Counter)

    @property
    def operators(self) -> int:
        return operator_count(self.ops)


def export_cost(model, shape: Tuple[int, int, int, int], out_dir: str, name: str):
    """Export ``model`` for inputs (N, *shape); the exported model's paths and its ExportCost."""
    from paddlevideo.inference.export import export_paddle

    exported = export_paddle(model, shape, out_dir, name)
    cost = ExportCost(os.path.getsize(exported.model_file), os.path.getsize(exported.params_file),
                      pir_op_counts(exported.model_file))
    return exported, cost


def load_variant_config(variant: Variant, data: str, root: str = ROOT):
    from paddlevideo.config import get_config
    overrides = list(variant.overrides) + [f"DATASET.{split}.file_path={data}" for split in ("train", "valid", "test")]
    return get_config(os.path.join(root, variant.config), overrides=overrides, show=False)


# ----------------------------------------------------------------------------- per-block cost


def block_costs(out_dir: str, data: str) -> Dict[str, ExportCost]:
    """Exported costs of CTRGCN_tiny (NW-UCLA config) as is ('base') and with one more block at
    its last width appended: a TCN_unit ('+TCN_unit') or a TCN_GCN_unit ('+TCN_GCN_unit')."""
    from paddlevideo.inference.export import input_shape, load_eval_model
    from paddlevideo.modeling.backbones.ctrgcn import CTRGCN_LIGHT_BLOCKS

    base = [list(b) for b in CTRGCN_LIGHT_BLOCKS]
    lists = {"base": base, "+TCN_unit": base + [[4, 1, False]], "+TCN_GCN_unit": base + [[4, 1, True]]}
    costs = {}
    for label, blocks in lists.items():
        variant = Variant(label, f"{CONFIGS}/ctrgcn_tiny_ucla_joint.yaml",
                          (f"MODEL.backbone.blocks={json.dumps(blocks).replace(' ', '')}",))
        cfg = load_variant_config(variant, data)
        model = load_eval_model(cfg, None)
        _, costs[label] = export_cost(model, input_shape(cfg), os.path.join(out_dir, "blocks"), f"blocks_{len(costs)}")
    return costs


def block_delta_rows(costs: Dict[str, ExportCost]) -> List[Dict[str, object]]:
    """What each appended block adds over 'base': bytes, operators and the operator kinds."""
    base = costs["base"]
    rows = []
    for label in ("+TCN_unit", "+TCN_GCN_unit"):
        c = costs[label]
        kinds = c.ops.copy()
        kinds.subtract(base.ops)
        rows.append({"block": label[1:], "json_bytes": c.json_bytes - base.json_bytes,
                     "params_bytes": c.params_bytes - base.params_bytes,
                     "operators": c.operators - base.operators, "parameters": kinds["p"],
                     "kinds": {k.split(".", 1)[-1]: n for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])
                               if n and k != "p"}})
    return rows


# ----------------------------------------------------------------------------- report


def accuracy_cell(acc: Accuracy) -> Tuple[str, str]:
    """(best, last) Top-1 cells."""
    if acc.status == "not trained":
        return "not trained", ""
    if acc.status == "finished" and acc.best is None:
        return "no [valid] lines", ""
    if acc.status == "unfinished":
        so_far = f"; best so far {100 * acc.best:.2f}%" if acc.best is not None else ""
        return f"unfinished (epoch {acc.epochs_done}/{acc.epochs}{so_far})", ""
    best = f"{100 * acc.best:.2f}%" + (f" (ep {acc.best_epoch})" if acc.best_epoch else "")
    return best, (f"{100 * acc.last:.2f}%" if acc.last is not None else "")


def groups_table(groups: Dict[int, Dict[str, object]]) -> List[str]:
    """Markdown lines of the ``temporal_groups`` table (empty without measurements)."""
    if not groups:
        return []
    lines = ["", "CTRGCN_tiny with grouped temporal convolutions (`temporal_groups`; 0 = depthwise), initial weights, "
             "timed in the same rounds; time ratio = median over rounds of its time / the dense model's:", "",
             "| temporal_groups | params | GFLOPs | pdiparams bytes | b1 (ms) | b16 (ms) | time vs dense b1 / b16 |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for g, row in groups.items():
        mark = {b: "" if row["onednn"][b] else " (no oneDNN)" for b in (1, 16)}
        lines.append(f"| {g}{' (depthwise)' if g == 0 else ''} | {row['params']:,} | {row['gflops']:.3f} | "
                     f"{row['params_bytes']:,} | {row['latency'][1]:.2f}{mark[1]} | "
                     f"{row['latency'][16]:.1f}{mark[16]} | {row['vs_dense'][1]:.2f} / {row['vs_dense'][16]:.2f} |")
    return lines


def format_section(rows: List[Dict[str, object]], blocks: List[Dict[str, object]], args,
                   groups: Optional[Dict[int, Dict[str, object]]] = None) -> str:
    lines = [HEADING, "",
             "One lever at a time on NW-UCLA (views 1-2 train, view 3 validates: 464 samples), all with the "
             "`short` recipe of benchmarks/ucla_train.sh (6 epochs, seed 1), so the Top-1 values compare the "
             "variants with each other, not with published figures. Top-1 is read from the run's `[valid]` lines "
             "(same split as `main.py --test`): the best epoch (the weights measured here) and the last one. "
             "Costs: trainable parameters; GFLOPs of one sample (convolutions and classifier, 2 x multiply-adds); "
             "the exported Paddle inference model (PIR json + pdiparams bytes, operators in the json without "
             "parameter declarations); Paddle Inference latency at "
             f"{args.threads} threads, median of {args.rounds} interleaved rounds x {args.reps} runs, oneDNN "
             "unless marked (verified against the dynamic graph first); speed-up: median over rounds of ctrgcn's "
             "time / the variant's in the same round. "
             f"Load average {args.load_start:.1f} at the start, {args.load_end:.1f} at the end (2 shared cores, "
             "training runs beside): compare latencies by ratio to ctrgcn.", "",
             "| variant | lever | Top-1 best | Top-1 last | params | GFLOPs | json bytes | pdiparams bytes | "
             "operators | b1 (ms) | b16 (ms) | speed-up vs ctrgcn b1 / b16 |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        best, last = accuracy_cell(r["accuracy"])
        mark = {b: "" if r["onednn"][b] else " (no oneDNN)" for b in (1, 16)}
        speedup = " / ".join(f"{r['speedup'][b]:.2f}x" for b in (1, 16)) if r.get("speedup") else ""
        lines.append(f"| {r['name']} | {r['lever']} | {best} | {last} | {r['params']:,} | {r['gflops']:.3f} | "
                     f"{r['json_bytes']:,} | {r['params_bytes']:,} | {r['operators']:,} | "
                     f"{r['latency'][1]:.2f}{mark[1]} | {r['latency'][16]:.1f}{mark[16]} | {speedup} |")
    lines += ["", "Where each Top-1 comes from: " + "; ".join(
        f"{r['name']}: `{os.path.relpath(r['accuracy'].source, ROOT)}`" if r["accuracy"].source else
        f"{r['name']}: no training log" for r in rows)
              + "."] + groups_table(groups)
    lines += ["", "What one more block adds to the exported CTRGCN_tiny (appended at width 128, stride 1):", "",
              "| block | json bytes | pdiparams bytes | operators | parameter tensors | operator kinds added |",
              "|---|---:|---:|---:|---:|---|"]
    for b in blocks:
        kinds = ", ".join(f"{k} {n}" for k, n in b["kinds"].items())
        lines.append(f"| {b['block']} | {b['json_bytes']:,} | {b['params_bytes']:,} | {b['operators']} | "
                     f"{b['parameters']} | {kinds} |")
    lines += ["", "Commands:", "", "```",
              "# each trained variant (folder output/ablation/NAME), e.g. depthwise:",
              "python main.py --validate -c configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint.yaml --seed 1 "
              f"{SHORT_RECIPE} " + " ".join(f"-o DATASET.{s}.file_path=../shared/data/NW-UCLA/all_sqe"
                                             for s in ("train", "valid", "test")) + " "
              "-o MODEL.backbone.temporal_groups=0 -o output_dir=output/ablation/depthwise  # reads ../shared",
              f"python -m benchmarks.tiny_ablation --rounds {args.rounds} --reps {args.reps} --threads {args.threads}",
              "```", ""]
    return "\n".join(lines)


def measure(variants: Sequence[Variant], args) -> List[Dict[str, object]]:
    """Accuracy and costs of every variant, latencies timed interleaved."""
    from paddlevideo.inference.export import input_shape, load_eval_model

    rows, runners, onednn = [], {}, {}
    args.groups = {}

    def add_runners(name: str, exported, shape) -> None:
        """Verified predictors (oneDNN where it matches the dynamic graph) at batch 1 and 16."""
        for batch, (pred, x, on) in verified_predictors(exported.model_file, exported.params_file, shape,
                                                         args.threads).items():
            runners[(name, batch)], onednn[(name, batch)] = (pred.run, x), on
    tmp = tempfile.mkdtemp(prefix="tiny_ablation_")
    try:
        # exports first: a to_static conversion after predictors have been timed failed once
        # ("forward doesn't exist in the Module transformed from AST")
        args.blocks = block_delta_rows(block_costs(tmp, args.data))
        for v in variants:
            cfg = load_variant_config(v, args.data)
            weights = weights_of(v, cfg)
            model = load_eval_model(cfg, weights)
            shape = input_shape(cfg)
            exported, cost = export_cost(model, shape, os.path.join(tmp, v.name), v.name)
            acc = read_accuracy(v)
            rows.append({"name": v.name, "lever": v.lever, "accuracy": acc, "params": trainable_params(model),
                         "gflops": gflops(model, shape), "json_bytes": cost.json_bytes,
                         "params_bytes": cost.params_bytes, "operators": cost.operators, "weights": weights})
            add_runners(v.name, exported, shape)
            print(f"{v.name}: built and exported ({cost.json_bytes + cost.params_bytes:,} bytes), "
                  f"accuracy {acc.status}", flush=True)
        for g in GROUPS:
            v = Variant(f"groups{g}", f"{CONFIGS}/ctrgcn_tiny_ucla_joint.yaml",
                        (f"MODEL.backbone.temporal_groups={g}",))
            cfg = load_variant_config(v, args.data)
            model, shape = load_eval_model(cfg, None), input_shape(cfg)
            exported, cost = export_cost(model, shape, os.path.join(tmp, v.name), v.name)
            args.groups[g] = {"params": trainable_params(model), "gflops": gflops(model, shape),
                              "params_bytes": cost.params_bytes}
            add_runners(v.name, exported, shape)
        load = LoadLog()
        times = run_rounds({k: partial(run, x) for k, (run, x) in runners.items()}, args.rounds, args.reps, warmup=1)
        args.load_start, args.load_end = load.start_value, load.end().end_value
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for g, row in args.groups.items():
        key, dense = f"groups{g}", f"groups{GROUPS[0]}"
        row["latency"] = {b: 1e3 * times.median((key, b)) for b in (1, 16)}
        row["onednn"] = {b: onednn[(key, b)] for b in (1, 16)}
        row["vs_dense"] = {b: times.ratio((key, b), (dense, b)) for b in (1, 16)}
    for r in rows:
        r["latency"] = {b: 1e3 * times.median((r["name"], b)) for b in (1, 16)}
        r["onednn"] = {b: onednn[(r["name"], b)] for b in (1, 16)}
        if ("ctrgcn", 1) in runners:  # per-round ratios: a load change within the run hits both alike
            r["speedup"] = {b: times.ratio(("ctrgcn", b), (r["name"], b)) for b in (1, 16)}
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=UCLA_DATA, help="NW-UCLA all_sqe folder (for the configs' datasets)")
    ap.add_argument("--rounds", type=int, default=10, help="interleaved timing rounds")
    ap.add_argument("--reps", type=int, default=3, help="timed runs per variant, batch size and round")
    ap.add_argument("--threads", type=int, default=2, help="Paddle Inference threads (default 2)")
    ap.add_argument("--only", nargs="+", default=None, help="measure these variants only")
    ap.add_argument("--no-write", action="store_true", help="print the section instead of writing RESULTS.md")
    args = ap.parse_args(argv)
    variants = [v for v in VARIANTS if args.only is None or v.name in args.only]
    unknown = set(args.only or ()) - {v.name for v in VARIANTS}
    if unknown:
        sys.exit(f"unknown variant(s) {sorted(unknown)}; known: {[v.name for v in VARIANTS]}")
    rows = measure(variants, args)
    body = format_section(rows, args.blocks, args, args.groups)
    publish(body, HEADING, not args.no_write)


if __name__ == "__main__":
    main()
