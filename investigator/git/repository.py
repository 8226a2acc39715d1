"""Open a repository from a path or URL and resolve the baseline/candidate refs.

Everything goes through the git command line, so every refusal can carry git's own reason (the last
`fatal:`/`error:` line it printed) instead of a library's exception name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from git.exc import GitCommandError

from investigator.git.errors import InputError

_REMOTE_PREFIXES = ("http://", "https://", "ssh://", "git://", "file://", "git@")
# Variables that would point git at another repository than the one the user named.
_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
             "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE")
_STALE_CLONE_S = 3600.0  # a temporary clone directory older than this was left by a killed run


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_ENV}
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_ASKPASS": "", "SSH_ASKPASS": ""})
    return env


def _run(args: list[str], input_bytes: bytes | None = None, env: dict[str, str] | None = None,
         timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git; past `timeout` seconds the child is killed and `subprocess.TimeoutExpired` raised."""
    try:
        return subprocess.run(
            ["git", *args], input=input_bytes, capture_output=True, check=False, env={**_git_env(), **(env or {})},
            timeout=timeout,
        )
    except OSError as exc:  # git itself is missing or not executable
        raise InputError(f"cannot run git: {exc.strerror or exc}") from None


def git_reason(stderr: bytes | str | None) -> str:
    """Git's own reason for a failure: its last `fatal:`/`error:` line (else its last line), prefix
    removed; hints and progress lines are not the reason."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    lines = [ln.strip() for ln in text.replace("\r", "\n").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    line = (errors or lines or ["git gave no reason"])[-1]
    return re.sub(r"^(fatal|error):\s*", "", line)


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
    source: str  # the path or URL the user gave
    git_dir: str
    is_bare: bool
    is_shallow: bool = False
    is_partial: bool = False  # a partial clone: blobs may be missing locally

    def run_git(
        self, args: list[str], input_bytes: bytes | None = None, env: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run a git command against this repository; the caller reads the exit status."""
        return _run([f"--git-dir={self.git_dir}", *args], input_bytes=input_bytes, env=env, timeout=timeout)

    def git(self, *args: str, input_bytes: bytes | None = None, check: bool = True) -> bytes:
        """Run a git command against this repository and return stdout (bytes)."""
        proc = self.run_git(list(args), input_bytes=input_bytes)
        if check and proc.returncode != 0:
            raise GitCommandError(["git", *args], proc.returncode, proc.stderr)
        return proc.stdout

    @cached_property
    def repo(self):
        import git

        return git.Repo(self.git_dir)


def _cache_dir() -> Path:
    base = os.environ.get("INVESTIGATOR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "investigator"
    )
    return Path(base) / "repos"


def _is_remote(source: str) -> bool:
    return source.startswith(_REMOTE_PREFIXES) or (":" in source and "@" in source.split(":")[0])


