"""The detectors' pair checks shared with a forked helper process (`investigator.parallel`).

Checking every changed function pair with every detector is most of the code detectors' time on a
large range (`Detector.check_pair`, the inlined walks). The pairs are split in two shares by file,
balanced by size; this process checks one while a forked helper checks the other, each with every
per-pair detector. The helper's hits come back with the function pairs, functions, parsed modules and
detector metadata as references to this process's own objects, and each detector's hits are put
back in pair order: the same output as one process checking all pairs (`Detector.run`).

What the helper changed besides its hits is carried back too, so the investigation goes on as if
this process had done the work: functions too deeply nested to walk, modules it parsed (parsed here
as well, their parse failures kept in the order one process would have met them) and blobs git
could not read. A detector that raised in either share fails as in one process: with the exception
of the first failing pair in pair order, and none of its hits.

`INVESTIGATOR_PROCESSES=1` (see `investigator.parallel`) or fewer than `MIN_SPLIT_PAIRS` changed pairs
keeps it all in this process; a helper that fails is replaced by checking its share here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from investigator import budget, parallel
from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, DetectorOutput, Hit
from investigator.detectors.functions import FunctionInfo, ParsedModule
from investigator.detectors.pairs import FunctionPair, PairIndex, SideIndex

MIN_SPLIT_PAIRS = 30  # fewer changed pairs: the fork costs about what sharing would save
FINISH = 1 << 30  # the position of a detector's `finish` (after all its pairs)

Position = tuple[int, int, int]  # (detector, pair, order within the call)


@dataclass
class Share:
    """One process's checks of its pairs: hits and first failure per detector, and what it parsed."""

    hits: dict[str, dict[int, list[Hit]]] = field(default_factory=dict)  # detector id -> pair -> hits
    failed: dict[str, tuple[int, str]] = field(default_factory=dict)  # detector id -> (pair, repr)
    too_deep: set[str] = field(default_factory=set)
    parsed: list[tuple[Position, str, str]] = field(default_factory=list)  # (where, side, path)
    missing: dict[str, dict[str, str]] = field(default_factory=dict)  # side -> blob id -> reason
    seconds: float = 0.0


class Parses:
    """Which modules each call parsed first, at which position of a one-process run."""

    def __init__(self, ctx: DetectorContext) -> None:
        self.sides: dict[str, SideIndex] = {"baseline": ctx.pairs.base, "candidate": ctx.pairs.cand}
        self.events: list[tuple[Position, str, str]] = []
        self.failures_before = {name: len(side.failures) for name, side in self.sides.items()}

    def call(self, where: tuple[int, int], fn: Callable[..., Any], *args: Any) -> Any:
        sizes = {name: len(side._modules) for name, side in self.sides.items()}
        try:
            return fn(*args)
        finally:
            for name, side in self.sides.items():
                if len(side._modules) > sizes[name]:
                    for n, path in enumerate(list(side._modules)[sizes[name]:]):
                        self.events.append(((*where, n), name, path))


def changed_pairs(ctx: DetectorContext) -> list[int]:
    return [k for k, p in enumerate(ctx.pairs.pairs) if p.base is not None and p.cand is not None and p.changed]


def shares(ctx: DetectorContext, indices: list[int]) -> tuple[list[int], list[int]]:
    return pair_shares(ctx.pairs.pairs, indices)


def pair_shares(pairs: list[FunctionPair], indices: list[int]) -> tuple[list[int], list[int]]:
    """Two lists of positions in `pairs`, whole files each, about the same total size (largest file
    first into the smaller share), each in pair order."""
    by_file: dict[str, list[int]] = {}
    for k in indices:
        fn = pairs[k].cand or pairs[k].base
        assert fn is not None
        by_file.setdefault(fn.path, []).append(k)

    def size(k: int) -> int:
        return sum(f.end_lineno - f.lineno + 1 for f in (pairs[k].base, pairs[k].cand) if f is not None)

    weights = sorted(((float(sum(size(k) for k in ks)), path) for path, ks in by_file.items()), key=lambda t: -t[0])
    own, other = parallel.two_shares(weights)
    return sorted(k for path in own for k in by_file[path]), sorted(k for path in other for k in by_file[path])


