"""`loss -= a + b` subtracts every term of its value: the same loss as `loss = loss - a - b`.

Real shape: jingweiz/pytorch-rl (b9b87d89..8f953c0a), `core/agents/a3c_single_process.py` rewrote
`policy_loss = policy_loss - log_prob * advantage - beta * entropy` as
`policy_loss -= log_prob * advantage + beta * entropy`: the same expression, reported as
"Entropy term sign flipped" (critical). The terms' signs of an augmented subtraction are now negated
before they are compared (detectors/patterns.assigned_sign), for the entropy weight, the value-loss
weight and the soft-target term."""

from __future__ import annotations

from tests.detectors.helpers import run_on

A3C = """
import torch


def update(model, optimizer, rollout, beta):
    policy_loss = 0.0
    value_loss = 0.0
    for log_prob, entropy, advantage, ret, value in rollout:
        {policy}
        value_loss = value_loss + 0.5 * (ret - value).pow(2)
    optimizer.zero_grad()
    (policy_loss + 0.5 * value_loss).backward()
    optimizer.step()
"""

SPELLED_OUT = "policy_loss = policy_loss - log_prob * advantage - beta * entropy"


def _titles(base_policy: str, cand_policy: str) -> list[str]:
    result = run_on({"a3c.py": A3C.replace("{policy}", base_policy)},
                    {"a3c.py": A3C.replace("{policy}", cand_policy)})
    return [f.title for f in result.findings]


def test_an_augmented_subtraction_of_a_sum_is_the_same_loss() -> None:
    titles = _titles(SPELLED_OUT, "policy_loss -= log_prob * advantage + beta * entropy")
    assert not any("Entropy" in t for t in titles), titles


def test_an_augmented_subtraction_that_adds_the_entropy_is_a_flip() -> None:
    titles = _titles(SPELLED_OUT, "policy_loss -= log_prob * advantage - beta * entropy")
    assert "Entropy term sign flipped" in titles, titles


def test_an_augmented_addition_keeps_the_terms_signs() -> None:
    titles = _titles(SPELLED_OUT, "policy_loss += - log_prob * advantage - beta * entropy")
    assert not any("Entropy" in t for t in titles), titles
    titles = _titles(SPELLED_OUT, "policy_loss += - log_prob * advantage + beta * entropy")
    assert "Entropy term sign flipped" in titles, titles


VALUE = """
def update(optimizer, pg_loss, v_loss, vf_coef):
    loss = pg_loss
    {line}
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _value_titles(base_line: str, cand_line: str) -> list[str]:
    result = run_on({"ppo.py": VALUE.replace("{line}", base_line)}, {"ppo.py": VALUE.replace("{line}", cand_line)})
    return [f.title for f in result.findings]


def test_a_value_loss_subtracted_by_augmented_assignment_keeps_its_weight() -> None:
    titles = _value_titles("loss = loss - (-vf_coef * v_loss)", "loss -= -vf_coef * v_loss")
    assert not any("alue" in t for t in titles), titles


def test_a_value_loss_now_subtracted_is_a_weight_change() -> None:
    titles = _value_titles("loss = loss + vf_coef * v_loss", "loss -= vf_coef * v_loss")
    assert any("alue" in t for t in titles), titles


SPLIT_TARGET = ("        min_qf_next_target = torch.min(qf1_next_target, qf2_next_target)\n"
                "        min_qf_next_target {op} alpha * next_state_log_pi\n")
ONE_LINE = "        min_qf_next_target = torch.min(qf1_next_target, qf2_next_target) - alpha * next_state_log_pi\n"


def _soft_titles(op: str) -> list[str]:
    from tests.detectors.offpolicy_sources import SAC_TARGET
    from tests.detectors.test_offpolicy_rules import edit, titles

    base = {"s.py": edit(SAC_TARGET, ONE_LINE, SPLIT_TARGET.replace("{op}", "= min_qf_next_target -"))}
    cand = {"s.py": edit(SAC_TARGET, ONE_LINE, SPLIT_TARGET.replace("{op}", op))}
    return titles(base, cand, "target_network")


def test_a_soft_target_term_subtracted_in_place_keeps_its_sign() -> None:
    assert not any("flipped" in t for t in _soft_titles("-=")), _soft_titles("-=")


def test_a_soft_target_term_added_in_place_is_flipped() -> None:
    assert any("flipped" in t for t in _soft_titles("+=")), _soft_titles("+=")
