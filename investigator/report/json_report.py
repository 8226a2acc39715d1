"""The machine-readable report: a documented, versioned schema (docs/report-schema.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic_core import to_json

from investigator import __version__

if TYPE_CHECKING:  # the workflow imports the report writer; only annotations need the state
    from investigator.workflow.state import Investigation

SCHEMA_VERSION = "1.1"


def report_dict(inv: Investigation) -> dict:
    findings = []
    for f in inv.findings:
        item = f.model_dump(mode="json")
        item["confidence_label"] = f.confidence_label
        findings.append(item)
    results = inv.results.values()
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "investigator", "version": __version__},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": inv.run_id,
        "incomplete": inv.incomplete.model_dump(mode="json") if inv.incomplete else None,
        "request": inv.request.model_dump(mode="json"),
        "range": inv.range.model_dump(mode="json") if inv.range else None,
        "findings": findings,
        "verified": [v.model_dump(mode="json") for r in results for v in r.verified],
        "no_effect": [n.model_dump(mode="json") for r in results for n in r.no_effect],
        "hypotheses": [h.model_dump(mode="json") | {"key": h.key} for h in inv.hypotheses],
        "sections": [s.model_dump(mode="json") for r in results for s in r.sections],
        "triage": inv.triage.model_dump(mode="json") if inv.triage else None,
        "analyzers": {"ran": list(inv.results), "skipped": inv.skipped},
        "failures": [f.model_dump(mode="json") for f in inv.failures],
        "timings": [t.model_dump(mode="json") for t in inv.timings],
        "artifacts": [a for r in results for a in r.artifacts],
    }


def render_json(inv: Investigation) -> str:
    # pydantic-core's serializer is compiled; json.dumps with indent runs in Python and is ~10x slower
    return to_json(report_dict(inv), indent=2).decode() + "\n"
