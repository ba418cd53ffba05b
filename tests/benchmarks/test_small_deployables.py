"""benchmarks/small_deployables.py: fp16 rounding, agreement metrics, error reports and the section."""
import argparse

import numpy as np
import pytest

from benchmarks import small_deployables as sd


def test_fp16_rounding_keeps_float16_values_and_other_dtypes():
    rng = np.random.RandomState(0)
    w = rng.randn(1000).astype(np.float32) * 3
    state = {"w": w, "steps": np.arange(3, dtype=np.int64)}
    out = sd.fp16_rounded(state)
    assert out["w"].dtype == np.float32 and out["steps"] is state["steps"]
    np.testing.assert_array_equal(out["w"], out["w"].astype(np.float16).astype(np.float32))  # representable
    assert np.all(np.abs(out["w"] - w) <= np.abs(w) * 2.0 ** -11)  # round to nearest: half an fp16 ulp
    assert np.any(out["w"] != w)


def test_compare_counts_agreement_and_accuracy():
    reference = np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0]])
    logits = np.array([[2.5, 1.0], [0.0, 3.0], [4.0, 4.5]], dtype=np.float32)
    result = sd.compare(logits, reference, np.array([0, 1, 1]))
    assert result == {"max_diff": 1.0, "agree": pytest.approx(2 / 3), "top1": 1.0}
    with pytest.raises(ValueError, match="do not match"):
        sd.compare(logits[:2], reference, np.array([0, 1, 1]))


def test_errors_are_reported_as_raised():
    assert sd.describe_error(ValueError("(InvalidArgument) not  supported\n on CPU")) == \
        "ValueError: (InvalidArgument) not supported on CPU"
    try:
        raise AssertionError()  # as a bare `assert` in library code raises it
    except AssertionError as exc:
        text = sd.describe_error(exc)
    assert text.startswith("AssertionError: at ") and "raise AssertionError()" in text
    traced = ValueError('In transformed code:\n    File "m.py", line 3, in forward\n\tx = f(x)\n\n'
                        "    ValueError: (InvalidArgument) shape = [-1, 180, -1].\n  [Hint: data[i] >= 0]")
    assert sd.describe_error(traced).startswith("ValueError: (InvalidArgument) shape = [-1, 180, -1]. [Hint")


def test_attempt_records_the_failure_and_returns_none():
    route = sd.Route("r")
    assert sd.attempt(route, lambda: 7) == 7 and route.error is None
    assert sd.attempt(route, lambda: 1 / 0) is None and route.error == "ZeroDivisionError: division by zero"


def test_section_states_failures_without_numbers():
    ok = sd.Route("fp32", files={"m.json": 1000}, agreement={"max_diff": 0.0, "agree": 1.0, "top1": 0.8},
                  latency_key="fp32")
    failed = sd.Route("int8", error="AssertionError: at x.py:1 `assert False`")
    args = argparse.Namespace(weights=sd.WEIGHTS, threads=2, rounds=3, reps=2, load_start=1.0, load_end=1.5)
    text = sd.format_section([ok, failed], {"fp32": 12.345}, args, 464, "3.3.1")
    assert text.startswith(sd.HEADING)
    assert "| fp32 | yes | m.json 1,000 | 0 | 100.00% | 80.00% | 12.35 |" in text
    assert "| int8 | no: `AssertionError: at x.py:1 `assert False`` |  |  |  |  |  |  |" in text


def test_summary_paragraph_only_when_every_paddle_low_precision_route_failed():
    args = argparse.Namespace(weights=sd.WEIGHTS, threads=2, rounds=3, reps=2, load_start=1.0, load_end=1.5)
    failed = [sd.Route(f"{name} x", error="E: e") for name in sd.PADDLE_LOW_PRECISION]
    assert "What this shows" in sd.format_section(failed, {}, args, 464, "3.3.1")
    failed[0].error = None
    assert "What this shows" not in sd.format_section(failed, {}, args, 464, "3.3.1")
