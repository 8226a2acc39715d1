"""Git layer: resolve what the user typed and read both commits straight from git objects.

The names below load their module on first use (PEP 562): `investigator.git.errors`, which the CLI
imports at start-up for `InputError`, then does not pull in gitpython and the diff machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from investigator.git.errors import InputError

if TYPE_CHECKING:
    from investigator.git.changeset import ChangedFile, ChangeSet, Hunk, build_changeset
    from investigator.git.repository import CommitInfo, RepoHandle, open_repository, resolve_range
    from investigator.git.snapshot import Snapshot

_HOME = {
    "ChangeSet": "changeset",
    "ChangedFile": "changeset",
    "Hunk": "changeset",
    "build_changeset": "changeset",
    "CommitInfo": "repository",
    "RepoHandle": "repository",
    "open_repository": "repository",
    "resolve_range": "repository",
    "Snapshot": "snapshot",
}

__all__ = [
    "ChangeSet",
    "ChangedFile",
    "CommitInfo",
    "Hunk",
    "InputError",
    "RepoHandle",
    "Snapshot",
    "build_changeset",
    "open_repository",
    "resolve_range",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
