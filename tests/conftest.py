"""Shared fixtures: repositories generated on the fly (never checked-in binaries).

The git-repository builder itself is `tests.support.gitrepo`."""

from __future__ import annotations

import pytest

from investigator.demo import DemoRepo, generate_demo_repo


@pytest.fixture(scope="session")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> DemoRepo:
    return generate_demo_repo(tmp_path_factory.mktemp("demo") / "gridarena-ppo")
