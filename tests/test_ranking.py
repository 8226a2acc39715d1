from __future__ import annotations

from investigator.models import (
    Evidence,
    EvidenceKind,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Location,
    Severity,
)
from investigator.ranking import rank_findings


def _finding(fid, severity, confidence, path="a.py", line=1, title=None, hyps=()):
    return Finding(
        id=fid,
        source="test",
        subsystem="trainer",
        severity=severity,
        confidence=confidence,
        title=title or fid,
        locations=[Location(path=path, line=line, side="candidate")],
        evidence=[Evidence(kind=EvidenceKind.code, summary=fid)],
        hypotheses=list(hyps),
    )


def test_severity_outranks_confidence():
    ranked = rank_findings([
        _finding("low-sure", Severity.low, 0.99, line=1),
        _finding("crit-unsure", Severity.critical, 0.5, line=2),
        _finding("sig", Severity.significant, 0.9, line=3),
    ])
    assert [f.id for f in ranked] == ["crit-unsure", "sig", "low-sure"]
    assert [f.rank for f in ranked] == [1, 2, 3]


def test_duplicates_merge_evidence():
    ranked = rank_findings([_finding("a", Severity.significant, 0.6, title="same"), _finding("b", Severity.critical, 0.4, title="same")])
    assert len(ranked) == 1
    assert ranked[0].severity == Severity.critical and ranked[0].confidence == 0.6
    assert len(ranked[0].evidence) == 2


def test_independent_evidence_raises_confidence_only_for_supported_hypotheses():
    update = HypothesisUpdate(hypothesis="trainer.lr_schedule_changed", status=HypothesisStatus.supported, evidence="lr constant", kind=EvidenceKind.metric)
    refuted = HypothesisUpdate(hypothesis="trainer.grad_clip_changed", status=HypothesisStatus.refuted, evidence="x", kind=EvidenceKind.metric)
    ranked = rank_findings(
        [
            _finding("sched", Severity.significant, 0.6, line=1, hyps=["trainer.lr_schedule_changed"]),
            _finding("clip", Severity.significant, 0.6, line=2, hyps=["trainer.grad_clip_changed"]),
        ],
        [update, refuted],
    )
    by_id = {f.id: f for f in ranked}
    assert by_id["sched"].confidence > 0.6 and "lr constant" in by_id["sched"].rationale
    assert by_id["clip"].confidence == 0.6
