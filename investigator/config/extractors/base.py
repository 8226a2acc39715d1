"""Extractor registry: a file suffix maps to the function that turns its text into entries."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from investigator.config.model import ConfigEntry


class ExtractError(Exception):
    """A file that does not parse; recorded as an AnalyzerFailure by the caller."""


@dataclass
class ParsedFile:
    """What one file yields: entries (keys relative to the file) plus format-specific extras."""

    path: str
    format: str
    entries: list[ConfigEntry] = field(default_factory=list)
    data: object = None  # parsed document (structured formats) or ModuleInfo (Python)
    package: str | None = None  # Hydra `# @package` header


Extract = Callable[[str, str], ParsedFile]


@dataclass(frozen=True)
class Extractor:
    id: str
    suffixes: tuple[str, ...]
    extract: Extract
    max_bytes: int = 2_000_000


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


def extractor_for(path: str) -> Extractor | None:
    lowered = path.lower()
    if any(fnmatch.fnmatch(lowered, g) for g in IGNORED_GLOBS):
        return None
    dot = lowered.rfind(".")
    return EXTRACTORS.get(lowered[dot:]) if dot >= 0 else None
