"""The web UI's watch pages: `/ui/watches` (every watch, its schedule and open alerts; the "new watch" form)
and `/ui/watches/{id}` (schedule and state, the alerts with links to their reports, the metric per commit as
an SVG plot and a table, the last ticks; refreshed in place every few seconds; pause, resume, run now, delete).

Reading needs the read scope; creating and every button need the admin scope (a watch runs its probe
command on the server), as in `/v1/watches`. The form goes through the API's schema (`WatchCreate`, via
`watch_form.py`) and its checks (`check_watch`: the allowlist, the probe command, the webhook URL), and every
POST passes the Origin check. After an action the page redirects with `?done=<action>`, shown as a fixed
message (nothing the request carries is echoed). A report link serves a file of that watch's own report
folder only, as plain text (no HTML from a report runs here).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from investigator.service.jobs import SubmissionError
from investigator.service.pages import PREFIX, Ui, check_origin, page_headers
from investigator.service.store import utcnow
from investigator.service.watch_form import (
    default_values,
    field_errors,
    form_body,
    form_groups,
    refused_field,
    shown_values,
)
from investigator.service.watch_plot import plot
from investigator.service.watches import WatchCreate, WatchStore, WatchView, check_watch
from investigator.watch.state import Alert, Watch

TICKS_SHOWN = 20
POINTS_SHOWN = 60
POLL_MS = 5000
DEFAULT_METRIC = "return"  # what `investigate watch` measures without --primary-metric
REPORT_TYPES = {".md": "text/plain; charset=utf-8", ".json": "application/json"}
DONE = {
    "created": "Watch created. Its first tick is due now: the scheduler starts it within a few seconds.",
    "paused": "Paused: no ticks until it is resumed. Its history is kept.",
    "resumed": "Resumed: a tick is due now.",
    "run": "A tick is due now: the scheduler starts it within a few seconds.",
    "run-refused": "Not run: a paused watch does not tick (resume it), and a CLI watch ticks from its own cron.",
    "running": "A tick is running now; its outcome appears here when it ends.",
    "deleted": "Watch deleted, with its ticks, metric history and alerts.",
}


def report_path(ui: Ui, watch_id: int, name: str) -> Path:
    """A file of the watch's report folder (`name` a plain file name), else 404."""
    base = (ui.settings.data_dir / "watches" / str(watch_id) / "reports").resolve()
    path = (base / name).resolve()
    if "/" in name or not path.is_relative_to(base) or not path.is_file() or path.suffix not in REPORT_TYPES:
        raise HTTPException(404, "no such report")
    return path


def until(when: datetime | None, now: datetime) -> str:
    """"due now", "in 12 min", "in 3 h 05 min", "in 2 d 4 h" (naive UTC times)."""
    if when is None:
        return "—"
    seconds = (when - now).total_seconds()
    if seconds <= 0:
        return "due now"
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"in {int(seconds)} s"
    if minutes < 60:
        return f"in {minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"in {hours} h {minutes:02d} min"
    return f"in {hours // 24} d {hours % 24} h"


def schedule(view: WatchView) -> str:
    """The schedule in words. A cron expression and its time zone are shown once the schema has them."""
    cron, zone = getattr(view, "cron", None), getattr(view, "timezone", None)
    if cron:
        return f"cron {cron}" + (f" ({zone})" if zone else " (UTC)")
    if view.interval_s:
        seconds = view.interval_s
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds % size == 0:
                n = seconds // size
                return f"every {n} {unit}{'s' if n != 1 else ''}"
        return f"every {seconds} s"
    return "run by the CLI (investigate watch), not by the service"


def state(view: WatchView) -> str:
    if view.options is None:
        return "cli"
    return "paused" if view.paused else "ticking" if view.running else "waiting"


def metric_of(view: WatchView, alerts: list[dict[str, Any]]) -> tuple[str, bool]:
    """The metric's name and whether higher is better: the options, else what the newest alert recorded."""
    recorded: dict[str, Any] = next((a["detail"]["metric"] for a in reversed(alerts)
                     if isinstance(a.get("detail"), dict) and isinstance(a["detail"].get("metric"), dict)), {})
    name = (view.options or {}).get("primary_metric") or recorded.get("name") or DEFAULT_METRIC
    return str(name), bool(recorded.get("higher_is_better", True))


def _watch_context(ui: Ui, w: Watch) -> dict[str, Any]:
    history = WatchStore(ui.store.engine).history(w.id)
    view = WatchView.of(w)
    alerts = history["alerts"]
    for a in alerts:
        a["report_name"] = Path(a["report"]).name if a.get("report") else None
    metric, higher = metric_of(view, alerts)
    points = history["points"]
    marks = {a.get("culprit_sha") or a["key"]: a["kind"] for a in alerts}
    return {"watch": view, "state": state(view), "schedule": schedule(view), "until": until(view.next_run_at, utcnow()),
            "metric": metric, "higher_is_better": higher, "poll_ms": POLL_MS,
            "plot": plot(points, alerts, metric=metric, higher_is_better=higher, baseline_sha=w.baseline_sha),
            "points": points[-POINTS_SHOWN:][::-1], "points_total": len(points), "marks": marks,
            "alerts": sorted(alerts, key=lambda a: (a["status"] != "open", -a["id"])),
            "open_alerts": sum(1 for a in alerts if a["status"] == "open"),
            "ticks": history["ticks"][-TICKS_SHOWN:][::-1], "ticks_total": len(history["ticks"])}


