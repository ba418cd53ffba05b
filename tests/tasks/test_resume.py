"""The resume state on disk (paddlevideo/tasks/resume.py): a manifest and one file per state dict,
each under the repository's 8 MB file limit for every shipped model, safe against a kill between
its files, checked on load, and readable from the single resume.pdckpt of earlier versions."""
import json
import os

import numpy as np
import paddle
import pytest

import main as main_module
from paddlevideo.config import get_config
from paddlevideo.modeling import build_model
from paddlevideo.tasks import resume
from paddlevideo.utils import checkpoint
from tests.conftest import ROOT
from tests.test_main import losses_of, tiny_config, train_log_lines

REPO_FILE_LIMIT = 8 * 1000 * 1000  # bytes: the largest file this repository accepts


def fake_state(epoch, best_epoch=1, value=1.0):
    model = {"w": np.full((4, 3), value, "float32"), "b": np.arange(3, dtype="float32")}
    best = {"w": np.full((4, 3), 2.0, "float32"), "b": np.arange(3, dtype="float32") * 2}
    optimizer = {"@w@_velocity_0": np.zeros((4, 3), "float32"), "LR_Scheduler": {"last_epoch": 7}}
    return {"model": model, "optimizer": optimizer, "best_model": best, "epoch": epoch, "best_top1": 0.5,
            "best_epoch": best_epoch, "seed": 3}


def test_a_saved_state_reads_back_with_a_manifest_naming_every_part(tmp_path):
    path = resume.save(str(tmp_path), fake_state(epoch=4))
    manifest = json.loads(open(path).read())
    assert manifest["epoch"] == 4 and manifest["best_epoch"] == 1 and manifest["seed"] == 3
    assert sorted(manifest["parts"]) == ["best_model", "model", "optimizer"]
    assert sorted(os.listdir(tmp_path / "resume")) == ["e0005.best.pdparams", "e0005.model.pdparams",
                                                       "e0005.optimizer.pdopt"]
    state = resume.load(path)
    np.testing.assert_array_equal(state["model"]["w"], fake_state(4)["model"]["w"])
    np.testing.assert_array_equal(state["best_model"]["b"], np.arange(3) * 2)
    assert state["optimizer"]["LR_Scheduler"] == {"last_epoch": 7}
    assert (state["epoch"], state["best_top1"], state["seed"]) == (4, 0.5, 3)


def test_a_state_before_any_validation_has_no_best_part(tmp_path):
    state = dict(fake_state(epoch=0), best_model=None)
    assert resume.load(resume.save(str(tmp_path), state))["best_model"] is None
    assert sorted(os.listdir(tmp_path / "resume")) == ["e0001.model.pdparams", "e0001.optimizer.pdopt"]


def test_the_next_epoch_replaces_the_parts_and_keeps_an_unchanged_best_byte_identical(tmp_path):
    resume.save(str(tmp_path), fake_state(epoch=4))
    best_before = (tmp_path / "resume" / "e0005.best.pdparams").read_bytes()
    (tmp_path / "resume" / "notes.txt").write_text("a user's file")
    resume.save(str(tmp_path), fake_state(epoch=5, value=2.0))
    assert sorted(os.listdir(tmp_path / "resume")) == ["e0006.best.pdparams", "e0006.model.pdparams",
                                                       "e0006.optimizer.pdopt", "notes.txt"]
    # git stores an unchanged best part once
    assert (tmp_path / "resume" / "e0006.best.pdparams").read_bytes() == best_before


