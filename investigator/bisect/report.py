"""The bisection's report: a markdown section (standalone, or inside an investigation report), the
JSON (`bisection` at the top level, as in an investigation's JSON), and the figure beside them.

Same conventions as `report/writer.py`: unique names per run (`bisect-<good>-<bad>-<run id>.<fmt>`),
atomic writes, the figure under `figures/<run id>/`, `latest-bisect.<fmt>` linking the newest.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from pydantic_core import to_json

from investigator import __version__
from investigator.bisect.model import Bisection, BisectStatus, TestedCommit
from investigator.bisect.run import BisectRequest
from investigator.report.json_report import SCHEMA_VERSION
from investigator.report.output import atomic_write_text

STATUS_TEXT = {
    BisectStatus.FOUND: "first bad commit found",
    BisectStatus.NO_REGRESSION: "no regression between the ends: no first bad commit",
    BisectStatus.AMBIGUOUS: "skipped or unsure commits hide the first bad commit: it is one of the suspects",
    BisectStatus.BUDGET: "stopped by the budget: the first bad commit is one of the suspects",
    BisectStatus.FAILED: "an end could not be measured",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _metric(t: TestedCommit) -> str:
    s = t.summary
    if s.iqm is None:
        return "-"
    interval = f" [{s.ci_low:.4g}, {s.ci_high:.4g}]" if s.ci_low is not None and s.ci_high is not None else ""
    return f"{s.iqm:.4g}{interval}"


def headline(b: Bisection) -> str:
    """One line: what the bisection found."""
    if b.status == BisectStatus.FOUND and b.first_bad_commit is not None:
        c = b.first_bad_commit
        via = f" (merged by {c.via_merge[:7]})" if c.via_merge else ""
        return f"First bad commit: `{c.short}` {c.subject}{via}, {c.author}, {c.date}"
    if b.suspects:
        return f"{STATUS_TEXT[b.status]}: " + ", ".join(f"`{s[:7]}`" for s in b.suspects[:12]) + (
            f" and {len(b.suspects) - 12} more" if len(b.suspects) > 12 else "")
    return STATUS_TEXT[b.status][:1].upper() + STATUS_TEXT[b.status][1:]


def section(b: Bisection, level: str = "##") -> str:
    """The bisection as markdown: headline, verdict table, totals, notes, figure."""
    lines = [f"{level} Bisection", "", f"**{headline(b)}**", "",
             f"Metric `{b.metric}` ({'higher' if b.higher_is_better else 'lower'} is better) over "
             f"{b.commits_in_range} commit(s) from `{b.good.short}` (good) to `{b.bad.short}` (bad): status "
             f"`{b.status.value}`; {b.runs} probe runs ({b.cached_runs} from the cache) in {b.rounds} round(s), "
             f"{b.wall_s:.1f} s.", ""]
    if b.tested:
        lines += ["| position | commit | subject | seeds | metric IQM [interval] | verdict | round | wall s | note |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for t in b.tested:
            mark = " **first bad**" if t.sha == b.first_bad else ""
            lines.append(f"| {t.position} | `{t.commit.short}`{mark} | {_cell(t.commit.subject[:60])} | {t.seeds} | "
                         f"{_metric(t)} | {t.verdict.value} | {t.round} | {t.wall_s:.1f} | {_cell(t.note)} |")
        lines.append("")
    if b.suspects:
        lines += ["Suspects: " + ", ".join(f"`{s}`" for s in b.suspects), ""]
    lines += [f"- {_cell(n)}" for n in b.notes]
    if b.notes:
        lines.append("")
    if b.figure:
        lines += [f"![metric by commit]({b.figure})", ""]
    return "\n".join(lines)


def render_markdown(b: Bisection, req: BisectRequest) -> str:
    head = [f"# Bisection: {b.good.short}..{b.bad.short}", "",
            f"Repository `{req.repo}`, command `{_cell(req.probe_command)}`, {req.seeds} seed(s) per round "
            f"(at most {req.max_seeds or 3 * req.seeds} per commit).", ""]
    return "\n".join(head) + "\n" + section(b)


def render_json(b: Bisection, req: BisectRequest, run_id: str) -> str:
    doc = {"schema_version": SCHEMA_VERSION, "tool": {"name": "investigator", "version": __version__},
           "generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "run_id": run_id,
           "request": req.model_dump(mode="json"), "bisection": b.model_dump(mode="json"),
           "artifacts": [b.figure] if b.figure else []}
    return to_json(doc, indent=2).decode() + "\n"


def _point_latest(report: Path) -> None:
    """`latest-bisect.<fmt>` -> the newest bisection report (only ever replaces a link)."""
    link = report.parent / f"latest-bisect{report.suffix}"
    if link.exists() and not link.is_symlink():
        return
    tmp = report.parent / f".{link.name}.{secrets.token_hex(4)}.tmp"
    try:
        os.symlink(report.name, tmp)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)


def figure_for(b: Bisection, out_dir: Path, run_id: str) -> str | None:
    """The figure under figures/<run id>/ (relative to `out_dir`), or None when nothing was measured."""
    if not any(t.summary.values for t in b.tested):
        return None
    from investigator.bisect.plot import bisection_figure

    rel = f"figures/{run_id}/bisection.png"
    bisection_figure(b, out_dir / rel)
    return rel


def write_reports(b: Bisection, req: BisectRequest, run_id: str) -> dict[str, str]:
    out_dir = Path(req.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bisect-{b.good.short}-{b.bad.short}-{run_id}"
    written: dict[str, str] = {}
    for fmt in dict.fromkeys(req.formats):
        path = out_dir / f"{stem}.{fmt}"
        text = render_json(b, req, run_id) if fmt == "json" else render_markdown(b, req)
        atomic_write_text(path, text)
        _point_latest(path)
        written[fmt] = str(path)
    return written
