"""What the user asked for: the input of an investigation (CLI, HTTP and watch all build one)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from investigator.budget import DEFAULT_ANALYZER_BUDGET_S
from investigator.models import Severity

ReportFormat = Literal["md", "json", "html"]


class InvestigationRequest(BaseModel):
    repo: str | None = None  # path or URL; None in logs-only mode
    baseline_commit: str | None = None
    candidate_commit: str | None = None  # defaults to HEAD
    baseline_entry: str | None = None  # e.g. "tools/train.py" or "tools/run.py experiments.arena.train"
    candidate_entry: str | None = None
    baseline_runs: list[str] = Field(default_factory=list)  # globs of log dirs / CSV / JSONL
    candidate_runs: list[str] = Field(default_factory=list)
    primary_metric: str | None = None
    metric_aliases: dict[str, str] = Field(default_factory=dict)  # user metric name -> canonical
    # metric-rule thresholds, e.g. {"grad_clip": 0.5, "threshold": 0.05, "min_seeds": 3} (docs/metrics.md)
    metric_options: dict[str, float] = Field(default_factory=dict)
    formats: list[ReportFormat] = Field(default_factory=lambda: list[ReportFormat](["md"]))
    output: Path = Path("reports")
    fail_on: Severity | None = None
    title: str | None = None
    # wall-clock seconds each analyzer may take; past it its result is dropped and recorded as a failure
    analyzer_budget_s: float = Field(default=DEFAULT_ANALYZER_BUDGET_S, gt=0)
