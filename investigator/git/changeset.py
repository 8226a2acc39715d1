"""The set of changes between two commits: files, statuses, renames, hunks, both sides' contents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from git.exc import GitCommandError

from investigator.git.errors import InputError
from investigator.git.paths import path_text
from investigator.git.repository import CommitRange, RepoHandle, git_reason
from investigator.git.snapshot import Snapshot

_HUNK_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_STATUS_NAMES = {
    "A": "added",
    "D": "deleted",
    "M": "modified",
    "R": "renamed",
    "C": "copied",
    "T": "type-changed",
}


@dataclass
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    header: str
    lines: list[str] = field(default_factory=list)  # with their ' ', '+', '-' prefix

    @property
    def removed_lines(self) -> list[int]:
        """Baseline line numbers of removed lines."""
        out, line = [], self.old_start
        for text in self.lines:
            if text.startswith("-"):
                out.append(line)
                line += 1
            elif text.startswith(" "):
                line += 1
        return out

    @property
    def added_lines(self) -> list[int]:
        """Candidate line numbers of added lines."""
        out, line = [], self.new_start
        for text in self.lines:
            if text.startswith("+"):
                out.append(line)
                line += 1
            elif text.startswith(" "):
                line += 1
        return out

    def text(self) -> str:
        head = f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@{self.header}"
        return "\n".join([head, *self.lines])


@dataclass
class ChangedFile:
    status: str  # added | deleted | modified | renamed | copied | type-changed
    old_path: str | None
    new_path: str | None
    similarity: int | None = None
    binary: bool = False
    old_blob: str | None = None  # blob ids from the raw diff (None: absent or not a regular blob)
    new_blob: str | None = None
    added: int = 0
    removed: int = 0
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The path a user recognises: the candidate's, or the baseline's for a deletion."""
        return self.new_path or self.old_path or ""

    @property
    def is_pure_rename(self) -> bool:
        return self.status == "renamed" and self.similarity == 100 and not self.hunks

    def patch(self) -> str:
        a = f"a/{self.old_path}" if self.old_path else "/dev/null"
        b = f"b/{self.new_path}" if self.new_path else "/dev/null"
        return "\n".join([f"--- {a}", f"+++ {b}", *(h.text() for h in self.hunks)])


@dataclass
class ChangeSet:
    handle: RepoHandle
    range: CommitRange
    files: list[ChangedFile]
    baseline: Snapshot
    candidate: Snapshot
    diff_seconds: float = 0.0

    @property
    def lines_added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def lines_removed(self) -> int:
        return sum(f.removed for f in self.files)

    def by_path(self, path: str) -> ChangedFile | None:
        return next((f for f in self.files if path in (f.new_path, f.old_path)), None)


_BLOB_MODES = {b"100644", b"100755", b"120000"}  # regular files and symlinks; not submodules (160000)


def _blob_id(mode: bytes, sha: bytes) -> str | None:
    return sha.decode() if mode in _BLOB_MODES and sha.strip(b"0") else None


def _parse_raw(raw: bytes) -> list[ChangedFile]:
    """Parse `git diff --raw --numstat -z` output into ChangedFile records (no hunks yet)."""
    tokens = raw.split(b"\0")
    files: list[ChangedFile] = []
    numstats: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok:
            i += 1
            continue
        if tok.startswith(b":"):
            meta = tok[1:].split()
            code = meta[4].decode()
            old_blob, new_blob = (_blob_id(meta[0], meta[2]), _blob_id(meta[1], meta[3]))
            letter, score = code[0], code[1:]
            old: str | None
            new: str | None
            if letter in ("R", "C"):
                old, new = path_text(tokens[i + 1]), path_text(tokens[i + 2])
                i += 3
            else:
                path = path_text(tokens[i + 1])
                old = None if letter == "A" else path
                new = None if letter == "D" else path
                i += 2
            files.append(
                ChangedFile(
                    status=_STATUS_NAMES.get(letter, "modified"),
                    old_path=old,
                    new_path=new,
                    similarity=int(score) if score else None,
                    old_blob=old_blob,
                    new_blob=new_blob,
                )
            )
        else:
            # numstat: "added\tremoved\tpath" or "added\tremoved\t" followed by old\0new\0 for renames
            parts = tok.split(b"\t")
            added, removed = parts[0].decode(), parts[1].decode()
            if len(parts) >= 3 and parts[2] == b"":
                i += 3
            else:
                i += 1
            numstats.append((added, removed))
    for f, (added, removed) in zip(files, numstats, strict=False):
        if added == "-":
            f.binary = True
        else:
            f.added, f.removed = int(added), int(removed)
    return files


