"""What the user asked for: the input of an investigation (CLI, HTTP and watch all build one)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from investigator.budget import DEFAULT_ANALYZER_BUDGET_S
from investigator.models import Severity

ReportFormat = Literal["md", "json", "html", "sarif"]


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

    # -- probe experiments (docs/probes.md) --
    probes: str = "auto"  # "auto", "none" or a comma-separated list of probe ids
    probe_budget_s: float = Field(default=300.0, gt=0)  # wall-clock seconds for all probes together
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$")
    adapter: str | None = None  # the adapter file; None: a conventional file in the checkout at each commit
    probe_command: str | None = None  # training command template: {seed} {steps} {logdir} {device} {python}
    probe_seeds: int = Field(default=3, ge=1)
    probe_steps: int | None = Field(default=None, ge=1)
    probe_setup: str | None = None  # run once per checkout before its probes (e.g. build an extension)
    probe_cache: str | None = None  # result cache directory; None: the default; "none": no cache
    probe_python: str | None = None  # interpreter for the probes (default: this one)
    probe_executor: Literal["local", "ray"] = "local"  # where probe jobs run: here, or as tasks on a Ray cluster
    ray_address: str | None = None  # the Ray cluster (None: a local instance; "auto"; "ray://head:10001")
    confirm_expensive: bool = False  # an interactive session: ask before expensive probes run
    bisect: bool = True  # bisect a regression the training-run probe confirmed, with the probe budget left

    # -- proven causes (docs/verify.md) --
    verify: bool = False  # restore the top findings at the candidate and measure what each recovers
    verify_top: int = Field(default=3, ge=1)  # how many findings with a restore patch
    verify_budget_s: float = Field(default=600.0, gt=0)  # wall-clock seconds for all verification runs

    @field_validator("probes")
    @classmethod
    def _probe_selection(cls, value: str) -> str:
        """`auto`, `none`, or probe ids (`training-run` is accepted for `training_run`)."""
        text = value.strip().lower()
        if text in ("auto", "none"):
            return text
        ids = [p.strip().replace("-", "_") for p in text.split(",") if p.strip()]
        if not ids:
            raise ValueError("expected auto, none or a comma-separated list of probe ids")
        return ",".join(dict.fromkeys(ids))

    def probe_ids(self) -> list[str] | None:
        """The explicitly requested probe ids, or None for `auto`/`none`."""
        return None if self.probes in ("auto", "none") else self.probes.split(",")
