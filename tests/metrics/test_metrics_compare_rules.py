"""Baseline-vs-candidate rules: final value, area under the curve, sample efficiency, throughput."""

from __future__ import annotations

import numpy as np

from investigator.metrics.aliases import MetricCatalog
from investigator.metrics.engine import run_engine
from investigator.metrics.rules import RuleOptions, RunView, rule_by_id
from investigator.metrics.stats import Verdict
from investigator.models import HypothesisStatus

S = np.arange(0, 100_000, 1_000)


def side(make_run, n, seed0=0, rate=5.0, end=100.0, sps=1000.0, log_sps=True):
    views = []
    for i in range(n):
        rng = np.random.default_rng(seed0 + i)
        x = S / S.max()
        ret = end * (1 - np.exp(-rate * x)) + rng.normal(0, 1.5, len(S))
        curves = {"charts/episodic_return": (S, ret)}
        if log_sps:
            curves["charts/SPS"] = (S, sps + rng.normal(0, sps * 0.01, len(S)))
        views.append(RunView.of(make_run(f"s{seed0 + i}", curves, steps_per_second=sps), MetricCatalog()))
    return views


def outcome(rule_id, base, cand):
    return rule_by_id(rule_id).compare(base, cand, RuleOptions())


def test_slower_learning_same_final_value(make_run):
    base, cand = side(make_run, 5, rate=12.0), side(make_run, 5, seed0=20, rate=4.0)
    assert outcome("final_performance", base, cand).comparison.verdict != Verdict.regression
    assert outcome("area_under_curve", base, cand).comparison.verdict == Verdict.regression
    eff = outcome("sample_efficiency", base, cand)
    assert eff.comparison.verdict == Verdict.regression  # more steps to reach the threshold
    assert eff.comparison.higher_is_better is False


def test_same_learning_speed_is_not_flagged(make_run):
    base, cand = side(make_run, 5), side(make_run, 5, seed0=20)
    for rule in ("final_performance", "area_under_curve", "sample_efficiency", "throughput_drop"):
        assert not outcome(rule, base, cand).comparison.flagged, rule


def test_final_performance_regression_and_direction(make_run):
    base, cand = side(make_run, 4), side(make_run, 4, seed0=10, end=70)
    out = outcome("final_performance", base, cand)
    assert out.comparison.verdict == Verdict.regression and out.severity is None  # -30%: stays critical
    improved = outcome("final_performance", cand, base)
    assert improved.comparison.verdict == Verdict.improvement


def test_sample_efficiency_skipped_when_baseline_did_not_learn(make_run):
    base, cand = side(make_run, 3, end=0.0), side(make_run, 3, seed0=5)
    assert outcome("sample_efficiency", base, cand) is None


def test_throughput_from_logged_sps_and_severity(make_run):
    base, cand = side(make_run, 3, sps=1000), side(make_run, 3, seed0=5, sps=900)
    out = outcome("throughput_drop", base, cand)
    assert out.comparison.verdict == Verdict.regression
    assert out.severity is not None and out.severity.value == "low"  # -10%: overhead, not significant
    big = outcome("throughput_drop", base, side(make_run, 3, seed0=5, sps=600))
    assert big.severity is None  # -40%: the rule's significant severity


def test_throughput_derived_from_wall_time(make_run):
    base = side(make_run, 3, sps=1000, log_sps=False)
    cand = side(make_run, 3, seed0=5, sps=500, log_sps=False)
    out = outcome("throughput_drop", base, cand)
    assert "derived" in out.summary
    assert out.comparison.verdict == Verdict.regression
    assert abs(out.comparison.relative_change + 0.5) < 0.01


def test_equal_throughput_refutes_overhead_hypotheses(make_run):
    base, cand = side(make_run, 5), side(make_run, 5, seed0=20)
    out = run_engine([v.run for v in base], [v.run for v in cand], MetricCatalog())
    refuted = {u.hypothesis for u in out.hypothesis_updates if u.status == HypothesisStatus.refuted}
    assert "trainer.eval_overhead" in refuted
    assert not out.findings
