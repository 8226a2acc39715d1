"""Shared fixtures: repositories generated on the fly (never checked-in binaries).

The git-repository builder itself is `tests.support.gitrepo`."""

from __future__ import annotations

import pytest

from investigator import fastwalk
from investigator.demo import DemoRepo, generate_demo_repo

# every remembered walk is compared with a fresh one: a tree changed after a complete walk (which would make
# the remembered walk stale, investigator/fastwalk.py) fails the test that does it
fastwalk.CHECK = True


@pytest.fixture(scope="session")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> DemoRepo:
    return generate_demo_repo(tmp_path_factory.mktemp("demo") / "gridarena-ppo")


def _order(item: pytest.Item) -> tuple[bool, float]:
    slow = item.get_closest_marker("slow")
    return slow is None, -float(slow.kwargs.get("seconds", 0) if slow else 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The `slow` tests run first, the longest first (`@pytest.mark.slow(seconds=...)`, the time on 2 idle cores;
    stable order otherwise): under `pytest -n 2` each of them then overlaps the many short tests on the other worker
    instead of one worker finishing a minutes-long end-to-end run alone at the end (the longest-first rule for two
    workers). Every worker sorts the same collection the same way, as pytest-xdist requires."""
    items.sort(key=_order)
