"""`investigate bisect`: resolve the range, bisect it with the user's training command, write the report.

Also `bisect_with`, the part the investigation calls with the probe environment it already has (same
checkouts, cache, slots and budget), so the two share every cached run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from investigator.bisect.measure import ProbeMeasurer, higher_is_better, training_job
from investigator.bisect.model import Bisection
from investigator.bisect.path import commit_ref, first_parent_path, merged_branch, resolve_ends
from investigator.bisect.search import BisectOptions, Search
from investigator.git.repository import RepoHandle, open_repository
from investigator.interrupt import Interrupted
from investigator.metrics.stats import StatOptions
from investigator.probes.executor import ProbeEnvironment
from investigator.probes.runner import CheckoutCache, kill_running
from investigator.report.output import new_run_id

DEFAULT_MAX_RUNS = 200
DEFAULT_WALL_S = 3600.0


class BisectRequest(BaseModel):
    """What `investigate bisect` was asked (the JSON report's `request`)."""

    repo: str
    good: str
    bad: str
    probe_command: str
    primary_metric: str | None = None
    seeds: int = Field(default=3, ge=1)
    max_seeds: int | None = Field(default=None, ge=1)  # default 3 x seeds
    parallel: int | None = Field(default=None, ge=1)  # commits per round; default max(3, slots // seeds)
    max_runs: int = Field(default=DEFAULT_MAX_RUNS, ge=2)
    wall_s: float = Field(default=DEFAULT_WALL_S, gt=0)
    probe_steps: int | None = Field(default=None, ge=1)
    device: str = "auto"
    probe_cache: str | None = None
    probe_setup: str | None = None
    probe_python: str | None = None
    probe_executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    metric_options: dict[str, float] = Field(default_factory=dict)
    formats: list[str] = Field(default_factory=lambda: ["md"])
    output: Path = Path("reports")


def stat_options(metric_options: dict[str, float]) -> StatOptions:
    """The statistics options of metric forensics (`--metric-option threshold=...`, `n_boot`, ...)."""
    from investigator.metrics.analyzer import options_from
    from investigator.metrics.validation import STAT_KEYS

    opts, _ = options_from({k: v for k, v in metric_options.items() if k in STAT_KEYS})
    return opts.stats


def search_options(seeds: int, max_seeds: int | None, parallel: int | None, slots: int, max_runs: int | None,
                   wall_s: float | None, metric: str | None, metric_options: dict[str, float]) -> BisectOptions:
    stats = stat_options(metric_options)
    return BisectOptions(seeds=seeds, max_seeds=max(seeds, max_seeds or 3 * seeds),
                         parallel=parallel or max(3, min(15, slots // seeds)), max_runs=max_runs, wall_s=wall_s,
                         higher_is_better=higher_is_better(metric), stats=stats.model_copy(update={"min_seeds": min(stats.min_seeds, seeds)}))


class Stopped(Exception):
    """The bisection was stopped by a signal; `reports` is the partial report of what was measured."""

    def __init__(self, reports: dict[str, str], cause: KeyboardInterrupt | Interrupted) -> None:
        super().__init__("stopped")
        self.reports, self.stop = reports, Interrupted.from_exception(cause)


def bisect_with(handle: RepoHandle, env: ProbeEnvironment, good: str, bad: str, command: str, metric: str | None,
                opts: BisectOptions, steps: int | None = None, options: dict[str, float] | None = None,
                searches: list[Search] | None = None) -> Bisection:
    """Bisect good..bad (full shas, good an ancestor of bad) with `env`'s checkouts, cache and slots;
    `searches` receives the search (its `partial` survives an exception)."""
    path = first_parent_path(handle, good, bad)
    measurer = ProbeMeasurer(env, training_job(command, steps, options), metric)
    search = Search(measurer, opts, lambda sha, via: commit_ref(handle, sha, via), lambda sha: merged_branch(handle, sha))
    if searches is not None:
        searches.append(search)
    return search.run(path, commit_ref(handle, good), commit_ref(handle, bad), metric or "return")


def environment(git_dir: str, req: BisectRequest, artifacts: Path, notes: list[str]) -> ProbeEnvironment:
    """Checkouts, result cache and device slots as an investigation's probes get them."""
    from investigator.probes.cache import ResultCache, default_cache_dir
    from investigator.workflow.probing import executor_for

    if req.probe_cache == "none":
        root, cache = Path(tempfile.gettempdir()) / "investigator-probes", None
    else:
        root = Path(req.probe_cache) if req.probe_cache else default_cache_dir()
        cache = ResultCache(root)
    backend, unavailable, job_slots = executor_for(req, git_dir, notes)
    return ProbeEnvironment(commits={}, checkouts=CheckoutCache(root / "checkouts", git_dir, setup_command=req.probe_setup),
                            artifacts=artifacts, slots=job_slots, cache=cache, python=req.probe_python,
                            backend=backend, unavailable=unavailable)


def run_bisect(req: BisectRequest) -> tuple[Bisection, dict[str, str]]:
    """The whole command: InputError (one line) for a bad repository or range; the reports written."""
    from investigator.bisect.report import figure_for, write_reports

    handle = open_repository(req.repo)
    good, bad = resolve_ends(handle, req.good, req.bad)
    run_id = new_run_id()
    notes: list[str] = []
    env = environment(handle.git_dir, req, Path(req.output) / "probes" / run_id, notes)
    opts = search_options(req.seeds, req.max_seeds, req.parallel, len(env.slots), req.max_runs, req.wall_s,
                          req.primary_metric, req.metric_options)
    start = time.monotonic()
    searches: list[Search] = []
    try:
        result = bisect_with(handle, env, good, bad, req.probe_command, req.primary_metric, opts, req.probe_steps,
                             req.metric_options, searches)
    except BaseException as exc:
        kill_running()  # the jobs run in their own sessions: they would outlive the command
        partial = searches[0].partial if searches else None
        if partial is None or not isinstance(exc, (KeyboardInterrupt, Interrupted)):
            raise
        written = write_reports(partial.model_copy(update={"notes": [*notes, *partial.notes]}), req, run_id)
        raise Stopped(written, exc) from None
    result = result.model_copy(update={"notes": [*notes, *result.notes], "wall_s": round(time.monotonic() - start, 3)})
    Path(req.output).mkdir(parents=True, exist_ok=True)
    result = result.model_copy(update={"figure": figure_for(result, Path(req.output), run_id)})
    return result, write_reports(result, req, run_id)
