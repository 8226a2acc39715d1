"""The bisection's measurer over the probe runner: the user's training command at many commits at once.

Each seed at each commit is one `training_run` job (an exported checkout of that commit, its own
process group, time and memory limits, exit 125 = skip) run by `probes.executor` on the device slots,
with results reused from the probe result cache (keyed by commit, command, seed and environment).
The metric is read from what the command wrote into `{logdir}` exactly as the training-run probe reads
it (`training_run.load_runs`: the metric loaders, `MetricCatalog`), and reduced to one number per seed
as metric forensics does (`final_performance.per_run`: the mean over the last 10% of the run).
"""

from __future__ import annotations

from investigator.bisect.search import SeedResult, SeedStatus
from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.training_run import TrainingRunProbe, load_runs
from investigator.probes.executor import ProbeEnvironment, execute
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus

BUDGET_MARK = "(--probe-budget)"  # the executor's words for a job not run (or cut) because the budget ran out


def final_value_of(run: ProbeRun, primary_metric: str | None, aliases: dict[str, str] | None = None) -> tuple[float | None, str]:
    """The run's final primary-metric value (None and why when its logs hold none)."""
    from investigator.metrics.aliases import MetricCatalog
    from investigator.metrics.curves import final_value
    from investigator.metrics.rules.base import RunView
    from investigator.metrics.rules.final_performance import per_run

    loaded = load_runs([run])
    if not loaded.runs:
        return None, loaded.problems[0] if loaded.problems else f"no metric logs in {run.logdir}"
    catalog = MetricCatalog(aliases, primary_metric)
    catalog.adopt_default_primary([loaded.runs[0].tags])
    values = per_run([RunView.of(loaded.runs[0], catalog)], final_value)
    if not values:
        tags = ", ".join(sorted(loaded.runs[0].tags)[:8])
        return None, f"the logs hold no `{primary_metric or catalog.primary_name}` (tags: {tags or 'none'})"
    return values[0], ""


def higher_is_better(primary_metric: str | None, aliases: dict[str, str] | None = None) -> bool:
    """The metric's better direction as metric forensics reads it (the primary metric: higher unless
    it is a known lower-is-better metric, e.g. a loss)."""
    from investigator.metrics.aliases import MetricCatalog

    catalog = MetricCatalog(aliases, primary_metric)
    return catalog.spec(catalog.primary_name).higher_is_better is not False


def _status(run: ProbeRun) -> SeedStatus:
    if run.ok:
        return "ok"
    if BUDGET_MARK in run.error or (run.status == ProbeStatus.skipped and run.error.startswith("not run:")):
        return "budget"
    if run.status in (ProbeStatus.skipped, ProbeStatus.setup_failed):
        return "skip"
    return "failed"


def training_job(command: str, steps: int | None = None, options: dict[str, float] | None = None) -> ProbeJob:
    """One seed's job exactly as the training-run probe builds it (same parameters, limits and hence
    cache key: an investigation's training runs at the ends are reused by its bisection)."""
    setup = ProbeSetup(command=command, seeds=1, steps=steps, options=dict(options or {}))
    return TrainingRunProbe().jobs(setup, "candidate")[0]


class ProbeMeasurer:
    """`search.Measurer` over `probes.executor.execute`: every seed of every commit of a round in one
    batch, one job per free slot."""

    def __init__(self, env: ProbeEnvironment, template: ProbeJob, primary_metric: str | None,
                 aliases: dict[str, str] | None = None) -> None:
        self.env, self.template, self.metric, self.aliases = env, template, primary_metric, aliases
        self.probe_runs: list[ProbeRun] = []  # every run, in order (the report's artifacts)

    def job(self, sha: str, seed: int) -> ProbeJob:
        return self.template.model_copy(update={"seed": seed, "commit": sha})

    def measure(self, requests: list[tuple[str, list[int]]], deadline: float | None) -> dict[str, list[SeedResult]]:
        jobs = [self.job(sha, seed) for sha, seeds in requests for seed in seeds]
        runs = execute(jobs, self.env, deadline=deadline)
        self.probe_runs.extend(runs)
        out: dict[str, list[SeedResult]] = {}
        for job, run in zip(jobs, runs, strict=True):
            assert job.commit is not None
            out.setdefault(job.commit, []).append(self._result(run))
        return out

    def _result(self, run: ProbeRun) -> SeedResult:
        status = _status(run)
        if status != "ok":
            return SeedResult(value=None, status=status, error=f"seed {run.seed}: {run.error or run.status.value}",
                              wall_s=run.wall_s, cached=run.cached)
        value, why = final_value_of(run, self.metric, self.aliases)
        return SeedResult(value=value, status="ok" if value is not None else "failed",
                          error=f"seed {run.seed}: {why}" if why else "", wall_s=run.wall_s, cached=run.cached)
