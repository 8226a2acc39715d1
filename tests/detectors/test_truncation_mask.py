"""A truncation dropped from a done mask while terminations still mask (the real shape: skrl 2.0's
`logical_not(terminated | truncated)` -> `logical_not(terminated)` in its TD targets) changes which
episode ends stop the bootstrap; whether it is a fix depends on where truncated steps bootstrap from,
so it is significant with both readings in its fix, never the critical "masking removed"."""

from __future__ import annotations

from tests.detectors.helpers import run_on

TARGET = """
import torch


def td_target(rewards, next_q, terminated, truncated, gamma):
    target = rewards + gamma * torch.logical_not(terminated | truncated) * next_q
    return target
"""

RETURNS = """
def compute_returns(rewards, dones, truncations, values):
    returns = rewards + values * (1 - dones) * (1 - truncations)
    return returns
"""


def _only(result, detector):
    return [f for f in result.findings if f.source.endswith(detector)]


def test_truncation_dropped_from_the_mask_is_significant_with_both_readings():
    cand = TARGET.replace("torch.logical_not(terminated | truncated)", "torch.logical_not(terminated)")
    found = _only(run_on({"t.py": TARGET}, {"t.py": cand}, only={"done_mask"}), "done_mask")
    assert len(found) == 1
    assert found[0].severity.value == "significant"
    assert found[0].title == "Truncation no longer masks the bootstrap (terminations still do)"
    assert "final observation" in found[0].fix and "auto-resetting" in found[0].fix


def test_termination_dropped_from_the_mask_stays_critical():
    cand = TARGET.replace("torch.logical_not(terminated | truncated)", "torch.logical_not(truncated)")
    found = _only(run_on({"t.py": TARGET}, {"t.py": cand}, only={"done_mask"}), "done_mask")
    assert len(found) == 1
    assert found[0].severity.value == "critical"
    assert found[0].title.startswith("Done masking removed")


def test_returns_losing_only_truncations_are_significant_and_losing_dones_critical():
    no_trunc = RETURNS.replace(" * (1 - truncations)", "")
    found = _only(run_on({"r.py": RETURNS}, {"r.py": no_trunc}, only={"returns_target"}), "returns_target")
    assert [f.severity.value for f in found] == ["significant"]
    assert "no longer read truncations" in found[0].title
    no_dones = RETURNS.replace(" * (1 - dones)", "")
    found = _only(run_on({"r.py": RETURNS}, {"r.py": no_dones}, only={"returns_target"}), "returns_target")
    assert [f.severity.value for f in found] == ["critical"]
