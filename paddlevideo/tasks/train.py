"""The training loop: data -> model -> loss -> optimizer, validation, checkpoints, resume.

``train_model`` is three steps: :func:`build_run` (inputs checked, datasets, model, optimizer,
resumed state), then per epoch :func:`train_one_epoch` and :func:`validate_and_checkpoint`.
The config is read as ``get_config`` leaves it, defaults filled in (``paddlevideo/config_schema.py``).

Files in ``output_dir`` (default ``output/<model_name>``):
``<model_name>_best.pdparams`` (best validation Top-1), ``<model_name>_epoch_<N>.pdparams``
every ``save_interval`` epochs, ``<model_name>_latest.pdparams`` (last finished epoch),
``resume.json`` with its folder ``resume/`` (what ``--resume`` reads: model, optimizer with its
momentum and LR schedule position, epoch, best Top-1 with the best weights and their epoch, and the
seed from which every random number of an epoch is drawn; one file per state dict, see
``paddlevideo/tasks/resume.py``), ``train.log`` and a VisualDL folder ``vdl/``.
Every file is written atomically, so a killed run loses at most the epoch in progress; the
resume state alone is enough to continue a run on another machine (it restores
``<model_name>_best.pdparams`` when that file is absent). A file named ``STOP`` in the output
folder ends the run after the epoch in progress, once its resume file is written.

Random numbers: at the start of every epoch Python's, NumPy's and Paddle's generators (and the
loader workers') are seeded from (seed, epoch) alone, so a resumed run draws the same batches,
augmentations and dropout masks as an uninterrupted one.

CPU speed: with ``fast_cpu: true`` (the default) main.py lets MKL use its AVX2 kernels on AMD
CPUs (``paddlevideo/utils/cpu_math.py``); ``fast_cpu: false`` keeps Paddle's default MKL kernels.

A config's ``DISTILL`` section adds a frozen teacher's soft targets to the loss
(``paddlevideo/tasks/distill.py``); the log then shows its ``loss_ce`` and ``loss_kd`` parts.
"""
from __future__ import annotations

import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np
import paddle
import paddle.nn.functional as F
from tqdm import tqdm

from ..loader.builder import build_dataset
from ..loader.dataset.base import SampleError
from ..metrics import SkeletonMetric
from ..modeling.builder import build_model
from ..solver import build_optimizer
from ..utils import checkpoint
from ..utils.cpu_math import MKL_CPU_TYPE_VAR, describe_cpu
from ..utils.dist import get_dist_info
from ..config import print_config
from ..utils.logger import get_logger
from . import resume as resume_state
from .checks import check_joints, check_labels, sampling_warnings
from .cpu_parallel import started_by_main
from .distill import Distiller, DistillOptions
from .sampler import EpochBatchSampler
from .sync_bn import sync_batch_norm

RESUME_FILE = resume_state.MANIFEST
STOP_FILE = "STOP"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    paddle.seed(seed)


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """The seed of every generator used during ``epoch`` (0-based) on ``rank``."""
    return (seed * 1000003 + epoch * 101 + rank) % (2 ** 32)


def _worker_init(base_seed: int):
    def init(worker_id: int) -> None:
        np.random.seed((base_seed + 7919 * (worker_id + 1)) % (2 ** 32))
        random.seed(base_seed + worker_id)
    return init


class MainThreadLoader:
    """Batches read in the calling thread: ``(data, label)`` tensors, float32 (N, C, T, V, M) and
    int64 (N,), as ``paddle.io.DataLoader`` collates them.

    Used for ``num_workers: 0``: Paddle 3.3.1's single-process DataLoader reads in a thread
    that only handles StopIteration, so an exception in a dataset or pipeline step printed a
    traceback and left the process waiting forever. Here the error reaches the caller.
    """

    def __init__(self, dataset, batch_sampler):
        self.dataset = dataset
        self.batch_sampler = batch_sampler

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def __iter__(self):
        for indices in self.batch_sampler:
            samples = [self.dataset[i] for i in indices]
            yield (paddle.to_tensor(np.stack([s[0] for s in samples])),
                   paddle.to_tensor(np.stack([s[1] for s in samples])))


