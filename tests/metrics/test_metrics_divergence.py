"""NaN/inf in logged metrics: a finding with the onset step per run and side; never dropped uncounted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from investigator.metrics.aliases import MetricCatalog
from investigator.metrics.engine import markdown, run_engine
from investigator.metrics.loading import NonFinite, load_side
from investigator.metrics.rules import RuleOptions
from investigator.models import HypothesisStatus, Severity
from tests.support.metric_logs import make_curve

S = np.arange(0, 60_000, 1_000)
RET = "charts/episodic_return"
VL = "losses/value_loss"


def side(make_run, prefix, n=3, nan_from=None, tag=VL, seed0=0, value=np.nan, recover_after=None, end=100.0):
    runs = []
    for s in range(n):
        ret = make_curve(S, end=end, noise=3, seed=seed0 + s)
        vl = make_curve(S, start=1, end=0.2, noise=0.01, seed=seed0 + s + 50)
        curves = {RET: ret, VL: vl}
        if nan_from is not None:
            curves[tag] = curves[tag].copy()
            stop = len(S) if recover_after is None else nan_from + recover_after
            curves[tag][nan_from:stop] = value
        runs.append(make_run(f"{prefix}{s}", {k: (S, v) for k, v in curves.items()}))
    return runs


def engine(base, cand):
    return run_engine(base, cand, MetricCatalog(), RuleOptions())


def nonfinite_findings(out):
    return [f for f in out.findings if f.source == "nonfinite_values"]


def test_nonfinite_of_onset_persistence_and_leading_values():
    steps = np.arange(6) * 10
    n = NonFinite.of("x", steps, np.array([1, 2, np.nan, np.inf, np.nan, np.nan]))
    assert n.onset_step == 20 and n.persistent and n.count == 4 and n.kinds == {"nan": 3, "+inf": 1}
    recovering = NonFinite.of("x", steps, np.array([1, -np.inf, 3, 4, 5, 6.0]))
    assert recovering.onset_step == 10 and not recovering.persistent and recovering.finite_after_onset == 4
    leading = NonFinite.of("x", steps, np.array([np.nan, np.nan, 3, 4, 5, 6.0]))
    assert leading.leading_only and leading.onset_step is None and leading.count == 2
    everything = NonFinite.of("x", steps, np.full(6, np.nan))
    assert everything.onset_step == 0 and everything.persistent and "every step" in everything.describe()
    assert NonFinite.of("x", steps, np.arange(6.0)) is None


def test_candidate_diverging_is_critical_with_onset_step_per_run(make_run):
    out = engine(side(make_run, "b"), side(make_run, "c", nan_from=25, seed0=10))
    [f] = nonfinite_findings(out)
    assert f.severity == Severity.critical and f.title == "Training diverged: NaN/inf from step 25,000 (candidate)"
    assert {loc.side for loc in f.locations} == {"candidate"} and len(f.locations) == 3
    assert "3/3 candidate run(s), 0/3 baseline run(s)" in f.evidence[0].summary
    assert f.evidence[0].details["first_step"] == 25_000
    runs = f.evidence[0].details["runs"]
    assert set(runs) == {"c0", "c1", "c2"} and all(r[0]["onset_step"] == 25_000 for r in runs.values())
    assert all(r[0]["count"] == 35 and r[0]["persistent"] for r in runs.values())
    assert len(f.evidence) == 4  # the summary and one line per run
    assert "trainer.grad_clip_changed" in f.hypotheses
    assert ("trainer.grad_clip_changed", HypothesisStatus.supported) in {
        (u.hypothesis, u.status) for u in out.hypothesis_updates
    }


def test_primary_all_nan_is_critical_not_silently_unlogged(make_run):
    out = engine(side(make_run, "b"), side(make_run, "c", nan_from=0, tag=RET, seed0=10))
    [f] = nonfinite_findings(out)
    assert f.severity == Severity.critical and "non-finite at every step" in f.evidence[0].summary
    assert "The primary metric (`charts/episodic_return`) is affected" in f.evidence[0].summary
    assert not [x for x in out.findings if x.source == "final_performance"]  # no final value from NaN
    text = markdown(out, [], [], MetricCatalog(), RuleOptions())
    assert "logged without one finite value" in text


def test_diverged_runs_have_no_final_value(make_run):
    """A return that turns NaN at 80% must not be compared on its finite prefix."""
    base = side(make_run, "b")
    cand = side(make_run, "c", nan_from=48, tag=RET, seed0=10)
    out = engine(base, cand)
    assert nonfinite_findings(out)[0].severity == Severity.critical
    assert not [r for r in out.rows if r.metric == "primary" and r.quantity == "final value"]


def test_intermittent_inf_recovering_is_significant(make_run):
    out = engine(side(make_run, "b"), side(make_run, "c", nan_from=20, value=np.inf, recover_after=2, seed0=10))
    [f] = nonfinite_findings(out)
    assert f.severity == Severity.significant and "intermittent" in f.impact
    assert "2 of 60 values: 2 +inf; 38 finite value(s) after it" in f.evidence[1].summary


def test_same_nan_on_both_sides_is_low_and_supports_nothing(make_run):
    out = engine(side(make_run, "b", nan_from=30), side(make_run, "c", nan_from=25, seed0=10))
    found = nonfinite_findings(out)
    cand = [f for f in found if f.id.endswith(":candidate")]
    assert cand and cand[0].severity == Severity.low and cand[0].hypotheses == []
    assert "not a difference" in cand[0].impact
    assert all(f.severity == Severity.low for f in found)
    assert not [u for u in out.hypothesis_updates if u.source == "nonfinite_values"]


def test_baseline_only_divergence_is_low(make_run):
    out = engine(side(make_run, "b", nan_from=30), side(make_run, "c", seed0=10))
    [f] = nonfinite_findings(out)
    assert f.id.endswith(":baseline") and f.severity == Severity.low and not f.hypotheses


def test_leading_nan_is_counted_not_a_finding(make_run):
    """SB3-style means over no finished episode yet: NaN before the first value, then finite."""
    base = side(make_run, "b")
    cand = side(make_run, "c", seed0=10)
    for run in cand:
        run.frame.loc[(run.frame["tag"] == RET) & (run.frame["step"] < 3_000), "value"] = np.nan
    out = engine(base, cand)
    assert not nonfinite_findings(out)
    assert any("3 non-finite value(s) of `charts/episodic_return` before its first finite value" in n for n in out.notes)


def test_no_nan_anywhere_no_finding(make_run):
    out = engine(side(make_run, "b"), side(make_run, "c", seed0=10))
    assert not nonfinite_findings(out)
    assert any(n.startswith("`nonfinite_values` checked on 3 candidate run(s)") for n in out.notes)


def test_csv_nan_text_is_kept_and_empty_cells_are_not_values(tmp_path):
    (tmp_path / "run.csv").write_text(
        "global_step,loss,sparse\n0,1.0,\n1,0.9,5\n2,nan,\n3,inf,6\n4,NaN,\n"
    )
    [run], problems = load_side([str(tmp_path / "run.csv")])
    assert not problems
    loss = run.frame[run.frame["tag"] == "loss"]["value"].to_numpy()
    assert len(loss) == 5 and np.isnan(loss[2]) and np.isinf(loss[3])
    assert len(run.frame[run.frame["tag"] == "sparse"]) == 2  # empty cells: not logged at that step
    [nf] = run.nonfinite()
    assert nf.tag == "loss" and nf.onset_step == 2 and nf.count == 3 and nf.persistent


def test_csv_without_nan_text_reads_empty_cells_as_missing(tmp_path):
    (tmp_path / "run.csv").write_text("step,a,b\n0,1,\n1,2,3\n2,,4\n")
    [run], problems = load_side([str(tmp_path / "run.csv")])
    assert not problems and len(run.frame) == 4 and not run.nonfinite()


def test_jsonl_nan_is_a_value_and_a_missing_key_is_not(tmp_path):
    lines = [{"step": 0, "loss": 1.0, "ret": 1.0}, {"step": 1, "loss": float("nan")}, {"step": 2, "loss": 0.5, "ret": 2.0}]
    (tmp_path / "run.jsonl").write_text("\n".join(json.dumps(x) for x in lines))  # json writes NaN
    [run], problems = load_side([str(tmp_path / "run.jsonl")])
    assert not problems
    assert len(run.frame[run.frame["tag"] == "ret"]) == 2
    [nf] = run.nonfinite()
    assert nf.tag == "loss" and nf.onset_step == 1 and not nf.persistent


@pytest.mark.parametrize("bad", ["x", "n/a?"])
def test_non_numeric_cells_are_counted(tmp_path, bad):
    (tmp_path / "run.csv").write_text(f"step,a,name\n0,1,run\n1,{bad},run\n2,3,run\n")
    [run], problems = load_side([str(tmp_path / "run.csv")])
    messages = " | ".join(p.message for p in problems)
    assert "1 non-numeric value(s) skipped (`a` 1)" in messages
    assert "non-numeric column(s) ignored: `name`" in messages
    assert len(run.frame) == 2
