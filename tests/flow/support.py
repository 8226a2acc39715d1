"""Builders shared by the flow tests: two in-memory commits from dicts of source text, paired as the
engine pairs a real diff, and the flow analysis of them."""

from __future__ import annotations

import ast
import textwrap

from investigator.detectors.pairs import PairIndex, build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from investigator.flow.optin import ConfigValues
from investigator.models import AnalyzerResult, Finding


def src(text: str) -> str:
    """Fixture text written indented in a triple-quoted string, as a module."""
    return textwrap.dedent(text).lstrip("\n")


def pair_index(base: dict[str, str], cand: dict[str, str], *, parse: bool = True) -> PairIndex:
    """The file pairs of two commits given as {path: source}. With `parse`, every Python file must
    parse: a fixture that does not would give no finding for the wrong reason."""
    b = MemoryTree({k: src(v) for k, v in base.items()})
    c = MemoryTree({k: src(v) for k, v in cand.items()})
    if parse:
        for tree in (b, c):
            for path, text in tree.files.items():
                if path.endswith(".py"):
                    ast.parse(text, filename=path)
    return build_pairs(b, c, diff_trees(b, c))


def flow_result(base: dict[str, str], cand: dict[str, str], config: ConfigValues | None = None) -> AnalyzerResult:
    return analyse(pair_index(base, cand), config=config)


def flow_findings(base: dict[str, str], cand: dict[str, str], config: ConfigValues | None = None) -> list[Finding]:
    return flow_result(base, cand, config).findings


def described_pairs(base: dict[str, str], cand: dict[str, str]) -> list[tuple[str, str]]:
    """(`path:qualname[ -> path:qualname]`, match) of every function pair of two small trees."""
    return [(p.describe(), p.match) for p in pair_index(base, cand).pairs]
