"""Analyzers as units: their metadata for the unit registry (`investigator.units`).

An analyzer module (`investigator/analyzers/*.py` or `investigator/<stage>/analyzer.py`) registers its
analyzer with `register_analyzer` when imported; the unit registry imports every such module (no list
of modules to keep) and describes each analyzer from what it declares: `id`, `title`, `after`,
`cpu_bound`, `order` and its class docstring.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType

from investigator.units.registry import UnitMeta

DEFAULT_ORDER = 1000  # analyzers without an `order` (tests, drills) are planned after the product's


class AnalyzerMeta(UnitMeta):
    """An analyzer's declaration: which analyzers must run first, whether it is CPU-bound."""

    after: list[str] = []
    cpu_bound: bool = False


@dataclass(frozen=True)
class AnalyzerUnit:
    """The registry's entry for one analyzer: its metadata beside the analyzer object."""

    meta: AnalyzerMeta
    analyzer: object


def analyzer_meta(analyzer: object) -> AnalyzerMeta:
    doc = inspect.getdoc(type(analyzer)) or ""
    return AnalyzerMeta(
        id=getattr(analyzer, "id"),  # noqa: B009 - any object with the Analyzer protocol's attributes
        title=getattr(analyzer, "title"),  # noqa: B009
        rationale=doc,
        after=list(getattr(analyzer, "after", ())),
        cpu_bound=bool(getattr(analyzer, "cpu_bound", False)),
        order=int(getattr(analyzer, "order", DEFAULT_ORDER)),
    )


def collect_analyzers(module: ModuleType) -> list[AnalyzerUnit]:
    """The analyzers `module` registered."""
    from investigator.analyzers.base import _REGISTRY

    return [AnalyzerUnit(analyzer_meta(a), a) for a in _REGISTRY.values() if type(a).__module__ == module.__name__]
