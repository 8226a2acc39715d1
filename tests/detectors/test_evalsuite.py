"""The committed evaluation suite: recall on single-bug variants, no false alarms on refactors."""

from __future__ import annotations

from pathlib import Path

from investigator.detectors.base import all_detectors
from tests.support.evalsuite import BASE_FILES, BUGS, COVERED_ELSEWHERE, REFACTORS, run_suite


def test_suite_shape() -> None:
    assert len(BUGS) >= 25 and len(REFACTORS) >= 10
    families = {v.family for v in BUGS}
    assert families | set(COVERED_ELSEWHERE) == {d.meta.id for d in all_detectors()}, "every detector family has a bug"
    assert not families & set(COVERED_ELSEWHERE)
    root = Path(__file__).resolve().parents[2]
    for detector_id, test_module in COVERED_ELSEWHERE.items():
        assert (root / test_module).is_file(), test_module
        assert f'"{detector_id}"' in (root / test_module).read_text(), detector_id
    for v in BUGS + REFACTORS:
        assert v.apply() != BASE_FILES  # every edit applies to the base (raises otherwise) and changes it


def test_recall_and_false_positives(tmp_path: Path) -> None:
    outcomes = run_suite(str(tmp_path))
    bugs = [o for o in outcomes if o.variant.kind == "bug"]
    refactors = [o for o in outcomes if o.variant.kind == "refactor"]
    missed = [(o.variant.id, o.top) for o in bugs if not o.recalled]
    recall = 1 - len(missed) / len(bugs)
    assert recall >= 0.95, missed
    false_positives = {o.variant.id: o.false_positives for o in refactors if o.false_positives}
    assert not false_positives
