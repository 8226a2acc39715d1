"""Every metric both sides log is compared (issue 11 item 8), with corrected intervals and capped severity."""

from __future__ import annotations

import numpy as np

from investigator.metrics.aliases import MetricCatalog
from investigator.metrics.engine import run_engine
from investigator.metrics.rules import RuleOptions
from investigator.metrics.secondary import HYPOTHESES, corrected
from investigator.metrics.stats import StatOptions
from investigator.models import HypothesisStatus, Severity
from investigator.playbooks_lib.schema import load_playbooks
from tests.support.metric_logs import make_curve

S = np.arange(0, 60_000, 1_000)


def side(make_run, prefix, seeds=5, ret_end=100.0, ent_end=0.6, lr="cosine", seed0=0, extra_tags=0):
    runs = []
    for i in range(seeds):
        s = seed0 + i
        curves = {
            "charts/episodic_return": make_curve(S, end=ret_end, noise=3, seed=s),
            "losses/entropy": make_curve(S, start=1.4, end=ent_end, noise=0.03, seed=s + 100),
            "losses/value_loss": make_curve(S, start=1.0, end=0.3, noise=0.03, seed=s + 200),
            "charts/learning_rate": make_curve(S, start=3e-4, end=0, shape=lr),
        }
        for k in range(extra_tags):  # seed-to-seed spread of 15% in level: what separate seeds look like
            level = 1 + np.random.default_rng(s * 100 + k).normal(0, 0.15)
            curves[f"custom/noise_{k}"] = level * make_curve(S, start=1, end=2, noise=0.05, seed=s * 100 + k + 7)
        runs.append(make_run(f"{prefix}{i}", {t: (S, v) for t, v in curves.items()}))
    return runs


def secondary(out):
    return [f for f in out.findings if f.source == "secondary_metrics"]


def test_hypotheses_exist_in_playbooks():
    known = {f"{p.subsystem}.{h.id}" for p in load_playbooks() for h in p.hypotheses}
    assert {h for hyps in HYPOTHESES.values() for h in hyps} <= known


def test_bonferroni_correction():
    stats = StatOptions()
    assert corrected(stats, 1) == stats
    ten = corrected(stats, 10)
    assert abs(ten.confidence - 0.995) < 1e-12 and ten.n_boot >= 4000
    assert ten.threshold == stats.threshold and ten.min_seeds == stats.min_seeds


def test_diverging_entropy_supports_its_hypothesis(make_run):
    out = run_engine(
        side(make_run, "b"), side(make_run, "c", ret_end=80, ent_end=1.2, seed0=50), MetricCatalog(), RuleOptions()
    )
    [f] = secondary(out)
    assert f.severity == Severity.significant and f.hypotheses == ["ppo.entropy_changed"]
    assert f.title.startswith("Policy entropy changed between the commits: +")
    assert "Bonferroni over" in f.evidence[0].summary
    assert ("ppo.entropy_changed", HypothesisStatus.supported) in {
        (u.hypothesis, u.status) for u in out.hypothesis_updates
    }
    rows = {(r.metric, r.quantity): r.comparison.verdict.value for r in out.rows}
    assert rows[("entropy", "final value")] == "changed"
    assert rows[("value_loss", "final value")] != "changed"  # unchanged metrics stay quiet
    assert any("Bonferroni-corrected intervals" in n for n in out.notes)


def test_seed_noise_on_many_metrics_gives_no_secondary_finding(make_run):
    """Twenty extra tags of pure seed noise and unchanged canonical metrics: nothing is flagged."""
    out = run_engine(
        side(make_run, "b", extra_tags=20), side(make_run, "c", seed0=50, extra_tags=20), MetricCatalog(), RuleOptions()
    )
    assert not secondary(out)
    assert not [r for r in out.rows if r.metric.startswith("custom/") and r.comparison.flagged]
    assert any("20 other tag(s) logged on both sides compared" in n for n in out.notes)
    assert not [f for f in out.findings if f.severity in (Severity.critical, Severity.significant)]


def test_change_without_an_outcome_change_is_low_and_inconclusive(make_run):
    out = run_engine(side(make_run, "b"), side(make_run, "c", ent_end=1.2, seed0=50), MetricCatalog(), RuleOptions())
    [f] = secondary(out)
    assert f.severity == Severity.low and "primary metric shows no meaningful change" in f.impact
    statuses = {u.status for u in out.hypothesis_updates if u.hypothesis == "ppo.entropy_changed"}
    assert statuses == {HypothesisStatus.inconclusive}


def test_too_few_seeds_gives_rows_not_findings(make_run):
    out = run_engine(
        side(make_run, "b", seeds=2),
        side(make_run, "c", seeds=2, ret_end=80, ent_end=1.2, seed0=50),
        MetricCatalog(),
        RuleOptions(),
    )
    assert not secondary(out)
    assert [r for r in out.rows if r.metric == "entropy" and r.comparison.verdict.value == "inconclusive: too few seeds"]


def test_a_single_run_signature_on_the_same_curve_takes_the_evidence(make_run):
    """A constant learning rate (lr_constant) and a different lr curve are one finding, not two."""
    out = run_engine(
        side(make_run, "b"), side(make_run, "c", ret_end=80, lr="constant", seed0=50), MetricCatalog(), RuleOptions()
    )
    assert not [f for f in secondary(out) if "learning" in f.title.lower()]
    [lr] = [f for f in out.findings if f.source == "lr_constant"]
    assert any("Bonferroni over" in e.summary and "learning_rate" in e.summary for e in lr.evidence)


def test_without_the_correction_the_same_noise_would_be_flagged(make_run, monkeypatch):
    """The negative test above holds because of the correction, not because the data are too clean."""
    monkeypatch.setattr("investigator.metrics.secondary.corrected", lambda stats, m: stats)
    out = run_engine(
        side(make_run, "b", extra_tags=20), side(make_run, "c", seed0=50, extra_tags=20), MetricCatalog(), RuleOptions()
    )
    assert [r for r in out.rows if r.metric.startswith("custom/") and r.comparison.flagged]
