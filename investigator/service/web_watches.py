"""The web UI's watch pages: `/ui/watches` (every watch, its schedule and open alerts) and
`/ui/watches/{id}` (the metric per commit as a table and a small inline SVG plot with the intervals,
change points and culprits marked, the alerts with links to their reports, the last ticks).

Read-only (read scope): watches are created and paused through the API (admin). A report link serves
a file of that watch's own report folder only, as plain text (no HTML from a report runs here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from investigator.service.pages import PREFIX, Ui, page_headers
from investigator.service.watches import WatchStore, WatchView

TICKS_SHOWN = 20
PLOT_W, PLOT_H, PAD = 640, 180, 12
REPORT_TYPES = {".md": "text/plain; charset=utf-8", ".json": "application/json"}


@dataclass
class Plot:
    """The metric per commit in SVG coordinates (computed here: the template only draws)."""

    width: int
    height: int
    line: str  # polyline points
    dots: list[dict[str, Any]]  # x, y, low, high (interval ends), marked (culprit or change point), label


def plot(points: list[dict[str, Any]], marked: set[str]) -> Plot | None:
    measured = [p for p in points if p.get("iqm") is not None]
    if len(measured) < 2:
        return None
    lows = [p["ci_low"] if p.get("ci_low") is not None else p["iqm"] for p in measured]
    highs = [p["ci_high"] if p.get("ci_high") is not None else p["iqm"] for p in measured]
    lo, hi = float(min(lows)), float(max(highs))
    span = (hi - lo) or 1.0

    def y(v: float) -> float:
        return round(PAD + (hi - v) / span * (PLOT_H - 2 * PAD), 1)

    step = (PLOT_W - 2 * PAD) / (len(measured) - 1)
    dots = [{"x": round(PAD + i * step, 1), "y": y(p["iqm"]), "low": y(lows[i]), "high": y(highs[i]),
             "marked": p["sha"] in marked, "label": f"{p['sha'][:7]}: {p['iqm']:.4g}"} for i, p in enumerate(measured)]
    return Plot(PLOT_W, PLOT_H, " ".join(f"{d['x']},{d['y']}" for d in dots), dots)


def report_path(ui: Ui, watch_id: int, name: str) -> Path:
    """A file of the watch's report folder (`name` a plain file name), else 404."""
    base = (ui.settings.data_dir / "watches" / str(watch_id) / "reports").resolve()
    path = (base / name).resolve()
    if "/" in name or not path.is_relative_to(base) or not path.is_file() or path.suffix not in REPORT_TYPES:
        raise HTTPException(404, "no such report")
    return path


def watch_routes(router: APIRouter, ui: Ui) -> None:
    def store() -> WatchStore:
        return WatchStore(ui.store.engine)

    @router.get(PREFIX + "/watches", response_class=HTMLResponse)
    def watch_list(request: Request) -> Response:
        ui.require(request)
        watches = store().all()
        open_alerts = {w.id: sum(1 for a in store().history(w.id)["alerts"] if a["status"] == "open") for w in watches}
        return ui.render(request, "watches.html", watches=[WatchView.of(w) for w in watches], open_alerts=open_alerts)

    @router.get(PREFIX + "/watches/{watch_id}", response_class=HTMLResponse)
    def watch_page(request: Request, watch_id: int) -> Response:
        ui.require(request)
        w = store().get(watch_id)
        if w is None:
            raise HTTPException(404, "no such watch")
        history = store().history(watch_id)
        marked = {a["culprit_sha"] or a["key"] for a in history["alerts"]}
        kinds = {a["culprit_sha"] or a["key"]: a["kind"] for a in history["alerts"]}
        for a in history["alerts"]:
            a["report_name"] = Path(a["report"]).name if a.get("report") else None
        return ui.render(request, "watch.html", watch=WatchView.of(w), points=history["points"], kinds=kinds,
                         alerts=history["alerts"], ticks=history["ticks"][-TICKS_SHOWN:][::-1],
                         plot=plot(history["points"], marked))

    @router.get(PREFIX + "/watches/{watch_id}/reports/{name}")
    def watch_report(request: Request, watch_id: int, name: str) -> Response:
        ui.require(request)
        path = report_path(ui, watch_id, name)
        return Response(path.read_bytes(), media_type=REPORT_TYPES[path.suffix], headers=page_headers())
