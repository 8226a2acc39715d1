"""Workflow state: a serialisable pydantic record of everything computed so far."""

from __future__ import annotations

import operator
from typing import Annotated

from pydantic import BaseModel, Field

from investigator.bisect.model import Bisection
from investigator.hypotheses import HypothesisRecord
from investigator.models import AnalyzerFailure, AnalyzerResult, Finding
from investigator.probes.model import ProbeOutcome
from investigator.request import InvestigationRequest
from investigator.triage import Triage


def merge_results(left: dict[str, AnalyzerResult], right: dict[str, AnalyzerResult]) -> dict[str, AnalyzerResult]:
    return {**(left or {}), **(right or {})}


class CommitSummary(BaseModel):
    ref: str
    sha: str
    short: str
    summary: str
    author: str
    date: str


class RangeSummary(BaseModel):
    baseline: CommitSummary
    candidate: CommitSummary
    relation: str
    commits_between: int
    files_changed: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    diff_seconds: float = 0.0


class StepTiming(BaseModel):
    step: str
    seconds: float
    detail: str = ""


class ProgressEvent(BaseModel):
    step: str
    status: str  # started | finished | skipped | failed
    detail: str = ""
    seconds: float | None = None


class Incomplete(BaseModel):
    """Why a report is partial (the run was stopped) and what it does and does not cover."""

    reason: str  # e.g. "interrupted by SIGTERM"
    finished_steps: list[str] = Field(default_factory=list)  # in the order they finished
    unfinished_analyzers: list[str] = Field(default_factory=list)  # running or not yet started


class ProbePlanItem(BaseModel):
    """One probe planned in a wave, and why (`probes.planner.PlannedProbe` as a record)."""

    probe: str
    reason: str
    tests_findings: list[str] = Field(default_factory=list)
    expensive: bool = False
    wave: int = 1


class Investigation(BaseModel):
    """The state of one investigation; also the content of the JSON report."""

    request: InvestigationRequest
    run_id: str = ""  # names the report files (unique per run)
    range: RangeSummary | None = None
    triage: Triage | None = None
    planned: list[str] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)  # analyzer id -> reason
    results: Annotated[dict[str, AnalyzerResult], merge_results] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    hypotheses: list[HypothesisRecord] = Field(default_factory=list)
    failures: Annotated[list[AnalyzerFailure], operator.add] = Field(default_factory=list)
    timings: Annotated[list[StepTiming], operator.add] = Field(default_factory=list)
    reports: dict[str, str] = Field(default_factory=dict)  # format -> path
    # probe experiments (docs/probes.md): the current wave, every wave's plan, what ran and decided
    probe_planned: list[ProbePlanItem] = Field(default_factory=list)
    probe_plan: Annotated[list[ProbePlanItem], operator.add] = Field(default_factory=list)
    probe_not_run: dict[str, str] = Field(default_factory=dict)  # probe id -> why it did not run
    probe_notes: list[str] = Field(default_factory=list)  # how the probe setup was built
    probe_outcomes: Annotated[list[ProbeOutcome], operator.add] = Field(default_factory=list)
    bisection: Bisection | None = None  # set when a probe confirmed a regression over a multi-commit range
    error: str | None = None
    incomplete: Incomplete | None = None  # set only on a partial report of a stopped run
