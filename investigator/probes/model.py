"""Pydantic records of probe work: what was planned, what each run returned, what it decided.

They are the boundary between the probe units, the runner, the workflow and the reports (the JSON
report's `probes` list is `ProbeRun`s; `probe_outcomes` holds the decisions).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

from investigator.models import Finding, HypothesisUpdate, Side


class ProbeStatus(str, Enum):
    """How one probe run ended. Only `ok` carries a usable result; every other status is a recorded
    failure of that run (the investigation and its report go on)."""

    ok = "ok"
    failed = "failed"  # the program exited non-zero (its error or the tail of stderr is kept)
    timeout = "timeout"  # past its time limit: the whole process group was killed
    memory = "memory"  # past its memory limit: the whole process group was killed
    crashed = "crashed"  # killed by a signal it did not ask for (segfault, OOM killer)
    no_result = "no_result"  # exited 0 but wrote no result file
    invalid_result = "invalid_result"  # the result file is not the protocol's JSON
    setup_failed = "setup_failed"  # the checkout or its setup command failed: nothing ran
    skipped = "skipped"  # not run (exit 125 of a user command, or the budget ran out)


class ProbeJob(BaseModel):
    """One program to run at one side: either the harness running a child measurement script
    (`script`, with `params`), or the user's command template (`command`)."""

    probe: str
    side: Side
    script: str | None = None  # child measurement module name in probes/child (harness jobs)
    command: str | None = None  # a user command template: {seed} {steps} {logdir} {device} {python}
    params: dict[str, Any] = Field(default_factory=dict)  # JSON-serialisable; part of the cache key
    seed: int | None = None
    timeout_s: float = 120.0
    memory_mb: int = 4096
    needs_logdir: bool = False  # the runner makes a fresh log directory and fills {logdir}
    # the commit it runs at, when not its side's: a bisection runs many commits in one batch, a verification a
    # patched checkout (`CheckoutCache.patched`); its artifacts then go into a folder of that commit, so runs of
    # one seed at two commits never mix
    commit: str | None = None

    def label(self) -> str:
        return f"{self.probe}@{self.side}" + (f" seed {self.seed}" if self.seed is not None else "")


class ProbeRun(BaseModel):
    """One job's run: where and how long it ran, and what it returned (`result`: the probe's JSON)."""

    probe: str
    side: Side
    commit: str
    status: ProbeStatus
    device: str = "cpu"  # "cpu" or "cuda:N"
    wall_s: float = 0.0
    peak_rss_mb: float | None = None
    peak_gpu_mem_mb: float | None = None
    steps_per_s: float | None = None
    seed: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] = Field(default_factory=dict)
    summary: str = ""  # one line for tables and the log
    error: str = ""  # why it is not `ok` (one line)
    logdir: str | None = None  # training-run jobs: where the run wrote its logs
    stdout_path: str | None = None  # artifacts, kept beside the report
    stderr_path: str | None = None
    cached: bool = False  # reused from the result cache, not run again

    @property
    def ok(self) -> bool:
        return self.status == ProbeStatus.ok


ProbeVerdict = Literal["confirmed", "refuted", "inconclusive", "failed"]
"""What a probe decided about the change it tests: `confirmed` (the commits differ the way the
hypothesis predicts), `refuted` (no difference where one was predicted), `inconclusive` (a
difference the probe cannot attribute, or too little power), `failed` (runs failed: no decision)."""


class ProbeDecision(BaseModel):
    """A probe's decision from its runs at both commits."""

    probe: str
    verdict: ProbeVerdict
    summary: str  # one sentence with the numbers, shown as the probe evidence
    details: dict[str, Any] = Field(default_factory=dict)  # the numbers behind it (JSON report)
    hypothesis_updates: list[HypothesisUpdate] = Field(default_factory=list)  # kind=probe
    findings: list[Finding] = Field(default_factory=list)  # differences only the probe shows
    artifacts: list[str] = Field(default_factory=list)  # figures, relative to the report


class ProbeOutcome(BaseModel):
    """One planned probe: why it was planned, its runs at both commits, its decision, its cost."""

    probe: str
    reason: str  # why the planner chose it (the finding or hypothesis it tests)
    runs: list[ProbeRun] = Field(default_factory=list)
    decision: ProbeDecision | None = None
    wall_s: float = 0.0
    tests_findings: list[str] = Field(default_factory=list)  # finding ids it was planned to test
