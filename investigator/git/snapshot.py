"""Read files at one commit from git objects, without a checkout."""

from __future__ import annotations

import ast
import posixpath
import threading
from functools import cached_property

from git.exc import GitCommandError

from investigator.content import decode_text, is_binary
from investigator.git.paths import path_text
from investigator.git.repository import RepoHandle, git_reason
from investigator.pyast import parse_python


class Snapshot:
    """The tree of one commit: list paths, read blobs (cached, via one `git cat-file --batch`)."""

    def __init__(self, handle: RepoHandle, sha: str) -> None:
        self.handle = handle
        self.sha = sha
        self._cache: dict[str, bytes | None] = {}
        self._lock = threading.Lock()
        self._ast_cache: dict[str, tuple[ast.Module | None, str | None]] = {}
        self.missing: dict[str, str] = {}  # blob id -> why git could not read it (a partial clone offline)

    @cached_property
    def _listing(self) -> tuple[dict[str, str], frozenset[str], tuple[str, ...]]:
        """(path -> blob id, the paths that are symbolic links, the submodule paths); a submodule's
        files are in another repository and are not listed."""
        out = self.handle.git("ls-tree", "-r", "-z", "--full-tree", self.sha)
        entries: dict[str, str] = {}
        links: set[str] = set()
        submodules: list[str] = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            parts = meta.split()
            if len(parts) >= 3 and parts[1] == b"blob":
                name = path_text(path)
                entries[name] = parts[2].decode()
                if parts[0] == b"120000":
                    links.add(name)
            elif len(parts) >= 3 and parts[1] == b"commit":
                submodules.append(path_text(path))
        return entries, frozenset(links), tuple(submodules)

    @property
    def submodules(self) -> tuple[str, ...]:
        """Paths of the submodules at this commit (their content is not in this repository)."""
        return self._listing[2]

    @property
    def _tree(self) -> dict[str, str]:
        return self._listing[0]

    def link_target(self, path: str) -> str | None:
        """The file a symbolic link leads to inside this tree (links followed up to 8 deep), or None
        for a link that leaves the repository, dangles or loops. Only the commit's tree is ever read,
        never the local file system."""
        links = self._listing[1]
        for _ in range(8):
            if path not in links:
                return path if path in self._tree else None
            raw = self._raw(path)
            if raw is None:
                return None
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), raw.decode("utf-8", "replace")))
            if target.startswith(("../", "/")) or target == "..":
                return None
            path = target
        return None

    def link_problem(self, path: str) -> str | None:
        """Why a symbolic link cannot be read (None for a regular file or a link inside the tree)."""
        if path not in self._listing[1] or self.link_target(path) is not None:
            return None
        raw = self._raw(path) or b""
        return f"a symbolic link to `{raw.decode('utf-8', 'replace')}`, outside the repository, dangling or looping"

    def load_tree(self) -> None:
        """List the tree now (callers overlap it with other git work)."""
        _ = self._tree

    def seed(self, blobs: dict[str, bytes | None]) -> None:
        """Cache contents already read by blob id (the diff names the changed blobs); only paths of
        this tree are kept."""
        with self._lock:
            for path, data in blobs.items():
                if path in self._tree and path not in self._cache:
                    self._cache[path] = data

    def read_blob_ids(self, shas: list[str]) -> list[bytes | None]:
        """Contents of blobs by id, in one git process (None for an id git does not have)."""
        return self._read_blobs(shas) if shas else []

    def paths(self) -> list[str]:
        return sorted(self._tree)

    def exists(self, path: str) -> bool:
        return path in self._tree

    def read_bytes(self, path: str) -> bytes | None:
        """The file's content; a symbolic link reads as the file it leads to in this tree (None when
        it leads nowhere inside the tree: see `link_problem`)."""
        if path in self._listing[1]:
            target = self.link_target(path)
            return self._raw(target) if target is not None else None
        return self._raw(path)

    def _raw(self, path: str) -> bytes | None:
        """The blob stored at `path` (a link's own target text for a symbolic link)."""
        if path not in self._tree:
            return None
        with self._lock:
            if path not in self._cache:
                self._cache[path] = self._read_blobs([self._tree[path]])[0]
            return self._cache[path]

    def prefetch(self, paths: list[str]) -> None:
        """Read many blobs in one git process (much faster than one call each)."""
        wanted = [p for p in paths if p in self._tree and p not in self._cache]
        if not wanted:
            return
        blobs = self._read_blobs([self._tree[p] for p in wanted])
        with self._lock:
            self._cache.update(zip(wanted, blobs, strict=True))

    def read_text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        if data is None or is_binary(data):
            return None
        return decode_text(data)

    def python_ast(self, path: str) -> tuple[ast.Module | None, str | None]:
        """Parsed module (cached per commit; callers must not mutate it) or a one-line parse error."""
        if path not in self._ast_cache:
            text = self.read_text(path)
            self._ast_cache[path] = parse_python(text) if text is not None else (None, "not a text file")
        return self._ast_cache[path]

    def parsed_if_cached(self, path: str) -> ast.Module | None:
        """The tree of `path` only if someone already parsed it (no parse, nothing new kept alive)."""
        hit = self._ast_cache.get(path)
        return hit[0] if hit else None

    def unreadable(self) -> dict[str, str]:
        """Paths of this tree whose blob git could not read, with git's reason (to record as failures)."""
        by_id: dict[str, list[str]] = {}
        for path, sha in self._tree.items():
            if sha in self.missing:
                by_id.setdefault(sha, []).append(path)
        return {path: self.missing[sha] for sha, paths in by_id.items() for path in paths}

    def _read_blobs(self, shas: list[str]) -> list[bytes | None]:
        """One `git cat-file --batch` for all ids. In a partial clone git stops at the first blob it
        cannot fetch: that blob is recorded as missing and the batch goes on after it, without
        further network attempts."""
        blobs: list[bytes | None] = []
        todo, env = list(shas), None
        while todo:
            proc = self.handle.run_git(["cat-file", "--batch"], input_bytes="\n".join(todo).encode() + b"\n", env=env)
            got = _parse_batch(proc.stdout, len(todo))
            blobs.extend(got)
            if proc.returncode == 0 and len(got) == len(todo):
                break
            if len(got) >= len(todo) or not self.handle.is_partial:
                raise GitCommandError(["git", "cat-file", "--batch"], proc.returncode, proc.stderr)
            self.missing[todo[len(got)]] = git_reason(proc.stderr)
            blobs.append(None)
            todo = todo[len(got) + 1 :]
            env = {"GIT_NO_LAZY_FETCH": "1"}  # the promisor did not answer: do not ask it again
        return blobs


def _parse_batch(out: bytes, limit: int) -> list[bytes | None]:
    """The complete records of `git cat-file --batch` output (None for "<id> missing")."""
    blobs: list[bytes | None] = []
    pos = 0
    while len(blobs) < limit:
        nl = out.find(b"\n", pos)
        if nl < 0:
            break
        header = out[pos:nl].split()
        if len(header) < 3 or header[1] == b"missing":  # "<id> missing" (e.g. a shallow clone)
            blobs.append(None)
            pos = nl + 1
            continue
        size = int(header[2])
        start = nl + 1
        if start + size > len(out):
            break
        blobs.append(out[start : start + size])
        pos = start + size + 1
    return blobs
