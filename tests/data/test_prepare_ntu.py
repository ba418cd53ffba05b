"""data/ntu-rgb-d/prepare_ntu.py end to end: reference parity, skipped files, subsets, format."""
import importlib.util
import os
import pickle
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, shared_path

SCRIPT = os.path.join(ROOT, "data", "ntu-rgb-d", "prepare_ntu.py")


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "data", "ntu-rgb-d", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # (its dataclasses look their module up by name)
    spec.loader.exec_module(module)
    return module


make_synthetic = _load("make_synthetic")
prepare_ntu = _load("prepare_ntu")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """24 synthetic files (both splits of both NTU-60 benchmarks, some two-person)."""
    folder = tmp_path_factory.mktemp("synthetic")
    make_synthetic.make_synthetic(str(folder), num_files=24, seed=3)
    return str(folder)


def prepare(capsys, raw, out, *extra):
    """Run the command line in this process; returns (exit status, stdout, stderr)."""
    code = prepare_ntu.main(["--skeletons-dir", str(raw), "--out-dir", str(out),
                             "--num-workers", "1", "--no-progress", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def load_split(out, bench, split):
    data = np.load(os.path.join(out, bench, f"{split}_data.npy"))
    with open(os.path.join(out, bench, f"{split}_label.pkl"), "rb") as f:
        names, labels = pickle.load(f)
    return data, names, labels


def assert_matches_reference(out, reference):
    for bench in ("xsub", "xview"):
        for split in ("train", "val"):
            data, names, labels = load_split(out, bench, split)
            ref = np.load(os.path.join(reference, bench, f"{split}_data.npy"))
            with open(os.path.join(reference, bench, f"{split}_label.pkl"), "rb") as f:
                ref_names, ref_labels = pickle.load(f)
            ref_names = [n.decode() if isinstance(n, bytes) else str(n) for n in ref_names]
            assert names == ref_names and labels == [int(v) for v in ref_labels], (bench, split)
            assert data.dtype == np.float32 and data.shape[0] == ref.shape[0]
            t = ref.shape[2]
            assert data.shape[2] >= t and not data[:, :, t:].any()
            np.testing.assert_array_equal(data[:, :, :t], ref)  # bit for bit


def test_real_samples_match_the_reference_preparation(tmp_path, capsys):
    root = shared_path("data", "ntu60_samples")
    code, out, _ = prepare(capsys, os.path.join(root, "nturgb+d_skeletons"), tmp_path)
    assert code == 0 and "skipped: 0" in out
    assert_matches_reference(tmp_path, os.path.join(root, "reference"))


def _reference_log(path, pattern):
    with open(path) as f:
        return sorted(m.groups() for m in map(re.compile(pattern).match, f) if m)


def test_noisy_fixture_matches_the_reference_and_its_logs(tmp_path, capsys):
    root = shared_path("fixtures", "ntu60_raw_small")
    code, _, _ = prepare(capsys, os.path.join(root, "nturgb+d_skeletons"), tmp_path)
    assert code == 0
    assert_matches_reference(tmp_path, os.path.join(root, "reference"))
    ref = os.path.join(root, "reference")
    with open(tmp_path / prepare_ntu.LOG_NAME) as f:
        log = f.read()
    body_line = r"(S\d{3}C\d{3}P\d{3}R\d{3}A\d{3})\t(\d+)\t"
    for rule, ref_log in (("length", "noise_length.log"), ("spread", "noise_spread.log")):
        expected = _reference_log(os.path.join(ref, "denoised_data", ref_log), body_line)
        ours = sorted(re.findall(rf"(\S+): body (\d+) removed by {rule}", log))
        assert ours == expected and expected, rule
    expected = _reference_log(os.path.join(ref, "frames_drop.log"), r"(\S+): \d+ frames missed: (.*)")
    assert sorted(re.findall(r"(\S+): dropped \d+ frames without bodies \(0-based\): (.*)", log)) == expected


def good_names(synthetic):
    """The first six synthetic samples."""
    return sorted(f[:-len(".skeleton")] for f in os.listdir(synthetic))[:6]


BAD_FILES = {
    # name: (content, skip kind, line named in the message)
    "S002C001P001R001A001": (b"", "empty file", None),
    "S002C001P001R001A002": (b"2\n1\n7 0 1 1 1 1 0 0 0 2\n25\n0.1 0.2 3.0 1 2 3 4 0 0 0 0 2\n",
                             "truncated", 6),
    "S002C001P001R001A003": (b"1\n1\n7 0 1 1 1 1 0 0 0 2\n25\n0.1 abc 3.0 1 2 3 4 0 0 0 0 2\n",
                             "non-numeric value", 5),
    "S002C001P001R001A004": (b"1\n1\n7 0 1 1 1 1 0 0 0 2\n24\n", "bad joint count", 4),
    "S002C001P001R001A005": (b"3\n0\n0\n0\n", "no skeleton", None),
}


@pytest.fixture
def mixed(tmp_path, synthetic):
    """6 good synthetic files, the bad files above, a badly named file and a non-skeleton."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in good_names(synthetic):
        shutil.copy(os.path.join(synthetic, name + ".skeleton"), raw / (name + ".skeleton"))
    for name, (content, _, _) in BAD_FILES.items():
        (raw / f"{name}.skeleton").write_bytes(content)
    (raw / "notes.skeleton").write_bytes(b"1\n0\n")
    (raw / "README.txt").write_text("not a skeleton")
    return raw


def test_bad_files_are_skipped_reported_and_counted(mixed, synthetic, tmp_path, capsys):
    code, out, err = prepare(capsys, mixed, tmp_path / "out")
    assert code == 0 and "Traceback" not in err
    assert "files found: 12 .skeleton" in out and "prepared: 6; skipped: 6" in out
    for name, (_, kind, line) in BAD_FILES.items():
        where = f"{mixed / name}.skeleton" + (f":{line}" if line else "")
        assert f"skipped {where}: " in err, name
        assert f"skipped, {kind}: 1" in out
    assert "notes.skeleton: name 'notes'" in err and "skipped, bad file name: 1" in out
    with open(tmp_path / "out" / prepare_ntu.LOG_NAME) as f:
        log = f.read()
    assert all(name in log for name in BAD_FILES) and "NTU preparation summary" in log
    names = set()
    for bench in ("xsub", "xview"):
        for split in ("train", "val"):
            names |= set(load_split(tmp_path / "out", bench, split)[1])
    assert names == set(good_names(synthetic))


def test_strict_fails_only_when_something_was_skipped(mixed, synthetic, tmp_path, capsys):
    code, _, err = prepare(capsys, mixed, tmp_path / "a", "--strict")
    assert code == 1 and "6 file(s) skipped (--strict)" in err
    assert prepare(capsys, synthetic, tmp_path / "b", "--strict")[0] == 0


def test_nothing_prepared_is_an_error(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "S001C001P001R001A001.skeleton").write_bytes(b"")
    code, _, err = prepare(capsys, raw, tmp_path / "out")
    assert code == 1 and "no sample could be prepared" in err


def test_files_without_any_field_are_each_skipped_as_empty(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    for k, text in enumerate([b"", b"\n\n", b" \r\n", b""]):
        (raw / f"S001C001P00{k + 1}R001A001.skeleton").write_bytes(text)
    code, out, err = prepare(capsys, raw, tmp_path / "out")
    assert code == 1 and "no sample could be prepared" in err and "Traceback" not in err
    assert "skipped, empty file: 4" in out


def test_a_bug_on_one_file_skips_that_file_not_the_run(synthetic, tmp_path, capsys, monkeypatch):
    """An unexpected exception (a bug, simulated here) while preparing one file skips it
    as an internal error with the exception named; the other files are prepared."""
    victim = sorted(os.listdir(synthetic))[1]
    prepare_sequence = prepare_ntu.ntu_raw.prepare_sequence

    def buggy(seq, single_actor="zeros"):
        if seq.path.endswith(victim):
            raise ZeroDivisionError("simulated bug")
        return prepare_sequence(seq, single_actor)

    monkeypatch.setattr(prepare_ntu.ntu_raw, "prepare_sequence", buggy)
    code, out, err = prepare(capsys, synthetic, tmp_path / "out")
    assert code == 0 and "Traceback" not in err
    assert f"{victim}: ZeroDivisionError: simulated bug (a bug in the preparation" in err
    assert "prepared: 23; skipped: 1" in out and "skipped, internal error: 1" in out
    assert victim[:-len(".skeleton")] not in all_names(tmp_path / "out")
    assert prepare(capsys, synthetic, tmp_path / "strict", "--strict")[0] == 1


def all_names(out, benchmarks=("xsub", "xview")):
    return sorted(n for b in benchmarks[:1] for s in ("train", "val") for n in load_split(out, b, s)[1])


def test_limit_prepares_the_first_files_by_name(synthetic, tmp_path, capsys):
    assert prepare(capsys, synthetic, tmp_path, "--limit", "5")[0] == 0
    assert all_names(tmp_path) == sorted(f[:-9] for f in os.listdir(synthetic))[:5]


def test_names_file_selects_samples(synthetic, tmp_path, capsys):
    chosen = sorted(f[:-9] for f in os.listdir(synthetic))[3:6]
    names_file = tmp_path / "names.txt"
    names_file.write_text(f"# lite set\n{chosen[0]}\n\n{chosen[1]}.skeleton\n  {chosen[2]}  \n")
    assert prepare(capsys, synthetic, tmp_path / "out", "--names-file", str(names_file))[0] == 0
    assert all_names(tmp_path / "out") == chosen


def test_names_file_with_unknown_names_is_a_usage_error(synthetic, tmp_path, capsys):
    names_file = tmp_path / "names.txt"
    names_file.write_text("S017C003P040R002A060\n")
    with pytest.raises(SystemExit) as exit_info:
        prepare(capsys, synthetic, tmp_path / "out", "--names-file", str(names_file))
    assert exit_info.value.code == 2
    assert "have no file" in capsys.readouterr().err


def test_ntu120_writes_xsub_and_xset_and_fills_one_actor_samples(synthetic, tmp_path, capsys):
    assert prepare(capsys, synthetic, tmp_path / "copy", "--dataset", "ntu120")[0] == 0
    assert sorted(os.listdir(tmp_path / "copy")) == ["prepare_ntu.log", "xset", "xsub"]
    data, names, _ = load_split(tmp_path / "copy", "xset", "train")
    singles = [i for i, n in enumerate(names) if int(n[-3:]) < 50]
    np.testing.assert_array_equal(data[singles, ..., 1], data[singles, ..., 0])
    prepare(capsys, synthetic, tmp_path / "zeros", "--dataset", "ntu120", "--single-actor", "zeros")
    assert not load_split(tmp_path / "zeros", "xset", "train")[0][singles, ..., 1].any()


def test_outputs_are_in_paddlevideo_format_and_reruns_replace_them(synthetic, tmp_path, capsys):
    prepare(capsys, synthetic, tmp_path)
    prepare(capsys, synthetic, tmp_path, "--limit", "10")
    assert sorted(os.listdir(tmp_path)) == ["prepare_ntu.log", "xsub", "xview"]  # no spool
    total = 0
    for bench in ("xsub", "xview"):
        assert sorted(os.listdir(tmp_path / bench)) == [
            "train_data.npy", "train_label.pkl", "val_data.npy", "val_label.pkl"]
        for split in ("train", "val"):
            data, names, labels = load_split(tmp_path, bench, split)
            assert data.dtype == np.float32 and data.ndim == 5 and data.shape[1:2] == (3,)
            assert data.shape[3:] == (25, 2) and data.shape[0] == len(names) == len(labels)
            assert all(isinstance(n, str) for n in names) and all(type(v) is int for v in labels)
            assert all(v == int(n[-3:]) - 1 for n, v in zip(names, labels))
            total += len(names)
    assert total == 2 * 10


def test_ntu120_only_files_are_left_out_of_ntu60(synthetic, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(synthetic, raw)
    shutil.copy(raw / sorted(os.listdir(raw))[0], raw / "S018C001P041R001A061.skeleton")
    code, out, _ = prepare(capsys, raw, tmp_path / "out")
    assert code == 0 and "not in ntu60 (setup/performer/action out of range): 1" in out
    assert "skipped: 0" in out and "S018C001P041R001A061" not in all_names(tmp_path / "out")


def test_script_runs_from_the_repo_root_with_workers_and_without_paddle(synthetic, tmp_path, capsys):
    prepare(capsys, synthetic, tmp_path / "one")
    check = ("import runpy, sys\n"
             f"sys.argv = ['prepare_ntu.py', '--skeletons-dir', {synthetic!r}, '--out-dir', "
             f"{str(tmp_path / 'two')!r}, '--num-workers', '2', '--no-progress']\n"
             "try:\n"
             f"    runpy.run_path({SCRIPT!r}, run_name='__main__')\n"
             "except SystemExit as e:\n"
             "    code = e.code\n"
             "print('exit', code, 'paddle imported:', 'paddle' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True,
                            text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=120)
    assert "exit 0 paddle imported: False" in result.stdout, result.stdout + result.stderr
    assert sorted(os.listdir(tmp_path / "two")) == ["prepare_ntu.log", "xsub", "xview"]  # the workers' spools gone
    for bench in ("xsub", "xview"):
        for split in ("train", "val"):
            one, two = load_split(tmp_path / "one", bench, split), load_split(tmp_path / "two", bench, split)
            np.testing.assert_array_equal(one[0], two[0])
            assert one[1:] == two[1:]


def test_worker_processes_skip_and_count_bad_files_too(mixed, tmp_path):
    """With workers, each file's error comes back from its worker process and is counted
    (and shown above the progress bar)."""
    result = subprocess.run([sys.executable, SCRIPT, "--skeletons-dir", str(mixed), "--out-dir", str(tmp_path / "out"),
                             "--num-workers", "2"], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "prepared: 6; skipped: 6" in result.stdout and "Traceback" not in result.stderr
    assert "reading .skeleton: 100%" in result.stderr
    for name, (_, kind, line) in BAD_FILES.items():
        assert f"skipped {mixed / name}.skeleton" + (f":{line}: " if line else ": ") in result.stderr
        assert f"skipped, {kind}: 1" in result.stdout
