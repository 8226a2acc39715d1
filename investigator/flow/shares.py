"""The behavioural-change analyzer's function pairs shared with a forked helper (`investigator.parallel`).

Placing each changed function pair on the learning-signal flow is most of the analyzer's time. Each
pair's outcome (its report, the no-effect items and failures it recorded, the statement changes it
saw) depends on the pair and on what was built before the loop, not on the other pairs: the pairs
are split in two shares of whole files (as the detectors' pairs, detectors/split.py), this process
computes one while a forked helper computes the other, and the analyzer then reads the outcomes in
pair order with its work budget as before. The helper's outcomes come back with the pairs, functions,
parsed modules and flow statements (`Unit`) as references to this process's own objects.

A pair over the work budget in pair order is computed and dropped (one process would not compute
it); at most `MAX_PAIRS` pairs are shared. `INVESTIGATOR_PROCESSES=1`, fewer than `MIN_SPLIT_PAIRS`
pairs, or a helper that fails, keep (or bring back) the work in this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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


def outcomes(pairs: list[FunctionPair], limit: int, index: PairIndex, flows: dict[str, LearningFlow],
             compute: Callable[[FunctionPair], Outcome], portable: Callable[[Outcome], Outcome],
             restored: Callable[[Outcome], Outcome]) -> dict[int, Outcome] | None:
    """Outcomes of the first `limit` pairs by position, computed in two processes; None when the work
    stays in this process (switched off, too few pairs). `portable`/`restored` turn an outcome into
    one that survives pickling and back (identity-keyed fields)."""
    indices = [k for k, p in enumerate(pairs[:limit]) if p.base is not None and p.cand is not None]
    if len(indices) < MIN_SPLIT_PAIRS or not parallel.enabled():
        return None
    mine, theirs = pair_shares(pairs, indices)
    if not mine or not theirs:
        return None
    refs = FlowReferences(index, pairs, flows)

    def share(positions: list[int], transfer: bool) -> tuple[dict[int, Outcome], float]:
        start = time.perf_counter()
        done = {k: compute(pairs[k]) for k in positions}
        if transfer:
            done = {k: portable(o) for k, o in done.items()}
        return done, time.perf_counter() - start

    try:
        helper = parallel.start(lambda: share(theirs, True)[0], refs.persistent_id)
    except OSError:
        return None
    try:
        own, seconds = share(mine, False)
    except BaseException:
        parallel.discard(helper)
        raise
    try:
        other = {k: restored(o) for k, o in parallel.wait(helper, refs.persistent_load,
                                                            parallel.late_after(seconds)).items()}
    except parallel.HelperFailed:
        budget.check()
        other = share(theirs, False)[0]
    return {**own, **other}
