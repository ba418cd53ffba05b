"""tasks/train.py in its three steps (build the run, one epoch, validate and checkpoint) and the
config keys it reads: log_level, DATASET.valid_batch_size, a missing DATASET.train."""
import logging
import os

import pytest
import yaml

from paddlevideo.config import get_config
from paddlevideo.tasks import resume, train
from tests.test_main import main_module, tiny_config, train_log_lines


@pytest.fixture
def info_logger():
    """Training sets the shared logger's level from the config; leave it at INFO for other tests."""
    yield
    logging.getLogger("paddlevideo").setLevel(logging.INFO)


def test_the_three_steps_by_hand_are_train_model(tmp_path):
    cfg_path = tiny_config(str(tmp_path))
    summary = train.train_model(get_config(cfg_path, overrides=[f"output_dir={tmp_path / 'a'}"], show=False),
                                validate=True, seed=3)
    run = train.build_run(get_config(cfg_path, overrides=[f"output_dir={tmp_path / 'b'}"], show=False),
                          validate=True, seed=3)
    losses = []
    for epoch in range(run.start_epoch, run.stop_epoch):
        result = train.train_one_epoch(run, epoch)
        losses.append(result.mean_loss)
        train.validate_and_checkpoint(run, epoch, result.mean_loss)
    run.vdl.close()
    assert losses[-1] == summary["last_loss"] and run.best_top1 == summary["best_top1"]
    a, b = (resume.load(str(tmp_path / d / train.RESUME_FILE)) for d in ("a", "b"))
    assert (a["epoch"], a["seed"]) == (b["epoch"], b["seed"]) == (1, 3)
    assert a["best_epoch"] == b["best_epoch"] and a["best_top1"] == b["best_top1"]
    for key in a["model"]:
        assert (a["model"][key].numpy() == b["model"][key].numpy()).all(), key


def test_log_level_sets_the_logger_level(tmp_path, info_logger):
    cfg = tiny_config(str(tmp_path), epochs=1)
    assert main_module.main(["-c", cfg, "-o", "log_level=WARNING"]) == 0
    assert logging.getLogger("paddlevideo").level == logging.WARNING
    assert not train_log_lines(str(tmp_path / "out"), "iter:[")
    assert main_module.main(["-c", cfg]) == 0
    assert train_log_lines(str(tmp_path / "out"), "iter:[")


def test_validation_uses_valid_batch_size(tmp_path, monkeypatch):
    sizes = []

    def evaluate(model, dataset, batch_size, num_workers=0, metric=None, desc=""):
        sizes.append(batch_size)
        return {"top1": 0.5, "top5": 1.0, "loss": 1.0}

    monkeypatch.setattr(train, "evaluate", evaluate)
    cfg = tiny_config(str(tmp_path), epochs=1)
    assert main_module.main(["--validate", "-c", cfg, "-o", "DATASET.valid_batch_size=3",
                             "-o", "DATASET.test_batch_size=5"]) == 0
    assert main_module.main(["--validate", "-c", cfg, "-o", "DATASET.test_batch_size=5"]) == 0
    assert sizes == [3, 5]  # valid_batch_size, else test_batch_size


def test_a_config_without_training_data_is_an_error_not_a_crash(tmp_path, capsys):
    cfg = tiny_config(str(tmp_path))
    with open(cfg) as f:
        data = yaml.safe_load(f)
    del data["DATASET"]["train"]
    with open(cfg, "w") as f:
        yaml.safe_dump(data, f)
    assert main_module.main(["-c", cfg]) == 1
    assert "the config has no DATASET.train section" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out")
