"""Extractor registry: a file suffix maps to the function that turns its text into entries.

Each module of this package registers its extractors with `register_extractor` when it is imported;
the package imports every module through the unit registry (`investigator.units`), which also lists
them (`investigate explain --list`).
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

from investigator.config.model import ConfigEntry
from investigator.units.registry import UnitMeta


class ExtractError(Exception):
    """A file that does not parse; recorded as an AnalyzerFailure by the caller."""


class LimitError(ExtractError):
    """A file over a bound of what is read (alias expansion, nesting): it may well be valid, it is
    not analysed."""


@dataclass
class ParsedFile:
    """What one file yields: entries (keys relative to the file) plus format-specific extras."""

    path: str
    format: str
    entries: list[ConfigEntry] = field(default_factory=list)
    data: object = None  # parsed document (structured formats) or ModuleInfo (Python)
    package: str | None = None  # Hydra `# @package` header


Extract = Callable[[str, str], ParsedFile]
ExtractTree = Callable[[str, ast.Module], ParsedFile]


class ExtractorMeta(UnitMeta):
    """An extractor as a unit: the file names it reads."""

    suffixes: list[str]


@dataclass(frozen=True)
class Extractor:
    id: str
    suffixes: tuple[str, ...]
    extract: Extract
    max_bytes: int = 2_000_000
    extract_tree: ExtractTree | None = None  # from an already parsed Python module (shared, never mutated)
    title: str = ""  # what it reads, for `investigate explain`

    @property
    def meta(self) -> ExtractorMeta:
        return ExtractorMeta(id=self.id, title=self.title or f"{self.id} files", suffixes=list(self.suffixes),
                             subsystem=None, rationale=f"Reads files named `*{'`, `*'.join(self.suffixes)}` "
                             f"(at most {self.max_bytes:,} bytes) into configuration entries.")


EXTRACTORS: dict[str, Extractor] = {}

# Files with these globs are tooling metadata, not training configuration.
IGNORED_GLOBS: tuple[str, ...] = (
    ".github/*", "*/.github/*", ".gitlab-ci.yml", ".pre-commit-config.yaml", "*.lock", "*lock.json",
    "*/node_modules/*", "node_modules/*", "mkdocs.yml", ".readthedocs.y*ml", "environment.y*ml",
    "codecov.y*ml", ".codecov.y*ml", "docker-compose*.y*ml", "tsconfig.json", "package.json",
    ".vscode/*", ".devcontainer/*", "*.ipynb", "conda*.y*ml", ".coveragerc", "tox.ini",
    # vendored or generated code: not the project's configuration, and costly to parse
    "*site-packages/*", ".venv/*", "venv/*", "*/.venv/*", "*/vendor/*", "vendor/*", "third_party/*",
    "*/third_party/*", "build/*", "dist/*", "*.egg-info/*", "*_pb2.py", "*_pb2_grpc.py",
    # test suites: neither the training configuration nor the code that reads it
    "tests/*", "*/tests/*", "test/*", "*/test/*", "test_*.py", "*/test_*.py", "*_test.py", "conftest.py",
    "*/conftest.py",
)


def register_extractor(extractor: Extractor) -> Extractor:
    for suffix in extractor.suffixes:
        EXTRACTORS[suffix] = extractor
    return extractor


def collect_extractors(module: ModuleType) -> list[Extractor]:
    """The extractors `module` registered (the unit registry's view of this kind)."""
    return [e for e in dict.fromkeys(EXTRACTORS.values()) if e.extract.__module__ == module.__name__]


@lru_cache(maxsize=8)
def _ignored(globs: tuple[str, ...]) -> re.Pattern[str]:
    """All globs as one pattern (what `fnmatch` compiles each glob to, joined)."""
    return re.compile("|".join(f"(?:{fnmatch.translate(os.path.normcase(g))})" for g in globs) or r"(?!)")


def extractor_for(path: str) -> Extractor | None:
    lowered = path.lower()
    if _ignored(tuple(IGNORED_GLOBS)).match(os.path.normcase(lowered)):
        return None
    name = lowered.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return EXTRACTORS.get(name[dot:]) if dot >= 0 else EXTRACTORS.get(name)  # `Makefile`: by name
