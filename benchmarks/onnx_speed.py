"""ONNX Runtime latency of our models (fp32 and dynamic int8), side by side with the official
PyTorch CTR-GCN exported to ONNX, and int8 agreement with fp32 on NW-UCLA; writes the
"ONNX Runtime speed" section of benchmarks/RESULTS.md.

    python -m benchmarks.onnx_speed [--torch-ctrgcn official_ctrgcn.onnx] [--write-results]

1. Our CTRGCN, CTRGCN_light and CTRGCN_tiny (NTU-60 configs, input (N, C, 64, 25, 2), seeded
   initial weights: latency does not depend on the weight values) are exported as
   tools/export_model.py --onnx --quantize int8 does, then run through the predictor that
   tools/predict.py --backend onnxruntime uses, at batch 1 and 16 with --threads threads, with
   and without ONNX Runtime's thread spinning (CTRGCN_light also quantized with int8 instead
   of uint8 weights, "int8 (s8 weights)", not shipped, no spinning only); at batch 1 also the CPU
   time of one run with one thread (the work done, less sensitive to other jobs than wall time).
   In the same rounds: each model's .json program through Paddle Inference with oneDNN (predict.py's default backend),
   and CTRGCN's .json program converted to ONNX as is ("per-subset graph", the export before
   the subsets were fused). All models and settings
   are timed interleaved (round-robin, --rounds rounds), so a changing machine load hits them
   alike; ratios to the official model are the median of per-round ratios.
2. With --sweep, CTRGCN (and the official model) at batch 1 under other session options:
   graph optimisation level BASIC / EXTENDED / ALL, ALL without the NCHWc layout, the parallel
   executor.
3. NW-UCLA validation (view 3, 464 samples), CTRGCN_light with configs/recognition/ctrgcn/
   ctrgcn_light_ucla_joint.yaml and --ucla-weights (default benchmarks/weights/
   ctrgcn_light_ucla_joint.pdparams; seeded initial weights if absent, and the report says so):
   file sizes, max |logit difference| int8 vs fp32, top-1 agreement and accuracy, at batch 1.

The official model: build the CTR-GCN repository's model.ctrgcn.Model (NTU-60, 25 joints,
2 persons, spatial graph) in eval mode and export it with torch.onnx.export, input (N, 3, 64,
25, 2) with a dynamic batch axis, opset 13.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from functools import partial
from typing import Dict, Optional, Tuple

import numpy as np

from benchmarks.harness import UCLA_DATA, LoadLog, machine, publish, ratio, run_rounds, summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADING = "## ONNX Runtime speed"
CONFIGS = os.path.join(ROOT, "configs", "recognition", "ctrgcn")
MODELS = (("CTRGCN", "ctrgcn_ntucs_joint.yaml"), ("CTRGCN_light", "ctrgcn_light_ntucs_joint.yaml"),
          ("CTRGCN_tiny", "ctrgcn_tiny_ntucs_joint.yaml"))
OFFICIAL = "official CTR-GCN"
S8 = "int8 (s8 weights)"
PER_SUBSET = "CTRGCN, per-subset graph"
PADDLE = "fp32, Paddle Inference oneDNN"
UCLA_CONFIG = os.path.join(CONFIGS, "ctrgcn_light_ucla_joint.yaml")
UCLA_WEIGHTS = next((w for w in (os.path.join(ROOT, "benchmarks", "weights", f"ctrgcn_light_ucla_joint{s}.pdparams")
             for s in ("", "_short")) if os.path.isfile(w)),  # the full recipe's, else the short one's
            os.path.join(ROOT, "benchmarks", "weights", "ctrgcn_light_ucla_joint.pdparams"))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--torch-ctrgcn", default=None, help="the official CTR-GCN exported to ONNX (see above)")
    p.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    p.add_argument("--reps", type=int, default=8, help="timed runs per round at batch 1 (batch 16: 1)")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 16], help="batch sizes (default 1 16)")
    p.add_argument("--sweep", action="store_true", help="also time other session options (batch 1)")
    p.add_argument("--ucla-weights", default=None, help="CTRGCN_light NW-UCLA weights for the int8 agreement")
    p.add_argument("--data", default=UCLA_DATA, help="NW-UCLA all_sqe folder (default ../shared)")
    p.add_argument("--work-dir", default=None, help="where to export (default: a temporary folder)")
    p.add_argument("--write-results", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- export


def export_model(config: str, weights: Optional[str], out_dir: str, quantize: bool = True):
    """Export ``config`` (weights, or seeded initial weights) as export_model.py --onnx [--quantize int8];
    returns the config, the eval-mode model and the exported files."""
    import paddle
    from paddlevideo.inference.export import export_onnx, export_paddle, input_shape, load_eval_model, quantize_onnx
    from paddlevideo.config import get_config

    cfg = get_config(config, show=False)
    paddle.seed(0)
    model = load_eval_model(cfg, weights)
    exported = export_paddle(model, input_shape(cfg), out_dir, cfg["model_name"])
    exported.onnx_file = export_onnx(model, input_shape(cfg), os.path.join(out_dir, cfg["model_name"] + ".onnx"))
    if quantize:
        exported.int8_file = quantize_onnx(exported.onnx_file)
    return cfg, model, exported


def quantize_s8_weights(onnx_file: str, out: str) -> str:
    """``onnx_file`` quantized as ``quantize_onnx`` does but with int8 (signed) weights."""
    import logging
    from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
    logging.disable(logging.INFO)
    quant_pre_process(onnx_file, out, skip_symbolic_shape=True)
    quantize_dynamic(out, out, per_channel=False, weight_type=QuantType.QInt8)
    logging.disable(logging.NOTSET)
    return out


def op_counts(path: str) -> collections.Counter:
    import onnx
    return collections.Counter(n.op_type for n in onnx.load(path).graph.node)


def runtime_graph_counts(path: str, out: str) -> collections.Counter:
    """Operators of the graph ONNX Runtime runs (level ALL, as the predictor loads it)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.optimized_model_filepath = out
    options.log_severity_level = 3
    ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return op_counts(out)