class WorkerErrors:
    """A ``paddle.io.DataLoader`` with workers whose sample errors reach the caller as themselves.

    Paddle 3.3.1 re-raises a worker's exception in its reader thread, which prints the
    traceback, and the main thread then sees only ``SystemError: Blocking queue is killed``.
    While iterating, this keeps what the reader thread raised (without printing it) and raises
    it in the calling thread as a ``SampleError`` with the worker's message.
    """

    def __init__(self, loader: paddle.io.DataLoader):
        self.loader = loader

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self):
        caught: List[BaseException] = []
        previous = threading.excepthook

        def keep(args) -> None:
            if args.exc_value is not None and not caught:
                caught.append(args.exc_value)

        threading.excepthook = keep
        try:
            try:
                yield from self.loader
            except Exception:
                if not caught:
                    raise
                lines = [line for line in str(caught[0]).splitlines() if line.strip()]
                message = lines[-1].split(": ", 1)[-1] if lines else repr(caught[0])
                raise SampleError(message) from None
        finally:
            threading.excepthook = previous


def make_loader(dataset, batch_size: int, num_workers: int, shuffle: bool, drop_last: bool,
                seed: int, epoch: int, rank: int = 0, world_size: int = 1):
    """A loader for one epoch whose order and augmentations depend on (seed, epoch, rank) only."""
    sampler = EpochBatchSampler(len(dataset), batch_size, shuffle, drop_last, seed, rank, world_size)
    sampler.set_epoch(epoch)
    aug_seed = epoch_seed(seed, epoch, rank)
    np.random.seed(aug_seed)  # augmentations in the main process (num_workers=0)
    if num_workers == 0:
        return MainThreadLoader(dataset, sampler)
    return WorkerErrors(paddle.io.DataLoader(dataset, batch_sampler=sampler, num_workers=num_workers,
                                             worker_init_fn=_worker_init(aug_seed), return_list=True,
                                             use_shared_memory=False))


def _scalar(x) -> float:
    return float(x.item()) if hasattr(x, "item") else float(x)


@paddle.no_grad()
def evaluate(model, dataset, batch_size: int, num_workers: int = 0,
             metric: Optional[SkeletonMetric] = None, desc: str = "eval") -> Dict[str, Any]:
    """Run ``model`` over ``dataset`` in eval mode; returns the metric summary plus mean loss."""
    model.eval()
    metric = metric or SkeletonMetric(save_scores=False)
    loader = make_loader(dataset, batch_size, num_workers, shuffle=False, drop_last=False,
                         seed=0, epoch=0)
    loss_sum, n = 0.0, 0
    for data, label in tqdm(loader, desc=desc, leave=False, dynamic_ncols=True):
        logits = model([data], mode="test")
        lab = label.reshape([-1]).astype("int64")
        if int((lab >= 0).astype("int32").sum()) == lab.shape[0]:
            loss_sum += _scalar(F.cross_entropy(logits, lab, reduction="sum"))
            n += lab.shape[0]
        metric.update(logits.numpy(), lab.numpy())
    result = metric.accumulate(names=getattr(dataset, "names", None))
    result["loss"] = loss_sum / n if n else float("nan")
    return result


