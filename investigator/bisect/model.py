"""What a bisection reports: per tested commit, the seeds, the metric summary, the verdict; the first bad commit."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field

from investigator.models import CommitRef


class CommitVerdict(str, Enum):
    GOOD = "good"  # its metric distribution matches the good end's
    BAD = "bad"  # matches the bad end's
    UNSURE = "unsure"  # neither, after the seed cap
    SKIPPED = "skipped"  # does not build, probe failed, or exit 125


class BisectStatus(str, Enum):
    FOUND = "found"  # first_bad is the commit
    NO_REGRESSION = "no_regression"  # the bad end is not worse than the good end: first_bad is null
    AMBIGUOUS = "ambiguous"  # skipped/unsure commits hide it: `suspects` lists the candidates
    BUDGET = "budget"  # stopped by the run or time budget: `suspects` lists what is left
    FAILED = "failed"  # an end could not be measured


class MetricSummary(BaseModel):
    """One commit's metric over its seeds, with the same statistics as metric forensics."""

    values: list[float] = Field(default_factory=list)  # one per seed that produced the metric
    iqm: float | None = None
    ci_low: float | None = None  # bootstrap interval of the IQM (or of the difference, see `versus`)
    ci_high: float | None = None
    versus: str = ""  # what the interval is of, e.g. "difference to good"


class TestedCommit(BaseModel):
    """One commit the bisection ran the probe at."""

    sha: str
    commit: CommitRef
    position: int  # index on the first-parent path from good (0) to bad (n)
    seeds: int  # seeds run at this commit
    summary: MetricSummary = Field(default_factory=MetricSummary)
    verdict: CommitVerdict
    wall_s: float = 0.0
    round: int = 0  # the parallel round it was tested in
    note: str = ""  # e.g. "exit 125 (skip)", "unsure after 9 seeds"


class Bisection(BaseModel):
    """The bisection's answer and everything it ran; `investigate bisect` writes it, an investigation embeds it."""

    good: CommitRef
    bad: CommitRef
    metric: str
    higher_is_better: bool = True
    status: BisectStatus
    first_bad: str | None = None  # full sha; null when there is no regression or it is not pinned down
    first_bad_commit: CommitRef | None = None
    suspects: list[str] = Field(default_factory=list)  # full shas that may be first bad when not pinned down
    tested: list[TestedCommit] = Field(default_factory=list)
    runs: int = 0  # probe runs in all (cached ones included)
    cached_runs: int = 0
    rounds: int = 0
    wall_s: float = 0.0
    commits_in_range: int = 0
    notes: list[str] = Field(default_factory=list)
    figure: str | None = None  # the metric-by-commit figure, relative to the report
