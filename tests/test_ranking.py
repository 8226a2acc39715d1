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


def test_the_same_code_change_in_several_places_is_one_finding_listing_every_place():
    copies = [_finding(f"act{i}", Severity.significant, 0.7 + i / 100, path=f"pkg/m{i}.py", line=10 + i,
                       title="Nonlinearity changed: relu -> tanh") for i in range(3)]
    for c, i in zip(copies, range(3), strict=True):
        c.patch = f"--- a/pkg/m{i}.py\n+++ b/pkg/m{i}.py\n"
    other = _finding("other", Severity.significant, 0.9, path="pkg/x.py", title="Index shift")
    ranked = rank_findings([*copies, other])
    assert [f.title for f in ranked] == ["Index shift", "Nonlinearity changed: relu -> tanh (3 places)"]
    merged = ranked[1]
    assert [loc.path for loc in merged.locations] == ["pkg/m0.py", "pkg/m1.py", "pkg/m2.py"]
    assert len(merged.evidence) == 3 and merged.confidence == 0.72
    assert merged.patch.count("--- a/pkg/m") == 3


def test_repeated_titles_with_different_severity_source_or_evidence_kind_stay_apart():
    a = _finding("a", Severity.significant, 0.7, path="a.py", title="same words")
    b = _finding("b", Severity.low, 0.7, path="b.py", title="same words")
    c = _finding("c", Severity.significant, 0.7, path="c.py", title="same words")
    c.source = "other_detector"
    d = _finding("d", Severity.significant, 0.7, path="d.py", title="same words")
    d.evidence = [Evidence(kind=EvidenceKind.config, summary="config")]
    e = _finding("e", Severity.significant, 0.7, path="e.py", title="same words")
    e.evidence = [Evidence(kind=EvidenceKind.config, summary="config")]
    ranked = rank_findings([a, b, c, d, e])
    assert len(ranked) == 5 and not any("places" in f.title for f in ranked)


def _at_both_sides(f: Finding, path: str, line: int) -> Finding:
    f.locations = [Location(path=path, line=line, side="baseline"), Location(path=path, line=line, side="candidate")]
    return f


def test_two_analyzers_on_the_same_lines_and_hypothesis_make_one_finding():
    config = _at_both_sides(_finding("cfg", Severity.significant, 0.85, title="Config `adam.eps` changed",
                                     hyps=["trainer.optimizer_changed"]), "ppo.py", 38)
    config.source = "config_forensics"
    config.evidence = [Evidence(kind=EvidenceKind.config, summary="1e-05 -> 1e-08")]
    code = _at_both_sides(_finding("code", Severity.significant, 0.75, title="Optimizer changed",
                                   hyps=["trainer.optimizer_changed"]), "ppo.py", 38)
    ranked = rank_findings([config, code])
    assert len(ranked) == 1
    merged = ranked[0]
    assert merged.title == "Config `adam.eps` changed" and merged.confidence == 0.85  # not corroborated
    assert {e.kind for e in merged.evidence} == {EvidenceKind.config, EvidenceKind.code}
    assert "Also reported by `test`: Optimizer changed." in merged.rationale


def test_same_lines_with_different_hypotheses_or_places_stay_apart():
    a = _at_both_sides(_finding("a", Severity.significant, 0.8, title="A", hyps=["trainer.optimizer_changed"]), "ppo.py", 38)
    b = _at_both_sides(_finding("b", Severity.significant, 0.8, title="B", hyps=["trainer.learning_rate_changed"]), "ppo.py", 38)
    c = _at_both_sides(_finding("c", Severity.significant, 0.8, title="C", hyps=["trainer.optimizer_changed"]), "ppo.py", 39)
    assert len(rank_findings([a, b, c])) == 3


def _spread(fid: str, source: str, title: str, severity: Severity, lines: list[tuple[str, int]]) -> Finding:
    f = _finding(fid, severity, 0.8, title=title)
    f.source = source
    f.subsystem = "ppo"
    f.locations = [Location(path=p, line=ln, side="candidate") for p, ln in lines]
    return f


def test_two_detectors_reading_one_repeated_hunk_make_one_finding():
    """skrl 2.0.0: one done-mask edit in every agent, read as "Done masking removed" (10 places) and as
    "Returns built from different tensors" (13 places), both leading with `ddpg.py:43`."""
    places = [(f"agents/{a}.py", 40 + k) for k, a in enumerate(["ddpg", "td3", "sac", "dqn"])]
    mask = _spread("mask", "code_detectors.done_mask", "Done masking removed (4 places)", Severity.critical, places)
    ret = _spread("ret", "code_detectors.returns_target", "Returns built from different tensors (5 places)",
                  Severity.critical, [*places, ("agents/ppo.py", 90)])
    ranked = rank_findings([mask, ret])
    assert len(ranked) == 1
    assert ranked[0].title == "Done masking removed (4 places)"
    assert "also read by `code_detectors.returns_target` as: Returns built from different tensors" in ranked[0].rationale
    assert len(ranked[0].locations) == 5 and len(ranked[0].evidence) == 2


def test_repeated_findings_that_lead_elsewhere_or_share_few_places_stay_apart():
    places = [(f"agents/{a}.py", 40) for a in ["ddpg", "td3", "sac", "dqn"]]
    mask = _spread("mask", "code_detectors.done_mask", "Done masking removed (4 places)", Severity.critical, places)
    other_lead = _spread("ret", "code_detectors.returns_target", "Returns built", Severity.critical,
                         [("agents/ppo.py", 90), *places])
    assert len(rank_findings([mask, other_lead])) == 2
    few = _spread("ret", "code_detectors.returns_target", "Returns built", Severity.critical,
                  [places[0], ("agents/a.py", 1), ("agents/b.py", 1), ("agents/c.py", 1), ("agents/d.py", 1)])
    assert len(rank_findings([mask, few])) == 2
    single = [_spread("x", "code_detectors.a", "A", Severity.significant, [("ppo.py", 38)]),
              _spread("y", "code_detectors.b", "B", Severity.significant, [("ppo.py", 38)])]
    assert len(rank_findings(single)) == 2  # one line, two readings: the hypothesis rule decides
