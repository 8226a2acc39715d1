"""Which of a set of patterns the code or configuration of a commit mentions (`git grep`, no checkout).

Why: a playbook hypothesis about a concept the code never has (a target network in an on-policy PPO
repository, PPO clipping in a DQN one) is "not applicable", not "inconclusive"; a user reading the
subsystem table should not chase it. One `git grep -o` per commit over every pattern at once keeps the
cost to a fraction of a second on an 800-file repository (skrl: 0.2 s)."""

from __future__ import annotations

import re
import subprocess

from investigator.git.errors import InputError
from investigator.git.repository import RepoHandle

# Source and configuration files; data, docs and notebooks do not make a concept part of training.
_PATHSPECS = ("*.py", "*.pyx", "*.yaml", "*.yml", "*.json", "*.toml", "*.gin", "*.cfg", "*.ini")
_TIMEOUT_S = 20.0


def mentioned(handle: RepoHandle, commits: list[str], patterns: dict[str, str]) -> set[str] | None:
    """The keys of `patterns` (case-insensitive extended regexes) whose pattern occurs in a source or
    configuration file at any of `commits`; None when git cannot answer (then nothing is decided)."""
    compiled = {key: re.compile(pattern, re.IGNORECASE) for key, pattern in patterns.items()}
    found: set[str] = set()
    for commit in commits:
        missing = {key: rx for key, rx in compiled.items() if key not in found}
        if not missing:
            break
        args = ["grep", "-I", "-i", "-h", "-o", "-E"]
        for pattern in dict.fromkeys(patterns[key] for key in missing):
            args += ["-e", pattern]
        try:
            proc = handle.run_git([*args, commit, "--", *_PATHSPECS], timeout=_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError, InputError):
            return None
        if proc.returncode not in (0, 1):  # 1: no match at all
            return None
        matches = set(proc.stdout.decode("utf-8", "replace").splitlines())
        found |= {key for key, rx in missing.items() if any(rx.search(m) for m in matches)}
    return found
