"""benchmarks/distill_speed.py: the RESULTS.md section from measured times (fake numbers here;
the real run takes minutes and its output is in RESULTS.md)."""
from benchmarks import distill_speed


def test_report_gives_medians_and_the_median_of_per_round_ratios():
    times = {"plain step": [1.0, 2.0, 1.0], "distill step": [3.0, 3.0, 4.0], "teacher forward": [1.5, 1.5, 1.5]}
    text = distill_speed.report(times, "python -m benchmarks.distill_speed --steps 3")
    assert text.startswith(distill_speed.HEADING + "\n")
    assert "`python -m benchmarks.distill_speed --steps 3`" in text and "3 alternating rounds" in text
    assert "| plain step | 1.000 |" in text and "| distill step | 3.000 |" in text
    # rounds: 3.0, 1.5, 4.0 -> median 3.0; medians 3.0 - 1.0 = 2.0 added, the teacher 1.5 of it
    assert "median of the per-round ratios 3.00x (range 1.50-4.00x)" in text
    assert "accounts for 75% of the added time" in text
