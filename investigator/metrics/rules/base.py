"""Metric rules: registered units with their metadata beside the code.

A single-run rule looks at one run and says whether a signature (docs/domain.md, Metric signatures) is present; the
engine runs it on every run of both sides and turns "present at the candidate, absent at the
baseline" into a finding. A comparison rule reads all runs of both sides and returns a statistical
`Comparison`. Adding a rule is adding one module here (a class with its `RuleMeta`; the unit registry,
`investigator.units`, finds it) and its tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from investigator.metrics.aliases import MetricCatalog, Resolved
from investigator.metrics.loading import RunData, Series
from investigator.metrics.stats import Comparison, StatOptions
from investigator.models import Severity
from investigator.units.registry import UnitMeta, load

PRIMARY = "primary"  # placeholder in RuleMeta.metrics for the request's primary metric


class RuleMeta(UnitMeta):
    kind: Literal["single", "compare"]
    subsystem: str
    severity: Severity
    rationale: str
    fix: str
    metrics: list[str] = Field(default_factory=list)  # canonical names it reads (PRIMARY allowed)
    # Single-run rules whose signature can be intended (a constant learning rate) only become a
    # regression signal when the baseline differs; alone they are reported at low severity.
    needs_contrast: bool = False
    # Whether the same signature at the baseline makes it "not a difference" (True for all rules
    # so far; False reports the signature on whichever side it is, at its severity).
    contrast_matters: bool = True
    # Comparison rules: hypotheses refuted when the comparison shows "no meaningful change".
    refuted_when_equivalent: list[str] = Field(default_factory=list)

    def referenced_hypotheses(self) -> list[str]:
        return [*self.hypotheses, *self.refuted_when_equivalent]


class RuleOptions(BaseModel):
    """User-tunable thresholds (request.metric_options)."""

    # configured max gradient norm; the clip rule is skipped without it
    grad_clip: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)
    max_seconds_per_update: float = Field(default=600.0, gt=0.0, allow_inf_nan=False)
    # last quartile this far below the first: collapse
    collapse_drop: float = Field(default=0.15, gt=0.0, lt=1.0, allow_inf_nan=False)
    # threshold = start + fraction * (baseline final - start)
    sample_efficiency_fraction: float = Field(default=0.8, gt=0.0, le=1.0, allow_inf_nan=False)
    stats: StatOptions = Field(default_factory=StatOptions)


@dataclass
class RunView:
    """One run with its canonical metrics resolved."""

    run: RunData
    resolved: dict[str, Resolved]
    primary_name: str
    primary_higher_is_better: bool = True

    @classmethod
    def of(cls, run: RunData, catalog: MetricCatalog) -> RunView:
        primary = catalog.primary_name
        return cls(
            run=run,
            resolved=catalog.resolve(run.tags),
            primary_name=primary,
            primary_higher_is_better=catalog.spec(primary).higher_is_better is not False,
        )

    def metric(self, canonical: str) -> Series | None:
        if canonical == PRIMARY:
            canonical = self.primary_name
        res = self.resolved.get(canonical)
        return None if res is None else self.run.series(res.tag, res.sign)

    def tag_of(self, canonical: str) -> str | None:
        if canonical == PRIMARY:
            canonical = self.primary_name
        res = self.resolved.get(canonical)
        return None if res is None else res.tag

    @property
    def primary(self) -> Series | None:
        return self.metric(PRIMARY)

    @property
    def primary_diverged(self) -> bool:
        """The primary metric turned NaN/inf and never recovered."""
        tag = self.tag_of(PRIMARY)
        return tag is not None and any(n.tag == tag and n.persistent for n in self.run.nonfinite())


@dataclass
class RuleHit:
    """A signature found in one run."""

    summary: str
    details: dict[str, object] = field(default_factory=dict)
    plot_metrics: list[str] = field(default_factory=list)  # canonical names (or raw tags) to plot
    hlines: dict[str, float] = field(default_factory=dict)  # label -> y, drawn on the first panel
    severity: Severity | None = None  # override of the rule's default (e.g. milder form)


class SingleRunRule(ABC):
    meta: ClassVar[RuleMeta]

    @abstractmethod
    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        """Whether the run has what the rule needs (so "checked, absent" is distinguishable)."""

    @abstractmethod
    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None: ...

    def refutes(self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions) -> str | None:
        """Evidence that the rule's hypotheses are refuted, if the rule can say so (default: never)."""
        return None


@dataclass
class CompareOutcome:
    metric: str  # canonical name compared (for plots and the table)
    quantity: str  # e.g. "final value", "area under the curve", "steps to reach 80%"
    comparison: Comparison
    summary: str
    details: dict[str, object] = field(default_factory=dict)
    severity: Severity | None = None  # override of the rule's default for this outcome


class CompareRule(ABC):
    meta: ClassVar[RuleMeta]

    @abstractmethod
    def compare(
        self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions
    ) -> CompareOutcome | None: ...


def _rules() -> list[SingleRunRule | CompareRule]:
    """Every rule module here, imported once by the unit registry, in the rules' `order`."""
    return [u.obj for u in load("metric_rule")]  # type: ignore[misc]


def single_run_rules() -> list[SingleRunRule]:
    return [r for r in _rules() if isinstance(r, SingleRunRule)]


def compare_rules() -> list[CompareRule]:
    return [r for r in _rules() if isinstance(r, CompareRule)]


def rule_by_id(rule_id: str) -> SingleRunRule | CompareRule:
    for rule in _rules():
        if rule.meta.id == rule_id:
            return rule
    raise KeyError(rule_id)
