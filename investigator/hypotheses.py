"""Hypotheses: each playbook hypothesis gets a status and the evidence behind it."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from investigator.models import (
    AnalyzerResult,
    Evidence,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Severity,
)
from investigator.playbooks_lib.schema import PlaybookSet
from investigator.triage import Triage

_STATUS_ORDER = {
    HypothesisStatus.supported: 3,
    HypothesisStatus.refuted: 2,
    HypothesisStatus.inconclusive: 1,
    HypothesisStatus.not_applicable: 0,
    HypothesisStatus.not_investigated: 0,
}

# Which of {hypothesis key: regex} the code or configuration mentions at either commit (None: unknown).
Mentions = Callable[[dict[str, str]], "set[str] | None"]


class HypothesisRecord(BaseModel):
    subsystem: str
    id: str
    statement: str
    severity: Severity
    status: HypothesisStatus
    evidence: list[str] = Field(default_factory=list)
    finding_ids: list[str] = Field(default_factory=list)
    probe_evidence: list[Evidence] = Field(default_factory=list)  # kind=probe, one per probe verdict on it
    decided_by: str | None = None  # the probe whose verdict set the status (probes.apply)

    @property
    def key(self) -> str:
        return f"{self.subsystem}.{self.id}"


def evaluate_hypotheses(
    playbooks: PlaybookSet,
    triage: Triage | None,
    findings: list[Finding],
    updates: list[HypothesisUpdate],
    has_repo: bool,
    mentions: Mentions | None = None,
) -> list[HypothesisRecord]:
    """Combine analyzer verdicts, findings and triage into one status per hypothesis.

    A hypothesis nothing decided (no finding, no analyzer or probe verdict) whose `applies_if`
    patterns the code mentions at neither commit is "not applicable" (`mentions` asks git)."""
    touched = triage.touched() if triage else {}
    found_in = _findings_by_subsystem(findings)
    records: list[HypothesisRecord] = []
    undecided: dict[str, tuple[HypothesisRecord, list[str]]] = {}
    for playbook in playbooks:
        subsystem_files = triage.files_for(playbook.subsystem) if triage else []
        for h in playbook.hypotheses:
            key = f"{playbook.subsystem}.{h.id}"
            mine = [u for u in updates if u.hypothesis == key]
            linked = [f for f in findings if key in f.hypotheses]
            record = HypothesisRecord(
                subsystem=playbook.subsystem,
                id=h.id,
                statement=h.statement,
                severity=h.severity,
                status=HypothesisStatus.not_investigated,
            )
            if linked:
                record.status = HypothesisStatus.supported
                record.finding_ids = [f.id for f in linked]
                record.evidence = [f"finding #{f.rank}: {f.title}" for f in linked]
            if mine:
                best = max(mine, key=lambda u: _STATUS_ORDER[u.status])
                if _STATUS_ORDER[best.status] > _STATUS_ORDER[record.status]:
                    record.status = best.status
                linked_kinds = {e.kind for f in linked for e in f.evidence}
                record.evidence += [
                    u.evidence
                    for u in mine
                    if u.status == record.status
                    and u.evidence not in record.evidence
                    # a linked finding already states this; keep only independent kinds of evidence
                    and not (linked and (u.kind is None or u.kind in linked_kinds))
                ]
            if record.status == HypothesisStatus.not_investigated:
                if h.applies_if and has_repo:
                    undecided[key] = (record, h.applies_if)
                if not has_repo:
                    record.evidence = ["no repository given (logs-only investigation) and no metric rule decided it"]
                elif found_in.get(playbook.subsystem):
                    # a finding in this subsystem contradicts "no behavioural change mapped here"
                    shown = "; ".join(f"finding #{f.rank}: {f.title}" for f in found_in[playbook.subsystem][:2])
                    record.status = HypothesisStatus.inconclusive
                    record.evidence = [f"no finding matches this hypothesis; this subsystem has other findings ({shown})"]
                elif touched.get(playbook.subsystem, 0) == 0:
                    record.status = HypothesisStatus.refuted
                    record.evidence = [
                        f"static: no behavioural change in any file or changed line mapped to {playbook.subsystem}"
                    ]
                else:
                    files = subsystem_files
                    shown = ", ".join(f"`{p}`" for p in files[:3]) + (f" (+{len(files) - 3})" if len(files) > 3 else "")
                    record.status = HypothesisStatus.inconclusive
                    record.evidence = [f"changed files map here ({shown}) but no analyzer found a change matching it"]
            records.append(record)
    if undecided and mentions is not None:
        _mark_not_applicable(undecided, mentions)
    return records


def _mark_not_applicable(undecided: dict[str, tuple[HypothesisRecord, list[str]]], mentions: Mentions) -> None:
    found = mentions({key: "|".join(patterns) for key, (_, patterns) in undecided.items()})
    if found is None:
        return
    for key, (record, patterns) in undecided.items():
        if key not in found:
            record.status = HypothesisStatus.not_applicable
            record.evidence = [f"static: the code and configuration mention none of {', '.join(patterns)} at "
                               "either commit"]


def _findings_by_subsystem(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.subsystem, []).append(f)
    return out


def withdraw_contradicted(results: dict[str, AnalyzerResult], findings: list[Finding]) -> dict[str, AnalyzerResult]:
    """The results whose whole-subsystem "no behavioural change" claims a finding contradicts, with
    those claims removed (only the changed results are returned).

    Triage maps files to subsystems by paths and identifiers; an analyzer can still find a change
    in a subsystem triage saw nothing in (a behavioural change placed by the learning-signal flow,
    a moved function). A report that says "verified: no behavioural change" next to a finding for
    the same subsystem contradicts itself, and the finding is the one backed by evidence."""
    with_findings = {f.subsystem for f in findings}
    out: dict[str, AnalyzerResult] = {}
    for key, result in results.items():
        kept = [v for v in result.verified if not (v.whole_subsystem and v.subsystem in with_findings)]
        if len(kept) != len(result.verified):
            out[key] = result.model_copy(update={"verified": kept})
    return out
