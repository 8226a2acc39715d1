"""The bisection inside an investigation: it runs after a training-run probe confirmed the regression
over several commits (and not otherwise), its section is in the report, and findings the first bad
commit introduced rank first."""

from __future__ import annotations

import json
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from investigator.bisect.model import Bisection, BisectStatus
from investigator.bisect.workflow import promote, should_bisect
from investigator.models import CommitRef, EvidenceKind, Finding, Severity
from investigator.playbooks_lib import load_playbooks
from investigator.probes.builtin.training_run import TrainingRunProbe
from investigator.probes.model import ProbeDecision, ProbeOutcome
from investigator.request import InvestigationRequest
from investigator.workflow.graph import Resources, build_graph
from investigator.workflow.probing import ProbeResources
from investigator.workflow.state import CommitSummary, Investigation, RangeSummary
from tests.support.bisect_repo import COMMAND, linear_range


def _ref(sha: str) -> CommitRef:
    return CommitRef(sha=sha, short=sha[:7], subject=f"subject {sha[:3]}", author="a", date="2026-01-01")


def _finding(fid: str, severity: Severity, sha: str | None) -> Finding:
    return Finding(id=fid, title=fid, subsystem="trainer", severity=severity, confidence=0.6, source="x",
                   introduced_by=_ref(sha) if sha else None)


def _bisection(first_bad: str | None, status: BisectStatus = BisectStatus.FOUND) -> Bisection:
    return Bisection(good=_ref("g" * 40), bad=_ref("b" * 40), metric="return", status=status, first_bad=first_bad)


def test_findings_introduced_by_the_first_bad_commit_rank_first() -> None:
    culprit, other = "c" * 40, "d" * 40
    ranked = [_finding("a", Severity.critical, other), _finding("b", Severity.significant, None),
              _finding("c", Severity.low, culprit), _finding("d", Severity.significant, culprit)]
    out = promote(ranked, _bisection(culprit))
    assert [f.id for f in out] == ["c", "d", "a", "b"] and [f.rank for f in out] == [1, 2, 3, 4]
    assert all(any(e.kind == EvidenceKind.bisection for e in f.evidence) for f in out[:2])
    assert not any(e.kind == EvidenceKind.bisection for f in out[2:] for e in f.evidence)
    assert [f.id for f in promote(out, _bisection(culprit))] == ["c", "d", "a", "b"]  # idempotent: one evidence item
    assert sum(e.kind == EvidenceKind.bisection for e in promote(out, _bisection(culprit))[0].evidence) == 1
    # nothing moves without a found first bad commit, or when no finding came with it
    assert promote(ranked, _bisection(None, BisectStatus.AMBIGUOUS)) == ranked
    assert promote(ranked, None) == ranked
    assert [f.id for f in promote(ranked, _bisection("e" * 40))] == ["a", "b", "c", "d"]


def _summary(sha: str) -> CommitSummary:
    return CommitSummary(ref=sha, sha=sha, short=sha[:7], summary="", author="", date="")


def test_should_bisect_only_a_confirmed_multi_commit_range_with_budget() -> None:
    confirmed = [ProbeOutcome(probe="training_run", reason="r", decision=ProbeDecision(probe="training_run",
                                                                                       verdict="confirmed", summary="s"))]
    refuted = [confirmed[0].model_copy(update={"decision": confirmed[0].decision.model_copy(update={"verdict": "refuted"})})]  # type: ignore[union-attr]
    rng = RangeSummary(baseline=_summary("a" * 40), candidate=_summary("b" * 40),
                       relation="baseline is an ancestor of candidate", commits_between=5)
    inv = Investigation(request=InvestigationRequest(), range=rng)
    assert should_bisect(inv, confirmed, 100.0) is None
    assert "did not confirm" in (should_bisect(inv, refuted, 100.0) or "")
    assert "budget" in (should_bisect(inv, confirmed, 1.0) or "")
    one = inv.model_copy(update={"range": rng.model_copy(update={"commits_between": 1})})
    assert "one commit" in (should_bisect(one, confirmed, 100.0) or "")
    diverged = inv.model_copy(update={"range": rng.model_copy(update={"relation": "diverged from merge base abc"})})
    assert "not an ancestor" in (should_bisect(diverged, confirmed, 100.0) or "")
    off = inv.model_copy(update={"request": InvestigationRequest(bisect=False)})
    assert "turned off" in (should_bisect(off, confirmed, 100.0) or "")


def test_investigation_bisects_a_confirmed_regression(tmp_path: Path) -> None:
    planted = linear_range(tmp_path / "repo", 6, culprit=4, noise=3.0)
    resources = Resources(playbooks=load_playbooks(), probing=ProbeResources(probes=[TrainingRunProbe()]))
    req = InvestigationRequest(repo=str(planted.repo), baseline_commit=planted.shas[0], candidate_commit=planted.shas[-1],
                               output=tmp_path / "out", formats=["json", "md"], probes="training_run",
                               probe_command=COMMAND, primary_metric="charts/episodic_return", device="cpu",
                               probe_cache=str(tmp_path / "cache"), probe_budget_s=240)
    out = build_graph(resources, InMemorySaver()).invoke(Investigation(request=req, run_id="t1"),
                                                         config={"configurable": {"thread_id": "b"}})
    inv = Investigation.model_validate(out)
    assert next(o for o in inv.probe_outcomes if o.probe == "training_run").decision.verdict == "confirmed"  # type: ignore[union-attr]
    b = inv.bisection
    assert b is not None and b.status == BisectStatus.FOUND and b.first_bad == planted.culprit, b
    assert b.cached_runs >= 6  # the ends' seeds came from the training-run probe's runs
    doc = json.loads(Path(inv.reports["json"]).read_text())
    assert doc["bisection"]["first_bad"] == planted.culprit
    md = Path(inv.reports["md"]).read_text()
    assert "## Bisection" in md and f"First bad commit: `{planted.culprit[:7]}`" in md
    assert b.figure and (tmp_path / "out" / b.figure).is_file() and f"]({b.figure})" in md
    assert any(t.step == "bisect" for t in inv.timings)
