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

import re
import typing
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pydantic import ValidationError

from investigator.request import ReportFormat
from investigator.service import jobs
from investigator.service.compare import Comparison, ReportUnreadable, compare, load_findings
from investigator.service.schemas import JobSubmission, JobView
from investigator.service.settings import ServiceSettings
from investigator.service.store import FINISHED, ApiKey, Job, JobEvent, JobStore, Scope, utcnow

COOKIE = "investigator_key"
PREFIX = "/ui"
PAGE_SIZE = 20
EVENTS_SHOWN = 40
POLL_MS = 1000
HERE = Path(__file__).parent
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml"}
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# the report is the tool's own HTML (inline style, embedded PNG figures, no script); shown only in our frame
REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
FORM_FIELDS = ("repo", "baseline_commit", "candidate_commit", "baseline_entry", "candidate_entry", "primary_metric",
               "title", "probes", "device", "probe_command", "probe_budget_s")
HEADINGS = {400: "Bad request", 403: "Not allowed", 404: "Not found", 429: "Too many requests"}
LOCAL_KEY = ApiKey(id="local", scope="admin", name="authentication off", created_at=datetime(1970, 1, 1),
                   revoked_at=None)


class SignIn(Exception):
    """The request has no valid key: pages redirect to the login page, fragments answer 401."""


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, duration=_duration, ref=_short_ref, inline_code=_inline_code)
    return env


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "—"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    total = int(round(seconds))
    if total < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _inline_code(text: str) -> Markup:
    """A finding title's `code` spans as <code> (the rest escaped, as everything else)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: plain text
        return escape(text)
    return Markup("").join(Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
                           for i, part in enumerate(parts))


def _short_ref(ref: str | None) -> str:
    """A full SHA shortened to 10 characters; branch and tag names as they are."""
    if not ref:
        return "HEAD"
    return ref[:10] if re.fullmatch(r"[0-9a-f]{40}", ref) else ref


def same_origin(request: Request) -> bool:
    """Whether a state-changing request comes from this server's own pages: its Origin header (or, when a
    browser sends none, its Referer) names the host the request was sent to. Neither present: refused."""
    host = (request.headers.get("host") or "").lower()
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    parts = urlsplit(source)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc.lower() == host


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this UI only (never another site, `//host` or `/\\host`)."""
    if target and target.startswith(PREFIX) and "//" not in target and "\\" not in target:
        return target
    return PREFIX + "/"


def report_file(settings: ServiceSettings, job: Job, fmt: str) -> Path | None:
    """The report of `job` in `fmt`, only when it is a file inside the job's folder (the API's rule)."""
    recorded = job.reports.get(fmt)
    if not recorded:
        return None
    base = settings.job_dir(job.id).resolve()
    path = Path(recorded)
    path = (path if path.is_absolute() else base / path).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


@dataclass
class _Ui:
    """What every route needs: the store, the settings and the templates."""

    store: JobStore
    settings: ServiceSettings
    env: Environment

    def key(self, request: Request) -> ApiKey | None:
        if not self.settings.auth:
            return LOCAL_KEY
        text = request.cookies.get(COOKIE)
        if not text:
            header = request.headers.get("authorization", "")
            text = header[7:].strip() if header.lower().startswith("bearer ") else ""
        return self.store.authenticate(text) if text else None

    def require(self, request: Request, scope: Scope = "read") -> ApiKey:
        key = self.key(request)
        if key is None:
            raise SignIn()
        if not key.allows(scope):
            raise HTTPException(403, f"this key's scope ({key.scope}) does not allow this ({scope} needed)")
        return key

    def render(self, request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("key", self.key(request))
        body = self.env.get_template(template).render(prefix=PREFIX, auth=self.settings.auth, **context)
        return HTMLResponse(body, status_code=http_status, headers=page_headers())

    def error(self, request: Request, code: int, message: str) -> HTMLResponse:
        heading = HEADINGS.get(code, f"Error {code}")
        return self.render(request, "error.html", http_status=code, heading=heading, message=message)

    def job(self, job_id: str) -> Job:
        job = self.store.get(job_id) if JOB_ID.match(job_id) else None
        if job is None:
            raise HTTPException(404, "no such job")
        return job


def page_headers(csp: str = PAGE_CSP) -> dict[str, str]:
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}


def _sign_in_redirect(request: Request) -> Response:
    if request.headers.get("x-fragment"):
        return Response(status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{PREFIX}/login?{urlencode({'next': target})}", status_code=303)


def _route_class(ui: _Ui) -> type[APIRoute]:
    """Routes whose SignIn becomes the login redirect and whose HTTP errors become the UI's error page
    (a router cannot register the app's exception handlers)."""

    class UiRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                try:
                    return await original(request)
                except SignIn:
                    return _sign_in_redirect(request)
                except HTTPException as exc:
                    return ui.error(request, exc.status_code, str(exc.detail))
                except RequestValidationError as exc:
                    message = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
                    return ui.error(request, 400, message)

            return handler

    return UiRoute


def _report_formats() -> list[str]:
    return list(typing.get_args(ReportFormat))


def _job_context(ui: _Ui, job: Job) -> dict[str, Any]:
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
    ui = _Ui(store=store, settings=settings, env=_environment())
    router = APIRouter(include_in_schema=False, route_class=_route_class(ui))
    for add in (_session_routes, _list_routes, _submit_routes, _job_routes):
        add(router, ui)
    return router


Register = Callable[[Callable[..., Any]], Callable[..., Any]]


def _pages(router: APIRouter) -> Callable[..., Register]:
    def page(path: str, methods: tuple[str, ...] = ("GET",)) -> Register:
        return router.api_route(PREFIX + path, methods=list(methods), response_class=HTMLResponse)
    return page


def check_origin(request: Request) -> None:
    if not same_origin(request):
        raise HTTPException(403, "refused: this form was not sent from this server's own page")


def _session_routes(router: APIRouter, ui: _Ui) -> None:
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



def _list_routes(router: APIRouter, ui: _Ui) -> None:
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


def _submit_routes(router: APIRouter, ui: _Ui) -> None:
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



def _job_routes(router: APIRouter, ui: _Ui) -> None:
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
