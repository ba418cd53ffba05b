"""paddlevideo.utils.train_log on small hand-written logs: best and last validation, speed, load."""
import math
from datetime import datetime

from paddlevideo.utils.train_log import read_train_log

LOG = """[2026-12-07 10:00:00] INFO: epoch:[  1/3] iter:[   2/2] loss: 2.00000 top1: 0.25000 lr: 0.100000 \
batch_cost: 1.0 sec, reader_cost: 0.0 sec, ips: 16.0 instance/sec
[2026-12-07 10:00:10] INFO: epoch:[  1/3] done: mean loss 2.00000, 10.0 s, 30.00 samples/s, load 1.50
[2026-12-07 10:00:12] INFO: [valid] epoch 1: loss 1.50000 top1 0.50000 top5 0.90000
[2026-12-07 10:00:42] INFO: epoch:[  2/3] done: mean loss 1.00000, 30.0 s, 10.00 samples/s, load 2.50
[2026-12-07 10:00:44] INFO: [valid] epoch 2: loss 1.00000 top1 0.75000 top5 1.00000
[2026-12-07 10:01:04] INFO: epoch:[  3/3] done: mean loss 0.90000, 20.0 s, 15.00 samples/s, load 3.00
[2026-12-07 10:01:06] INFO: [valid] epoch 3: loss 0.90000 top1 0.75000 top5 1.00000
[2026-12-07 10:01:07] INFO: rank 0: final weights checksum 1.0e+03
"""


def read(tmp_path, text):
    path = tmp_path / "train.log"
    path.write_text(text)
    return read_train_log(str(path))


def test_best_epoch_is_the_first_to_reach_the_best_top1_and_last_is_the_last_validated(tmp_path):
    history = read(tmp_path, LOG)
    assert history.best_valid() == (2, 0.75)  # epoch 3 ties it: the training kept epoch 2's weights
    assert history.last_valid() == (3, 0.75)
    assert history.valid_top1() == {1: 0.5, 2: 0.75, 3: 0.75}
    assert (history.epochs, history.epochs_done, history.finished) == (3, 3, True)


def test_speed_is_all_samples_over_all_seconds_and_loads_are_read(tmp_path):
    history = read(tmp_path, LOG)
    assert history.train_seconds() == 60.0
    assert history.samples_per_s() == (10 * 30 + 30 * 10 + 20 * 15) / 60  # 15.0, not the mean 18.33
    assert history.median_samples_per_s() == 15.0  # epochs at 30, 10, 15 samples/s
    assert [t.load for t in history.timing.values()] == [1.5, 2.5, 3.0]
    assert history.timing[2].end == datetime(2026, 12, 7, 10, 0, 42)


def test_older_and_hand_written_done_lines_leave_out_what_they_lack(tmp_path):
    history = read(tmp_path, "epoch:[  1/6] done: mean loss 1.20000, 5.0 s, 4.00 samples/s\n"
                              "epoch:[  2/6] done: mean loss 1.10000, 1 s\n"
                              "epoch:[  3/6] done: mean loss 1.00000\n"
                              "[valid] epoch 2: loss nan top1 nan top5 nan\n")
    assert history.epoch_loss == {1: 1.2, 2: 1.1, 3: 1.0}
    assert sorted(history.timing) == [1, 2]
    assert history.timing[1].load is None and history.timing[1].end is None
    assert math.isnan(history.timing[2].samples_per_s)
    assert history.samples_per_s() == 4.0  # epoch 2 has no samples/s: left out, seconds too
    assert history.best_valid() is None and history.last_valid() is None  # a NaN Top-1 is no validation
    assert not history.finished  # 3 of 6 epochs, and no final checksum


def test_a_resumed_run_replaces_the_repeated_epoch_and_is_finished_once_all_epochs_are(tmp_path):
    stopped = LOG.split("[2026-12-07 10:00:42]")[0] + \
        "[2026-12-07 10:00:20] INFO: rank 0: final weights checksum 5.0e+02\n"  # STOP after epoch 1
    history = read(tmp_path, stopped)
    assert (history.epochs_done, history.final_checksum, history.finished) == (1, True, False)
    resumed = stopped + LOG.replace("top1 0.50000", "top1 0.60000").replace("30.00 samples/s", "20.00 samples/s")
    history = read(tmp_path, resumed)
    assert history.valid[1][1] == 0.6 and history.timing[1].samples_per_s == 20.0
    assert history.finished and history.train_seconds() == 60.0
