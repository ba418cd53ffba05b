"""Is one model really better than another on the same test set? Compare two models' per-sample
scores: Top-1 of each with its 95% confidence interval, the samples only one of them classifies
right, and the exact McNemar test on those.

    python tools/compare_scores.py --scores a/test/scores.npz b/test/scores.npz [--names A B]

Each input is a ``scores.npz`` written by ``main.py --test`` (the form ``tools/ensemble.py``
reads); both must list the same samples in the same order with the same labels, else the first
difference is an error naming the files and the index. Only labelled samples (label >= 0) count.

- Top-1 interval: Wilson score interval, 95%; it shows how far the test set alone moves a
  Top-1 (on NW-UCLA's 464 view-3 samples one sample is 0.22 pt and the interval is about +-2 pt).
- Paired counts: both right, only A right, only B right, both wrong. A difference in Top-1 is
  (only A - only B) / N, so it rests on the discordant samples alone.
- McNemar exact p-value (two-sided binomial test of "only A" against "only B" with p = 1/2): the
  chance of a split at least this uneven if the two models were equally good on this distribution.
  A large p says the test set cannot tell the two apart; it does not say they are equal.
- ``--errors``: where the two disagree, what the wrong one predicted, grouped as
  "label -> prediction" with counts (largest first), and the samples' names: does one model lose
  on one confusion, or everywhere? ``--dataset nwucla`` (ntu60, ntu120) or ``--class-names FILE``
  (one name per line) names the classes.

    python tools/compare_scores.py --scores light/scores.npz ctrgcn/scores.npz --errors --dataset nwucla
"""
from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple


from paddlevideo.metrics.score_file import ScoreFile, check_aligned

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


def wilson_interval(correct: int, total: int, z: float = Z95) -> Tuple[float, float]:
    """Wilson score interval of a proportion ``correct / total`` (NaN, NaN when ``total`` is 0)."""
    if total <= 0:
        return float("nan"), float("nan")
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: twice the binomial(n, 1/2) tail at the smaller count, capped at 1."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    k = min(only_a, only_b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(a: ScoreFile, b: ScoreFile) -> Dict[str, object]:
    """Top-1 with Wilson interval of each, the paired counts and McNemar's p over the labelled samples."""
    check_aligned([a, b])
    known = a.labels >= 0
    labels = a.labels[known]
    pred_a, pred_b = a.scores[known].argmax(1), b.scores[known].argmax(1)
    right_a, right_b = pred_a == labels, pred_b == labels
    n = int(known.sum())
    counts = {"both": int((right_a & right_b).sum()), "only_a": int((right_a & ~right_b).sum()),
              "only_b": int((~right_a & right_b).sum()), "neither": int((~right_a & ~right_b).sum())}
    out: Dict[str, object] = {"num_samples": len(a.labels), "num_labelled": n, **counts,
                              "p_value": mcnemar_exact(counts["only_a"], counts["only_b"])}
    for key, right in (("a", right_a), ("b", right_b)):
        correct = int(right.sum())
        out[key] = {"path": (a if key == "a" else b).path, "correct": correct,
                    "top1": correct / n if n else float("nan"), "ci95": wilson_interval(correct, n)}
    out["delta"] = (counts["only_a"] - counts["only_b"]) / n if n else float("nan")
    names = a.names[known]
    # the discordant samples: (name, label, the wrong model's prediction)
    out["errors_of_b"] = [(str(names[i]), int(labels[i]), int(pred_b[i])) for i in
                          (right_a & ~right_b).nonzero()[0]]
    out["errors_of_a"] = [(str(names[i]), int(labels[i]), int(pred_a[i])) for i in
                          (~right_a & right_b).nonzero()[0]]
    return out


def error_lines(errors: Sequence[Tuple[str, int, int]], who: str, other: str,
                classes: Optional[Sequence[str]] = None) -> List[str]:
    """``errors`` (name, label, prediction) of model ``who`` on samples ``other`` gets right, grouped
    by (label, prediction), largest group first (ties: by label, then prediction)."""
    def cls(k: int) -> str:
        return f"{k} {classes[k]}" if classes is not None and 0 <= k < len(classes) else str(k)

    groups = Counter((label, pred) for _, label, pred in errors)
    lines = [f"{who} wrong, {other} right: {len(errors)} samples"]
    for (label, pred), count in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])):
        which = ", ".join(name for name, lab, p in errors if (lab, p) == (label, pred))
        lines.append(f"  {count} x {cls(label)} -> {cls(pred)}: {which}")
    return lines


def run(paths: Sequence[str]) -> Dict[str, object]:
    if len(paths) != 2:
        raise ValueError(f"--scores takes exactly two files (model A, model B), got {len(paths)}")
    return compare(ScoreFile(paths[0]), ScoreFile(paths[1]))


def report(result: Dict[str, object], names: Optional[Sequence[str]] = None, errors: bool = False,
           classes: Optional[Sequence[str]] = None) -> List[str]:
    """Printable lines of a ``compare`` result; ``names`` label A and B (default: their paths);
    ``errors``: also each model's errors where the other is right (``error_lines``)."""
    a_name, b_name = names or (result["a"]["path"], result["b"]["path"])
    n = result["num_labelled"]
    lines = [f"{n} labelled samples (of {result['num_samples']}); one sample is {100 / n:.2f} pt" if n else
             f"no labelled samples (of {result['num_samples']})"]
    for key, name in (("a", a_name), ("b", b_name)):
        r = result[key]
        lo, hi = r["ci95"]
        lines.append(f"{key.upper()} {name}: Top-1 {100 * r['top1']:.2f}% ({r['correct']}/{n}), "
                     f"95% interval {100 * lo:.2f}-{100 * hi:.2f}%")
    lines += [f"both right {result['both']}, only A right {result['only_a']}, only B right {result['only_b']}, "
              f"both wrong {result['neither']}",
              f"A - B: {100 * result['delta']:+.2f} pt ({result['only_a'] - result['only_b']:+d} samples); "
              f"McNemar exact p = {result['p_value']:.3g}"]
    if errors:
        lines += error_lines(result["errors_of_a"], f"A {a_name}", f"B {b_name}", classes)
        lines += error_lines(result["errors_of_b"], f"B {b_name}", f"A {a_name}", classes)
    return lines


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser("python tools/compare_scores.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scores", nargs="+", required=True, metavar="SCORES_NPZ",
                   help="two scores.npz files from main.py --test: model A, model B")
    p.add_argument("--names", nargs=2, default=None, metavar=("A", "B"), help="labels for the report")
    p.add_argument("--errors", action="store_true",
                   help="list each model's errors where the other is right, grouped by label -> prediction")
    names = p.add_mutually_exclusive_group()
    names.add_argument("--dataset", default=None, help="name the classes of a known dataset: ntu60, ntu120, nwucla")
    names.add_argument("--class-names", default=None, metavar="FILE", help="name the classes: one per line")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        classes = None
        if args.dataset or args.class_names:
            from paddlevideo.loader.class_names import class_names, read_class_names_file
            classes = class_names(args.dataset) if args.dataset else read_class_names_file(args.class_names)
        result = run(args.scores)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print("\n".join(report(result, args.names, errors=args.errors, classes=classes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
