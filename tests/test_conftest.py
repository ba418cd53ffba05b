"""tests/conftest.py: which tests get the ``shared`` marker, and what ``-m "not shared"`` leaves out.

Each case runs pytest on a small test file beside a copy of tests/conftest.py, in a temporary
folder with no ../shared, so the marked tests skip with the reason.
"""
import os
import shutil
import sys

import pytest

from tests.conftest import ROOT

pytest_plugins = ["pytester"]

CASES = '''
import pytest
from conftest import shared_path


def fixture_file():
    return shared_path("fixtures", "x.npz")


@pytest.fixture
def data_folder():
    return shared_path("data")


def test_calls_shared_path():
    shared_path("data")


def test_through_a_helper_of_its_module():
    fixture_file()


def test_through_a_fixture(data_folder):
    pass


def test_through_a_lambda():
    (lambda: shared_path("data"))()


def test_needs_nothing():
    pass
'''


@pytest.fixture
def suite(pytester, monkeypatch):
    # the inner session imports its own copy as `conftest` and changes PYTHONPATH: undone afterwards
    monkeypatch.setenv("PYTHONPATH", os.environ["PYTHONPATH"])
    for name in ("conftest", "tests", "tests.conftest"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    tests = pytester.path / "tests"
    tests.mkdir()
    shutil.copy(os.path.join(ROOT, "tests", "conftest.py"), tests / "conftest.py")
    (tests / "test_cases.py").write_text(CASES)
    pytester.makeini("[pytest]\nmarkers =\n    shared: reads ../shared\n")
    return pytester


def test_tests_that_reach_shared_path_are_marked_and_skip_with_the_reason(suite):
    result = suite.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=4)
    result.stdout.fnmatch_lines(["*../shared is absent here*this test needs the shared data*"])
    deselected = suite.runpytest_inprocess("-m", "not shared", "-p", "no:cacheprovider")
    deselected.assert_outcomes(passed=1, deselected=4)
    selected = suite.runpytest_inprocess("-m", "shared", "--collect-only", "-q", "-p", "no:cacheprovider")
    selected.stdout.fnmatch_lines(["*::test_calls_shared_path", "*::test_through_a_helper_of_its_module",
                                   "*::test_through_a_fixture", "*::test_through_a_lambda"])


def test_an_unmarked_test_that_reaches_shared_path_fails_and_says_how_to_mark_it(suite):
    (suite.path / "tests" / "helper_elsewhere.py").write_text(
        "from conftest import shared_path\n\n\ndef read():\n    return shared_path('data')\n")
    (suite.path / "tests" / "test_other_module.py").write_text(
        "import pytest\nimport helper_elsewhere\n\n\n"
        "def test_unmarked():\n    helper_elsewhere.read()\n\n\n"
        "@pytest.mark.shared\ndef test_marked():\n    helper_elsewhere.read()\n")
    result = suite.runpytest_inprocess("tests/test_other_module.py", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*this test reads ../shared but is not marked: add @pytest.mark.shared*"])
