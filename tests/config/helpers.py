"""In-memory snapshots for fast unit tests (end-to-end tests use real generated git repos)."""

from __future__ import annotations

import textwrap

from investigator.config.collect import SideData, collect
from investigator.config.effective import build_side
from investigator.config.entry import resolve
from investigator.config.model import SideConfig


class FakeSnapshot:
    def __init__(self, files: dict[str, str], sha: str = "0" * 40) -> None:
        self.files = {k: textwrap.dedent(v).encode() for k, v in files.items()}
        self.sha = sha

    def paths(self) -> list[str]:
        return sorted(self.files)

    def read_bytes(self, path: str) -> bytes | None:
        return self.files.get(path)

    def prefetch(self, paths: list[str]) -> None:
        return None


def side_of(files: dict[str, str]) -> SideData:
    return collect(FakeSnapshot(files))


def effective_of(files: dict[str, str], entry: str | None = None) -> tuple[SideConfig, SideData]:
    side = side_of(files)
    config, _ = build_side(side, resolve(side, entry))
    return config, side


def values(config: SideConfig) -> dict[str, object]:
    return {k: e.value for k, e in config.effective.items()}