class _VisualDL:
    """VisualDL scalars when visualdl is importable; silently absent otherwise (logged once)."""

    def __init__(self, logdir: str, enabled: bool, logger):
        self.writer = None
        if not enabled:
            return
        try:
            from visualdl import LogWriter
            self.writer = LogWriter(logdir=logdir)
        except Exception as e:  # visualdl is optional at run time
            logger.warning(f"VisualDL disabled: {e}")

    def add(self, tag: str, value: float, step: int) -> None:
        if self.writer is not None:
            self.writer.add_scalar(tag=tag, value=value, step=step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Run:
    """What one training invocation works with; made by :func:`build_run`.

    ``start_epoch`` and ``stop_epoch`` are 0-based bounds of the epochs this invocation trains;
    ``best_*`` track the best validation Top-1 (-1.0 before any validation) and its weights;
    ``step`` counts optimizer steps over the whole run (VisualDL's x axis).
    """

    cfg: Dict[str, Any]
    logger: logging.Logger
    out_dir: str
    rank: int
    world_size: int
    seed: int
    train_set: Any
    valid_set: Any
    model: paddle.nn.Layer
    forward_model: paddle.nn.Layer  # the model, or its DataParallel wrapper
    distiller: Optional[Distiller]
    optimizer: paddle.optimizer.Optimizer
    lr: Any  # float, or a scheduler stepped once per iteration
    scaler: Optional[paddle.amp.GradScaler]
    amp_level: str
    iters_per_epoch: int
    batch_size: int  # per process: DATASET.batch_size, or its share when main.py split it over CPU processes
    start_epoch: int = 0
    stop_epoch: int = 0
    vdl: Optional[_VisualDL] = None
    best_top1: float = -1.0
    best_epoch: int = 0
    best_state: Optional[Dict[str, Any]] = None
    step: int = 0

    @property
    def name(self) -> str:
        return self.cfg["model_name"]

    @property
    def epochs(self) -> int:
        return self.cfg["epochs"]

    @property
    def best_path(self) -> str:
        return os.path.join(self.out_dir, f"{self.name}_best.pdparams")


def _resume_file(resume: Optional[str]) -> Optional[str]:
    """The resume file of ``resume`` (resume.json, an older resume.pdckpt, or a run folder holding
    one); None for no resume."""
    if not resume:
        return None
    path = resume_state.find(resume)
    if path is None:
        expected = (f"{os.path.join(resume, RESUME_FILE)} (or an older {resume_state.LEGACY_FILE})"
                    if os.path.isdir(resume) else resume)
        raise FileNotFoundError(f"nothing to resume: {expected} not found (--resume)")
    return path


def build_run(cfg: Dict[str, Any], weights: Optional[str] = None, parallel: bool = False,
              validate: bool = False, use_amp: bool = False, amp_level: str = "O1",
              max_iters: Optional[int] = None, resume: Optional[str] = None, seed: int = 1234,
              max_epochs: Optional[int] = None, show_config: bool = False) -> Run:
    """Check the inputs, then build datasets, logger, model, optimizer and the resumed state.

    ``cfg`` is a config as :func:`paddlevideo.config.get_config` returns it (defaults filled in).
    Missing weights, resume file or data raise before anything is printed or any folder is created.
    """
    rank, world_size = get_dist_info()
    out_dir = cfg["output_dir"]
    if weights and not os.path.isfile(weights):
        raise FileNotFoundError(f"weights not found: {weights} (-w)")
    resume_path = _resume_file(resume)
    ds_cfg, pl_cfg = cfg["DATASET"], cfg["PIPELINE"]
    if "train" not in ds_cfg:
        raise ValueError("the config has no DATASET.train section")
    train_set = build_dataset(ds_cfg["train"], pl_cfg.get("train"))
    valid_set = None
    if validate:
        valid_cfg = ds_cfg.get("valid") or ds_cfg.get("test")
        if valid_cfg is None:
            raise ValueError("--validate needs DATASET.valid (or DATASET.test) in the config")
        valid_set = build_dataset(valid_cfg, pl_cfg.get("valid") or pl_cfg.get("test"))

    num_classes = cfg["MODEL"]["head"].get("num_classes")
    for where, dataset in (("DATASET.train", train_set), ("DATASET.valid", valid_set)):
        if dataset is not None:
            check_joints(dataset, cfg["MODEL"]["backbone"], where)
            check_labels(dataset, num_classes, where)

    os.makedirs(out_dir, exist_ok=True)
    logger = get_logger("paddlevideo", os.path.join(out_dir, "train.log") if rank == 0 else None)
    logger.setLevel(cfg["log_level"])
    if show_config and rank == 0:
        print_config(cfg, log=logger.info)
    if rank == 0:
        for warning in sampling_warnings(train_set, pl_cfg.get("train"), "PIPELINE.train"):
            logger.warning(warning)
    seed_everything(seed + rank)
    paddle.seed(seed)  # identical initial weights on every rank

    use_gpu = paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0
    if not use_gpu:  # set by the entry point (main.py) before Paddle's first matrix product
        logger.info("CPU math: " + ", ".join(f"{var}={os.environ.get(var, 'unset')}"
                                             for var in ("OMP_NUM_THREADS", MKL_CPU_TYPE_VAR))
                    + f"; CPU: {describe_cpu()}")
    if use_amp and not use_gpu:
        logger.warning("--amp needs a GPU; training in float32 on the CPU")
        use_amp = False

    batch_size = ds_cfg["batch_size"]
    split = started_by_main() and world_size > 1
    if split:  # main.py started the processes: they share each step's batch (tasks/cpu_parallel.py)
        if batch_size % world_size:
            raise ValueError(f"DATASET.batch_size {batch_size} does not split over {world_size} CPU processes")
        batch_size //= world_size
    iters_per_epoch = len(EpochBatchSampler(len(train_set), batch_size, True, True, 0, rank, world_size))
    if iters_per_epoch == 0:
        raise ValueError(f"the training set has {len(train_set)} samples, fewer than one batch of "
                         f"{batch_size} per process: lower DATASET.batch_size")
    if max_iters:
        iters_per_epoch = min(iters_per_epoch, max_iters)

    model = build_model(cfg["MODEL"])
    if weights:
        checkpoint.load_weights(model, weights, strict=False)
        logger.info(f"initialised from {weights}")
    distiller = None
    if "DISTILL" in cfg:  # the teacher: built after the student, outside it and its optimizer
        distiller = Distiller(DistillOptions(**cfg["DISTILL"]), model)
        logger.info(f"distilling from {cfg['DISTILL']['teacher_weights']} (T {distiller.temperature}, "
                    f"weight {distiller.weight}, teacher channels {list(distiller.channels)})")
    if split:
        synced = sync_batch_norm(model)
        logger.info(f"{world_size} CPU processes share each batch of {ds_cfg['batch_size']} ({batch_size} each); "
                    f"{synced} batch-norm layers use the whole batch's statistics")
    optimizer, lr = build_optimizer(cfg["OPTIMIZER"], model.parameters(), iters_per_epoch)

    run = Run(cfg=cfg, logger=logger, out_dir=out_dir, rank=rank, world_size=world_size, seed=seed,
              train_set=train_set, valid_set=valid_set, model=model, forward_model=model, distiller=distiller,
              optimizer=optimizer, lr=lr, scaler=None, amp_level=amp_level, iters_per_epoch=iters_per_epoch,
              batch_size=batch_size)
    if resume_path:
        _restore(run, resume_path)
    run.scaler = paddle.amp.GradScaler(init_loss_scaling=1024) if use_amp else None
    run.forward_model = paddle.DataParallel(model) if parallel else model
    run.vdl = _VisualDL(os.path.join(out_dir, "vdl"), rank == 0, logger)
    run.stop_epoch = run.epochs if max_epochs is None else min(run.epochs, run.start_epoch + max_epochs)
    run.step = run.start_epoch * iters_per_epoch
    return run


def _restore(run: Run, path: str) -> None:
    """Continue from a resume file: weights, optimizer and LR state, epoch, best Top-1 and its weights, seed."""
    logger, name, epochs = run.logger, run.name, run.epochs
    state = resume_state.load(path)
    run.model.set_state_dict(state["model"])
    checkpoint.load_portable_optimizer_state(run.model, run.optimizer, state["optimizer"])
    run.start_epoch, run.best_top1 = int(state["epoch"]) + 1, float(state["best_top1"])
    run.best_epoch = int(state.get("best_epoch", 0))
    run.best_state = state.get("best_model")
    if run.best_state is None and os.path.isfile(run.best_path):  # a resume file of an older version
        run.best_state = checkpoint.load(run.best_path)
    if "seed" in state and int(state["seed"]) != run.seed:
        logger.info(f"--seed {run.seed} ignored: the resumed run continues with its own seed {int(state['seed'])}")
        run.seed = int(state["seed"])
    if state.get("best_model") is not None and not os.path.isfile(run.best_path):
        checkpoint.save(state["best_model"], run.best_path)
        logger.info(f"restored {name}_best.pdparams (epoch {run.best_epoch}) from the resume file")
    if run.start_epoch >= epochs:
        logger.info(f"{path}: the run already finished {run.start_epoch} of {epochs} epochs; nothing left to "
                    f"train (raise 'epochs' to train longer). Best top1 {run.best_top1:.5f} at epoch "
                    f"{run.best_epoch}: {run.best_path}; last weights: "
                    f"{os.path.join(run.out_dir, name + '_latest.pdparams')}")
    else:
        logger.info(f"resumed from {path}: continuing at epoch {run.start_epoch + 1}/{epochs}, "
                    f"lr {run.optimizer.get_lr():.6g}")


def _train_step(run: Run, data, label) -> Dict[str, Any]:
    """Forward, backward and one optimizer (and LR) step on a batch; returns the model's outputs."""
    def forward() -> Dict[str, Any]:
        if run.distiller is None:
            return run.forward_model([data, label], mode="train")
        return run.distiller.train_step(run.forward_model, run.model.head, data, label)

    if run.scaler is not None:
        with paddle.amp.auto_cast(level=run.amp_level):
            out = forward()
        scaled = run.scaler.scale(out["loss"])
        scaled.backward()
        run.scaler.minimize(run.optimizer, scaled)
    else:
        out = forward()
        out["loss"].backward()
        run.optimizer.step()
    run.optimizer.clear_grad()
    return out


@dataclass
class EpochResult:
    """The losses of one epoch's iterations and its wall time in seconds."""

    losses: List[float]
    seconds: float

    @property
    def mean_loss(self) -> float:
        return float(np.mean(self.losses)) if self.losses else float("nan")


def _mean_over_processes(out: Dict[str, Any], keys) -> Dict[str, paddle.Tensor]:
    """The mean over the data-parallel processes of the scalars ``out[key]`` (one all_reduce)."""
    keys = [k for k in keys if k in out]
    both = paddle.concat([out[k].detach().astype("float32").reshape([1]) for k in keys])
    paddle.distributed.all_reduce(both)
    both = both / paddle.distributed.get_world_size()
    return {k: both[i] for i, k in enumerate(keys)}


def train_one_epoch(run: Run, epoch: int) -> EpochResult:
    """Train epoch ``epoch`` (0-based) with generators seeded from (seed, epoch, rank).

    Logs a line every ``log_interval`` iterations and at the epoch's last one, and the epoch summary.
    Raises FloatingPointError when the loss is not finite.
    """
    logger, epochs, iters = run.logger, run.epochs, run.iters_per_epoch
    batch_size, log_interval = run.batch_size, run.cfg["log_interval"]
    step_samples = batch_size * run.world_size  # every process' samples: the throughput of the run
    run.model.train()
    random.seed(epoch_seed(run.seed, epoch, run.rank))
    paddle.seed(epoch_seed(run.seed, epoch, run.rank))
    loader = make_loader(run.train_set, batch_size, run.cfg["DATASET"]["num_workers"], shuffle=True,
                         drop_last=True, seed=run.seed, epoch=epoch, rank=run.rank, world_size=run.world_size)
    t_epoch = tic = time.perf_counter()
    reader_cost = batch_cost = 0.0
    interval_n = 0
    losses: List[float] = []
    bar = tqdm(total=iters, desc=f"epoch {epoch + 1}/{epochs}", disable=run.rank != 0,
               dynamic_ncols=True, leave=False)
    for i, (data, label) in enumerate(loader):
        if i >= iters:
            break
        reader_cost += time.perf_counter() - tic
        out = _train_step(run, data, label)
        cur_lr = run.optimizer.get_lr()
        if not isinstance(run.lr, float):
            run.lr.step()
        if run.world_size > 1:  # log the whole step's loss and Top-1, not process 0's share
            out = dict(out, **_mean_over_processes(out, ("loss", "top1")))
        loss = _scalar(out["loss"])
        if not np.isfinite(loss):
            raise FloatingPointError(f"loss became {loss} at epoch {epoch + 1}, iteration {i + 1}: "
                                     f"lower the learning rate or check the data for NaN")
        losses.append(loss)
        batch_cost += time.perf_counter() - tic
        interval_n += 1
        run.step += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.4f}", lr=f"{cur_lr:.5f}")
        if run.rank == 0:
            run.vdl.add("train/loss", loss, run.step)
            run.vdl.add("train/lr", cur_lr, run.step)
            for part in ("loss_ce", "loss_kd"):
                if part in out:
                    run.vdl.add(f"train/{part}", _scalar(out[part]), run.step)
        if (i + 1) % log_interval == 0 or i + 1 == iters:
            ips = interval_n * step_samples / max(batch_cost, 1e-9)
            top1 = _scalar(out["top1"]) if "top1" in out else float("nan")
            parts = "".join(f"{part}: {_scalar(out[part]):.5f} " for part in ("loss_ce", "loss_kd") if part in out)
            logger.info(f"epoch:[{epoch + 1:3d}/{epochs}] iter:[{i + 1:4d}/{iters}] "
                        f"loss: {loss:.5f} {parts}top1: {top1:.5f} lr: {cur_lr:.6f} "
                        f"batch_cost: {batch_cost / interval_n:.5f} sec, "
                        f"reader_cost: {reader_cost / interval_n:.5f} sec, ips: {ips:.3f} instance/sec")
            reader_cost = batch_cost = 0.0
            interval_n = 0
        tic = time.perf_counter()
    bar.close()
    result = EpochResult(losses, time.perf_counter() - t_epoch)
    load = f", load {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    logger.info(f"epoch:[{epoch + 1:3d}/{epochs}] done: mean loss {result.mean_loss:.5f}, "
                f"{result.seconds:.1f} s, {len(losses) * step_samples / max(result.seconds, 1e-9):.2f} samples/s{load}")
    return result


