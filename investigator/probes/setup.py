"""Build the `ProbeSetup` of an investigation once: what the probes can use at each commit.

The adapter's functions are found statically (its AST), never by importing it: the adapter imports
the project, and the project's code only ever runs in a probe's own process. Without `--adapter`, a
conventional file in the checkout at each commit is used (`investigator_adapter.py`, then
`.investigator/adapter.py`). Functions usable without an adapter come from `probes.discovery` (a
CleanRL-style GAE function) and `probes.sb3_detect` (an SB3-style algorithm class, served by the
built-in child adapter `child/sb3_adapter.py`; a user adapter at either commit wins), and a
training command from `probes.command` when those modules are present (each is optional here: the
setup degrades to "no such functions", "no proposed command").
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from investigator.models import Side
from investigator.probes.base import ADAPTER_FUNCTIONS, ProbeSetup

CONVENTIONAL_ADAPTERS = ("investigator_adapter.py", ".investigator/adapter.py")
SIDES: tuple[Side, Side] = ("baseline", "candidate")
DEFAULT_ENTRIES = ("train.py", "main.py")  # tried after the request's entries and the detected training files


def adapter_functions(source: str) -> frozenset[str]:
    """The adapter API names a module defines at top level (functions, assignments, imports),
    from its source alone; an unparsable file defines nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return frozenset(names & set(ADAPTER_FUNCTIONS))


@dataclass
class SideSource:
    """What the setup reads of one commit: a file reader and the list of its paths."""

    read: Callable[[str], str | None]
    paths: Callable[[], list[str]]
    parsed: Callable[[str], ast.Module | None] | None = None  # a path's tree if the commit already parsed it


@dataclass
class BuiltSetup:
    """The setup, with the notes the report shows about how it was built."""

    setup: ProbeSetup
    auto: dict[Side, dict[str, str]] = field(default_factory=dict)  # name -> "path.py:function" or "@builtin:name"
    notes: list[str] = field(default_factory=list)
    library: dict[Side, Any] = field(default_factory=dict)  # an SB3-style algorithm found (probes.sb3_detect)
    library_why: dict[Side, dict[str, str]] = field(default_factory=dict)  # function -> why it is not possible


def _optional(module: str, name: str) -> Any | None:
    """A function of an optional probes module (written in parallel; absent on some branches)."""
    try:
        return getattr(importlib.import_module(f"investigator.probes.{module}"), name, None)
    except ImportError:
        return None


def _adapter(side: Side, explicit: str | None, source: SideSource, notes: list[str]) -> tuple[frozenset[str], str | None]:
    if explicit:
        path = Path(explicit).resolve()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            notes.append(f"adapter {explicit} could not be read: {exc}")
            return frozenset(), None
        return adapter_functions(text), str(path)
    for rel in CONVENTIONAL_ADAPTERS:
        found = source.read(rel)
        if found is not None:
            return adapter_functions(found), rel
    return frozenset(), None


def _discovered(source: SideSource, notes: list[str]) -> dict[str, str]:
    discover = _optional("discovery", "discover_functions")
    if discover is None:
        return {}
    try:
        found = discover([p for p in source.paths() if p.endswith(".py")], source.read, source.parsed)
        return {k: v for k, v in dict(found).items() if k in ADAPTER_FUNCTIONS}
    except Exception as exc:  # discovery is a convenience: its failure costs only its functions
        notes.append(f"function discovery failed: {exc.__class__.__name__}: {exc}")
        return {}


def _library(source: SideSource, entries: list[str], notes: list[str]) -> tuple[Any, dict[str, str], dict[str, str]]:
    """An SB3-style algorithm class (`probes.sb3_detect`): its detection, the functions the built-in
    adapter serves for it (`probes.sb3_capabilities`), and why the others are not possible."""
    detect = _optional("sb3_detect", "detect_with_notes")
    functions = _optional("sb3_capabilities", "auto_functions")
    if detect is None or functions is None:
        return None, {}, {}
    try:
        found, said = detect([p for p in source.paths() if p.endswith(".py")], source.read, entries, DEFAULT_ENTRIES)
        notes.extend(n for n in said if n not in notes)
        if found is None:
            return None, {}, {}
        auto, why = functions(found)
        return found, auto, why
    except Exception as exc:  # a convenience, as discovery: its failure costs only its functions
        notes.append(f"Stable-Baselines3 detection failed: {exc.__class__.__name__}: {exc}")
        return None, {}, {}


def _proposed_command(source: SideSource, entries: list[str], notes: list[str]) -> str | None:
    """A training command read from the first entry script whose argument parser has the flags a
    run needs (`probes.command`; its log-directory flag at least: logs are what a run is compared by)."""
    propose = _optional("command", "propose_command")
    if propose is None:
        return None
    for path in dict.fromkeys(entries):
        text = source.read(path)
        if text is None:
            continue
        try:
            proposed = propose(text, path)
        except Exception as exc:
            notes.append(f"no training command could be proposed from {path}: {exc.__class__.__name__}: {exc}")
            continue
        if proposed is not None and getattr(proposed, "usable", False):
            describe = getattr(proposed, "describe", None)
            notes.append(f"training command proposed from {path}'s argument parser (check it): "
                         + (describe() if callable(describe) else proposed.template))
            return str(proposed.template)
    return None


def build_setup(
    sources: dict[Side, SideSource],
    *,
    adapter: str | None,
    command: str | None,
    seeds: int,
    steps: int | None,
    entries: list[str] | None = None,
    primary_metric: str | None = None,
    options: dict[str, float] | None = None,
) -> BuiltSetup:
    """The setup from both commits' sources and the request's probe options."""
    notes: list[str] = []
    functions: dict[Side, frozenset[str]] = {}
    paths: dict[Side, str | None] = {}
    auto: dict[Side, dict[str, str]] = {}
    library: dict[Side, Any] = {}
    why: dict[Side, dict[str, str]] = {}
    for side in SIDES:
        functions[side], paths[side] = _adapter(side, adapter, sources[side], notes)
        auto[side] = _discovered(sources[side], notes)
    for side in SIDES:  # a user adapter at either commit wins: both sides then measure through it
        found, served, why[side] = _library(sources[side], list(entries or []), notes)
        if found is not None and any(paths.values()):
            notes.append(f"{side}: {found.label()} found at {found.where}, not used: the adapter wins")
        elif found is not None:
            library[side] = found
            auto[side] = {**served, **auto[side]}  # a function discovered in the sources wins over the built-in one
    proposed = False
    if command is None:
        command = _proposed_command(sources["candidate"], [*(entries or []), *DEFAULT_ENTRIES], notes)
        proposed = command is not None
    for side in SIDES:
        if paths[side]:
            notes.append(f"{side}: adapter {paths[side]} defines {', '.join(sorted(functions[side])) or 'none of the adapter functions'}")
        found = sorted(k for k, v in auto[side].items() if not k.startswith("@") and not v.startswith("@"))
        if found:  # (what a built-in adapter serves has its own note: `probes.sb3_capabilities.probe_note`)
            notes.append(f"{side}: found without an adapter: {', '.join(found)}")
    setup = ProbeSetup(
        adapter_functions=functions, adapter_paths=paths,
        auto_functions={s: frozenset(k for k in auto[s] if not k.startswith("@")) for s in SIDES}, command=command, command_proposed=proposed,
        seeds=seeds, steps=steps, primary_metric=primary_metric, options=dict(options or {}),
    )
    return BuiltSetup(setup=setup, auto=auto, notes=notes, library=library, library_why=why)
