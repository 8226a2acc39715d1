"""The workflow's `verify` step (after the probes, before the ranking): `--verify` only.

It reuses the probe environment (checkouts, result cache, device slots) and the training-run probe's
runs, and returns its work as the pseudo-analyzer result `verify`: the section, the chart, the
recorded failures, and in `data["verifications"]` the finding id -> `Verification` that the rank step
applies (`verify.rank.apply_verifications`).
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from investigator.models import AnalyzerFailure, AnalyzerResult, Finding, ReportSection, Verification
from investigator.probes.builtin.training_run import PROBE_ID
from investigator.probes.model import ProbeOutcome
from investigator.request import InvestigationRequest
from investigator.verify import report
from investigator.verify.run import VerifyInput, VerifyResult, verify

VERIFY = "verify"
FIGURE = "verify-recovery.png"


def verifications_of(results: dict[str, AnalyzerResult]) -> dict[str, Verification]:
    """The verifications recorded by the `verify` step (none when it did not run)."""
    found = results.get(VERIFY)
    raw: dict[str, Any] = found.data.get("verifications", {}) if found is not None else {}
    return {fid: Verification.model_validate(v) for fid, v in raw.items()}


def _failed(message: str) -> AnalyzerResult:
    return AnalyzerResult(analyzer=VERIFY, failures=[AnalyzerFailure(source=VERIFY, message=message)],
                          data={"detail": message})


def run_verify(request: InvestigationRequest, probing: Any, findings: list[Finding], outcomes: list[ProbeOutcome],
               figures_dir: str) -> AnalyzerResult:
    """The `verify` step's result (`probing` is the run's `workflow.probing.ProbeResources`, built)."""
    if probing.built is None or probing.env is None:
        return _failed("--verify: the probe environment could not be built")
    setup = probing.built.setup
    probe = next((p for p in probing.units() if p.meta.id == PROBE_ID), None)
    if probe is None:
        return _failed("--verify: the training-run probe is not available")
    ok, why = probe.available(setup)
    if not ok:
        return _failed(f"--verify needs the training-run probe: {why}")
    prior = [r for o in outcomes if o.probe == PROBE_ID for r in o.runs]
    inp = VerifyInput(env=probing.env, setup=setup, probe=probe, findings=findings, prior=prior,
                      top=request.verify_top, budget_s=request.verify_budget_s)
    try:
        with probing.lock:
            result = verify(inp)
        return _as_result(result, request, figures_dir)
    except Exception as exc:  # a bug here is a recorded failure of this step: the report is still written
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return _failed(f"verify crashed: {exc.__class__.__name__}: {exc} ({Path(tb.filename).name}:{tb.lineno})")


def _as_result(result: VerifyResult, request: InvestigationRequest, figures_dir: str) -> AnalyzerResult:
    artifacts: list[str] = []
    figure = f"{figures_dir}/{FIGURE}"
    try:
        if report.chart(result, Path(request.output) / figure):
            artifacts.append(figure)
    except (OSError, ValueError) as exc:
        result.notes.append(f"the recovery chart could not be drawn ({exc})")
    failures = [AnalyzerFailure(source=VERIFY, message=f"restoring {v.label}: {v.status.replace('_', ' ')}: {v.error}")
                for v in result.variants if v.status in ("patch_failed", "build_failed", "probe_failed")]
    section = ReportSection(id=VERIFY, title=report.TITLE, order=report.ORDER,
                            markdown=report.section_markdown(result, artifacts[0] if artifacts else None))
    verdicts = [v.verdict for v in result.verifications.values()]
    ran, cached, _, _ = report.cost(result)
    counts = ", ".join(f"{verdicts.count(n)} {n}" for n in ("proven", "no_effect", "inconclusive") if verdicts.count(n))
    detail = f"{counts}; {ran} runs, {cached} cached" if result.variants else "nothing verified"
    data = {"verifications": {k: v.model_dump(mode="json") for k, v in result.verifications.items()},
            "variants": [{"restored": v.label, "findings": [f.id for f in v.findings], "kind": v.kind,
                          "status": v.status, "error": v.error,
                          "recovery": v.final.recovery if v.final else None,
                          "runs": [r.model_dump(mode="json") for r in v.runs]} for v in result.variants],
            "detail": detail, "log": f"{detail}; {report.cost_line(result)}"}
    return AnalyzerResult(analyzer=VERIFY, sections=[section], artifacts=artifacts, failures=failures, data=data,
                          duration_s=result.wall_s)
