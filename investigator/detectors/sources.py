"""Inputs of the detectors: two source trees and the file changes between them.

The detectors read code through the small `SourceTree` protocol so that they run on git
`Snapshot`s in an investigation and on in-memory trees in unit tests alike.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from investigator.git.changeset import ChangeSet

_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class SourceTree(Protocol):
    """What a detector needs from one commit (a git `Snapshot` satisfies it)."""

    def paths(self) -> list[str]: ...

    def read_text(self, path: str) -> str | None: ...

    def prefetch(self, paths: list[str]) -> None: ...


class MemoryTree:
    """A commit held in memory: path -> text (unit tests, the evaluation suite)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = dict(files)

    def paths(self) -> list[str]:
        return sorted(self.files)

    def read_text(self, path: str) -> str | None:
        return self.files.get(path)

    def prefetch(self, paths: list[str]) -> None:
        return None


@dataclass
class DiffHunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[str] = field(default_factory=list)  # with ' ', '+', '-' prefixes

    @property
    def old_range(self) -> tuple[int, int]:
        return self.old_start, self.old_start + max(self.old_len, 1) - 1

    @property
    def new_range(self) -> tuple[int, int]:
        return self.new_start, self.new_start + max(self.new_len, 1) - 1

    def changed_pairs(self) -> list[tuple[str, int, str]]:
        """(sign, line number on that side, text) for every '+'/'-' line."""
        out: list[tuple[str, int, str]] = []
        old, new = self.old_start, self.new_start
        for text in self.lines:
            sign, body = text[:1], text[1:]
            if sign == "-":
                out.append(("-", old, body))
                old += 1
            elif sign == "+":
                out.append(("+", new, body))
                new += 1
            else:
                old += 1
                new += 1
        return out

    def text(self) -> str:
        head = f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"
        return "\n".join([head, *self.lines])

    def touches(self, side: str, line: int, slack: int = 0) -> bool:
        lo, hi = self.old_range if side == "baseline" else self.new_range
        return lo - slack <= line <= hi + slack


@dataclass
class FileChange:
    status: str  # added | deleted | modified | renamed | copied | type-changed
    old_path: str | None
    new_path: str | None
    hunks: list[DiffHunk] = field(default_factory=list)
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def parse_hunks(diff_lines: list[str]) -> list[DiffHunk]:
    hunks: list[DiffHunk] = []
    for line in diff_lines:
        m = _HEADER.match(line)
        if m:
            hunks.append(
                DiffHunk(
                    int(m.group(1)),
                    int(m.group(2)) if m.group(2) is not None else 1,
                    int(m.group(3)),
                    int(m.group(4)) if m.group(4) is not None else 1,
                )
            )
        elif hunks and line[:1] in (" ", "+", "-") and not line.startswith(("+++", "---")):
            hunks[-1].lines.append(line)
    return hunks


def text_hunks(old: str, new: str, context: int = 3) -> list[DiffHunk]:
    """Hunks between two texts (what `git diff -U3` would give, near enough)."""
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    return parse_hunks(list(diff))


def changes_from_changeset(changeset: ChangeSet) -> list[FileChange]:
    out: list[FileChange] = []
    for f in changeset.files:
        hunks = [DiffHunk(h.old_start, h.old_len, h.new_start, h.new_len, list(h.lines)) for h in f.hunks]
        out.append(FileChange(f.status, f.old_path, f.new_path, hunks, f.binary))
    return out


def diff_trees(base: MemoryTree, cand: MemoryTree) -> list[FileChange]:
    """File changes between two in-memory trees (no rename detection: moves are add + delete)."""
    out: list[FileChange] = []
    for path in sorted(set(base.files) | set(cand.files)):
        old, new = base.files.get(path), cand.files.get(path)
        if old == new:
            continue
        status = "added" if old is None else "deleted" if new is None else "modified"
        out.append(
            FileChange(
                status,
                path if old is not None else None,
                path if new is not None else None,
                text_hunks(old or "", new or ""),
            )
        )
    return out
