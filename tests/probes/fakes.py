"""Probe units for tests of the planner and the workflow: metadata chosen per test, jobs that are
small commands (`{python} -c ...`), decisions that count the runs."""

from __future__ import annotations

from typing import ClassVar

from investigator.models import EvidenceKind, HypothesisStatus, HypothesisUpdate, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun


def meta(pid: str, **kwargs: object) -> ProbeMeta:
    fields: dict[str, object] = {"id": pid, "title": pid, "subsystem": "trainer", "severity": Severity.significant}
    return ProbeMeta(**{**fields, **kwargs})  # type: ignore[arg-type]


class FakeProbe(Probe):
    """Runs `command` once per side; decides `verdict` with `updates` when every run is ok."""

    meta: ClassVar[ProbeMeta]

    def __init__(self, m: ProbeMeta, command: str = "{python} -c pass", verdict: str = "confirmed",
                 updates: tuple[tuple[str, HypothesisStatus], ...] = (), raises_in: str = "", timeout_s: float = 30.0,
                 available: bool | None = True) -> None:
        self.meta = m  # type: ignore[misc]
        self.command, self.verdict, self.updates = command, verdict, updates
        self.raises_in, self.timeout_s, self._available = raises_in, timeout_s, available

    def available(self, setup: ProbeSetup) -> tuple[bool, str]:
        if self._available is None:  # the contract's rule: its `needs` at both commits
            return super().available(setup)
        return (True, "") if self._available else (False, "the adapter does not define make_agent at both commits")

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        if self.raises_in == "jobs":
            raise RuntimeError("jobs exploded")
        return [ProbeJob(probe=self.meta.id, side=side, command=self.command, timeout_s=self.timeout_s)]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        if self.raises_in == "decide":
            raise ValueError("decide exploded")
        runs = [*baseline, *candidate]
        if not all(r.ok for r in runs):
            bad = next(r for r in runs if not r.ok)
            return ProbeDecision(probe=self.meta.id, verdict="failed", summary=f"{bad.side}: {bad.status.value}: {bad.error}")
        text = f"probe {self.meta.id}: {self.verdict} over {len(runs)} runs"
        return ProbeDecision(probe=self.meta.id, verdict=self.verdict, summary=text,  # type: ignore[arg-type]
                             hypothesis_updates=[HypothesisUpdate(hypothesis=h, status=s, evidence=text, kind=EvidenceKind.probe,
                                                                  source=self.meta.id) for h, s in self.updates])
