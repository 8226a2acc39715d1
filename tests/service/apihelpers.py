"""Building the app for API tests, and playing a worker's part by writing to the store directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from investigator.service.app import create_app
from investigator.service.context import ServiceContext
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore


@dataclass
class Service:
    client: TestClient
    settings: ServiceSettings
    ctx: ServiceContext
    repos: Path  # the allowed path prefix; `repo` is a directory under it
    repo: Path

    @property
    def store(self) -> JobStore:
        return self.ctx.store

    def key(self, scope: str, name: str = "") -> dict[str, str]:
        _, text = self.store.create_key(scope, name)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {text}"}

    def submit(self, headers: dict[str, str], **fields: Any) -> str:
        body = {"repo": str(self.repo), "baseline_commit": "v1", **fields}
        response = self.client.post("/v1/investigations", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@contextmanager
def service(db_url: str, tmp_path: Path, **overrides: Any) -> Iterator[Service]:
    """A started app (lifespan run: schema upgraded) without workers, allowing `tmp_path/repos`."""
    repos = tmp_path / "repos"
    repo = repos / "team" / "ppo"
    repo.mkdir(parents=True)
    fields: dict[str, Any] = {"db_url": db_url, "data_dir": tmp_path / "data", "allow_repos": [str(repos)]}
    settings = ServiceSettings(**{**fields, **overrides})
    app = create_app(settings, start_workers=False)
    with TestClient(app) as client:
        yield Service(client=client, settings=settings, ctx=app.state.service, repos=repos, repo=repo)


def run_job(svc: Service, job_id: str, steps: list[str], *, status: str = "succeeded",
            reports: dict[str, str] | None = None, owner: str = "test-worker") -> None:
    """What a worker does: claim the job, record each step, write report files, finish."""
    claimed = svc.store.claim(owner, lease_s=60)
    assert claimed is not None and claimed.id == job_id
    for step in steps:
        svc.store.add_event(job_id, step, "started")
        svc.store.add_event(job_id, step, "finished", detail=f"{step} done", seconds=0.1)
    written = write_reports(svc, job_id, reports or {})
    svc.store.finish(job_id, owner, status, counts={"critical": 1, "significant": 2, "low": 0},  # type: ignore[arg-type]
                     reports=written, output_dir=str(svc.settings.job_dir(job_id)))


def write_reports(svc: Service, job_id: str, contents: dict[str, str]) -> dict[str, str]:
    folder = svc.settings.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for fmt, text in contents.items():
        path = folder / f"investigation.{fmt}"
        path.write_text(text)
        written[fmt] = str(path)
    return written
