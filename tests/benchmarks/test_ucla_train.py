"""benchmarks/ucla_train.sh: a finished run is not trained again (its resume file is gone, its weights stay)."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = os.path.join(ROOT, "benchmarks", "ucla_train.sh")


def test_a_finished_recipe_is_not_trained_again(tmp_path):
    assert os.path.isfile(os.path.join(ROOT, "benchmarks", "weights", "ctrgcn_tiny_ucla_joint_short.pdparams"))
    env = dict(os.environ, UCLA_DIR=str(tmp_path), OUT_ROOT=str(tmp_path / "runs"))
    env.pop("FORCE", None)
    r = subprocess.run(["bash", SCRIPT, "ctrgcn_tiny", "short"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ctrgcn_tiny (short) finished before: benchmarks/weights/ctrgcn_tiny_ucla_joint_short.pdparams" in r.stdout
    assert not (tmp_path / "runs").exists()  # nothing trained, nothing written


def test_unknown_recipe_and_missing_data_are_refused(tmp_path):
    env = dict(os.environ, UCLA_DIR=str(tmp_path / "none"), OUT_ROOT=str(tmp_path / "runs"))
    r = subprocess.run(["bash", SCRIPT, "ctrgcn_tiny", "full"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "NW-UCLA folder not found" in r.stderr
    env["UCLA_DIR"] = str(tmp_path)
    r = subprocess.run(["bash", SCRIPT, "ctrgcn_tiny", "long"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown recipe 'long'" in r.stderr


def test_a_run_with_a_resume_state_is_continued_even_when_weights_exist(tmp_path):
    """The resume state (resume.json, or an older resume.pdckpt) means "not finished": main.py runs
    with --resume instead of the script skipping the model."""
    for name in ("resume.json", "resume.pdckpt"):
        run = tmp_path / name / "runs" / "ctrgcn_tiny_ucla_short"
        run.mkdir(parents=True)
        (run / name).write_text("{not json")
        data = tmp_path / name / "no_skeletons"
        data.mkdir()
        env = dict(os.environ, UCLA_DIR=str(data), OUT_ROOT=str(run.parent),
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        env.pop("FORCE", None)
        r = subprocess.run(["bash", SCRIPT, "ctrgcn_tiny", "short"], env=env, capture_output=True, text=True,
                           timeout=120)
        assert "finished before" not in r.stdout
        assert f"ctrgcn_tiny (short): continuing the run in {run} from its resume state" in r.stdout
        assert r.returncode != 0 and f"no .json files in {data}" in r.stderr, (name, r.stderr[-800:])


@pytest.mark.parametrize("stream", ["bone", "jbm", "kd"])
def test_a_stream_suffix_picks_that_streams_config(tmp_path, stream):
    """MODEL_bone trains configs/recognition/ctrgcn/MODEL_ucla_bone.yaml (the bone stream),
    MODEL_jbm MODEL_ucla_jbm.yaml (joint + bone + motion channels), MODEL_kd MODEL_ucla_kd.yaml (distilled)."""
    env = dict(os.environ, UCLA_DIR=str(tmp_path), OUT_ROOT=str(tmp_path / "runs"))
    r = subprocess.run(["bash", SCRIPT, f"ctrgcn_none_{stream}", "short"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and f"no config configs/recognition/ctrgcn/ctrgcn_none_ucla_{stream}.yaml" in r.stderr
    arch = "ctrgcn_tiny" if stream == "kd" else "ctrgcn_light"
    assert os.path.isfile(os.path.join(ROOT, "configs", "recognition", "ctrgcn", f"{arch}_ucla_{stream}.yaml"))


def test_a_run_goes_on_in_as_many_cpu_processes_as_it_started_in(tmp_path):
    """A new run takes main.py's default (one process per core); a resumed run passes the count its
    train.log reports ("N CPU processes share each batch"), or 1 for a log without that line (the
    runs that started in one process). A stand-in python on PATH records main.py's arguments."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\necho "$@" > "$ARGS_FILE"\nexit 3\n')
    (fake / "python").chmod(0o755)
    cases = {"new": (None, None), "one": ("[valid] epoch 1: top1 0.5\n", "1"),
             "two": ("INFO: 2 CPU processes share each batch of 16 (8 each); 86 batch-norm layers\n", "2")}
    for name, (log, expected) in cases.items():
        root = tmp_path / name
        run = root / "ctrgcn_tiny_ucla_short"
        run.mkdir(parents=True)
        if log is not None:
            (run / "resume.json").write_text("{}")
            (run / "train.log").write_text(log)
        env = dict(os.environ, UCLA_DIR=str(tmp_path), OUT_ROOT=str(root), ARGS_FILE=str(root / "args"),
                   PATH=str(fake) + os.pathsep + os.environ.get("PATH", ""), FORCE="1")  # tiny's weights exist
        r = subprocess.run(["bash", SCRIPT, "ctrgcn_tiny", "short"], env=env, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 3, r.stderr
        args = (root / "args").read_text()
        assert args.startswith("main.py --validate")
        if expected is None:
            assert "cpu_processes" not in args and "--resume" not in args
        else:
            assert f"--resume -o cpu_processes={expected}" in args
            assert f"continuing the run in {run} from its resume state ({expected} CPU process(es))" in r.stdout


FAKE_PYTHON = """#!/usr/bin/env bash
# stands in for python: records its arguments; a training waits for $GO, then leaves what a
# finished run leaves (best weights, train.log) in the output_dir it was given
echo "python $*" >> "$CALLS"
if [[ " $* " == *" --validate "* ]]; then
    touch "$BLOCKED"
    while [[ ! -f $GO ]]; do sleep 0.05; done
    for a in "$@"; do [[ $a == output_dir=* ]] && out=${a#output_dir=}; done
    mkdir -p "$out" && echo "epoch 2 done" > "$out/train.log" && echo w > "$out/M_best.pdparams"
fi
[[ $1 == -c ]] && echo M  # the model_name of the config
exit 0
"""
FAKE_TRAIN = """#!/usr/bin/env bash
echo "train $*" >> "$CALLS"
touch "$BLOCKED"
while [[ ! -f $GO ]]; do sleep 0.05; done
"""


def run_editing_midway(tmp_path, script, args):
    """Run a copy of ``script`` (in a fake repo whose python and ucla_train.sh record their calls), and
    while its first long step runs, rewrite the script in place: 300 bytes more at the top and a
    different last line. Returns (returncode, stdout, stderr, calls)."""
    import time
    repo = tmp_path / "repo"
    (repo / "benchmarks").mkdir(parents=True)
    (repo / "configs" / "recognition" / "ctrgcn").mkdir(parents=True)
    (repo / "configs" / "recognition" / "ctrgcn" / "x_ucla_joint.yaml").write_text("model_name: M\n")
    (repo / "data").mkdir()
    target = repo / "benchmarks" / os.path.basename(script)
    target.write_text(open(script).read())
    if not script.endswith("ucla_train.sh"):
        (repo / "benchmarks" / "ucla_train.sh").write_text(FAKE_TRAIN)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text(FAKE_PYTHON)
    (bin_dir / "python").chmod(0o755)
    signals = {name: str(tmp_path / name) for name in ("CALLS", "BLOCKED", "GO")}
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", UCLA_DIR=str(repo / "data"),
               OUT_ROOT=str(repo / "runs"), **signals)
    env.pop("FORCE", None)
    proc = subprocess.Popen(["bash", str(target), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 30
    while not os.path.exists(signals["BLOCKED"]) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert os.path.exists(signals["BLOCKED"]), proc.communicate()
    text = target.read_text().rstrip("\n").splitlines()
    edited = ["# " + "x" * 297] + text[:-1] + ['echo "the edited script ran"; exit 0'] + text[-1:]
    with open(target, "w") as f:  # in place, as an editor that keeps the file's inode does
        f.write("\n".join(edited) + "\n")
    open(signals["GO"], "w").close()
    out, err = proc.communicate(timeout=60)
    calls = open(signals["CALLS"]).read().splitlines()
    return proc.returncode, out, err, calls


def test_editing_ucla_train_sh_during_a_run_does_not_change_the_run(tmp_path):
    code, out, err, calls = run_editing_midway(tmp_path, SCRIPT, ["x", "short"])
    assert code == 0, err
    assert "the edited script ran" not in out
    assert "done: x (short)" in out
    assert [c.split()[1] for c in calls] == ["main.py", "-c", "main.py"]  # train, model_name, test
    assert (tmp_path / "repo" / "benchmarks" / "weights" / "x_ucla_joint_short.pdparams").is_file()


def test_editing_ucla_full_sh_during_a_run_does_not_change_the_run(tmp_path):
    code, out, err, calls = run_editing_midway(tmp_path, os.path.join(ROOT, "benchmarks", "ucla_full.sh"), [])
    assert code == 0, err
    assert "the edited script ran" not in out
    trained = [c.split()[1] for c in calls if c.startswith("train ")]
    assert trained == ["ctrgcn_tiny", "ctrgcn_light", "ctrgcn", "ctrgcn_light_bone", "ctrgcn_light_jbm",
                       "ctrgcn_tiny_kd"]
    assert sum(c.startswith("python -m benchmarks.ucla_report") for c in calls) == len(trained)
