"""Non-Python sources (C/C++/CUDA extensions, shaders, build files): triaged, listed, not analysed.

Nothing is silently dropped: every changed native or build file becomes a row in a report
section with the subsystems its changed lines point to (playbook `signals.identifiers`) and
its hunks.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from investigator.detectors.classify import identifier_hits
from investigator.detectors.sources import FileChange
from investigator.models import ReportSection

if TYPE_CHECKING:
    from investigator.playbooks_lib.schema import PlaybookSet

NATIVE_SUFFIXES = (
    ".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".cu", ".cuh", ".pyx", ".pxd",
    ".metal", ".glsl", ".hlsl", ".wgsl", ".comp", ".frag", ".vert", ".geom", ".spv", ".rs", ".go",
    ".f90", ".jl", ".mm", ".m",
)  # fmt: skip
BUILD_GLOBS = (
    "cmakelists.txt", "*.cmake", "makefile", "*.mk", "meson.build", "build", "build.bazel",
    "workspace", "*.bzl", "setup.cfg", "cargo.toml", "build.rs", "*.ninja", "setup.py",
)  # fmt: skip
MAX_HUNK_LINES_SHOWN = 40


def is_native(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return path.lower().endswith(NATIVE_SUFFIXES) or any(fnmatch.fnmatch(name, g) for g in BUILD_GLOBS)


def native_changes(changes: list[FileChange]) -> list[FileChange]:
    """Changed native/build files; `setup.py` counts as a build file but is also parsed as Python."""
    return [c for c in changes if is_native(c.path)]


def native_section(changes: list[FileChange], playbooks: PlaybookSet | None) -> ReportSection | None:
    native = native_changes(changes)
    if not native:
        return None
    rows = ["| file | status | +/- | subsystems (identifiers in changed lines) |", "|---|---|---|---|"]
    blocks: list[str] = []
    for change in native:
        changed_text = "\n".join(
            line[1:] for h in change.hunks for line in h.lines if line[:1] in ("+", "-")
        )
        hits = identifier_hits(changed_text, playbooks)
        subsystems = "; ".join(f"{s} (`{'`, `'.join(ids[:3])}`)" for s, ids in hits.items()) or "unclassified"
        added = sum(1 for h in change.hunks for line in h.lines if line.startswith("+"))
        removed = sum(1 for h in change.hunks for line in h.lines if line.startswith("-"))
        size = "binary" if change.binary else f"+{added} -{removed}"
        rows.append(f"| `{change.path}` | {change.status} | {size} | {subsystems} |")
        if change.hunks:
            lines: list[str] = []
            for h in change.hunks:
                lines.extend([f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@", *h.lines])
            shown = lines[:MAX_HUNK_LINES_SHOWN]
            if len(lines) > len(shown):
                shown.append(f"... ({len(lines) - len(shown)} more lines)")
            body = "\n".join(shown)
            blocks.append(f"**`{change.path}`**\n\n```diff\n{body}\n```")
    markdown = "\n".join(
        [
            f"{len(native)} native or build file(s) changed. The code detectors do not analyse these "
            "languages; they are triaged by identifiers and listed so that nothing is dropped. "
            "Review them by hand.",
            "",
            *rows,
            "",
            *blocks,
        ]
    )
    return ReportSection(
        id="code_detectors.native", title="Changed, not analysed in depth (native and build sources)",
        markdown=markdown, order=70,
    )
