"""Git layer: resolve what the user typed and read both commits straight from git objects."""

from investigator.git.changeset import ChangedFile, ChangeSet, Hunk, build_changeset
from investigator.git.errors import InputError
from investigator.git.repository import CommitInfo, RepoHandle, open_repository, resolve_range
from investigator.git.snapshot import Snapshot

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
