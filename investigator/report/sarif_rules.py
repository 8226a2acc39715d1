"""SARIF rule descriptors from the unit registry: the rule a finding came from, described by its metadata.

Why: code review tools (GitHub code scanning, IDE SARIF viewers) group results by rule and show the
rule's description and help beside every alert. A finding's `source` names the unit that produced it
(`code_detectors.gae_index`, `config_forensics`, `final_performance`); its rule id is that unit's id,
stable across runs and releases, and the descriptor is built from the same metadata as
`investigate explain ID`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from investigator.models import Finding, Severity
from investigator.units.registry import Unit, UnitError, load

LEVELS: dict[Severity, str] = {Severity.critical: "error", Severity.significant: "warning", Severity.low: "note"}
# where a finding's unit is looked up, most likely first: probes and extractors only when nothing else matched
_KINDS = ("detector", "metric_rule", "analyzer", "probe", "extractor")


@lru_cache(maxsize=256)
def find_unit(unit_id: str) -> Unit | None:
    """The unit with this id, or None (also when a kind cannot be loaded: the report is never lost to it)."""
    for kind in _KINDS:
        try:
            units = load(kind)
        except (UnitError, ImportError):
            continue
        for unit in units:
            if unit.id == unit_id:
                return unit
    return None


def rule_id(source: str) -> str:
    """The id of the unit behind `source` (its last dotted part that is a unit), else `source` itself."""
    for part in reversed(source.split(".")):
        if find_unit(part) is not None:
            return part
    return source


def _describing_unit(rid: str, finding: Finding) -> Unit | None:
    """The rule's own unit, or (a source that is not a unit, e.g. `secondary_metrics`) the first unit
    the finding's id names (`metric_forensics:secondary_metrics:entropy` -> the analyzer)."""
    own = find_unit(rid)
    if own is not None:
        return own
    for part in finding.id.split(":"):
        unit = find_unit(part)
        if unit is not None:
            return unit
    return None


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


def _description(unit: Unit) -> str:
    """What the rule checks: a detector's or rule's rationale; an analyzer's module description (its
    `rationale` is the class docstring, which may be the base class's, written for developers)."""
    if unit.kind != "analyzer" and unit.meta.rationale:
        return unit.meta.rationale
    return _first_paragraph(unit.doc) or unit.meta.title


def _help(rid: str, unit: Unit | None) -> dict[str, str]:
    parts: list[tuple[str, str]] = []
    if unit is not None:
        meta = unit.meta
        severity = f"{meta.severity.value} by default; {meta.severity_note}" if meta.severity and meta.severity_note else ""
        parts = [(label, text) for label, text in (("Why it matters", _description(unit)), ("Fix", meta.fix),
                                                   ("Note", meta.note), ("Severity", severity)) if text]
    more = f"`investigate explain {unit.id if unit else rid}` prints the full documentation."
    return {
        "text": "\n\n".join(f"{label}: {text}" for label, text in parts) + ("\n\n" if parts else "") + more.replace("`", ""),
        "markdown": "\n\n".join(f"**{label}.** {text}" for label, text in parts) + ("\n\n" if parts else "") + more,
    }


def rule_descriptor(rid: str, finding: Finding) -> dict[str, Any]:
    """A SARIF `reportingDescriptor` for rule `rid`, described by its unit (or by `finding` when no unit
    describes it)."""
    unit = _describing_unit(rid, finding)
    own = unit is not None and unit.id == rid
    if unit is None:
        short, full = rid, f"Findings of `{rid}`."
    elif own:
        short, full = unit.meta.title, _description(unit)
    else:
        short, full = f"{rid} ({unit.meta.title})", _description(unit)
    # a rule's own subsystem only: an analyzer's or an unknown rule's findings span subsystems (each result names its own)
    subsystem = unit.meta.subsystem if unit is not None and own else None
    props: dict[str, Any] = {"tags": ["rl-regression", subsystem] if subsystem else ["rl-regression"]}
    if subsystem:
        props["subsystem"] = subsystem
    if unit is not None:
        props["kind"] = unit.kind
        if unit.meta.hypotheses:
            props["hypotheses"] = list(unit.meta.hypotheses)
    descriptor: dict[str, Any] = {
        "id": rid,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": _help(rid, unit if own else None),
        "properties": props,
    }
    if unit is not None and own and unit.meta.severity is not None:
        descriptor["defaultConfiguration"] = {"level": LEVELS[unit.meta.severity]}
    return descriptor
