"""Small pieces every probe's `decide` shares: the decision when a side did not run, and a
hypothesis update carrying probe evidence."""

from __future__ import annotations

from investigator.models import EvidenceKind, HypothesisStatus, HypothesisUpdate
from investigator.probes.model import ProbeDecision, ProbeRun


def ok_runs(baseline: list[ProbeRun], candidate: list[ProbeRun]) -> tuple[list[ProbeRun], list[ProbeRun]]:
    return [r for r in baseline if r.ok], [r for r in candidate if r.ok]


def failed_decision(probe: str, what: str, baseline: list[ProbeRun], candidate: list[ProbeRun]) -> ProbeDecision:
    """`failed`: a side has no usable run (the first failure's side and error in the summary)."""
    failed = next((r for r in [*baseline, *candidate] if not r.ok), None)
    why = f"{failed.side}: {failed.error or failed.status.value}" if failed else "no runs"
    return ProbeDecision(probe=probe, verdict="failed", summary=f"{what} probe did not run ({why})")


def update(source: str, hypothesis: str, status: HypothesisStatus, text: str) -> HypothesisUpdate:
    return HypothesisUpdate(hypothesis=hypothesis, status=status, evidence=text, kind=EvidenceKind.probe, source=source)
