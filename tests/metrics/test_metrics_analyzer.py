"""The metric_forensics analyzer end to end on generated event files and CSVs (logs-only mode)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from investigator.analyzers.base import AnalysisContext, all_analyzers
from investigator.metrics.analyzer import MetricForensicsAnalyzer, options_from
from investigator.models import EvidenceKind, HypothesisStatus, Severity
from investigator.playbooks_lib.schema import load_playbooks
from investigator.request import InvestigationRequest
from investigator.units import load
from tests.support.metric_logs import (
    make_curve,
    write_csv_run,
    write_empty_tensorboard_run,
    write_tensorboard_run,
)

S = np.arange(0, 60_000, 1_000)


def write_side(
    root: Path, seeds: int, end: float, noise: float, sps: float = 1000.0, lr: str = "cosine", seed0: int = 0
):
    for seed in range(seeds):
        s = seed0 + seed
        write_tensorboard_run(
            root / f"seed{seed}",
            {
                "charts/episodic_return": (S, make_curve(S, start=0, end=end, noise=noise, seed=s)),
                "charts/learning_rate": (S, make_curve(S, start=3e-4, end=0, shape=lr)),
                "losses/entropy": (S, make_curve(S, start=1.4, end=0.6, noise=0.02, seed=s + 100)),
                "charts/SPS": (S, make_curve(S, start=sps, shape="constant", noise=sps * 0.02, seed=s)),
            },
            steps_per_second=sps,
        )


def run(tmp_path: Path, **request) -> object:
    req = InvestigationRequest(**request)
    ctx = AnalysisContext(
        request=req, changeset=None, triage=None, playbooks=load_playbooks(), output_dir=tmp_path / "out"
    )
    analyzer = MetricForensicsAnalyzer()
    ok, reason = analyzer.applies(ctx)
    assert ok, reason
    return analyzer.run(ctx)


def by_source(result, source):
    return [f for f in result.findings if f.source == source]


def test_registered_and_applies_only_with_runs(tmp_path):
    assert "investigator.metrics.analyzer" in {u.module for u in load("analyzer")}  # discovered by the unit registry
    assert any(a.id == "metric_forensics" for a in all_analyzers())
    ctx = AnalysisContext(
        request=InvestigationRequest(),
        changeset=None,
        triage=None,
        playbooks=load_playbooks(),
        output_dir=tmp_path,
    )
    ok, reason = MetricForensicsAnalyzer().applies(ctx)
    assert not ok and "no training runs" in reason


def test_real_regression_over_five_seeds(tmp_path):
    write_side(tmp_path / "base", 5, end=100, noise=5)
    write_side(tmp_path / "cand", 5, end=60, noise=5, sps=700, lr="constant", seed0=50)
    result = run(
        tmp_path, baseline_runs=[str(tmp_path / "base")], candidate_runs=[str(tmp_path / "cand" / "*")]
    )
    assert not result.failures
    final = by_source(result, "final_performance")
    assert final and final[0].severity == Severity.critical and final[0].confidence >= 0.75
    assert final[0].evidence[0].kind == EvidenceKind.metric
    assert {loc.side for loc in final[0].locations} == {"baseline", "candidate"}
    # area under the curve and sample efficiency of the same curves are evidence, not extra findings
    assert not by_source(result, "area_under_curve") and not by_source(result, "sample_efficiency")
    assert len(final[0].evidence) == 3
    assert all(u.kind == EvidenceKind.metric and u.source for u in result.hypothesis_updates)
    lr = by_source(result, "lr_constant")
    assert (
        lr and lr[0].severity == Severity.significant and lr[0].hypotheses == ["trainer.lr_schedule_changed"]
    )
    throughput = by_source(result, "throughput_drop")
    assert throughput and "vecenv.env_count_changed" in throughput[0].hypotheses
    updates = {(u.hypothesis, u.status) for u in result.hypothesis_updates}
    assert ("trainer.lr_schedule_changed", HypothesisStatus.supported) in updates
    assert ("logging.writer_not_flushed", HypothesisStatus.refuted) in updates
    section = result.sections[0]
    assert section.title == "Training metrics"
    assert (
        "| metric | quantity | baseline IQM [CI] | candidate IQM [CI] | change | P(improvement) | verdict |"
        in section.markdown
    )
    assert "regression" in section.markdown
    for artifact in result.artifacts:
        assert (tmp_path / "out" / artifact).is_file()
        assert f"]({artifact})" in section.markdown
    assert "figures/metrics_overview.png" in result.artifacts
    assert '"analyzer":"metric_forensics"' in result.model_dump_json()  # JSON report can carry it


def test_seed_noise_is_inconclusive(tmp_path):
    write_side(tmp_path / "base", 5, end=100, noise=25)
    write_side(tmp_path / "cand", 5, end=97, noise=25, seed0=50)
    result = run(tmp_path, baseline_runs=[str(tmp_path / "base")], candidate_runs=[str(tmp_path / "cand")])
    assert not by_source(result, "final_performance")
    assert not [f for f in result.findings if f.severity == Severity.critical]
    assert (
        "regression"
        not in result.sections[0]
        .markdown.split("**Metric findings**")[0]
        .split("| final value |")[1]
        .split("\n")[0]
    )


def test_one_seed_per_side_reports_numbers_without_a_verdict(tmp_path):
    write_side(tmp_path / "base", 1, end=100, noise=2)
    write_side(tmp_path / "cand", 1, end=50, noise=2, seed0=9)
    result = run(tmp_path, baseline_runs=[str(tmp_path / "base")], candidate_runs=[str(tmp_path / "cand")])
    final = by_source(result, "final_performance")
    assert final and final[0].severity == Severity.low
    assert "too few seeds" in final[0].title
    assert not [f for f in result.findings if f.severity == Severity.critical]
    assert "inconclusive: too few seeds" in result.sections[0].markdown
    assert all(
        u.status != HypothesisStatus.supported
        for u in result.hypothesis_updates
        if u.evidence.startswith("final")
    )


def test_signature_on_both_sides_is_not_a_difference(tmp_path):
    write_side(tmp_path / "base", 3, end=100, noise=2, lr="constant")
    write_side(tmp_path / "cand", 3, end=100, noise=2, lr="constant", seed0=7)
    result = run(tmp_path, baseline_runs=[str(tmp_path / "base")], candidate_runs=[str(tmp_path / "cand")])
    lr = by_source(result, "lr_constant")
    assert lr and lr[0].severity == Severity.low and lr[0].hypotheses == []
    assert not any(
        u.hypothesis == "trainer.lr_schedule_changed" and u.status == HypothesisStatus.supported
        for u in result.hypothesis_updates
    )


def test_empty_log_directory_is_an_input_problem_not_a_finding(tmp_path):
    """An empty log directory is a recorded input failure naming it (so --fail-on does not blame a
    regression); only-empty candidate runs against full baseline runs support an unflushed writer."""
    write_side(tmp_path / "base", 2, end=100, noise=2)
    write_empty_tensorboard_run(tmp_path / "cand" / "seed0")
    result = run(tmp_path, baseline_runs=[str(tmp_path / "base")], candidate_runs=[str(tmp_path / "cand")])
    assert not [f for f in result.findings if f.severity in (Severity.critical, Severity.significant)]
    empty = [f for f in result.failures if "contains no scalar values" in f.message]
    assert len(empty) == 1 and empty[0].message.startswith("input: candidate run `")
    assert empty[0].path and empty[0].path.endswith("seed0")
    assert ("logging.writer_not_flushed", HypothesisStatus.supported) in {
        (u.hypothesis, u.status) for u in result.hypothesis_updates
    }
    assert "contains no scalar values" in result.sections[0].markdown


def test_corrupted_and_missing_inputs_become_failures(tmp_path):
    write_side(tmp_path / "base", 2, end=100, noise=2)
    write_side(tmp_path / "cand", 2, end=100, noise=2)
    victim = next((tmp_path / "cand" / "seed1").glob("events*"))
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    result = run(
        tmp_path,
        baseline_runs=[str(tmp_path / "base"), str(tmp_path / "missing*")],
        candidate_runs=[str(tmp_path / "cand")],
        metric_options={"bogus": 1.0},
    )
    messages = " | ".join(f.message for f in result.failures)
    assert "truncated" in messages and "no run matches" in messages and "unknown metric option" in messages
    assert result.sections and by_source(result, "final_performance") == []  # 2 seeds: no verdict, no crash


def test_csv_runs_and_user_primary_metric(tmp_path):
    for seed in range(3):
        write_csv_run(
            tmp_path / "base" / f"s{seed}.csv",
            {"heart.get": (S, make_curve(S, start=0, end=10, noise=0.3, seed=seed))},
        )
        write_csv_run(
            tmp_path / "cand" / f"s{seed}.csv",
            {"heart.get": (S, make_curve(S, start=0, end=4, noise=0.3, seed=seed + 9))},
        )
    result = run(
        tmp_path,
        baseline_runs=[str(tmp_path / "base" / "*.csv")],
        candidate_runs=[str(tmp_path / "cand")],
        primary_metric="heart.get",
    )
    final = by_source(result, "final_performance")
    assert final and final[0].severity == Severity.critical
    assert "heart.get" in final[0].evidence[0].summary


def test_candidate_only_logs_mode(tmp_path):
    write_side(tmp_path / "cand", 2, end=100, noise=2, lr="constant")
    result = run(tmp_path, candidate_runs=[str(tmp_path / "cand")])
    lr = by_source(result, "lr_constant")
    assert lr and lr[0].severity == Severity.low  # a constant lr may be intended: no contrast, no claim
    assert "Only one side has runs" in result.sections[0].markdown


@pytest.mark.parametrize(
    ("raw", "ok"), [({"grad_clip": 0.5, "threshold": 0.1, "min_seeds": 2}, True), ({"min_seeds": "x"}, False)]
)
def test_options_from_request(raw, ok):
    opts, problems = options_from(raw)
    assert (not problems) is ok
    if ok:
        assert opts.grad_clip == 0.5 and opts.stats.threshold == 0.1 and opts.stats.min_seeds == 2


def test_empty_log_at_the_baseline_is_reported_too(tmp_path):
    write_empty_tensorboard_run(tmp_path / "base" / "seed0")
    write_side(tmp_path / "cand", 2, end=100, noise=2)
    result = run(tmp_path, baseline_runs=[str(tmp_path / "base")], candidate_runs=[str(tmp_path / "cand")])
    assert [f for f in result.failures if f.message.startswith("input: baseline run `")]
    assert not result.findings or all(f.severity == Severity.low for f in result.findings)
    assert not any(
        u.hypothesis == "logging.writer_not_flushed" and u.status != HypothesisStatus.not_investigated
        for u in result.hypothesis_updates
    )


def test_unknown_primary_metric_is_reported(tmp_path):
    write_side(tmp_path / "base", 3, end=100, noise=2)
    write_side(tmp_path / "cand", 3, end=100, noise=2, seed0=5)
    result = run(
        tmp_path,
        baseline_runs=[str(tmp_path / "base")],
        candidate_runs=[str(tmp_path / "cand")],
        primary_metric="eval/typo",
    )
    assert any("`eval/typo` is not logged" in f.message for f in result.failures)
    assert "Metrics matched: " in result.sections[0].markdown
