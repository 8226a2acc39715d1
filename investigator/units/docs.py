"""What the registry knows, for people: `investigate explain`, and the generated catalogue tables.

docs/detectors.md and docs/metrics.md hold hand-written prose around tables generated from the units'
metadata, between two marker comments. Regenerate them with `python -m investigator.units docs`
(`--check` exits 1 when they are stale; a test does the same).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from investigator.units.registry import Unit, UnitError, UnitMeta, all_units, get_unit, kinds

ROOT = Path(__file__).resolve().parents[2]  # the project checkout (docs/ is not installed)


def _kind_rank(kind: str) -> int:
    names = [k.name for k in kinds()]
    return names.index(kind) if kind in names else len(names)


def list_lines() -> list[str]:
    """One line per unit: id, kind, subsystem ("-" for a unit over every subsystem); by kind, then id."""
    units = sorted(all_units(), key=lambda u: (_kind_rank(u.kind), u.id))
    return [f"{u.id:<28} {u.kind:<12} {u.meta.subsystem or '-'}" for u in units]


def _severity(meta: UnitMeta) -> str:
    if meta.severity is None:
        return "-"
    notes = [meta.severity_note] if meta.severity_note else []
    if getattr(meta, "needs_contrast", False):
        notes.insert(0, "low without a baseline contrast")
    return meta.severity.value + (f" ({'; '.join(notes)})" if notes else "")


def _extra_fields(meta: UnitMeta) -> list[str]:
    """The kind's own metadata (a detector's confidence, a rule's metrics), when set."""
    lines = []
    for name in type(meta).model_fields:
        if name in UnitMeta.model_fields:
            continue
        value = getattr(meta, name)
        if value in (None, "", [], (), False):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        lines.append(f"{name.replace('_', ' ')}: {shown}")
    return lines


def explain_text(unit: Unit) -> str:
    """A unit's documentation, like `ruff rule`: what it is, why, what to do, where it lives."""
    meta = unit.meta
    lines = [
        f"{meta.id}: {meta.title}",
        "",
        f"kind: {unit.kind}",
        f"subsystem: {meta.subsystem or '- (every subsystem)'}",
        f"severity: {_severity(meta)}",
        f"hypotheses: {', '.join(meta.hypotheses) or '-'}",
        *_extra_fields(meta),
        f"module: {unit.module}",
    ]
    for heading, text in (("Rationale", meta.rationale), ("Fix", meta.fix), ("Note", meta.note)):
        if text:
            lines += ["", f"{heading}:", f"  {text}"]
    if unit.doc:
        lines += ["", "Documentation:", *(f"  {ln}" if ln else "" for ln in unit.doc.splitlines())]
    return "\n".join(lines) + "\n"


def explain(unit_id: str | None, list_all: bool) -> int:
    """`investigate explain`: 0 when it printed, 2 for an unknown id or no argument (one line)."""
    if list_all:
        print("\n".join(list_lines()))
        return 0
    if not unit_id:
        print("investigate explain: error: give a unit id, or --list for every id", file=sys.stderr)
        return 2
    try:
        unit = get_unit(unit_id)
    except UnitError as exc:
        if not str(exc).startswith("unknown unit id"):
            raise
        print(f"investigate explain: error: {exc}; `investigate explain --list` lists every id", file=sys.stderr)
        return 2
    sys.stdout.write(explain_text(unit))
    return 0


# -- generated tables -------------------------------------------------------------------------------
def _summary(unit: Unit) -> str:
    """The module docstring's first paragraph on one line (what the unit compares)."""
    first = " ".join((unit.doc.split("\n\n", 1)[0] if unit.doc else unit.meta.title).split())
    if unit.meta.note:
        first = first.removesuffix(".") + f" ({unit.meta.note})."
    return first.replace("|", "\\|")


def _ids(ids: list[str]) -> str:
    return ", ".join(f"`{h}`" for h in ids)


