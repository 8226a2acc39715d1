"""Probe functions found without an adapter: static, from the commit's sources, never imported.

A CleanRL-style project has no adapter, but often a top-level GAE function; the advantage probe
can run it as `compute_advantages` when its parameters say unambiguously which argument is which.
Precision first: a function is accepted only when every canonical argument has exactly one
parameter (by the names in `child.advantage_reference.ALIASES`), every other parameter has a
default, and its body uses no module-level name other than the module's imports (the harness
extracts it with its module's imports only, so a script's training code never runs). When several
functions qualify, none is chosen (a single public one wins over private ones).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from investigator.probes.child.advantage_reference import CANONICAL, canonical_name
from investigator.pyast import default_values

NAME = re.compile(r"gae|advantage", re.IGNORECASE)
SKIP_DIRS = frozenset({"tests", "test", "testing", "benchmarks", "benchmark", "docs", "site-packages", "node_modules"})
MAX_BYTES = 1_000_000
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Considered:
    """One function that looked like a candidate, and why it was accepted or not."""

    where: str  # "path.py:function"
    accepted: bool
    reason: str


@dataclass(frozen=True)
class Discovery:
    functions: dict[str, str] = field(default_factory=dict)  # adapter name -> "path.py:function"
    considered: list[Considered] = field(default_factory=list)


def discover_functions(paths: list[str], read: Callable[[str], str | None],
                       parsed: Callable[[str], ast.Module | None] | None = None) -> dict[str, str]:
    """Adapter function name -> "path.py:function" for what can run without an adapter."""
    return discover(paths, read, parsed).functions


def discover(paths: list[str], read: Callable[[str], str | None],
             parsed: Callable[[str], ast.Module | None] | None = None) -> Discovery:
    """The functions found, with every candidate considered and its reason (for the report). `parsed`: the
    tree of a path's text when the commit already parsed it (read here, never changed), else None."""
    considered: list[Considered] = []
    for path in sorted(p for p in paths if eligible(p)):
        text = read(path)
        if not text or len(text) > MAX_BYTES or not NAME.search(text):
            continue
        tree = parsed(path) if parsed is not None else None
        if tree is None:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
        considered.extend(_module_candidates(path, tree))
    accepted = [c for c in considered if c.accepted]
    public = [c for c in accepted if not c.where.rpartition(":")[2].startswith("_")]
    chosen = public if public else accepted
    if len(chosen) == 1:
        return Discovery({"compute_advantages": chosen[0].where}, considered)
    if len(chosen) > 1:
        names = ", ".join(c.where for c in chosen)
        considered = [Considered(c.where, False, f"ambiguous: several functions qualify ({names})") if c in chosen else c
                      for c in considered]
    return Discovery({}, considered)


def eligible(path: str) -> bool:
    """A source file of the project (not a test, benchmark or documentation file)."""
    p = PurePosixPath(path)
    if p.suffix != ".py" or any(part in SKIP_DIRS for part in p.parts[:-1]):
        return False
    return not (p.name.startswith("test_") or p.name.endswith("_test.py") or p.name == "conftest.py")


def _module_candidates(path: str, tree: ast.Module) -> list[Considered]:
    imported = _imported_names(tree)
    found: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and NAME.search(node.name):
            found[node.name] = node  # the last definition wins, as when the module runs
    return [_judge(f"{path}:{name}", node, imported) for name, node in found.items()]


def _imported_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def _judge(where: str, fn: ast.FunctionDef, imported: set[str]) -> Considered:
    reason = _signature_problem(fn) or free_names_problem(fn, imported)
    if reason:
        return Considered(where, False, reason)
    return Considered(where, True, "its parameters map onto " + ", ".join(CANONICAL))


def _signature_problem(fn: ast.FunctionDef) -> str | None:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    defaults = set(default_values(fn))
    mapped: dict[str, str] = {}
    for arg in [*positional, *args.kwonlyargs]:
        canon = canonical_name(arg.arg)
        if canon is None:
            if arg.arg not in defaults:
                return f"parameter {arg.arg} has no canonical meaning and no default"
            continue
        if canon in mapped:
            return f"parameters {mapped[canon]} and {arg.arg} both stand for {canon}"
        if arg in args.posonlyargs:
            return f"parameter {arg.arg} is positional-only (the probe calls by keyword)"
        mapped[canon] = arg.arg
    missing = [c for c in CANONICAL if c not in mapped]
    if missing:
        return "no parameter for " + ", ".join(missing) + " (another convention, or values hard-coded)"
    return None


def free_names_problem(fn: ast.FunctionDef, imported: set[str]) -> str | None:
    """Why `fn` cannot run extracted with its module's imports only (None: it can); also used by
    `sb3_values` for functions passed to an algorithm class."""
    bound = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    declared_global: set[str] = set()
    loaded: set[str] = set()
    roots: list[ast.AST] = [*fn.decorator_list, *fn.body]
    for node in (n for root in roots for n in ast.walk(root)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global.update(node.names)
    free = sorted((loaded - bound - imported - _BUILTINS) | (declared_global - imported))
    if free:
        return "uses module-level names the probe cannot bring along: " + ", ".join(free[:5])
    return None
