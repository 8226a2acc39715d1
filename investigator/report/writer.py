"""Write the requested report formats into the output directory."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from investigator.report.json_report import render_json
from investigator.report.markdown import render_markdown

if TYPE_CHECKING:  # the workflow imports the report writer; only annotations need the state
    from investigator.workflow.state import Investigation


def report_stem(inv: Investigation) -> str:
    if inv.range:
        return f"investigation-{inv.range.baseline.short}-{inv.range.candidate.short}"
    return "investigation-logs"


def _html(inv: Investigation, markdown: Callable[[], str], out_dir: Path) -> str:
    from investigator.report.html import render_html  # markdown-it is only loaded when HTML is asked for

    text = markdown()
    return render_html(text, text.splitlines()[0].lstrip("# "), out_dir)


# format -> renderer(investigation, markdown text on demand, output dir); each renders only when requested
RENDERERS: dict[str, Callable[[Investigation, Callable[[], str], Path], str]] = {
    "md": lambda inv, markdown, out_dir: markdown(),
    "json": lambda inv, markdown, out_dir: render_json(inv),
    "html": _html,
}


def write_reports(inv: Investigation) -> dict[str, str]:
    """Render each requested format; return format -> written path."""
    out_dir = Path(inv.request.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(inv)
    markdown = cache(lambda: render_markdown(inv))  # shared by md and html, skipped for json alone
    written: dict[str, str] = {}
    for fmt in dict.fromkeys(inv.request.formats):
        path = out_dir / f"{stem}.{fmt}"
        path.write_text(RENDERERS[fmt](inv, markdown, out_dir))
        written[fmt] = str(path)
    return written
