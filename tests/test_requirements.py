"""requirements.txt declares every package the project's code imports (stdlib and optional extras aside)."""
import ast
import os
import re
import sys
from importlib.metadata import packages_distributions

from tests.conftest import ROOT

SOURCES = ("paddlevideo", "tools", "data", "main.py")
OPTIONAL = {"imageio_ffmpeg"}  # tools/visualize.py: MP4 output when installed, GIF otherwise
FIRST_PARTY = {"paddlevideo", "make_synthetic"}


def imported_top_level_modules():
    names = set()
    for source in SOURCES:
        path = os.path.join(ROOT, source)
        files = [path] if path.endswith(".py") else [os.path.join(d, f) for d, _, fs in os.walk(path)
                                                     for f in fs if f.endswith(".py")]
        for file in files:
            with open(file, encoding="utf-8") as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - OPTIONAL - FIRST_PARTY - {"__future__"}


def declared_distributions():
    with open(os.path.join(ROOT, "requirements.txt")) as f:
        return {re.split(r"[<>=!~\[; ]", line.strip(), 1)[0].lower().replace("_", "-")
                for line in f if line.strip() and not line.startswith("#")}


def test_every_imported_package_is_declared():
    distributions = packages_distributions()
    declared = declared_distributions()
    undeclared = {}
    for module in sorted(imported_top_level_modules()):
        dists = [d.lower().replace("_", "-") for d in distributions.get(module, [module])]
        if not declared & set(dists):
            undeclared[module] = dists
    assert not undeclared, f"imported but not in requirements.txt: {undeclared}"