def paddle2onnx_counts(model_file: str, params_file: str, out: str) -> collections.Counter:
    """Operators of paddle2onnx's own output for a Paddle program, before the export's cleaning step."""
    import paddle2onnx
    from paddlevideo.inference.export import ONNX_OPSET
    paddle2onnx.export(model_file, params_file, save_file=out, opset_version=ONNX_OPSET,
                       enable_onnx_checker=True, optimize_tool="None")
    return op_counts(out)


def raw_paddle2onnx_counts(model, shape: Tuple[int, ...], out_dir: str) -> collections.Counter:
    """``paddle2onnx_counts`` of the program ``export_onnx`` converts (subsets fused)."""
    from paddlevideo.inference.export import export_paddle
    program = export_paddle(model, shape, out_dir, "fused", fuse_subsets=True)
    return paddle2onnx_counts(program.model_file, program.params_file, os.path.join(out_dir, "raw.onnx"))


# ----------------------------------------------------------------------------- timing


def session_runner(path: str, level: str = "ALL", threads: int = 2, spin: bool = False, parallel: bool = False,
                   disabled: Tuple[str, ...] = ()):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, f"ORT_ENABLE_{level}")
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads if parallel else 1
    options.execution_mode = ort.ExecutionMode.ORT_PARALLEL if parallel else ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "1" if spin else "0")
    kwargs = {"disabled_optimizers": list(disabled)} if disabled else {}
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"], **kwargs)
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})[0]


def session_creation_ms(models: Dict[str, dict], threads: int, repeats: int = 5) -> Dict[str, float]:
    """Per model, the median process CPU time (ms) of opening its fp32 ONNX file with the predictor
    (graph optimisation included), models interleaved ``repeats`` times."""
    from paddlevideo.inference import PredictorOptions, create_predictor
    options = PredictorOptions(backend="onnxruntime", cpu_threads=threads)
    rounds = run_rounds({name: partial(create_predictor, m["fp32"], None, options) for name, m in models.items()},
                        repeats)
    return {name: 1e3 * rounds.median(name, "cpu") for name in models}


