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

import hashlib
import os
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
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeOutcome, ProbeRun, ProbeStatus
from investigator.probes.planner import PlannedProbe, ProbePlan, plan_probes
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


def _optional(module: str, name: str) -> Any | None:
    import importlib

    try:
        return getattr(importlib.import_module(f"investigator.probes.{module}"), name, None)
    except ImportError:
        return None


def cache_dir() -> Path:
    default = _optional("cache", "default_cache_dir")
    if default is not None:
        return Path(default())
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "investigator"


def result_cache(request: InvestigationRequest) -> ResultStore | None:
    """The result cache (`--probe-cache`; "none" turns it off; absent module: no cache)."""
    if request.probe_cache == "none":
        return None
    cls = _optional("cache", "ResultCache")
    if cls is None:
        return None
    root = Path(request.probe_cache) if request.probe_cache else cache_dir()
    try:
        store: ResultStore = cls(root)
    except Exception:  # an unusable cache costs only the reuse
        return None
    return store


def slots(device: str) -> list[Slot]:
    """Device slots for `--device` (`probes.devices` when present; else one CPU slot per two cores,
    or the named CUDA device)."""
    detect = _optional("devices", "detect_slots")
    if detect is not None:
        try:
            found = list(detect(device, 1, None))  # one probe per device; CPU threads: the module's default
        except Exception:  # a device query that fails costs only the device: CPU slots below
            found = []
        if found:
            return found
    if device.startswith("cuda"):
        index = device.partition(":")[2] or "0"
        return [Slot(device=f"cuda:{index}", env={"CUDA_VISIBLE_DEVICES": index, "INVESTIGATOR_DEVICE": "cuda:0"})]
    cores = os.cpu_count() or 1
    count = max(1, min(cores, 4))
    threads = str(max(1, cores // count))
    env = {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "CUDA_VISIBLE_DEVICES": ""}
    return [Slot(device="cpu", env=env) for _ in range(count)]


def sources_of(changeset: Any) -> dict[Side, SideSource]:
    return {"baseline": SideSource(changeset.baseline.read_text, changeset.baseline.paths),
            "candidate": SideSource(changeset.candidate.read_text, changeset.candidate.paths)}


def build(res: ProbeResources, request: InvestigationRequest, changeset: Any, commits: dict[Side, str], run_id: str) -> None:
    """The setup and the execution environment, once per run."""
    if res.built is not None:
        return
    res.built = build_setup(sources_of(changeset), adapter=request.adapter, command=request.probe_command,
                            seeds=request.probe_seeds, steps=request.probe_steps,
                            entry=(request.candidate_entry or request.baseline_entry),
                            primary_metric=request.primary_metric, options=dict(request.metric_options))
    if request.probe_cache == "none":  # checkouts are keyed by commit: a shared temporary place is safe
        root = Path(tempfile.gettempdir()) / "investigator-probes"
    else:
        root = Path(request.probe_cache) if request.probe_cache else cache_dir()
    res.env = ProbeEnvironment(
        commits=commits,
        checkouts=CheckoutCache(root / "checkouts", changeset.handle.git_dir, setup_command=request.probe_setup),
        artifacts=Path(request.output) / "probes" / (run_id or "run"),
        slots=slots(request.device),
        adapters=dict(res.built.setup.adapter_paths),
        auto=res.built.auto,
        cache=result_cache(request),
        python=request.probe_python,
    )
    if res.deadline is None:  # (a caller may have fixed it: the budget of a larger run)
        res.deadline = time.monotonic() + request.probe_budget_s


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


def _cache_params(job: ProbeJob, res: ProbeResources) -> ProbeJob:
    """The adapter's content and the auto functions are part of what a job ran: part of its key."""
    assert res.env is not None
    adapter = res.env.adapters.get(job.side)
    digest = ""
    if adapter and Path(adapter).is_absolute():
        try:
            digest = hashlib.sha256(Path(adapter).read_bytes()).hexdigest()[:16]
        except OSError:
            digest = "unreadable"
    extra = {"_adapter": f"{adapter}:{digest}" if adapter else "", "_auto": res.env.auto.get(job.side, {})}
    return job.model_copy(update={"params": {**job.params, **extra}})


def _budgeted(job: ProbeJob, left: float) -> ProbeJob:
    """A job never runs past the budget by more than the setup of its process."""
    return job if left >= job.timeout_s else job.model_copy(update={"timeout_s": max(1.0, left)})


def run_probe(res: ProbeResources, item: PlannedProbe) -> tuple[ProbeOutcome, list[AnalyzerFailure]]:
    """One probe's jobs at both commits, and its decision; never raises for the probe's own bugs."""
    assert res.built is not None and res.env is not None
    setup = res.built.setup
    probe = next(p for p in res.units() if p.meta.id == item.probe)
    start = time.perf_counter()
    runs: list[ProbeRun] = []
    failures: list[AnalyzerFailure] = []
    try:
        jobs = [_cache_params(j, res) for side in SIDES for j in probe.jobs(setup, side)]
        with res.lock:
            left = res.budget_left()
            runs = execute([_budgeted(j, left) for j in jobs], res.env,
                           deadline=None if res.deadline is None else res.deadline)
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
