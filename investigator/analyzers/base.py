"""The analyzer base class and registry."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from investigator.models import AnalyzerResult
from investigator.request import InvestigationRequest

if TYPE_CHECKING:
    from investigator.git.changeset import ChangeSet
    from investigator.playbooks_lib.schema import PlaybookSet
    from investigator.triage import Triage

@dataclass
class AnalysisContext:
    """Everything an analyzer may read. Analyzers never mutate it."""

    request: InvestigationRequest
    changeset: ChangeSet | None
    triage: Triage | None
    playbooks: PlaybookSet
    output_dir: Path
    prior: dict[str, AnalyzerResult] = field(default_factory=dict)
    figures_dir: str = "figures"  # where figures go, relative to output_dir (per run: `figures/<run id>`)

    @property
    def has_repo(self) -> bool:
        return self.changeset is not None


class Analyzer(ABC):
    """One analyzer: reads an `AnalysisContext`, returns an `AnalyzerResult`.

    Subclasses set `id` (unique; names the step `analyze:<id>` and the result) and `title` (shown in
    the report), and may override the scheduling attributes below. The workflow reads them directly,
    so every analyzer has them.
    """

    id: str
    title: str
    after: tuple[str, ...] = ()
    """Ids that must have run (or been skipped) first; their results are in `ctx.prior` when this runs."""
    cpu_bound: bool = False
    """True for an analyzer that spends its time in Python code (parsing, matching): such analyzers of
    one wave take turns (`CPU_TURN`), because two of them in threads only share one interpreter lock
    and add switching costs; analyzers that wait on files, numpy or subprocesses run alongside them."""
    forked: bool = False
    """True for a CPU-bound analyzer whose result is all that later steps read of its work (it leaves no
    cache or state they use): the workflow may compute it in a forked helper process beside the other
    CPU-bound analyzers of its wave (`workflow/forked.py`), the same `run` on the same context."""

    @abstractmethod
    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        """Whether to run, and why (the reason goes into the investigation log)."""

    @abstractmethod
    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        """The analysis. An exception is recorded as this analyzer's failure; the others go on."""


class AnalyzerLike(Protocol):
    """What `register_analyzer` also accepts: an object with the analyzer's methods that does not
    derive from `Analyzer` (a plug-in or a test double); `after`/`cpu_bound` are optional on it."""

    id: str
    title: str

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]: ...

    def run(self, ctx: AnalysisContext) -> AnalyzerResult: ...


class _Adopted(Analyzer):
    """An `AnalyzerLike` under the base class: its own `after`/`cpu_bound`/`forked` if it declares them, the
    defaults otherwise, so the workflow never has to ask."""

    def __init__(self, unit: AnalyzerLike) -> None:
        self.unit = unit
        self.id, self.title = unit.id, unit.title
        self.after = tuple(getattr(unit, "after", Analyzer.after))
        self.cpu_bound = bool(getattr(unit, "cpu_bound", Analyzer.cpu_bound))
        self.forked = bool(getattr(unit, "forked", Analyzer.forked))

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        return self.unit.applies(ctx)

    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        return self.unit.run(ctx)


_REGISTRY: dict[str, AnalyzerLike] = {}

CPU_TURN = threading.Lock()  # held while a `cpu_bound` analyzer runs

A = TypeVar("A", bound=AnalyzerLike)


def register_analyzer(analyzer: A) -> A:
    """Register `analyzer` under its id; returns it unchanged."""
    if analyzer.id in _REGISTRY and _REGISTRY[analyzer.id] is not analyzer:
        raise ValueError(f"analyzer id registered twice: {analyzer.id}")
    _REGISTRY[analyzer.id] = analyzer
    return analyzer


def _adopt(unit: AnalyzerLike) -> Analyzer:
    return unit if isinstance(unit, Analyzer) else _Adopted(unit)


def all_analyzers() -> list[Analyzer]:
    """Every registered analyzer as an `Analyzer` (one that does not derive from the base class is
    adopted with its defaults): the product's (imported and validated by the unit registry with
    every other unit) in their `order`, then any registered by other code, in registration order."""
    from investigator.units.registry import all_units

    order = {u.id: i for i, u in enumerate(u for u in all_units() if u.kind == "analyzer")}
    return [_adopt(a) for a in sorted(_REGISTRY.values(), key=lambda a: order.get(a.id, len(order)))]
