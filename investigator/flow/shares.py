"""The behavioural-change analyzer's function pairs shared with a forked helper (`investigator.parallel`).

Placing each changed function pair on the learning-signal flow is most of the analyzer's time. Each
pair's outcome (its report, the no-effect items and failures it recorded, the statement changes it
saw) depends on the pair and on what was built before the loop, not on the other pairs: the pairs
are computed by file (whole files), this process and a forked helper each drawing the next file from
one pool (a pipe of tokens, largest file first) until it is empty, so that both finish within about one
file of each other (fixed halves by line count left one of them waiting for the other); the analyzer
then reads the outcomes in pair order with its work budget as before. The helper's outcomes come back with the pairs, functions,
parsed modules and flow statements (`Unit`) as references to this process's own objects.

A pair over the work budget in pair order is computed and dropped (one process would not compute
it); at most `MAX_PAIRS` pairs are shared. `INVESTIGATOR_PROCESSES=1`, fewer than `MIN_SPLIT_PAIRS`
pairs, or a helper that fails, keep (or bring back) the work in this process.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from investigator import budget, parallel
from investigator.detectors.pairs import FunctionPair, PairIndex
from investigator.detectors.split import References, pair_shares
from investigator.flow.diff import UnitChange
from investigator.flow.graph import LearningFlow
from investigator.flow.units import Unit
from investigator.models import AnalyzerFailure, NoEffectChange

MIN_SPLIT_PAIRS = 30


@dataclass
class Outcome:
    """What one pair's analysis returned and recorded."""

    report: Any  # flow.analyzer.PairReport | None
    no_effect: list[NoEffectChange] = field(default_factory=list)
    failures: list[AnalyzerFailure] = field(default_factory=list)
    seen: list[list[UnitChange]] = field(default_factory=list)


class FlowReferences(References):
    """`References` plus the flow statements of a function (`LearningFlow.units`), by position."""

    def __init__(self, index: PairIndex, pairs: list[FunctionPair], flows: dict[str, LearningFlow]) -> None:
        super().__init__(index, pairs)
        self.flows = flows

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Unit):
            fn_key = self.fn_key(obj.fn)
            if fn_key is None:
                return None
            units = self.flows[obj.fn.side]._units.get(id(obj.fn))
            if units is None or obj.index >= len(units) or units[obj.index] is not obj:
                return None
            return ("unit", fn_key, obj.index)
        return super().persistent_id(obj)

    def persistent_load(self, key: Any) -> Any:
        if key[0] == "unit":
            fn = super().persistent_load(key[1])
            return self.flows[fn.side].units(fn)[key[2]]
        return super().persistent_load(key)


def file_groups(pairs: list[FunctionPair], indices: list[int]) -> list[list[int]]:
    """The positions of `indices` by file (whole files: a file's pairs share the module's memos), the largest
    file first (lines of both sides), each in pair order."""
    by_file: dict[str, list[int]] = {}
    for k in indices:
        fn = pairs[k].cand or pairs[k].base
        assert fn is not None
        by_file.setdefault(fn.path, []).append(k)

    def size(ks: list[int]) -> int:
        return sum(f.end_lineno - f.lineno + 1 for k in ks for f in (pairs[k].base, pairs[k].cand) if f is not None)

    return sorted(by_file.values(), key=lambda ks: -size(ks))


def plan(pairs: list[FunctionPair], indices: list[int]) -> tuple[list[int], list[int], list[list[int]]]:
    """(this process's fixed positions, the helper's fixed positions, the pool): every file goes to the pool,
    largest first, which both processes draw from one file at a time, so that they finish together
    whatever a file costs (line counts do not say: a short function may inline long callees). Tests
    replace it to fix which process computes what."""
    return [], [], file_groups(pairs, indices)


TOKEN = struct.Struct("<I")
MAX_POOL = 1024  # files in the pool: their tokens (4 KiB) fit a pipe's buffer however small, written before the fork


def _pool(groups: list[list[int]]) -> int | None:
    """A pipe holding one token per group (read end returned; the write end closed): each `os.read` of one
    token takes the next group, whichever process reads it. None when there is nothing to draw or the
    tokens do not fit the pipe (then the files are split in fixed halves)."""
    if not groups or len(groups) > MAX_POOL:
        return None
    data = b"".join(TOKEN.pack(g) for g in range(len(groups)))
    read_fd, write_fd = os.pipe()
    try:
        os.set_blocking(write_fd, False)  # nobody reads yet: a full pipe must not wait for ever
        written = os.write(write_fd, data)
    except OSError:
        written = -1
    finally:
        os.close(write_fd)
    if written != len(data):
        os.close(read_fd)
        return None
    return read_fd


def _drawn(fd: int | None, groups: list[list[int]]) -> Iterator[list[int]]:
    """The groups this process draws from the pool until it is empty."""
    while fd is not None:
        token = os.read(fd, TOKEN.size)
        if len(token) < TOKEN.size:
            return
        yield groups[TOKEN.unpack(token)[0]]


def outcomes(pairs: list[FunctionPair], limit: int, index: PairIndex, flows: dict[str, LearningFlow],
             compute: Callable[[FunctionPair], Outcome], portable: Callable[[Outcome], Outcome],
             restored: Callable[[Outcome], Outcome]) -> dict[int, Outcome] | None:
    """Outcomes of the first `limit` pairs by position, computed in two processes; None when the work
    stays in this process (switched off, too few pairs). `portable`/`restored` turn an outcome into
    one that survives pickling and back (identity-keyed fields)."""
    indices = [k for k, p in enumerate(pairs[:limit]) if p.base is not None and p.cand is not None]
    if len(indices) < MIN_SPLIT_PAIRS or not parallel.enabled():
        return None
    mine, theirs, groups = plan(pairs, indices)
    if len(groups) + bool(mine) + bool(theirs) < 2:
        return None
    fd = _pool(groups)
    if fd is None and groups:  # the tokens did not fit a pipe: fixed halves by line count instead
        halves = pair_shares(pairs, [k for g in groups for k in g])
        mine, theirs, groups = [*mine, *halves[0]], [*theirs, *halves[1]], []
    refs = FlowReferences(index, pairs, flows)

    def share(fixed: list[int], transfer: bool) -> tuple[dict[int, Outcome], float]:
        start = time.perf_counter()
        done = {k: compute(pairs[k]) for k in fixed}
        for group in _drawn(fd, groups):
            done.update((k, compute(pairs[k])) for k in group)
        if transfer:
            done = {k: portable(o) for k, o in done.items()}
        return done, time.perf_counter() - start

    try:
        try:
            helper = parallel.start(lambda: share(theirs, True)[0], refs.persistent_id)
        except OSError:
            return None
        try:
            own, seconds = share(mine, False)
        except BaseException:
            parallel.discard(helper)
            raise
    finally:
        if fd is not None:
            os.close(fd)
    try:
        other = {k: restored(o) for k, o in parallel.wait(helper, refs.persistent_load,
                                                            parallel.late_after(seconds)).items()}
    except parallel.HelperFailed:  # this process computes what the helper had: its fixed share, the groups it drew
        budget.check()
        other = {k: compute(pairs[k]) for k in indices if k not in own}
    return {**own, **other}
