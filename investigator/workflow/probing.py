"""The probe steps of the workflow: plan a wave of probes, run one probe at both commits.

`probe_plan` runs after the analyzer waves and again after every probe wave (the agent loop): it
builds the `ProbeSetup` once, plans from a preliminary ranking of the static findings plus what the
probes decided so far (`probes.planner`), and stops when nothing new is chosen or the budget
(`--probe-budget`) is spent. In an interactive session expensive probes pause for confirmation (a
LangGraph `interrupt`, answered by the CLI). `probe` runs one planned probe's jobs at both commits
through `probes.executor.execute` and decides; every failure (a crash, `decide` raising, all runs
failing, the budget) is a recorded outcome and the report is still written.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from investigator.hypotheses import HypothesisRecord
from investigator.models import AnalyzerFailure, Finding, Side
from investigator.probes.base import Probe
from investigator.probes.executor import ProbeEnvironment, ResultStore, execute
from investigator.probes.model import ProbeDecision, ProbeOutcome, ProbeRun, ProbeStatus
from investigator.probes.planner import PlannedProbe, ProbePlan, plan_probes
from investigator.probes.prune import prune_checkouts
from investigator.probes.runner import CheckoutCache, Slot
from investigator.probes.setup import SIDES, BuiltSetup, SideSource, build_setup
from investigator.request import InvestigationRequest

ConfirmCallback = Callable[[list[dict[str, Any]]], list[str]]  # expensive probes -> the ids approved


def all_probes() -> list[Probe]:
    from investigator.units.registry import load

    return [u.obj for u in load("probe") if isinstance(u.obj, Probe)]


@dataclass
class ProbeResources:
    """Per-run probe objects, built at the first `probe_plan` (not part of the persisted state)."""

    probes: list[Probe] | None = None  # None: every registered probe unit (tests pass their own)
    built: BuiltSetup | None = None
    env: ProbeEnvironment | None = None
    deadline: float | None = None  # time.monotonic() when the probe budget is spent
    preliminary: tuple[list[Finding], list[HypothesisRecord]] | None = None
    confirm: ConfirmCallback | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # one probe's jobs on the slots at a time

    def units(self) -> list[Probe]:
        if self.probes is None:
            self.probes = all_probes()
        return self.probes

    def budget_left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()


def cache_dir() -> Path:
    from investigator.probes.cache import default_cache_dir

    return default_cache_dir()


def result_cache(request: InvestigationRequest) -> ResultStore | None:
    """The result cache (`--probe-cache DIR`, default the user cache directory; "none": off)."""
    if request.probe_cache == "none":
        return None
    from investigator.probes.cache import ResultCache
    from investigator.probes.prune import prune_results

    cache = ResultCache(Path(request.probe_cache) if request.probe_cache else cache_dir())
    prune_results(cache)  # runs stored more than a month ago
    return cache


def slots(device: str, notes: list[str]) -> list[Slot]:
    """Device slots for `--device` (`probes.devices`: CUDA when present for `auto`, one probe per
    device; else CPU slots with thread limits). A device that cannot be used (the CLI checks an
    explicit one up front) falls back to the CPU, and the report says so."""
    from investigator.probes import devices

    try:
        return devices.detect_slots(device, 1, None)
    except Exception as exc:
        notes.append(f"--device {device} cannot be used ({exc}); probes run on the CPU")
        return devices.cpu_slots()


def sources_of(changeset: Any) -> dict[Side, SideSource]:
    base, cand = changeset.baseline, changeset.candidate  # trees the run already parsed are read, not parsed again
    return {"baseline": SideSource(base.read_text, base.paths, getattr(base, "parsed_if_cached", None)),
            "candidate": SideSource(cand.read_text, cand.paths, getattr(cand, "parsed_if_cached", None))}


def build(res: ProbeResources, request: InvestigationRequest, changeset: Any, commits: dict[Side, str], run_id: str,
          training_files: Sequence[str] = ()) -> None:
    """The setup and the execution environment, once per run."""
    if res.built is not None:
        return
    given = [(e or "").split()[0] for e in (request.candidate_entry, request.baseline_entry) if e and e.split()]
    entries = [e for e in [*given, *training_files] if e.endswith(".py")]
    res.built = build_setup(sources_of(changeset), adapter=request.adapter, command=request.probe_command,
                            seeds=request.probe_seeds, steps=request.probe_steps,
                            entries=entries,
                            primary_metric=request.primary_metric, options=dict(request.metric_options))
    res.built.notes.extend(library_notes(res))
    if request.probe_cache == "none":  # checkouts are keyed by commit: a shared temporary place is safe
        root = Path(tempfile.gettempdir()) / "investigator-probes"
    else:
        root = Path(request.probe_cache) if request.probe_cache else cache_dir()
    prune_checkouts(root / "checkouts", protect=commits.values())  # least recently used checkouts of earlier runs
    backend, unavailable, job_slots = executor_for(request, changeset.handle.git_dir, res.built.notes)
    res.env = ProbeEnvironment(
        commits=commits,
        checkouts=CheckoutCache(root / "checkouts", changeset.handle.git_dir, setup_command=request.probe_setup),
        artifacts=Path(request.output) / "probes" / (run_id or "run"),
        slots=job_slots,
        backend=backend,
        unavailable=unavailable,
        adapters=dict(res.built.setup.adapter_paths),
        auto=res.built.auto,
        cache=result_cache(request),
        python=request.probe_python,
    )
    if res.deadline is None:  # (a caller may have fixed it: the budget of a larger run)
        res.deadline = time.monotonic() + request.probe_budget_s


def repo_source(repo: str | None, git_dir: str | Path) -> str:
    """What a remote worker clones: the URL the user gave, else the local repository's absolute path (reachable
    on a one-machine cluster or a shared filesystem)."""
    if repo and ("://" in repo or re.match(r"^[\w.-]+@[\w.-]+:", repo)):
        return repo
    return str(Path(git_dir).resolve())


def executor_for(request: Any, git_dir: str | Path, notes: list[str]) -> tuple[Any, str | None, list[Slot]]:
    """The remote backend (None: local), why jobs cannot run (the cluster is unreachable), and the slots."""
    if getattr(request, "probe_executor", "local") != "ray":
        return None, None, slots(request.device, notes)
    from investigator.probes.ray_backend import RayBackend, RayUnavailable

    try:
        backend = RayBackend(repo_source(request.repo, git_dir), address=request.ray_address, device=request.device)
    except RayUnavailable as exc:
        notes.append(f"probes not run: {exc}")
        return None, str(exc), [Slot()]
    notes.append(backend.describe)
    return backend, None, backend.slots()


def library_notes(res: ProbeResources) -> list[str]:
    """What an SB3-style algorithm found without an adapter makes possible (one line per distinct side)."""
    assert res.built is not None
    from investigator.probes.sb3_capabilities import probe_note

    lines: dict[str, list[Side]] = {}
    for side in SIDES:
        found = res.built.library.get(side)
        if found is not None:
            note = probe_note(found, res.built.library_why.get(side, {}), res.units(), res.built.setup)
            lines.setdefault(note, []).append(side)
    return [line if len(sides) == 2 else f"{sides[0]}: {line}" for line, sides in lines.items()]


def any_available(res: ProbeResources) -> bool:
    assert res.built is not None
    for probe in res.units():
        try:
            if probe.available(res.built.setup)[0]:
                return True
        except Exception:
            continue
    return False


def plan_wave(res: ProbeResources, request: InvestigationRequest, done: set[str],
              outcomes: Sequence[ProbeOutcome]) -> ProbePlan:
    """The next wave from the preliminary ranking and the probe findings so far."""
    assert res.built is not None and res.preliminary is not None
    findings, hypotheses = res.preliminary
    extra = [f for o in outcomes if o.decision is not None for f in o.decision.findings]
    return plan_probes(res.units(), res.built.setup, [*findings, *extra], hypotheses, request.probes, done,
                       outcomes, res.budget_left())


def run_probe(res: ProbeResources, item: PlannedProbe) -> tuple[ProbeOutcome, list[AnalyzerFailure]]:
    """One probe's jobs at both commits, and its decision; never raises for the probe's own bugs."""
    assert res.built is not None and res.env is not None
    setup = res.built.setup
    probe = next(p for p in res.units() if p.meta.id == item.probe)
    start = time.perf_counter()
    runs: list[ProbeRun] = []
    failures: list[AnalyzerFailure] = []
    try:
        jobs = [j for side in SIDES for j in probe.jobs(setup, side)]
        with res.lock:  # the executor caps each job at the budget left and caches by its environment
            start = time.perf_counter()  # its cost: not the wait for the probes of its wave before it
            runs = execute(jobs, res.env, deadline=res.deadline)
        decision = probe.decide([r for r in runs if r.side == "baseline"], [r for r in runs if r.side == "candidate"], setup)
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        message = f"probe crashed: {exc.__class__.__name__}: {exc} ({Path(tb.filename).name}:{tb.lineno})"
        decision = ProbeDecision(probe=item.probe, verdict="failed", summary=message)
    if decision.verdict == "failed":
        failures.append(AnalyzerFailure(source=f"probe:{item.probe}", message=decision.summary))
    elif runs and all(r.status == ProbeStatus.skipped for r in runs):
        failures.append(AnalyzerFailure(source=f"probe:{item.probe}", message=runs[0].error or "not run"))
    outcome = ProbeOutcome(probe=item.probe, reason=item.reason, runs=runs, decision=decision,
                           wall_s=round(time.perf_counter() - start, 3), tests_findings=list(item.tests_findings))
    return outcome, failures


def confirm_expensive(res: ProbeResources, plan: ProbePlan) -> ProbePlan:
    """Ask (a LangGraph interrupt, resumed by the CLI's answer) before expensive probes run."""
    expensive = [p for p in plan.planned if p.expensive]
    if not expensive:
        return plan
    from langgraph.types import interrupt

    approved = set(interrupt({"expensive": [{"probe": p.probe, "reason": p.reason} for p in expensive]}) or [])
    kept = [p for p in plan.planned if not p.expensive or p.probe in approved]
    declined = {p.probe: "declined at the confirmation prompt" for p in expensive if p.probe not in approved}
    return ProbePlan(planned=kept, not_run={**plan.not_run, **declined})
