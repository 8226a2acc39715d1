"""The analyzer protocol and registry."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

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


class Analyzer(Protocol):
    """An analyzer may also declare `after: tuple[str, ...]`: ids that must have run (or been
    skipped) first; their results are in `ctx.prior` when it runs.

    `cpu_bound = True` marks an analyzer that spends its time in Python code (parsing, matching):
    such analyzers of one wave take turns (`CPU_TURN`), because two of them in threads only share one
    interpreter lock and add switching costs; analyzers that wait on files, numpy or subprocesses run
    alongside them."""

    id: str
    title: str

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        """Whether to run, and why (the reason goes into the investigation log)."""

    def run(self, ctx: AnalysisContext) -> AnalyzerResult: ...


_REGISTRY: dict[str, Analyzer] = {}

CPU_TURN = threading.Lock()  # held while a `cpu_bound` analyzer runs


def register_analyzer(analyzer: Analyzer) -> Analyzer:
    if analyzer.id in _REGISTRY and _REGISTRY[analyzer.id] is not analyzer:
        raise ValueError(f"analyzer id registered twice: {analyzer.id}")
    _REGISTRY[analyzer.id] = analyzer
    return analyzer


def all_analyzers() -> list[Analyzer]:
    """Every registered analyzer: the product's (imported and validated by the unit registry with
    every other unit) in their `order`, then any registered by other code, in registration order."""
    from investigator.units.registry import all_units

    order = {u.id: i for i, u in enumerate(u for u in all_units() if u.kind == "analyzer")}
    return sorted(_REGISTRY.values(), key=lambda a: order.get(a.id, len(order)))
