"""Shared test helpers: the repo root on sys.path and the ../shared data folder."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def shared_path(*parts: str) -> str:
    """Path under ../shared, or skip the test with the reason when it is absent."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f"../shared is absent here ({path} not found); this test needs the shared data")
    return path


def load_tool(name: str):
    """tools/<name>.py loaded as a fresh module (the tools are scripts, not a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"tool_{name}", os.path.join(ROOT, "tools", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in a tool look their module up there
    spec.loader.exec_module(module)
    return module
