"""Which repositories (and log paths) a job may name: the server's allowlist.

Without it, any key could make the service read arbitrary server paths (`/etc`, another team's
checkout) or clone arbitrary URLs. An entry is either a path prefix (an absolute directory: every
path under it is allowed once symlinks are resolved, so neither `..` nor a symlink can escape it) or
a URL pattern (`https://github.com/org/*`, matched with fnmatch, case-sensitive). An empty allowlist
refuses every repository, and says how to allow one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urlsplit

URL_SCHEMES = ("https", "ssh", "git")  # what the service clones; file://, http:// and ext:: are refused
_SCP_LIKE = re.compile(r"^git@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^\s]+)$")  # what investigator.git takes
_URL_PREFIXES = ("http://", "https://", "ssh://", "git://", "file://", "git@")
_HOW = "start the service with --allow-repo PATH_PREFIX or --allow-repo 'https://host/org/*' (repeatable)"


class RepoRefused(ValueError):
    """The repository (or a path of the job) is not allowed; the message says why and what to do."""


class RepoInvalid(ValueError):
    """The value is not a usable repository path or URL (wrong form, does not exist)."""


def is_url(value: str) -> bool:
    return value.startswith(_URL_PREFIXES) or "://" in value


@dataclass(frozen=True)
class Allowlist:
    prefixes: tuple[Path, ...]  # resolved directories
    patterns: tuple[str, ...]  # URL fnmatch patterns

    @classmethod
    def of(cls, entries: list[str]) -> Allowlist:
        """Split `--allow-repo` entries into path prefixes and URL patterns (ValueError on a bad one)."""
        prefixes: list[Path] = []
        patterns: list[str] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                raise ValueError("an empty --allow-repo entry")
            if is_url(entry):
                scheme = "ssh" if entry.startswith("git@") else entry.split("://", 1)[0]
                if scheme not in URL_SCHEMES:
                    raise ValueError(f"--allow-repo {entry}: only {', '.join(URL_SCHEMES)} URLs (or git@host:path) "
                                     "may be allowed")
                patterns.append(entry)
                continue
            if not os.path.isabs(os.path.expanduser(entry)):
                raise ValueError(f"--allow-repo {entry}: a path prefix must be absolute")
            prefixes.append(Path(os.path.expanduser(entry)).resolve())
        return cls(tuple(prefixes), tuple(patterns))

    @property
    def empty(self) -> bool:
        return not self.prefixes and not self.patterns

    def check_repo(self, value: str) -> str:
        """The repository as the job will use it (a resolved absolute path, or the URL unchanged), or
        RepoRefused / RepoInvalid with one line saying why."""
        value = value.strip()
        if not value or value.startswith("-"):
            raise RepoInvalid(f"repo {value!r}: not a path or URL (it cannot start with '-')")
        if any(c in value for c in "\0\n\r\t"):
            raise RepoInvalid("repo: control characters are not allowed")
        if self.empty:
            raise RepoRefused(f"repo {value}: this service allows no repository yet; {_HOW}")
        if is_url(value):
            return self._check_url(value)
        path = self.check_path(value, what="repo")
        if not path.is_dir():
            raise RepoInvalid(f"repo {value}: no such directory on the server")
        return str(path)

    def check_path(self, value: str, *, what: str) -> Path:
        """`value` resolved (symlinks followed, `..` collapsed) when it lies under an allowed prefix."""
        if not os.path.isabs(value):
            raise RepoInvalid(f"{what} {value}: a path on the server must be absolute")
        path = Path(value).resolve()
        if not any(path == prefix or path.is_relative_to(prefix) for prefix in self.prefixes):
            allowed = ", ".join(str(p) for p in self.prefixes) or "none"
            raise RepoRefused(f"{what} {value}: resolves to {path}, outside the allowed path prefixes ({allowed}); "
                              f"{_HOW}")
        return path

    def _check_url(self, value: str) -> str:
        scp = _SCP_LIKE.match(value)
        if scp is not None:
            path = scp["path"]
        else:
            parts = urlsplit(value)
            if parts.scheme not in URL_SCHEMES:
                raise RepoRefused(f"repo {value}: the {parts.scheme or 'given'} scheme is not allowed "
                                  f"(only {', '.join(URL_SCHEMES)} URLs and git@host:path)")
            if not parts.hostname or parts.query or parts.fragment:
                raise RepoInvalid(f"repo {value}: expected scheme://host/path without query or fragment")
            if parts.password is not None:
                raise RepoInvalid(f"repo {value}: credentials in the URL are not accepted (they would be stored)")
            path = parts.path
        if any(segment in ("..", ".") for segment in path.split("/")) or " " in value:
            raise RepoInvalid(f"repo {value}: '.', '..' and spaces are not allowed in a repository URL")
        if not any(fnmatchcase(value, pattern) for pattern in self.patterns):
            allowed = ", ".join(self.patterns) or "none"
            raise RepoRefused(f"repo {value}: matches no allowed URL pattern ({allowed}); {_HOW}")
        return value


def path_glob_root(glob: str) -> str:
    """The part of a log glob before its first wildcard: what must lie under an allowed prefix."""
    head: list[str] = []
    for part in glob.split("/"):
        if any(c in part for c in "*?["):
            break
        head.append(part)
    return "/".join(head) or "/"
