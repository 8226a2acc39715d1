"""The `/v1` JSON API: submit, list, show, follow (server-sent events), fetch reports, cancel.

Handlers only read and write the job store; nothing runs an investigation here (a worker claims the
queued row). Every route needs a key with the right scope (`auth.require`).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse

from investigator.service.allowlist import is_url
from investigator.service.auth import Caller, require
from investigator.service.context import ServiceContext, service_context
from investigator.service.jobs import QueueFull, SubmissionError, submit_job
from investigator.service.limits import retry_after
from investigator.service.schemas import JobDetail, JobList, JobSubmission, JobView, StepView, Submitted
from investigator.service.store import Job, JobEvent, utcnow

router = APIRouter(prefix="/v1", tags=["investigations"])

POLL_S = 0.5  # how often an event stream looks for new progress
KEEPALIVE_S = 15.0  # a comment line this often keeps proxies from closing a quiet stream
REPORT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "sarif": "application/sarif+json",
}
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_STEP_ENDS = ("finished", "skipped", "failed")
_HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

EXAMPLES: dict[str, Any] = {
    "static": {
        "summary": "code and configuration only",
        "value": {"repo": "/srv/repos/gridarena-ppo", "baseline_commit": "baseline",
                  "candidate_commit": "candidate", "formats": ["md", "json", "html"]},
    },
    "with_logs": {
        "summary": "with training logs and a primary metric",
        "value": {"repo": "https://github.com/example/ppo.git", "baseline_commit": "v1.2.0",
                  "candidate_commit": "main", "baseline_runs": ["/srv/runs/v1.2.0/seed*/progress.csv"],
                  "candidate_runs": ["/srv/runs/main/seed*/progress.csv"],
                  "primary_metric": "charts/episodic_return", "probes": "none"},
    },
}

Ctx = Annotated[ServiceContext, Depends(service_context)]
Reader = Annotated[Caller, Depends(require("read"))]
Submitter = Annotated[Caller, Depends(require("submit"))]


def _job(ctx: ServiceContext, job_id: str) -> Job:
    job = ctx.store.get(job_id) if _JOB_ID.match(job_id) else None
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no investigation {job_id}")
    return job


def _links(job_id: str, formats: list[str]) -> dict[str, str]:
    base = f"/v1/investigations/{job_id}"
    links = {"self": base, "events": f"{base}/events", "cancel": base}
    links.update({f"report_{fmt}": f"{base}/report.{fmt}" for fmt in formats if fmt in REPORT_TYPES})
    return links


def _naive_utc(moment: datetime | None) -> datetime | None:
    """Query times may carry a zone; the store holds naive UTC."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@router.post("/investigations", status_code=status.HTTP_201_CREATED, response_model=Submitted,
             summary="Submit an investigation",
             responses={403: {"description": "repository or path outside the allowlist, or a field needing admin"},
                        422: {"description": "invalid body: `message` names each bad field"},
                        429: {"description": "queue full or rate limit: see Retry-After"}})
def submit(ctx: Ctx, caller: Submitter, response: Response,
           submission: Annotated[JobSubmission, Body(openapi_examples=EXAMPLES)]) -> Submitted:
    """Queue an investigation of `repo` between `baseline_commit` and `candidate_commit` (the fields
    mirror `investigate run`'s options with underscores). It runs in a worker; follow it with the
    `events` link and fetch its reports once it has `succeeded`."""
    try:
        job = submit_job(ctx.store, ctx.settings, submission, caller.key)
    except QueueFull as exc:
        raise HTTPException(exc.status_code, detail=str(exc),
                            headers={"Retry-After": retry_after(exc.retry_after_s)}) from None
    except SubmissionError as exc:
        raise HTTPException(exc.status_code, detail=str(exc)) from None
    if ctx.pool is not None:
        ctx.pool.notify()
    links = _links(job.id, list(submission.formats))
    response.headers["Location"] = links["self"]
    return Submitted(id=job.id, status=job.status, links=links)