def _valid_mirror(target: Path, url: str) -> bool:
    """A cache entry is trusted only if it is a bare mirror of this URL that holds refs; an empty,
    half-written or foreign directory is not (it is rebuilt)."""
    if target.is_symlink() or not target.is_dir():
        return False
    bare = _run([f"--git-dir={target}", "rev-parse", "--is-bare-repository"])
    if bare.returncode != 0 or bare.stdout.strip() != b"true":
        return False
    origin = _run([f"--git-dir={target}", "config", "--get", "remote.origin.url"])
    if origin.stdout.decode("utf-8", "replace").strip() != url:
        return False
    refs = _run([f"--git-dir={target}", "for-each-ref", "--count=1", "--format=%(objectname)"])
    if refs.returncode != 0 or not refs.stdout.strip():
        return False
    head = _run([f"--git-dir={target}", "rev-list", "-n1", "--all"])  # the objects the refs name exist
    return head.returncode == 0 and bool(head.stdout.strip())


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _clone_or_fetch(url: str) -> Path:
    """Mirror a remote into the cache (the only network the tool uses: the URL the user gave).

    A new mirror is cloned into a temporary directory and renamed into place, so an entry under its
    final name is always complete; an entry that does not validate is rebuilt, never trusted.
    """
    cache = _cache_dir()
    target = cache / hashlib.sha256(url.encode()).hexdigest()[:16]
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for stale in cache.glob(f".{target.name}.*"):
            if time.time() - stale.stat().st_mtime > _STALE_CLONE_S:
                _remove(stale)
        if target.exists() or target.is_symlink():
            if _valid_mirror(target, url):
                proc = _run([f"--git-dir={target}", "fetch", "--prune", "--quiet", "origin"])
                if proc.returncode != 0:
                    raise InputError(f"cannot fetch {url}: {git_reason(proc.stderr)}")
                return target
            _remove(target)  # a broken entry of our own cache
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache))
        try:
            proc = _run(["clone", "--mirror", "--quiet", "--", url, str(tmp)])
            if proc.returncode != 0:
                raise InputError(f"cannot clone {url}: {git_reason(proc.stderr)}")
            try:
                os.rename(tmp, target)
            except OSError:  # another run renamed its clone into place first
                if not _valid_mirror(target, url):
                    raise
        finally:
            if tmp.exists():
                _remove(tmp)
    except OSError as exc:
        raise InputError(f"cannot use the clone cache {cache}: {exc.strerror or exc} (set INVESTIGATOR_CACHE)") from None
    return target


def _local_git_dir(source: str) -> Path:
    """The git directory of a local work tree, worktree, `.git` directory or bare repository."""
    path = Path(source).expanduser()
    if not path.exists():
        raise InputError(f"repository path does not exist: {source}")
    if not path.is_dir():
        raise InputError(f"not a git repository: {source} (a file, not a directory)")
    proc = _run(["-C", str(path), "rev-parse", "--path-format=absolute", "--git-dir", "--is-inside-work-tree"])
    if proc.returncode != 0:
        reason = git_reason(proc.stderr)
        if reason.startswith("not a git repository"):
            raise InputError(f"not a git repository: {source}")
        raise InputError(f"not a git repository: {source} ({reason})")
    git_dir, inside_work_tree = proc.stdout.decode("utf-8", "surrogateescape").splitlines()[:2]
    if inside_work_tree == "true":
        top = _run(["-C", str(path), "rev-parse", "--show-toplevel"]).stdout.decode("utf-8", "surrogateescape").strip()
        if top and Path(top).resolve() != path.resolve():
            raise InputError(f"not a git repository: {source} (it is a folder inside the repository {top}; give that path)")
    elif Path(git_dir).resolve() != path.resolve():
        raise InputError(f"not a git repository: {source} (it is inside the git directory {git_dir}; give the repository)")
    return Path(git_dir)


def open_repository(source: str) -> RepoHandle:
    """Open a local (working or bare) repository or a remote URL; raise InputError otherwise."""
    if not source:
        raise InputError("no repository given")
    git_dir = _clone_or_fetch(source) if _is_remote(source) else _local_git_dir(source)
    probe = _run([f"--git-dir={git_dir}", "rev-parse", "--is-bare-repository", "--is-shallow-repository"])
    if probe.returncode != 0:
        raise InputError(f"cannot read repository {source}: {git_reason(probe.stderr)}")
    bare, shallow = (probe.stdout.decode().split() + ["false", "false"])[:2]
    refs = _run([f"--git-dir={git_dir}", "rev-list", "-n1", "--all"])
    if refs.returncode != 0:
        raise InputError(f"cannot read repository {source}: {git_reason(refs.stderr)}")
    if not refs.stdout.strip():
        raise InputError(f"repository has no commits: {source}")
    promisor = _run([f"--git-dir={git_dir}", "config", "--get-regexp", r"^remote\..*\.promisor$"])
    return RepoHandle(
        source=source,
        git_dir=str(git_dir),
        is_bare=bare == "true",
        is_shallow=shallow == "true",
        is_partial=b"true" in promisor.stdout,
    )


