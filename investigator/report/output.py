"""The output directory: checked before any analysis, reports written atomically under unique names.

Why: a run that analyses for minutes and then cannot write its report throws the work away, and two
runs writing into one directory must never overwrite (or half-write) each other's reports.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from investigator.git.errors import InputError

LATEST_STEM = "latest"  # `<output>/latest.<fmt>` points at the newest report of that format


def new_run_id() -> str:
    """A sortable, collision-resistant id: UTC time to the second plus 6 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe.parent != probe:
        probe = probe.parent
    return probe


def check_output_dir(path: Path, what: str = "--output") -> None:
    """Raise InputError (one line) unless reports can be written under `path`; creates nothing.

    Checked by trying: a private temporary entry is created and removed in the directory (or in its
    nearest existing ancestor), because permission bits lie for root and on /proc, /sys or a
    read-only mount.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path} is a file, not a directory")
    if path.is_symlink() and not path.exists():
        raise InputError(f"{what} {path} is a dangling symbolic link")
    base = _nearest_existing(path)
    if not base.is_dir():
        raise InputError(f"{what} {path} cannot be created: {base} is a file")
    try:
        probe = tempfile.mkdtemp(prefix=".investigator-probe-", dir=base)
        os.rmdir(probe)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        where = "" if base == path else f" ({base} is not writable)"
        raise InputError(f"{what} {path} is not writable: {reason}{where}") from None


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, then rename over `path` (never half-written)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def point_latest(report: Path) -> Path | None:
    """Make `<dir>/latest.<ext>` a relative symbolic link to `report`, replaced atomically.

    Only ever replaces a symbolic link (or nothing): a regular file the user put there is left alone.
    Returns the link, or None when it could not be made.
    """
    link = report.parent / f"{LATEST_STEM}{report.suffix}"
    if link.exists() and not link.is_symlink():
        return None
    tmp = report.parent / f".{link.name}.{secrets.token_hex(4)}.tmp"
    try:
        os.symlink(report.name, tmp)
        os.replace(tmp, link)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return None
    return link
