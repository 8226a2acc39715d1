"""What makes a file's content unreadable as text, said once for triage and every analyzer.

A file that cannot be read at one commit must become a recorded failure that names it, never an
empty file: an empty configuration would read as every key removed.
"""

from __future__ import annotations

# https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md: a pointer file starts with this line
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
BINARY_PROBE = 8000  # bytes searched for a NUL, as git does
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 text (YAML allows it) is full of NULs, yet text


def is_binary(data: bytes) -> bool:
    """NUL bytes near the start, as git decides, unless a UTF-16 byte-order mark says it is text."""
    return b"\0" in data[:BINARY_PROBE] and not data.startswith(UTF16_BOMS)


def unreadable_reason(data: bytes | None, max_bytes: int | None = None, snapshot: object = None,
                      path: str | None = None) -> str | None:
    """Why `data` cannot be read as the text of a source or configuration file, or None when it can.
    With the `snapshot` it was read from, a symbolic link that leads out of the tree says so."""
    link_problem = getattr(snapshot, "link_problem", None)
    if link_problem is not None and path is not None and (problem := link_problem(path)) is not None:
        return problem
    if data is None:
        return "content missing from the clone (shallow or partial clone?)"
    if data.startswith(LFS_POINTER):
        return "a git-LFS pointer: the content is stored outside the repository"
    if is_binary(data):
        return "binary content (NUL bytes), not text"
    if max_bytes is not None and len(data) > max_bytes:
        return f"too large to read ({len(data):,} bytes, limit {max_bytes:,})"
    return None


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped; UTF-16 when its mark says so); undecodable bytes become
    U+FFFD, equal bytes stay equal, so two sides still compare as their bytes do."""
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")
