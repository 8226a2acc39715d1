"""How a service process is configured (`investigate serve` options; the app, workers and UI read it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class ServiceSettings(BaseModel):
    db_url: str = Field(description="SQLAlchemy URL, postgresql://… or a SQLite file path")
    host: str = "127.0.0.1"
    port: int = Field(default=8321, ge=0, le=65535)
    data_dir: Path = Field(description="reports, checkpoints and artifacts of jobs (one folder per job)")
    allow_repos: list[str] = Field(default_factory=list,
                                   description="path prefixes and URL patterns (fnmatch) a job may name; empty: none")
    auth: bool = Field(default=True, description="require API keys; may be off only on a local host")
    workers: int = Field(default=2, ge=1, description="investigations run at once (one child process each)")
    queue_limit: int = Field(default=100, ge=1, description="queued jobs beyond which a submission gets 429")
    rate_limit_per_minute: int = Field(default=120, ge=1, description="requests per API key per minute")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    lease_s: float = Field(default=30.0, gt=0, description="a job's lease; a worker renews it every lease_s / 5")
    job_timeout_s: float = Field(default=6 * 3600.0, gt=0, description="wall limit of one investigation")
    job_memory_mb: int = Field(default=16384, ge=256, description="address-space limit of a worker process")
    retention_days: float = Field(default=30.0, gt=0, description="finished jobs, reports and checkpoints kept")
    public_url: str | None = Field(default=None, description="the service's address as its users reach it "
                                   "(https://investigator.example.org); notifications link reports there")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        """An absolute http(s) URL with a host and no query or fragment, without its trailing slash."""
        if v is None or not v.strip():
            return None
        parts = urlsplit(v.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"expected an http:// or https:// URL without query or fragment, got {v!r}")
        return v.strip().rstrip("/")

    def auth_may_be_off(self) -> bool:
        return self.host in LOCAL_HOSTS

    def job_dir(self, job_id: str) -> Path:
        return self.data_dir / "jobs" / job_id
