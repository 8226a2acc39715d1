"""The experiment: restore each top finding at the candidate, train with the baseline's seeds, measure.

For the top K findings with a restore patch (code or config: a config restore is the candidate's own
configuration file with the baseline value written back, the configuration's own mechanism), one
patched checkout of the candidate per finding and one with all of them (`CheckoutCache.patched`:
the user's repository is never touched). Each is trained by the training-run probe's jobs (the same
command and seeds as the baseline and candidate runs, which are reused from the probe's outcome or
the result cache) on the executor's device slots, in parallel, within the budget. A patch that does
not apply, a setup that fails, runs that fail or that the budget stopped are recorded per variant,
never dropped. When every single restore recovers little but all together recover most, the changes
mask each other: pairs among the top few are tested with what is left of the budget.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from investigator.models import Finding, Verification
from investigator.probes.executor import ProbeEnvironment, execute
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.probes.runner import PatchError
from investigator.verify import recovery as rec

if TYPE_CHECKING:
    from investigator.probes.base import Probe, ProbeSetup

Status = Literal["measured", "patch_failed", "build_failed", "probe_failed", "budget"]
BUDGET = "the verification budget (--verify-budget)"
MOST = 0.5  # "all together recover most": the all-restored recovery at least this
PAIR_TOP = 3  # pairs among this many top findings


@dataclass
class Variant:
    """One patched checkout of the candidate: the findings it restores and what came of it."""

    kind: Literal["single", "all", "pair"]
    findings: list[Finding]
    key: str | None = None
    status: Status = "measured"
    error: str = ""
    runs: list[ProbeRun] = field(default_factory=list)
    final: rec.RecoveryStat | None = None
    auc: rec.RecoveryStat | None = None

    @property
    def label(self) -> str:
        """Short, for the chart and the log (ranks change after the verdicts: titles do not)."""
        if self.kind == "all":
            return "all restored"
        return " + ".join(short_title(f) for f in self.findings)

    @property
    def ok_runs(self) -> list[ProbeRun]:
        return [r for r in self.runs if r.ok]


@dataclass
class VerifyResult:
    """Everything the section, the findings and the log need."""

    threshold: float
    metric: str
    variants: list[Variant] = field(default_factory=list)
    gap: rec.Gap | None = None
    baseline_runs: list[ProbeRun] = field(default_factory=list)
    candidate_runs: list[ProbeRun] = field(default_factory=list)
    verifications: dict[str, Verification] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    interactions: str = ""
    wall_s: float = 0.0

    own: list[ProbeRun] = field(default_factory=list)  # baseline/candidate runs this step had to run itself

    def spent(self) -> list[ProbeRun]:
        """The runs this step asked for: the variants' and the sides' it did not reuse from the probe."""
        return [*self.own, *(r for v in self.variants for r in v.runs)]


@dataclass
class VerifyInput:
    env: ProbeEnvironment
    setup: ProbeSetup
    probe: Probe  # the training-run probe
    findings: list[Finding]  # ranked
    prior: list[ProbeRun]  # the training-run probe's runs, when it ran
    top: int = 3
    budget_s: float = 600.0
    threshold: float = rec.THRESHOLD


def short_title(f: Finding, limit: int = 40) -> str:
    return f.title if len(f.title) <= limit else f.title[: limit - 1] + "…"


def candidates(findings: list[Finding], top: int) -> list[Finding]:
    """The top `top` findings (by rank) that carry a restore patch."""
    return [f for f in findings if f.patch and f.patch.strip()][:top]


def verify(inp: VerifyInput) -> VerifyResult:
    """Run the experiment (see the module doc); never raises for a variant's failure."""
    start = time.monotonic()
    deadline = start + inp.budget_s
    out = VerifyResult(threshold=inp.threshold, metric=inp.setup.primary_metric or "return")
    chosen = candidates(inp.findings, inp.top)
    if not chosen:
        out.notes.append("no finding among the ranked ones has a restore patch: nothing to verify")
        return out
    variants = [Variant("single", [f]) for f in chosen]
    if len(chosen) > 1:
        variants.append(Variant("all", list(chosen)))
    base_jobs = [*inp.probe.jobs(inp.setup, "baseline"), *inp.probe.jobs(inp.setup, "candidate")]
    reused, missing = _reuse(base_jobs, inp.prior)
    out.own = _run_variants(inp, variants, missing, deadline)
    sides = [*reused, *out.own]
    out.baseline_runs = [r for r in sides if r.side == "baseline"]
    out.candidate_runs = [r for r in sides if r.side == "candidate"]
    out.variants = variants
    values = _Values(inp.setup)
    out.gap = rec.gap(values.final(out.baseline_runs), values.final(out.candidate_runs))
    if out.gap is None:
        out.notes.append("too few baseline or candidate training runs finished to measure a gap")
    elif not out.gap.reproduced:
        out.notes.append("the regression does not reproduce in the probe's training runs (the interval of the "
                         "baseline-candidate gap includes 0): there is nothing to recover, so no restore is decided")
    for v in variants:
        _measure(v, out, values)
    if _masking(variants, inp.threshold):
        pairs = _pairs(variants)
        out.interactions = (f"No single restore recovers {inp.threshold:.0%} of the gap, but all together recover "
                            f"{_all(variants).final.recovery:.0%}: the changes mask each other"  # type: ignore[union-attr]
                            f"; {len(pairs)} pair(s) among the top {PAIR_TOP} tested.")
        _run_variants(inp, pairs, [], deadline)
        for v in pairs:
            _measure(v, out, values)
        variants.extend(pairs)
    out.verifications = {v.findings[0].id: _verification(v, out) for v in variants if v.kind == "single"}
    out.wall_s = round(time.monotonic() - start, 3)
    return out


