"""The markdown report's "Changed, no behavioural effect" section stays readable on large refactors."""

from __future__ import annotations

from pathlib import Path

from investigator.models import AnalyzerResult, NoEffectChange
from investigator.report.markdown import _no_effect
from investigator.request import InvestigationRequest
from investigator.workflow.state import Investigation


def _investigation(**counts: int) -> Investigation:
    sources = {"files": "diff_overview", "config": "config_forensics", "code": "code_detectors.comment_out"}
    results = {}
    for kind, n in counts.items():
        items = [NoEffectChange(subsystem="ppo", title=f"{kind} item {i}", reason=f"{kind} reason", source=sources[kind])
                 for i in range(n)]
        results[sources[kind]] = AnalyzerResult(analyzer=sources[kind], no_effect=items)
    return Investigation(request=InvestigationRequest(repo="r", output=Path("out")), results=results)


def test_small_list_is_flat_with_code_changes_first():
    lines = _no_effect(_investigation(files=3, config=2, code=1))
    items = [ln for ln in lines if ln.startswith("- ")]
    assert len(items) == 6
    assert items[0].startswith("- `code item 0`") and items[-1].startswith("- `files item 2`")
    assert not any(ln.startswith("**") for ln in lines)


def test_large_list_is_grouped_and_capped_per_kind_so_code_changes_stay_visible():
    lines = _no_effect(_investigation(files=400, config=300, code=2))
    text = "\n".join(lines)
    assert "**Code that changed but cannot affect training** (2)" in text
    assert "**Configuration that changed but no code reads** (300)" in text
    assert "(400)" in text
    assert "`code item 1`" in text  # both code items shown although 700 others come first in results order
    assert "… and 385 more of this kind" in text and "… and 285 more of this kind" in text
    assert len([ln for ln in lines if ln.startswith("- ")]) == 2 + 15 + 1 + 15 + 1


def test_empty_section_says_none():
    assert "None." in _no_effect(_investigation())


def test_verified_items_are_capped_per_subsystem():
    from investigator.models import VerifiedItem
    from investigator.report.markdown import _verified

    items = [VerifiedItem(subsystem="env", source="config_forensics", what=f"env.rewards.item_{i} 0.{i} identical",
                          how="effective configuration at both commits") for i in range(29)]
    items.append(VerifiedItem(subsystem="trainer", source="config_forensics", what="trainer.lr 0.001 identical", how="x"))
    inv = _investigation()
    inv.results["config_forensics"] = AnalyzerResult(analyzer="config_forensics", verified=items)
    text = "\n".join(_verified(inv))
    assert text.count("  - env.rewards.item_") == 10
    assert "  - … and 19 more (JSON report, `verified`)" in text
    assert "  - trainer.lr 0.001 identical" in text
