"""What the HTTP API takes and returns (pydantic at the boundary).

`JobSubmission` mirrors the CLI's options with underscores (`repo`, `baseline_commit`, `formats`, …):
everything `investigate run` takes except what the server decides itself (where reports are written,
the probe cache and interpreter, asking on a terminal). Unknown fields are refused (422), so a typo in
an option is an error rather than silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from investigator.budget import DEFAULT_ANALYZER_BUDGET_S
from investigator.request import InvestigationRequest, ReportFormat
from investigator.service.store import Job


class JobSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    repo: str = Field(min_length=1, max_length=2048, description="path on the server or git URL (allowlisted)")
    baseline_commit: str = Field(min_length=1, max_length=256, description="the commit where training worked (any ref)")
    candidate_commit: str | None = Field(default=None, max_length=256,
                                         description="the commit where it got worse (default: HEAD)")
    baseline_entry: str | None = Field(default=None, max_length=1024,
                                       description="training command at the baseline (detected when omitted)")
    candidate_entry: str | None = Field(default=None, max_length=1024, description="training command at the candidate")
    baseline_runs: list[str] = Field(default_factory=list, max_length=64,
                                     description="globs of training logs at the baseline (absolute, allowlisted)")
    candidate_runs: list[str] = Field(default_factory=list, max_length=64,
                                      description="globs of training logs at the candidate (absolute, allowlisted)")
    primary_metric: str | None = Field(default=None, max_length=256, description="the logged metric that regressed")
    metric_aliases: dict[str, str] = Field(default_factory=dict, description="logged tag -> canonical metric name")
    metric_options: dict[str, float] = Field(default_factory=dict,
                                             description="statistics options, e.g. threshold, min_seeds (docs/metrics.md)")
    formats: list[ReportFormat] = Field(default_factory=lambda: list[ReportFormat](["md", "json", "html"]),
                                        description="report formats to write")
    title: str | None = Field(default=None, max_length=512, description="report title")
    analyzer_budget_s: float = Field(default=DEFAULT_ANALYZER_BUDGET_S, gt=0, le=3600,
                                     description="wall-clock seconds each analyzer may take")
    probes: str = Field(default="auto", max_length=1024, description="auto, none, or comma-separated probe ids")
    probe_budget_s: float = Field(default=300.0, gt=0, le=24 * 3600, description="wall-clock seconds for all probes")
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$", description="where probes run")
    adapter: str | None = Field(default=None, max_length=1024, description="probe adapter file on the server (admin)")
    probe_command: str | None = Field(default=None, max_length=4096,
                                      description="training command template for training-run probes (admin)")
    probe_seeds: int = Field(default=3, ge=1, le=64, description="seeds per side of a training-run probe")
    probe_steps: int | None = Field(default=None, ge=1, description="environment steps of a training-run probe")
    probe_setup: str | None = Field(default=None, max_length=4096,
                                    description="command run once in each checkout before its probes (admin)")
    verify: bool | None = Field(default=None, description="restore the top findings at the candidate and retrain "
                                "(docs/verify.md); default: on when probe_command is set, since that is what it needs")
    verify_top: int = Field(default=3, ge=1, le=20, description="findings to verify")
    verify_budget_s: float = Field(default=600.0, gt=0, le=24 * 3600, description="wall-clock seconds for verification")
    bisect: bool = Field(default=True, description="bisect a regression the training-run probe confirmed, within "
                         "the probe budget left (docs/bisect.md)")
    probe_executor: Literal["local", "ray"] = Field(default="local", description="where probe jobs run (docs/scale.md)")
    ray_address: str | None = Field(default=None, max_length=1024,
                                    description="the Ray cluster with probe_executor ray (admin; default: the server's)")

    @field_validator("baseline_commit", "candidate_commit")
    @classmethod
    def _no_option_refs(cls, value: str | None) -> str | None:
        """A ref never starts with '-' (it would read as an option to git)."""
        if value is not None and value.startswith("-"):
            raise ValueError("a commit reference cannot start with '-'")
        return value

    def to_request(self, output: Path, *, probe_cache: str | None = None,
                   probe_python: str | None = None) -> InvestigationRequest:
        """The request the workflow runs, with the server's own choices filled in."""
        fields = self.model_dump()
        fields["verify"] = self.probe_command is not None if self.verify is None else self.verify
        return InvestigationRequest(**fields, output=output, probe_cache=probe_cache, probe_python=probe_python,
                                    confirm_expensive=False)


class JobView(BaseModel):
    """A job as the API shows it (`GET /v1/investigations/{id}` and list items)."""

    id: str
    status: str
    repo: str
    baseline_commit: str | None
    candidate_commit: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None = Field(description="wall time from start to finish (or to now while running)")
    attempts: int
    cancel_requested: bool
    current_step: str | None
    error: str | None
    counts: dict[str, int] | None = Field(description="findings by severity, once finished")
    reports: list[str] = Field(description="formats whose report can be fetched")

    @classmethod
    def of(cls, job: Job, now: datetime | None = None) -> JobView:
        end = job.finished_at or now
        seconds = (end - job.started_at).total_seconds() if job.started_at and end else None
        counts = None
        if job.critical is not None:
            counts = {"critical": job.critical, "significant": job.significant or 0, "low": job.low or 0}
        request: dict[str, Any] = job.request
        return cls(id=job.id, status=job.status, repo=job.repo, baseline_commit=request.get("baseline_commit"),
                   candidate_commit=request.get("candidate_commit"), created_at=job.created_at,
                   started_at=job.started_at, finished_at=job.finished_at, seconds=seconds, attempts=job.attempts,
                   cancel_requested=job.cancel_requested, current_step=job.current_step, error=job.error,
                   counts=counts, reports=sorted(job.reports))


class StepView(BaseModel):
    """One finished (or skipped, or failed) step of a job's investigation."""

    step: str
    status: str
    seconds: float | None
    detail: str


class JobDetail(JobView):
    """`GET /v1/investigations/{id}`: the job and the steps it has finished so far."""

    steps: list[StepView] = Field(description="steps that ended (finished, skipped or failed), in order")
    last_event: int = Field(description="sequence number of the newest progress event (resume /events after it)")


class JobList(BaseModel):
    items: list[JobView]
    total: int = Field(description="jobs matching the filters, over all pages")
    limit: int
    offset: int


class Submitted(BaseModel):
    """The answer to a submission: where to follow the job."""

    id: str
    status: str
    links: dict[str, str]