def _reuse(jobs: list[ProbeJob], prior: list[ProbeRun]) -> tuple[list[ProbeRun], list[ProbeJob]]:
    """The baseline and candidate runs the probe already has (ok, same side and seed), and the jobs still to run."""
    have = {(r.side, r.seed): r for r in prior if r.ok}
    reused = [have[(j.side, j.seed)] for j in jobs if (j.side, j.seed) in have]
    return reused, [j for j in jobs if (j.side, j.seed) not in have]


def _prepare(inp: VerifyInput, v: Variant, deadline: float) -> None:
    """Make the variant's patched checkout (and run the setup command there); failures are recorded."""
    checkouts = inp.env.checkouts
    v.key = checkouts.patched(inp.env.commits["candidate"], [f.patch or "" for f in v.findings])
    if time.monotonic() >= deadline:
        v.status, v.error = "budget", f"not run: {BUDGET} was spent"
        return
    try:
        checkouts.checkout(v.key)
    except PatchError as exc:
        v.status, v.error = "patch_failed", str(exc)
    except Exception as exc:  # export or setup failed: a build failure of this variant
        v.status, v.error = "build_failed", str(exc)[:500]


def _run_variants(inp: VerifyInput, variants: list[Variant], extra: list[ProbeJob], deadline: float) -> list[ProbeRun]:
    """Prepare each variant and run its jobs (and `extra` first) in one executor call; the runs of
    `extra` are returned, each variant's are stored on it."""
    for v in variants:
        _prepare(inp, v, deadline)
    jobs = list(extra)
    owners: list[Variant] = []
    for v in variants:
        if v.status != "measured":
            continue
        for job in inp.probe.jobs(inp.setup, "candidate"):
            jobs.append(job.model_copy(update={"commit": v.key}))
            owners.append(v)
    runs = execute(jobs, inp.env, deadline=deadline, budget=BUDGET) if jobs else []
    for v, run in zip(owners, runs[len(extra):], strict=True):
        v.runs.append(run)
    return runs[: len(extra)]


