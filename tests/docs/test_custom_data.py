"""docs/custom_data.md run as written: its first bash block, command by command, from a folder laid
out like the repository (main.py, tools/, configs/, paddlevideo/, data/custom/*.py linked in), so
the generated data and outputs stay in a temporary folder."""
import os
import re
import subprocess

import numpy as np

from tests.conftest import ROOT

DOC = os.path.join(ROOT, "docs", "custom_data.md")


def doc_commands():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def repo_like(folder):
    for name in ("main.py", "tools", "configs", "paddlevideo"):
        os.symlink(os.path.join(ROOT, name), os.path.join(folder, name))
    os.makedirs(os.path.join(folder, "data", "custom"))
    for name in ("make_example.py", "sequences_to_npy.py"):
        os.symlink(os.path.join(ROOT, "data", "custom", name), os.path.join(folder, "data", "custom", name))


def test_the_guide_runs_as_written(tmp_path):
    commands = doc_commands()
    assert [c.split()[1] for c in commands] == ["data/custom/make_example.py", "data/custom/sequences_to_npy.py",
                                               "main.py", "main.py", "tools/export_model.py", "tools/predict.py"]
    repo_like(str(tmp_path))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    outputs = []
    for command in commands:
        r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, f"{command}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
        outputs.append(r.stdout)
    assert "train: 48 sequences, shape (48, 3, 70, 15, 1)" in outputs[1]
    assert np.load(tmp_path / "data" / "custom" / "example" / "val_data.npy").shape == (24, 3, 70, 15, 1)
    top1 = float(re.search(r"\[test\] 24 samples: top1 ([\d.]+)", outputs[3]).group(1))
    assert top1 >= 0.9  # the example's three synthetic actions are easy to tell apart
    table = (tmp_path / "output" / "CTRGCN_tiny_custom_example" / "test" / "per_class_accuracy.csv").read_text()
    assert "wave" in table and "squat" in table and "jump" in table
    assert "check passed" in outputs[4]
    assert "Summary: 1 file(s) predicted (24 samples)" in outputs[5]