def timed_ms(runners: Dict[tuple, Tuple[object, np.ndarray]], rounds: int, reps: int, clock: str = "wall"):
    """Per runner (a predictor's run and its input), per round, the ms of ``reps`` runs; one untimed run first."""
    return run_rounds({k: partial(run, x) for k, (run, x) in runners.items()}, rounds, reps, warmup=1).ms(clock)


# ----------------------------------------------------------------------------- NW-UCLA int8 agreement


def ucla_agreement(args, work: str) -> Optional[dict]:
    from paddlevideo.inference import PredictorOptions, create_predictor
    from paddlevideo.loader.builder import build_pipeline
    from paddlevideo.loader.dataset.ucla import UCLADataset

    if not os.path.isdir(args.data):
        print(f"NW-UCLA data not found at {args.data}: int8 agreement on real data skipped", file=sys.stderr)
        return None
    weights = args.ucla_weights or (UCLA_WEIGHTS if os.path.isfile(UCLA_WEIGHTS) else None)
    cfg, _, exported = export_model(UCLA_CONFIG, weights, os.path.join(work, "ucla"))
    dataset = UCLADataset(args.data, build_pipeline(cfg["PIPELINE"]["test"]), split="val", test_mode=True)
    x = np.stack([dataset[i][0] for i in range(len(dataset))]).astype(np.float32)
    labels = np.array([int(dataset[i][1]) for i in range(len(dataset))])
    options = PredictorOptions(backend="onnxruntime", cpu_threads=args.threads)
    logits = {}
    for name, path in (("fp32", exported.onnx_file), ("int8", exported.int8_file)):
        predictor = create_predictor(path, None, options)
        logits[name] = np.concatenate([predictor.run(x[i:i + 1]) for i in range(len(x))])
    fp32, int8 = logits["fp32"], logits["int8"]
    return {"weights": weights, "samples": len(x), "fp32_bytes": os.path.getsize(exported.onnx_file),
            "int8_bytes": os.path.getsize(exported.int8_file), "max_diff": float(np.abs(int8 - fp32).max()),
            "mean_diff": float(np.abs(int8 - fp32).mean()), "max_logit": float(np.abs(fp32).max()),
            "agree": int((int8.argmax(1) == fp32.argmax(1)).sum()),
            "acc_fp32": float((fp32.argmax(1) == labels).mean()), "acc_int8": float((int8.argmax(1) == labels).mean())}


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    import onnxruntime as ort
    from paddlevideo.inference import PredictorOptions, create_predictor
    from paddlevideo.inference.export import convert_to_onnx

    if args.torch_ctrgcn and not os.path.isfile(args.torch_ctrgcn):
        print(f"error: --torch-ctrgcn {args.torch_ctrgcn}: no such file", file=sys.stderr)
        return 2
    work = args.work_dir or tempfile.mkdtemp(prefix="onnx_speed_")
    load = LoadLog()
    models: Dict[str, dict] = {}
    for name, config in MODELS:
        cfg, model, exported = export_model(os.path.join(CONFIGS, config), None, os.path.join(work, name))
        shape = tuple(cfg["INFERENCE"][k] for k in ("num_channels", "window_size", "vertex_nums", "person_nums"))
        s8 = quantize_s8_weights(exported.onnx_file, os.path.join(work, name, "s8.onnx")) \
            if name == "CTRGCN_light" else None
        models[name] = {"shape": shape, "fp32": exported.onnx_file, "int8": exported.int8_file, S8: s8,
                        PADDLE: exported.model_file,
                        "raw": raw_paddle2onnx_counts(model, shape, os.path.join(work, name, "raw")),
                        "shipped": op_counts(exported.onnx_file),
                        "runtime": runtime_graph_counts(exported.onnx_file, os.path.join(work, name, "all.onnx"))}
        if name == "CTRGCN":  # the Paddle Inference program converted as is: the previous ONNX export
            per_subset = convert_to_onnx(exported.model_file, exported.params_file,
                                         os.path.join(work, name, "per_subset.onnx"))
            models[PER_SUBSET] = {"shape": shape, "fp32": per_subset, "int8": None,
                                  "raw": paddle2onnx_counts(exported.model_file, exported.params_file,
                                                            os.path.join(work, name, "per_subset_raw.onnx")),
                                  "shipped": op_counts(per_subset),
                                  "runtime": runtime_graph_counts(per_subset, os.path.join(work, name, "ps_all.onnx"))}
    if args.torch_ctrgcn:
        models[OFFICIAL] = {"shape": (3, 64, 25, 2), "fp32": args.torch_ctrgcn, "int8": None,
                            "raw": op_counts(args.torch_ctrgcn), "shipped": op_counts(args.torch_ctrgcn),
                            "runtime": runtime_graph_counts(args.torch_ctrgcn, os.path.join(work, "official_all.onnx"))}

    for name, ms in session_creation_ms(models, args.threads).items():
        models[name]["open_ms"] = ms
    latency = {}
    for batch in args.batches:
        runners = {}
        for spin in (False, True):
            options = PredictorOptions(backend="onnxruntime", cpu_threads=args.threads, ort_spin_wait=spin)
            for name, m in models.items():
                x = np.random.RandomState(0).standard_normal((batch, *m["shape"])).astype(np.float32)
                for precision in ("fp32", "int8", S8):
                    if m.get(precision) and not (precision == S8 and spin):
                        runners[(name, precision, spin)] = (create_predictor(m[precision], None, options).run, x)
                if m.get(PADDLE) and not spin:
                    paddle_options = PredictorOptions(cpu_threads=args.threads)  # predict.py's default backend
                    runners[(name, PADDLE, spin)] = (create_predictor(m[PADDLE], None, paddle_options).run, x)
        reps = args.reps if batch == 1 else 1
        print(f"timing batch {batch}: {len(runners)} runners x {args.rounds} rounds x {reps} runs", flush=True)
        latency[batch] = timed_ms(runners, args.rounds, reps)
        if batch == 1:
            options = PredictorOptions(backend="onnxruntime", cpu_threads=1)
            runners = {(name, precision, "cpu"): (create_predictor(m[precision], None, options).run, x)
                       for name, m in models.items() for precision in ("fp32", "int8") if m[precision]
                       for x in [np.random.RandomState(0).standard_normal((1, *m["shape"])).astype(np.float32)]}
            print(f"CPU time, 1 thread: {len(runners)} runners", flush=True)
            latency[batch].update(timed_ms(runners, args.rounds, args.reps, clock="cpu"))

    sweep = None
    if args.sweep:
        variants = {"ALL (shipped)": {}, "EXTENDED": {"level": "EXTENDED"}, "BASIC": {"level": "BASIC"},
                    "ALL without NCHWc": {"disabled": ("NchwcTransformer",)},
                    "ALL, parallel executor": {"parallel": True}, "ALL, 1 thread": {"threads": 1}}
        runners = {}
        for name in ("CTRGCN", OFFICIAL):
            if name not in models:
                continue
            x = np.random.RandomState(0).standard_normal((1, *models[name]["shape"])).astype(np.float32)
            for label, kw in variants.items():
                kw = {"threads": args.threads, **kw}
                runners[(name, label)] = (session_runner(models[name]["fp32"], **kw), x)
        print(f"sweep: {len(runners)} runners", flush=True)
        sweep = timed_ms(runners, args.rounds, args.reps)

    ucla = ucla_agreement(args, work)
    load.end()
    text = report(args, models, latency, sweep, ucla, (load.start_value, load.end_value), ort.__version__)
    publish(text, HEADING, args.write_results)
    return 0


