"""Which probes to run next, and why: the planning rules of the probe agent loop (docs/probes.md).

Pure: it reads the probes' metadata, what the probes can use (`ProbeSetup`), a preliminary ranking
of the findings and the hypotheses' statuses, and what already ran; it runs nothing. The workflow
calls it once per wave: a later wave can add probes (an expensive training run once a cheap probe
confirmed something, a probe whose finding an earlier probe produced) until nothing new is chosen
or the budget is spent.

Rules, in `auto`:
- a finding whose source is in a probe's `finding_sources`, or whose hypotheses overlap the probe's
  `hypotheses`, chooses that probe (the reason names the finding);
- an open hypothesis (supported or inconclusive) that the probe decides chooses it (the reason
  names the hypothesis); a refuted or uninvestigated one does not;
- `always` probes are chosen whenever they are available;
- expensive probes (a training run, the probe environments) only when a critical finding exists or
  an earlier probe confirmed something, and only after every cheap probe chosen has run; an
  expensive probe nothing else calls for is chosen by the critical findings (it tests them); a
  training command that was only proposed (read from the entry's parser) never starts a run in
  `auto`: the user passes it with --probe-command, or names the probe.
With explicit ids (`--probes a,b`) exactly those run when available; nothing else is chosen.
A probe that cannot run (missing adapter functions, no command) or that the budget no longer
allows is recorded with the reason, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from investigator.hypotheses import HypothesisRecord
from investigator.models import Finding, HypothesisStatus, Severity
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeOutcome

OPEN = (HypothesisStatus.supported, HypothesisStatus.inconclusive)
BUDGET_SPENT = "not run: the probe budget (--probe-budget) was spent"


@dataclass(frozen=True)
class PlannedProbe:
    """One probe chosen for the next wave."""

    probe: str
    reason: str
    tests_findings: tuple[str, ...] = ()
    expensive: bool = False


@dataclass
class ProbePlan:
    """A wave: what runs next, and every probe not run with why (probe id -> reason)."""

    planned: list[PlannedProbe] = field(default_factory=list)
    not_run: dict[str, str] = field(default_factory=dict)


def _source_matches(source: str, wanted: Sequence[str]) -> bool:
    """`code_detectors.grad_clip` is a finding of unit `grad_clip`."""
    return any(source == w or source.endswith("." + w) for w in wanted)


def measures(meta: ProbeMeta, finding: Finding) -> bool:
    """Whether a probe measures this finding's change: the finding is of one of its sources, or
    about one of its hypotheses."""
    return _source_matches(finding.source, meta.finding_sources) or bool(set(finding.hypotheses) & set(meta.hypotheses))


def tested_findings(probe: Probe, findings: Sequence[Finding]) -> list[Finding]:
    """The findings a probe tests (`measures`)."""
    return [f for f in findings if measures(probe.meta, f)]


def _finding_reason(found: list[Finding]) -> str:
    first = found[0]
    rank = f"#{first.rank} " if first.rank is not None else ""
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return f"tests finding {rank}{first.title!r} ({first.source}){more}"


def _why_chosen(probe: Probe, found: list[Finding], hypotheses: Sequence[HypothesisRecord]) -> str | None:
    """Why `auto` chooses this probe, or None when nothing calls for it."""
    if found:
        return _finding_reason(found)
    open_ = [h for h in hypotheses if h.key in probe.meta.hypotheses and h.status in OPEN]
    if open_:
        h = open_[0]
        return f"decides hypothesis {h.key} ({h.status.value} after static analysis)"
    if probe.meta.always:
        return "always run when available"
    return None


def _explicit(probes: Sequence[Probe], ids: list[str], setup: ProbeSetup, findings: Sequence[Finding],
              done: set[str]) -> ProbePlan:
    plan = ProbePlan()
    by_id = {p.meta.id: p for p in probes}
    for pid in ids:
        if pid in done:
            continue
        probe = by_id.get(pid)
        if probe is None:
            plan.not_run[pid] = "unknown probe id"
            continue
        ok, why = _available(probe, setup)
        if not ok:
            plan.not_run[pid] = f"unavailable: {why}"
            continue
        found = tested_findings(probe, findings)
        reason = "requested (--probes)" + (f"; {_finding_reason(found)}" if found else "")
        plan.planned.append(PlannedProbe(pid, reason, tuple(f.id for f in found), probe.meta.cost == "expensive"))
    return plan


def _available(probe: Probe, setup: ProbeSetup) -> tuple[bool, str]:
    try:
        return probe.available(setup)
    except Exception as exc:  # a probe's own bug: recorded, never the investigation's end
        return False, f"available() failed: {exc.__class__.__name__}: {exc}"


def plan_probes(
    probes: Sequence[Probe],
    setup: ProbeSetup,
    findings: Sequence[Finding],
    hypotheses: Sequence[HypothesisRecord],
    selection: str,
    done: set[str],
    outcomes: Sequence[ProbeOutcome] = (),
    budget_left_s: float = float("inf"),
) -> ProbePlan:
    """The next wave. `selection`: "auto", "none" or comma-separated ids; `done`: probes already
    planned in an earlier wave (never planned twice); `outcomes`: the decisions so far."""
    if selection == "none":
        return ProbePlan()
    if selection != "auto":
        plan = _explicit(probes, selection.split(","), setup, findings, done)
    else:
        plan = _auto(probes, setup, findings, hypotheses, done, outcomes)
    if budget_left_s <= 0 and plan.planned:
        plan.not_run.update({p.probe: BUDGET_SPENT for p in plan.planned})
        plan.planned = []
    return plan


def _auto(probes: Sequence[Probe], setup: ProbeSetup, findings: Sequence[Finding],
          hypotheses: Sequence[HypothesisRecord], done: set[str], outcomes: Sequence[ProbeOutcome]) -> ProbePlan:
    plan = ProbePlan()
    expensive: list[PlannedProbe] = []
    critical = [f for f in findings if f.severity == Severity.critical]
    confirmed = [o for o in outcomes if o.decision is not None and o.decision.verdict == "confirmed"]
    for probe in probes:
        pid = probe.meta.id
        if pid in done:
            continue
        found = tested_findings(probe, findings)
        reason = _why_chosen(probe, found, hypotheses)
        if reason is None and probe.meta.cost == "expensive" and critical:
            # a run at both commits tells whether the critical changes matter: it tests them
            found, reason = critical, f"tests the critical finding(s) ({_finding_reason(critical).removeprefix('tests ')})"
        if reason is None:
            continue
        ok, why = _available(probe, setup)
        if not ok:
            plan.not_run[pid] = f"unavailable: {why}"
            continue
        item = PlannedProbe(pid, reason, tuple(f.id for f in found), probe.meta.cost == "expensive")
        if not item.expensive:
            plan.planned.append(item)
            continue
        if "command" in probe.meta.needs and setup.command_proposed:
            plan.not_run[pid] = (f"the training command was proposed, not given ({setup.command}): "
                                 "pass it with --probe-command (or --probes " + pid + ") to run it")
            continue
        if not critical and not confirmed:
            plan.not_run[pid] = "expensive: no critical finding and no probe confirmed anything (use --probes to run it)"
            continue
        why_now = (f"{len(critical)} critical finding(s)" if critical
                   else f"probe {confirmed[0].probe} confirmed a change")
        expensive.append(PlannedProbe(pid, f"{reason}; {why_now}", item.tests_findings, True))
    if not plan.planned:  # expensive probes wait until the cheap ones chosen have decided
        plan.planned = expensive
    return plan
