"""Metric rules (one module each); see `base.py` for the registry."""

from investigator.metrics.rules.base import (
    PRIMARY,
    CompareOutcome,
    CompareRule,
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
    compare_rules,
    rule_by_id,
    single_run_rules,
)

__all__ = [
    "PRIMARY",
    "CompareOutcome",
    "CompareRule",
    "RuleHit",
    "RuleMeta",
    "RuleOptions",
    "RunView",
    "SingleRunRule",
    "compare_rules",
    "rule_by_id",
    "single_run_rules",
]