def _list_page(ui: Ui, request: Request, http_status: int = 200, values: dict[str, str] | None = None,
               errors: dict[str, str] | None = None) -> Response:
    store = WatchStore(ui.store.engine)
    watches = store.all()
    with Session(store.engine) as s:  # one count per watch, not every watch's whole history
        counted = s.execute(select(Alert.watch_id, func.count()).where(Alert.status == "open").group_by(Alert.watch_id))
        open_alerts = {w.id: 0 for w in watches} | {watch_id: int(n) for watch_id, n in counted}
    views = [WatchView.of(w) for w in watches]
    now = utcnow()
    return ui.render(request, "watches.html", http_status=http_status, watches=views, open_alerts=open_alerts,
                     states={v.id: state(v) for v in views}, schedules={v.id: schedule(v) for v in views},
                     untils={v.id: until(v.next_run_at, now) for v in views}, groups=form_groups(WatchCreate),
                     values=values if values is not None else default_values(WatchCreate), errors=errors or {},
                     allowed=ui.settings.allow_repos, done=DONE.get(request.query_params.get("done", "")),
                     refresh=any(v.running for v in views))


def _create(ui: Ui, form: dict[str, str]) -> tuple[int, dict[str, str], Watch | None]:
    """The new watch, or the HTTP status and the errors per field (the API's status codes)."""
    body, errors = form_body(form, WatchCreate)
    try:
        parsed = WatchCreate.model_validate(body)
    except ValidationError as exc:
        return 422, field_errors(exc, WatchCreate) | errors, None
    try:  # checked even when the baseline radio is wrong: every problem shown at once
        repo = check_watch(parsed, ui.settings)
    except SubmissionError as exc:
        return exc.status_code, {refused_field(str(exc), WatchCreate): str(exc)} | errors, None
    if errors:
        return 422, errors, None
    w = WatchStore(ui.store.engine).create(parsed, repo)
    if w is None:
        name = parsed.name or f"{Path(repo.rstrip('/')).name.removesuffix('.git')}:{parsed.branch}"
        return 409, {"name": f"a watch named {name} exists: give another name"}, None
    return 201, {}, w


def _act(store: WatchStore, w: Watch, action: str) -> str:
    """Pause, resume, run now or delete `w`; where to go next (with the `DONE` message's key)."""
    done = action
    if action == "delete":
        store.delete(w.id)
        return f"{PREFIX}/watches?done=deleted"
    if action in ("pause", "resume"):
        if store.set_paused(w.id, action == "pause") is None:
            raise HTTPException(409, "a CLI watch is not scheduled by the service: it cannot be paused here")
        done = "paused" if action == "pause" else "resumed"
    elif action == "run":
        if WatchView.of(w).running:
            done = "running"
        elif store.run_now(w.id) is None:
            done = "run-refused"
    else:
        raise HTTPException(404, "no such action")
    return f"{PREFIX}/watches/{w.id}?done={done}"


def watch_routes(router: APIRouter, ui: Ui) -> None:
    def store() -> WatchStore:
        return WatchStore(ui.store.engine)

    def existing(watch_id: int) -> Watch:
        w = store().get(watch_id)
        if w is None:
            raise HTTPException(404, "no such watch")
        return w

    @router.get(PREFIX + "/watches", response_class=HTMLResponse)
    def watch_list(request: Request) -> Response:
        ui.require(request)
        return _list_page(ui, request)

    @router.post(PREFIX + "/watches", response_class=HTMLResponse)
    async def watch_create(request: Request) -> Response:
        ui.require(request, "admin")
        check_origin(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        status, errors, w = _create(ui, form)
        if w is None:
            return _list_page(ui, request, status, shown_values(form, WatchCreate), errors)
        return RedirectResponse(f"{PREFIX}/watches/{w.id}?done=created", status_code=303)

    @router.get(PREFIX + "/watches/{watch_id}", response_class=HTMLResponse)
    def watch_page(request: Request, watch_id: int) -> Response:
        ui.require(request)
        return ui.render(request, "watch.html", done=DONE.get(request.query_params.get("done", "")),
                         **_watch_context(ui, existing(watch_id)))

    @router.get(PREFIX + "/watches/{watch_id}/live", response_class=HTMLResponse)
    def watch_live(request: Request, watch_id: int) -> Response:
        ui.require(request)
        return ui.render(request, "_watch_live.html", **_watch_context(ui, existing(watch_id)))

    @router.post(PREFIX + "/watches/{watch_id}/{action}", response_class=HTMLResponse)
    def watch_action(request: Request, watch_id: int, action: str) -> Response:
        ui.require(request, "admin")
        check_origin(request)
        return RedirectResponse(_act(store(), existing(watch_id), action), status_code=303)

    @router.get(PREFIX + "/watches/{watch_id}/reports/{name}")
    def watch_report(request: Request, watch_id: int, name: str) -> Response:
        ui.require(request)
        path = report_path(ui, watch_id, name)
        return Response(path.read_bytes(), media_type=REPORT_TYPES[path.suffix], headers=page_headers())
