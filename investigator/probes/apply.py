"""Apply probe decisions to the findings and hypotheses (pure; called by the rank step).

A probe never edits another analyzer's findings itself: here each finding a probe was planned to
test gets an `Evidence(kind=probe)` with the decision's summary, and its confidence raised
(confirmed) or lowered (refuted); it is never dropped. The probe's own findings join the others.

Hypotheses: a probe's verdict joins the analyzers' updates. A probe `refuted` beats a static
"inconclusive"; on a hypothesis a static finding supports it marks the hypothesis refuted only
when the probe tested every finding linked to it; otherwise the hypothesis stays supported and
shows the probe's contrary evidence beside the static one.
"""

from __future__ import annotations

from collections.abc import Sequence

from investigator.hypotheses import HypothesisRecord
from investigator.models import Evidence, EvidenceKind, Finding, HypothesisStatus, HypothesisUpdate
from investigator.probes.base import ProbeMeta
from investigator.probes.model import ProbeOutcome
from investigator.probes.planner import measures

CONFIRM_GAIN = 0.5  # a confirming probe closes half the remaining doubt (as corroboration does)
REFUTE_FACTOR = 0.5  # a refuting probe halves the confidence: the finding stays, flagged


def decided(outcomes: Sequence[ProbeOutcome]) -> list[ProbeOutcome]:
    """Outcomes with a decision that says something (not failed)."""
    return [o for o in outcomes if o.decision is not None and o.decision.verdict != "failed"]


def probe_updates(outcomes: Sequence[ProbeOutcome]) -> list[HypothesisUpdate]:
    return [u for o in decided(outcomes) for u in o.decision.hypothesis_updates] if outcomes else []  # type: ignore[union-attr]


def merge_probe_findings(findings: Sequence[Finding], outcomes: Sequence[ProbeOutcome]) -> list[Finding]:
    """The analyzers' findings with the probes' own findings joined in. A probe finding that re-measures
    a finding already made from the user's logs (its id is `<probe>:<that id>`: the same metric rule
    on the probe's runs) is not listed twice: it becomes probe evidence on that finding, with its
    numbers. Only a probe finding nothing else made is added as a finding of its own."""
    out = [f.model_copy(deep=True) for f in findings]
    by_id = {f.id: f for f in out}
    for o in outcomes:
        for pf in o.decision.findings if o.decision is not None else []:
            prefix = f"{o.probe}:"
            same = by_id.get(pf.id[len(prefix):]) if pf.id.startswith(prefix) else None
            if same is None:
                out.append(pf)
                continue
            same.evidence.append(Evidence(kind=EvidenceKind.probe, summary=f"probe `{o.probe}` re-measured it: {pf.title}",
                                          details={"probe": o.probe, "finding": pf.id}))
    return out


def _evidence(outcome: ProbeOutcome) -> Evidence:
    assert outcome.decision is not None
    d = outcome.decision
    return Evidence(kind=EvidenceKind.probe, summary=d.summary,
                    details={"probe": outcome.probe, "verdict": d.verdict, **({"numbers": d.details} if d.details else {})})


def specific_to(probe_id: str, finding: Finding) -> bool:
    """Whether the probe measures this finding's own change: the finding's unit is one the probe
    names (`finding_sources`), or they share a hypothesis. A training run planned for every critical
    finding is not specific: it shows that the regression reproduces, not which change causes it
    (restoring one change and training again does: issue 16), so it adds evidence and moves no
    finding's confidence."""
    from investigator.units.registry import UnitError, get_unit

    try:
        meta = get_unit(probe_id).meta
    except UnitError:  # a probe registered by other code: trust its plan
        return True
    if isinstance(meta, ProbeMeta):
        return measures(meta, finding)
    return bool(set(finding.hypotheses) & set(meta.hypotheses))


def attach_evidence(findings: Sequence[Finding], outcomes: Sequence[ProbeOutcome]) -> list[Finding]:
    """Each tested finding with the probe's evidence, and its confidence moved by the verdict of a
    probe specific to it (`specific_to`)."""
    by_finding: dict[str, list[ProbeOutcome]] = {}
    for o in decided(outcomes):
        for fid in o.tests_findings:
            by_finding.setdefault(fid, []).append(o)
    out: list[Finding] = []
    for f in findings:
        tested = by_finding.get(f.id)
        if not tested:
            out.append(f)
            continue
        f = f.model_copy(deep=True)
        for o in tested:
            assert o.decision is not None
            f.evidence.append(_evidence(o))
            if not specific_to(o.probe, f):
                continue
            if o.decision.verdict == "confirmed":
                f.confidence = round(f.confidence + (1 - f.confidence) * CONFIRM_GAIN, 3)
            elif o.decision.verdict == "refuted":
                f.confidence = round(f.confidence * REFUTE_FACTOR, 3)
                note = f"Probe `{o.probe}` found no difference at runtime: check whether this change can matter."
                f.rationale = (f.rationale + " " if f.rationale else "") + note
        out.append(f)
    return out


def _tested_by(outcomes: Sequence[ProbeOutcome]) -> dict[str, set[str]]:
    return {o.probe: set(o.tests_findings) for o in outcomes}


def revise_hypotheses(records: Sequence[HypothesisRecord], outcomes: Sequence[ProbeOutcome]) -> list[HypothesisRecord]:
    """Records with probe evidence: `probe_evidence` on every hypothesis a probe decided, and the
    rule for a probe's refutation of a statically supported hypothesis (see the module doc)."""
    tested = _tested_by(outcomes)
    updates: dict[str, list[tuple[ProbeOutcome, HypothesisUpdate]]] = {}
    for o in decided(outcomes):
        assert o.decision is not None
        for u in o.decision.hypothesis_updates:
            updates.setdefault(u.hypothesis, []).append((o, u))
    out: list[HypothesisRecord] = []
    for record in records:
        mine = updates.get(record.key)
        if not mine:
            out.append(record)
            continue
        record = record.model_copy(deep=True)
        record.probe_evidence = [_update_evidence(o, u) for o, u in mine]
        refuting = [(o, u) for o, u in mine if u.status == HypothesisStatus.refuted]
        confirming = [u for _, u in mine if u.status == HypothesisStatus.supported]
        if record.status == HypothesisStatus.supported and refuting and not confirming:
            o, u = refuting[0]
            if record.finding_ids and set(record.finding_ids) <= tested.get(o.probe, set()):
                record.status = HypothesisStatus.refuted
                record.decided_by = o.probe
                record.evidence = [u.evidence, *(f"{e} (tested by the probe)" for e in record.evidence)]
            else:
                record.evidence.append(f"probe `{o.probe}` disagrees: {u.evidence}")
        elif any(u.status == record.status for _, u in mine):
            record.decided_by = next(o.probe for o, u in mine if u.status == record.status)
            decisive = [u.evidence for _, u in mine if u.status == record.status]
            record.evidence = [*dict.fromkeys(decisive), *(e for e in record.evidence if e not in decisive)]
        out.append(record)
    return out


def _update_evidence(outcome: ProbeOutcome, update: HypothesisUpdate) -> Evidence:
    return Evidence(kind=EvidenceKind.probe, summary=update.evidence,
                    details={"probe": outcome.probe, "status": update.status.value})
