"""A changed function that leaves the flow analysis without a finding says why (`flow.analyzer._unanalysed`):
`_pair_report` had several `return None` paths that dropped a changed function from the report silently."""

from __future__ import annotations

from tests.flow.support import flow_result

BASE = """
import torch


def compute_loss(pred, target):
    return (pred - target).pow(2).mean()


def train(model, opt, batches):
    for x, y in batches:
        loss = compute_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    train(None, None, [])
"""


def _reasons(cand: str) -> list[tuple[str, str]]:
    result = flow_result({"train.py": BASE}, {"train.py": cand})
    return [(n.title, n.reason) for n in result.no_effect]


def test_a_consistent_rename_is_recorded() -> None:
    base = BASE.replace("    return (pred - target).pow(2).mean()", "    d = pred - target\n    return d.pow(2).mean()")
    cand = base.replace("    d = pred - target\n    return d.pow(2).mean()", "    diff = pred - target\n    return diff.pow(2).mean()")
    result = flow_result({"train.py": base}, {"train.py": cand})
    found = [(n.title, n.reason) for n in result.no_effect]
    assert any("compute_loss" in t and "no statement computes another value" in r for t, r in found), found


def test_an_added_defaulted_parameter_is_recorded() -> None:
    cand = BASE.replace("def compute_loss(pred, target):", "def compute_loss(pred, target, verbose=False):")
    found = _reasons(cand)
    assert any("compute_loss" in t and "only parameters with defaults" in r for t, r in found), found


def test_a_real_change_is_a_finding_not_an_unanalysed_item() -> None:
    cand = BASE.replace(".pow(2).mean()", ".abs().mean()")
    result = flow_result({"train.py": BASE}, {"train.py": cand})
    assert any("compute_loss" in f.title for f in result.findings), [f.title for f in result.findings]
    assert not any("not placed on the flow" in n.title for n in result.no_effect)
