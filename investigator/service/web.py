"""The web UI: server-rendered pages over the job store (list, submit, job with live progress, compare).

Served by the same app as the API, under `/ui`. Signing in stores the API key in the HttpOnly,
SameSite=Strict cookie `investigator_key` (the API accepts that cookie too). Every page is rendered by
Jinja2 with autoescaping on, and sent with a Content-Security-Policy that allows only this app's own
script and style; every form that changes something (login, logout, submit, cancel) is refused unless its
Origin (or, without one, its Referer) is this server: with the SameSite=Strict cookie, another site cannot
make a signed-in browser post here. The job page polls a fragment of itself (`static/ui.js`, no library),
and shows the finished HTML report in a sandboxed frame (no scripts, no same-origin access).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from investigator.request import ReportFormat
from investigator.service import jobs
from investigator.service.compare import Comparison, ReportUnreadable, compare, load_findings
from investigator.service.pages import (
    COOKIE,
    HERE,
    LOCAL_KEY,
    PREFIX,
    REPORT_CSP,
    Ui,
    check_origin,
    environment,
    page_headers,
    report_file,
    route_class,
    safe_next,
)
from investigator.service.schemas import JobSubmission, JobView
from investigator.service.settings import ServiceSettings
from investigator.service.store import FINISHED, Job, JobEvent, JobStore, utcnow
from investigator.service.web_watches import watch_routes

PAGE_SIZE = 20
EVENTS_SHOWN = 40
POLL_MS = 1000
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml"}
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FORM_FIELDS = ("repo", "baseline_commit", "candidate_commit", "baseline_entry", "candidate_entry", "primary_metric",
               "title", "probes", "device", "probe_command", "probe_budget_s")


def _report_formats() -> list[str]:
    return list(typing.get_args(ReportFormat))


def _job_context(ui: Ui, job: Job) -> dict[str, Any]:
    events: list[JobEvent] = []  # the last EVENTS_SHOWN
    finished: set[str] = set()
    total = after = 0
    while True:  # in pages, so that a long run's history is never held whole
        batch = ui.store.events(job.id, after=after, limit=1000)
        events = (events + batch)[-EVENTS_SHOWN:]
        finished.update(e.step for e in batch if e.status == "finished")
        total += len(batch)
        if len(batch) < 1000:
            break
        after = batch[-1].seq
    others: list[Job] = []
    if job.status == "succeeded" and "json" in job.reports:
        candidates, _ = ui.store.list_jobs(repo=job.repo, status="succeeded", limit=50)
        others = [j for j in candidates if j.id != job.id and "json" in j.reports]
    return {"job": job, "view": JobView.of(job, utcnow()), "events": events, "finished_steps": len(finished),
            "events_total": total,
            "poll": not job.finished, "poll_ms": POLL_MS, "others": others,
            "report": report_file(ui.settings, job, "html") is not None,
            "downloads": [f for f in _report_formats() if f in job.reports]}


def _refused_field(message: str) -> str:
    """The form field a refusal is about ("repo /x: outside the allowed prefixes…" → repo), else "form"."""
    first = message.split(" ", 1)[0].rstrip(":,")
    return first if first in FORM_FIELDS else "form"


def _form_submission(form: dict[str, Any], formats: list[str]) -> dict[str, Any]:
    """The submit form's fields as a JobSubmission body (empty optional fields left out)."""
    body: dict[str, Any] = {}
    for name in FORM_FIELDS:
        value = str(form.get(name) or "").strip()
        if value:
            body[name] = value
    body["formats"] = formats
    body["verify"] = form.get("verify") == "on"
    return body


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        errors.setdefault(field, error["msg"].removeprefix("Value error, "))
    return errors


