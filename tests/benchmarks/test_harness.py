"""benchmarks/harness.py: the round schedule, the statistics every benchmark reports, the machine
description, the load log and the RESULTS.md section writer, on fake clocks and small files."""
import os
import sys

import pytest

from benchmarks import harness


class FakeClocks:
    """Wall and CPU clocks that only move when a contestant runs: each call of ``contestant(name)``
    records its name and advances the clocks by that contestant's (wall, cpu) seconds."""

    def __init__(self, costs):
        self.costs, self.wall, self.cpu, self.calls = costs, 0.0, 0.0, []

    def contestant(self, name):
        def call():
            self.calls.append(name)
            wall, cpu = self.costs[name]
            self.wall += wall
            self.cpu += cpu
            return len(self.calls)
        return call


@pytest.fixture
def clocks(monkeypatch):
    fake = FakeClocks({"a": (1.0, 0.5), "b": (3.0, 2.0)})
    monkeypatch.setattr(harness, "wall_seconds", lambda: fake.wall)
    monkeypatch.setattr(harness, "cpu_seconds", lambda: fake.cpu)
    return fake


# ----------------------------------------------------------------------------- rounds


def test_round_orders():
    names = ["a", "b", "c"]
    assert [harness.round_order(names, r, "same") for r in range(2)] == [names, names]
    assert [harness.round_order(names, r, "rotate") for r in range(4)] == \
        [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    assert [harness.round_order(names, r, "alternate") for r in range(3)] == \
        [["a", "b", "c"], ["c", "b", "a"], ["a", "b", "c"]]
    with pytest.raises(ValueError, match="order must be one of"):
        harness.round_order(names, 0, "random")


def test_run_rounds_schedule_warmup_settle_and_reps(clocks):
    contestants = {name: clocks.contestant(name) for name in ("a", "b")}
    rounds = harness.run_rounds(contestants, rounds=2, reps=2, warmup=1, order="alternate", settle=1)
    # warm-up round: one call each; then per turn one untimed call and two timed ones, b first in round 2
    assert clocks.calls == ["a", "b"] + ["a"] * 3 + ["b"] * 3 + ["b"] * 3 + ["a"] * 3
    assert rounds.wall == {"a": [[1.0, 1.0], [1.0, 1.0]], "b": [[3.0, 3.0], [3.0, 3.0]]}
    assert rounds.cpu == {"a": [[0.5, 0.5], [0.5, 0.5]], "b": [[2.0, 2.0], [2.0, 2.0]]}
    assert rounds.values["a"] == [4, 5, 13, 14]  # the timed calls' return values only (calls 4, 5, 13, 14)
    assert rounds.ms("cpu")["b"] == [[2000.0, 2000.0], [2000.0, 2000.0]]
    assert rounds.median("b") == 3.0 and rounds.median("a", "cpu") == 0.5
    assert rounds.ratio("b", "a") == pytest.approx(3.0) and rounds.ratio("b", "a", "cpu") == pytest.approx(4.0)


def test_run_rounds_refuses_empty_schedules(clocks):
    with pytest.raises(ValueError, match="rounds >= 1"):
        harness.run_rounds({"a": clocks.contestant("a")}, rounds=0)
    with pytest.raises(ValueError, match="clock must be"):
        harness.Rounds({"a": [[1.0]]}, {"a": [[1.0]]}, {"a": [None]}).median("a", "user")


def test_real_clocks_time_a_sleep_and_a_busy_loop():
    import time

    def busy():
        end = time.perf_counter() + 0.02
        while time.perf_counter() < end:
            pass

    # untimed warm-up rounds first: right after numpy's import its BLAS worker thread spins for
    # tens of milliseconds, and that is CPU time of this process too
    rounds = harness.run_rounds({"sleep": lambda: time.sleep(0.02), "busy": busy}, rounds=2, warmup=10)
    assert all(0.015 < t < 1.0 for name in ("sleep", "busy") for r in rounds.wall[name] for t in r)
    assert all(t < 0.015 for r in rounds.cpu["sleep"] for t in r)  # sleeping uses no CPU
    assert all(t > 0.015 for r in rounds.cpu["busy"] for t in r)


# ----------------------------------------------------------------------------- statistics


def test_ratio_is_the_median_of_per_round_ratios_not_the_ratio_of_medians():
    slow, fast = [400.0, 300.0, 200.0], [100.0, 300.0, 100.0]  # rounds: 4, 1, 2
    assert harness.round_ratios(slow, fast) == [4.0, 1.0, 2.0]
    assert harness.ratio(slow, fast) == 2.0  # the ratio of the medians would be 300 / 100 = 3
    # rounds of several calls: the round's median is compared
    ours = [[10, 12, 11], [40, 40, 40], [5, 5, 6]]
    theirs = [[20, 20, 20], [50, 50, 50], [10, 10, 10]]
    assert harness.ratio(ours, theirs) == pytest.approx(0.55)  # rounds: 0.55, 0.8, 0.5
    assert harness.summary(ours) == (11.0, 5.0)  # median and min over every call
    with pytest.raises(ValueError, match="3 rounds against 2"):
        harness.ratio(ours, theirs[:2])


def test_pooled_flattens_scalars_and_lists():
    assert harness.pooled([1.0, [2.0, 3.0], 4.0]).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert harness.pooled([]).size == 0


# ----------------------------------------------------------------------------- machine and load

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13 64-Core Processor
flags\t\t: fpu sse4_2 avx fma avx2 bmi2

processor\t: 1
model name\t: AMD EPYC 7B13 64-Core Processor
flags\t\t: fpu sse4_2 avx fma avx2 bmi2
"""


def test_cpuinfo_is_parsed_and_the_instruction_sets_named(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    m = harness.machine(str(path))
    assert "avx2" in m.flags and "avx512f" not in m.flags
    assert m.cpu == "AMD EPYC 7B13 64-Core Processor" and m.isa() == "AVX2, no AVX-512" and m.cores == os.cpu_count()
    assert m.describe().startswith(f"AMD EPYC 7B13 64-Core Processor (AVX2, no AVX-512), {m.cores} cores, Python ")
    wide = harness.Machine("x", frozenset({"avx2", "avx512f", "avx512_vnni"}), 2, "3", "2", None)
    assert wide.isa() == "AVX2, AVX-512, AVX-512 VNNI" and "Paddle" not in wide.describe()
    (tmp_path / "arm").write_text("processor\t: 0\nFeatures\t: fp asimd\n")
    arm = harness.machine(str(tmp_path / "arm"))
    assert arm.flags == {"fp", "asimd"} and arm.isa() == "no AVX2"
    assert harness.machine(str(tmp_path / "absent")).cpu  # some name, whatever the platform says


def test_load_log_keeps_start_marks_and_end(monkeypatch):
    values = iter([1.04, 2.0, 2.46])
    monkeypatch.setattr(os, "getloadavg", lambda: (next(values), 0.0, 0.0))
    load = harness.LoadLog()
    assert load.mark() == "2.0"
    assert load.end().text() == "1.0 -> 2.5" and load.samples == [1.04, 2.0, 2.46]

    def no_load():
        raise OSError("no load average here")
    monkeypatch.setattr(os, "getloadavg", no_load)
    assert harness.LoadLog().end().text() == "n/a -> n/a"


# ----------------------------------------------------------------------------- RESULTS.md


def test_replace_keeps_other_sections_and_appends_a_new_one(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\n## A\n\nold a\n\n### A detail\n\nx\n\n## B\n\nold b\n")
    harness.replace_section(str(path), "## A", "## A\n\nnew a")
    harness.replace_section(str(path), "## C", "## C\n\nnew c\n")
    assert path.read_text() == "# Results\n\n## A\n\nnew a\n\n## B\n\nold b\n\n## C\n\nnew c\n"
    assert os.listdir(tmp_path) == ["RESULTS.md"]  # no temporary file left
    harness.replace_section(str(tmp_path / "new.md"), "## D", "## D\n\nd")
    assert (tmp_path / "new.md").read_text() == "# Benchmark results\n\n## D\n\nd\n"


def test_a_subsection_alone_is_replaced_up_to_the_next_heading_of_its_level(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("## A\n\nintro\n\n### one\n\n1\n\n#### deeper\n\n1b\n\n### two\n\n2\n\n## B\n\nb\n")
    harness.replace_section(str(path), "### one", "### one\n\nuno")
    assert path.read_text() == "## A\n\nintro\n\n### one\n\nuno\n\n### two\n\n2\n\n## B\n\nb\n"


def test_subsections_within_a_section_are_replaced_added_and_ordered(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# R\n\n## S\n\nold intro\n\n### 40 files\n\nforty\n\n### Memory\n\nm\n\n## T\n\nt\n")
    order = lambda h: (0, int(h.split()[1])) if h.split()[1].isdigit() else (1, 0)  # noqa: E731
    harness.replace_section(str(path), "### 5 files", "five", within="## S", order=order)
    harness.replace_section(str(path), "### 40 files", "### 40 files\n\nFORTY\n", within="## S", intro="new intro",
                            order=order)
    assert path.read_text() == ("# R\n\n## S\n\nnew intro\n\n### 5 files\n\nfive\n\n### 40 files\n\nFORTY\n\n"
                                "### Memory\n\nm\n\n## T\n\nt\n")
    harness.replace_section(str(path), "### 1 files", "one", within="## U", intro="u intro")
    assert path.read_text().endswith("## T\n\nt\n\n## U\n\nu intro\n\n### 1 files\n\none\n")


def test_a_comment_in_a_code_block_is_not_a_heading(tmp_path):
    # A shell comment ("# ...") inside a fenced block once ended the section early, so rewriting the
    # section left the rest of its old code block behind, after the new one.
    path = tmp_path / "RESULTS.md"
    body = "## A\n\n```\nrun one\n# then:\nrun two\n```\n\ntext"
    path.write_text("# R\n\n" + body + "\n\n## B\n\nb\n")
    harness.replace_section(str(path), "## A", body.replace("text", "new text"))
    assert path.read_text() == "# R\n\n" + body.replace("text", "new text") + "\n\n## B\n\nb\n"
    harness.replace_section(str(path), "### sub", "### sub\n\n```\n# c\n```", within="## A")
    harness.replace_section(str(path), "### sub", "### sub\n\ns", within="## A")
    assert path.read_text().endswith("new text\n\n### sub\n\ns\n\n## B\n\nb\n")


def test_publish_prints_and_writes_only_when_asked(tmp_path, capsys):
    path = tmp_path / "RESULTS.md"
    harness.publish("## S\n\nfirst", "## S", write=False, path=str(path))
    assert capsys.readouterr().out == "## S\n\nfirst\n" and not path.exists()
    harness.publish("## S\n\nsecond", "## S", write=True, path=str(path))
    assert path.read_text() == "# Benchmark results\n\n## S\n\nsecond\n"


def test_run_process_returns_output_and_names_a_failure():
    assert harness.run_process([sys.executable, "-c", "print('hi')"], "greeting").stdout == "hi\n"
    failing = "import sys; sys.stderr.write('bad input'); sys.exit(3)"
    with pytest.raises(RuntimeError, match=r"(?s)the check failed \(exit 3\):.*bad input"):
        harness.run_process([sys.executable, "-c", failing], "the check", env=dict(os.environ))


def test_sampler_keeps_the_peak_of_a_process_tree_memory():
    """A child that holds 64 MB in a grandchild: the sampled tree memory sees it, the child's own does not."""
    import subprocess
    grandchild = "b = bytearray(64 * 2**20); import time; time.sleep(1.0)"
    child = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    proc = subprocess.Popen([sys.executable, "-c", child])
    tree = harness.Sampler(lambda: harness.tree_rss_kb(proc.pid), interval=0.02)

    def own_kb():
        try:
            return harness.psutil.Process(proc.pid).memory_info().rss // 1024
        except harness.psutil.Error:
            return 0
    own = harness.Sampler(own_kb, interval=0.02)
    proc.wait()
    assert tree.stop() > 64 * 1024 > own.stop()
    assert harness.tree_rss_kb(proc.pid) == 0  # ended
