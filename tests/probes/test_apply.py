"""Probe decisions applied to findings and hypotheses: evidence beside the static one, confidence
moved, never dropped; a refutation wins over a static finding only when it tested all of them."""

from __future__ import annotations

from investigator.hypotheses import HypothesisRecord
from investigator.models import EvidenceKind, Finding, HypothesisStatus, HypothesisUpdate, Severity
from investigator.probes.apply import attach_evidence, merge_probe_findings, probe_updates, revise_hypotheses
from investigator.probes.model import ProbeDecision, ProbeOutcome

H = "trainer.grad_clip_changed"


def finding(fid: str, confidence: float = 0.6) -> Finding:
    return Finding(id=fid, source="code_detectors.grad_clip", subsystem="trainer", severity=Severity.significant,
                   confidence=confidence, title=f"finding {fid}", hypotheses=[H])


def outcome(verdict: str, tests: list[str], status: HypothesisStatus | None = None, new: list[Finding] | None = None) -> ProbeOutcome:
    updates = [HypothesisUpdate(hypothesis=H, status=status, evidence=f"probe says {verdict}", kind=EvidenceKind.probe,
                                source="grad_norm")] if status else []
    decision = ProbeDecision(probe="grad_norm", verdict=verdict, summary=f"grad norm {verdict}: 0.5 vs 41.2",  # type: ignore[arg-type]
                             details={"baseline": 0.5}, hypothesis_updates=updates, findings=new or [])
    return ProbeOutcome(probe="grad_norm", reason="r", decision=decision, tests_findings=tests)


def record(status: HypothesisStatus, finding_ids: list[str]) -> HypothesisRecord:
    return HypothesisRecord(subsystem="trainer", id="grad_clip_changed", statement="s", severity=Severity.significant,
                            status=status, evidence=["finding #1: clip removed"], finding_ids=finding_ids)


def test_confirmed_raises_refuted_lowers_untested_and_failed_untouched() -> None:
    findings = [finding("a"), finding("b")]
    confirmed = attach_evidence(findings, [outcome("confirmed", ["a"])])
    assert confirmed[0].confidence == 0.8 and confirmed[1] == findings[1]
    probe_ev = [e for e in confirmed[0].evidence if e.kind == EvidenceKind.probe]
    assert probe_ev[0].summary == "grad norm confirmed: 0.5 vs 41.2" and probe_ev[0].details["probe"] == "grad_norm"
    refuted = attach_evidence(findings, [outcome("refuted", ["a", "b"])])
    assert [f.confidence for f in refuted] == [0.3, 0.3] and len(refuted) == 2  # lowered, never dropped
    assert "no difference at runtime" in refuted[0].rationale
    assert attach_evidence(findings, [outcome("failed", ["a"])]) == findings


def test_probe_refutation_of_a_supported_hypothesis_needs_every_linked_finding_tested() -> None:
    all_tested = revise_hypotheses([record(HypothesisStatus.supported, ["a"])], [outcome("refuted", ["a"], HypothesisStatus.refuted)])
    assert all_tested[0].status == HypothesisStatus.refuted and all_tested[0].decided_by == "grad_norm"
    assert all_tested[0].evidence[0] == "probe says refuted" and all_tested[0].probe_evidence[0].kind == EvidenceKind.probe
    partly = revise_hypotheses([record(HypothesisStatus.supported, ["a", "b"])], [outcome("refuted", ["a"], HypothesisStatus.refuted)])
    assert partly[0].status == HypothesisStatus.supported and partly[0].decided_by is None
    assert any("disagrees: probe says refuted" in e for e in partly[0].evidence)  # both shown


def test_probe_verdict_matching_the_status_is_shown_as_deciding_it() -> None:
    # evaluate_hypotheses already moved an inconclusive hypothesis to the probe's refuted
    revised = revise_hypotheses([record(HypothesisStatus.refuted, [])], [outcome("refuted", [], HypothesisStatus.refuted)])
    assert revised[0].decided_by == "grad_norm" and revised[0].evidence[0] == "probe says refuted"
    untouched = record(HypothesisStatus.inconclusive, [])
    assert revise_hypotheses([untouched], [outcome("confirmed", [])]) == [untouched]  # no update on it


def test_probe_updates_and_findings_join_failed_ones_do_not() -> None:
    new = finding("probe-only")
    ok, failed = outcome("confirmed", [], HypothesisStatus.supported, [new]), outcome("failed", [], HypothesisStatus.supported)
    assert [u.status for u in probe_updates([ok, failed])] == [HypothesisStatus.supported]
    assert merge_probe_findings([], [ok]) == [new]


def test_a_probe_finding_that_re_measures_a_log_finding_is_evidence_on_it_not_a_second_finding() -> None:
    """`--runs` logs and a training-run probe both give `final_performance`: one finding, with the
    probe's re-measurement as probe evidence; a probe finding nothing else made stays a finding."""
    from_logs = finding("metric:final_performance")
    remeasured = finding("grad_norm:metric:final_performance").model_copy(update={"title": "regression -111%"})
    only_probe = finding("grad_norm:metric:throughput_drop")
    out = merge_probe_findings([from_logs], [outcome("confirmed", [], new=[remeasured, only_probe])])
    assert [f.id for f in out] == ["metric:final_performance", "grad_norm:metric:throughput_drop"]
    assert out[0].evidence[-1].kind == EvidenceKind.probe and "regression -111%" in out[0].evidence[-1].summary
    assert from_logs.evidence == []  # the input is not modified


def test_the_deciding_probe_evidence_comes_first() -> None:
    static_and_probe = record(HypothesisStatus.refuted, [])
    static_and_probe.evidence = ["static: config identical", "probe says refuted"]
    revised = revise_hypotheses([static_and_probe], [outcome("refuted", [], HypothesisStatus.refuted)])
    assert revised[0].evidence == ["probe says refuted", "static: config identical"]


def test_only_a_probe_that_measures_the_findings_change_moves_its_confidence() -> None:
    """A training run planned for every critical finding shows that the regression reproduces, not
    which change causes it: its evidence is attached, the confidence stays. A probe whose units or
    hypotheses match the finding (grad_norm_at_step for a grad_clip finding) moves it."""
    gae = Finding(id="g", source="code_detectors.gae_index", subsystem="ppo", severity=Severity.critical,
                  confidence=0.6, title="index shift", hypotheses=["ppo.gae_changed"])
    run = ProbeOutcome(probe="training_run", reason="critical findings", tests_findings=["g", "a"],
                       decision=ProbeDecision(probe="training_run", verdict="confirmed", summary="regression reproduces"))
    clip = ProbeOutcome(probe="grad_norm_at_step", reason="r", tests_findings=["a"],
                        decision=ProbeDecision(probe="grad_norm_at_step", verdict="confirmed", summary="cap removed"))
    out = attach_evidence([gae, finding("a")], [run, clip])
    assert out[0].confidence == 0.6 and out[0].evidence[-1].summary == "regression reproduces"
    assert out[1].confidence == 0.8 and [e.summary for e in out[1].evidence] == ["regression reproduces", "cap removed"]
