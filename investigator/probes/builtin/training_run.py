"""Training run: the user's training command at both commits over N seeds, the logs compared.

What it decides is narrow on purpose: whether the regression *reproduces in a short run* (the step
budget of the probe, not the user's multi-day run). The logs go through the same path as logs the
user hands over (`metrics.loading.load_side` -> `metrics.engine.run_engine`), so the statistics,
the primary-metric choice and the rules are the project's, not a second implementation. A short
run without a regression refutes nothing about the code: its verdict is `refuted` for "the
regression reproduces in N steps" only; hypotheses move only where the metric rules move them.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from investigator.metrics.rules.base import PRIMARY
from investigator.models import (
    OTHER_SUBSYSTEM,
    Evidence,
    EvidenceKind,
    Finding,
    HypothesisUpdate,
    Severity,
    Side,
)
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun, ProbeVerdict

if TYPE_CHECKING:
    from investigator.metrics.loading import RunData
    from investigator.metrics.stats import Comparison

PROBE_ID = "training_run"
DEFAULT_STEPS = 50_000  # environment steps per job when the template has {steps} and none were given
TIMEOUT_OPTION = "training_run_timeout_s"  # ProbeSetup.options key: per-job time limit
MIN_OK = 2  # ok runs per side below which nothing is decided
# The metric rules whose findings a training run re-measures (the planner picks it for them).
FINDING_SOURCES = ["final_performance", "area_under_curve", "sample_efficiency", "primary_collapse",
                   "primary_flatline", "primary_peak_decline", "throughput_drop", "nonfinite_values"]
SPEED_RULES = frozenset({"throughput_drop", "update_time"})  # rules that read wall-clock speed
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = ("seed", "steps", "logdir", "device", "python")


class TrainingRunProbe(Probe):
    meta = ProbeMeta(
        id=PROBE_ID,
        title="Short training runs at both commits over several seeds",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.critical,
        severity_note="the severities of the metric rules over the probe's logs",
        rationale="Static evidence says what changed; the same training command at both commits with the same "
        "seeds says whether the return regresses at all in a short run, and what the throughput costs.",
        fix="Work through the ranked code and config findings; the probe's logs are kept beside the report.",
        finding_sources=FINDING_SOURCES,
        needs=["command"],
        cost="expensive",
        timeout_s=1800.0,
        memory_mb=16384,
        note="needs a training command (--probe-command, or one proposed from the entry's argument parser) with "
        "a {logdir} placeholder; no regression in a short run refutes only that it reproduces in that budget.",
    )

    def available(self, setup: ProbeSetup) -> tuple[bool, str]:
        if setup.command is None:
            return False, "no training command (--probe-command) and none could be proposed"
        used = set(_PLACEHOLDER.findall(setup.command))
        if unknown := sorted(used - set(PLACEHOLDERS)):
            return False, f"the training command has unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}"
        if "logdir" not in used:
            return False, "the training command has no {logdir} placeholder: its logs could not be found and compared"
        return True, ""

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        assert setup.command is not None
        params: dict[str, Any] = {}
        if setup.steps is not None or "{steps}" in setup.command:
            params["steps"] = setup.steps if setup.steps is not None else DEFAULT_STEPS
        timeout = float(setup.options.get(TIMEOUT_OPTION, self.meta.timeout_s))
        return [ProbeJob(probe=PROBE_ID, side=side, command=setup.command, seed=seed, needs_logdir=True,
                         params=dict(params), timeout_s=timeout, memory_mb=self.meta.memory_mb)
                for seed in range(1, max(1, setup.seeds) + 1)]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        ok = {"baseline": [r for r in baseline if r.ok], "candidate": [r for r in candidate if r.ok]}
        ran = (f"{len(ok['baseline'])}/{len(baseline)} baseline and {len(ok['candidate'])}/{len(candidate)} "
               "candidate seeds ran")
        details: dict[str, Any] = {"ran": {s: len(ok[s]) for s in ok}, "planned": {"baseline": len(baseline),
                                   "candidate": len(candidate)}, "failures": _failures([*baseline, *candidate])}
        if not ok["baseline"] and not ok["candidate"]:
            why = details["failures"][0] if details["failures"] else "no runs"
            return ProbeDecision(probe=PROBE_ID, verdict="failed", summary=f"probe: no training run finished ({why})",
                                 details=details)
        if min(len(ok["baseline"]), len(ok["candidate"])) < MIN_OK:
            return ProbeDecision(probe=PROBE_ID, verdict="inconclusive", details=details,
                                 summary=f"probe: too few training runs to compare ({ran}; {MIN_OK} per side needed)")
        return _compare(ok["baseline"], ok["candidate"], setup, ran, details)


def _failures(runs: list[ProbeRun]) -> list[str]:
    return [f"{r.side} seed {r.seed}: {r.status.value}: {r.error}" for r in runs if not r.ok]


@dataclass
class _Loaded:
    runs: list[RunData]
    problems: list[str]


def load_runs(runs: list[ProbeRun]) -> _Loaded:
    """One RunData per probe run: everything under its log directory (several runs found there,
    e.g. `train/` and `eval/` writers, are one seed: their frames are joined)."""
    import pandas as pd

    from investigator.metrics.loading import RunData, load_side

    out = _Loaded([], [])
    for run in runs:
        found, problems = load_side([run.logdir or ""])
        out.problems.extend(f"{run.side} seed {run.seed}: {p.message}" for p in problems)
        if not found:
            continue
        frame = pd.concat([r.frame for r in found], ignore_index=True) if len(found) > 1 else found[0].frame
        formats = sorted({r.format for r in found})
        out.runs.append(RunData(name=f"{run.side}-seed{run.seed}", path=run.logdir or "", format="+".join(formats),
                                frame=frame))
    return out


def _metric_options(setup: ProbeSetup) -> Any:
    from investigator.metrics.analyzer import options_from
    from investigator.metrics.validation import RULE_KEYS, STAT_KEYS

    opts, _ = options_from({k: v for k, v in setup.options.items() if k in RULE_KEYS or k in STAT_KEYS})
    return opts


def _compare(ok_b: list[ProbeRun], ok_c: list[ProbeRun], setup: ProbeSetup, ran: str,
             details: dict[str, Any]) -> ProbeDecision:
    from investigator.metrics.aliases import MetricCatalog
    from investigator.metrics.engine import run_engine

    base, cand = load_runs(ok_b), load_runs(ok_c)
    catalog = MetricCatalog(None, setup.primary_metric)
    out = run_engine(base.runs, cand.runs, catalog, _metric_options(setup))
    details["problems"] = [*base.problems, *cand.problems, *(f.message for f in out.failures)]
    throughput = _throughput(ok_b, base.runs, catalog), _throughput(ok_c, cand.runs, catalog)
    details["steps_per_s"] = {"baseline": throughput[0], "candidate": throughput[1]}
    tput = _throughput_text(*throughput)
    row = next((r for r in out.rows if r.metric == PRIMARY and r.quantity == "final value"), None)
    if row is None:
        why = details["problems"][0] if details["problems"] else "no primary metric in the logs"
        return ProbeDecision(probe=PROBE_ID, verdict="inconclusive", details=details,
                             summary=f"probe: the training runs' logs hold no comparable primary metric ({ran}; {why}){tput}")
    updates, findings = out.hypothesis_updates, out.findings
    if mixed := _mixed_devices(ok_b, ok_c):  # a GPU run against a CPU run: its speed says nothing of the code
        updates = [u for u in updates if u.source not in SPEED_RULES]
        findings = [f for f in findings if f.source not in SPEED_RULES]
        tput = f"; throughput not compared ({mixed})"
    cmp = row.comparison
    details["primary"] = {"tag": row.tag, "comparison": cmp.model_dump(mode="json")}
    verdict, meaning = _verdict(cmp)
    budget = f" of {ok_b[0].params['steps']:,} steps" if isinstance(ok_b[0].params.get("steps"), int) else ""
    from investigator.metrics.formatting import describe

    summary = f"probe: {meaning} ({ran}{budget}): {describe(cmp, 'final ' + row.tag)}{tput}"
    return ProbeDecision(probe=PROBE_ID, verdict=verdict, summary=summary, details=details,
                         hypothesis_updates=[_as_probe(u) for u in updates],
                         findings=[_probe_finding(f, summary) for f in findings])


def _mixed_devices(ok_b: list[ProbeRun], ok_c: list[ProbeRun]) -> str:
    """Why the two sides' speeds cannot be compared ('' when every run used the same kind of device)."""
    kinds = {side: sorted({r.device.split(":")[0] for r in runs}) for side, runs in (("baseline", ok_b), ("candidate", ok_c))}
    if len({k for v in kinds.values() for k in v}) <= 1:
        return ""
    return f"the baseline ran on {'+'.join(kinds['baseline'])}, the candidate on {'+'.join(kinds['candidate'])}"


