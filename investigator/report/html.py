"""HTML rendering of the markdown report (markdown-it-py, tables enabled); images embedded."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d1d1f;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 3px;border-radius:3px}pre{background:#f7f7f7;padding:10px;overflow-x:auto}
img{max-width:100%}
"""


def _embed_images(body: str, base_dir: Path) -> str:
    def repl(match: re.Match[str]) -> str:
        src = match.group(1)
        path = (base_dir / src).resolve()
        if src.startswith(("http:", "https:", "data:")) or not path.is_file() or path.suffix.lower() != ".png":
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    return re.sub(r'src="([^"]+)"', repl, body)


def render_html(markdown_text: str, title: str, base_dir: Path) -> str:
    md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
    body = _embed_images(md.render(markdown_text), base_dir)
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}</body></html>\n"
    )