def detector_table() -> str:
    rows = ["| id | subsystem | default severity | what it compares | hypotheses |", "|---|---|---|---|---|"]
    for u in sorted((u for u in all_units() if u.kind == "detector"), key=lambda u: u.id):
        rows.append(f"| `{u.id}` | {u.meta.subsystem} | {_severity(u.meta)} | {_summary(u)} | {_ids(u.meta.hypotheses) or '-'} |")
    return "\n".join(rows)


def metric_rule_table() -> str:
    rows = ["| rule | kind | subsystem | default severity | what it detects | supports |", "|---|---|---|---|---|---|"]
    for u in (u for u in all_units() if u.kind == "metric_rule"):  # in their order: the report's
        supports = _ids(u.meta.hypotheses) or "—"
        if u.meta.note:
            supports += f" ({u.meta.note})"
        kind = getattr(u.meta, "kind", "")
        rows.append(f"| `{u.id}` | {kind} | {u.meta.subsystem} | {_severity(u.meta)} | {u.meta.title} | {supports} |")
    return "\n".join(rows)


def probe_table() -> str:
    """Every probe unit: its cost, what it needs, what makes the planner choose it, what it decides."""
    rows = ["| probe | cost | needs | chosen by | what it decides | hypotheses |", "|---|---|---|---|---|---|"]
    for u in sorted((u for u in all_units() if u.kind == "probe"), key=lambda u: u.id):
        meta = u.meta
        cost = str(getattr(meta, "cost", ""))
        needs = ", ".join(f"`{n}`" for n in getattr(meta, "needs", [])) or "(its own rule: `investigate explain`)"
        chosen = [*(f"`{s}` findings" for s in getattr(meta, "finding_sources", []))]
        chosen += ["its hypotheses open"] if meta.hypotheses else []
        chosen += ["always"] if getattr(meta, "always", False) else []
        rows.append(f"| `{u.id}` | {cost} | {needs} | {', '.join(chosen) or '-'} | {_summary(u)} | {_ids(meta.hypotheses) or '-'} |")
    return "\n".join(rows)


TABLES: dict[str, tuple[str, Callable[[], str]]] = {
    "detectors": ("docs/detectors.md", detector_table),
    "metric-rules": ("docs/metrics.md", metric_rule_table),
    "probes": ("docs/probes.md", probe_table),
}


def _markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- generated table: {name} (python -m investigator.units docs); edit the units' metadata, not this table -->",
        f"<!-- end of generated table: {name} -->",
    )


def render(text: str, name: str, table: str) -> str:
    """`text` with the table between the markers for `name` replaced by `table`."""
    begin, end = _markers(name)
    if begin not in text or end not in text:
        raise UnitError(f"the markers of the generated table {name!r} are missing:\n{begin}\n{end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{table}\n{end}{tail}"


def generated_docs(root: Path = ROOT) -> dict[Path, str]:
    """Every generated document with its tables up to date: path -> text."""
    out: dict[Path, str] = {}
    for name, (relpath, table) in TABLES.items():
        path = root / relpath
        out[path] = render(out.get(path) or path.read_text(), name, table())
    return out


def stale_docs(root: Path = ROOT) -> list[Path]:
    return [path for path, text in generated_docs(root).items() if path.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m investigator.units", description="Unit registry tools.")
    sub = p.add_subparsers(dest="command", required=True)
    docs = sub.add_parser("docs", help="regenerate the tables in docs/detectors.md, docs/metrics.md and docs/probes.md")
    docs.add_argument("--check", action="store_true", help="only check: exit 1 when a table is stale")
    sub.add_parser("list", help="every unit id with its kind and subsystem")
    args = p.parse_args(argv)
    if args.command == "list":
        print("\n".join(list_lines()))
        return 0
    stale = stale_docs()
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run `python -m investigator.units docs`)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated_docs().items():
        if path in stale:
            path.write_text(text)
            print(f"updated {path.relative_to(ROOT)}")
    return 0
