"""Generated migration repository (Hydra YAML -> pydantic + recipe), analysed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from investigator.analyzers.base import AnalysisContext
from investigator.config.analyzer import ConfigForensics
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.models import AnalyzerResult
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from tests.support.config_repos import make_migration_repo

BROKEN = {"project/broken.py": "def broken(:\n    pass\n", "configs/broken.yaml": "a: [1, 2\n"}


def analyse(repo: Path, base: str, cand: str, out: Path, **request) -> AnalyzerResult:
    handle = open_repository(str(repo))
    changeset = build_changeset(handle, resolve_range(handle, base, cand))
    ctx = AnalysisContext(request=InvestigationRequest(repo=str(repo), **request), changeset=changeset,
                          triage=None, playbooks=load_playbooks(), output_dir=out)
    return ConfigForensics().run(ctx)


@pytest.fixture(scope="session")
def migration(tmp_path_factory) -> tuple[Path, str, str]:
    return make_migration_repo(tmp_path_factory.mktemp("migration"), broken=BROKEN)


@pytest.fixture(scope="session")
def migration_result(migration, tmp_path_factory) -> AnalyzerResult:
    repo, base, cand = migration
    return analyse(repo, base, cand, tmp_path_factory.mktemp("out"))
