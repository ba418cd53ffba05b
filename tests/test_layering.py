"""Imports inside paddlevideo run one way: utils, then graphs at the bottom, then loader / modeling /
solver / metrics (which do not import each other), then config (its schema below it), tasks and
inference."""
import ast
import os

from tests.conftest import ROOT

PACKAGE = os.path.join(ROOT, "paddlevideo")
# part -> parts of paddlevideo it must not import (even lazily, inside a function)
FORBIDDEN = {
    "utils": {"graphs", "loader", "modeling", "solver", "metrics", "config", "tasks", "inference"},
    "graphs": {"loader", "modeling", "solver", "metrics", "config", "tasks", "inference"},
    "loader": {"modeling", "solver", "metrics", "config", "tasks", "inference"},
    "modeling": {"loader", "solver", "metrics", "config", "tasks", "inference"},
    "solver": {"loader", "modeling", "metrics", "config", "tasks", "inference"},
    "metrics": {"loader", "modeling", "solver", "config", "tasks", "inference"},
    "config_schema": {"graphs", "loader", "modeling", "solver", "metrics", "config", "tasks", "inference"},
    "config": {"tasks", "inference"},
}


def part_of(path):
    rel = os.path.relpath(path, PACKAGE).split(os.sep)
    return rel[0][:-3] if rel[0].endswith(".py") else rel[0]


def imported_parts(path):
    """Top-level parts of paddlevideo that the module at ``path`` imports."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    package = os.path.relpath(os.path.dirname(path), ROOT).split(os.sep)  # e.g. paddlevideo/loader/dataset
    parts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
                names = [] if node.module else [a.name for a in node.names]
                full = target if len(target) > 1 else target + names[:1]
            else:
                full = (node.module or "").split(".")
            if full and full[0] == "paddlevideo" and len(full) > 1:
                parts.add(full[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                full = alias.name.split(".")
                if full[0] == "paddlevideo" and len(full) > 1:
                    parts.add(full[1])
    return parts


def test_imports_run_one_way():
    wrong = []
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            part = part_of(path)
            bad = imported_parts(path) & FORBIDDEN.get(part, set())
            if bad:
                wrong.append(f"{os.path.relpath(path, ROOT)} imports {sorted(bad)}")
    assert not wrong, "; ".join(wrong)
