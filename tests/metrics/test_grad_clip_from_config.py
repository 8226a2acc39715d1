"""The metric analyzer takes the gradient-clip threshold from the config analyzer's effective config."""

from __future__ import annotations

from pathlib import Path

from investigator.analyzers.base import AnalysisContext
from investigator.metrics.analyzer import configured_grad_clip
from investigator.models import AnalyzerResult
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest


def _ctx(effective: dict | None) -> AnalysisContext:
    prior = {}
    if effective is not None:
        prior["config_forensics"] = AnalyzerResult(analyzer="config_forensics", data={"effective_config": {"candidate": effective}})
    return AnalysisContext(
        request=InvestigationRequest(baseline_runs=["x"]),
        changeset=None,
        triage=None,
        playbooks=load_playbooks(),
        output_dir=Path("."),
        prior=prior,
    )


def test_clip_found_by_playbook_rule():
    assert configured_grad_clip(_ctx({"trainer.max_grad_norm": 0.5, "trainer.lr": 3e-4})) == (0.5, "trainer.max_grad_norm")


def test_no_config_or_no_clip_key_gives_nothing():
    assert configured_grad_clip(_ctx(None)) is None
    assert configured_grad_clip(_ctx({"trainer.lr": 3e-4, "trainer.max_grad_norm": None})) is None
    assert configured_grad_clip(_ctx({"trainer.clip_coef": 0.2})) is None
