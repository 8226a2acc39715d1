"""Keep the probe caches bounded: exported checkouts and stored results do not grow without end.

Why: every investigation and every bisection step exports a checkout per commit it probes (a
checkout of a large project is hundreds of MB), and every successful run is stored. Without a
bound, a watched branch fills the user's disk. Checkouts are kept by recent use (a checkout's
folder time is refreshed each time a job uses it): the newest `keep` stay, and none older than
`max_age_days`; a checkout in use by another process (its lock held) or named in `protect` is never
removed. Results older than `max_age_days` are deleted from the store.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from investigator.probes.cache import ResultCache

KEEP_CHECKOUTS = 24
MAX_AGE_DAYS = 30.0


def touch(path: Path) -> None:
    """Mark a checkout as just used (its folder's modification time)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _removable(entries: list[Path], keep: int, max_age_days: float, protect: set[str]) -> list[Path]:
    newest_first = sorted(entries, key=lambda p: p.stat().st_mtime, reverse=True)
    cutoff = time.time() - max_age_days * 86400
    return [p for i, p in enumerate(newest_first)
            if p.name not in protect and (i >= keep or p.stat().st_mtime < cutoff)]


def prune_checkouts(root: Path, keep: int = KEEP_CHECKOUTS, max_age_days: float = MAX_AGE_DAYS,
                    protect: Iterable[str] = ()) -> list[str]:
    """Remove the least recently used checkouts under `root`; the names removed. A checkout whose
    lock another process holds is skipped (it is being exported or used)."""
    try:
        entries = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink()]
    except OSError:
        return []
    removed = []
    for path in _removable(entries, keep, max_age_days, set(protect)):
        lock = root / f".{path.name}.lock"
        try:
            with open(lock, "a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                try:
                    shutil.rmtree(path)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            lock.unlink(missing_ok=True)
            removed.append(path.name)
        except OSError:
            continue
    return removed


def prune_results(cache: ResultCache, max_age_days: float = MAX_AGE_DAYS) -> int:
    """Delete stored runs older than `max_age_days`; how many (0 when the store is off)."""
    cutoff = time.time() - max_age_days * 86400
    before = cache.count()
    cache.delete_older_than(cutoff)
    return max(0, before - cache.count())
