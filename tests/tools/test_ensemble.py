"""tools/ensemble.py: weighted fusion of main.py --test score files, and refusal of misaligned ones."""

import numpy as np
import pytest

from conftest import load_tool
from paddlevideo.metrics.skeleton_metric import SkeletonMetric



ens = load_tool("ensemble")
NAMES = [f"S001C001P001R001A{a:03d}" for a in range(1, 7)]
LABELS = np.array([0, 1, 2, 3, 4, 5])


def write_scores(folder, scores, names=NAMES, labels=LABELS):
    """A scores.npz in main.py --test's form (test_reads_what_main_test_writes checks the form)."""
    path = str(folder / "scores.npz")
    ens.save_scores(path, np.array(names), np.asarray(scores, np.float32), np.asarray(labels))
    return path


def test_reads_what_main_test_writes(tmp_path):
    metric = SkeletonMetric(output_dir=str(tmp_path))  # the writer main.py --test uses
    metric.update(np.eye(6, dtype=np.float32) * 3, LABELS)
    metric.accumulate(names=NAMES)
    scores = ens.ScoreFile(str(tmp_path / "scores.npz"))
    assert list(scores.names) == NAMES and list(scores.labels) == list(LABELS)
    np.testing.assert_array_equal(scores.scores, np.eye(6) * 3)


@pytest.fixture
def streams(tmp_path):
    """Two streams over 6 samples and 6 classes; each alone gets 4 of 6 right, the sum 6 of 6."""
    joint = np.eye(6) * 2.0
    joint[4] = [0, 0, 0, 0, 1.0, 1.5]  # wrong (5), but close
    joint[5] = [0.5, 0, 0, 0, 0, 0.2]  # wrong (0), the label second
    bone = np.eye(6) * 1.0
    bone[0] = [0.5, 1.0, 0, 0, 0, 0]  # wrong (1), but close
    bone[1] = [0, 0.5, 1.0, 0, 0, 0]  # wrong (2)
    (tmp_path / "joint").mkdir()
    (tmp_path / "bone").mkdir()
    return write_scores(tmp_path / "joint", joint), write_scores(tmp_path / "bone", bone), joint, bone


def test_fusion_topk_and_output(streams, tmp_path):
    a, b, joint, bone = streams
    out = str(tmp_path / "fused" / "scores.npz")
    result = ens.run([a, b], [1.0, 1.0], out)
    assert [s["top1"] for s in result["streams"]] == pytest.approx([4 / 6, 4 / 6])
    assert result["fused"]["top1"] == 1.0 and result["fused"]["top5"] == 1.0
    with np.load(out) as npz:
        np.testing.assert_allclose(npz["scores"], joint + bone, rtol=1e-6)
        assert list(npz["names"]) == NAMES and list(npz["labels"]) == list(LABELS)
    # weights matter: the joint stream alone (bone weight 0) keeps its own accuracy
    assert ens.run([a, b], [1.0, 0.0])["fused"]["top1"] == pytest.approx(4 / 6)


def test_cli_prints_every_stream_and_the_fusion(streams, capsys):
    a, b, _, _ = streams
    assert ens.main(["--scores", a, b, "--weights", "0.6", "0.4"]) == 0
    out = capsys.readouterr().out
    assert "6 samples (6 labelled)" in out
    assert f"   0.6  66.67 100.00  {a}" in out and f"   0.4  66.67 100.00  {b}" in out
    assert "   fused 100.00 100.00" in out


def test_unlabelled_samples_are_left_out_of_accuracy(tmp_path):
    (tmp_path / "a").mkdir()
    path = write_scores(tmp_path / "a", np.eye(6), labels=[0, 1, 2, -1, -1, -1])
    result = ens.run([path])
    assert result["num_labelled"] == 3 and result["fused"]["top1"] == 1.0


def mismatch(tmp_path, capsys, **changes):
    (tmp_path / "a").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    a = write_scores(tmp_path / "a", np.eye(6))
    kwargs = {"names": NAMES, "labels": LABELS, "scores": np.eye(6)}
    kwargs.update(changes)
    b = write_scores(tmp_path / "b", kwargs.pop("scores"), **kwargs)
    assert ens.main(["--scores", a, b]) == 1
    return capsys.readouterr().err, a, b


def test_refuses_other_sample_order(tmp_path, capsys):
    swapped = NAMES[:2] + [NAMES[3], NAMES[2]] + NAMES[4:]
    err, a, b = mismatch(tmp_path, capsys, names=swapped)
    assert (f"sample names differ at index 2: {a} has 'S001C001P001R001A003', {b} has 'S001C001P001R001A004'"
            in err)


def test_refuses_other_labels(tmp_path, capsys):
    err, a, b = mismatch(tmp_path, capsys, labels=[0, 1, 2, 3, 5, 5])
    assert f"labels differ at index 4: {a} has 4, {b} has 5" in err


def test_refuses_other_sample_count_and_class_count(tmp_path, capsys):
    err, a, b = mismatch(tmp_path, capsys, names=NAMES[:5], labels=LABELS[:5], scores=np.eye(6)[:5])
    assert f"{a} has 6 samples but {b} has 5" in err
    err, a, b = mismatch(tmp_path / "k", capsys, scores=np.eye(6, 7))
    assert f"{b} has 7 classes but {a} has 6" in err


def test_bad_files_and_weights(streams, tmp_path, capsys):
    a, b, _, _ = streams
    np.savez(tmp_path / "partial.npz", names=np.array(NAMES), scores=np.eye(6))
    np.save(tmp_path / "array.npy", np.eye(6))
    (tmp_path / "text.npz").write_text("not an archive")
    for argv, message in (([a, b, "--weights", "1"], "2 score files but 1 weights"),
                          ([str(tmp_path / "partial.npz")], "missing array(s) ['labels']"),
                          ([str(tmp_path / "array.npy")], "a single array, not a .npz archive"),
                          ([str(tmp_path / "text.npz")], "not a readable .npz score file"),
                          ([str(tmp_path / "none.npz")], "score file not found")):
        assert ens.main(["--scores"] + argv) == 1
        assert message in capsys.readouterr().err