@router.get("/investigations", response_model=JobList, summary="List investigations")
def list_investigations(
    ctx: Ctx, _caller: Reader,
    repo: Annotated[str | None, Query(description="the repository: a path (resolved like submissions) or the exact URL")] = None,
    status_: Annotated[Literal["queued", "running", "succeeded", "failed", "cancelled"] | None,
                       Query(alias="status")] = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="created before (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JobList:
    """Newest first; `total` counts every match so a client can page with `offset`."""
    if repo is not None and repo.startswith("/") and not is_url(repo):
        repo = str(Path(repo).resolve())  # jobs store resolved paths: `/srv/repos/../repos/x` finds them too
    jobs, total = ctx.store.list_jobs(repo=repo, status=status_, since=_naive_utc(since), until=_naive_utc(until),
                                      limit=limit, offset=offset)
    now = utcnow()
    return JobList(items=[JobView.of(j, now) for j in jobs], total=total, limit=limit, offset=offset)


def _steps(events: list[JobEvent]) -> list[StepView]:
    return [StepView(step=e.step, status=e.status, seconds=e.seconds, detail=e.detail)
            for e in events if e.status in _STEP_ENDS]


@router.get("/investigations/{job_id}", response_model=JobDetail, summary="One investigation",
            responses={404: {"description": "no such investigation"}})
def show(ctx: Ctx, _caller: Reader, job_id: str) -> JobDetail:
    """Status, timings, finding counts once finished, and the steps finished so far."""
    job = _job(ctx, job_id)
    events = ctx.store.events(job.id, limit=100_000)
    view = JobView.of(job, utcnow())
    return JobDetail(**view.model_dump(), steps=_steps(events), last_event=events[-1].seq if events else 0)


def _sse(event: JobEvent) -> str:
    data = {"seq": event.seq, "step": event.step, "status": event.status, "detail": event.detail,
            "seconds": event.seconds, "at": event.at.isoformat() + "Z"}
    return f"id: {event.seq}\nevent: progress\ndata: {json.dumps(data)}\n\n"


def _read_events(ctx: ServiceContext, job_id: str, after: int) -> list[JobEvent]:
    return ctx.store.events(job_id, after=after)


async def _follow(request: Request, ctx: ServiceContext, job_id: str, after: int) -> AsyncIterator[str]:
    """Events after `after` as they are written; ends (with an `end` event) once the job is finished."""
    cursor, quiet = after, 0.0
    while True:
        batch = await anyio.to_thread.run_sync(_read_events, ctx, job_id, cursor)
        for event in batch:
            yield _sse(event)
            cursor = event.seq
        if batch:
            quiet = 0.0
            continue  # there may be more behind a full batch; an empty read comes next
        job = await anyio.to_thread.run_sync(ctx.store.get, job_id)
        if job is None or job.finished:
            # events written between the last read and the finish are read once more before ending
            for event in await anyio.to_thread.run_sync(_read_events, ctx, job_id, cursor):
                yield _sse(event)
            end = {"status": job.status if job is not None else "deleted", "error": job.error if job else None}
            yield f"event: end\ndata: {json.dumps(end)}\n\n"
            return
        if await request.is_disconnected():
            return
        await anyio.sleep(POLL_S)
        quiet += POLL_S
        if quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ": keep-alive\n\n"


@router.get("/investigations/{job_id}/events", summary="Follow progress (server-sent events)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`progress` events (id = sequence number), then one `end` event"}})
def events(request: Request, ctx: Ctx, _caller: Reader, job_id: str,
           after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
           last_event_id: Annotated[str | None, Header(description="set by EventSource on reconnect")] = None,
           ) -> StreamingResponse:
    """Each progress event of the job (`id:` is its sequence number; a reconnect resumes after
    `Last-Event-ID` or `?after=`). The stream ends with an `end` event once the job is finished."""
    job = _job(ctx, job_id)
    start = after or 0
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="Last-Event-ID must be an event sequence number")
        start = int(last_event_id)
    return StreamingResponse(_follow(request, ctx, job.id, start), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def report_file(ctx: ServiceContext, job: Job, fmt: str) -> Path | None:
    """The report file of `fmt` the job recorded, if it exists and lies inside the job's folder."""
    recorded = job.reports.get(fmt)
    if fmt not in REPORT_TYPES or not recorded:
        return None
    base = ctx.settings.job_dir(job.id).resolve()
    path = Path(recorded)
    path = (path if path.is_absolute() else base / path).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


@router.get("/investigations/{job_id}/report.{fmt}", summary="A report of a finished investigation",
            responses={200: {"content": {t: {} for t in REPORT_TYPES.values()}},
                       404: {"description": "no such investigation, or no report of that format (yet)"}})
def report(ctx: Ctx, _caller: Reader, job_id: str, fmt: str) -> FileResponse:
    """`fmt`: md, json, html or sarif; only formats the job wrote (its `reports` list)."""
    job = _job(ctx, job_id)
    path = report_file(ctx, job, fmt)
    if path is None:
        state = "" if job.finished else f" yet (the job is {job.status})"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no {fmt} report for investigation {job.id}{state}")
    headers = {"X-Content-Type-Options": "nosniff"}
    if fmt == "html":
        headers["Content-Security-Policy"] = _HTML_CSP
    return FileResponse(path, media_type=REPORT_TYPES[fmt], headers=headers)


@router.delete("/investigations/{job_id}", status_code=status.HTTP_202_ACCEPTED, response_model=JobView,
               summary="Cancel an investigation",
               responses={404: {"description": "no such investigation"},
                          409: {"description": "already finished"}})
def cancel(ctx: Ctx, caller: Submitter, job_id: str) -> JobView:
    """A queued job is cancelled at once; a running one is flagged and its worker stops it (its probes'
    process groups are killed) and records `cancelled`. Only the submitting key or an admin may cancel."""
    job = _job(ctx, job_id)
    if caller.key is not None and not caller.allows("admin") and job.submitted_by != caller.key_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="only the key that submitted a job, or an admin, may cancel it")
    if job.status in ("succeeded", "failed"):
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"investigation {job.id} already {job.status}")
    flagged = ctx.store.request_cancel(job.id)
    if flagged is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no investigation {job_id}")
    if flagged.status == "running" and ctx.pool is not None:
        ctx.pool.cancel(flagged.id)
    return JobView.of(flagged, utcnow())