def _parse_patch(patch: bytes, files: list[ChangedFile]) -> None:
    """Attach hunks to files; patch blocks come in the same order as the raw records."""
    blocks = re.split(rb"^diff --git ", patch, flags=re.MULTILINE)[1:]
    for f, block in zip(files, blocks, strict=False):
        if f.binary:
            continue
        current: Hunk | None = None
        for line in block.split(b"\n"):
            m = _HUNK_HEADER.match(line)
            if m:
                current = Hunk(
                    old_start=int(m.group(1)),
                    old_len=int(m.group(2)) if m.group(2) is not None else 1,
                    new_start=int(m.group(3)),
                    new_len=int(m.group(4)) if m.group(4) is not None else 1,
                    header=m.group(5).decode("utf-8", "replace"),
                )
                f.hunks.append(current)
            elif current is not None and line[:1] in (b" ", b"+", b"-"):
                current.lines.append(line.decode("utf-8", "replace"))
            elif current is not None and line.startswith(b"\\"):
                continue


def build_changeset(handle: RepoHandle, commit_range: CommitRange) -> ChangeSet:
    """The change set of the range; a diff git cannot compute (a partial clone whose changed blobs
    cannot be fetched, a corrupt object) is an input error carrying git's reason."""
    try:
        return _build_changeset(handle, commit_range)
    except GitCommandError as exc:
        a, b = commit_range.baseline.short, commit_range.candidate.short
        hint = ""
        if handle.is_partial:
            hint = (" (a partial clone: blobs the diff needs are not local and its promisor remote did not "
                    "send them; fetch them or use a full clone)")
        raise InputError(f"cannot diff {a}..{b} in {handle.source}: {git_reason(exc.stderr)}{hint}") from None


def _build_changeset(handle: RepoHandle, commit_range: CommitRange) -> ChangeSet:
    """Diff the two commits with rename detection, straight from git objects.

    After the raw diff (which names every changed blob), the patch, both trees and the changed
    blobs are read by concurrent git processes: each analyzer then finds them cached.
    """
    import time
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    a, b = commit_range.baseline.sha, commit_range.candidate.sha
    common = ["-M", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames=50%"]
    raw = handle.git("diff", "--raw", "--numstat", "-z", "--no-abbrev", *common, a, b)
    files = _parse_raw(raw)
    baseline, candidate = Snapshot(handle, a), Snapshot(handle, b)
    old_blobs = [(f.old_blob, f.old_path) for f in files if not f.binary and f.old_blob and f.old_path]
    new_blobs = [(f.new_blob, f.new_path) for f in files if not f.binary and f.new_blob and f.new_path]
    shas = list(dict.fromkeys(sha for sha, _ in (*old_blobs, *new_blobs)))
    with ThreadPoolExecutor(max_workers=4) as pool:  # the work is in git processes, not in Python
        patch_job = pool.submit(handle.git, "diff", "-U3", *common, a, b)
        tree_jobs = [pool.submit(snap.load_tree) for snap in (baseline, candidate)]
        blob_job = pool.submit(baseline.read_blob_ids, shas)
        patch = patch_job.result()
        for job in tree_jobs:
            job.result()
        blobs = dict(zip(shas, blob_job.result(), strict=True))
    _parse_patch(patch, files)
    baseline.seed({path: blobs[sha] for sha, path in old_blobs})
    candidate.seed({path: blobs[sha] for sha, path in new_blobs})
    elapsed = time.perf_counter() - start
    return ChangeSet(
        handle=handle,
        range=commit_range,
        files=files,
        baseline=baseline,
        candidate=candidate,
        diff_seconds=elapsed,
    )
