"""Metric rules (one module each); see `base.py` for the registry."""

from investigator.metrics.rules.base import (
    PRIMARY,
    RULE_MODULES,
    CompareOutcome,
    CompareRule,
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
    compare_rules,
    register_rule,
    rule_by_id,
    single_run_rules,
)

__all__ = [
    "PRIMARY",
    "RULE_MODULES",
    "CompareOutcome",
    "CompareRule",
    "RuleHit",
    "RuleMeta",
    "RuleOptions",
    "RunView",
    "SingleRunRule",
    "compare_rules",
    "register_rule",
    "rule_by_id",
    "single_run_rules",
]
