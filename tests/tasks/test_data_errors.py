"""An exception in a dataset or pipeline step ends training, validation and --test promptly with
one clear error (sample index and name, the pipeline step, the reason) and exit code 1, with
any num_workers. Paddle 3.3.1's single-process DataLoader thread used to hang forever on it."""
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT
from tests.test_main import tiny_config

RUNNER = textwrap.dedent("""
    import sys
    import numpy as np
    from paddlevideo.loader.registry import PIPELINES

    @PIPELINES.register()
    class FailOnMarkedSample:
        \"\"\"Raises on the sample whose first value is the marker 1000.\"\"\"
        def __call__(self, results):
            if results["data"].flat[0] == 1000.0:
                raise ZeroDivisionError("marked sample")
            return results

    import main
    sys.exit(main.main(sys.argv[1:]))
""")


def run(tmp_path, *args):
    script = tmp_path / "run_main.py"
    script.write_text(RUNNER)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # a hang fails here instead of blocking the suite


def config_with_bad_sample(tmp_path, split):
    """The tiny config of tests/test_main.py with a pipeline step that fails on sample 3 of ``split``."""
    import numpy as np
    steps = lambda p: {"sample": [{"FailOnMarkedSample": None},  # noqa: E731
                                  {"SkeletonCropSample": {"window_size": 12, "p_interval": p}}]}
    cfg = tiny_config(str(tmp_path), epochs=1,
                      PIPELINE={"train": steps([0.5, 1]), "valid": steps([0.95]), "test": steps([0.95])})
    path = tmp_path / f"{split}_data.npy"
    x = np.load(path)
    x[3].flat[0] = 1000.0  # sample 3 of the split, named '<split>3'
    np.save(path, x)
    return cfg


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("task, split", [("train", "train"), ("validate", "val"), ("test", "val")])
def test_a_failing_sample_ends_the_run_with_one_clear_error(tmp_path, workers, task, split):
    cfg = config_with_bad_sample(tmp_path, split)
    if task == "test":
        r = run(tmp_path, "-c", cfg, "--max_iters", "1")  # weights to test (the training split is fine)
        assert r.returncode == 0, r.stderr[-2000:]
        weights = tmp_path / "out" / "tiny_latest.pdparams"
        args = ["--test", "-c", cfg, "-w", str(weights), "-o", f"DATASET.test_num_workers={workers}"]
    else:
        args = ["-c", cfg, "-o", f"DATASET.num_workers={workers}", "-o", f"DATASET.test_num_workers={workers}"]
        if task == "validate":
            args.append("--validate")
    r = run(tmp_path, *args)
    assert r.returncode == 1, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    err = r.stderr
    assert f"sample 3 ('{split}3')" in err
    assert "pipeline step 1 (FailOnMarkedSample) failed: ZeroDivisionError: marked sample" in err
    assert "Traceback" not in err
