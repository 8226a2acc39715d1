"""The change set read while the CLI is still importing the analysis: git on the second core.

Before the investigation's first step, the CLI imports the analyzers, the playbooks and the workflow
engine (about a second of one core's work on an idle machine), and only then opens the repository,
resolves both refs and diffs them (`git diff`, both trees and every changed blob read by git
processes: 0.5 s on a 400-file release, 1-1.5 s on an 800-file one). Neither needs the other, and the
git part waits on git processes, so a thread started before the imports lets both proceed at once:
the resolve and diff steps then take what it read.

Guarantees:

- the same repository handle, commit range and change set as the steps build: the thread runs the
  very functions the steps run (`open_repository`, `resolve_range`, `build_changeset`) on the very
  arguments of the request; a step takes them only when its request names the same repository and
  refs, and only once (the diff step diffs afresh when asked again);
- a failure is never reported from here: when the thread raised (a ref that does not resolve, an
  unreadable repository), the steps run the same calls themselves and fail as they would have;
- only a local repository is read ahead (a remote URL is cloned by the resolve step, as before), and
  only by the CLI, which owns its process (`run_investigation` without a prefetch is unchanged).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from investigator.git.changeset import ChangeSet
    from investigator.git.repository import CommitRange, RepoHandle


class Prefetch:
    """Opens, resolves and diffs one range in a background thread (started at construction)."""

    def __init__(self, repo: str, baseline: str, candidate: str | None) -> None:
        self.key = (repo, baseline, candidate)
        self.opened: tuple[RepoHandle, CommitRange] | None = None
        self._changeset: ChangeSet | None = None
        self.failed = False  # the thread raised: the steps do the work themselves
        self._thread = threading.Thread(target=self._work, name="git-prefetch", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        from investigator.git.changeset import build_changeset
        from investigator.git.repository import open_repository, resolve_range

        try:
            repo, baseline, candidate = self.key
            handle = open_repository(repo)
            commit_range = resolve_range(handle, baseline, candidate)
            self.opened = (handle, commit_range)
            self._changeset = build_changeset(handle, commit_range)
        except BaseException:  # the step repeats the call and reports it
            self.failed = True

    def open_for(self, repo: str, baseline: str, candidate: str | None) -> tuple[RepoHandle, CommitRange] | None:
        """The handle and range read for exactly these arguments, or None (then the step opens them)."""
        if (repo, baseline, candidate) != self.key:
            return None
        self._thread.join()
        return self.opened

    def take_changeset(self, handle: RepoHandle, commit_range: CommitRange) -> ChangeSet | None:
        """The change set read for this handle and range, once; None when it was not read for them."""
        self._thread.join()
        if self.opened is None or self.opened[0] is not handle or self.opened[1] is not commit_range:
            return None
        changeset, self._changeset = self._changeset, None
        return changeset


def start(repo: str | None, baseline: str | None, candidate: str | None) -> Prefetch | None:
    """A prefetch of a local repository's range, or None (no repository, a remote, no baseline)."""
    if not repo or not baseline or not Path(repo).exists():
        return None
    return Prefetch(repo, baseline, candidate)
