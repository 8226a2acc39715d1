"""Turn a detector hit into report evidence: both-side locations, the relevant hunk, a restoring patch."""

from __future__ import annotations

import difflib
import re

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PairIndex
from investigator.detectors.sources import DiffHunk, FileChange

MAX_HUNK_LINES = 60


def map_line(change: FileChange | None, side: str, line: int) -> int:
    """The line on the other side that corresponds to `line` (start of the hunk when inside one)."""
    if change is None:
        return line
    shift = 0
    for h in change.hunks:
        lo, hi = h.old_range if side == "baseline" else h.new_range
        if line < lo:
            break
        if line <= hi:
            return _within(h, side, line)
        shift += (h.new_len - h.old_len) if side == "baseline" else (h.old_len - h.new_len)
    return max(1, line + shift)


def _within(hunk: DiffHunk, side: str, line: int) -> int:
    """Inside a hunk: the other side's line at the same position (next line for a one-sided change)."""
    old, new = hunk.old_start, hunk.new_start
    for text in hunk.lines:
        sign = text[:1]
        here = old if side == "baseline" else new
        if here == line and (sign == " " or sign == ("-" if side == "baseline" else "+")):
            return new if side == "baseline" else old
        if sign in (" ", "-"):
            old += 1
        if sign in (" ", "+"):
            new += 1
    return hunk.new_start if side == "baseline" else hunk.old_start


def counterpart(
    index: PairIndex, loc: tuple[str, int], side: str, other_fn: FunctionInfo | None, this_fn: FunctionInfo | None
) -> tuple[str, int] | None:
    """Where a line at one commit is at the other commit."""
    path, line = loc
    change = index.change_for(path, side)
    if change is not None:
        other_path = change.new_path if side == "baseline" else change.old_path
        if other_path is not None and (other_fn is None or other_fn.path == other_path):
            return other_path, map_line(change, side, line)
    elif other_fn is None or other_fn.path == path:
        return path, line  # file unchanged: same line
    if other_fn is not None and this_fn is not None:
        offset = max(0, line - this_fn.lineno)
        return other_fn.path, min(other_fn.lineno + offset, other_fn.end_lineno)
    return None


def _hunks_at(index: PairIndex, base: tuple[str, int] | None, cand: tuple[str, int] | None
              ) -> tuple[FileChange | None, list[DiffHunk]]:
    """The git hunks at the candidate location (else the baseline's), with the file change they belong to."""
    out: list[DiffHunk] = []
    for loc, side in ((cand, "candidate"), (base, "baseline")):
        if loc is None:
            continue
        change = index.change_for(loc[0], side)
        if change is None or change.old_path is None or change.new_path is None:
            continue  # a whole added/deleted file is no useful hunk: the function diff is
        for h in change.hunks:
            if h.touches(side, loc[1], slack=2) and h not in out:
                out.append(h)
        if out:
            return change, out
    return None, out


def hunk_text(
    index: PairIndex,
    base: tuple[str, int] | None,
    cand: tuple[str, int] | None,
    base_fn: FunctionInfo | None,
    cand_fn: FunctionInfo | None,
) -> str | None:
    """The git hunk(s) at the finding; a function-level diff when the code moved between files. The
    header names the two versions of the file the hunks belong to (a finding whose candidate line is in
    a callee shows that callee's file at both commits, not the caller's baseline file)."""
    change, hunks = _hunks_at(index, base, cand)
    if change is not None and hunks:
        text = "\n".join(h.text() for h in hunks)
        return _trim(f"--- {change.old_path}\n+++ {change.new_path}\n{text}")
    if base_fn is not None and cand_fn is not None:
        diff = difflib.unified_diff(
            base_fn.source().splitlines(),
            cand_fn.source().splitlines(),
            fromfile=f"{base_fn.path}:{base_fn.lineno}",
            tofile=f"{cand_fn.path}:{cand_fn.lineno}",
            lineterm="",
            n=2,
        )
        text = "\n".join(diff)
        return _trim(text) if text else None
    return None


def _trim(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= MAX_HUNK_LINES:
        return text
    return "\n".join([*lines[:MAX_HUNK_LINES], f"... ({len(lines) - MAX_HUNK_LINES} more lines)"])


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def restore_patch(index: PairIndex, base_fn: FunctionInfo | None, cand_fn: FunctionInfo | None) -> str | None:
    """A unified diff (applies with `git apply`) that puts the baseline code back in the candidate file."""
    if base_fn is None or cand_fn is None or base_fn.shape == cand_fn.shape:
        return None
    if cand_fn.is_module or base_fn.is_module:
        return _reverse_module_hunks(index, cand_fn)
    cand_lines = cand_fn.module.text.splitlines()
    old_block = base_fn.source().splitlines()
    if not old_block:
        return None
    old_indent, new_indent = _indent(old_block[0]), _indent(cand_lines[cand_fn.lineno - 1])
    block = [new_indent + ln[len(old_indent) :] if ln.startswith(old_indent) else ln for ln in old_block]
    if base_fn.name != cand_fn.name:  # keep the candidate's name: its callers use it
        block = [re.sub(rf"\bdef\s+{re.escape(base_fn.name)}\b", f"def {cand_fn.name}", ln, count=1) for ln in block]
    restored = cand_lines[: cand_fn.lineno - 1] + block + cand_lines[cand_fn.end_lineno :]
    diff = difflib.unified_diff(
        cand_lines, restored, fromfile=f"a/{cand_fn.path}", tofile=f"b/{cand_fn.path}", lineterm="", n=3
    )
    text = "\n".join(diff)
    return text + "\n" if text else None


def _reverse_module_hunks(index: PairIndex, cand_fn: FunctionInfo) -> str | None:
    """Module-level code is not contiguous: revert the git hunks that touch its statements."""
    change = index.change_for(cand_fn.path, "candidate")
    if change is None or not change.hunks:
        return None
    spans = [(s.lineno, getattr(s, "end_lineno", s.lineno) or s.lineno) for s in cand_fn.body]
    chosen = [
        h
        for h in change.hunks
        if any(lo <= h.new_range[1] and h.new_range[0] <= hi for lo, hi in spans) or h.new_len == 0
    ]
    return reverse_hunks(cand_fn.path, chosen) if chosen else None


def reverse_hunks(path: str, hunks: list[DiffHunk]) -> str:
    """Undo the given hunks of a candidate file (the rest of the file stays as it is)."""
    out = [f"--- a/{path}", f"+++ b/{path}"]
    shift = 0
    for h in sorted(hunks, key=lambda x: x.new_start):
        if h.old_len == 0:  # the candidate added lines: the restored file has none there
            plus_start = h.new_start - 1 - shift
        elif h.new_len == 0:  # the candidate deleted lines: new_start names the line before them
            plus_start = h.new_start + 1 - shift
        else:
            plus_start = h.new_start - shift
        minus_start = h.new_start
        out.append(f"@@ -{minus_start},{h.new_len} +{max(plus_start, 0)},{h.old_len} @@")
        for line in h.lines:
            sign, body = line[:1], line[1:]
            out.append(("-" if sign == "+" else "+" if sign == "-" else " ") + body)
        shift += h.new_len - h.old_len
    return "\n".join(out) + "\n"
