"""The report of one alert: which commit made training worse on the watched branch, the evidence
(metric at the reference and the head, the bisection or the change points, the history), the
findings the culprit introduced, and a link to the static investigation's full report.

Written once, when the alert opens (`watch-<name>-<culprit>-<run id>.{md,json}` in `--output`);
later messages about the same regression link to it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json

from investigator import __version__
from investigator.report.json_report import SCHEMA_VERSION
from investigator.report.output import atomic_write_text, new_run_id

if TYPE_CHECKING:
    from investigator.watch.state import Alert, Store, Watch
    from investigator.watch.tick import TickResult, WatchSpec
    from investigator.workflow.state import Investigation


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "watch"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _fmt(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else ("-" if v is None else str(v))


def render_markdown(spec: WatchSpec, alert: Alert, res: TickResult, inv: Investigation | None, store: Store,
                    w: Watch, figure: str | None) -> str:
    from investigator.bisect.report import section

    kind = {"regression": "Regression", "drift": "Drift", "static": "Static findings"}.get(alert.kind, alert.kind)
    lines = [f"# {kind} on `{spec.branch}` ({spec.name})", "", f"**{alert.summary}**", "",
             f"Repository `{spec.repo}`, severity **{alert.severity}**, reference `{alert.reference_sha[:7]}`, head "
             f"`{alert.head_sha[:7]}`, alert `{spec.name}:{alert.key}`, opened "
             f"{datetime.now(UTC).isoformat(timespec='seconds')}.", ""]
    metric: dict[str, Any] = alert.detail.get("metric") or {}
    if metric:
        lines += ["| metric | reference IQM | head IQM | relative change |", "|---|---|---|---|",
                  f"| `{metric.get('name')}` ({'higher' if metric.get('higher_is_better', True) else 'lower'} is better) | "
                  f"{_fmt(metric.get('reference_iqm'))} | {_fmt(metric.get('head_iqm'))} | "
                  f"{_fmt(metric.get('relative_change'))} |", ""]
    if res.bisection is not None and alert.kind == "regression":
        b = res.bisection.model_copy(update={"figure": figure})
        lines += [section(b), ""]
    if alert.kind == "drift":
        lines += ["## Change points", "",
                  "E-divisive means over the per-commit IQM history (permutation test; docs/watch.md):", "",
                  "| index | commit | p-value | mean before | mean after | direction |", "|---|---|---|---|---|---|"]
        points = [p for p in store.points(w.id, w.config_key) if p.iqm is not None]
        for c in alert.detail.get("change_points", []):
            sha = points[c["index"]].sha[:7] if c["index"] < len(points) else "?"
            lines.append(f"| {c['index']} | `{sha}` | {c['p_value']:.3g} | {c['before_mean']:.4g} | "
                         f"{c['after_mean']:.4g} | {c['direction']} |")
        lines.append("")
    lines += _history(store, w)
    lines += _findings(alert, inv)
    if res.notes:
        lines += ["## Notes", "", *[f"- {_cell(n)}" for n in res.notes], ""]
    return "\n".join(lines)


def _history(store: Store, w: Watch, last: int = 30) -> list[str]:
    points = store.points(w.id, w.config_key)
    if not points:
        return []
    out = ["## Metric history (newest last)", "", "| # | commit | subject | seeds | IQM [interval] |", "|---|---|---|---|---|"]
    for p in points[-last:]:
        interval = f" [{p.ci_low:.4g}, {p.ci_high:.4g}]" if p.ci_low is not None and p.ci_high is not None else ""
        out.append(f"| {p.seq} | `{p.sha[:7]}` | {_cell(p.subject[:60])} | {len(p.values)} | {_fmt(p.iqm)}{interval} |")
    return [*out, ""]


def _findings(alert: Alert, inv: Investigation | None) -> list[str]:
    if inv is None:
        return []
    out = ["## Static investigation", ""]
    where = ", ".join(f"[{fmt}]({Path(path).name})" for fmt, path in inv.reports.items())
    out += [f"{len(inv.findings)} finding(s) from `{alert.reference_sha[:7]}` to `{alert.head_sha[:7]}`"
            + (f"; full report: {where}" if where else "") + ".", ""]
    for f in alert.detail.get("findings", []):
        by = (f.get("introduced_by") or {}).get("short")
        mark = " (**introduced by the culprit**)" if by and alert.culprit_sha and alert.culprit_sha.startswith(by) else ""
        out.append(f"- **{f['severity']}** {_cell(f['title'])}" + (f", in `{by}`" if by else "") + mark)
    return [*out, ""]


def write_alert_report(spec: WatchSpec, alert: Alert, res: TickResult, inv: Investigation | None, store: Store,
                       w: Watch) -> dict[str, str]:
    """The report files (format -> path); the bisection figure under figures/<run id>/."""
    from investigator.bisect.report import figure_for

    assert spec.output is not None
    out = Path(spec.output)
    out.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    figure = None
    if res.bisection is not None and alert.kind == "regression":
        figure = figure_for(res.bisection, out, run_id)
    stem = f"watch-{_slug(spec.name)}-{(alert.culprit_sha or alert.key)[:7].replace(':', '-')}-{run_id}"
    written: dict[str, str] = {}
    for fmt in dict.fromkeys(f for f in spec.formats if f in ("md", "json")):
        path = out / f"{stem}.{fmt}"
        if fmt == "md":
            text = render_markdown(spec, alert, res, inv, store, w, figure)
        else:
            doc = {"schema_version": SCHEMA_VERSION, "tool": {"name": "investigator", "version": __version__},
                   "kind": "watch_alert", "run_id": run_id, "watch": spec.model_dump(mode="json"),
                   "alert": {"key": alert.key, "kind": alert.kind, "severity": alert.severity,
                             "culprit": alert.culprit_sha, "reference": alert.reference_sha, "head": alert.head_sha,
                             "summary": alert.summary, "detail": alert.detail},
                   "tick": res.model_dump(mode="json", exclude={"reports"}),
                   "history": [{"seq": p.seq, "sha": p.sha, "values": p.values, "iqm": p.iqm, "ci": [p.ci_low, p.ci_high]}
                               for p in store.points(w.id, w.config_key)],
                   "investigation_reports": dict(inv.reports) if inv is not None else {},
                   "artifacts": [figure] if figure else []}
            text = to_json(doc, indent=2).decode() + "\n"
        atomic_write_text(path, text)
        written[fmt] = str(path)
    return written
