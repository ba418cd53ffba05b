"""The code is lint clean under the repository's ruff configuration (pyproject.toml)."""
import subprocess
import sys

from tests.conftest import ROOT


def test_ruff_finds_nothing():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", ROOT], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-1000:]
