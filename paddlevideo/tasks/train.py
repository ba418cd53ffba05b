"""The training loop: data -> model -> loss -> optimizer, validation, checkpoints, resume.

Files in ``output_dir`` (default ``output/<model_name>``):
``<model_name>_best.pdparams`` (best validation Top-1), ``<model_name>_epoch_<N>.pdparams``
every ``save_interval`` epochs, ``<model_name>_latest.pdparams`` (last finished epoch),
``resume.pdckpt`` (what ``--resume`` reads: model, optimizer with its momentum and LR
schedule position, epoch, best Top-1 with the best weights and their epoch, and the seed from
which every random number of an epoch is drawn), ``train.log`` and a VisualDL folder ``vdl/``.
Every file is written atomically, so a killed run loses at most the epoch in progress; the
resume file alone is enough to continue a run on another machine (it restores
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

import os
import random
import threading
import time
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
from ..utils.cpu_math import MKL_CPU_TYPE_VAR
from ..utils.dist import get_dist_info
from ..config import print_config
from ..utils.logger import get_logger
from .checks import check_joints, check_labels, sampling_warnings
from .distill import Distiller, DistillOptions
from .sampler import EpochBatchSampler

RESUME_FILE = "resume.pdckpt"
STOP_FILE = "STOP"


def output_dir_of(cfg: Dict[str, Any]) -> str:
    return cfg.get("output_dir") or os.path.join("output", cfg["model_name"])


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


def train_model(cfg: Dict[str, Any], weights: Optional[str] = None, parallel: bool = False,
                validate: bool = False, use_amp: bool = False, amp_level: str = "O1",
                max_iters: Optional[int] = None, resume: Optional[str] = None, seed: int = 1234,
                max_epochs: Optional[int] = None, show_config: bool = False) -> Dict[str, Any]:
    """Train as ``cfg`` says; returns a summary (epochs run, best Top-1, last loss, paths).

    ``resume`` is a ``resume.pdckpt`` path (or a run folder holding one); training
    continues at the epoch after the one it records, with the optimizer and LR schedule
    state it saved. ``max_iters`` stops each epoch early (TIPC lite runs);
    ``max_epochs`` stops the run after that many epochs in this invocation. ``show_config``
    logs the config (after the inputs were checked). Missing weights, resume file or data
    raise before anything is printed or any folder is created.
    """
    rank, world_size = get_dist_info()
    out_dir = output_dir_of(cfg)
    name = cfg["model_name"]
    if weights and not os.path.isfile(weights):
        raise FileNotFoundError(f"weights not found: {weights} (-w)")
    resume_path = None
    if resume:
        resume_path = os.path.join(resume, RESUME_FILE) if os.path.isdir(resume) else resume
        if not os.path.isfile(resume_path):
            raise FileNotFoundError(f"nothing to resume: {resume_path} not found (--resume)")
    ds_cfg, pl_cfg = cfg["DATASET"], cfg.get("PIPELINE", {})
    train_set = build_dataset(ds_cfg["train"], pl_cfg.get("train"))
    valid_set = None
    if validate:
        valid_cfg = ds_cfg.get("valid") or ds_cfg.get("test")
        if valid_cfg is None:
            raise ValueError("--validate needs DATASET.valid (or DATASET.test) in the config")
        valid_set = build_dataset(valid_cfg, pl_cfg.get("valid") or pl_cfg.get("test"))

    num_classes = cfg["MODEL"].get("head", {}).get("num_classes")
    for where, dataset in (("DATASET.train", train_set), ("DATASET.valid", valid_set)):
        if dataset is not None:
            check_joints(dataset, cfg["MODEL"]["backbone"], where)
            check_labels(dataset, num_classes, where)

    os.makedirs(out_dir, exist_ok=True)
    logger = get_logger("paddlevideo", os.path.join(out_dir, "train.log") if rank == 0 else None)
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
                                             for var in ("OMP_NUM_THREADS", MKL_CPU_TYPE_VAR)))
    if use_amp and not use_gpu:
        logger.warning("--amp needs a GPU; training in float32 on the CPU")
        use_amp = False

    batch_size = ds_cfg.get("batch_size", 16)
    num_workers = ds_cfg.get("num_workers", 0)
    iters_per_epoch = EpochBatchSampler(len(train_set), batch_size, True, True, 0, rank, world_size).__len__()
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
    optimizer, lr = build_optimizer(cfg.get("OPTIMIZER", {}), model.parameters(), iters_per_epoch)

    epochs = cfg.get("epochs", 1)
    best_path = os.path.join(out_dir, f"{name}_best.pdparams")
    start_epoch, best_top1, best_epoch, best_state = 0, -1.0, 0, None
    if resume_path:
        path = resume_path
        state = checkpoint.load(path)
        model.set_state_dict(state["model"])
        checkpoint.load_portable_optimizer_state(model, optimizer, state["optimizer"])
        start_epoch, best_top1 = int(state["epoch"]) + 1, float(state["best_top1"])
        best_epoch = int(state.get("best_epoch", 0))
        best_state = state.get("best_model")
        if best_state is None and os.path.isfile(best_path):  # a resume file of an older version
            best_state = checkpoint.load(best_path)
        if "seed" in state and int(state["seed"]) != seed:
            logger.info(f"--seed {seed} ignored: the resumed run continues with its own seed {int(state['seed'])}")
            seed = int(state["seed"])
        if state.get("best_model") is not None and not os.path.isfile(best_path):
            checkpoint.save(state["best_model"], best_path)
            logger.info(f"restored {name}_best.pdparams (epoch {best_epoch}) from the resume file")
        if start_epoch >= epochs:
            logger.info(f"{path}: the run already finished {start_epoch} of {epochs} epochs; nothing left to "
                        f"train (raise 'epochs' to train longer). Best top1 {best_top1:.5f} at epoch "
                        f"{best_epoch}: {best_path}; last weights: "
                        f"{os.path.join(out_dir, name + '_latest.pdparams')}")
        else:
            logger.info(f"resumed from {path}: continuing at epoch {start_epoch + 1}/{epochs}, "
                        f"lr {optimizer.get_lr():.6g}")
    scaler = paddle.amp.GradScaler(init_loss_scaling=1024) if use_amp else None
    train_model_ = paddle.DataParallel(model) if parallel else model

    def train_forward(data, label) -> Dict[str, Any]:
        if distiller is None:
            return train_model_([data, label], mode="train")
        return distiller.train_step(train_model_, model.head, data, label)

    vdl = _VisualDL(os.path.join(out_dir, "vdl"), rank == 0, logger)
    log_interval = cfg.get("log_interval", 10)
    val_interval = cfg.get("val_interval", 1)
    save_interval = cfg.get("save_interval", 10)
    last_epoch = epochs if max_epochs is None else min(epochs, start_epoch + max_epochs)
    summary: Dict[str, Any] = {"epochs_run": 0, "best_top1": best_top1, "output_dir": out_dir,
                               "stopped_on_request": False}
    step = start_epoch * iters_per_epoch
    stop_path = os.path.join(out_dir, STOP_FILE)

    for epoch in range(start_epoch, last_epoch):
        model.train()
        random.seed(epoch_seed(seed, epoch, rank))
        paddle.seed(epoch_seed(seed, epoch, rank))
        loader = make_loader(train_set, batch_size, num_workers, shuffle=True, drop_last=True,
                             seed=seed, epoch=epoch, rank=rank, world_size=world_size)
        t_epoch = tic = time.perf_counter()
        reader_cost = batch_cost = 0.0
        interval_n = 0
        losses = []
        bar = tqdm(total=iters_per_epoch, desc=f"epoch {epoch + 1}/{epochs}", disable=rank != 0,
                   dynamic_ncols=True, leave=False)
        for i, (data, label) in enumerate(loader):
            if i >= iters_per_epoch:
                break
            reader_cost += time.perf_counter() - tic
            if use_amp:
                with paddle.amp.auto_cast(level=amp_level):
                    out = train_forward(data, label)
                scaled = scaler.scale(out["loss"])
                scaled.backward()
                scaler.minimize(optimizer, scaled)
            else:
                out = train_forward(data, label)
                out["loss"].backward()
                optimizer.step()
            optimizer.clear_grad()
            cur_lr = optimizer.get_lr()
            if not isinstance(lr, float):
                lr.step()
            loss = _scalar(out["loss"])
            if not np.isfinite(loss):
                raise FloatingPointError(f"loss became {loss} at epoch {epoch + 1}, iteration {i + 1}: "
                                         f"lower the learning rate or check the data for NaN")
            losses.append(loss)
            batch_cost += time.perf_counter() - tic
            interval_n += 1
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", lr=f"{cur_lr:.5f}")
            if rank == 0:
                vdl.add("train/loss", loss, step)
                vdl.add("train/lr", cur_lr, step)
                for part in ("loss_ce", "loss_kd"):
                    if part in out:
                        vdl.add(f"train/{part}", _scalar(out[part]), step)
            if (i + 1) % log_interval == 0 or i + 1 == iters_per_epoch:
                ips = interval_n * batch_size / max(batch_cost, 1e-9)
                top1 = _scalar(out["top1"]) if "top1" in out else float("nan")
                parts = "".join(f"{part}: {_scalar(out[part]):.5f} " for part in ("loss_ce", "loss_kd")
                                if part in out)
                logger.info(f"epoch:[{epoch + 1:3d}/{epochs}] iter:[{i + 1:4d}/{iters_per_epoch}] "
                            f"loss: {loss:.5f} {parts}top1: {top1:.5f} lr: {cur_lr:.6f} "
                            f"batch_cost: {batch_cost / interval_n:.5f} sec, "
                            f"reader_cost: {reader_cost / interval_n:.5f} sec, ips: {ips:.3f} instance/sec")
                reader_cost = batch_cost = 0.0
                interval_n = 0
            tic = time.perf_counter()
        bar.close()
        epoch_time = time.perf_counter() - t_epoch
        mean_loss = float(np.mean(losses)) if losses else float("nan")
        load = f", load {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
        logger.info(f"epoch:[{epoch + 1:3d}/{epochs}] done: mean loss {mean_loss:.5f}, "
                    f"{epoch_time:.1f} s, {len(losses) * batch_size / max(epoch_time, 1e-9):.2f} samples/s{load}")
        summary.update(epochs_run=summary["epochs_run"] + 1, last_loss=mean_loss,
                       first_loss=summary.get("first_loss", losses[0] if losses else float("nan")),
                       epoch_time=epoch_time, last_epoch=epoch + 1)

        if rank == 0:
            vdl.add("train/epoch_loss", mean_loss, epoch + 1)
            if valid_set is not None and ((epoch + 1) % val_interval == 0 or epoch + 1 == epochs):
                res = evaluate(model, valid_set, ds_cfg.get("test_batch_size", batch_size),
                               ds_cfg.get("test_num_workers", 0), desc="validate")
                top1 = float(res.get("top1", float("nan")))
                logger.info(f"[valid] epoch {epoch + 1}: loss {res['loss']:.5f} top1 {top1:.5f} "
                            f"top5 {float(res.get('top5', float('nan'))):.5f}")
                vdl.add("valid/top1", top1, epoch + 1)
                vdl.add("valid/loss", res["loss"], epoch + 1)
                summary["last_top1"] = top1
                if top1 > best_top1:
                    best_top1, best_epoch = top1, epoch + 1
                    best_state = {k: v.numpy() for k, v in model.state_dict().items()}
                    checkpoint.save(best_state, best_path)
                    logger.info(f"best top1 so far {best_top1:.5f}: saved {name}_best.pdparams")
            if (epoch + 1) % save_interval == 0 or epoch + 1 == epochs:
                checkpoint.save(model.state_dict(), os.path.join(out_dir, f"{name}_epoch_{epoch + 1:05d}.pdparams"))
            checkpoint.save(model.state_dict(), os.path.join(out_dir, f"{name}_latest.pdparams"))
            checkpoint.save({"model": model.state_dict(),
                             "optimizer": checkpoint.portable_optimizer_state(model, optimizer),
                             "epoch": epoch, "best_top1": best_top1, "best_epoch": best_epoch,
                             "best_model": best_state, "seed": seed},
                            os.path.join(out_dir, RESUME_FILE))
        if parallel:
            paddle.distributed.barrier()
        if os.path.isfile(stop_path) and epoch + 1 < last_epoch:
            logger.info(f"found {stop_path}: stopped after epoch {epoch + 1}/{epochs} "
                        f"(continue with --resume)")
            summary["stopped_on_request"] = True
            break
    if os.path.isfile(stop_path) and rank == 0:
        os.remove(stop_path)
    vdl.close()
    # trainable weights agree across data-parallel ranks; BN running statistics are per rank
    # (rank 0's are saved), as in PaddleVideo
    checksum = sum(float(np.abs(p.numpy().astype(np.float64)).sum()) for p in model.parameters()
                   if not p.stop_gradient)
    logger.info(f"rank {rank}: final weights checksum {checksum:.12e}")
    summary["best_top1"] = best_top1
    summary["best_epoch"] = best_epoch
    summary["model"] = model
    return summary