def check_share(ctx: DetectorContext, detectors: list[tuple[int, Detector]], indices: list[int],
                parses: Parses) -> Share:
    """Every detector's `check_pair` over the pairs at `indices` (a detector stops at its first
    exception, as `Detector.run` does)."""
    start = time.perf_counter()
    share = Share()
    missing_before = {name: dict(side.tree.missing) if hasattr(side.tree, "missing") else {}
                      for name, side in parses.sides.items()}
    too_deep_before = set(ctx.too_deep)
    events_before = len(parses.events)
    pairs = ctx.pairs.pairs
    for d, detector in detectors:
        found: dict[int, list[Hit]] = {}
        for k in indices:
            try:
                hits = parses.call((d, k), detector.check_pair, pairs[k], ctx)
            except Exception as exc:
                share.failed[detector.meta.id] = (k, repr(exc))
                break
            if hits:
                found[k] = hits
        share.hits[detector.meta.id] = found
    share.too_deep = ctx.too_deep - too_deep_before
    share.parsed = parses.events[events_before:]
    for name, side in parses.sides.items():
        now = getattr(side.tree, "missing", {})
        share.missing[name] = {k: v for k, v in now.items() if k not in missing_before[name]}
    share.seconds = time.perf_counter() - start
    return share


class References:
    """Objects both processes had at the fork, sent as keys (`persistent_id`) and resolved to this
    process's own objects (`persistent_load`): the pairs of `pairs` and their functions, parsed
    modules and their functions, the two commits' indexes, detector metadata."""

    def __init__(self, index: PairIndex, pairs: list[FunctionPair], metas: dict[str, DetectorMeta] | None = None
                 ) -> None:
        self.index, self.pairs, self.metas = index, pairs, metas or {}
        self.pair_at = {id(p): k for k, p in enumerate(pairs)}
        self.fn_at = {id(f): (k, n) for k, p in enumerate(pairs) for n, f in enumerate((p.base, p.cand)) if f}

    def _side(self, name: str) -> SideIndex:
        return self.index.base if name == "baseline" else self.index.cand

    def fn_key(self, fn: FunctionInfo) -> tuple[Any, ...] | None:
        at = self.fn_at.get(id(fn))
        if at is not None and (self.pairs[at[0]].base, self.pairs[at[0]].cand)[at[1]] is fn:
            return ("pairfn", *at)
        module = self._side(fn.side)._modules.get(fn.path)
        if module is not None and module.functions.get(fn.qualname) is fn:
            return ("fn", fn.side, fn.path, fn.qualname)
        return None

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, FunctionPair):
            k = self.pair_at.get(id(obj))
            return ("pair", k) if k is not None and self.pairs[k] is obj else None
        if isinstance(obj, FunctionInfo):
            return self.fn_key(obj)
        if isinstance(obj, ParsedModule):
            return ("module", obj.side, obj.path) if self._side(obj.side)._modules.get(obj.path) is obj else None
        if isinstance(obj, SideIndex):
            return ("side", obj.side) if self._side(obj.side) is obj else None
        if isinstance(obj, DetectorMeta):
            return ("meta", obj.id) if self.metas.get(obj.id) is obj else None
        return None

    def persistent_load(self, key: Any) -> Any:
        kind = key[0]
        if kind == "pair":
            return self.pairs[key[1]]
        if kind == "meta":
            return self.metas[key[1]]
        if kind == "pairfn":
            return (self.pairs[key[1]].base, self.pairs[key[1]].cand)[key[2]]
        side = self._side(key[1])
        if kind == "side":
            return side
        module = side.module(key[2])
        if module is None:
            raise ValueError(f"{key[1]}: {key[2]} does not parse here")
        return module if kind == "module" else module.functions[key[3]]


