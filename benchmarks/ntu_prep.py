"""Speed of data/ntu-rgb-d/prepare_ntu.py against the reference NTU preparation, side by side.

    python -m benchmarks.ntu_prep --reference-dir /tmp/ntu_ref --num-files 1000 \
        [--sources ../shared/data/ntu60_samples/nturgb+d_skeletons ...] [--num-workers 2] \
        [--rounds 3] [--work-dir /tmp/ntu_prep_bench] [--write-results [--results FILE]]
    python -m benchmarks.ntu_prep --skip-reference --num-files 20000   # memory on a big input

Input: the shared raw files (by default the 30 real and 40 synthetic NTU-60 files)
replicated under new, valid, unique names (setup/camera/performer/replication change,
the action stays; beyond 4080 files the action number changes too) as symbolic links,
so both pipelines read the same bytes. ``--dataset ntu120`` names them within NTU-120's
ranges (setups to 32, performers to 106, every other action + 60), runs CTR-GCN's
``data/ntu120`` copies of the scripts and compares xsub/xset with NTU120_CSub/CSet.npz.

Reference: ``--reference-dir`` holds unmodified copies of CTR-GCN's ``data/ntu/``
``get_raw_skes_data.py``, ``get_raw_denoised_data.py`` and ``seq_transformation.py``
(github.com/Uason-Chen/CTR-GCN; they are not part of this repository). They cannot run
as published on NumPy 2 and hard-code their input folder, so this script copies them
into a working folder and patches the copy:

* ``np.int`` -> ``int`` and ``np.string_`` -> ``np.bytes_`` (removed from NumPy);
* ``get_raw_skes_data.py``: ``skes_path`` points at the replicated input;
* ``seq_transformation.py``: the unused ``import h5py`` and ``from sklearn...`` lines are
  dropped (neither package is needed on the executed path).

It then writes the ``statistics/*.txt`` files those scripts read (names, setup, camera,
performer, replication, label; derived from the file names) and runs the three scripts
one after the other, as their README says. The two sides alternate: ours once, then
``--rounds`` times the reference followed by ours, so each reference run has one of ours
just before and one just after it and a change of machine load weighs on both alike;
each round's speed-up compares the reference with the mean of those two, and the table
gives medians. Timing is wall-clock per process; the reference total is the sum of its
three scripts. Peak memory is the largest resident set of any single process (from
``wait4``) and, for ours, also the sampled sum over the main process and its workers.

Both outputs are compared: the reference's ``NTU60_CS.npz``/``NTU60_CV.npz``
(x (N, T, 150), one-hot y) against ours, per benchmark and split, sample by sample.
With ``--write-results`` the ``### <n> files`` subsection of ``## NTU preparation
speed`` in ``benchmarks/RESULTS.md`` (or ``--results``) is replaced by this run's table
(other input sizes, the memory subsection and other sections are kept).
"""
from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from functools import partial

import numpy as np

from benchmarks.harness import (LoadLog, Sampler, load1, load_text, machine, replace_section,
                                tree_rss_kb)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SHARED = os.path.join(os.path.dirname(ROOT), "shared")
DEFAULT_SOURCES = [os.path.join(SHARED, "data", "ntu60_samples", "nturgb+d_skeletons"),
                   os.path.join(SHARED, "fixtures", "ntu60_raw_small", "nturgb+d_skeletons")]
REFERENCE_SCRIPTS = ("get_raw_skes_data.py", "get_raw_denoised_data.py", "seq_transformation.py")
SECTION = "## NTU preparation speed"
MEMORY_HEADING = "### Peak memory on a large input"
SPEED_HEADING = re.compile(r"### (\d+) files(, NTU-120)?")
DATASET_LABELS = {"ntu60": "NTU-60", "ntu120": "NTU-120"}
SECTION_INTRO = ("`data/ntu-rgb-d/prepare_ntu.py` against the reference NTU preparation "
                 "(CTR-GCN's three `data/ntu` scripts; `data/ntu120` for the NTU-120 "
                 "subsection), side by side on the same input, one subsection per input size "
                 "and dataset. The goal is at least 10x in wall time.")
NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


