"""Write the requested report formats into the output directory."""

from __future__ import annotations

from pathlib import Path

from investigator.report.html import render_html
from investigator.report.json_report import render_json
from investigator.report.markdown import render_markdown
from investigator.workflow.state import Investigation


def report_stem(inv: Investigation) -> str:
    if inv.range:
        return f"investigation-{inv.range.baseline.short}-{inv.range.candidate.short}"
    return "investigation-logs"


def write_reports(inv: Investigation) -> dict[str, str]:
    """Render each requested format; return format -> written path."""
    out_dir = Path(inv.request.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(inv)
    markdown = render_markdown(inv)
    written: dict[str, str] = {}
    for fmt in dict.fromkeys(inv.request.formats):
        path = out_dir / f"{stem}.{fmt}"
        if fmt == "md":
            path.write_text(markdown)
        elif fmt == "json":
            path.write_text(render_json(inv))
        elif fmt == "html":
            title = markdown.splitlines()[0].lstrip("# ")
            path.write_text(render_html(markdown, title, out_dir))
        written[fmt] = str(path)
    return written
