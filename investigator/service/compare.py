"""Comparison of two jobs' findings (the web UI's compare page), from their JSON reports.

Findings are matched by a key that survives re-running on another range: the unit that produced the
finding (`source`: detector, rule or analyzer id), the file it points at (its candidate location, else its
baseline one) and its title. Ranks, ids and confidences differ between runs and are not part of the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEVERITY_ORDER = ("critical", "significant", "low")


@dataclass(frozen=True)
class FindingKey:
    source: str
    path: str
    title: str


@dataclass(frozen=True)
class FindingSummary:
    """The part of a JSON report's finding the compare page shows."""

    key: FindingKey
    severity: str
    rank: int | None
    subsystem: str
    where: str  # "path:line" at the candidate (else the baseline), or ""

    @property
    def weight(self) -> int:
        return SEVERITY_ORDER.index(self.severity) if self.severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


@dataclass(frozen=True)
class Matched:
    a: FindingSummary
    b: FindingSummary

    @property
    def severity_changed(self) -> bool:
        return self.a.severity != self.b.severity


@dataclass(frozen=True)
class Comparison:
    only_a: list[FindingSummary]
    only_b: list[FindingSummary]
    both: list[Matched]

    @property
    def changed(self) -> list[Matched]:
        return [m for m in self.both if m.severity_changed]


class ReportUnreadable(Exception):
    """A job's JSON report is missing or not a report (the message says which)."""


def _location(finding: dict[str, Any]) -> tuple[str, str]:
    """(path, "path:line") of the candidate location, else the baseline one, else ("", "")."""
    locations = [loc for loc in finding.get("locations") or [] if isinstance(loc, dict)]
    for side in ("candidate", "baseline"):
        for loc in locations:
            if loc.get("side") == side and isinstance(loc.get("path"), str):
                line = loc.get("line")
                return loc["path"], f"{loc['path']}:{line}" if isinstance(line, int) else loc["path"]
    return "", ""


def summarize(finding: dict[str, Any]) -> FindingSummary:
    path, where = _location(finding)
    rank = finding.get("rank")
    return FindingSummary(
        key=FindingKey(source=str(finding.get("source", "")), path=path, title=str(finding.get("title", ""))),
        severity=str(finding.get("severity", "")), rank=rank if isinstance(rank, int) else None,
        subsystem=str(finding.get("subsystem", "")), where=where)


def load_findings(path: Path) -> list[FindingSummary]:
    """The findings of the JSON report at `path`; ReportUnreadable with one line when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReportUnreadable(f"the JSON report cannot be read ({exc.__class__.__name__})") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise ReportUnreadable("the JSON report has no findings list")
    return [summarize(f) for f in findings if isinstance(f, dict)]


def _ordered(items: Iterable[FindingSummary]) -> list[FindingSummary]:
    return sorted(items, key=lambda f: (f.weight, f.rank if f.rank is not None else 1 << 30, f.key.title))


def compare(a: list[FindingSummary], b: list[FindingSummary]) -> Comparison:
    """Findings only in A, only in B, and in both (paired in order when a key repeats within a report)."""
    pending: dict[FindingKey, list[FindingSummary]] = {}
    for f in b:
        pending.setdefault(f.key, []).append(f)
    only_a: list[FindingSummary] = []
    both: list[Matched] = []
    for f in a:
        partners = pending.get(f.key)
        if partners:
            both.append(Matched(a=f, b=partners.pop(0)))
        else:
            only_a.append(f)
    only_b = [f for rest in pending.values() for f in rest]
    both.sort(key=lambda m: (not m.severity_changed, min(m.a.weight, m.b.weight), m.a.key.title))
    return Comparison(only_a=_ordered(only_a), only_b=_ordered(only_b), both=both)
