"""Triage's changed files shared with a forked helper process (`investigator.parallel`).

Triage classifies each changed file on its own (compile, parse, playbook identifiers): on an
800-file release it is 3-4 s of one core before any analyzer starts. The files are split in two
shares balanced by their size at both commits; this process triages one while a forked helper
triages the other, and the entries are put back in file order: the same entries and failures as
one process.

What a share leaves behind besides its entries is carried back, so the investigation goes on as if
this process had triaged every file: the snapshot's parsed modules (the parses the helper made are
made here again, in its order: later steps read the AST cache, and which files are cached decides,
for instance, the order in which the reference finder visits files), blobs it read outside the
prefetch and blobs git could not read.

`INVESTIGATOR_PROCESSES=1`, fewer than `MIN_SPLIT_FILES` files, or a snapshot without these caches
keep it all in this process; a helper that fails is replaced by triaging its share here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from investigator import parallel
from investigator.git.changeset import ChangedFile, ChangeSet

MIN_SPLIT_FILES = 60  # fewer files: the fork costs about what sharing would save

T = TypeVar("T")
SIDES = ("baseline", "candidate")


@dataclass
class Share:
    """One process's results by file position, and what its triage added to the snapshots."""

    done: dict[int, Any] = field(default_factory=dict)
    parsed: dict[str, list[str]] = field(default_factory=dict)  # side -> paths parsed, in order
    read: dict[str, dict[str, bytes | None]] = field(default_factory=dict)  # side -> path -> blob
    missing: dict[str, dict[str, str]] = field(default_factory=dict)  # side -> blob id -> reason
    seconds: float = 0.0


def _snapshots(changeset: ChangeSet) -> dict[str, Any]:
    return {"baseline": changeset.baseline, "candidate": changeset.candidate}


def _shareable(changeset: ChangeSet) -> bool:
    return all(isinstance(getattr(s, name, None), dict) for s in _snapshots(changeset).values()
               for name in ("_ast_cache", "_cache", "missing"))


def _size(changeset: ChangeSet, f: ChangedFile) -> int:
    """Bytes of the file at both commits (prefetched: no git call), the cost of triaging it."""
    total = 1
    for snap, path in ((changeset.baseline, f.old_path), (changeset.candidate, f.new_path)):
        if path and not f.binary:
            total += len(snap._cache.get(path) or b"")  # the prefetched blob, never a read
    return total


# this process also parses again what the helper parsed (`_adopt`): about a quarter of the
# helper's work (skrl 1.4.3..2.0.0: 0.48 s for a 2.0 s share), so its own share is that much smaller
OWN_WEIGHT = 1.25


def file_shares(changeset: ChangeSet) -> tuple[list[int], list[int]]:
    """This process's and the helper's file positions, each in file order: whole files, largest
    first into the share with less work (this process's size counted `OWN_WEIGHT` times)."""
    weights = sorted(((float(_size(changeset, f)), k) for k, f in enumerate(changeset.files)),
                     key=lambda t: (-t[0], t[1]))
    own, other = parallel.two_shares(weights, OWN_WEIGHT)
    return sorted(own), sorted(other)


def triage_share(changeset: ChangeSet, positions: list[int], one: Callable[[ChangedFile], T]) -> Share:
    """`one(file)` for the files at `positions`, and what it added to the snapshots' caches."""
    start = time.perf_counter()
    snaps = _snapshots(changeset)
    before = {name: (set(s._ast_cache), set(s._cache), set(s.missing)) for name, s in snaps.items()}
    share = Share(done={k: one(changeset.files[k]) for k in positions})
    for name, s in snaps.items():
        parsed, read, missing = before[name]
        share.parsed[name] = [p for p in s._ast_cache if p not in parsed]
        share.read[name] = {p: b for p, b in s._cache.items() if p not in read}
        share.missing[name] = {k: v for k, v in s.missing.items() if k not in missing}
    share.seconds = time.perf_counter() - start
    return share


def _adopt(changeset: ChangeSet, other: Share) -> None:
    """What the helper's triage added to its snapshots, added to this process's."""
    for name, s in _snapshots(changeset).items():
        for path, blob in other.read.get(name, {}).items():
            s._cache.setdefault(path, blob)
        for sha, why in other.missing.get(name, {}).items():
            s.missing.setdefault(sha, why)
        for path in other.parsed.get(name, []):
            s.python_ast(path)  # the same parse, kept here (trees do not travel: parsing is cheaper)


def triage_in_two(changeset: ChangeSet, one: Callable[[ChangedFile], T]) -> list[T] | None:
    """`[one(f) for f in changeset.files]` computed in two processes (`one` must return picklable
    values and change nothing but the snapshots' caches); None when the work stays in this process."""
    files = changeset.files
    if len(files) < MIN_SPLIT_FILES or not parallel.enabled() or not _shareable(changeset):
        return None
    mine, theirs = file_shares(changeset)
    if not mine or not theirs:
        return None
    try:
        helper = parallel.start(lambda: triage_share(changeset, theirs, one))
    except OSError:
        return None
    try:
        own = triage_share(changeset, mine, one)
    except BaseException:
        parallel.discard(helper)
        raise
    try:
        other: Share = parallel.wait(helper, None, parallel.late_after(own.seconds))
    except parallel.HelperFailed:
        other = triage_share(changeset, theirs, one)
    else:
        _adopt(changeset, other)
    done = {**own.done, **other.done}
    return [done[k] for k in range(len(files))]
