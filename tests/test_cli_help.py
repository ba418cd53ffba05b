"""Every command-line flag of the entry points, tools, data scripts and benchmarks has help text."""
import ast
import glob
import os

from tests.conftest import ROOT

SCRIPTS = ["main.py", "tools/*.py", "data/*/*.py", "benchmarks/*.py"]


def test_every_flag_has_help():
    missing = []
    for pattern in SCRIPTS:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
                    if "help" not in {k.arg for k in node.keywords}:
                        flags = [a.value for a in node.args if isinstance(a, ast.Constant)]
                        missing.append(f"{os.path.relpath(path, ROOT)}:{node.lineno} {flags}")
    assert not missing, "flags without help: " + "; ".join(missing)
