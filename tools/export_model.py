"""Export trained weights as a Paddle inference model (PaddleVideo's tools/export_model.py flags).

    python tools/export_model.py -c configs/recognition/ctrgcn/ctrgcn_light_ntucs_joint.yaml \
        -p output/CTRGCN_light_joint/CTRGCN_light_joint_best.pdparams -o inference/CTRGCN_light_joint \
        [--save_name NAME] [--onnx [--quantize int8]] [--check] [--override KEY=VALUE ...]

Writes NAME.json + NAME.pdiparams (NAME defaults to the config's model_name), the reference
NAME.check.npz that predictors verify against, NAME.onnx with --onnx, and NAME.int8.onnx (ONNX
Runtime dynamic int8 quantization of NAME.onnx) with --quantize int8; prints every file with its
size. --check compares Paddle Inference (oneDNN on and off, and ONNX Runtime with --onnx) with the
dynamic graph on a random input and exits 1 if any differs by more than --atol; the int8 model is
held to the stated int8 tolerance instead (10% of the largest |logit|).
"""
from __future__ import annotations

import argparse
import os
import re
import sys

# `-o KEY=VALUE` overrides a config key in main.py, predict.py and visualize.py, but names the output
# folder here (as in PaddleVideo); such a value is refused rather than made a folder.
OVERRIDE_LIKE = re.compile(r"^[A-Za-z_][\w.]*=")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python tools/export_model.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-c", "--config", required=True, help="YAML config of the model")
    p.add_argument("--override", action="append", default=[],
                   help="override a config key: --override MODEL.head.num_classes=120 (repeatable)")
    p.add_argument("-p", "--pretrained_params", required=True, help="trained weights (.pdparams)")
    p.add_argument("-o", "--output_path", default="./inference",
                   help="output folder (default ./inference); config overrides go to --override")
    p.add_argument("--save_name", default=None, help="file name stem (default: the config's model_name)")
    p.add_argument("--onnx", action="store_true", help="also write NAME.onnx with paddle2onnx")
    p.add_argument("--quantize", choices=("int8",), default=None,
                   help="with --onnx: also write NAME.int8.onnx (dynamic int8 quantization)")
    p.add_argument("--check", action="store_true",
                   help="compare the exported model with the dynamic graph (oneDNN on/off, ONNX)")
    p.add_argument("--atol", type=float, default=None,
                   help="--check tolerance on logits (default 1e-4; 1e-5 relative for |logits| > 10)")
    p.add_argument("--cpu_threads", type=int, default=None, help="threads for --check predictors")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if OVERRIDE_LIKE.match(args.output_path):
        print(f"error: -o is the output folder in tools/export_model.py (as in PaddleVideo); to override a config "
              f"key use --override {args.output_path} (for a folder of that name write -o ./{args.output_path})",
              file=sys.stderr)
        return 2
    if args.quantize and not args.onnx:
        print(f"error: --quantize {args.quantize} quantizes the ONNX model; add --onnx", file=sys.stderr)
        return 2
    from paddlevideo.utils.quiet import hide_paddle_noise
    hide_paddle_noise()
    from paddlevideo.config import ConfigError, get_config
    from paddlevideo.utils import RegistryError

    try:
        cfg = get_config(args.config, overrides=args.override, show=False)
    except (ConfigError, RegistryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from paddlevideo.inference import (DEFAULT_ATOL, check_exported_model, describe_files, export_onnx, export_paddle,
                                       input_shape, load_eval_model)
    from paddlevideo.inference.export import INPUT_NAME, quantize_onnx
    from paddlevideo.inference.verify import tolerance_rule

    atol = DEFAULT_ATOL if args.atol is None else args.atol
    name = args.save_name or cfg["model_name"]
    try:
        shape = input_shape(cfg)
        print(f"Building model {cfg['model_name']} and loading {args.pretrained_params} ...")
        model = load_eval_model(cfg, args.pretrained_params)
        exported = export_paddle(model, shape, args.output_path, name)
        if args.onnx:
            exported.onnx_file = export_onnx(model, shape, os.path.join(args.output_path, name + ".onnx"))
        if args.quantize:
            exported.int8_file = quantize_onnx(exported.onnx_file)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1

    print(f"Exported {cfg['model_name']} to {args.output_path} "
          f"(input {INPUT_NAME}: [N, {', '.join(map(str, shape))}] float32, output: logits [N, K])")
    print("Paddle inference model:")
    print("\n".join(describe_files([exported.model_file, exported.params_file])))
    extras = [p for p in (exported.reference_file, exported.onnx_file, exported.int8_file) if p]
    kinds = ["reference for predictor verification"] + (["ONNX model"] if exported.onnx_file else []) + \
        (["dynamic-int8 ONNX model"] if exported.int8_file else [])
    print(f"Also written ({', '.join(kinds)}):")
    print("\n".join(describe_files(extras)))

    if not args.check:
        return 0
    results = check_exported_model(model, exported.model_file, exported.params_file, shape, atol=atol,
                                   cpu_threads=args.cpu_threads, onnx=bool(exported.onnx_file),
                                   int8_file=exported.int8_file)
    print(f"Check against the dynamic graph (random input [2, {', '.join(map(str, shape))}], "
          f"max abs difference of the logits, tolerance {results[0].tol:.3g} = {tolerance_rule('fp32', atol)}):")
    for r in results:
        stated = f" ({r.precision} tolerance {r.tol:.3g} = {tolerance_rule(r.precision, atol)})" \
            if r.precision != "fp32" else ""
        print(f"  {r.label}: {r.diff:.3g} {'ok' if r.ok else 'FAIL'}{stated}")
    failed = [r.label for r in results if not r.ok]
    if failed:
        print(f"check FAILED for: {'; '.join(failed)}. tools/predict.py verifies each predictor against "
              f"{os.path.basename(exported.reference_file)} and turns oneDNN off when its output is wrong.",
              file=sys.stderr)
        return 1
    print("check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
