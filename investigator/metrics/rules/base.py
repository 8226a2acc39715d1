"""Metric rules: registered units with their metadata beside the code.

A single-run rule looks at one run and says whether a signature (docs/domain.md, Metric signatures) is present; the
engine runs it on every run of both sides and turns "present at the candidate, absent at the
baseline" into a finding. A comparison rule reads all runs of both sides and returns a statistical
`Comparison`. Adding a rule is adding one module to `RULE_MODULES` and its tests.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from investigator.metrics.aliases import MetricCatalog, Resolved
from investigator.metrics.loading import RunData, Series
from investigator.metrics.stats import Comparison, StatOptions
from investigator.models import Severity

PRIMARY = "primary"  # placeholder in RuleMeta.metrics for the request's primary metric


class RuleMeta(BaseModel):
    id: str
    title: str
    kind: Literal["single", "compare"]
    subsystem: str
    severity: Severity
    rationale: str
    fix: str
    hypotheses: list[str] = Field(default_factory=list)  # playbook ids "subsystem.hypothesis"
    metrics: list[str] = Field(default_factory=list)  # canonical names it reads (PRIMARY allowed)
    # Single-run rules whose signature can be intended (a constant learning rate) only become a
    # regression signal when the baseline differs; alone they are reported at low severity.
    needs_contrast: bool = False
    # Whether the same signature at the baseline makes it "not a difference" (True for all rules
    # so far; False reports the signature on whichever side it is, at its severity).
    contrast_matters: bool = True
    # Comparison rules: hypotheses refuted when the comparison shows "no meaningful change".
    refuted_when_equivalent: list[str] = Field(default_factory=list)


class RuleOptions(BaseModel):
    """User-tunable thresholds (request.metric_options)."""

    # configured max gradient norm; the clip rule is skipped without it
    grad_clip: float | None = Field(None, gt=0.0, allow_inf_nan=False)
    max_seconds_per_update: float = Field(600.0, gt=0.0, allow_inf_nan=False)
    # last quartile this far below the first: collapse
    collapse_drop: float = Field(0.15, gt=0.0, lt=1.0, allow_inf_nan=False)
    # threshold = start + fraction * (baseline final - start)
    sample_efficiency_fraction: float = Field(0.8, gt=0.0, le=1.0, allow_inf_nan=False)
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


_SINGLE: dict[str, SingleRunRule] = {}
_COMPARE: dict[str, CompareRule] = {}

RULE_MODULES: list[str] = [
    "investigator.metrics.rules.primary_collapse",
    "investigator.metrics.rules.flatline",
    "investigator.metrics.rules.peak_decline",
    "investigator.metrics.rules.entropy_rising",
    "investigator.metrics.rules.entropy_collapse",
    "investigator.metrics.rules.value_loss_rising",
    "investigator.metrics.rules.explained_variance_negative",
    "investigator.metrics.rules.grad_norm_above_clip",
    "investigator.metrics.rules.kl_collapse",
    "investigator.metrics.rules.ppo_update_ranges",
    "investigator.metrics.rules.loss_pinned",
    "investigator.metrics.rules.lr_constant",
    "investigator.metrics.rules.update_time",
    "investigator.metrics.rules.final_performance",
    "investigator.metrics.rules.area_under_curve",
    "investigator.metrics.rules.sample_efficiency",
    "investigator.metrics.rules.throughput_drop",
]


def register_rule(cls: type[SingleRunRule] | type[CompareRule]):
    """Class decorator: instantiate and register; ids are unique across both kinds."""
    rule = cls()
    rid = cls.meta.id
    if rid in _SINGLE or rid in _COMPARE:
        existing = _SINGLE.get(rid) or _COMPARE.get(rid)
        if type(existing).__qualname__ != cls.__qualname__:
            raise ValueError(f"metric rule id registered twice: {rid}")
    if isinstance(rule, SingleRunRule):
        _SINGLE[rid] = rule
    else:
        _COMPARE[rid] = rule
    return cls


def _load() -> None:
    for module in RULE_MODULES:
        importlib.import_module(module)


def single_run_rules() -> list[SingleRunRule]:
    _load()
    return list(_SINGLE.values())


def compare_rules() -> list[CompareRule]:
    _load()
    return list(_COMPARE.values())


def rule_by_id(rule_id: str) -> SingleRunRule | CompareRule:
    _load()
    return _SINGLE.get(rule_id) or _COMPARE[rule_id]
