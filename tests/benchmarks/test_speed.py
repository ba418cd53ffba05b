"""benchmarks/speed.py: a tiny end-to-end run (real workers, real predictors, a small input) that
writes its section into a copy of RESULTS.md, the report's ratios and goals on fixed numbers,
and the NW-UCLA epoch estimate from a real main.py training log."""
import re

import pytest

from benchmarks import speed
from tests.test_main import tiny_config

OTHER_SECTION = "## Another benchmark\n\nkept as it is\n"


def floats(cells):
    """The leading number of each table cell ('**1.50x**' -> 1.5, '12 (3.0e-06)' -> 12.0)."""
    return [float(re.search(r"[-+0-9.e]+", c.strip("* ")).group()) for c in cells]


def within_rounding(value, num, den, digits=2):
    """``value`` (printed with ``digits`` decimals) is num / den of two numbers printed the same way."""
    h = 0.5 * 10 ** -digits
    return (num - h) / (den + h) - h <= value <= (num + h) / (den - h) + h


def table_rows(text, first_cell):
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith(f"| {first_cell} |")]


@pytest.mark.slow
def test_tiny_run_writes_a_section_with_measured_numbers(tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n" + OTHER_SECTION)
    argv = ["--models", "CTRGCN_tiny", "--frames", "8", "--train-batch", "2", "--batches", "1", "2", "--reps", "2",
            "--train-steps", "2", "--warmup-steps", "0", "--skip", "ucla", "--results", str(results),
            "--write-results"]
    assert speed.main(argv) == 0
    text = results.read_text()
    assert OTHER_SECTION in text and text.count(speed.HEADING + "\n") == 1
    section = text[text.index(speed.HEADING):]
    assert "python -m benchmarks.speed --models CTRGCN_tiny --train-steps 2 --warmup-steps 0 --reps 2 --frames 8 " \
           f"--train-batch 2 --batches 1 2 --skip ucla --write-results --results {results}" in section
    assert re.search(r"load average \d+\.\d -> \d+\.\d from start to end\), Paddle 3\.\S+, "
                     r"code at commit [0-9a-f]+", section)

    (train,) = table_rows(section, "CTRGCN_tiny")[:1]
    plain_s, fast_s, speedup, plain_ips, fast_ips, plain_cpu, fast_cpu, cpu_ratio = floats(train[1:])
    assert min(plain_s, fast_s, plain_cpu, fast_cpu) > 0
    assert within_rounding(speedup, plain_s, fast_s) and within_rounding(cpu_ratio, plain_cpu, fast_cpu)
    assert within_rounding(plain_ips, 2, plain_s) and within_rounding(fast_ips, 2, fast_s)
    first_losses = re.search(r"CTRGCN_tiny ([0-9.]+) / ([0-9.]+),", section)
    # same weights and batch on both paths
    assert float(first_losses.group(1)) == pytest.approx(float(first_losses.group(2)), abs=1e-4)

    infer = {row[1]: row for row in table_rows(section, "CTRGCN_tiny")[1:]}
    assert sorted(infer) == ["1", "2"]
    for row in infer.values():
        diffs = [float(re.search(r"\((.+)\)", cell).group(1)) for cell in row[2:6]]
        upstream_off, upstream_on, ours_off, ours_on = diffs
        assert max(upstream_off, ours_off, ours_on) <= speed.ATOL  # every correct predictor is correct
        assert upstream_on > 0.01  # the oneDNN path really ran (and still miscomputes upstream's form)
        assert all(ms > 0 for ms in floats(row[2:8]))
    assert "- Correctness: the largest |logit difference|" in section and "(within 0.0001)" in section
    assert re.search(r"1 thread, process CPU time .*: CTRGCN_tiny \d+ / \d+ ms = \*\*\d+\.\d\dx\*\*", section)
    assert "CTRGCN inference" not in section  # goals name CTRGCN only when it was measured
    assert "### One NW-UCLA epoch" not in section and "NW-UCLA epoch: not measured" not in section


def fake_args(**kw):
    args = speed.parse_args([])
    for key, value in kw.items():
        setattr(args, key, value)
    return args


def fake_infer(rounds_off, rounds_on):
    """Per-round ms of 'ours, oneDNN off/on'; the other predictors twice as slow as ours off."""
    rounds = {speed.predictor_key(f, on): [2 * t for t in rounds_off] for f, on in speed.PREDICTORS}
    rounds[speed.OURS_OFF], rounds[speed.FAST_PREDICTOR] = rounds_off, rounds_on
    return {key: {"rounds_ms": r, "diff": 1e-6} for key, r in rounds.items()}


def test_report_ratios_are_medians_of_per_round_ratios_and_goals_are_judged():
    # rounds: off/on = 4, 1, 2 -> median 2.0 (the ratio of the medians would be 300/100 = 3.0)
    infer = {"CTRGCN": {"1": fake_infer([400.0, 300.0, 200.0], [100.0, 300.0, 100.0]),
                        "16": fake_infer([900.0], [300.0])}}
    # 1 thread, CPU ms: off/on = 3.0, 3.3, 3.0 -> 3.0
    infer["CTRGCN"]["1"][speed.ONE_THREAD_OFF] = {"rounds_cpu_ms": [300.0, 330.0, 360.0], "diff": 2e-6}
    infer["CTRGCN"]["1"][speed.ONE_THREAD_ON] = {"rounds_cpu_ms": [100.0, 100.0, 120.0], "diff": 3e-4}
    run = lambda wall, loss: {"wall": wall, "cpu": [w / 2 for w in wall], "losses": [loss, loss / 2],  # noqa: E731
                              "mkl": "default", "threads": "1"}
    train = {"CTRGCN": {"plain": [run([20.0, 22.0, 24.0], 4.0)], "fast": [run([5.0, 6.0, 7.0], 4.0)]}}
    text = speed.report(fake_args(reps=3), ["CTRGCN"], train, infer, {}, ["1.0", "2.0"], "today", "3.3.1", "commit abc")
    assert text.startswith(speed.HEADING + "\n")
    assert "load average 1.0 -> 2.0 from start to end), Paddle 3.3.1, code at commit abc." in text
    rows = table_rows(text, "CTRGCN")
    assert rows[0][1:5] == ["22.00", "6.00", "**3.67x**", "0.73"]
    assert rows[1][-2:] == ["**4.00x**", "2.00x"]  # plain / fast per round: 8, 2, 4
    assert rows[2][-2:] == ["**6.00x**", "3.00x"]
    assert ("our export with oneDNN on vs off: **2.00x** in wall time at 2 threads (median of 3 per-round ratios); "
            "goal >= 2.5x NOT met; **3.00x** in CPU time at 1 thread (load-robust), goal >= 2.5x met.") in text
    assert "oneDNN off / on (medians; ratio: median of the per-round ratios; the same interleaved rounds): " \
           "CTRGCN 330 / 100 ms = **3.00x**." in text
    assert "CTRGCN training step, fast vs plain: **3.67x** in wall time (3.67x in CPU time); goal >= 3.0x met" in text
    assert "is 3.0e-04 (ABOVE 0.0001)" in text  # the 1-thread predictor's diff counts too
    assert "NW-UCLA epoch: not measured (no data at" in text


def test_ucla_epoch_estimate_from_a_real_training_log(tmp_path):
    import main as main_module

    config = tiny_config(str(tmp_path), epochs=1, log_interval=1)
    assert main_module.main(["--validate", "-c", config, "--seed", "3", "--max_iters", "3"]) == 0
    log = (tmp_path / "out" / "train.log").read_text()
    costs, valid_s = speed.parse_train_log(log)
    assert len(costs) == 3 and all(b > 0 and 0 <= r <= b for b, r in costs)
    assert 0 <= valid_s < 60
    with pytest.raises(ValueError, match=r"'done' or '\[valid\]'"):
        speed.parse_train_log("\n".join(line for line in log.splitlines() if "[valid]" not in line))
    with pytest.raises(ValueError, match="batch_cost"):
        speed.parse_train_log("nothing logged")

    est = speed.epoch_estimate([(9.0, 1.0), (2.0, 0.1), (4.0, 0.3)], 30.0, samples=1020, batch=16,
                               official_repeat=5, official_epochs=65)
    assert est["iters"] == 63 and est["batch_cost"] == 3.0 and est["reader_cost"] == pytest.approx(0.2)
    assert est["epoch_min"] == pytest.approx((63 * 3.0 + 30.0) / 60)
    assert est["official_h"] == pytest.approx(65 * (318 * 3.0 + 30.0) / 3600)


def test_bad_arguments_are_errors(capsys):
    with pytest.raises(SystemExit):
        speed.parse_args(["--reps", "0"])
    assert "--reps must be >= 1" in capsys.readouterr().err
    assert speed.main(["--models", "NoSuchNet", "--skip", "train", "infer", "ucla"]) == 2
    assert "unknown backbone(s) ['NoSuchNet']" in capsys.readouterr().err


def test_ucla_training_run_builds_the_main_py_command_and_reads_its_log(monkeypatch):
    seen = {}

    def fake_run_process(cmd, what, env=None):
        seen.update(cmd=cmd, what=what, env=env)
        out = next(a.split("=", 1)[1] for a in cmd if a.startswith("output_dir="))
        with open(f"{out}/train.log", "w") as f:
            f.write("the log\n")
        return type("Done", (), {"stdout": "ips: 12.5 instance/sec\n"})()

    monkeypatch.setattr(speed, "run_process", fake_run_process)
    stdout, log = speed.ucla_training_run("c.yaml", "/data", 9, 3, seed=1, env={"OMP_NUM_THREADS": "2"})
    assert (stdout, log) == ("ips: 12.5 instance/sec\n", "the log\n")
    cmd = seen["cmd"]
    assert cmd[1:9] == ["main.py", "--validate", "-c", "c.yaml", "--max_iters", "9", "--seed", "1"]
    overrides = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-o"]
    assert {"DATASET.train.file_path=/data", "DATASET.valid.file_path=/data", "DATASET.test.file_path=/data",
            "log_interval=3", "epochs=1", "DATASET.train.repeat=1"} <= set(overrides)
    assert seen["env"] == {"OMP_NUM_THREADS": "2"} and "c.yaml" in seen["what"]
