"""Train, validate or test a skeleton action recognition model from a YAML config.

    python main.py --validate -c configs/recognition/ctrgcn/ctrgcn_light_ntucs_joint.yaml --seed 1
    python main.py --test -c CONFIG -w WEIGHTS
    python -m paddle.distributed.launch --nproc_per_node 2 main.py --validate -c CONFIG

Training on a CPU uses one data-parallel process per core that share each batch, with batch norm
over the whole batch: the recipe of one process (paddlevideo/tasks/cpu_parallel.py; config key
``cpu_processes``, 1: a single process with one math thread per core).
"""
from __future__ import annotations

import argparse
import os
import sys


USER_THREADS = os.environ.get("OMP_NUM_THREADS")  # before default_cpu_threads() sets it


def default_cpu_threads() -> None:
    """Give Paddle's CPU math one thread per core this process may use, unless the user set
    ``OMP_NUM_THREADS`` (Paddle sets 1 at import when it is unset) or several data-parallel
    processes share the cores. Must run before ``import paddle``."""
    if "OMP_NUM_THREADS" in os.environ or int(os.environ.get("PADDLE_TRAINERS_NUM", "1")) > 1:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    os.environ["OMP_NUM_THREADS"] = str(max(1, cores))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python main.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-c", "--config", required=True, help="YAML config file")
    p.add_argument("-o", "--override", action="append", default=[],
                   help="override a config key: -o DATASET.batch_size=8 (repeatable)")
    p.add_argument("--test", action="store_true", help="evaluate weights (-w) on DATASET.test")
    p.add_argument("-w", "--weights", help="weights to test, or to initialise training from")
    p.add_argument("--validate", action="store_true", help="validate during training and keep the best weights")
    p.add_argument("--resume", nargs="?", const="auto", default=None,
                   help="continue a killed or stopped run: its resume.json (or an older resume.pdckpt) or its folder "
                        "(no value: the config's output folder)")
    p.add_argument("--seed", type=int, default=1234, help="random seed (default 1234)")
    p.add_argument("--amp", action="store_true", help="automatic mixed precision (GPU only)")
    p.add_argument("--amp_level", default="O1", choices=["O1", "O2"], help="mixed-precision level with --amp")
    p.add_argument("--max_iters", type=int, default=None, help="stop each epoch after this many iterations")
    p.add_argument("--max_epochs", type=int, default=None,
                   help="stop after this many epochs in this invocation (continue later with --resume)")
    p.add_argument("--output", default=None, help="--test: folder for scores and metrics")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    default_cpu_threads()
    from paddlevideo.utils.quiet import OMP_THREADS_MESSAGE, hide_paddle_noise, python_stderr_without
    hide_paddle_noise()
    with python_stderr_without(OMP_THREADS_MESSAGE):
        import paddle  # noqa: F401  (first import: its thread-count notice is noise here)
    from paddlevideo.config import ConfigError, get_config
    from paddlevideo.utils import RegistryError, get_dist_info

    try:
        cfg = get_config(args.config, overrides=args.override, show=False)
    except (ConfigError, RegistryError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    _, world_size = get_dist_info()
    on_gpu = paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0
    if not args.test and world_size == 1 and not on_gpu:
        from paddlevideo.tasks.cpu_parallel import launch, plan
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        threads = int(USER_THREADS) if (USER_THREADS or "").isdigit() else None
        procs, threads, why = plan(cfg["cpu_processes"], cores, cfg["DATASET"]["batch_size"], threads)
        if procs > 1:
            print(f"CPU training: {why}, sharing each batch", flush=True)
            return launch(os.path.abspath(__file__), sys.argv[1:] if argv is None else list(argv), procs, threads)
    if not args.test and cfg["fast_cpu"]:  # before the process's first matrix product
        from paddlevideo.utils.cpu_math import choose_mkl_kernels
        print(f"CPU math: {choose_mkl_kernels()}")
    from paddlevideo.tasks import test_model, train_model

    parallel = world_size > 1
    if parallel:
        paddle.distributed.init_parallel_env()
    try:
        if args.test:
            test_model(cfg, args.weights, output=args.output)
        else:
            resume = args.resume
            if resume == "auto":
                resume = cfg["output_dir"]
            train_model(cfg, weights=args.weights, parallel=parallel, validate=args.validate,
                        use_amp=args.amp, amp_level=args.amp_level, max_iters=args.max_iters,
                        resume=resume, seed=args.seed, max_epochs=args.max_epochs, show_config=True)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
