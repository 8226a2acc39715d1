"""The commits a bisection walks: the first-parent path from good to bad, and a merged branch's commits.

Why first-parent first: on a mainline that merges pull requests, the first-parent path is the sequence
of states the mainline was in; each of its commits is a state someone trained. A merge found bad on it
is then opened: its merged branch's own first-parent commits (from the merge base) are bisected next,
so the answer names the commit inside the pull request, with the merge it came through.
"""

from __future__ import annotations

from dataclasses import dataclass

from investigator.git.errors import InputError
from investigator.git.repository import RepoHandle, resolve_commit
from investigator.models import CommitRef


@dataclass(frozen=True)
class CommitPath:
    """Commits in order, `shas[0]` the good end (position 0) and `shas[-1]` the bad end."""

    shas: list[str]

    def __len__(self) -> int:
        return len(self.shas)


def commit_ref(handle: RepoHandle, sha: str, via_merge: str | None = None) -> CommitRef:
    """A commit as the report names it (sha, subject, author, author date)."""
    out = handle.git("log", "-1", "--no-walk", "--no-mailmap", "--format=%H%x00%an%x00%aI%x00%s", sha, "--")
    full, author, date, subject = (out.decode("utf-8", "replace").rstrip("\n").split("\0", 3) + ["", "", "", ""])[:4]
    return CommitRef(sha=full, short=full[:7], subject=subject, author=author, date=date, via_merge=via_merge)


def resolve_ends(handle: RepoHandle, good: str, bad: str) -> tuple[str, str]:
    """Both refs as full shas; InputError (one line) for an unknown ref, equal ends, or a good end
    that is not an ancestor of the bad end (a bisection walks from good forward to bad)."""
    g = resolve_commit(handle, good, "good").sha
    b = resolve_commit(handle, bad, "bad").sha
    if g == b:
        raise InputError(f"--good and --bad are the same commit ({g[:7]}): nothing to bisect")
    if handle.run_git(["merge-base", "--is-ancestor", g, b]).returncode != 0:
        raise InputError(f"--good {good} ({g[:7]}) is not an ancestor of --bad {bad} ({b[:7]}): "
                         "a bisection needs the good commit in the history of the bad one")
    return g, b


def first_parent_path(handle: RepoHandle, good: str, bad: str) -> CommitPath:
    """good, then the first-parent commits of `bad` not reachable from `good`, oldest first."""
    out = handle.git("rev-list", "--first-parent", "--reverse", bad, f"^{good}", "--")
    return CommitPath([good, *out.decode().split()])


def parents(handle: RepoHandle, sha: str) -> list[str]:
    out = handle.git("rev-list", "--parents", "-n1", sha, "--").decode().split()
    return out[1:]


def merged_branch(handle: RepoHandle, merge: str) -> CommitPath | None:
    """The branch a merge brought in: where it forked (position 0, taken as good: it is in the
    history of the mainline parent), then the second parent's first-parent commits not in the
    mainline parent, oldest first; None when `merge` is not a merge or the branch adds nothing."""
    ps = parents(handle, merge)
    if len(ps) < 2:
        return None
    out = handle.git("rev-list", "--first-parent", "--reverse", ps[1], f"^{ps[0]}", "--")
    shas = out.decode().split()
    fork = parents(handle, shas[0])[:1] if shas else []
    return CommitPath([fork[0], *shas]) if fork else None
