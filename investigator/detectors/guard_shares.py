"""The guards' verdicts on a run's findings shared with a forked helper (`investigator.parallel`).

Rank's guard step (`guards.apply_guards`) asks of every finding whether its code is identical at a
configuration default, lies in a branch that never runs, or runs only when an option is set: 1-2 s
of one core on an 800-file release, at the end of the run when nothing else computes. Each finding's
verdict depends only on the finding and on both commits' sides (built before the fork; their
caches are memos of the commits' files), so the findings are split in two contiguous halves (the
findings of one file stay together, as do the memos they share): this process judges the first
while a forked helper judges the second, and the verdicts are put back in finding order.

What the helper's judging left behind is carried back: the blobs git could not read (recorded as
failures by rank). A helper that fails (dies, raises, sends nothing usable, is late) is replaced by
judging its half here, so an exception a finding raises propagates from here as in one process.
`INVESTIGATOR_PROCESSES=1` or fewer than `MIN_SPLIT_FINDINGS` findings keep it in this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from investigator import parallel

MIN_SPLIT_FINDINGS = 40  # fewer: the fork and the transfer cost about what sharing would save

F = TypeVar("F")
V = TypeVar("V")


def _missing(snapshots: Sequence[Any]) -> list[dict[str, str]]:
    return [dict(getattr(s, "missing", {})) for s in snapshots]


def _judged(items: Sequence[F], judge: Callable[[F], V], snapshots: Sequence[Any]
            ) -> tuple[list[V], list[dict[str, str]], float]:
    """The verdicts of `items` in order, the blobs found unreadable meanwhile, and the seconds taken."""
    start = time.perf_counter()
    before = _missing(snapshots)
    verdicts = [judge(item) for item in items]
    found = [{k: v for k, v in now.items() if k not in old} for now, old in zip(_missing(snapshots), before, strict=True)]
    return verdicts, found, time.perf_counter() - start


def judged_in_two(items: Sequence[F], judge: Callable[[F], V], snapshots: Sequence[Any]) -> list[V]:
    """`[judge(item) for item in items]`, computed in two processes when worth it (`judge` must return
    picklable values and change nothing but memos and the snapshots' caches)."""
    if len(items) < MIN_SPLIT_FINDINGS or not parallel.enabled():
        return [judge(item) for item in items]
    half = (len(items) + 1) // 2
    mine, theirs = items[:half], items[half:]
    try:
        helper = parallel.start(lambda: _judged(theirs, judge, snapshots))
    except OSError:
        return [judge(item) for item in items]
    try:
        own, _, seconds = _judged(mine, judge, snapshots)
    except BaseException:
        parallel.discard(helper)
        raise
    try:
        other, found, _ = parallel.wait(helper, None, parallel.late_after(seconds))
        if not isinstance(other, list) or len(other) != len(theirs):
            raise parallel.HelperFailed("not one verdict per finding")
    except (parallel.HelperFailed, TypeError, ValueError):
        other = [judge(item) for item in theirs]
    else:
        for snap, blobs in zip(snapshots, found, strict=False):
            if hasattr(snap, "missing"):
                for sha, why in blobs.items():
                    snap.missing.setdefault(sha, why)
    return [*own, *other]
