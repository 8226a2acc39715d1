""""Verified identical" means identical behaviour: what an expression depends on must be unchanged.

A detector that sees the same feature text at both commits (`num_workers = max(1, cpus // 2)`)
may only call it identical when the statements it depends on are identical too: `cpus = ...` just
above it may have changed a divisor. The dependencies are the backward slice of the feature's
statement inside its function (def-use, loop-carried uses, the branch and loop headers that decide
whether it runs) and, for a statement seen through an inlined helper, the slice of the call site in
the analysed function (which binds the helper's parameters). Slices are compared as multisets of
statement shapes with plain names collapsed, so renames and reordering do not count; anything
else does. Limits: the slice stays inside the two functions (a parameter's value at other callers
and a `self.x` set in another method are not followed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from investigator.detectors.functions import FunctionInfo
from investigator.flow.diff import collapsed_key
from investigator.flow.units import Unit, units_of

MAX_SLICE = 400


class _HasSite(Protocol):
    @property
    def site(self):
        ...


class UnitCache:
    """Units per function, built once per investigation (functions are compared many times)."""

    def __init__(self) -> None:
        self._units: dict[int, tuple[FunctionInfo, list[Unit]]] = {}

    def units(self, fn: FunctionInfo) -> list[Unit]:
        key = id(fn)
        if key not in self._units:
            try:
                self._units[key] = (fn, units_of(fn))
            except RecursionError:
                self._units[key] = (fn, [])
        return self._units[key][1]


def unit_at(units: list[Unit], line: int) -> Unit | None:
    best: Unit | None = None
    for u in units:
        if u.line <= line <= u.end_line and (best is None or u.line >= best.line):
            best = u
    return best


def backward_slice(units: list[Unit], start: Unit) -> list[Unit]:
    """The units `start` depends on in its function (itself included)."""
    controllers: dict[int, list[Unit]] = {}
    defined: dict[str, list[Unit]] = {}
    for u in units:
        for i in u.controls:
            controllers.setdefault(i, []).append(u)
        for name in u.defs:
            defined.setdefault(name, []).append(u)
    seen = {start.index}
    work = [start]
    while work and len(seen) < MAX_SLICE:
        w = work.pop()
        loops = set(w.loops)
        found = [v for name in w.uses for v in defined.get(name, ())
                 if v.index < w.index or loops & set(v.loops) or v.index in loops]
        for v in [*found, *controllers.get(w.index, ())]:
            if v.index not in seen:
                seen.add(v.index)
                work.append(v)
    return [u for u in units if u.index in seen]


def slice_shapes(features: Iterable[_HasSite], cache: UnitCache) -> Counter:
    shapes: Counter = Counter()
    done: set[tuple[int, int]] = set()
    for f in features:
        site = f.site
        starts: list[tuple[FunctionInfo, int]] = [(site.fn, site.line)]
        if site.anchor is not None and site.chain:
            root = site.chain[0]
            if root.path == site.anchor[0]:
                starts.append((root, site.anchor[1]))
        for fn, line in starts:
            units = cache.units(fn)
            start = unit_at(units, line)
            if start is None or (id(fn), start.index) in done:
                continue
            done.add((id(fn), start.index))
            for u in backward_slice(units, start):
                shapes[collapsed_key(u)] += 1
    return shapes


def dependencies_unchanged(base: Iterable[_HasSite], cand: Iterable[_HasSite], cache: UnitCache) -> bool:
    """Whether the statements the features depend on have the same shapes at both commits."""
    return slice_shapes(base, cache) == slice_shapes(cand, cache)
