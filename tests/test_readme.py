"""The README shows every user-facing command: each script in tools/ appears in it with its path."""
import os

from tests.conftest import ROOT


def test_every_tool_is_in_the_readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    tools = sorted(n for n in os.listdir(os.path.join(ROOT, "tools")) if n.endswith(".py"))
    missing = [n for n in tools if f"python tools/{n}" not in readme]
    assert not missing, f"tools not shown in README.md: {missing}"


def test_readme_opens_with_the_two_commands():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        lines = f.read().split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("pip install -r requirements.txt -e . && bash test_tipc/run_lite.sh")
    assert lines[1].startswith("pip install -r requirements.txt -r tests/requirements.txt -e . "
                               "&& python -m pytest tests -q")
