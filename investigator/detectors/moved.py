"""Code moved where the detectors cannot follow it: a compiled extension (Cython, C/C++, CUDA, Rust).

When a computation (the GAE recursion, done masking, a return target) leaves a Python function for a
call into a compiled module that the repository builds (`from c_gae import compute_gae` with
`c_gae.pyx` in the tree), its features vanish from the Python side. That is "moved, not verifiable
here", never "removed": the detectors that compare such computations ask this module first."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import SideIndex
from investigator.detectors.patterns import calls, mentions_role

COMPILED = (".pyx", ".pxd", ".c", ".cc", ".cpp", ".cxx", ".cu", ".so", ".pyd", ".rs")


@dataclass(frozen=True)
class NativeCall:
    site: Site
    name: str  # the called name, as written
    path: str  # the native source (or binary) in the tree


def _stems(side: SideIndex) -> tuple[dict[str, str], set[str]]:
    """Dotted module name -> native file, and the dotted names of Python modules (built once per side)."""
    cached = getattr(side, "_native_stems", None)
    if cached is None:
        native: dict[str, str] = {}
        python: set[str] = set()
        for path in side.tree.paths():
            lower = path.lower()
            if lower.endswith(COMPILED):
                stem = path.rsplit(".", 1)[0].split(".cpython")[0].replace("/", ".")
                native.setdefault(stem, path)
            elif lower.endswith(".py"):
                python.add(path[:-3].removesuffix("/__init__").replace("/", "."))
        cached = (native, python)
        side._native_stems = cached  # type: ignore[attr-defined]
    return cached


def native_source(call: ast.Call, fn: FunctionInfo, side: SideIndex) -> str | None:
    """The compiled module file a call goes into, when its name is imported from one."""
    func = call.func
    head = func.id if isinstance(func, ast.Name) else None
    while isinstance(func, ast.Attribute):
        func = func.value
        head = func.id if isinstance(func, ast.Name) else None
    if head is None:
        return None
    imported = fn.module.imports.get(head)
    if not imported:
        return None
    native, python = _stems(side)
    for mod in dict.fromkeys([imported.lstrip("."), imported.lstrip(".").rsplit(".", 1)[0]]):
        if not mod:
            continue
        if any(p == mod or p.endswith("." + mod) for p in python):
            return None  # a Python module of that name: the walk follows it
        for stem, path in native.items():
            if stem == mod or stem.endswith("." + mod):
                return path
    return None


def native_calls(sites: list[Site], side: SideIndex, roles: set[str]) -> list[NativeCall]:
    """Calls into compiled modules that take a value with one of `roles` (dones, values, ...)."""
    out: list[NativeCall] = []
    for site, call, name in calls(sites):
        args = [*call.args, *(k.value for k in call.keywords)]
        if not any(mentions_role(a, roles) for a in args):
            continue
        path = native_source(call, site.fn, side)
        if path is not None:
            out.append(NativeCall(site, name, path))
    return out


def moved_to_native_hit(what: str, pair, ctx, only_base: list, roles: set[str]):  # noqa: ANN001, ANN201
    """A low 'moved, not verifiable here' hit when the candidate hands `roles` to a compiled module,
    or None. `only_base`: the baseline features that vanished (the computation that moved)."""
    from investigator.detectors.base import Hit, restore_functions, site_loc
    from investigator.models import Severity

    if not only_base or pair.cand is None:
        return None
    moved = native_calls(ctx.sites(pair.cand), ctx.side("candidate"), roles)
    if not moved:
        return None
    first, b = moved[0], only_base[0].site
    return Hit(
        title=f"{what} moved into compiled extension `{first.path}` (`{first.name}`): not verifiable here",
        summary=(
            f"baseline computes it in Python ({'; '.join(dict.fromkeys(f'`{f.text}`' for f in only_base[:3]))}); "
            f"the candidate passes {', '.join(sorted(roles & _roles_of(first.site)))} to `{first.name}` "
            f"from `{first.path}`, which this analysis does not read: compare the extension by hand"
        ),
        base=site_loc(b),
        cand=site_loc(first.site),
        pair=pair,
        severity=Severity.low,
        confidence=0.5,
        details={"moved_to": first.path, "callee": first.name},
        restore=restore_functions(pair, b, first.site),
        base_anchor=b.anchor,
        cand_anchor=first.site.anchor,
    )


def _roles_of(site: Site) -> set[str]:
    from investigator.detectors.patterns import roles_in

    return roles_in(site.node)
