"""The one git-repository builder of the tests and benchmarks (git CLI, fake author set once).

Why one: every generated repository needs the same identity and isolation (no user or system git
config, `HOME` pointed at the repository), and a single builder keeps that in one place.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

# Contents of a file to write; None deletes the file.
FileContent = str | bytes | None
Files = Mapping[str, FileContent]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path | str, *args: str, input_text: str | None = None) -> str:
    """Run git in `repo` with the test identity; return its stripped stdout (raises on failure)."""
    env = {**os.environ, **GIT_ENV, "HOME": str(repo)}
    proc = subprocess.run(["git", *args], cwd=repo, env=env, input=input_text, capture_output=True, text=True,
                          check=True)
    return proc.stdout.strip()


def init_repo(repo: Path) -> None:
    """An empty repository on branch `main` (parents created)."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def write_files(repo: Path, files: Files) -> None:
    """Write (or, for None, delete when present) files relative to `repo`."""
    for rel, content in files.items():
        target = repo / rel
        if content is None:
            if target.exists():
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in the work tree (empty commits allowed); return the new SHA."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def commit_files(repo: Path, files: Files, message: str = "change") -> str:
    """Write files into `repo` (initialised on first use) and commit them; return the new SHA."""
    if not (repo / ".git").exists():
        init_repo(repo)
    write_files(repo, files)
    return commit_all(repo, message)


def make_repo(path: Path, commits: Iterable[tuple[str, Files]]) -> list[str]:
    """A repository at `path` with one commit per (message, files) in order; returns their SHAs."""
    return [commit_files(path, files, message) for message, files in commits]
