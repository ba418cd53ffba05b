"""Plot a training run: loss, learning rate and Top-1 curves, and the test confusion matrix.

    python tools/plot_run.py output/CTRGCN_light_joint            # PNGs into RUN_DIR/plots/

Reads ``RUN_DIR/train.log`` (written by ``main.py``); without it, the VisualDL records in
``RUN_DIR/vdl/`` (these carry no training Top-1). Writes:

    loss.png              logged training loss per iteration, mean loss per epoch, validation loss
    lr.png                learning rate at the logged iterations
    top1.png              training Top-1 (mean of the logged batches of an epoch) and validation Top-1
    confusion_matrix.png  when RUN_DIR/test/scores.npz exists (``main.py --test``), row-normalised

The log is read by ``paddlevideo.utils.train_log`` (a resumed run's later record of an
epoch replaces the earlier one).
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np

from paddlevideo.metrics.skeleton_metric import confusion_matrix, save_confusion_png
from paddlevideo.utils.fileio import atomic_write
from paddlevideo.utils.train_log import RunHistory, read_train_log


def read_vdl(folder: str) -> RunHistory:
    """The same history from VisualDL scalars (train/loss, train/lr per step; train/epoch_loss,
    valid/loss, valid/top1 per epoch). Steps become epochs through steps per epoch =
    last step / last epoch, exact for runs whose every epoch has the same length."""
    from visualdl import LogReader

    files = sorted(glob.glob(os.path.join(folder, "vdlrecords*")), key=os.path.getmtime)
    if not files:
        raise FileNotFoundError(f"no VisualDL records (vdlrecords*) in {folder}")
    scalars: Dict[str, Dict[int, float]] = {}
    for path in files:  # later files (a resumed run) overwrite the same steps
        reader = LogReader(file_path=path)
        for tag in reader.get_tags().get("scalar", []):
            for record in reader.get_data("scalar", tag):
                scalars.setdefault(tag, {})[int(record.id)] = float(record.value)
    history = RunHistory(source=", ".join(files))
    history.epoch_loss = dict(scalars.get("train/epoch_loss", {}))
    losses, lrs = scalars.get("train/loss", {}), scalars.get("train/lr", {})
    if losses and history.epoch_loss:
        history.iters_per_epoch = max(1, round(max(losses) / max(history.epoch_loss)))
        for step in sorted(losses):
            epoch, it = divmod(step - 1, history.iters_per_epoch)
            history.add_iter(epoch + 1, it + 1, losses[step], float("nan"), lrs.get(step, float("nan")))
    valid_loss, valid_top1 = scalars.get("valid/loss", {}), scalars.get("valid/top1", {})
    for epoch in sorted(set(valid_loss) | set(valid_top1)):
        history.valid[epoch] = (valid_loss.get(epoch, float("nan")), valid_top1.get(epoch, float("nan")),
                                float("nan"))
    return history


def read_run(run_dir: str) -> RunHistory:
    """``train.log`` of ``run_dir``, else its ``vdl/`` records."""
    log = os.path.join(run_dir, "train.log")
    if os.path.isfile(log):
        history = read_train_log(log)
    elif os.path.isdir(os.path.join(run_dir, "vdl")):
        history = read_vdl(os.path.join(run_dir, "vdl"))
    else:
        raise FileNotFoundError(f"{run_dir}: neither train.log nor vdl/ found (is it a main.py output folder?)")
    if not history.iters and not history.epoch_loss:
        raise ValueError(f"{history.source}: no training records (lines like 'epoch:[  1/65] iter:[  20/318] "
                         "loss: ...' or 'epoch:[  1/65] done: mean loss ...')")
    return history


def _figure(title: str, ylabel: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def _save(fig, path: str) -> str:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path


def _epoch_series(values: Dict[int, float]) -> Tuple[List[int], List[float]]:
    epochs = sorted(values)
    return epochs, [values[e] for e in epochs]


def plot_history(history: RunHistory, out_dir: str) -> List[str]:
    """Write loss.png, lr.png and top1.png into ``out_dir``; returns the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    written = []

    fig, ax = _figure("loss", "cross-entropy")
    x, y = history.iteration_curve(1)
    if len(x):
        ax.plot(x, y, color="tab:blue", alpha=0.35, lw=1, label="train (logged iterations)")
    if history.epoch_loss:
        ax.plot(*_epoch_series(history.epoch_loss), "o-", color="tab:blue", ms=3, label="train (epoch mean)")
    if history.valid:
        ax.plot(*_epoch_series({e: v[0] for e, v in history.valid.items()}), "s-", color="tab:red", ms=3,
                label="validation")
    ax.legend()
    written.append(_save(fig, os.path.join(out_dir, "loss.png")))

    fig, ax = _figure("learning rate", "lr")
    x, y = history.iteration_curve(3)
    ax.plot(x, y, color="tab:green", lw=1.2)
    written.append(_save(fig, os.path.join(out_dir, "lr.png")))

    fig, ax = _figure("Top-1 accuracy", "Top-1")
    train_top1 = history.train_top1()
    if train_top1:
        ax.plot(*_epoch_series(train_top1), "o-", color="tab:blue", ms=3, label="train (logged batches)")
    if history.valid:
        ax.plot(*_epoch_series({e: v[1] for e, v in history.valid.items()}), "s-", color="tab:red", ms=3,
                label="validation")
    ax.set_ylim(0, 1)
    if train_top1 or history.valid:
        ax.legend()
    written.append(_save(fig, os.path.join(out_dir, "top1.png")))
    return written


