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
