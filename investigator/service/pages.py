"""What every page of the web UI shares: templates and their filters, who is signed in, the Origin
check of forms, security headers, and the route class that turns "sign in first" and HTTP errors into
pages (a router cannot register the app's exception handlers). The routes are in `web.py`."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from investigator.service.settings import ServiceSettings
from investigator.service.store import ApiKey, Job, JobStore, Scope

COOKIE = "investigator_key"
PREFIX = "/ui"
HERE = Path(__file__).parent
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# the report is the tool's own HTML (inline style, embedded PNG figures, no script); shown only in our frame
REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
HEADINGS = {400: "Bad request", 403: "Not allowed", 404: "Not found", 429: "Too many requests"}
LOCAL_KEY = ApiKey(id="local", scope="admin", name="authentication off", created_at=datetime(1970, 1, 1),
                   revoked_at=None)


class SignIn(Exception):
    """The request has no valid key: pages redirect to the login page, fragments answer 401."""


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, duration=_duration, ref=_short_ref, inline_code=_inline_code,
                       repo_name=_repo_name)
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


def _repo_name(repo: str) -> str:
    """The repository's last path component ("/srv/x/trainer.git" and "https://h/org/trainer" → "trainer")."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git") or repo


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
class Ui:
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


def route_class(ui: Ui) -> type[APIRoute]:
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


def check_origin(request: Request) -> None:
    if not same_origin(request):
        raise HTTPException(403, "refused: this form was not sent from this server's own page")