def validate_and_checkpoint(run: Run, epoch: int, mean_loss: float) -> Optional[float]:
    """After epoch ``epoch`` (0-based), on rank 0: validate when due (keeping the best weights), then
    write the epoch's weights when due, ``<model_name>_latest.pdparams`` and the resume file.

    Returns the validation Top-1, or None when this epoch was not validated.
    """
    if run.rank != 0:
        return None
    cfg, logger, model, name, out_dir = run.cfg, run.logger, run.model, run.name, run.out_dir
    done, epochs = epoch + 1, run.epochs
    run.vdl.add("train/epoch_loss", mean_loss, done)
    top1 = None
    if run.valid_set is not None and (done % cfg["val_interval"] == 0 or done == epochs):
        res = evaluate(model, run.valid_set, cfg["DATASET"]["valid_batch_size"], cfg["DATASET"]["test_num_workers"],
                       desc="validate")
        top1 = float(res.get("top1", float("nan")))
        logger.info(f"[valid] epoch {done}: loss {res['loss']:.5f} top1 {top1:.5f} "
                    f"top5 {float(res.get('top5', float('nan'))):.5f}")
        run.vdl.add("valid/top1", top1, done)
        run.vdl.add("valid/loss", res["loss"], done)
        if top1 > run.best_top1:
            run.best_top1, run.best_epoch = top1, done
            run.best_state = {k: v.numpy() for k, v in model.state_dict().items()}
            checkpoint.save(run.best_state, run.best_path)
            logger.info(f"best top1 so far {run.best_top1:.5f}: saved {name}_best.pdparams")
    if done % cfg["save_interval"] == 0 or done == epochs:
        checkpoint.save(model.state_dict(), os.path.join(out_dir, f"{name}_epoch_{done:05d}.pdparams"))
    checkpoint.save(model.state_dict(), os.path.join(out_dir, f"{name}_latest.pdparams"))
    resume_state.save(out_dir, {"model": model.state_dict(),
                                "optimizer": checkpoint.portable_optimizer_state(model, run.optimizer),
                                "epoch": epoch, "best_top1": run.best_top1, "best_epoch": run.best_epoch,
                                "best_model": run.best_state, "seed": run.seed})
    return top1


