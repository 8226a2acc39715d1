"""What the app's routes share: the settings, the store, the limits and (when running) the pool.

Held on `app.state.service` by `create_app`; routes (the API's and the web UI's) get it with
`service_context(request)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from starlette.requests import HTTPConnection

from investigator.service.limits import RateLimiter
from investigator.service.metrics import HttpCounter
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore


class Pool(Protocol):
    """The worker pool as the app uses it (investigator.service.pool.WorkerPool)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def cancel(self, job_id: str) -> bool: ...

    def notify(self) -> None: ...  # a job was queued: claim now rather than at the next poll


class Scheduler(Protocol):
    def stop(self) -> None: ...


@dataclass
class ServiceContext:
    settings: ServiceSettings
    store: JobStore
    limiter: RateLimiter
    http: HttpCounter = field(default_factory=HttpCounter)
    pool: Pool | None = None
    scheduler: Scheduler | None = None  # the watch scheduler (investigator.service.watches)


def service_context(conn: HTTPConnection) -> ServiceContext:
    context: ServiceContext = conn.app.state.service
    return context
