"""Classify skeleton sequences with an exported model (PaddleVideo's tools/predict.py flags).

    python tools/predict.py -c configs/recognition/ctrgcn/ctrgcn_light_ntucs_joint.yaml \
        --input_file S001C001P001R001A001.skeleton \
        --model_file inference/CTRGCN_light_joint/CTRGCN_light_joint.json \
        --params_file inference/CTRGCN_light_joint/CTRGCN_light_joint.pdiparams \
        [--use_gpu=False] [--enable_mkldnn=True] [--cpu_threads 2] [--batch_size 1] [--top_k 5] \
        [--benchmark] [--backend paddle|onnxruntime]

--backend onnxruntime runs NAME.onnx (export_model.py --onnx); give --model_file NAME.int8.onnx
for the dynamic-int8 model (export_model.py --onnx --quantize int8), which is verified with the
looser int8 tolerance (10% of the largest |logit|) and says so.

--input_file: a raw NTU .skeleton file, a .npy of shape (C, T, V, M) or (N, C, T, V, M), an
NW-UCLA .json file, a 2-D keypoint .json file (docs/keypoints.md), or a folder holding such files,
sub-folders included (an NTU download's nturgb+d_skeletons/ too); files of other kinds there are
skipped and counted. Inputs are prepared as the config's PIPELINE.test prepares test data. Before
predicting, the predictor is checked against the dynamic graph's output saved at export
(NAME.check.npz); a wrong oneDNN path is turned off.
The run ends with a summary: files predicted and skipped (with reasons), samples per predicted
class, and the Top-1 over the files whose name gives the class (NTU SsssCcccPpppRrrrAaaa.skeleton,
NW-UCLA aAA_sSS_eEE_vVV.json).
Exit status: 0 on success, 1 if any input or the predictor failed, 2 for a bad config or flag.
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections import Counter
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple

from paddlevideo.utils.quiet import hide_paddle_noise

hide_paddle_noise()  # before paddle is imported
if TYPE_CHECKING:
    from paddlevideo.inference import Prediction

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")


def str2bool(text: str) -> bool:
    """PaddleVideo-style boolean flag values: --use_gpu=False, --enable_mkldnn=true."""
    word = str(text).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (True/False), got {text!r}")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python tools/predict.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-c", "--config", required=True, help="YAML config the model was exported with")
    p.add_argument("-o", "--override", action="append", default=[], help="override a config key: -o KEY=VALUE")
    p.add_argument("-i", "--input_file", required=True, help="input file or folder")
    p.add_argument("--model_file", required=True, help="NAME.json (or NAME.onnx with --backend onnxruntime)")
    p.add_argument("--params_file", default=None, help="NAME.pdiparams (default: beside --model_file)")
    p.add_argument("--backend", choices=("paddle", "onnxruntime"), default="paddle",
                   help="paddle: Paddle Inference; onnxruntime: NAME.onnx from export_model.py --onnx")
    p.add_argument("-b", "--batch_size", type=positive_int, default=1, help="samples per predictor run")
    p.add_argument("--top_k", type=positive_int, default=5, help="classes printed per sample")
    p.add_argument("--use_gpu", type=str2bool, default=None, help="default: True when a GPU is usable")
    p.add_argument("--gpu_mem", type=positive_int, default=8000, help="Paddle Inference GPU memory pool, MB")
    p.add_argument("--enable_mkldnn", type=str2bool, default=True,
                   help="oneDNN on CPU (default True; turned off if it fails verification)")
    p.add_argument("--cpu_threads", type=positive_int, default=None, help="CPU math threads (default: Paddle's)")
    p.add_argument("--ort_spin_wait", type=str2bool, default=False,
                   help="onnxruntime: let idle worker threads busy-wait (default False: faster on a shared CPU)")
    p.add_argument("--precision", default="fp32", choices=("fp32",), help="fp32 only (int8: an .int8.onnx model)")
    p.add_argument("--ir_optim", type=str2bool, default=True, help="Paddle Inference graph optimisation")
    p.add_argument("--use_tensorrt", type=str2bool, default=False, help="not supported; False only")
    p.add_argument("--disable_glog", type=str2bool, default=True, help="silence Paddle Inference's C++ log")
    p.add_argument("--atol", type=float, default=None, help="verification tolerance on logits (default 1e-4)")
    p.add_argument("--benchmark", "--enable_benchmark", dest="benchmark", type=str2bool, nargs="?",
                   const=True, default=False, help="time preprocess / inference / postprocess")
    p.add_argument("--benchmark_iters", type=positive_int, default=10,
                   help="timed batches (--benchmark; more when the inputs take more to go through once)")
    p.add_argument("--warmup", type=int, default=2, help="untimed leading batches (--benchmark)")
    p.add_argument("--benchmark_log", default=None, help="also write the benchmark summary as JSON here")
    return p.parse_args(argv)


def _samples(files: List[str], root: str, preparer, cycle: bool,
             failures: Dict[str, str]) -> Iterator[Tuple[int, str, object]]:
    """(pass number, file, Sample) over the files, samples named by their path under ``root``; a
    bad file is reported and recorded in ``failures`` (file -> reason), then skipped (or, when
    cycling for a benchmark, ends the stream)."""
    from paddlevideo.inference import InputError

    for k, path in enumerate(itertools.cycle(files) if cycle else files):
        try:
            samples = preparer(path)
        except InputError as err:
            print(f"error: {err}", file=sys.stderr)
            failures[path] = err.reason
            if cycle:
                return
            continue
        folder = os.path.relpath(os.path.dirname(path) or os.curdir, root)
        for sample in samples:
            if folder != os.curdir:
                sample.name = os.path.join(folder, sample.name)
            yield k // len(files), path, sample


def summary_lines(predicted: List[Tuple[str, Prediction]], others: List[str], failures: Dict[str, str],
                  root: str, class_names: Optional[List[str]]) -> List[str]:
    """The lines predict ends with.

    Args:
        predicted: (file, Prediction) for each sample predicted (a stacked .npy gives several).
        others: files skipped for their kind; failures: file -> why it could not be used.
        root: the folder paths are shown relative to; class_names: by class id, or None.
    """
    from paddlevideo.inference import label_from_name
    from paddlevideo.inference.inputs import INPUT_SUFFIXES

    def named(c: int) -> str:
        return f"{c} {class_names[c]}" if class_names is not None and 0 <= c < len(class_names) else str(c)

    files = {path for path, _ in predicted}
    samples = "" if len(predicted) == len(files) else f" ({len(predicted)} samples)"
    lines = ["", f"Summary: {len(files)} file(s) predicted{samples}"]
    if others or failures:
        lines.append(f"Skipped {len(others) + len(failures)} file(s):")
    if others:
        kinds = Counter(os.path.splitext(path)[1] or "no suffix" for path in others)
        lines.append(f"\t{len(others)} not an input kind ({', '.join(INPUT_SUFFIXES)}): "
                     f"{', '.join(f'{kind} {n}' for kind, n in sorted(kinds.items()))} "
                     f"(e.g. {os.path.relpath(others[0], root)})")
    for path, reason in sorted(failures.items()):
        lines.append(f"\t{os.path.relpath(path, root)}: could not be used: {reason}")
    per_class = Counter(prediction.classes[0] for _, prediction in predicted)
    if per_class:
        lines.append("Samples per predicted class (top-1):")
        lines += [f"\t{named(c)}: {n}" for c, n in sorted(per_class.items(), key=lambda item: (-item[1], item[0]))]
    named_truth = [(truth, prediction.classes[0]) for path, prediction in predicted
                   if (truth := label_from_name(path)) is not None]
    if named_truth:
        right = sum(truth == top1 for truth, top1 in named_truth)
        lines.append(f"Top-1 over {len(named_truth)} files whose name gives the class: "
                     f"{100 * right / len(named_truth):.2f}% ({right}/{len(named_truth)})")
    else:
        lines.append("Top-1: no predicted file's name gives the class "
                     "(NTU SsssCcccPpppRrrrAaaa.skeleton, NW-UCLA aAA_sSS_eEE_vVV.json)")
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.use_tensorrt:
        print("error: --use_tensorrt=True is not supported by this project", file=sys.stderr)
        return 2
    from paddlevideo.config import ConfigError, get_config
    from paddlevideo.utils import RegistryError

    try:
        cfg = get_config(args.config, overrides=args.override, show=False)
    except (ConfigError, RegistryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    import numpy as np
    import paddle
    from paddlevideo.inference import (DEFAULT_ATOL, InputError, InputPreparer, OutputMismatchError,
                                       PredictorOptions, input_files, load_class_names,
                                       open_verified_predictor, top_k)
    from paddlevideo.utils.benchmark_log import BenchmarkLog

    use_gpu = args.use_gpu
    if use_gpu is None:
        use_gpu = paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0
    try:
        preparer = InputPreparer(cfg)
        files, others = input_files(args.input_file)
        options = PredictorOptions(backend=args.backend, use_gpu=use_gpu, gpu_mem=args.gpu_mem,
                                   enable_mkldnn=args.enable_mkldnn, cpu_threads=args.cpu_threads,
                                   ort_spin_wait=args.ort_spin_wait, ir_optim=args.ir_optim, precision=args.precision,
                                   disable_glog=args.disable_glog)
        predictor, verification = open_verified_predictor(
            args.model_file, args.params_file, options, preparer.shape, args.batch_size,
            DEFAULT_ATOL if args.atol is None else args.atol, warn=lambda _: None)
    except (InputError, FileNotFoundError, ValueError, RuntimeError, OutputMismatchError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1

    used = verification.options
    threads = used.cpu_threads or "default"
    if verification.fallback:
        for note in verification.notes:
            print(f"WARNING: {note}", file=sys.stderr, flush=True)
    onednn = "n/a" if used.backend == "onnxruntime" else "on" if used.uses_mkldnn else "off"
    print(f"Inference model ({cfg['model_name']}): backend {used.backend}, device {used.device}, "
          f"oneDNN {onednn}, precision {verification.precision}, threads {threads}, batch size {args.batch_size}")
    if verification.diff is not None and verification.reference:
        print(f"Verified against {os.path.basename(verification.reference)}: max |logits - dynamic graph| "
              f"= {verification.diff:.3g} (tolerance {verification.tol:.3g})")
    for note in verification.notes:
        print(f"Note: {note}")
    names = load_class_names(cfg)

    failures: Dict[str, str] = {}
    predicted: List[Tuple[str, Prediction]] = []  # (file, Prediction) of the first pass
    root = args.input_file if os.path.isdir(args.input_file) else os.path.dirname(args.input_file) or os.curdir
    log = BenchmarkLog(model_name=cfg["model_name"], batch_size=args.batch_size, precision=verification.precision,
                       device=used.device, cpu_threads=used.cpu_threads, mkldnn=used.uses_mkldnn,
                       backend=used.backend, warmup=max(0, args.warmup), notes=list(verification.notes))
    stream = _samples(files, root, preparer, cycle=args.benchmark, failures=failures)
    # --benchmark: at least warmup + benchmark_iters batches, and every input at least once
    required = args.warmup + args.benchmark_iters if args.benchmark else 0
    done, all_seen = 0, False
    while not (args.benchmark and done >= required and all_seen):
        log.start()
        batch = list(itertools.islice(stream, args.batch_size))
        if not batch:
            break
        log.stamp()
        try:
            logits = predictor.run(np.stack([sample.data for _, _, sample in batch]))
        except (RuntimeError, ValueError) as err:
            print(f"error: inference failed on {', '.join(s.name for _, _, s in batch)}: {err}", file=sys.stderr)
            return 1
        log.stamp()
        predictions = top_k(logits, args.top_k, [s.name for _, _, s in batch], [s.label for _, _, s in batch])
        log.end(len(batch))
        for (cycle, path, _), prediction in zip(batch, predictions):
            if cycle == 0:
                print("\n".join(prediction.lines(names)))
                predicted.append((path, prediction))
        done += 1
        all_seen = batch[-1][0] >= 1  # the stream has started its second pass

    print("\n".join(summary_lines(predicted, others, failures, root, names)))
    if args.benchmark:
        if log.timed_batches == 0:
            print("error: no batch was timed (too few inputs, or all failed)", file=sys.stderr)
            return 1
        print("\n".join(log.report_lines()))
        if args.benchmark_log:
            log.save_json(args.benchmark_log)
    if failures:
        print(f"error: {len(failures)} input file(s) could not be used: {', '.join(sorted(failures))}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
