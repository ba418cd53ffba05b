"""benchmarks/train_speed.py's report: thread-count columns, the data-parallel rows (main.py's
cpu_processes form) beside the single processes, ratios against the official model."""
from benchmarks.train_speed import BATCH, OFFICIAL, PROJECT_MODELS, dp_name, report


def fake_run(step_seconds):
    """results/infos as measure() returns them: 2 rounds of 2 steps per contestant."""
    results, infos = {}, {}
    for n, speeds in step_seconds.items():
        results[("ucla", n)] = {name: [[s, s], [s, s]] for name, s in speeds.items()}
        infos[("ucla", n)] = {name: {"sample": (3, 52, 20, 1), "gflop": 3.0, "peak_gflops": 300.0, "mkl": "MKL",
                                     "torch": "2.13.0"} for name in speeds}
    return results, infos


def test_the_data_parallel_rows_sit_under_the_largest_thread_count():
    one = {**{name: 1.0 for name in PROJECT_MODELS}, OFFICIAL: 2.0}
    two = {**one, dp_name("CTRGCN", 2): 0.5, dp_name("CTRGCN_light", 2): 0.25}
    text = report(*fake_run({1: one, 2: two}), rounds=2, steps=2, load="1.0 -> 1.0", command="python -m x")
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines() if line.startswith("| ")}
    assert rows["CTRGCN, 2 processes"].startswith(f"| CTRGCN, 2 processes |  |  | {BATCH / 0.5:.1f} | **4.00x** |")
    assert rows["CTRGCN_light, 2 processes"].split(" | ")[3:5] == [f"{BATCH / 0.25:.1f}", "**8.00x**"]
    assert rows["CTRGCN"].split(" | ")[1:5] == [f"{BATCH:.1f}", "**2.00x**", f"{BATCH:.1f}", "**2.00x**"]
    names = list(rows)
    assert names.index("CTRGCN_tiny") < names.index("CTRGCN, 2 processes") < names.index(OFFICIAL)