def command_line(args) -> str:
    parts = ["python -m benchmarks.onnx_speed"]
    if args.torch_ctrgcn:
        parts.append("--torch-ctrgcn official_ctrgcn.onnx")
    if args.sweep:
        parts.append("--sweep")
    if args.ucla_weights:
        parts.append(f"--ucla-weights {args.ucla_weights}")
    parts.append(f"--threads {args.threads} --rounds {args.rounds} --reps {args.reps} "
                 f"--batches {' '.join(map(str, args.batches))} --write-results")
    return " ".join(parts)


def weights_text(path: str) -> str:
    path = os.path.abspath(path)
    if path.startswith(ROOT + os.sep):
        return f"`{os.path.relpath(path, ROOT)}`."
    return f"`{path}` (a training run's checkpoint, not in the repository)."


def report(args, models, latency, sweep, ucla, load, ort_version) -> str:
    official = OFFICIAL in models
    lines = [HEADING, "",
             f"ONNX Runtime {ort_version}, CPU, {args.threads} intra-op threads, through the predictor of "
             "`tools/predict.py --backend onnxruntime` (session level ALL, sequential executor). "
             f"{machine().cpu}, {os.cpu_count()} cores shared with other jobs (1-minute load average "
             f"{load[0]:.1f} at the start, {load[1]:.1f} at the end): absolute times are inflated and noisy, "
             "ratios measured in the same rounds are the comparable numbers. Models and settings timed "
             f"interleaved, {args.rounds} rounds ({args.reps} runs per round at batch 1, 1 at batch 16); median "
             "(min) ms. Our models: NTU-60 configs, input (N, C, 64, 25, 2), seeded initial weights."]
    lines.append(f"Rows \"{PADDLE}\": the exported .json program through `tools/predict.py`'s default backend "
                 f"(Paddle Inference, oneDNN on, same threads). Row \"{PER_SUBSET}\": that .json program converted "
                 "to ONNX as is (one CTR-GC per adjacency subset, the ONNX export without fused subsets).")
    if official:
        lines.append("Official: the CTR-GCN repository's model (PyTorch, NTU-60) exported with torch.onnx.export "
                     "(opset 13, dynamic batch); ratio = ours / official, median of per-round ratios.")
    for batch, times in latency.items():
        cpu = batch == 1
        lines += ["", f"Batch {batch}, wall time, {args.threads} threads" + (
                  "; and CPU time of one run with 1 thread" if cpu else "") + ":", "",
                  "| model | precision | no spinning (shipped default) | ratio | with spinning (ORT default) | ratio |"
                  + (" CPU time, 1 thread | ratio |" if cpu else ""),
                  "|---|---|---:|---:|---:|---:|" + ("---:|---:|" if cpu else "")]
        for name, m in models.items():
            for precision in ("fp32", "int8", S8, PADDLE):
                if not m.get(precision):
                    continue
                cells = []
                for spin in (False, True) + (("cpu",) if cpu else ()):
                    if (name, precision, spin) not in times:
                        cells += ["-", "-"]
                        continue
                    med, low = summary(times[(name, precision, spin)])
                    rel = f"{ratio(times[(name, precision, spin)], times[(OFFICIAL, 'fp32', spin)]):.2f}" \
                        if official else "-"
                    cells += [f"{med:.1f} ({low:.1f})", rel]
                lines.append(f"| {name} | {precision} | " + " | ".join(cells) + " |")
        spin_cost = [ratio(times[(n, "fp32", True)], times[(n, "fp32", False)]) for n in models]
        lines.append("")
        lines.append(f"Spinning / no spinning, fp32, batch {batch}: " +
                     ", ".join(f"{n} {r:.2f}x" for n, r in zip(models, spin_cost)) + ".")
    if sweep:
        lines += ["", "Session options, batch 1, fp32, no spinning (median (min) ms; ratio to ALL (shipped), "
                  "median of per-round ratios). Under this machine's load, differences below about 25% changed "
                  "sign between runs of this script; BASIC and the parallel executor were slower in every run:", "",
                  "| session | " + " | ".join(n for n in ("CTRGCN", OFFICIAL) if n in models) + " |",
                  "|---|" + "---:|" * sum(n in models for n in ("CTRGCN", OFFICIAL))]
        labels = list(dict.fromkeys(label for _, label in sweep))
        for label in labels:
            cells = []
            for name in ("CTRGCN", OFFICIAL):
                if name in models:
                    med, low = summary(sweep[(name, label)])
                    shipped = ratio(sweep[(name, label)], sweep[(name, 'ALL (shipped)')])
                    cells.append(f"{med:.1f} ({low:.1f}) x{shipped:.2f}")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "Graphs (operator counts; `Conv` includes fused convolutions, the runtime graph is what ONNX "
              "Runtime runs after its level-ALL optimisations; last column: median process CPU time of opening "
              "the fp32 model with the predictor, 5 times, models interleaved):", "",
              "| model | paddle2onnx output | shipped .onnx | runtime graph | runtime: Conv | MatMul / Einsum | "
              "layout reorders | Reshape+Shape+Slice+Concat+Squeeze+Unsqueeze | opening the session, CPU ms |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, m in models.items():
        rt = m["runtime"]
        lines.append(f"| {name} | {sum(m['raw'].values())} | {sum(m['shipped'].values())} | {sum(rt.values())} | "
                     f"{rt['Conv'] + rt['FusedConv']} | {rt['MatMul'] + rt['FusedMatMul'] + rt['Einsum']} | "
                     f"{rt['ReorderInput'] + rt['ReorderOutput']} | "
                     f"{sum(rt[k] for k in ('Reshape', 'Shape', 'Slice', 'Concat', 'Squeeze', 'Unsqueeze'))} | "
                     f"{m['open_ms']:.0f} |")
    sizes = [f"{n} {os.path.getsize(m['fp32']) / 2 ** 20:.2f} MB fp32, "
             f"{os.path.getsize(m['int8']) / 2 ** 20:.2f} MB int8" for n, m in models.items() if m["int8"]]
    if sizes:
        lines += ["", "ONNX file sizes: " + "; ".join(sizes) + "."]
    if ucla is None:
        lines += ["", f"Dynamic int8 vs fp32 on NW-UCLA: not measured (no data at {args.data}; give --data)."]
    else:
        trained = ucla["weights"] is not None
        lines += ["", "### Dynamic int8 vs fp32 on NW-UCLA", "",
                  f"CTRGCN_light, `configs/recognition/ctrgcn/ctrgcn_light_ucla_joint.yaml`, view-3 validation "
                  f"({ucla['samples']} samples, batch 1), weights: "
                  + (weights_text(ucla["weights"]) if trained else
                     "**untrained** (seeded initial weights: agreement on an untrained model says "
                     "little about a trained one)."), "",
                  "| file | bytes | max abs logit diff vs fp32 (max abs fp32 logit) | mean abs diff | "
                  "top-1 agreement with fp32 | top-1 accuracy |", "|---|---:|---:|---:|---:|---:|",
                  f"| fp32 .onnx | {ucla['fp32_bytes']:,} | - | - | - | {100 * ucla['acc_fp32']:.2f}% |",
                  f"| int8 .int8.onnx | {ucla['int8_bytes']:,} | {ucla['max_diff']:.3g} ({ucla['max_logit']:.3g}) | "
                  f"{ucla['mean_diff']:.3g} | {ucla['agree']}/{ucla['samples']} "
                  f"({100 * ucla['agree'] / ucla['samples']:.1f}%) | {100 * ucla['acc_int8']:.2f}% |",
                  "", "int8: ONNX Runtime `quantize_dynamic`, uint8 weights per tensor (Conv and the head), "
                  "activations "
                  "quantized at run time per tensor over the batch (so a sample's int8 logits depend slightly on "
                  "its batch-mates); the aggregation MatMuls stay fp32. `tools/predict.py` verifies an int8 model "
                  "with the stated tolerance max(1e-4, 0.1 x max |reference logit|) and says so."]
    lines += ["", "Command:", "", "```", command_line(args), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
