"""Shared test helpers: the repo root, the ../shared data folder, and the ``shared`` marker.

pytest puts the repo root on ``sys.path`` (``pythonpath`` in pyproject.toml). Scripts the tests
start (``main.py``, ``tools/*.py``, the TIPC chain) get it through ``PYTHONPATH``, so they run
this checkout's ``paddlevideo`` whether or not, and from wherever, the package is installed.

A test that reads ../shared calls ``shared_path`` (directly, through a helper function of its
module, or through a fixture); such tests are marked ``shared`` at collection, so
``-m "not shared"`` leaves them out. A test that reaches ``shared_path`` some other way needs
``@pytest.mark.shared``; without it, ``shared_path`` fails the test and says so.
"""
import inspect
import os
import types
from typing import Iterator, Set

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)

# Set while a test runs: "1" when it carries the shared marker. An environment variable and not
# a global, because test files import this module both as `conftest` and as `tests.conftest`.
_MARKED_SHARED = "PADDLEVIDEO_TEST_MARKED_SHARED"


def shared_path(*parts: str) -> str:
    """Path under ../shared, or skip the test with the reason when it is absent."""
    if os.environ.get(_MARKED_SHARED) == "0":
        pytest.fail("this test reads ../shared but is not marked: add @pytest.mark.shared "
                    "(tests/conftest.py marks only tests that reach shared_path through their module's functions)")
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f"../shared is absent here ({path} not found); this test needs the shared data")
    return path


def load_script(path: str, module_name: str):
    """The script at ``path`` (relative to the repo root) loaded as a fresh module ``module_name``."""
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location(module_name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in a script look their module up there
    spec.loader.exec_module(module)
    return module


def load_tool(name: str):
    """tools/<name>.py loaded as a fresh module (the tools are scripts, not a package)."""
    return load_script(os.path.join("tools", f"{name}.py"), f"tool_{name}")


def load_synthetic_keypoints():
    """data/keypoints/make_synthetic.py: ``synthetic_keypoints``, ``write_synthetic_keypoint_set``."""
    return load_script(os.path.join("data", "keypoints", "make_synthetic.py"), "make_synthetic_keypoints")


# ----------------------------------------------------------------------------- the shared marker

def _names_used(code: types.CodeType) -> Iterator[str]:
    """Global and attribute names a code object (and the functions nested in it) refers to."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names_used(const)


def _reaches_shared_path(func, seen: Set[types.CodeType]) -> bool:
    """Whether ``func`` calls ``shared_path``, itself or through functions of its own module."""
    func = inspect.unwrap(func)
    func = getattr(getattr(func, "hypothesis", None), "inner_test", func)  # a @given test: the test itself
    code = getattr(func, "__code__", None)
    if code is None or code in seen:
        return False
    seen.add(code)
    names = set(_names_used(code))
    if "shared_path" in names:
        return True
    module_globals = getattr(func, "__globals__", {})
    return any(_reaches_shared_path(module_globals[n], seen) for n in names
               if inspect.isfunction(module_globals.get(n)) and module_globals[n].__module__ == func.__module__)


def pytest_collection_modifyitems(items):
    for item in items:
        if not isinstance(item, pytest.Function) or item.get_closest_marker("shared"):
            continue
        fixture_defs = getattr(item, "_fixtureinfo", None)
        fixtures = [d.func for defs in (fixture_defs.name2fixturedefs.values() if fixture_defs else ()) for d in defs]
        seen: Set[types.CodeType] = set()
        if any(_reaches_shared_path(f, seen) for f in [item.function, *fixtures]):
            item.add_marker(pytest.mark.shared)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    os.environ[_MARKED_SHARED] = "1" if item.get_closest_marker("shared") else "0"
    yield
    os.environ.pop(_MARKED_SHARED, None)