class _Values:
    """Per-seed final values and curves of the primary metric of some runs (the probe's loaders)."""

    def __init__(self, setup: ProbeSetup) -> None:
        from investigator.metrics.aliases import MetricCatalog

        self.catalog = MetricCatalog(None, setup.primary_metric)
        # the baseline and candidate runs are read for the gap and again for every variant: their
        # logs are loaded once (each run's logs are loaded on their own, so this changes no value)
        self._loaded: dict[str, list] = {}

    def series(self, runs: list[ProbeRun]) -> list:
        from investigator.metrics.rules.base import RunView
        from investigator.probes.builtin.training_run import load_runs

        out = []
        for run in runs:
            if not run.ok:
                continue
            key = f"{run.logdir}\0{run.side}\0{run.seed}"
            if key not in self._loaded:
                self._loaded[key] = load_runs([run]).runs
            for data in self._loaded[key]:
                s = RunView.of(data, self.catalog).primary
                if s is not None and len(s) >= 1:
                    out.append(s)
        return out

    def final(self, runs: list[ProbeRun]) -> list[float]:
        from investigator.metrics.curves import final_value

        return [final_value(s) for s in self.series(runs)]


def _measure(v: Variant, out: VerifyResult, values: _Values) -> None:
    if v.status != "measured":
        return
    if len(v.ok_runs) < rec.MIN_SEEDS:
        failed = [r for r in v.runs if not r.ok]
        budget = failed and all(r.status == ProbeStatus.skipped or (r.status == ProbeStatus.timeout and BUDGET in r.error)
                                for r in failed)
        v.status = "budget" if budget else "probe_failed"
        v.error = failed[0].error if failed else "too few runs"
        return
    if out.gap is None or not out.gap.reproduced:
        return
    b, c, r = (values.series(x) for x in (out.baseline_runs, out.candidate_runs, v.ok_runs))
    from investigator.metrics.curves import area_under_curve, final_value

    v.final = rec.recovery([final_value(s) for s in b], [final_value(s) for s in c], [final_value(s) for s in r])
    if v.final is None:
        v.status, v.error = "probe_failed", "the restored runs' logs hold no comparable primary metric"
        return
    every = [s for s in [*b, *c, *r] if len(s) >= 2]
    if len(every) == len(b) + len(c) + len(r):
        until = min(float(s.steps[-1]) for s in every)
        v.auc = rec.recovery(*([area_under_curve(s, until) for s in g] for g in (b, c, r)))


def _all(variants: list[Variant]) -> Variant | None:
    return next((v for v in variants if v.kind == "all"), None)


def _masking(variants: list[Variant], threshold: float) -> bool:
    """Every measured single recovers less than the threshold, and all together recover most (proven)."""
    singles = [v for v in variants if v.kind == "single" and v.final is not None]
    together = _all(variants)
    if len(singles) < 2 or together is None or together.final is None:
        return False
    proven = rec.verdict(together.final, threshold)[0] == "proven"
    return proven and together.final.recovery >= MOST and all(v.final.recovery < threshold for v in singles if v.final)


def _pairs(variants: list[Variant]) -> list[Variant]:
    top = [v.findings[0] for v in variants if v.kind == "single" and v.final is not None][:PAIR_TOP]
    return [Variant("pair", [a, b]) for a, b in itertools.combinations(top, 2)]


def _verification(v: Variant, out: VerifyResult) -> Verification:
    metric = f"final {out.metric}"
    runs = len(v.ok_runs)
    if v.status != "measured":
        return Verification(verdict="inconclusive", runs=runs, metric=metric, status=v.status, note=v.error)
    if v.final is None:
        return Verification(verdict="inconclusive", runs=runs, metric=metric, note=out.notes[0] if out.notes else "")
    verdict, seeds, note = rec.verdict(v.final, out.threshold)
    auc = v.auc
    return Verification(verdict=verdict, recovery=round(v.final.recovery, 4), interval=_interval(v.final),
                        runs=runs, metric=metric, seeds_needed=seeds, note=note,
                        auc_recovery=round(auc.recovery, 4) if auc else None,
                        auc_interval=_interval(auc) if auc else None)


def _interval(stat: rec.RecoveryStat) -> list[float] | None:
    """The interval as the report writes it (None when the gap vanished in most resamples)."""
    lo, hi = stat.interval
    return [round(lo, 4), round(hi, 4)] if math.isfinite(lo) and math.isfinite(hi) else None
