"""The machine-readable report: a documented, versioned schema (docs/report-schema.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic_core import to_json

from investigator import __version__
from investigator.probes.model import ProbeRun

if TYPE_CHECKING:  # the workflow imports the report writer; only annotations need the state
    from investigator.workflow.state import Investigation

SCHEMA_VERSION = "1.3"


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
        "probes": probe_runs(inv),
        "probe_outcomes": probe_outcomes(inv),
        "probe_plan": {"waves": [p.model_dump(mode="json") for p in inv.probe_plan], "not_run": inv.probe_not_run,
                       "notes": inv.probe_notes},
        "bisection": inv.bisection.model_dump(mode="json") if inv.bisection else None,
    }


def run_summary(run: ProbeRun) -> str:
    """One line for a run: its own summary, its error, or its scalar results."""
    if run.summary:
        return run.summary
    if not run.ok:
        return f"{run.status.value}: {run.error}"
    scalars = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in run.result.items()
               if isinstance(v, (int, float, str, bool)) and len(str(v)) < 40]
    return ", ".join(scalars[:6]) or f"ok ({len(run.result)} result fields)"


def probe_runs(inv: Investigation) -> list[dict]:
    """Every probe run, flat: probe, side, commit, status, device, wall seconds, result summary."""
    out = []
    for o in inv.probe_outcomes:
        for run in o.runs:
            item = run.model_dump(mode="json", exclude={"result"})
            item["summary"] = run_summary(run)
            out.append(item)
    return out


def probe_outcomes(inv: Investigation) -> list[dict]:
    out = []
    for o in inv.probe_outcomes:
        d = o.decision
        out.append({"probe": o.probe, "reason": o.reason, "verdict": d.verdict if d else "failed",
                    "summary": d.summary if d else "", "wall_s": o.wall_s, "runs": len(o.runs),
                    "tests_findings": o.tests_findings, "details": d.details if d else {},
                    "hypothesis_updates": [u.model_dump(mode="json") for u in d.hypothesis_updates] if d else [],
                    "artifacts": d.artifacts if d else []})
    return out


def render_json(inv: Investigation) -> str:
    # pydantic-core's serializer is compiled; json.dumps with indent runs in Python and is ~10x slower
    return to_json(report_dict(inv), indent=2).decode() + "\n"
