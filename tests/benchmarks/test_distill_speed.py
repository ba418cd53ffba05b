"""benchmarks/distill_speed.py: the RESULTS.md section from measured times (fake numbers here;
the real run takes minutes and its output is in RESULTS.md)."""
from benchmarks import distill_speed


def test_report_gives_medians_and_each_teachers_median_of_per_round_ratios():
    times = {"plain step": [1.0, 2.0, 1.0],
             "distill step, CTRGCN joint teacher": [3.0, 3.0, 4.0], "CTRGCN joint teacher forward": [1.5, 1.5, 1.5],
             "distill step, CTRGCN_light bone teacher": [2.0, 2.0, 1.5],
             "CTRGCN_light bone teacher forward": [0.5, 0.5, 0.5]}
    text = distill_speed.report(times, "python -m benchmarks.distill_speed --steps 3")
    assert text.startswith(distill_speed.HEADING + "\n")
    assert "`python -m benchmarks.distill_speed --steps 3`" in text and "3 alternating rounds" in text
    assert "| plain step | 1.000 |" in text and "| distill step, CTRGCN joint teacher | 3.000 |" in text
    assert "`configs/recognition/ctrgcn/ctrgcn_tiny_ucla_kd.yaml`" in text
    # rounds: 3.0, 1.5, 4.0 -> median 3.0; medians 3.0 - 1.0 = 2.0 added, the teacher 1.5 of it
    assert ("- CTRGCN joint teacher: distill step / plain step, median of the per-round ratios 3.00x "
            "(range 1.50-4.00x); the teacher's forward accounts for 75% of the added time.") in text
    # rounds: 2.0, 1.0, 1.5 -> median 1.5; medians 2.0 - 1.0 = 1.0 added, the teacher 0.5 of it
    assert ("- CTRGCN_light bone teacher: distill step / plain step, median of the per-round ratios 1.50x "
            "(range 1.00-2.00x); the teacher's forward accounts for 50% of the added time.") in text


def test_both_shipped_configs_distill_the_same_student():
    from paddlevideo.config import get_config
    from tests.conftest import ROOT
    import os
    cfgs = [get_config(os.path.join(ROOT, path), show=False) for path in distill_speed.TEACHERS.values()]
    assert len(cfgs) == 2 and cfgs[0].MODEL == cfgs[1].MODEL
    assert [c.DISTILL.teacher_channels for c in cfgs] == [[0, 3], [3, 6]]
