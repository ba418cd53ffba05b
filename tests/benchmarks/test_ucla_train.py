"""benchmarks/ucla_train.sh: a finished run is not trained again (its resume file is gone, its weights stay)."""
import os
import subprocess
import sys

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


def test_a_stream_suffix_picks_that_streams_config(tmp_path):
    """MODEL_bone trains configs/recognition/ctrgcn/MODEL_ucla_bone.yaml (the bone stream)."""
    env = dict(os.environ, UCLA_DIR=str(tmp_path), OUT_ROOT=str(tmp_path / "runs"))
    r = subprocess.run(["bash", SCRIPT, "ctrgcn_none_bone", "short"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "no config configs/recognition/ctrgcn/ctrgcn_none_ucla_bone.yaml" in r.stderr
    assert os.path.isfile(os.path.join(ROOT, "configs", "recognition", "ctrgcn", "ctrgcn_light_ucla_bone.yaml"))


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
