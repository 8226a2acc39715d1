"""Write the requested report formats into the output directory.

Each report gets a unique name (`investigation-<baseline>-<candidate>-<run id>.<fmt>`, or
`investigation-logs-<run id>.<fmt>`) and is written atomically, so concurrent runs sharing an output
directory never overwrite or half-write each other's reports; `latest.<fmt>` links the newest one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from investigator.report.json_report import render_json
from investigator.report.markdown import render_markdown
from investigator.report.output import atomic_write_text, new_run_id, point_latest
from investigator.report.sarif import render_sarif

if TYPE_CHECKING:  # the workflow imports the report writer; only annotations need the state
    from investigator.workflow.state import Investigation


def report_stem(inv: Investigation) -> str:
    run_id = inv.run_id or new_run_id()
    if inv.range:
        return f"investigation-{inv.range.baseline.short}-{inv.range.candidate.short}-{run_id}"
    return f"investigation-logs-{run_id}"


def figure_paths(inv: Investigation) -> set[str]:
    """The figures this run wrote (relative to the output directory): the only images a report shows."""
    probe_artifacts = [a for o in inv.probe_outcomes if o.decision is not None for a in o.decision.artifacts]
    if inv.bisection is not None and inv.bisection.figure:
        probe_artifacts.append(inv.bisection.figure)
    return {a for a in [*(a for r in inv.results.values() for a in r.artifacts), *probe_artifacts] if a.lower().endswith(".png")}


def _html(inv: Investigation, markdown: Callable[[], str], out_dir: Path) -> str:
    from investigator.report.html import render_html  # markdown-it is only loaded when HTML is asked for

    text = markdown()
    return render_html(text, text.splitlines()[0].lstrip("# "), out_dir, figure_paths(inv))


# format -> renderer(investigation, markdown text on demand, output dir); each renders only when requested
RENDERERS: dict[str, Callable[[Investigation, Callable[[], str], Path], str]] = {
    "md": lambda inv, markdown, out_dir: markdown(),
    "json": lambda inv, markdown, out_dir: render_json(inv),
    "html": _html,
    "sarif": lambda inv, markdown, out_dir: render_sarif(inv),
}


def write_reports(inv: Investigation, out_dir: Path | None = None) -> dict[str, str]:
    """Render each requested format into `out_dir` (default: the requested output); return format -> path."""
    out_dir = Path(inv.request.output) if out_dir is None else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(inv)
    markdown = cache(lambda: render_markdown(inv))  # shared by md and html, skipped for json alone
    written: dict[str, str] = {}
    for fmt in dict.fromkeys(inv.request.formats):
        path = out_dir / f"{stem}.{fmt}"
        atomic_write_text(path, RENDERERS[fmt](inv, markdown, out_dir))
        point_latest(path)
        written[fmt] = str(path)
    return written
