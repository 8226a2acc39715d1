"""The watched branch in a git repository (a local path, or a URL mirrored and fetched each tick)."""

from __future__ import annotations

from investigator.bisect.path import CommitPath, commit_ref, first_parent_path, merged_branch
from investigator.git.errors import InputError
from investigator.git.repository import RepoHandle, open_repository, resolve_commit
from investigator.models import CommitRef


class GitSource:
    """`engine.Source` over a repository handle; the branch is read again at every `head()`."""

    def __init__(self, repo: str, branch: str) -> None:
        self.handle: RepoHandle = open_repository(repo)  # a URL is fetched here: the tick sees new commits
        self.branch_name = branch
        if self.handle.run_git(["check-ref-format", "--branch", branch]).returncode != 0:
            raise InputError(f"--branch: not a branch name: {branch!r}")

    def head(self) -> str:
        for ref in (f"refs/heads/{self.branch_name}", f"refs/remotes/origin/{self.branch_name}"):
            proc = self.handle.run_git(["rev-parse", "--verify", "-q", f"{ref}^{{commit}}"])
            if proc.returncode == 0:
                return proc.stdout.decode().strip()
        raise InputError(f"--branch: no branch {self.branch_name!r} in {self.handle.source}")

    def resolve(self, ref: str, role: str) -> str:
        return resolve_commit(self.handle, ref, role).sha

    def path(self, good: str, bad: str) -> CommitPath:
        return first_parent_path(self.handle, good, bad)

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.handle.run_git(["merge-base", "--is-ancestor", older, newer]).returncode == 0

    def ref(self, sha: str, via: str | None = None) -> CommitRef:
        return commit_ref(self.handle, sha, via)

    def branch(self, merge: str) -> CommitPath | None:
        return merged_branch(self.handle, merge)
