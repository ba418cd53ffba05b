"""Smaller deployables of CTRGCN_tiny on CPU Paddle 3.3.1: fp16 weights and int8; writes the
"## Smaller deployables" section of benchmarks/RESULTS.md.

    python -m benchmarks.small_deployables [--weights benchmarks/weights/ctrgcn_tiny_ucla_joint.pdparams]
                                           [--rounds 5] [--reps 5] [--threads 2] [--no-write]

Each route is tried on the NW-UCLA model (configs/recognition/ctrgcn/ctrgcn_tiny_ucla_joint.yaml
and its committed weights). A route that fails is reported with its exception, as raised.
A route that runs is compared with the fp32 Paddle inference model on the 464 view-3 validation
samples (max |logit difference|, top-1 agreement, Top-1) and, when it is a model file, timed at
batch 1 with ``--threads`` threads, interleaved with the fp32 model (median over rounds x runs).

1. fp16 inference model: ``paddle.inference.convert_to_mixed_precision`` with the CPU backend.
2. fp16 weight storage: the state dict saved in float16 (half the bytes); loading casts it back
   to float32, so the deployed model computes in fp32 with fp16-rounded weights (exported and run
   through Paddle Inference like the fp32 one).
3. int8 post-training quantization of the exported inference model with Paddle's static tools
   (``paddle.static.quantization.PostTrainingQuantization``, and weight-only
   ``WeightQuantization.quantize_weight_to_int``), calibrated on 128 training samples; and the
   legacy (non-PIR) export those tools read, tried in a child process with
   ``FLAGS_enable_pir_api=0``.
4. int8 post-training quantization in the dynamic graph (``paddle.quantization.PTQ``, 8-bit
   abs-max observers on the weights and inputs of every convolution and linear layer except
   CTR-GC's conv4, which the model calls through ``Conv2D.conv``), same calibration: the
   simulated (fake-quantized) model's agreement, then its export to an inference model.
5. ONNX Runtime dynamic int8 (``tools/export_model.py --onnx --quantize int8``), for comparison:
   the int8 route that runs on this CPU, though not through Paddle Inference.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Dict, List, Mapping, Optional

import numpy as np

from benchmarks.harness import UCLA_DATA, LoadLog, machine, publish, run_rounds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADING = "## Smaller deployables"
CONFIG = os.path.join(ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_tiny_ucla_joint.yaml")
WEIGHTS = next((w for w in (os.path.join(ROOT, "benchmarks", "weights", f"ctrgcn_tiny_ucla_joint{s}.pdparams")
             for s in ("", "_short")) if os.path.isfile(w)),  # the full recipe's, else the short one's
            os.path.join(ROOT, "benchmarks", "weights", "ctrgcn_tiny_ucla_joint.pdparams"))
CALIBRATION_SAMPLES = 128
# routes to a fp16 / int8 Paddle inference model (the summary paragraph is written when all of them fail)
PADDLE_LOW_PRECISION = ("fp16 inference model", "int8 PTQ of the inference model", "export of that int8 model")


@dataclass
class Route:
    """One way to a smaller model: whether it ran, its files and its agreement with fp32."""

    name: str
    error: Optional[str] = None  # the exception that stopped it
    files: Dict[str, int] = field(default_factory=dict)  # file description -> bytes
    agreement: Optional[Dict[str, float]] = None
    latency_key: Optional[str] = None  # its runner in the timing rounds
    note: str = ""


def describe_error(exc: BaseException) -> str:
    """``Type: message`` on one line (message shortened), with the raising line when the message is empty.
    Of a to_static error (the traced model's source, then the error) only the final error is kept."""
    text = str(exc)
    if "In transformed code" in text:
        errors = [i for i, line in enumerate(text.splitlines()) if re.match(r"\s*\w+Error: ", line)]
        if errors:
            text = "\n".join(text.splitlines()[errors[-1]:]).strip()
            return " ".join(text.split())[:400] + " (raised while converting the model to a static graph)"
    message = " ".join(text.split())
    if len(message) > 400:
        message = message[:400] + " ..."
    if not message:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = os.path.join(*frame.filename.split(os.sep)[-3:])
        message = f"at {where}:{frame.lineno} `{(frame.line or '').strip()}`"
    return f"{type(exc).__name__}: {message}"


def attempt(route: Route, step: Callable[[], object]):
    """Run ``step``; on an exception record it in ``route.error`` and return None."""
    try:
        return step()
    except Exception as exc:  # the report states what failed, whatever it was
        route.error = describe_error(exc)
        return None


def fp16_rounded(state: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """float32 arrays rounded to the nearest float16 value and back (what fp16 storage keeps);
    other arrays unchanged."""
    return {k: v.astype(np.float16).astype(np.float32) if v.dtype == np.float32 else v for k, v in state.items()}


def compare(logits: np.ndarray, reference: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """Max |logit difference| from ``reference`` (N, K), top-1 agreement with it, and Top-1 accuracy."""
    if logits.shape != reference.shape or len(labels) != len(logits):
        raise ValueError(f"logits {logits.shape}, reference {reference.shape} and {len(labels)} labels do not match")
    return {"max_diff": float(np.abs(logits.astype(np.float64) - reference).max()),
            "agree": float((logits.argmax(1) == reference.argmax(1)).mean()),
            "top1": float((logits.argmax(1) == labels).mean())}


def run_batches(run: Callable[[np.ndarray], np.ndarray], x: np.ndarray, batch: int = 16) -> np.ndarray:
    return np.concatenate([np.asarray(run(x[i:i + batch])) for i in range(0, len(x), batch)])


def split_arrays(cfg, split: str, count: Optional[int] = None, seed: int = 0):
    """Inputs (N, C, T, V, M) and labels of an NW-UCLA split through the test pipeline (no augmentation);
    ``count`` samples drawn without replacement when given."""
    from paddlevideo.loader.builder import build_dataset

    ds_cfg = dict(cfg["DATASET"]["test"], split=split)
    dataset = build_dataset(ds_cfg, cfg["PIPELINE"]["test"])
    rows = range(len(dataset)) if count is None else np.random.RandomState(seed).choice(len(dataset), count, False)
    samples = [dataset[i] for i in rows]
    return np.stack([s[0] for s in samples]).astype(np.float32), np.array([int(s[1]) for s in samples])


LEGACY_EXPORT = """
import sys
import paddle
from paddle.static import InputSpec
from paddlevideo.inference.export import INPUT_NAME, InferenceNet, input_shape, load_eval_model
from paddlevideo.config import get_config
cfg = get_config({config!r}, show=False)
net = InferenceNet(load_eval_model(cfg, {weights!r}))
spec = InputSpec([None, *input_shape(cfg)], "float32", name=INPUT_NAME)
paddle.jit.save(paddle.jit.to_static(net, input_spec=[spec], full_graph=True), {out!r})
"""


def legacy_export(weights: str, out_dir: str) -> None:
    """Export the model as a legacy ProgramDesc (.pdmodel) in a child process with PIR off;
    RuntimeError with the child's last error line when it fails."""
    import subprocess

    os.makedirs(out_dir, exist_ok=True)
    code = LEGACY_EXPORT.format(config=CONFIG, weights=weights, out=os.path.join(out_dir, "tiny"))
    env = dict(os.environ, FLAGS_enable_pir_api="0")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        errors = [line.strip() for line in done.stderr.splitlines() if re.match(r"\s*\w+Error: ", line)]
        raise RuntimeError(errors[-1] if errors else done.stderr.strip()[-400:])
    if not any(f.endswith(".pdmodel") for f in os.listdir(out_dir)):
        raise RuntimeError(f"no .pdmodel written (files: {sorted(os.listdir(out_dir))})")


def file_sizes(*paths: str) -> Dict[str, int]:
    return {os.path.basename(p): os.path.getsize(p) for p in paths}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=WEIGHTS, help="CTRGCN_tiny NW-UCLA weights")
    ap.add_argument("--data", default=UCLA_DATA, help="NW-UCLA all_sqe folder")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per round")
    ap.add_argument("--threads", type=int, default=2, help="Paddle Inference threads (default 2)")
    ap.add_argument("--no-write", action="store_true", help="print the section instead of writing RESULTS.md")
    args = ap.parse_args(argv)

    import paddle
    from paddlevideo.inference.export import export_onnx, export_paddle, input_shape, load_eval_model, quantize_onnx
    from paddlevideo.inference.predictor import PredictorOptions, create_predictor
    from paddlevideo.inference.verify import open_verified_predictor
    from paddlevideo.config import get_config

    cfg = get_config(CONFIG, overrides=[f"DATASET.test.file_path={args.data}"], show=False)
    shape = input_shape(cfg)
    x, labels = split_arrays(cfg, "val")
    calibration, _ = split_arrays(cfg, "train", CALIBRATION_SAMPLES)
    tmp = tempfile.mkdtemp(prefix="small_deployables_")
    model = load_eval_model(cfg, args.weights)
    cpu = PredictorOptions(cpu_threads=args.threads, enable_mkldnn=True)
    runners, routes = {}, []

    # fp32 reference: the exported Paddle inference model, through the verified predictor
    fp32 = export_paddle(model, shape, os.path.join(tmp, "fp32"), "tiny")
    predictor, ver = open_verified_predictor(fp32.model_file, fp32.params_file, cpu, shape, 16)
    reference = run_batches(predictor.run, x)
    base = Route("fp32 Paddle inference model (reference)", files=file_sizes(fp32.model_file, fp32.params_file),
                 agreement=compare(reference, reference, labels), latency_key="fp32",
                 note="oneDNN" if ver.options.uses_mkldnn else "oneDNN off (its output was wrong)")
    runners["fp32"] = (open_verified_predictor(fp32.model_file, fp32.params_file, cpu, shape, 1)[0].run, x[:1])
    routes.append(base)

    # 1. fp16 inference model
    import paddle.inference as pi
    fp16 = Route("fp16 inference model (convert_to_mixed_precision, CPU)")
    out16 = os.path.join(tmp, "fp16")
    os.makedirs(out16, exist_ok=True)
    attempt(fp16, lambda: pi.convert_to_mixed_precision(
        fp32.model_file, fp32.params_file, os.path.join(out16, "tiny.json"), os.path.join(out16, "tiny.pdiparams"),
        pi.PrecisionType.Half, pi.PlaceType.CPU, True))
    routes.append(fp16)

    # 2. fp16 weight storage, fp32 compute
    storage = Route("fp16 weight storage, cast to fp32 at load")
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    half_file = os.path.join(tmp, "tiny.fp16.pdparams")
    paddle.save({k: paddle.to_tensor(v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in state.items()},
                half_file)
    full_file = os.path.join(tmp, "tiny.fp32.pdparams")
    paddle.save({k: paddle.to_tensor(v) for k, v in state.items()}, full_file)
    rounded = load_eval_model(cfg, None)
    rounded.set_state_dict({k: paddle.to_tensor(v) for k, v in fp16_rounded(state).items()})
    rounded_export = export_paddle(rounded, shape, os.path.join(tmp, "rounded"), "tiny")
    rounded_pred, _ = open_verified_predictor(rounded_export.model_file, rounded_export.params_file, cpu, shape, 16)
    storage.files = {"weights .pdparams, fp16": os.path.getsize(half_file),
                     "weights .pdparams, fp32 (same keys)": os.path.getsize(full_file)}
    storage.agreement = compare(run_batches(rounded_pred.run, x), reference, labels)
    storage.latency_key = "fp16-rounded weights"
    storage.note = ("Paddle Inference has no CPU fp16 kernels here; the inference model made from these weights is "
                    "the fp32 one (same bytes)")
    runners[storage.latency_key] = (open_verified_predictor(rounded_export.model_file, rounded_export.params_file,
                                                            cpu, shape, 1)[0].run, x[:1])
    routes.append(storage)

    # 3. static int8 PTQ of the exported model
    def calibration_batches():
        for i in range(0, len(calibration), 16):
            yield [calibration[i:i + 16]]

    static_ptq = Route("int8 PTQ of the inference model (PostTrainingQuantization)")
    weight_only = Route("int8 weight-only quantization of the inference model (WeightQuantization)")

    def run_static_ptq():
        from paddle.static.quantization import PostTrainingQuantization
        paddle.enable_static()
        try:
            ptq = PostTrainingQuantization(
                executor=paddle.static.Executor(paddle.CPUPlace()), model_dir=os.path.dirname(fp32.model_file),
                model_filename=os.path.basename(fp32.model_file), params_filename=os.path.basename(fp32.params_file),
                data_loader=calibration_batches, batch_nums=len(calibration) // 16, algo="abs_max",
                quantizable_op_type=["conv2d", "depthwise_conv2d", "matmul", "matmul_v2"],
                weight_quantize_type="channel_wise_abs_max", onnx_format=True)
            ptq.quantize()
            ptq.save_quantized_model(os.path.join(tmp, "int8_static"))
        finally:
            paddle.disable_static()

    def run_weight_only():
        from paddle.static.quantization import WeightQuantization
        paddle.enable_static()
        try:
            WeightQuantization(os.path.dirname(fp32.model_file), os.path.basename(fp32.model_file),
                               os.path.basename(fp32.params_file)).quantize_weight_to_int(
                os.path.join(tmp, "int8_weights"), quantizable_op_type=["conv2d"], weight_bits=8)
        finally:
            paddle.disable_static()

    attempt(static_ptq, run_static_ptq)
    attempt(weight_only, run_weight_only)
    legacy = Route("legacy (ProgramDesc) export, the input those tools read (FLAGS_enable_pir_api=0)")
    legacy_dir = os.path.join(tmp, "legacy")
    attempt(legacy, lambda: legacy_export(args.weights, legacy_dir))
    if legacy.error is None:
        legacy.files = file_sizes(*[os.path.join(legacy_dir, f) for f in sorted(os.listdir(legacy_dir))])
    routes += [static_ptq, weight_only, legacy]

    # 4. dynamic-graph int8 PTQ (simulated), then its export
    dynamic_ptq = Route("int8 PTQ in the dynamic graph (paddle.quantization.PTQ), simulated")
    exported_ptq = Route("export of that int8 model to a Paddle inference model")

    def run_dynamic_ptq():
        from paddle.quantization import PTQ, QuantConfig
        from paddle.quantization.observers import AbsmaxObserver
        from paddlevideo.modeling.backbones.units import CTRGC

        qmodel = load_eval_model(cfg, args.weights)
        qconfig = QuantConfig(activation=AbsmaxObserver(quant_bits=8), weight=AbsmaxObserver(quant_bits=8))
        qconfig.add_layer_config([m.conv4 for m in qmodel.sublayers() if isinstance(m, CTRGC)])  # no observer
        ptq = PTQ(qconfig)
        observed = ptq.quantize(qmodel, inplace=True)
        observed.eval()
        with paddle.no_grad():
            for (batch,) in calibration_batches():
                observed([paddle.to_tensor(batch)], mode="infer")
        converted = ptq.convert(observed, inplace=True)
        with paddle.no_grad():
            logits = run_batches(lambda b: converted([paddle.to_tensor(b)], mode="infer").numpy(), x)
        return converted, logits

    result = attempt(dynamic_ptq, run_dynamic_ptq)
    if result is not None:
        converted, logits = result
        dynamic_ptq.agreement = compare(logits, reference, labels)
        dynamic_ptq.note = "fake-quantized fp32 computation in the dynamic graph: accuracy only, no file"
        attempt(exported_ptq, lambda: export_paddle(converted, shape, os.path.join(tmp, "int8_dynamic"), "tiny"))
    else:
        exported_ptq.error = "not reached (the quantization above failed)"
    routes += [dynamic_ptq, exported_ptq]

    # 5. ONNX Runtime dynamic int8
    onnx_int8 = Route("ONNX Runtime dynamic int8 (export_model.py --onnx --quantize int8)")
    onnx_fp32 = Route("ONNX Runtime fp32 (export_model.py --onnx)")

    def run_onnx():
        onnx_file = export_onnx(model, shape, os.path.join(tmp, "onnx", "tiny.onnx"))
        int8_file = quantize_onnx(onnx_file)
        ort = PredictorOptions(backend="onnxruntime", cpu_threads=args.threads)
        for route, path, key in ((onnx_fp32, onnx_file, "ONNX fp32"), (onnx_int8, int8_file, "ONNX int8")):
            pred = create_predictor(path, None, ort)
            route.files = file_sizes(path)
            route.agreement = compare(run_batches(pred.run, x), reference, labels)
            route.latency_key = key
            runners[key] = (pred.run, x[:1])

    attempt(onnx_int8, run_onnx)
    onnx_fp32.error = onnx_int8.error
    routes += [onnx_fp32, onnx_int8]

    load = LoadLog()
    times = run_rounds({key: partial(run, x) for key, (run, x) in runners.items()}, args.rounds, args.reps, warmup=1)
    args.load_start, args.load_end = load.start_value, load.end().end_value
    latency = {key: 1e3 * times.median(key) for key in runners}
    body = format_section(routes, latency, args, len(x), paddle.__version__)
    publish(body, HEADING, not args.no_write)


def format_section(routes: List[Route], latency: Dict[str, float], args, samples: int, version: str) -> str:
    lines = [HEADING, "",
             f"CTRGCN_tiny, NW-UCLA weights `{os.path.relpath(args.weights, ROOT)}`, Paddle {version} on CPU "
             f"({machine().isa()}). Agreement with the fp32 Paddle inference model on the {samples} view-3 "
             f"validation samples; latency at batch 1, {args.threads} threads, median of {args.rounds} interleaved "
             f"rounds x {args.reps} runs (load average {args.load_start:.1f} -> {args.load_end:.1f}: compare "
             f"by ratio). Calibration: {CALIBRATION_SAMPLES} training samples (views 1-2).", "",
             "| route | runs? | files (bytes) | max \\|logit diff\\| | top-1 agreement | Top-1 | b1 latency (ms) "
             "| note |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for r in routes:
        files = ", ".join(f"{name} {size:,}" for name, size in r.files.items())
        a = r.agreement
        cells = [f"{a['max_diff']:.3g}", f"{100 * a['agree']:.2f}%", f"{100 * a['top1']:.2f}%"] if a else ["", "", ""]
        speed = f"{latency[r.latency_key]:.2f}" if r.latency_key in latency else ""
        status = "yes" if r.error is None else f"no: `{r.error}`"
        lines.append(f"| {r.name} | {status} | {files} | {' | '.join(cells)} | {speed} | {r.note} |")
    paddle_routes = [r for r in routes if r.name.startswith(PADDLE_LOW_PRECISION)]
    if paddle_routes and all(r.error for r in paddle_routes):
        lines += ["", "What this shows: Paddle 3.3.1 has no fp16 or int8 inference model for this CPU. Its "
                  "fp16 converter refuses the CPU backend; its static quantization tools read legacy ProgramDesc "
                  "programs, while the exported model is a PIR program (the legacy export's outcome is in the "
                  "table); the dynamic-graph PTQ quantizes in simulation, but its quantize ops need static tensor "
                  "shapes to be exported, and this model's input has a dynamic batch and frame count. What does "
                  "shrink the deployable: fp16 storage of the weights (about half the bytes; a float16 state dict "
                  "does not load into the float32 model as is, Paddle wants matching dtypes, so it is cast back at "
                  "load), and the int8 ONNX model of tools/export_model.py, which runs under ONNX Runtime, not "
                  "Paddle Inference."]
    lines += ["", "Command:", "", "```", f"python -m benchmarks.small_deployables --rounds {args.rounds} "
              f"--reps {args.reps} --threads {args.threads}", "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