def test_a_kill_while_writing_the_next_epoch_leaves_the_previous_state_whole(tmp_path, monkeypatch):
    resume.save(str(tmp_path), fake_state(epoch=4))
    calls = []
    real_save = checkpoint.save

    def save_then_die(obj, path):
        calls.append(path)
        if len(calls) == 2:  # the model part of epoch 6 is written, the optimizer part is not
            raise KeyboardInterrupt("killed")
        real_save(obj, path)
    monkeypatch.setattr(checkpoint, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        resume.save(str(tmp_path), fake_state(epoch=5, value=9.0))
    monkeypatch.setattr(checkpoint, "save", real_save)
    state = resume.load(str(tmp_path / "resume.json"))
    assert state["epoch"] == 4 and float(state["model"]["w"][0, 0]) == 1.0
    resume.save(str(tmp_path), fake_state(epoch=5, value=9.0))  # the next save clears the stray part
    assert len(os.listdir(tmp_path / "resume")) == 3


def test_a_missing_or_altered_part_is_an_error_naming_the_file(tmp_path):
    path = resume.save(str(tmp_path), fake_state(epoch=2))
    part = tmp_path / "resume" / "e0003.optimizer.pdopt"
    data = part.read_bytes()
    part.write_bytes(data[:-10])
    with pytest.raises(ValueError, match=r"e0003\.optimizer\.pdopt: \d+ bytes.*expects"):
        resume.load(path)
    part.unlink()
    with pytest.raises(FileNotFoundError, match=r"part 'optimizer' is missing: .*e0003\.optimizer\.pdopt"):
        resume.load(path)


@pytest.mark.parametrize("text, message", [
    ("{not json", "not a readable resume manifest"),
    ('{"format": "something-else"}', "expected a resume manifest of format 'paddlevideo-resume-1'"),
    ('{"format": "paddlevideo-resume-1", "epoch": 1, "parts": {}}',
     "lacks best_top1, best_epoch, seed, parts.model, parts.optimizer"),
])
def test_a_bad_manifest_is_an_error_saying_what_was_expected(tmp_path, text, message):
    (tmp_path / "resume.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        resume.load(str(tmp_path / "resume.json"))
    assert main_module.main(["-c", tiny_config(str(tmp_path)), "--resume", str(tmp_path)]) == 1


@pytest.mark.parametrize("config", ["ctrgcn_ucla_joint", "ctrgcn_light_ucla_joint", "ctrgcn_tiny_ucla_joint",
                                    "ctrgcn_ntucs_joint"])
def test_every_part_of_a_shipped_models_state_is_under_the_repos_file_limit(tmp_path, config):
    """CTRGCN's whole state is about 17 MB; split, its largest part (weights; the momentum has one
    value per parameter) stays under 8 MB."""
    cfg = os.path.join(ROOT, "configs", "recognition", "ctrgcn", config + ".yaml")
    model = build_model(get_config(cfg, show=False)["MODEL"])
    optimizer = paddle.optimizer.Momentum(learning_rate=0.1, momentum=0.9, use_nesterov=True,
                                          parameters=model.parameters())
    b = model.backbone
    loss = model.forward_net(paddle.randn([2, b.in_channels, 8, b.num_point, b.num_person])).sum()
    loss.backward()
    optimizer.step()
    state = {"model": model.state_dict(), "optimizer": checkpoint.portable_optimizer_state(model, optimizer),
             "best_model": model.state_dict(), "epoch": 0, "best_top1": 0.0, "best_epoch": 1, "seed": 1}
    manifest = json.loads(open(resume.save(str(tmp_path), state)).read())
    sizes = {key: part["bytes"] for key, part in manifest["parts"].items()}
    assert max(sizes.values()) < REPO_FILE_LIMIT, sizes
    assert sum(sizes.values()) > max(sizes.values()) * 2.5  # three parts of comparable size


@pytest.mark.slow
def test_a_run_saved_by_an_earlier_version_continues_and_moves_to_the_new_form(tmp_path):
    """A resume.pdckpt (the single file earlier versions wrote) continues with the losses of the
    uninterrupted run; the first save in the new form removes it."""
    cfg = tiny_config(str(tmp_path), epochs=3)
    full, part = tmp_path / "full", tmp_path / "part"
    assert main_module.main(["--validate", "-c", cfg, "--seed", "5", "-o", f"output_dir={full}"]) == 0
    assert main_module.main(["--validate", "-c", cfg, "--seed", "5", "-o", f"output_dir={part}",
                             "--max_epochs", "1"]) == 0
    state = resume.load(str(part / "resume.json"))
    checkpoint.save(state, str(part / "resume.pdckpt"))  # the earlier single-file form, same keys
    (part / "resume.json").unlink()
    for name in os.listdir(part / "resume"):
        (part / "resume" / name).unlink()
    assert main_module.main(["--validate", "-c", cfg, "--seed", "5", "-o", f"output_dir={part}", "--resume"]) == 0
    assert "resume.pdckpt: continuing at epoch 2/3" in "".join(train_log_lines(str(part), "resumed from"))
    assert losses_of(str(part)) == losses_of(str(full))
    assert not (part / "resume.pdckpt").exists() and (part / "resume.json").exists()
