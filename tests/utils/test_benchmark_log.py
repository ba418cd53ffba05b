"""BenchmarkLog: per-stage times per sample, warm-up exclusion, memory fields, report keys."""
import json

import pytest

from paddlevideo.utils.benchmark_log import BenchmarkLog, parse_nvidia_smi_apps


class FakeClock:
    """perf_counter stand-in that advances by scripted steps."""

    def __init__(self, steps):
        self.now = 0.0
        self.steps = list(steps)

    def __call__(self):
        value = self.now
        if self.steps:
            self.now += self.steps.pop(0)
        return value


def run_batches(log, sizes):
    for n in sizes:
        log.start()
        log.stamp()
        log.stamp()
        log.end(num_samples=n)


def test_times_are_ms_per_sample_after_warmup():
    # each batch: preprocess 0.010 s, inference 0.100 s, postprocess 0.002 s, then 1 s idle
    clock = FakeClock([0.010, 0.100, 0.002, 1.0] * 4)
    log = BenchmarkLog(model_name="m", batch_size=2, cpu_threads=2, mkldnn=True, warmup=1, clock=clock)
    run_batches(log, [2, 2, 2, 1])
    s = log.summary()
    assert s["timed_batches"] == 3 and s["samples"] == 5 and s["warmup_batches"] == 1
    assert s["preprocess_time_ms"] == pytest.approx(3 * 10.0 / 5)
    assert s["inference_time_ms"] == pytest.approx(3 * 100.0 / 5)
    assert s["postprocess_time_ms"] == pytest.approx(3 * 2.0 / 5)
    assert s["total_time_s"] == pytest.approx(3 * 0.112)
    assert s["cpu_rss_mb"] > 10  # this python process holds well over 10 MB
    assert s["gpu_memory_mb"] is None


def test_report_has_autolog_keys_and_notes():
    log = BenchmarkLog(model_name="CTRGCN_light_joint", batch_size=1, cpu_threads=None, mkldnn=False,
                       notes=["oneDNN turned off"], clock=FakeClock([0.001, 0.05, 0.001, 0.0] * 2))
    run_batches(log, [1, 1])
    text = "\n".join(log.report_lines())
    for key in ("model_name: CTRGCN_light_joint", "precision: fp32", "batch_size: 1", "runtime_device: cpu",
                "enable_mkldnn: False", "cpu_math_library_num_threads: default", "cpu_rss(MB):",
                "gpu_rss(MB): n/a", "preprocess_time(ms): 1.0000", "inference_time(ms): 50.0000",
                "postprocess_time(ms): 1.0000", "note: oneDNN turned off"):
        assert key in text, key
    assert all(line.startswith("[benchmark] ") for line in log.report_lines())


def test_no_timed_batch_reports_na():
    log = BenchmarkLog(model_name="m", batch_size=1, warmup=3)
    log.start()
    log.stamp()
    log.stamp()
    log.end(1)
    assert log.timed_batches == 0
    assert log.summary()["inference_time_ms"] is None
    assert "inference_time(ms): n/a" in "\n".join(log.report_lines())


def test_misuse_is_an_error():
    log = BenchmarkLog(model_name="m", batch_size=1)
    with pytest.raises(RuntimeError, match="before start"):
        log.stamp()
    log.start()
    log.stamp()
    with pytest.raises(RuntimeError, match="stamp"):
        log.end(1)  # only one stamp: two stages instead of three
    log.start()
    log.stamp()
    log.stamp()
    with pytest.raises(ValueError, match="num_samples"):
        log.end(0)


def test_gpu_memory_peak_from_callable():
    readings = iter([100.0, 300.0, None, 200.0, 250.0, 120.0])
    log = BenchmarkLog(model_name="m", batch_size=1, device="gpu", gpu_memory=lambda: next(readings))
    run_batches(log, [1, 1])
    assert log.summary()["gpu_memory_mb"] == 300.0
    assert "gpu_rss(MB): 300.0" in "\n".join(log.report_lines())


def test_parse_nvidia_smi_sums_this_pid_only():
    text = "1234, 500\n999, 7000\n1234, 11\nbad line\n"
    assert parse_nvidia_smi_apps(text, 1234) == 511.0
    assert parse_nvidia_smi_apps(text, 42) is None


def test_save_json(tmp_path):
    log = BenchmarkLog(model_name="m", batch_size=4, backend="onnxruntime")
    run_batches(log, [4])
    path = tmp_path / "sub" / "bench.json"
    log.save_json(str(path))
    saved = json.loads(path.read_text())
    assert saved["backend"] == "onnxruntime" and saved["batch_size"] == 4 and saved["samples"] == 4
    assert not (tmp_path / "sub" / "bench.json.tmp").exists()