def plot_confusion(scores_path: str, out_path: str) -> str:
    """Row-normalised confusion matrix PNG of a ``scores.npz`` (labelled samples only)."""
    with np.load(scores_path, allow_pickle=False) as npz:
        scores, labels = npz["scores"], npz["labels"].astype(np.int64)
    known = labels >= 0
    if not known.any():
        raise ValueError(f"{scores_path}: no labelled samples (all labels are -1)")
    num_classes = scores.shape[1]
    if labels[known].max() >= num_classes:
        raise ValueError(f"{scores_path}: label {labels[known].max()} out of range for {num_classes} classes")
    cm = confusion_matrix(scores[known].argmax(axis=1), labels[known], num_classes)
    top1 = np.trace(cm) / cm.sum()
    save_confusion_png(cm, out_path, title=f"confusion matrix (row-normalised), Top-1 {100 * top1:.2f}%")
    return out_path


def summary(history: RunHistory) -> List[str]:
    """A few printable lines: epochs seen, last mean loss, best validation Top-1."""
    lines = [f"read {history.source}"]
    if history.epoch_loss:
        last = max(history.epoch_loss)
        lines.append(f"{len(history.epoch_loss)} epochs; epoch {last} mean loss {history.epoch_loss[last]:.5f}")
    best = history.best_valid()
    if best:
        lines.append(f"best validation Top-1 {best[1]:.5f} at epoch {best[0]}")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser("python tools/plot_run.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", help="a main.py output folder (holds train.log and/or vdl/)")
    p.add_argument("--out_dir", default=None, help="where the PNGs go (default RUN_DIR/plots)")
    p.add_argument("--test_dir", default=None, help="folder with scores.npz (default RUN_DIR/test)")
    args = p.parse_args(argv)
    out_dir = args.out_dir or os.path.join(args.run_dir, "plots")
    try:
        history = read_run(args.run_dir)
        written = plot_history(history, out_dir)
        scores = os.path.join(args.test_dir or os.path.join(args.run_dir, "test"), "scores.npz")
        if os.path.isfile(scores):
            written.append(plot_confusion(scores, os.path.join(out_dir, "confusion_matrix.png")))
        elif args.test_dir:
            raise FileNotFoundError(f"no scores.npz in {args.test_dir}")
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print("\n".join(summary(history) + [f"wrote {path}" for path in written]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
