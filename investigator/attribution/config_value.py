"""Configuration findings: the commit that changed the key's value, not merely the last edit of its line.

Why: blame names the last commit that touched the line that sets the value at the candidate; a later
comment (`lr: 0.003  # tuned`) or a reordered annotation would take the blame although the value
was already there. So the line is compared textually one commit earlier (at the parent blame names,
under the file's path there): when exactly one line there sets the same key to the same value text,
that commit did not change the value and the line is blamed again from there. When the value was
already on that line at the baseline, the effective value changed elsewhere (an override removed, a
value computed from another file): nothing is attributed rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from investigator.attribution.blame import Blamed, BlameError, BlameRequest, blame_full
from investigator.attribution.history import GIT_TIMEOUT_S, RangeHistory
from investigator.models import Finding

_MAX_STEPS = 4  # comment-only edits followed back, at most


@dataclass(frozen=True)
class ValueOrigin:
    commit: str | None  # None: the value was on that line at the baseline already
    note: str | None = None


def leaf_key(finding: Finding) -> str | None:
    """The last component of the configuration key the finding is about."""
    for e in finding.evidence:
        key = e.details.get("candidate_key") or e.details.get("key")
        if isinstance(key, str) and key:
            return re.split(r"[./]", key)[-1] or None
    return None


def _strip_comment(text: str) -> str:
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return text[:i]
    return text


def value_tail(line: str, leaf: str) -> str | None:
    """The line from the key on, without comment, whitespace or trailing comma: `gem:float=0.0`."""
    code = _strip_comment(line)  # a commented-out setting sets nothing
    m = re.search(rf"(?<![\w]){re.escape(leaf)}(?!\w)", code)
    if m is None:
        return None
    return re.sub(r"\s+", "", code[m.start():]).rstrip(",;") or None


_SECTION = re.compile(r"^\[[^\]]+\]$")  # an INI/TOML section header


def context(lines: list[str], index: int) -> tuple[str, ...]:
    """Where a line sits: the enclosing lines of smaller indentation (YAML mappings, Python classes
    and functions) up to the top level, or the INI/TOML section header above it. The same key and
    value under another section is another setting."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    out: list[str] = []
    for text in reversed(lines[:index]):
        stripped = _strip_comment(text).strip()
        if not stripped:
            continue
        if _SECTION.match(stripped):
            out.append(stripped)
            break
        level = len(text) - len(text.lstrip())
        if level < indent:
            out.append(stripped)
            indent = level
            if level == 0:
                break
    return tuple(out)


def _lines_at(history: RangeHistory, sha: str, path: str) -> list[str] | None:
    proc = history.handle.run_git(["show", f"{sha}:{path}"], timeout=GIT_TIMEOUT_S)
    return proc.stdout.decode("utf-8", "replace").splitlines() if proc.returncode == 0 else None


def _blame_line(history: RangeHistory, path: str, line: int, at: str) -> tuple[str, Blamed] | None:
    """The commit of the range that last changed `line` of `path` at commit `at` (the baseline itself
    when `at` is the baseline or the line is older), or None when git cannot say."""
    if not history.in_range(at):
        return history.baseline, Blamed({}, {})
    try:
        blamed = blame_full(history.handle, BlameRequest(path, frozenset({line}), False, history.baseline, at))
    except BlameError:
        return None
    sha = blamed.lines.get(line)
    return (sha, blamed) if sha else None


def value_origin(history: RangeHistory, blamed: Blamed, commit: str, lines: list[str], index: int,
                 leaf: str) -> ValueOrigin:
    """Follow `commit` (blamed for line `index` (0-based) of `lines`, the file at the candidate) back
    past edits that left the value, and where it sits, unchanged."""
    tail = value_tail(lines[index], leaf)
    if tail is None:
        return ValueOrigin(commit)
    where = context(lines, index)
    for _ in range(_MAX_STEPS):
        previous = blamed.previous.get(commit)
        if previous is None:  # the file appeared at `commit`: the value did too
            return ValueOrigin(commit)
        parent, path = previous
        before = _lines_at(history, parent, path)
        if before is None:
            return ValueOrigin(commit)
        same = [n for n, text in enumerate(before, 1) if value_tail(text, leaf) == tail and context(before, n - 1) == where]
        if not same:
            return ValueOrigin(commit)
        if len(same) > 1:
            return ValueOrigin(commit, f"`{leaf}` is set to the same value on {len(same)} lines before "
                                       f"{commit[:7]}: attributed to the last edit of the candidate's line")
        earlier = _blame_line(history, path, same[0], parent)
        if earlier is None:
            return ValueOrigin(commit)
        if not history.in_range(earlier[0]):
            return ValueOrigin(None, f"`{leaf}` had this value on this line at the baseline already: "
                                     "its effective value changed elsewhere")
        commit, blamed = earlier
    return ValueOrigin(commit)