def replicate_inputs(sources: list[str], num_files: int, out_dir: str,
                     dataset: str = "ntu60") -> list[str]:
    """Symlink ``num_files`` source files into ``out_dir`` under unique names of
    ``dataset``. NTU-60: setups 1-17, performers 1-40, the file's own action (shifted by
    one per 4080 names). NTU-120: setups 1-32, performers 1-106, and every other name
    takes the file's action + 60, so labels 60-119 occur too."""
    files = sorted(os.path.join(d, f) for d in sources for f in os.listdir(d)
                   if f.endswith(".skeleton"))
    if not files:
        raise SystemExit(f"no .skeleton files in {sources}")
    setups, performers = (17, 40) if dataset == "ntu60" else (32, 106)
    combos = setups * 3 * performers * 2  # setup, camera, performer, replication
    limit = combos * 60 if dataset == "ntu60" else combos
    if num_files > limit:
        raise SystemExit(f"--num-files: at most {limit} distinct {dataset} names")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    names = []
    for i in range(num_files):
        src = files[i % len(files)]
        if dataset == "ntu60":
            # the first 4080 names keep their file's action; later rounds shift it by one
            first = files[(i % combos) % len(files)]
            action = (int(NAME.search(os.path.basename(first)).group(5)) - 1 + i // combos) % 60 + 1
        else:
            own = int(NAME.search(os.path.basename(src)).group(5))
            action = (own - 1) % 60 + 1 + 60 * (i % 2)
        setup, camera = 1 + i % setups, 1 + (i // setups) % 3
        performer = 1 + (i // (3 * setups)) % performers
        replication = 1 + (i // (3 * setups * performers)) % 2
        name = f"S{setup:03d}C{camera:03d}P{performer:03d}R{replication:03d}A{action:03d}"
        os.symlink(os.path.abspath(src), os.path.join(out_dir, name + ".skeleton"))
        names.append(name)
    return sorted(names)


def _replace(text: str, old: str, new: str, script: str, required: bool = True) -> str:
    if old not in text:
        if required:
            raise SystemExit(f"{script}: expected to find {old!r}; is this CTR-GCN's data/ntu "
                             f"script?")
        return text
    return text.replace(old, new)


def patch_reference(reference_dir: str, work_dir: str, raw_dir: str, names: list[str]) -> None:
    """Copy the reference scripts into ``work_dir``, patch them (see module docstring) and
    write the statistics files they read."""
    if os.path.isdir(work_dir):
        shutil.rmtree(work_dir)
    os.makedirs(os.path.join(work_dir, "statistics"))
    for script in REFERENCE_SCRIPTS:
        path = os.path.join(reference_dir, script)
        if not os.path.isfile(path):
            raise SystemExit(f"--reference-dir: {path} not found")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"\bnp\.int\b(?!\d|_)", "int", text)
        text = text.replace("np.string_", "np.bytes_")
        if script == "get_raw_skes_data.py":
            text = _replace(text, "skes_path = '../nturgbd_raw/nturgb+d_skeletons/'",
                            f"skes_path = {os.path.abspath(raw_dir) + os.sep!r}", script)
            # (CTR-GCN's NTU-120 copy reads setups 18-32 from a second folder)
            text = _replace(text, "skes_path = '../nturgbd_raw/nturgb+d_skeletons120/'",
                            f"skes_path = {os.path.abspath(raw_dir) + os.sep!r}", script,
                            required=False)
        if script == "seq_transformation.py":
            text = _replace(text, "import h5py\n", "", script, required=False)
            text = _replace(text, "from sklearn.model_selection import train_test_split\n", "",
                            script, required=False)
        with open(os.path.join(work_dir, script), "w", encoding="utf-8") as f:
            f.write(text)
    stats = os.path.join(work_dir, "statistics")
    ids = np.array([[int(g) for g in NAME.fullmatch(n).groups()] for n in names])
    with open(os.path.join(stats, "skes_available_name.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    for column, key in enumerate(("setup", "camera", "performer", "replication", "label")):
        np.savetxt(os.path.join(stats, f"{key}.txt"), ids[:, column], fmt="%d")


def run(cmd: list[str], cwd: str, log_path: str) -> tuple[float, int, int, float]:
    """Run ``cmd``; return (wall seconds, peak RSS KB of its largest process, sampled
    peak KB of its whole process tree, CPU seconds of the tree). Exits if it fails."""
    with open(log_path, "w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        tree = Sampler(partial(tree_rss_kb, proc.pid))
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        tree_kb = int(tree.stop())
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {proc.returncode}; see {log_path}")
    return seconds, usage.ru_maxrss, tree_kb, usage.ru_utime + usage.ru_stime


REFERENCE_OUTPUTS = {"ntu60": (("xsub", "NTU60_CS.npz"), ("xview", "NTU60_CV.npz")),
                     "ntu120": (("xsub", "NTU120_CSub.npz"), ("xset", "NTU120_CSet.npz"))}


def compare(reference_work: str, ours: str, dataset: str = "ntu60") -> list[str]:
    """Sample-by-sample comparison of the two outputs; returns report lines."""
    lines = []
    for bench, ref_name in REFERENCE_OUTPUTS[dataset]:
        ref = np.load(os.path.join(reference_work, ref_name))
        for split, key in (("train", "train"), ("val", "test")):
            x_ref, y_ref = ref[f"x_{key}"], ref[f"y_{key}"]
            n, t = x_ref.shape[:2]
            x_ref = x_ref.reshape(n, t, 2, 25, 3).transpose(0, 4, 1, 3, 2)  # (N, 3, T, 25, 2)
            data = np.load(os.path.join(ours, bench, f"{split}_data.npy"), mmap_mode="r")
            with open(os.path.join(ours, bench, f"{split}_label.pkl"), "rb") as f:
                _, labels = pickle.load(f)
            same_labels = list(np.argmax(y_ref, axis=1)) == list(labels) if n else not labels
            if data.shape[0] != n or data.shape[2] < t:
                raise SystemExit(f"{bench}/{split}: shape {data.shape} vs reference {x_ref.shape}")
            diff = float(np.abs(data[:, :, :t] - x_ref).max()) if n else 0.0
            extra = float(np.abs(data[:, :, t:]).max()) if n and data.shape[2] > t else 0.0
            lines.append(f"{bench} {split}: {n} samples, labels equal: {same_labels}, "
                         f"max |diff| {diff:.1e}, T {data.shape[2]} vs {t}")
            if not same_labels or diff > 1e-5 or extra != 0.0:
                raise SystemExit("outputs differ: " + lines[-1])
    return lines


def subsection_order(heading: str) -> tuple:
    """Speed subsections by dataset (NTU-60 first) and input size, then the others as they were."""
    m = SPEED_HEADING.fullmatch(heading)
    return (0, bool(m.group(2)), int(m.group(1))) if m else (1, False, 0)


def write_results(path: str, body: str | None = None, memory: str | None = None,
                  num_files: int | None = None, dataset: str = "ntu60") -> None:
    """Update the NTU section of RESULTS.md. It holds one ``### <n> files`` subsection of
    speed per input size and the MEMORY_HEADING subsection: ``body`` replaces (or adds)
    the subsection of ``num_files``, ``memory`` the memory one; the other subsections and
    the other sections of the file are kept."""
    suffix = "" if dataset == "ntu60" else f", {DATASET_LABELS[dataset]}"
    for heading, text in ((f"### {num_files} files{suffix}", body), (MEMORY_HEADING, memory)):
        if text is not None:
            replace_section(path, heading, text, within=SECTION, intro=SECTION_INTRO, order=subsection_order)


def run_ours(raw: str, out: str, args) -> tuple[float, int, int, float]:
    cmd = [sys.executable, os.path.join(ROOT, "data", "ntu-rgb-d", "prepare_ntu.py"),
           "--skeletons-dir", raw, "--out-dir", out, "--num-workers", str(args.num_workers),
           "--dataset", args.dataset,
           "--no-progress"]
    seconds, peak, tree, cpu = run(cmd, ROOT, os.path.join(args.work_dir, "ours.log"))
    print(f"prepare_ntu.py on {len(os.listdir(raw))} files: {seconds:.1f} s ({cpu:.1f} CPU s), "
          f"peak RSS {peak / 1024:.0f} MB per process, {tree / 1024:.0f} MB summed over main + "
          f"workers (sampled)", flush=True)
    return seconds, peak, tree, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference-dir",
                        help="folder with unmodified CTR-GCN data/ntu scripts")
    parser.add_argument("--skip-reference", action="store_true",
                        help="only run prepare_ntu.py (time and memory on big inputs)")
    parser.add_argument("--sources", nargs="+", default=DEFAULT_SOURCES,
                        help="folders of .skeleton files to replicate")
    parser.add_argument("--num-files", type=int, default=1000,
                        help="input size: files made from the shared ones (default 1000)")
    parser.add_argument("--dataset", choices=sorted(REFERENCE_OUTPUTS), default="ntu60",
                        help="names to give the files and benchmarks to compare; with ntu120, "
                             "--reference-dir holds CTR-GCN's data/ntu120 scripts")
    parser.add_argument("--num-workers", type=int, default=os.cpu_count(), help="our workers (default: the cores)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="reference runs, each between two runs of ours (default 3)")
    parser.add_argument("--work-dir", default="/tmp/ntu_prep_bench", help="inputs and outputs of the runs")
    parser.add_argument("--write-results", action="store_true",
                        help="update the NTU section of the results file")
    parser.add_argument("--results", default=os.path.join(ROOT, "benchmarks", "RESULTS.md"),
                        help="results file for --write-results (default: benchmarks/RESULTS.md)")
    args = parser.parse_args()
    if not args.skip_reference and not args.reference_dir:
        parser.error("--reference-dir is required unless --skip-reference is given")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    raw = os.path.join(args.work_dir, "raw")
    names = replicate_inputs(args.sources, args.num_files, raw, args.dataset)
    ours_out = os.path.join(args.work_dir, "ours")
    if os.path.isdir(ours_out):
        shutil.rmtree(ours_out)
    if args.skip_reference:
        seconds, peak, tree, cpu = run_ours(raw, ours_out, args)
        if args.write_results:
            text_mb = sum(os.path.getsize(os.path.realpath(os.path.join(raw, n + ".skeleton")))
                          for n in names) / 2**20
            out_mb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ours_out)
                         for f in fs) / 2**20
            write_results(args.results, memory="\n".join([
                f"`prepare_ntu.py --num-workers {args.num_workers}` alone on {len(names)} files "
                f"({text_mb / 1024:.1f} GB of text, the shared files replicated as above; "
                f"{out_mb / 1024:.1f} GB written): {seconds:.0f} s wall, {cpu:.0f} CPU s "
                f"(1-minute load average {load_text(load1())} at the end), peak RSS "
                f"{peak / 1024:.0f} MB for the largest process and {tree / 1024:.0f} MB summed "
                f"over the main process and its workers (sampled every 50 ms). The samples "
                f"never stay in memory: each worker appends its samples to a spool file of "
                f"its own, and the main process writes them from there into their rows of "
                f"each output. What grows with the input is the main process's small "
                f"record per sample (name, ids, spool file, offset, frames).",
                "", "```",
                f"python -m benchmarks.ntu_prep --skip-reference --num-files {args.num_files} "
                f"--num-workers {args.num_workers} --work-dir {args.work_dir} --write-results",
                "```"]))
        return
    ref_work = os.path.join(args.work_dir, "reference")
    patch_reference(args.reference_dir, ref_work, raw, names)

    # ours and the reference alternate: ours, then per round the reference and ours again,
    # so every reference run has one of ours just before and one just after it; a change
    # of machine load weighs on both sides alike. Each round's speed-up compares the
    # reference with the mean of its two neighbours; the table gives medians.
    ours_runs = [run_ours(raw, ours_out, args)]
    ref_runs = []  # per round: [(script, seconds, cpu, peak)] for the three scripts
    load = LoadLog()
    for round_index in range(args.rounds):
        scripts = []
        for script in REFERENCE_SCRIPTS:
            seconds, peak, _, cpu = run([sys.executable, script], ref_work,
                                        os.path.join(args.work_dir, script + ".log"))
            print(f"round {round_index + 1}: reference {script}: {seconds:.1f} s ({cpu:.1f} CPU s), "
                  f"peak RSS {peak / 1024:.0f} MB", flush=True)
            scripts.append((script, seconds, cpu, peak))
        ref_runs.append(scripts)
        shutil.rmtree(ours_out)
        ours_runs.append(run_ours(raw, ours_out, args))
    rounds = summarize_rounds([(r[0], r[3]) for r in ours_runs],
                              [(sum(s[1] for s in r), sum(s[2] for s in r)) for r in ref_runs])
    checks = compare(ref_work, ours_out, args.dataset)
    print("\n".join(checks))
    input_mb = sum(os.path.getsize(os.path.realpath(os.path.join(raw, n + ".skeleton")))
                   for n in names) / 2**20
    load.end()
    host = machine()
    ours_peak = max(r[1] for r in ours_runs)
    ours_tree = max(r[2] for r in ours_runs)
    table = [
        f"Input: {len(names)} {DATASET_LABELS[args.dataset]} `.skeleton` files "
        f"({input_mb:.0f} MB of text), the "
        f"{sum(len([f for f in os.listdir(d) if f.endswith('.skeleton')]) for d in args.sources)} "
        f"shared files replicated under new names. Machine: {host.cores} CPUs shared with other "
        f"jobs (1-minute load average {load_text(load.start_value)} when the reference first started, "
        f"{load_text(load.end_value)} at the end), Python {host.python}, NumPy {host.numpy}. "
        f"{args.rounds} round(s): ours ran before the first reference run and after each "
        f"one; times are medians.",
        "",
        "| step | wall time (s) | CPU time (s) | peak RSS (MB) |",
        "|---|---:|---:|---:|",
    ]
    for k, script in enumerate(REFERENCE_SCRIPTS):
        table.append(f"| reference `{script}` | {np.median([r[k][1] for r in ref_runs]):.1f} | "
                     f"{np.median([r[k][2] for r in ref_runs]):.1f} | "
                     f"{max(r[k][3] for r in ref_runs) / 1024:.0f} |")
    table += [f"| **reference total** | **{rounds['ref_wall']:.1f}** | {rounds['ref_cpu']:.1f} | "
              f"{max(s[3] for r in ref_runs for s in r) / 1024:.0f} |",
              f"| **`prepare_ntu.py --num-workers {args.num_workers}`** ({len(ours_runs)} runs: "
              f"{', '.join(f'{r[0]:.2f}' for r in ours_runs)} s) | **{rounds['ours_wall']:.2f}** | "
              f"{rounds['ours_cpu']:.2f} | {ours_peak / 1024:.0f} per process, "
              f"{ours_tree / 1024:.0f} summed (sampled) |",
              "",
              "| round | reference wall (s) | ours, before / after (s) | speed-up wall | "
              "speed-up CPU |",
              "|---:|---:|---:|---:|---:|"]
    for k, r in enumerate(rounds["rounds"]):
        table.append(f"| {k + 1} | {r['ref_wall']:.1f} | {r['ours_before']:.2f} / "
                     f"{r['ours_after']:.2f} | {r['wall']:.1f}x | {r['cpu']:.1f}x |")
    table += ["",
              f"Speed-up in wall time (median of the rounds): **{rounds['wall']:.1f}x** "
              f"(lowest round {rounds['wall_min']:.1f}x); in CPU time (all processes, less "
              f"sensitive to other jobs, but it does not count that ours uses both cores): "
              f"{rounds['cpu']:.1f}x. Outputs compared sample by sample (reference npz vs "
              "our npy/pkl, after the last round):", ""]
    table += [f"- {line}" for line in checks]
    table += ["", "Command:", "", "```",
              f"python -m benchmarks.ntu_prep --reference-dir {args.reference_dir} "
              f"--num-files {args.num_files} --num-workers {args.num_workers} "
              f"--rounds {args.rounds}"
              + (f" --dataset {args.dataset}" if args.dataset != "ntu60" else "")
              + " --write-results",
              "```"]
    body = "\n".join(table)
    print(f"speed-up (median of {args.rounds} rounds): {rounds['wall']:.1f}x wall "
          f"(lowest {rounds['wall_min']:.1f}x), {rounds['cpu']:.1f}x CPU")
    if args.write_results:
        write_results(args.results, body=body,
                      num_files=args.num_files, dataset=args.dataset)


def summarize_rounds(ours: list[tuple[float, float]], reference: list[tuple[float, float]]
                     ) -> dict:
    """Speed-ups of interleaved runs. ``ours``: (wall, CPU) seconds of our runs, one more
    than ``reference``: (wall, CPU) of each reference round, which ran between our runs
    k and k + 1. Each round is compared with the mean of its two neighbours."""
    if len(ours) != len(reference) + 1 or not reference:
        raise ValueError(f"expected one more run of ours than reference rounds (>= 1), got "
                         f"{len(ours)} and {len(reference)}")
    per_round = []
    for k, (ref_wall, ref_cpu) in enumerate(reference):
        (wall_a, cpu_a), (wall_b, cpu_b) = ours[k], ours[k + 1]
        per_round.append({"ref_wall": ref_wall, "ref_cpu": ref_cpu, "ours_before": wall_a,
                          "ours_after": wall_b, "wall": ref_wall / ((wall_a + wall_b) / 2),
                          "cpu": ref_cpu / ((cpu_a + cpu_b) / 2)})
    return {"rounds": per_round,
            "wall": np.median([r["wall"] for r in per_round]),
            "wall_min": min(r["wall"] for r in per_round),
            "cpu": np.median([r["cpu"] for r in per_round]),
            "ours_wall": np.median([w for w, _ in ours]), "ours_cpu": np.median([c for _, c in ours]),
            "ref_wall": np.median([w for w, _ in reference]),
            "ref_cpu": np.median([c for _, c in reference])}


if __name__ == "__main__":
    main()
