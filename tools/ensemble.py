"""Fuse the per-sample scores of several streams (joint, bone, motion, bone-motion).

    python tools/ensemble.py --scores joint/test/scores.npz bone/test/scores.npz \\
        --weights 0.6 0.4 --out fused/scores.npz

Each input is a ``scores.npz`` written by ``main.py --test`` (arrays ``names`` (N,),
``scores`` (N, K) logits, ``labels`` (N,) 0-based, -1 when unknown). The fused score of a
sample is ``sum_i w_i * scores_i``, on the raw logits as CTR-GCN's ensemble does. The files
must list the same samples in the same order with the same labels and class count; the
first difference is an error that names the files, the index and both values.

Prints Top-1 of every stream and Top-1 / Top-5 of the fusion; ``--out`` writes the fused
scores in the same ``scores.npz`` form (so fusions can be fused again or plotted).
"""
from __future__ import annotations

import argparse
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

from paddlevideo.metrics.score_file import REQUIRED, ScoreFile, check_aligned  # noqa: F401 (re-exported)
from paddlevideo.metrics.skeleton_metric import topk_accuracy
from paddlevideo.utils.fileio import atomic_write


def fuse(files: Sequence[ScoreFile], weights: Sequence[float]) -> np.ndarray:
    """(N, K) weighted sum of the files' scores."""
    fused = np.zeros_like(files[0].scores)
    for f, w in zip(files, weights):
        fused += w * f.scores
    return fused


def accuracies(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """Top-1 and Top-5 over the samples with a label (>= 0); NaN when there are none."""
    known = labels >= 0
    return {"top1": topk_accuracy(scores[known], labels[known], 1),
            "top5": topk_accuracy(scores[known], labels[known], 5)}


def save_scores(path: str, names: np.ndarray, scores: np.ndarray, labels: np.ndarray) -> None:
    """Write a ``scores.npz`` atomically (temp file in the same folder, then rename)."""
    atomic_write(path, lambda tmp: np.savez(tmp, names=names, scores=scores.astype(np.float32), labels=labels))


def run(score_paths: Sequence[str], weights: Optional[Sequence[float]] = None,
        out: Optional[str] = None) -> Dict[str, object]:
    """Load, check, fuse and evaluate; returns per-stream Top-1 and the fused Top-1 / Top-5."""
    if len(score_paths) < 1:
        raise ValueError("--scores needs at least one file")
    weights = [1.0] * len(score_paths) if weights is None else list(weights)
    if len(weights) != len(score_paths):
        raise ValueError(f"{len(score_paths)} score files but {len(weights)} weights; give one weight per file")
    files = [ScoreFile(p) for p in score_paths]
    check_aligned(files)
    labels = files[0].labels
    fused = fuse(files, weights)
    result: Dict[str, object] = {
        "num_samples": len(labels),
        "num_labelled": int((labels >= 0).sum()),
        "streams": [{"path": f.path, "weight": w, **accuracies(f.scores, labels)} for f, w in zip(files, weights)],
        "fused": accuracies(fused, labels),
    }
    if out:
        save_scores(out, files[0].names, fused, labels)
        result["out"] = out
    return result


def _percent(x: float) -> str:
    return "   n/a" if np.isnan(x) else f"{100 * x:6.2f}"


def report(result: Dict[str, object]) -> List[str]:
    """Printable lines of a ``run`` result."""
    lines = [f"{result['num_samples']} samples ({result['num_labelled']} labelled)",
             f"{'weight':>8} {'top1 %':>7} {'top5 %':>7}  stream"]
    for s in result["streams"]:
        lines.append(f"{s['weight']:8.3g} {_percent(s['top1'])} {_percent(s['top5'])}  {s['path']}")
    fused = result["fused"]
    lines.append(f"{'fused':>8} {_percent(fused['top1'])} {_percent(fused['top5'])}")
    if "out" in result:
        lines.append(f"fused scores written to {result['out']}")
    return lines


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python tools/ensemble.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scores", nargs="+", required=True, help="scores.npz files from main.py --test")
    p.add_argument("--weights", nargs="+", type=float, default=None,
                   help="one weight per score file (default: all 1)")
    p.add_argument("--out", default=None, help="write the fused scores here (.npz)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        result = run(args.scores, args.weights, args.out)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print("\n".join(report(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