def _verdict(cmp: Comparison) -> tuple[ProbeVerdict, str]:
    from investigator.metrics.stats import Verdict

    if cmp.verdict == Verdict.regression:
        return "confirmed", "the regression reproduces in a short training run"
    if cmp.verdict in (Verdict.equivalent, Verdict.improvement):
        what = "no meaningful change" if cmp.verdict == Verdict.equivalent else "the candidate is better"
        return "refuted", f"the regression does not reproduce in a short training run ({what})"
    return "inconclusive", f"a short training run cannot tell ({cmp.verdict.value})"


def _as_probe(update: HypothesisUpdate) -> HypothesisUpdate:
    """The metric rules' update, as the probe's: same hypothesis and status, evidence of an
    experiment the investigator ran (the rule's id kept in the text)."""
    return update.model_copy(update={"kind": EvidenceKind.probe, "source": PROBE_ID,
                                     "evidence": f"{PROBE_ID}: {update.evidence}"})


def _probe_finding(finding: Finding, summary: str) -> Finding:
    """A metric finding over the probe's logs. Its evidence stays `metric` (the rule's statistics),
    with one `probe` item saying the runs were the investigator's controlled experiment (same command
    and seeds at both commits), which ranks above logs of unknown provenance; its id is the probe's,
    so it never merges with a finding over the user's own logs."""
    extra = Evidence(kind=EvidenceKind.probe, summary=summary, details={"probe": PROBE_ID})
    locations = [loc.model_copy(update={"path": _beside_report(loc.path)}) for loc in finding.locations]
    return finding.model_copy(update={"id": f"{PROBE_ID}:{finding.id}", "evidence": [*finding.evidence, extra],
                                      "locations": locations})