class Recorded(Exception):
    """A detector's exception raised in a share, re-raised with the same `repr` in pair order."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __repr__(self) -> str:
        return self.text


class SplitRun:
    """The shares' merged results, and the rest of the detector loop run in their order."""

    def __init__(self, ctx: DetectorContext, parses: Parses, results: dict[str, list[Hit] | str],
                 helper_parsed: list[tuple[Position, str, str]], failed_at: dict[int, int]) -> None:
        self.ctx, self.parses, self.results = ctx, parses, results
        self.helper_parsed, self.failed_at = helper_parsed, failed_at

    def output(self, d: int, detector: Detector) -> DetectorOutput:
        """What `detector.run(ctx)` returns in one process (raises as it would)."""
        found = self.results.get(detector.meta.id)
        if found is None:  # run whole, here
            return self.parses.call((d, -1), detector.run, self.ctx)
        if isinstance(found, str):
            raise Recorded(found)
        return self.parses.call((d, FINISH), detector.finish, found, self.ctx)

    def close(self) -> None:
        """After the detector loop: the parse failures of the phase in the order one process would
        have met them (the first call that parsed each module, in detector then pair order). A module
        that only a failed detector's later pairs parsed is forgotten (one process never asked)."""
        events = [e for e in [*self.parses.events, *self.helper_parsed]
                  if e[0][0] not in self.failed_at or e[0][1] <= self.failed_at[e[0][0]] or e[0][1] == FINISH]
        first: dict[tuple[str, str], Position] = {}
        for where, name, path in events:
            if (name, path) not in first or where < first[(name, path)]:
                first[(name, path)] = where
        everything = {(n, p) for _w, n, p in [*self.parses.events, *self.helper_parsed]}
        for name, side in self.parses.sides.items():
            dropped = {p for n, p in everything if n == name and (n, p) not in first}
            for path in dropped:
                side._modules.pop(path, None)
            start = self.parses.failures_before[name]
            phase = [f for f in side.failures[start:] if f.path not in dropped]
            phase.sort(key=lambda f, n=name: first.get((n, f.path), (FINISH + 1, 0, 0)))  # type: ignore[misc]
            side.failures[start:] = phase


def merge(ctx: DetectorContext, detectors: list[tuple[int, Detector]], own: Share, other: Share,
          parses: Parses) -> SplitRun:
    """Each per-pair detector's hits in pair order, or the repr of the exception at its first
    failing pair; the helper's side effects applied here (see the module docstring)."""
    out: dict[str, list[Hit] | str] = {}
    failed_at: dict[int, int] = {}
    for d, detector in detectors:
        did = detector.meta.id
        fails = [f for f in (own.failed.get(did), other.failed.get(did)) if f is not None]
        if fails:
            k, message = min(fails)
            out[did] = message
            failed_at[d] = k
            continue
        by_pair = {**own.hits.get(did, {}), **other.hits.get(did, {})}
        out[did] = [h for k in sorted(by_pair) for h in by_pair[k]]
    ctx.too_deep |= other.too_deep
    for name, side in parses.sides.items():
        if hasattr(side.tree, "missing"):
            side.tree.missing.update(other.missing.get(name, {}))
        for _where, n, path in other.parsed:  # parsed here too (failures recorded; ordered by `close`)
            if n == name:
                side.module(path)
    return SplitRun(ctx, parses, out, other.parsed, failed_at)


def run_split(ctx: DetectorContext, detectors: list[Detector]) -> SplitRun | None:
    """The per-pair detectors' pairs checked in two processes; None when the work stays in one
    process (switched off, too few changed pairs)."""
    per_pair = [(d, det) for d, det in enumerate(detectors) if det.per_pair]
    indices = changed_pairs(ctx)
    if not per_pair or len(indices) < MIN_SPLIT_PAIRS or not parallel.enabled():
        return None
    mine, theirs = shares(ctx, indices)
    if not mine or not theirs:
        return None
    parses = Parses(ctx)
    refs = References(ctx.pairs, ctx.pairs.pairs, {d.meta.id: d.meta for d in detectors})
    try:
        helper = parallel.start(lambda: check_share(ctx, per_pair, theirs, Parses(ctx)), refs.persistent_id)
    except OSError:
        return None
    try:
        own = check_share(ctx, per_pair, mine, parses)
    except BaseException:
        parallel.discard(helper)
        raise
    try:
        other = parallel.wait(helper, refs.persistent_load, parallel.late_after(own.seconds))
    except parallel.HelperFailed:
        budget.check()
        other = check_share(ctx, per_pair, theirs, parses)
        other.parsed = []  # parsed here: already among `parses.events`
    return merge(ctx, per_pair, own, other, parses)