def web_router(store: JobStore, settings: ServiceSettings) -> APIRouter:
    """The UI's routes (mounted by `create_app`)."""
    ui = Ui(store=store, settings=settings, env=environment())
    router = APIRouter(include_in_schema=False, route_class=route_class(ui))
    for add in (_session_routes, _list_routes, _submit_routes, _job_routes, watch_routes):
        add(router, ui)
    return router


Register = Callable[[Callable[..., Any]], Callable[..., Any]]


def _pages(router: APIRouter) -> Callable[..., Register]:
    def page(path: str, methods: tuple[str, ...] = ("GET",)) -> Register:
        return router.api_route(PREFIX + path, methods=list(methods), response_class=HTMLResponse)
    return page


def _session_routes(router: APIRouter, ui: Ui) -> None:
    """Redirects to the UI, its static files, login and logout."""
    page = _pages(router)
    static = {p.name: p for p in (HERE / "static").iterdir() if p.suffix in STATIC_TYPES}

    @router.get("/")
    def root() -> Response:
        return RedirectResponse(PREFIX + "/", status_code=307)

    @router.get(PREFIX)
    def ui_root() -> Response:
        return RedirectResponse(PREFIX + "/", status_code=307)

    @router.get(PREFIX + "/static/{name}")
    def static_file(name: str) -> Response:
        path = static.get(name)
        if path is None:
            raise HTTPException(404, "no such file")
        return Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix],
                        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})

    @page("/login")
    def login_form(request: Request, next: str | None = None) -> Response:
        if not ui.settings.auth:
            return RedirectResponse(safe_next(next), status_code=303)
        return ui.render(request, "login.html", next=safe_next(next), error=None, key=None)

    @page("/login", ("POST",))
    async def login(request: Request) -> Response:
        check_origin(request)
        form = await request.form()
        target = safe_next(str(form.get("next") or ""))
        text = str(form.get("key") or "").strip()
        key = ui.store.authenticate(text) if text else None
        if key is None:
            return ui.render(request, "login.html", http_status=401, next=target, key=None,
                             error="This key is not valid (unknown, mistyped or revoked).")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, text, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")
        return response

    @page("/logout", ("POST",))
    def logout(request: Request) -> Response:
        check_origin(request)
        response = RedirectResponse(PREFIX + "/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response



def _list_routes(router: APIRouter, ui: Ui) -> None:
    """The job list and the comparison of two jobs."""
    page = _pages(router)

    @page("/")
    def job_list(request: Request, repo: str | None = None, status: str | None = None, page: int = 1) -> Response:
        ui.require(request)
        repo = (repo or "").strip() or None
        status = status if status in STATUSES else None
        page = max(1, page)
        found, total = ui.store.list_jobs(repo=repo, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        now = utcnow()
        pages = max(1, -(-total // PAGE_SIZE))

        def link(number: int) -> str:
            query = {k: v for k, v in (("repo", repo), ("status", status)) if v} | {"page": str(number)}
            return f"{PREFIX}/?{urlencode(query)}"

        return ui.render(request, "jobs.html", jobs=[JobView.of(j, now) for j in found], total=total, page=page,
                         titles={j.id: j.request.get("title") for j in found},
                         pages=pages, repo=repo or "", status=status or "", statuses=STATUSES,
                         newer=link(page - 1) if page > 1 else None, older=link(page + 1) if page < pages else None,
                         poll=any(j.status not in FINISHED for j in found))


    @page("/compare")
    def compare_page(request: Request, a: str = "", b: str = "",
                     job: Annotated[list[str] | None, Query()] = None) -> Response:
        ui.require(request)
        if job and len(job) == 2 and not (a or b):  # two ticked in the list: A is the older one
            picked = sorted((ui.job(job_id) for job_id in job), key=lambda j: (j.created_at, j.id))
            return RedirectResponse(f"{PREFIX}/compare?{urlencode({'a': picked[0].id, 'b': picked[1].id})}",
                                    status_code=303)
        if not a or not b:
            raise HTTPException(400, "choose two jobs to compare (tick two finished jobs in the list)")
        job_a, job_b = ui.job(a), ui.job(b)
        problem, result = _comparison(ui.settings, job_a, job_b)
        return ui.render(request, "compare.html", a=JobView.of(job_a), b=JobView.of(job_b), problem=problem,
                         result=result)


def _submit_routes(router: APIRouter, ui: Ui) -> None:
    page = _pages(router)

    @page("/submit")
    def submit_form(request: Request) -> Response:
        key = ui.require(request)
        return ui.render(request, "submit.html", key=key, values={"formats": ["md", "json", "html"], "probes": "auto"},
                         errors={}, formats=_report_formats(), allowed=ui.settings.allow_repos)

    @page("/submit", ("POST",))
    async def submit(request: Request) -> Response:
        key = ui.require(request, "submit")
        check_origin(request)
        form = await request.form()
        formats = [str(f) for f in form.getlist("formats")]
        values = {k: str(v) for k, v in form.items() if k != "formats"} | {"formats": formats}
        errors: dict[str, str] = {}
        status = 422
        try:
            submission = JobSubmission.model_validate(_form_submission(dict(form.items()), formats))
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            try:
                job = jobs.submit_job(ui.store, ui.settings, submission, None if key is LOCAL_KEY else key)
            except jobs.SubmissionError as exc:
                status = exc.status_code
                errors = {_refused_field(str(exc)): str(exc)}
            else:
                return RedirectResponse(f"{PREFIX}/jobs/{job.id}", status_code=303)
        return ui.render(request, "submit.html", http_status=status, key=key, values=values, errors=errors,
                         formats=_report_formats(), allowed=ui.settings.allow_repos)



def _job_routes(router: APIRouter, ui: Ui) -> None:
    """One job: its page, the fragment the page polls, its HTML report (framed), cancel."""
    page = _pages(router)

    @page("/jobs/{job_id}")
    def job_page(request: Request, job_id: str) -> Response:
        ui.require(request)
        return ui.render(request, "job.html", **_job_context(ui, ui.job(job_id)))

    @page("/jobs/{job_id}/live")
    def job_live(request: Request, job_id: str) -> Response:
        ui.require(request)
        return ui.render(request, "_live.html", **_job_context(ui, ui.job(job_id)))

    @page("/jobs/{job_id}/report")
    def job_report(request: Request, job_id: str) -> Response:
        ui.require(request)
        path = report_file(ui.settings, ui.job(job_id), "html")
        if path is None:
            raise HTTPException(404, "this job has no HTML report")
        return HTMLResponse(path.read_text(encoding="utf-8", errors="replace"), headers=page_headers(REPORT_CSP))

    @page("/jobs/{job_id}/cancel", ("POST",))
    def cancel(request: Request, job_id: str) -> Response:
        key = ui.require(request, "submit")
        check_origin(request)
        job = ui.job(job_id)
        if not key.allows("admin") and job.submitted_by != key.id:
            raise HTTPException(403, "only the key that submitted this job, or an admin key, may cancel it")
        ui.store.request_cancel(job.id)
        return RedirectResponse(f"{PREFIX}/jobs/{job.id}", status_code=303)


def _comparison(settings: ServiceSettings, a: Job, b: Job) -> tuple[str | None, Comparison | None]:
    """The comparison, or why there is none (one line)."""
    if a.id == b.id:
        return "These are the same job: choose two different ones.", None
    if a.repo != b.repo:
        return "The two jobs investigate different repositories; only jobs on the same repository compare.", None
    findings = []
    for label, job in (("A", a), ("B", b)):
        path = report_file(settings, job, "json")
        if path is None:
            return (f"Job {label} has no JSON report (status {job.status}; one is written when a job "
                    "succeeds with the json format)."), None
        try:
            findings.append(load_findings(path))
        except ReportUnreadable as exc:
            return f"Job {label}: {exc}.", None
    return None, compare(findings[0], findings[1])
