"""Speed of data/ntu-rgb-d/prepare_ntu.py against the reference NTU preparation, side by side.

    python benchmarks/ntu_prep.py --reference-dir /tmp/ntu_ref --num-files 1000 \
        [--sources ../shared/data/ntu60_samples/nturgb+d_skeletons ...] [--num-workers 2] \
        [--work-dir /tmp/ntu_prep_bench] [--write-results]
    python benchmarks/ntu_prep.py --skip-reference --num-files 20000   # memory on a big input

Input: the shared raw files (by default the 30 real and 40 synthetic NTU-60 files)
replicated under new, valid, unique names (setup/camera/performer/replication change,
the action stays; beyond 4080 files the action number changes too) as symbolic links,
so both pipelines read the same bytes.

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
one after the other, as their README says. Timing is wall-clock per process; the
reference total is the sum of its three scripts. Peak memory is the largest resident
set of any single process (from ``wait4``) and, for ours, also the sampled sum over the
main process and its workers.

Both outputs are compared: the reference's ``NTU60_CS.npz``/``NTU60_CV.npz``
(x (N, T, 150), one-hot y) against ours, per benchmark and split, sample by sample.
With ``--write-results`` the ``## NTU preparation speed`` section of
``benchmarks/RESULTS.md`` is replaced by this run's table (other sections are kept).
"""
from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
DEFAULT_SOURCES = [os.path.join(SHARED, "data", "ntu60_samples", "nturgb+d_skeletons"),
                   os.path.join(SHARED, "fixtures", "ntu60_raw_small", "nturgb+d_skeletons")]
REFERENCE_SCRIPTS = ("get_raw_skes_data.py", "get_raw_denoised_data.py", "seq_transformation.py")
SECTION = "## NTU preparation speed"
MEMORY_HEADING = "### Peak memory on a large input"
NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


