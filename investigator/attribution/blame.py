"""`git blame` over the range, for the lines a finding names: which commit made each line what it is.

Why blame and not a commit-by-commit content check: blame tracks each line through every commit that
touched the file (lines shifting, the file renamed, merges descended into), in one git process per
file for all the lines of all the findings there, and it stops at the baseline. Two directions:

- forward (`blame baseline..candidate -- path`, candidate lines): the last commit that changed each
  line; a line that did not change in the range is blamed on the boundary (outside the range);
- reverse (`blame --reverse --first-parent baseline..candidate -- path`, baseline lines): the last
  first-parent commit in which each baseline line still existed; the next commit removed it.

Whitespace-only changes are ignored (`-w`): a reformatting commit is not the one that changed a line.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from investigator.attribution.history import GIT_TIMEOUT_S
from investigator.git.repository import RepoHandle, git_reason

_HEADER = re.compile(r"^([0-9a-f]{40}) (\d+) (\d+)(?: (\d+))?$")


class BlameError(Exception):
    """Git could not blame the file (the message is git's reason)."""


@dataclass(frozen=True)
class BlameRequest:
    path: str
    lines: frozenset[int]
    reverse: bool
    start: str  # the range's start (baseline)
    end: str  # the range's end (candidate, or a merged branch's tip)


def _spans(lines: frozenset[int]) -> list[str]:
    """`-L a,b` arguments covering `lines` with as few spans as possible."""
    out: list[str] = []
    ordered = sorted(lines)
    first = prev = ordered[0]
    for n in ordered[1:]:
        if n != prev + 1:
            out += ["-L", f"{first},{prev}"]
            first = n
        prev = n
    return [*out, "-L", f"{first},{prev}"]


@dataclass(frozen=True)
class Blamed:
    lines: dict[int, str]  # line number (of `end`'s file; `start`'s for reverse) -> the commit blame names
    previous: dict[str, tuple[str, str]]  # commit -> (its parent, the file's path there), where git says


def blame(handle: RepoHandle, req: BlameRequest) -> dict[int, str]:
    """Line number (of `req.end`'s file, or `req.start`'s for reverse) -> the commit blame names."""
    return blame_full(handle, req).lines


def blame_full(handle: RepoHandle, req: BlameRequest) -> Blamed:
    """`blame`, with the parent and path at which each named commit's version of the file was."""
    if not req.lines:
        return Blamed({}, {})
    args = ["blame", "--porcelain", "-w", *_spans(req.lines)]
    if req.reverse:
        args += ["--reverse", "--first-parent"]
    args += [f"{req.start}..{req.end}", "--", req.path]
    try:
        proc = handle.run_git(args, timeout=GIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BlameError(f"git blame of {req.path} took more than {GIT_TIMEOUT_S:g} s") from None
    if proc.returncode != 0:
        raise BlameError(f"git blame of {req.path}: {git_reason(proc.stderr)}")
    out: dict[int, str] = {}
    previous: dict[str, tuple[str, str]] = {}
    current = ""
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        m = _HEADER.match(line)
        if m:
            current = m.group(1)
            out[int(m.group(3))] = current
        elif line.startswith("previous ") and current:
            parent, _, path = line[len("previous "):].partition(" ")
            previous[current] = (parent, path)
    return Blamed({n: sha for n, sha in out.items() if n in req.lines}, previous)
