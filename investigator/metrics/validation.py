"""Checks of the metric inputs before any analysis: options, run globs, one-sided runs.

Why: a bad option (`n_boot=0`, `confidence=2`) used to surface as a crash deep in the bootstrap and
an empty report with exit 0; a glob that matches nothing looked like "no behavioural change". The
CLI calls `check_metric_inputs` first and exits 2 with the first error line; the analyzer calls the
same checks, so a request built in code gets the same messages as recorded failures.
"""

from __future__ import annotations

import glob as globmod
import os
from collections.abc import Mapping

from pydantic import BaseModel, Field, ValidationError

from investigator.metrics.rules.base import RuleOptions
from investigator.metrics.stats import StatOptions

STAT_KEYS = frozenset(StatOptions.model_fields)
RULE_KEYS = frozenset(RuleOptions.model_fields) - {"stats"}
KNOWN_KEYS = STAT_KEYS | RULE_KEYS


class InputCheck(BaseModel):
    errors: list[str] = Field(default_factory=list)  # each one line; any error: exit 2
    warnings: list[str] = Field(default_factory=list)  # each one line; the analysis still runs


def _bound_message(key: str, value: object, model: type[BaseModel]) -> str | None:
    """The one-line reason a single option value is rejected, or None when it is valid."""
    try:
        model.model_validate({key: value})
    except ValidationError as exc:
        field = model.model_fields[key]
        words = {"ge": "at least", "gt": "greater than", "le": "at most", "lt": "less than"}
        bounds = [
            f"{word} {_show(getattr(meta, attr))}"
            for meta in field.metadata
            for attr, word in words.items()
            if getattr(meta, attr, None) is not None
        ]
        kind = "an integer" if field.annotation is int else "a finite number"
        if exc.errors()[0]["type"] in {"greater_than_equal", "greater_than", "less_than", "less_than_equal"}:
            return "must be " + " and ".join(bounds)
        return f"must be {kind}" + (", " + " and ".join(bounds) if bounds else "")
    return None


def option_problems(raw: Mapping[str, object]) -> dict[str, str]:
    """Option key -> the one line saying why it is invalid or unknown (valid keys are absent)."""
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if key not in KNOWN_KEYS:
            errors[key] = f"unknown metric option {key!r}; known: {', '.join(sorted(KNOWN_KEYS))} (docs/metrics.md)"
            continue
        model = StatOptions if key in STAT_KEYS else RuleOptions
        if (why := _bound_message(key, value, model)) is not None:
            errors[key] = f"invalid --metric-option {key}={_show(value)}: {why}"
    return errors


def check_metric_options(raw: Mapping[str, object]) -> list[str]:
    """One line per invalid or unknown `--metric-option`."""
    return list(option_problems(raw).values())


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def glob_matches(pattern: str) -> bool:
    """Whether a run glob names anything (a path that exists counts, even with glob characters)."""
    expanded = os.path.expanduser(pattern)
    if os.path.exists(expanded) or os.path.lexists(expanded):
        return True
    return next(globmod.iglob(expanded, recursive=True), None) is not None


def check_run_globs(baseline: list[str], candidate: list[str]) -> InputCheck:
    """Globs that match nothing are errors; runs for one side only are a warning."""
    out = InputCheck()
    for side, patterns in (("--baseline-runs", baseline), ("--candidate-runs", candidate)):
        for pattern in patterns:
            if not pattern.strip():
                out.errors.append(f"{side}: an empty glob")
            elif not glob_matches(pattern):
                out.errors.append(f"{side} {pattern!r} matches no file or directory")
    if baseline and not candidate:
        out.warnings.append(ONE_SIDE.format(given="baseline", missing="candidate"))
    elif candidate and not baseline:
        out.warnings.append(ONE_SIDE.format(given="candidate", missing="baseline"))
    return out


ONE_SIDE = (
    "only {given} runs given (no --{missing}-runs): no baseline-vs-candidate comparison of the training "
    "logs; the {given} runs are checked for known signatures alone"
)


def check_metric_inputs(
    metric_options: Mapping[str, object], baseline_runs: list[str], candidate_runs: list[str]
) -> InputCheck:
    """Everything about the metric inputs that can be judged before reading a log."""
    out = check_run_globs(baseline_runs, candidate_runs)
    out.errors = check_metric_options(metric_options) + out.errors
    return out
