"""The commits of a range as attribution needs them: their metadata, their order, the first-parent path.

Why one `git log` for the whole range: every commit attribution may name (on the first-parent path or
inside a merged branch) gets its subject, author and date from this one process, and its position in
topological order decides "the later commit" when several commits changed a finding's lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from investigator.git.repository import RepoHandle
from investigator.models import CommitRef

GIT_TIMEOUT_S = 60.0  # one git process of attribution; past it the part is a recorded failure


class HistoryError(Exception):
    """Git could not list the range (the message is git's reason)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    date: str  # author date, ISO 8601
    subject: str


@dataclass
class RangeHistory:
    """Every commit of `baseline..candidate` (newest first, topological), and the first-parent path."""

    handle: RepoHandle
    baseline: str
    candidate: str
    commits: dict[str, Commit]
    order: dict[str, int]  # sha -> index in topological order, 0 = the candidate (newest)
    path: list[str]  # first-parent path, oldest first: baseline, p1, ..., candidate
    _via: dict[str, str | None] = field(default_factory=dict)
    _ancestor: dict[tuple[str, str], bool] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # callers' caches of git answers for this range

    @classmethod
    def load(cls, handle: RepoHandle, baseline: str, candidate: str) -> RangeHistory:
        out = handle.run_git(["log", "--topo-order", "--no-mailmap", "-z",
                              "--format=%H%x1f%P%x1f%an%x1f%aI%x1f%s", f"{baseline}..{candidate}", "--"],
                             timeout=GIT_TIMEOUT_S)
        if out.returncode != 0:
            raise HistoryError(out.stderr.decode("utf-8", "replace").strip() or "git log failed")
        commits: dict[str, Commit] = {}
        order: dict[str, int] = {}
        for record in out.stdout.decode("utf-8", "replace").split("\0"):
            parts = record.strip("\n").split("\x1f")
            if len(parts) != 5:
                continue
            sha, parent_list, author, date, subject = parts
            order[sha] = len(order)
            commits[sha] = Commit(sha, tuple(parent_list.split()), author, date, subject)
        path = [candidate] if candidate in commits else []
        while path and (firsts := commits[path[-1]].parents) and firsts[0] in commits:
            path.append(firsts[0])
        path.append(baseline)
        return cls(handle, baseline, candidate, commits, order, path[::-1])

    def __len__(self) -> int:
        return len(self.commits)

    def in_range(self, sha: str) -> bool:
        return sha in self.commits

    def is_merge(self, sha: str) -> bool:
        return len(self.commits[sha].parents) > 1 if sha in self.commits else False

    def later(self, shas: set[str]) -> str:
        """The newest of `shas` in topological order: the last one to change a finding's lines."""
        return min(shas, key=lambda s: self.order.get(s, len(self.order)))

    def successor(self, sha: str, path: list[str] | None = None) -> str | None:
        """The commit after `sha` on a first-parent path (the range's own by default)."""
        path = self.path if path is None else path
        try:
            i = path.index(sha)
        except ValueError:
            return None
        return path[i + 1] if i + 1 < len(path) else None

    def first_parent_path(self, start: str, end: str) -> list[str]:
        """First-parent path from `start` (exclusive, put first) to `end` inside this range's commits."""
        walk = [end]
        while walk[-1] in self.commits and (parents := self.commits[walk[-1]].parents) and parents[0] != start:
            if parents[0] not in self.commits:
                break
            walk.append(parents[0])
        return [start, *walk[::-1]]

    def is_ancestor(self, older: str, newer: str) -> bool:
        if (older, newer) not in self._ancestor:
            proc = self.handle.run_git(["merge-base", "--is-ancestor", older, newer], timeout=GIT_TIMEOUT_S)
            self._ancestor[(older, newer)] = proc.returncode == 0
        return self._ancestor[(older, newer)]

    def via_merge(self, sha: str) -> str | None:
        """The first-parent merge a commit off the first-parent path came through (None when on it).

        The first commit of the path that descends from `sha` is that merge: one `rev-list
        --ancestry-path` per distinct off-path commit, cached."""
        if sha in self.path or sha not in self.commits:
            return None
        if sha not in self._via:
            proc = self.handle.run_git(["rev-list", "--ancestry-path", f"{sha}..{self.candidate}"], timeout=GIT_TIMEOUT_S)
            descendants = set(proc.stdout.decode().split()) if proc.returncode == 0 else set()
            self._via[sha] = next((p for p in self.path if p in descendants), None)
        return self._via[sha]

    def ref(self, sha: str, via_merge: str | None = None) -> CommitRef:
        c = self.commits[sha]
        return CommitRef(sha=sha, short=sha[:7], subject=c.subject, author=c.author, date=c.date, via_merge=via_merge)
