"""Open a repository from a path or URL and resolve the baseline/candidate refs."""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import git
from git.exc import BadName, GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from investigator.git.errors import InputError

_REMOTE_PREFIXES = ("http://", "https://", "ssh://", "git://", "file://", "git@")


@dataclass(frozen=True)
class CommitInfo:
    ref: str  # what the user typed
    sha: str
    short: str
    summary: str
    author: str
    date: str


@dataclass(frozen=True)
class RepoHandle:
    repo: git.Repo
    source: str  # the path or URL the user gave
    git_dir: str
    is_bare: bool

    def git(self, *args: str, input_bytes: bytes | None = None, check: bool = True) -> bytes:
        """Run a git command against this repository and return stdout (bytes)."""
        proc = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args],
            input=input_bytes,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
        if check and proc.returncode != 0:
            raise GitCommandError(["git", *args], proc.returncode, proc.stderr)
        return proc.stdout


def _cache_dir() -> Path:
    base = os.environ.get("INVESTIGATOR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "investigator"
    )
    return Path(base) / "repos"


def _is_remote(source: str) -> bool:
    return source.startswith(_REMOTE_PREFIXES) or (":" in source and "@" in source.split(":")[0])


def _clone_or_fetch(url: str) -> git.Repo:
    """Mirror a remote into the cache (the only network the tool uses: the URL the user gave)."""
    target = _cache_dir() / hashlib.sha256(url.encode()).hexdigest()[:16]
    env = {"GIT_TERMINAL_PROMPT": "0"}
    try:
        if target.exists():
            repo = git.Repo(target)
            repo.git.fetch("--all", "--tags", "--prune", env=env)
            return repo
        target.parent.mkdir(parents=True, exist_ok=True)
        return git.Repo.clone_from(url, target, mirror=True, env=env)
    except GitCommandError as exc:
        detail = (exc.stderr or "").strip().splitlines()
        raise InputError(f"cannot clone {url}: {detail[-1] if detail else exc}") from None


def open_repository(source: str) -> RepoHandle:
    """Open a local (working or bare) repository or a remote URL; raise InputError otherwise."""
    if _is_remote(source):
        repo = _clone_or_fetch(source)
    else:
        path = Path(source).expanduser()
        if not path.exists():
            raise InputError(f"repository path does not exist: {source}")
        try:
            repo = git.Repo(path, search_parent_directories=False)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise InputError(f"not a git repository: {source}") from None
    try:
        repo.head.commit  # noqa: B018 - an empty repository has no commits to compare
    except ValueError:
        raise InputError(f"repository has no commits: {source}") from None
    return RepoHandle(repo=repo, source=source, git_dir=str(repo.git_dir), is_bare=repo.bare)


def resolve_commit(handle: RepoHandle, ref: str, role: str) -> CommitInfo:
    """Resolve any ref a user types (SHA, short SHA, branch, tag, HEAD~3, origin/x)."""
    if not ref or ref.startswith("-"):
        raise InputError(f"invalid {role} ref: {ref!r}")
    try:
        obj = handle.repo.rev_parse(ref)
        commit = obj if obj.type == "commit" else obj.object  # annotated tag -> commit
        while commit.type == "tag":
            commit = commit.object
        if commit.type != "commit":
            raise InputError(f"{role} ref {ref!r} does not name a commit (it is a {commit.type})")
    except (BadName, ValueError, IndexError, GitCommandError, AttributeError):
        raise InputError(f"unknown {role} ref: {ref!r} (not a branch, tag or commit in {handle.source})") from None
    return CommitInfo(
        ref=ref,
        sha=commit.hexsha,
        short=commit.hexsha[:7],
        summary=commit.summary if isinstance(commit.summary, str) else commit.summary.decode(),
        author=str(commit.author.name),
        date=commit.committed_datetime.isoformat(),
    )


@dataclass(frozen=True)
class CommitRange:
    baseline: CommitInfo
    candidate: CommitInfo
    relation: str  # "baseline is an ancestor of candidate" | "candidate is an ancestor..." | "diverged"
    commits_between: int
    merge_base: str


def resolve_range(handle: RepoHandle, baseline_ref: str, candidate_ref: str | None) -> CommitRange:
    baseline = resolve_commit(handle, baseline_ref, "baseline")
    candidate = resolve_commit(handle, candidate_ref or "HEAD", "candidate")
    if baseline.sha == candidate.sha:
        raise InputError(
            f"baseline and candidate are the same commit ({baseline.short}): nothing to compare"
        )
    base = handle.git("merge-base", baseline.sha, candidate.sha, check=False).decode().strip()
    if not base:
        raise InputError(
            f"baseline {baseline.short} and candidate {candidate.short} have unrelated histories "
            "(no common ancestor)"
        )
    if base == baseline.sha:
        relation = "baseline is an ancestor of candidate"
        between = int(handle.git("rev-list", "--count", f"{baseline.sha}..{candidate.sha}").strip())
    elif base == candidate.sha:
        relation = "candidate is an ancestor of baseline"
        between = int(handle.git("rev-list", "--count", f"{candidate.sha}..{baseline.sha}").strip())
    else:
        relation = f"diverged from merge base {base[:7]}"
        between = int(
            handle.git("rev-list", "--count", f"{baseline.sha}...{candidate.sha}").strip()
        )
    return CommitRange(baseline, candidate, relation, between, base)
