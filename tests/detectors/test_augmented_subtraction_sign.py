"""`loss -= a + b` subtracts every term of its value: the same loss as `loss = loss - a - b`.

Real shape: jingweiz/pytorch-rl (b9b87d89..8f953c0a), `core/agents/a3c_single_process.py` rewrote
`policy_loss = policy_loss - log_prob * advantage - beta * entropy` as
`policy_loss -= log_prob * advantage + beta * entropy`: the same expression, reported as
"Entropy term sign flipped" (critical). The terms' signs of an augmented subtraction are now negated
before they are compared (detectors/patterns.assigned_sign), for the entropy weight, the value-loss
weight and the soft-target term."""

from __future__ import annotations

import ast

from investigator.flow.sumterms import same_signed_sum
from tests.detectors.helpers import run_on
from tests.flow.support import flow_findings

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
    assert titles == [], titles


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


def test_the_in_place_spelling_of_the_same_sum_is_no_behavioural_change() -> None:
    a = ast.parse(SPELLED_OUT).body[0]
    b = ast.parse("policy_loss -= log_prob * advantage + beta * entropy").body[0]
    c = ast.parse("policy_loss -= log_prob * advantage - beta * entropy").body[0]
    d = ast.parse("policy_loss = policy_loss - (log_prob * advantage + beta * entropy)").body[0]
    assert same_signed_sum(a, b) and same_signed_sum(a, d) and same_signed_sum(b, d)
    assert not same_signed_sum(a, c) and not same_signed_sum(b, c)
    # the order of the terms is kept: `+` of lists or strings is not commutative
    assert not same_signed_sum(ast.parse("x = x + a + b").body[0], ast.parse("x += b + a").body[0])
    assert same_signed_sum(ast.parse("x = x + a + b").body[0], ast.parse("x += a + b").body[0])
    # another target is another statement
    assert not same_signed_sum(ast.parse("y = x - a").body[0], ast.parse("x -= a").body[0])


def _flow_titles(base_policy: str, cand_policy: str) -> list[str]:
    entry = "from a3c import update\n\nupdate(None, None, [], 0.01)\n"
    base = {"a3c.py": A3C.replace("{policy}", base_policy), "train.py": entry}
    cand = {"a3c.py": A3C.replace("{policy}", cand_policy), "train.py": entry}
    return [f.title for f in flow_findings(base, cand)]


def test_the_flow_reads_the_in_place_sum_as_the_same_loss() -> None:
    assert _flow_titles(SPELLED_OUT, "policy_loss -= log_prob * advantage + beta * entropy") == []


def test_the_flow_reports_an_in_place_sum_with_another_sign() -> None:
    titles = _flow_titles(SPELLED_OUT, "policy_loss -= log_prob * advantage - beta * entropy")
    assert any("Behavioural change" in t for t in titles), titles
