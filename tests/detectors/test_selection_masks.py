"""A mask named for what it selects (`close_to_wall_mask`, `slowdown_mask`) is no episode-end mask.

Real shape (VMAS 659c3906..e28625bb, `vmas/scenarios/football.py`): the scripted opponent's `shoot` and
`update_dribble` were rewritten; their steering masks `~close_to_wall_mask` and `hit_vel[slowdown_mask, :]` went away,
and the generic word `mask` made them done flags: "Done masking removed from the return/advantage computation"
(critical, the set's only critical) in an environment that computes no return at all. Negative: the same edit on a
rollout's `masks` (the done masks of an A2C/PPO storage) is still reported."""

from __future__ import annotations

import pytest

from tests.detectors.helpers import run_on

BASE = """
def step_values(rewards, values, next_values, {mask}, gamma):
    out = rewards + gamma * next_values * {use}
    return out - values
"""

CAND = """
def step_values(rewards, values, next_values, {mask}, gamma):
    out = rewards + gamma * next_values
    return out - values
"""


def _titles(mask: str, use: str) -> list[str]:
    result = run_on({"agent.py": BASE.format(mask=mask, use=use)}, {"agent.py": CAND.format(mask=mask)},
                    only={"done_mask", "done_signal"})
    return [f.title for f in result.findings]


@pytest.mark.parametrize("mask", ["close_to_wall_mask", "slowdown_mask", "possession_mask"])
def test_a_mask_named_for_a_selection_is_no_done_mask(mask: str) -> None:
    assert not any("Done mask" in t for t in _titles(mask, f"(~{mask})"))


@pytest.mark.parametrize("mask", ["masks", "b_masks", "done_mask", "next_masks"])
def test_a_rollout_done_mask_removed_is_still_reported(mask: str) -> None:
    assert any("Done masking removed" in t for t in _titles(mask, mask))
