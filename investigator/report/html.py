"""HTML rendering of the markdown report (markdown-it-py, tables enabled); the tool's figures embedded.

Only the figures this run wrote are read and embedded. Any other image reference (it can come from
repository content: a commit message with `![x](/home/me/.ssh/id.png)`) is shown as text and never
read, so the report cannot carry a local file out, nor make a browser fetch one.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Collection
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d1d1f;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 3px;border-radius:3px}pre{background:#f7f7f7;padding:10px;overflow-x:auto}
img{max-width:100%}
td.sev{font-weight:600}td.sev-critical{background:#fde8e7;color:#b42318}td.sev-significant{background:#fef0db;color:#b54708}
td.sev-low{background:#eef1f5;color:#475467}
"""
# a table cell holding only a severity is coloured (the web UI uses the same colours)
_SEVERITY_CELL = re.compile(r"<td>(critical|significant|low)</td>")


def _figure_data(src: str, base_dir: Path, figures: Collection[str]) -> str | None:
    """base64 PNG of `src` when it is one of this run's figures inside `base_dir`, else None."""
    if src not in figures or not src.lower().endswith(".png"):
        return None
    root = base_dir.resolve()
    path = (root / src).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return base64.b64encode(path.read_bytes()).decode()


def render_html(markdown_text: str, title: str, base_dir: Path, figures: Collection[str] = ()) -> str:
    """`figures`: image paths (relative to `base_dir`) the tool itself wrote; nothing else is read."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")

    def image(renderer: RendererHTML, tokens, idx, options, env) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        data = _figure_data(src, base_dir, figures)
        if data is None:
            return f"<span class='image-ref'>[image not shown: {html.escape(alt)} ({html.escape(src)})]</span>"
        return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'

    md.add_render_rule("image", image)
    body = _SEVERITY_CELL.sub(r'<td class="sev sev-\1">\1</td>', md.render(markdown_text))
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}</body></html>\n"
    )
