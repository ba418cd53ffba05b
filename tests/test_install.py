"""The scripts find ``paddlevideo`` because the README's install command installs it
(``pip install -r requirements.txt -e .``), not because they edit ``sys.path``."""
import ast
import glob
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PATH_EDITS_LEFT: set = set()


def edits_sys_path(path: str) -> bool:
    """Whether the file calls sys.path.insert / append / extend or assigns sys.path."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        target = node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
        if isinstance(node, ast.Assign):
            target = next((t for t in node.targets if isinstance(t, ast.Attribute)), None)
            target = target if target is not None and target.attr == "path" else None
        if (isinstance(target, ast.Attribute) and target.attr == "path" and isinstance(target.value, ast.Name)
                and target.value.id == "sys"):
            return True
    return False


def test_scripts_and_tests_leave_sys_path_alone():
    """main.py, tools, data scripts, benchmarks (run as ``python -m benchmarks.NAME``) and tests."""
    files = [os.path.join(ROOT, "main.py"), *glob.glob(os.path.join(ROOT, "tools", "*.py")),
             *glob.glob(os.path.join(ROOT, "data", "*", "*.py")), *glob.glob(os.path.join(ROOT, "benchmarks", "*.py")),
             *glob.glob(os.path.join(ROOT, "tests", "**", "*.py"), recursive=True)]
    editing = sorted(os.path.relpath(f, ROOT) for f in files if edits_sys_path(f))
    assert set(editing) <= PATH_EDITS_LEFT, f"files that edit sys.path: {editing}"


def test_the_readme_install_command_installs_the_project():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        commands = f.read().split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert all(c.startswith("pip install -r requirements.txt") and " -e . &&" in c for c in commands)


def test_tools_run_from_the_repo_root_with_the_installed_package():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([sys.executable, "-c", "import paddlevideo; print(paddlevideo.__file__)"],
                           cwd=os.path.dirname(ROOT), env=env, capture_output=True, text=True)
    if where.returncode != 0:
        pytest.skip("paddlevideo is not installed in this environment (the README's "
                    "`pip install -r requirements.txt -e .` installs it; CI does)")
    if not os.path.realpath(where.stdout.strip()).startswith(os.path.realpath(ROOT) + os.sep):
        pytest.skip(f"paddlevideo is installed from another checkout ({where.stdout.strip()})")
    for tool in ("export_model", "predict", "convert_weights", "ensemble", "plot_run", "visualize"):
        result = subprocess.run([sys.executable, f"tools/{tool}.py", "--help"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and "usage:" in result.stdout, (tool, result.stderr[-2000:])
