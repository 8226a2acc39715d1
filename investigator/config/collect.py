"""Read every configuration-bearing file of one commit from git objects and parse it once.

Parses are cached by (path, content) so a file identical at both commits is parsed once; a file
that does not parse becomes a recorded failure and everything else goes on.
"""

from __future__ import annotations

import ast
import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from investigator import budget
from investigator.config.extractors import ExtractError, ParsedFile, extractor_for
from investigator.config.extractors.python import ModuleInfo
from investigator.config.loading import LoadIndex, string_values
from investigator.config.program import Program
from investigator.config.usage import ReadIndex
from investigator.content import decode_text, unreadable_reason
from investigator.pyast import parse_tree


class SnapshotLike(Protocol):
    sha: str

    def paths(self) -> list[str]: ...
    def read_bytes(self, path: str) -> bytes | None: ...
    def prefetch(self, paths: list[str]) -> None: ...


ParseCache = dict[tuple[str, bytes], "ParsedFile | str"]


@dataclass
class SideData:
    """All parsed files of one commit."""

    sha: str
    parsed: dict[str, ParsedFile] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    # path -> (why, content digest) of a file that was not read at all (binary, LFS pointer, too large);
    # the analyzer names the ones that matter (changed, or read at the other commit)
    unreadable: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    submodules: tuple[str, ...] = ()  # paths of submodules: files under them are unknown at this commit
    sources: dict[str, str] = field(default_factory=dict)  # Python sources (for the lazy read index)
    read_cache: dict = field(default_factory=dict)  # shared with the other commit's SideData
    parse: Callable[[str, str], ast.Module | None] | None = None  # cached parser of this commit's modules
    reused: list[str] = field(default_factory=list)  # modules taken from the other commit (`collect`)

    @cached_property
    def program(self) -> Program:
        modules = {p: f.data for p, f in self.parsed.items() if isinstance(f.data, ModuleInfo)}
        return Program(modules)

    @cached_property
    def reads(self) -> ReadIndex:
        config_classes: dict[str, set[str]] = {}
        for path, module in self.program.modules.items():
            names = {n for n in module.classes if n in self.program.config_classes}
            if names:
                config_classes[path] = names
        index = ReadIndex(self.sources, config_classes, self.read_cache, parse=self.parse,
                          covering=self.program.covering)
        index.loads = self.loads
        return index

    @cached_property
    def loads(self) -> LoadIndex:
        """Which structured config files some code can load at this commit (see `loading`)."""
        references: list[str] = []
        composers: dict[str, str] = {}
        hydra: dict[str, list[str]] = {}
        for path, parsed in self.parsed.items():
            if parsed.format == "shell":
                references.extend(string_values(a.value for c in (parsed.data if isinstance(parsed.data, list) else ())
                                                for a in c.args))
            elif parsed.format == "python":
                module = parsed.data
                if isinstance(module, ModuleInfo):
                    here = posixpath.dirname(path)
                    dirs = [posixpath.normpath(posixpath.join(here, fn.hydra[0] or "."))
                            for fn in module.functions.values() if fn.hydra is not None]
                    if dirs:
                        hydra[path] = dirs
            else:
                references.extend(string_values(e.value for e in parsed.entries))
                if parsed.format == "gin" and isinstance(parsed.data, list):
                    references.extend(parsed.data)  # `include 'other.gin'`
                if isinstance(parsed.data, dict) and isinstance(parsed.data.get("defaults"), list):
                    composers[path] = posixpath.dirname(path)
        return LoadIndex(self.sources, references=references, hydra_files=hydra, composers=composers)

    def load(self, path: str) -> ParsedFile | None:
        return self.parsed.get(path)


def _cached_trees(snapshot: SnapshotLike) -> Callable[[str], ast.Module | None]:
    """The commit's already parsed module for a path (`Snapshot.python_ast`'s cache), else None.

    Only trees someone already parsed (triage parses the changed files) are taken from the
    snapshot; the others are parsed by the extractor and dropped once extracted, so that trees
    nobody else asked for neither stay in the snapshot's cache for the life of the process
    (hundreds of thousands of objects that every later full garbage collection would scan) nor
    pile up during the run. Snapshots without that cache are asked through `python_ast` (which
    caches); plain snapshots have no trees to give.
    """
    python_ast = getattr(snapshot, "python_ast", None)
    if python_ast is None:
        return lambda path: None
    peek = getattr(snapshot, "parsed_if_cached", None)
    if peek is None:
        return lambda path: python_ast(path)[0]
    return peek


def _config_free(parsed: ParsedFile) -> bool:
    """No configured value anywhere in the module (so nothing of it carries a line number into results)."""
    module = parsed.data
    if parsed.entries or not isinstance(module, ModuleInfo) or module.constants:
        return False
    functions = [*module.functions.values(), *([module.body] if module.body else [])]
    return not any(fn.options or fn.mappings for fn in functions)


def collect(snapshot: SnapshotLike, cache: ParseCache | None = None,
            same_code: dict[str, ParsedFile] | None = None) -> SideData:
    """`same_code`: path -> the other commit's extraction of a module whose code is the same at both
    commits up to line layout (triage: formatting or comments only, same path). A module without any
    configured value is taken from there instead of being parsed again (`SideData.reused` lists them);
    its lines may differ, which only matters once an entry is followed into it (`compare_configs` re-collects
    then)."""
    cache = cache if cache is not None else {}
    side = SideData(sha=snapshot.sha, submodules=tuple(getattr(snapshot, "submodules", ())))
    same_code = same_code or {}
    cached = _cached_trees(snapshot)

    def parse(path: str, text: str) -> ast.Module | None:
        tree = cached(path) if text == side.sources.get(path) else None
        return tree if tree is not None else parse_tree(text)

    side.parse = parse
    wanted = [(p, ex) for p in snapshot.paths() if (ex := extractor_for(p)) is not None]
    snapshot.prefetch([p for p, _ in wanted])
    for path, extractor in wanted:
        budget.check()  # an analyzer past its time budget stops here (see investigator.budget)
        data = snapshot.read_bytes(path)
        why = unreadable_reason(data, extractor.max_bytes, snapshot, path)
        if why is not None:
            side.unreadable[path] = (why, hashlib.blake2b(data or b"", digest_size=16).digest())
            continue
        assert data is not None
        key = (path, hashlib.blake2b(data, digest_size=16).digest())
        hit = cache.get(key)
        if hit is None and (other := same_code.get(path)) is not None and _config_free(other):
            hit = other
            side.reused.append(path)
        elif hit is None:
            try:
                text = decode_text(data)
                tree = cached(path) if extractor.extract_tree is not None else None
                if tree is not None:  # parsed before (by triage): not parsed again
                    hit = extractor.extract_tree(path, tree)  # type: ignore[misc]
                else:  # parsed here; the tree is dropped once extracted
                    hit = extractor.extract(path, text)
            except ExtractError as exc:
                hit = str(exc)
            except RecursionError:
                hit = "file too deeply nested to parse"
            except MemoryError:
                hit = "out of memory while reading the file"
            except Exception as exc:
                hit = f"extractor {extractor.id} failed: {type(exc).__name__}: {exc}"
            cache[key] = hit
        if isinstance(hit, str):
            side.failures.append((path, hit))
        else:
            side.parsed[path] = hit
            if hit.format == "python":
                side.sources[path] = decode_text(data)
    return side
