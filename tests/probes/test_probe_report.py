"""The probe parts of the reports, rendered from a hand-built investigation: the JSON `probes` list
and `probe_outcomes`, the markdown table and log, the HTML that follows the markdown."""

from __future__ import annotations

from pathlib import Path

from investigator.hypotheses import HypothesisRecord
from investigator.models import Evidence, EvidenceKind, Finding, HypothesisStatus, Severity
from investigator.probes.model import ProbeDecision, ProbeOutcome, ProbeRun, ProbeStatus
from investigator.report.html import render_html
from investigator.report.json_report import report_dict
from investigator.report.markdown import render_markdown
from investigator.request import InvestigationRequest
from investigator.workflow.state import Investigation, ProbePlanItem


def investigation() -> Investigation:
    runs = [
        ProbeRun(probe="grad_norm", side="baseline", commit="b" * 40, status=ProbeStatus.ok, device="cuda:0", wall_s=2.5,
                 result={"grad_norm": 0.5, "curve": [1, 2]}),
        ProbeRun(probe="grad_norm", side="candidate", commit="c" * 40, status=ProbeStatus.ok, device="cuda:0", wall_s=2.4,
                 result={"grad_norm": 41.2}, cached=True),
        ProbeRun(probe="train", side="baseline", commit="b" * 40, status=ProbeStatus.timeout, wall_s=30.0,
                 error="timed out after 30 s (process group killed)"),
    ]
    clip = Finding(id="clip", source="code_detectors.grad_clip", subsystem="trainer", severity=Severity.significant, confidence=0.9,
                   title="Gradient clipping removed", rank=1,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="clip_grad_norm_ call deleted"),
                             Evidence(kind=EvidenceKind.probe, summary="grad norm 0.5 at the baseline, 41.2 at the candidate")])
    schedule = HypothesisRecord(subsystem="trainer", id="lr_schedule_changed", statement="The schedule changed.",
                                severity=Severity.significant, status=HypothesisStatus.refuted, decided_by="lr_trajectory",
                                evidence=["probe: identical learning rate over 1000 steps"])
    return Investigation(
        request=InvestigationRequest(repo="/r", baseline_commit="b"), run_id="r1", findings=[clip], hypotheses=[schedule],
        probe_plan=[ProbePlanItem(probe="grad_norm", reason="tests finding #1 'Gradient clipping removed'", wave=1),
                    ProbePlanItem(probe="train", reason="2 critical finding(s)", wave=2, expensive=True)],
        probe_not_run={"probe_envs": "unavailable: the adapter does not define train_agent at both commits"},
        probe_outcomes=[
            ProbeOutcome(probe="grad_norm", reason="tests finding #1", runs=runs[:2], wall_s=5.0, tests_findings=["clip"],
                         decision=ProbeDecision(probe="grad_norm", verdict="confirmed", summary="grad norm 0.5 -> 41.2")),
            ProbeOutcome(probe="train", reason="2 critical finding(s)", runs=runs[2:], wall_s=30.1,
                         decision=ProbeDecision(probe="train", verdict="failed", summary="baseline: timeout")),
        ],
    )


def test_json_lists_every_run_flat_and_each_outcome() -> None:
    data = report_dict(investigation())
    assert [(p["probe"], p["side"], p["status"], p["device"], p["cached"]) for p in data["probes"]] == [
        ("grad_norm", "baseline", "ok", "cuda:0", False), ("grad_norm", "candidate", "ok", "cuda:0", True),
        ("train", "baseline", "timeout", "cpu", False)]
    assert data["probes"][0]["summary"] == "grad_norm=0.5" and "result" not in data["probes"][0]
    assert data["probes"][2]["summary"].startswith("timeout: timed out after 30 s")
    outcomes = {o["probe"]: o for o in data["probe_outcomes"]}
    assert outcomes["grad_norm"]["verdict"] == "confirmed" and outcomes["grad_norm"]["wall_s"] == 5.0
    assert outcomes["train"]["reason"] == "2 critical finding(s)"
    assert data["probe_plan"]["not_run"]["probe_envs"].startswith("unavailable")
    hyp = data["hypotheses"][0]
    assert hyp["decided_by"] == "lr_trajectory" and data["schema_version"] == "1.3"


def test_markdown_table_evidence_hypothesis_and_log(tmp_path: Path) -> None:
    md = render_markdown(investigation())
    assert "## Probe experiments" in md
    assert ("| `grad_norm` | tests finding #1 | ok (1/1 runs) | ok (1/1 runs, 1 cached) | confirmed | 5.0 | cuda:0 |") in md
    assert "| `train` | 2 critical finding(s) | ok (0/1 runs); timeout: timed out after 30 s (process group killed) | — | failed |" in md
    assert "- Evidence (code): clip_grad_norm_ call deleted" in md and "- Evidence (probe): grad norm 0.5 at the baseline" in md
    assert "| refuted (probe `lr_trajectory`) |" in md
    assert "- wave 2: planned `train` (2 critical finding(s)); 1 runs (0 ran, 0 cached) in 30.1 s; decided failed" in md
    assert "- `probe_envs`: unavailable" in md
    html = render_html(md, "t", tmp_path)
    assert "<h2>Probe experiments</h2>" in html and "<td><code>grad_norm</code></td>" in html


def test_no_probe_section_when_nothing_was_planned() -> None:
    inv = investigation().model_copy(update={"probe_plan": [], "probe_not_run": {}, "probe_outcomes": []})
    md = render_markdown(inv)
    assert "## Probe experiments" not in md and "Probes:" not in md
    assert report_dict(inv)["probes"] == []