def replicate_inputs(sources: list[str], num_files: int, out_dir: str) -> list[str]:
    """Symlink ``num_files`` source files into ``out_dir`` under unique NTU-60 names."""
    files = sorted(os.path.join(d, f) for d in sources for f in os.listdir(d)
                   if f.endswith(".skeleton"))
    if not files:
        raise SystemExit(f"no .skeleton files in {sources}")
    combos = 17 * 3 * 40 * 2  # setup, camera, performer, replication
    if num_files > combos * 60:
        raise SystemExit(f"--num-files: at most {combos * 60} distinct NTU-60 names")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    names = []
    for i in range(num_files):
        src = files[i % len(files)]
        # the first 4080 names keep their file's action; later rounds shift it by one
        first = files[(i % combos) % len(files)]
        action = (int(NAME.search(os.path.basename(first)).group(5)) - 1 + i // combos) % 60 + 1
        setup, camera = 1 + i % 17, 1 + (i // 17) % 3
        performer, replication = 1 + (i // 51) % 40, 1 + (i // 2040) % 2
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


class _TreeMemory:
    """Samples the summed resident memory of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self, pid: int) -> list[int]:
        out = [pid]
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    for child in f.read().split():
                        out += self._tree(int(child))
        except OSError:
            pass
        return out

    def _rss_kb(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(self._rss_kb(p) for p in self._tree(self.pid)))
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


def run(cmd: list[str], cwd: str, log_path: str) -> tuple[float, int, int, float]:
    """Run ``cmd``; return (wall seconds, peak RSS KB of its largest process, sampled
    peak KB of its whole process tree, CPU seconds of the tree). Exits if it fails."""
    with open(log_path, "w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        tree = _TreeMemory(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        tree_kb = tree.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {proc.returncode}; see {log_path}")
    return seconds, usage.ru_maxrss, tree_kb, usage.ru_utime + usage.ru_stime


def compare(reference_work: str, ours: str) -> list[str]:
    """Sample-by-sample comparison of the two outputs; returns report lines."""
    lines = []
    for bench, ref_name in (("xsub", "NTU60_CS.npz"), ("xview", "NTU60_CV.npz")):
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


def write_results(path: str, body: str | None = None, memory: str | None = None) -> None:
    """Update the NTU section of RESULTS.md: ``body`` replaces the speed part, ``memory``
    the MEMORY_HEADING subsection; whatever is not given, and other sections, are kept."""
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    found = pattern.search(text)
    old = found.group() if found else ""
    old_body, _, old_memory = old.partition(MEMORY_HEADING)
    body = body if body is not None else old_body.replace(SECTION, "", 1)
    memory = memory if memory is not None else old_memory
    section = f"{SECTION}\n\n{body.strip()}\n"
    if memory.strip():
        section += f"\n{MEMORY_HEADING}\n\n{memory.strip()}\n"
    if found:
        text = text[:found.start()] + section + "\n" + text[found.end():]
    else:
        text = text.rstrip() + "\n\n" + section
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text.rstrip() + "\n")
    os.replace(tmp, path)


def run_ours(raw: str, out: str, args) -> tuple[float, int, int, float]:
    cmd = [sys.executable, os.path.join(ROOT, "data", "ntu-rgb-d", "prepare_ntu.py"),
           "--skeletons-dir", raw, "--out-dir", out, "--num-workers", str(args.num_workers),
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
    parser.add_argument("--num-files", type=int, default=1000)
    parser.add_argument("--num-workers", type=int, default=os.cpu_count())
    parser.add_argument("--work-dir", default="/tmp/ntu_prep_bench")
    parser.add_argument("--write-results", action="store_true",
                        help="update the NTU section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    if not args.skip_reference and not args.reference_dir:
        parser.error("--reference-dir is required unless --skip-reference is given")

    raw = os.path.join(args.work_dir, "raw")
    names = replicate_inputs(args.sources, args.num_files, raw)
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
            write_results(os.path.join(ROOT, "benchmarks", "RESULTS.md"), memory="\n".join([
                f"`prepare_ntu.py --num-workers {args.num_workers}` alone on {len(names)} files "
                f"({text_mb / 1024:.1f} GB of text, the shared files replicated as above; "
                f"{out_mb / 1024:.1f} GB written): {seconds:.0f} s wall, {cpu:.0f} CPU s "
                f"(1-minute load average {os.getloadavg()[0]:.1f} at the end), peak RSS "
                f"{peak / 1024:.0f} MB for the largest process and {tree / 1024:.0f} MB summed "
                f"over the main process and its workers (sampled every 50 ms). Memory does not "
                f"grow with the input: in pass 1 each worker spools its samples to a file "
                f"of its own; in pass 2 they are copied file to file into rows of the "
                f"outputs.",
                "", "```",
                f"python benchmarks/ntu_prep.py --skip-reference --num-files {args.num_files} "
                f"--num-workers {args.num_workers} --work-dir {args.work_dir} --write-results",
                "```"]))
        return
    ref_work = os.path.join(args.work_dir, "reference")
    patch_reference(args.reference_dir, ref_work, raw, names)

    # ours runs before and after the reference, so a change of machine load during the
    # reference run weighs on both sides alike; the speed-up uses the mean of the two
    before = run_ours(raw, ours_out, args)
    results = []
    ref_total, ref_cpu, ref_peak = 0.0, 0.0, 0
    load_start = os.getloadavg()[0]
    for script in REFERENCE_SCRIPTS:
        seconds, peak, _, cpu = run([sys.executable, script], ref_work,
                                    os.path.join(args.work_dir, script + ".log"))
        print(f"reference {script}: {seconds:.1f} s ({cpu:.1f} CPU s), peak RSS "
              f"{peak / 1024:.0f} MB", flush=True)
        results.append((f"reference `{script}`", seconds, cpu, peak))
        ref_total, ref_cpu, ref_peak = ref_total + seconds, ref_cpu + cpu, max(ref_peak, peak)
    shutil.rmtree(ours_out)
    after = run_ours(raw, ours_out, args)
    ours_s, ours_cpu = (before[0] + after[0]) / 2, (before[3] + after[3]) / 2
    ours_peak, ours_tree = max(before[1], after[1]), max(before[2], after[2])
    checks = compare(ref_work, ours_out)
    print("\n".join(checks))
    input_mb = sum(os.path.getsize(os.path.realpath(os.path.join(raw, n + ".skeleton")))
                   for n in names) / 2**20
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    table = [
        f"Input: {len(names)} NTU-60 `.skeleton` files ({input_mb:.0f} MB of text), the "
        f"{sum(len([f for f in os.listdir(d) if f.endswith('.skeleton')]) for d in args.sources)} "
        f"shared files replicated under new names. Machine: {cpus} CPUs shared with other "
        f"jobs (1-minute load average {load_start:.1f} when the reference started, "
        f"{load:.1f} at the end), Python "
        f"{sys.version.split()[0]}, NumPy {np.__version__}.",
        "",
        "| step | wall time (s) | CPU time (s) | peak RSS (MB) |",
        "|---|---:|---:|---:|",
    ]
    for label, seconds, cpu, peak in results:
        table.append(f"| {label} | {seconds:.1f} | {cpu:.1f} | {peak / 1024:.0f} |")
    table += [f"| **reference total** | **{ref_total:.1f}** | {ref_cpu:.1f} | {ref_peak / 1024:.0f} |",
              f"| **`prepare_ntu.py --num-workers {args.num_workers}`** (mean of a run before "
              f"and one after the reference: {before[0]:.1f} s, {after[0]:.1f} s) | "
              f"**{ours_s:.1f}** | {ours_cpu:.1f} | {ours_peak / 1024:.0f} per process, "
              f"{ours_tree / 1024:.0f} summed (sampled) |",
              "",
              f"Speed-up in wall time: **{ref_total / ours_s:.1f}x**; in CPU time (all "
              f"processes, less sensitive to other jobs): {ref_cpu / ours_cpu:.1f}x. Outputs "
              "compared sample by sample (reference npz vs our npy/pkl):", ""]
    table += [f"- {line}" for line in checks]
    table += ["", "Command:", "", "```",
              f"python benchmarks/ntu_prep.py --reference-dir {args.reference_dir} "
              f"--num-files {args.num_files} --num-workers {args.num_workers} --write-results",
              "```"]
    body = "\n".join(table)
    print(f"speed-up: {ref_total / ours_s:.1f}x wall, {ref_cpu / ours_cpu:.1f}x CPU")
    if args.write_results:
        write_results(os.path.join(ROOT, "benchmarks", "RESULTS.md"), body=body)


if __name__ == "__main__":
    main()
