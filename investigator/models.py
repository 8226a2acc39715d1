"""Pydantic models shared by every step of an investigation.

They are the boundary between analyzers, the workflow and the reports: an analyzer returns an
`AnalyzerResult`, the ranking orders `Finding`s, the report renders an `Investigation`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

SUBSYSTEMS: tuple[str, ...] = (
    "architecture",
    "trainer",
    "logging",
    "checkpointing",
    "env",
    "curriculum",
    "ppo",
    "vecenv",
    "init",
    "normalization",
    "buffers",
    "device",
)
OTHER_SUBSYSTEM = "other"

Side = Literal["baseline", "candidate"]


class Severity(str, Enum):
    """How badly a change is expected to hurt training (docs/domain.md, Severities)."""

    critical = "critical"
    significant = "significant"
    low = "low"

    @property
    def weight(self) -> int:
        return {"critical": 3, "significant": 2, "low": 1}[self.value]

    def at_least(self, other: Severity) -> bool:
        return self.weight >= other.weight


class EvidenceKind(str, Enum):
    """Evidence kinds from weakest to strongest (docs/domain.md, Evidence kinds)."""

    static_signal = "static_signal"
    code = "code"
    config = "config"
    metric = "metric"
    probe = "probe"
    bisection = "bisection"


class Location(BaseModel):
    path: str
    line: int | None = None
    end_line: int | None = None
    side: Side

    def render(self) -> str:
        if self.line is None:
            return self.path
        if self.end_line and self.end_line != self.line:
            return f"{self.path}:{self.line}-{self.end_line}"
        return f"{self.path}:{self.line}"


class Evidence(BaseModel):
    kind: EvidenceKind
    summary: str
    locations: list[Location] = Field(default_factory=list)
    hunk: str | None = None
    details: dict[str, object] = Field(default_factory=dict)


def confidence_label(value: float) -> str:
    if value >= 0.75:
        return "high"
    if value >= 0.45:
        return "medium"
    return "low"


class CommitRef(BaseModel):
    """A commit as the report names it: which commit of the range introduced a finding, or was bisected."""

    sha: str  # full 40-hex sha
    short: str
    subject: str
    author: str
    date: str  # ISO 8601, the author date
    via_merge: str | None = None  # full sha of the first-parent merge it came through, when it came from a merged branch


class Verification(BaseModel):
    """What restoring one finding at the candidate recovered of the regression (issue 16, `--verify`)."""

    verdict: Literal["proven", "no_effect", "inconclusive"]
    recovery: float | None = None  # share of the baseline-candidate gap the restore closes (1.0 = all of it)
    interval: list[float] | None = None  # [low, high] bootstrap interval of `recovery`
    runs: int = 0  # training-run probe runs of the restored candidate (cached ones included)
    metric: str = ""  # the primary metric it was measured on, and how (e.g. "final value")
    status: Literal["measured", "patch_failed", "build_failed", "probe_failed", "budget"] = "measured"
    seeds_needed: int | None = None  # when inconclusive: seeds per side that would decide it
    note: str = ""
    auc_recovery: float | None = None  # the same share measured on the area under the curve
    auc_interval: list[float] | None = None


class Finding(BaseModel):
    """One behavioural change with its evidence, severity and fix."""

    id: str
    source: str  # analyzer/detector/rule id that produced it
    subsystem: str
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    title: str
    impact: str = ""
    rationale: str = ""
    locations: list[Location] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    fix: str = ""
    patch: str | None = None
    hypotheses: list[str] = Field(default_factory=list)  # playbook hypothesis ids this supports
    rank: int | None = None
    # the first commit of the range whose tree shows the change (set by attribution when the range has
    # more than one commit; None for a one-commit range, or when it could not be attributed)
    introduced_by: CommitRef | None = None
    verification: Verification | None = None  # set by `--verify` for the findings it restored

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)

    def location_at(self, side: Side) -> Location | None:
        return next((loc for loc in self.locations if loc.side == side), None)


class NoEffectChange(BaseModel):
    """A change that was examined and has no behavioural effect, with the reason."""

    subsystem: str
    title: str
    reason: str
    locations: list[Location] = Field(default_factory=list)
    source: str = ""
    details: dict[str, Any] = Field(default_factory=dict)  # e.g. the full key list of a grouped dead-config item


class VerifiedItem(BaseModel):
    """Something checked and found identical at both commits."""

    subsystem: str
    what: str
    how: str = ""
    source: str = ""
    # a claim about the whole subsystem ("no behavioural change mapped here"), not one value or
    # expression: a finding in the subsystem contradicts it (see hypotheses.withdraw_contradicted)
    whole_subsystem: bool = False


class ReportSection(BaseModel):
    """An extra markdown section contributed by an analyzer (e.g. the configuration table)."""

    id: str
    title: str
    markdown: str
    order: int = 50


class AnalyzerFailure(BaseModel):
    """A recorded, reported failure: the investigation goes on without this part."""

    source: str
    message: str
    path: str | None = None


class AnalyzerResult(BaseModel):
    analyzer: str
    findings: list[Finding] = Field(default_factory=list)
    no_effect: list[NoEffectChange] = Field(default_factory=list)
    verified: list[VerifiedItem] = Field(default_factory=list)
    sections: list[ReportSection] = Field(default_factory=list)
    failures: list[AnalyzerFailure] = Field(default_factory=list)
    hypothesis_updates: list[HypothesisUpdate] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)  # files written (plots), relative to the report
    data: dict[str, Any] = Field(default_factory=dict)  # facts later analyzers may use (see each analyzer's docs)
    duration_s: float = 0.0


class HypothesisStatus(str, Enum):
    supported = "supported"
    refuted = "refuted"
    inconclusive = "inconclusive"
    not_applicable = "not applicable"  # the code at neither commit has what the hypothesis is about
    not_investigated = "not investigated"


class HypothesisUpdate(BaseModel):
    """An analyzer's verdict on a playbook hypothesis ("subsystem.hypothesis_id")."""

    hypothesis: str
    status: HypothesisStatus
    evidence: str
    kind: EvidenceKind | None = None  # what kind of evidence backs the verdict
    source: str = ""  # analyzer/unit that produced it


AnalyzerResult.model_rebuild()