def _beside_report(path: str) -> str:
    """The probe's log folder as the report reads it: artifacts live in `<output>/probes/<run id>/`
    beside the report, so the part from `probes/` on (an absolute temporary path says nothing)."""
    parts = PurePath(path).parts
    if "probes" not in parts:
        return path
    at = len(parts) - 1 - parts[::-1].index("probes")
    return "/".join(parts[at:])


def _throughput(runs: list[ProbeRun], loaded: list[RunData], catalog: Any) -> list[float]:
    """Steps per second of each run: a logged SPS metric (median of the second half) or the
    logged steps over wall-clock time, as the throughput rule reads it; else the last logged step
    over the job's wall time."""
    from investigator.metrics.rules.base import RunView
    from investigator.metrics.rules.throughput_drop import throughput

    by_name = {r.name: r for r in loaded}
    out: list[float] = []
    for run in runs:
        data = by_name.get(f"{run.side}-seed{run.seed}")
        if data is None or data.empty:
            continue
        view = RunView.of(data, catalog)
        found = throughput(view)
        if found is not None:
            out.append(round(found[0], 3))
        elif run.wall_s > 0:
            out.append(round(float(data.frame["step"].max()) / run.wall_s, 3))
    return out


def _throughput_text(b: list[float], c: list[float]) -> str:
    if not b or not c:
        return ""
    mb, mc = statistics.median(b), statistics.median(c)
    change = f" ({(mc - mb) / mb:+.0%})" if mb > 0 else ""
    return f"; throughput {mb:,.0f} -> {mc:,.0f} steps/s (median){change}"
