"""Helpers for detector tests: run detectors on two in-memory trees (no git needed)."""

from __future__ import annotations

import re
import textwrap

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.models import AnalyzerResult
from investigator.playbooks_lib.schema import load_playbooks


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def entry_point(files: dict[str, str]) -> str:
    """A script that calls every top-level function and class, so that all code is reachable."""
    names = sorted({m.group(1) for text in files.values() for m in re.finditer(r"^(?:def|class) (\w+)", text, re.M)})
    return "".join(f"{n}()\n" for n in names)


def run_on(
    base: dict[str, str], cand: dict[str, str], only: set[str] | None = None, reachable: bool = True
) -> AnalyzerResult:
    base = {k: src(v) for k, v in base.items()}
    cand = {k: src(v) for k, v in cand.items()}
    if reachable and "main.py" not in base:  # cases with their own entry point keep it
        base["run_all.py"] = cand["run_all.py"] = entry_point(base)
    b, c = MemoryTree(base), MemoryTree(cand)
    return run_detectors(b, c, diff_trees(b, c), load_playbooks(), only=only)


def sources_of(result: AnalyzerResult) -> list[str]:
    return [f.source.rsplit(".", 1)[-1] for f in result.findings]
