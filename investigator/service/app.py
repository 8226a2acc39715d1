"""The service's FastAPI app: the `/v1` API, `/healthz`, `/metrics`, OpenAPI at `/docs`.

`create_app(settings)` builds it; its lifespan upgrades the database schema, starts the worker pool
(unless `start_workers=False`: tests, or an API-only process beside separate workers) and stops it
on shutdown. Retention (deleting old jobs, their folders and checkpoints) is the pool's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text

from investigator.service import api, api_watches
from investigator.service.api import Reader
from investigator.service.context import ServiceContext, service_context
from investigator.service.db import make_engine, upgrade
from investigator.service.limits import BodySizeLimit, RateLimiter
from investigator.service.metrics import CONTENT_TYPE, CountRequests, render
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore
from investigator.service.web import web_router

DESCRIPTION = """Submit regression investigations of a git repository, follow their progress, fetch their reports.

Every request carries `Authorization: Bearer KEY` (create keys with `investigate keys create --scope
read|submit|admin`). Repositories must match the service's allowlist (`--allow-repo`). See docs/service.md.
"""


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 with FastAPI's `detail` list and a one-line `message` naming each bad field."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    message = "; ".join(f"{_field(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors)
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                        content={"detail": jsonable_encoder(errors), "message": message})


def _start_pool(ctx: ServiceContext) -> None:
    from investigator.service.pool import WorkerPool  # written beside this module; imported only when used

    pool = WorkerPool(ctx.settings, ctx.store)
    pool.start()
    ctx.pool = pool
    from investigator.service.watches import WatchScheduler, WatchStore

    scheduler = WatchScheduler(ctx.settings, WatchStore(ctx.store.engine))  # beside the pool: ticks due watches
    scheduler.start()
    ctx.scheduler = scheduler


def create_app(settings: ServiceSettings, *, start_workers: bool = True) -> FastAPI:
    """The app for `settings` (the engine is made now; the database is touched only at startup)."""
    ctx = ServiceContext(settings=settings, store=JobStore(make_engine(settings.db_url)),
                         limiter=RateLimiter(settings.rate_limit_per_minute))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(lambda: upgrade(settings.db_url))
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if start_workers:
            await anyio.to_thread.run_sync(lambda: _start_pool(ctx))
        try:
            yield
        finally:
            if ctx.pool is not None:
                pool, ctx.pool = ctx.pool, None
                await anyio.to_thread.run_sync(pool.stop)
            if ctx.scheduler is not None:
                scheduler, ctx.scheduler = ctx.scheduler, None
                await anyio.to_thread.run_sync(scheduler.stop)
            ctx.store.engine.dispose()

    app = FastAPI(title="investigator service", version="1", description=DESCRIPTION, lifespan=lifespan,
                  openapi_tags=[{"name": "investigations", "description": "jobs and their reports"},
                                {"name": "watches", "description": "branches followed on a schedule"},
                                {"name": "operations", "description": "health and metrics"}])
    app.state.service = ctx
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(api.router)
    app.include_router(api_watches.router)
    app.include_router(web_router(ctx.store, settings))  # the web UI under /ui (docs/service.md)
    _add_operations(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CountRequests, counter=ctx.http)  # added last: outermost, sees every answer
    return app


def _add_operations(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"], summary="Liveness: the database answers",
             responses={503: {"description": "the database is unreachable"}})
    def healthz(request: Request) -> JSONResponse:
        """No key needed (for load balancers and orchestrators)."""
        ctx = service_context(request)
        try:
            with ctx.store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse(status_code=503, content={"status": "unavailable", "db": str(exc).splitlines()[0]})
        return JSONResponse(content={"status": "ok", "db": "ok", "workers": ctx.pool is not None})

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics (text exposition)",
             response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {}}, "description": "format 0.0.4"}})
    def metrics(request: Request, _caller: Reader) -> PlainTextResponse:
        """Queue length, jobs by state, durations of finished jobs, HTTP requests by route and status.
        Needs a read key when authentication is on (Prometheus: `authorization` in the scrape config)."""
        ctx = service_context(request)
        return PlainTextResponse(render(ctx.store.stats(), ctx.http.snapshot()), media_type=CONTENT_TYPE)
