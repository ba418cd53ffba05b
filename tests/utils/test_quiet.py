"""paddlevideo/utils/quiet.py: the entry points do not print Paddle's ccache warning, real warnings still show."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

CONFIG = os.path.join("configs", "recognition", "ctrgcn", "ctrgcn_light_ntucs_joint.yaml")
CCACHE = "No ccache found"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", [
    ["main.py", "--test", "-c", CONFIG, "-w", "missing.pdparams"],
    ["tools/export_model.py", "-c", CONFIG, "-p", "missing.pdparams", "-o", "unused"],
    ["tools/visualize.py", "--help"],
    ["tools/predict.py", "--input_file", "missing.npy", "--config", CONFIG, "--model_file", "missing.json",
     "--params_file", "missing.pdiparams"],
], ids=["main", "export_model", "visualize", "predict"])
def test_entry_points_hide_the_ccache_warning(command):
    """Each command imports paddle (then stops early: missing weights, --help)."""
    result = run(*command)
    assert CCACHE not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_other_warnings_still_show():
    code = ("from paddlevideo.utils.quiet import hide_paddle_noise\n"
            "hide_paddle_noise()\n"
            "import warnings, paddle\n"
            "warnings.warn('a real warning')\n")
    result = run("-c", code)
    assert result.returncode == 0, result.stderr
    assert "UserWarning: a real warning" in result.stderr
    assert CCACHE not in result.stderr


@pytest.mark.slow
def test_export_prints_no_pir_out_tensor_message(tmp_path):
    """Paddle's C++ 'not support input out tensor' warning is dropped from an export's stderr;
    the export still prints its files and the C++ stderr around it is kept."""
    code = ("import paddle, sys\n"
            "from paddlevideo.config import get_config\n"
            "from paddlevideo.inference import load_eval_model\n"
            "from paddlevideo.inference.export import export_paddle\n"
            f"cfg = get_config({os.path.join(ROOT, CONFIG)!r}, overrides=['MODEL.backbone.base_channel=8', "
            "'MODEL.head.in_channels=8'], show=False)\n"
            "model = load_eval_model(cfg, None)\n"
            f"export_paddle(model, (3, 16, 25, 2), {str(tmp_path)!r}, 'small')\n"
            "print('exported')\n")
    result = run("-c", code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "exported" in result.stdout and (tmp_path / "small.json").is_file()
    assert "not support input out tensor" not in result.stderr


def test_main_with_its_default_threads_prints_no_thread_notice(tmp_path):
    """main.py gives Paddle 2 threads when OMP_NUM_THREADS is unset; Paddle's import-time notice
    about data parallel then says nothing useful and is dropped (other stderr output stays)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    result = subprocess.run([sys.executable, "main.py", "--test", "-c", CONFIG, "-w", "missing.pdparams"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 1 and "weights not found: missing.pdparams" in result.stderr
    assert "OMP_NUM_THREADS set to" not in result.stderr