_SHALLOW_HINT = "`git fetch --unshallow` fetches the full history"


def _unborn_head(handle: RepoHandle) -> str | None:
    """The branch HEAD points to when that branch has no commit yet (an unborn HEAD), else None."""
    sym = handle.git("symbolic-ref", "-q", "HEAD", check=False).decode("utf-8", "replace").strip()
    if not sym:
        return None
    exists = handle.run_git(["rev-parse", "--verify", "-q", sym])
    return sym.removeprefix("refs/heads/") if exists.returncode != 0 else None


def _explain_unresolved(handle: RepoHandle, ref: str, role: str, stderr: bytes) -> InputError:
    """The true reason a ref names no commit: ambiguous prefix, a tree/blob, unborn HEAD, shallow
    boundary, or simply unknown."""
    text = stderr.decode("utf-8", "replace")
    if "is ambiguous" in text:
        kinds = re.findall(r"^hint:\s+[0-9a-f]{4,}\s+(\w+)", text, flags=re.MULTILINE)
        detail = ", ".join(f"{kinds.count(k)} {k}{'s' if kinds.count(k) > 1 else ''}" for k in dict.fromkeys(kinds))
        return InputError(
            f"ambiguous {role} ref {ref!r}: matches {len(kinds) or 'several'} objects"
            + (f" ({detail})" if detail else "") + "; give more hex digits"
        )
    plain = handle.run_git(["rev-parse", "--verify", "-q", "--end-of-options", ref])
    if plain.returncode == 0:
        sha = plain.stdout.decode().strip()
        kind = handle.git("cat-file", "-t", sha, check=False).decode().strip()
        if kind:  # a full hexadecimal id "verifies" without the object existing: then it is unknown
            return InputError(f"{role} ref {ref!r} names a {kind}, not a commit")
    if ref.split("@")[0].split("~")[0].split("^")[0] in ("HEAD", "") and (branch := _unborn_head(handle)):
        return InputError(
            f"{role} ref {ref!r}: HEAD of {handle.source} is unborn (branch {branch!r} has no commits yet); "
            f"give --{role}-commit explicitly"
        )
    msg = f"unknown {role} ref: {ref!r} (not a branch, tag or commit in {handle.source})"
    if handle.is_shallow:
        msg = f"unknown {role} ref: {ref!r} (not in this shallow clone {handle.source}; it may lie beyond the shallow boundary: {_SHALLOW_HINT})"
    return InputError(msg)


def resolve_commit(handle: RepoHandle, ref: str, role: str) -> CommitInfo:
    """Resolve any ref a user types (SHA, short SHA, branch, tag, HEAD~3, origin/x, main@{1 day ago})."""
    if not ref or not ref.strip():
        raise InputError(f"invalid {role} ref: {ref!r} (empty)")
    if ref.startswith("-"):
        raise InputError(f"invalid {role} ref: {ref!r} (a ref cannot start with '-')")
    if "\0" in ref or "\n" in ref:
        raise InputError(f"invalid {role} ref: {ref!r} (contains a control character)")
    proc = handle.run_git(["rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"])
    if proc.returncode != 0:
        raise _explain_unresolved(handle, ref, role, proc.stderr)
    sha = proc.stdout.decode().strip()
    out = handle.git("log", "-1", "--no-walk", "--no-mailmap", "--format=%H%x00%an%x00%cI%x00%B", sha, "--")
    _, author, date, message = (out.decode("utf-8", "replace").split("\0", 3) + ["", "", ""])[:4]
    summary = next((ln.strip() for ln in message.splitlines() if ln.strip()), "")
    return CommitInfo(ref=ref, sha=sha, short=sha[:7], summary=summary, author=author, date=date.strip())


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
        if handle.is_shallow:
            raise InputError(
                f"{handle.source} is a shallow clone: no common ancestor of baseline {baseline.short} and "
                f"candidate {candidate.short} within it (the merge base lies beyond the shallow boundary); "
                f"{_SHALLOW_HINT}"
            )
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
