"""TIPC basic chain, lite_train_lite_infer for CTRGCN_light, end to end (about 2 minutes on 2 cores).

prepare.sh (real NTU samples from ../shared, or synthetic .skeleton files) -> train 2
iterations -> evaluate -> export -> 8 predictions (oneDNN on/off x 1/2 threads x batch 1/2).
Data and logs go to a temporary folder (TIPC_WORKDIR), not to test_tipc/data and test_tipc/output.
"""
import glob
import os
import re
import subprocess

import pytest

from conftest import ROOT

def run(workdir, *args, timeout=900):
    return subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "OMP_NUM_THREADS": "1", "TIPC_WORKDIR": str(workdir)})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("tipc")


@pytest.fixture(scope="module")
def lite_chain(workdir):
    return run(workdir, "bash", "test_tipc/run_lite.sh")


@pytest.fixture(scope="module")
def lite_logs(workdir):
    return os.path.join(workdir, "output", "CTRGCN_light_joint", "lite_train_lite_infer")


@pytest.mark.slow
def test_lite_chain_succeeds_and_summarises(lite_chain, lite_logs, workdir):
    out = lite_chain.stdout
    assert lite_chain.returncode == 0, out[-3000:] + lite_chain.stderr[-3000:]
    with open(os.path.join(lite_logs, "results_python.log")) as f:
        results = f.read().splitlines()
    assert len(results) == 11  # train, eval, export, 2 x 2 x 2 inference runs
    assert all(line.startswith("Run successfully with command - CTRGCN_light_joint - ") for line in results)
    assert "steps: 11 run, 11 succeeded, 0 failed" in out
    size = re.search(r"exported model: inference.json (\d+) B \+ inference.pdiparams (\d+) B = (\d+) B", out)
    assert size and int(size.group(1)) + int(size.group(2)) == int(size.group(3)) < 10 * 2 ** 20
    assert re.search(r"prediction: example_NTU-RGB-D_sketeton.npy -> top-1 class \d+ \(.+\), score [0-9.]+", out)
    assert "the chain checks that the pipeline works, the class and score say nothing about accuracy" in out


    assert os.path.isfile(os.path.join(workdir, "data", "example_NTU-RGB-D_sketeton.npy"))


@pytest.mark.slow
def test_every_inference_run_agrees_and_logs_a_benchmark(lite_chain, lite_logs):
    logs = sorted(glob.glob(os.path.join(lite_logs, "python_infer_cpu_*.log")))
    assert len(logs) == 8
    top1 = set()
    scores = []
    for path in logs:
        text = open(path).read()
        assert "Traceback" not in text, path
        for key in ("[benchmark]  model_name: CTRGCN_light_joint", "inference_time(ms):", "cpu_rss(MB):",
                    "cpu_math_library_num_threads:", "enable_mkldnn:"):
            assert key in text, (path, key)
        assert re.search(r"Verified against inference.check.npz", text), path
        top1.add(re.search(r"top-1 class: (\d+)", text).group(1))
        scores.append(float(re.search(r"top-1 score: ([0-9.]+)", text).group(1)))
    assert len(top1) == 1  # oneDNN on/off, threads and batch size do not change the answer
    assert max(scores) - min(scores) <= 1e-4


def test_a_failing_step_fails_the_chain(tmp_path):
    """whole_infer with missing weights: the export fails, inference is skipped, exit 1."""
    config = os.path.join(ROOT, "test_tipc", "configs", "CTRGCN_light_joint", "train_infer_python.txt")
    lines = open(config).read().splitlines()
    lines[1] = "model_name:TIPC_failure_check"
    lines[36] = f"infer_model:{tmp_path / 'missing.pdparams'}"
    broken = tmp_path / "train_infer_python.txt"
    broken.write_text("\n".join(lines) + "\n")
    result = run(tmp_path, "bash", "test_tipc/test_train_inference_python.sh", str(broken), "whole_infer", timeout=300)
    assert result.returncode == 1
    log = os.path.join(tmp_path, "output", "TIPC_failure_check", "whole_infer", "results_python.log")
    text = open(log).read()
    assert text.startswith("Run failed with command - TIPC_failure_check - python tools/export_model.py")
    assert "inference skipped: the export failed" in text
    assert "steps: 2 run, 0 succeeded, 2 failed" in result.stdout