def _stop_requested(stop_path: str, parallel: bool) -> bool:
    """Whether a STOP file ends the run now; with several processes, rank 0's view decides for all
    (it removes the file, and no process may go on alone into the next epoch)."""
    stop = os.path.isfile(stop_path)
    if not parallel:
        return stop
    flag = paddle.to_tensor([1.0 if stop and paddle.distributed.get_rank() == 0 else 0.0])
    paddle.distributed.all_reduce(flag)  # also the barrier after rank 0's checkpoint
    return bool(flag.item() > 0)


def train_model(cfg: Dict[str, Any], weights: Optional[str] = None, parallel: bool = False,
                validate: bool = False, use_amp: bool = False, amp_level: str = "O1",
                max_iters: Optional[int] = None, resume: Optional[str] = None, seed: int = 1234,
                max_epochs: Optional[int] = None, show_config: bool = False) -> Dict[str, Any]:
    """Train as ``cfg`` says; returns a summary (epochs run, losses, best Top-1 and its epoch, the model).

    ``resume`` is a ``resume.pdckpt`` path (or a run folder holding one); training
    continues at the epoch after the one it records, with the optimizer and LR schedule
    state it saved. ``max_iters`` stops each epoch early (TIPC lite runs);
    ``max_epochs`` stops the run after that many epochs in this invocation. ``show_config``
    logs the config (after the inputs were checked). Missing weights, resume file or data
    raise before anything is printed or any folder is created.
    """
    run = build_run(cfg, weights, parallel, validate, use_amp, amp_level, max_iters, resume, seed,
                    max_epochs, show_config)
    summary: Dict[str, Any] = {"epochs_run": 0, "best_top1": run.best_top1, "output_dir": run.out_dir,
                               "stopped_on_request": False}
    stop_path = os.path.join(run.out_dir, STOP_FILE)
    for epoch in range(run.start_epoch, run.stop_epoch):
        result = train_one_epoch(run, epoch)
        summary.update(epochs_run=summary["epochs_run"] + 1, last_loss=result.mean_loss,
                       first_loss=summary.get("first_loss", result.losses[0] if result.losses else float("nan")),
                       epoch_time=result.seconds, last_epoch=epoch + 1)
        top1 = validate_and_checkpoint(run, epoch, result.mean_loss)
        if top1 is not None:
            summary["last_top1"] = top1
        if _stop_requested(stop_path, parallel) and epoch + 1 < run.stop_epoch:
            run.logger.info(f"found {stop_path}: stopped after epoch {epoch + 1}/{run.epochs} "
                            f"(continue with --resume)")
            summary["stopped_on_request"] = True
            break
    if os.path.isfile(stop_path) and run.rank == 0:
        os.remove(stop_path)
    run.vdl.close()
    # trainable weights agree across data-parallel ranks; BN running statistics are per rank
    # (rank 0's are saved), as in PaddleVideo, unless main.py's CPU processes synchronise them
    checksum = sum(float(np.abs(p.numpy().astype(np.float64)).sum()) for p in run.model.parameters()
                   if not p.stop_gradient)
    run.logger.info(f"rank {run.rank}: final weights checksum {checksum:.12e}")
    summary.update(best_top1=run.best_top1, best_epoch=run.best_epoch, model=run.model)
    return summary
