"""benchmarks/ntu_prep.py: interleaved rounds, the speed-up arithmetic, the RESULTS.md
section (one subsection per input size) and a whole run against a stand-in reference.

The real reference scripts are not in the repository; the stand-in below has their
names, the line the benchmark patches and their output format (NTU60_CS/CV.npz), and
computes the arrays with our own preparation, so the run must report equal outputs."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from benchmarks import ntu_prep
from tests.conftest import ROOT, load_script



def test_summarize_rounds_compares_each_reference_run_with_its_neighbours():
    ours = [(2.0, 3.0), (4.0, 5.0), (2.0, 3.0)]
    reference = [(30.0, 28.0), (21.0, 20.0)]
    out = ntu_prep.summarize_rounds(ours, reference)
    assert [r["wall"] for r in out["rounds"]] == pytest.approx([10.0, 7.0])
    assert [r["cpu"] for r in out["rounds"]] == pytest.approx([7.0, 5.0])
    assert out["wall"] == pytest.approx(8.5) and out["wall_min"] == pytest.approx(7.0)
    assert out["ours_wall"] == 2.0 and out["ref_wall"] == pytest.approx(25.5)


@pytest.mark.parametrize("ours, reference", [([(1.0, 1.0)], [(10.0, 10.0)]),
                                             ([(1.0, 1.0)], [])])
def test_summarize_rounds_needs_one_more_run_of_ours(ours, reference):
    with pytest.raises(ValueError, match="one more run of ours"):
        ntu_prep.summarize_rounds(ours, reference)


def test_write_results_keeps_other_sizes_memory_and_sections(tmp_path):
    path = str(tmp_path / "RESULTS.md")
    with open(path, "w") as f:
        f.write("# Benchmark results\n\n## NTU preparation speed\n\nold table\n\n"
                "### Peak memory on a large input\n\n20000 files: 87 MB\n\n"
                "## NW-UCLA accuracy\n\nkept\n")
    ntu_prep.write_results(path, body="four thousand", num_files=4000)
    ntu_prep.write_results(path, body="one thousand", num_files=1000)
    ntu_prep.write_results(path, body="one thousand, again", num_files=1000)
    text = open(path).read()
    assert "old table" not in text and "one thousand\n" not in text
    assert (text.index("### 1000 files\n\none thousand, again")
            < text.index("### 4000 files\n\nfour thousand")
            < text.index("### Peak memory on a large input\n\n20000 files: 87 MB")
            < text.index("## NW-UCLA accuracy\n\nkept"))
    ntu_prep.write_results(path, body="ntu120 table", num_files=1000, dataset="ntu120")
    text = open(path).read()
    assert (text.index("### 4000 files\n") < text.index("### 1000 files, NTU-120\n\nntu120 table")
            < text.index("### Peak memory"))
    ntu_prep.write_results(path, memory="new memory")
    text = open(path).read()
    assert "20000 files: 87 MB" not in text and "new memory" in text
    assert "one thousand, again" in text and "four thousand" in text


STAND_IN = {
    "get_raw_skes_data.py": """
        import os, sys
        skes_path = '../nturgbd_raw/nturgb+d_skeletons/'
        with open("skes_path.txt", "w") as f:
            f.write(skes_path)
    """,
    "get_raw_denoised_data.py": """
        import numpy as np
    """,
    "seq_transformation.py": """
        import os, pickle, subprocess, sys
        import numpy as np
        skes_path = open("skes_path.txt").read()
        subprocess.run([sys.executable, os.path.join(ROOT, "data", "ntu-rgb-d", "prepare_ntu.py"),
                        "--skeletons-dir", skes_path, "--out-dir", "prepared", "--no-progress",
                        "--num-workers", "1", "--dataset", DATASET], check=True,
                       stdout=subprocess.DEVNULL)
        outputs = {"ntu60": (("xsub", "NTU60_CS.npz"), ("xview", "NTU60_CV.npz")),
                   "ntu120": (("xsub", "NTU120_CSub.npz"), ("xset", "NTU120_CSet.npz"))}
        classes = 60 if DATASET == "ntu60" else 120
        for bench, out in outputs[DATASET]:
            arrays = {}
            for split, key in (("train", "train"), ("val", "test")):
                data = np.load(os.path.join("prepared", bench, split + "_data.npy"))
                with open(os.path.join("prepared", bench, split + "_label.pkl"), "rb") as f:
                    _, labels = pickle.load(f)
                n, _, t = data.shape[:3]
                arrays["x_" + key] = data.transpose(0, 2, 4, 3, 1).reshape(n, t, 150)
                arrays["y_" + key] = np.eye(classes, dtype=np.float32)[labels]
            np.savez(out, **arrays)
    """,
}


@pytest.mark.parametrize("dataset", ["ntu60", "ntu120"])
def test_whole_run_against_a_stand_in_reference(tmp_path, dataset):
    make_synthetic = load_script(os.path.join("data", "ntu-rgb-d", "make_synthetic.py"), "make_synthetic_ntu")
    sources = tmp_path / "sources"
    make_synthetic.make_synthetic(str(sources), num_files=6)
    reference = tmp_path / "reference_scripts"
    reference.mkdir()
    for name, body in STAND_IN.items():
        code = textwrap.dedent(body)
        if name == "seq_transformation.py":
            code = f"ROOT = {ROOT!r}\nDATASET = {dataset!r}\n" + code
        (reference / name).write_text(code)
    results = tmp_path / "RESULTS.md"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.ntu_prep", "--reference-dir",
         str(reference), "--sources", str(sources), "--num-files", "12", "--num-workers", "2",
         "--rounds", "2", "--dataset", dataset, "--work-dir", str(tmp_path / "work"),
         "--write-results", "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("reference seq_transformation.py") == 2  # one per round
    assert run.stdout.count("prepare_ntu.py on 12 files") == 3  # before, and after each round
    assert "max |diff| 0.0e+00" in run.stdout and "speed-up (median of 2 rounds)" in run.stdout
    text = results.read_text()
    heading, flag = ("### 12 files\n", "") if dataset == "ntu60" else ("### 12 files, NTU-120\n", " --dataset ntu120")
    assert heading in text and "| 2 |" in text and f"--rounds 2{flag} --write-results" in text
    benches = ("xsub", "xview") if dataset == "ntu60" else ("xsub", "xset")
    assert all(f"{b} train:" in run.stdout for b in benches)
    # the patched copy points at the replicated input, the statistics files are written
    work = tmp_path / "work" / "reference"
    assert (work / "skes_path.txt").read_text() == str(tmp_path / "work" / "raw") + os.sep
    names = (work / "statistics" / "skes_available_name.txt").read_text().split()
    assert len(names) == 12 == len(set(names))
    labels = np.loadtxt(work / "statistics" / "label.txt", dtype=int)
    assert [int(n[-3:]) for n in names] == labels.tolist()
    assert (labels > 60).any() == (dataset == "ntu120")  # NTU-120 names use actions 61-120 too
