"""Repository paths as text."""

from __future__ import annotations


def path_text(raw: bytes) -> str:
    """A path as git stores it, as text. Paths are only keys and labels here (blobs are read by id,
    never by path), so bytes that are not UTF-8 are written as `\\xe9` escapes: the same in every
    place that decodes a path, and printable in every report (a surrogate escape could not be
    written to a UTF-8 file)."""
    return raw.decode("utf-8", "backslashreplace")
