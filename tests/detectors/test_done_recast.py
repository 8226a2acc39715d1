"""A done-like flag re-read from itself alone (`mask = mask.int()`) is built from no signal.

Real shape (PufferLib 73aaa5a8..cb116bca): a rewritten policy's entity mask
`mask = (entity_ids == my_id) & (entity_ids != 0)` then `mask = mask.int()` was "Done flag built from
different signals" (significant). Negative: a flag that adds another signal to itself."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
def encode(ids, my_id):
    return ids
"""

CAND = """
def encode(ids, my_id):
    mask = (ids == my_id) & (ids != 0)
    mask = {recast}
    return ids[mask]
"""


def _titles(recast: str) -> list[str]:
    return [f.title for f in run_on({"policy.py": BASE}, {"policy.py": CAND.format(recast=recast)},
                                    only={"done_signal"}).findings]


def test_a_mask_cast_from_itself_is_no_done_composition() -> None:
    assert _titles("mask.int()") == []


def test_a_flag_combined_with_another_signal_is_still_reported() -> None:
    assert any("Done flag" in t for t in _titles("mask | truncated"))
