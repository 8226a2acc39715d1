"""A second returns construction added beside a kept one is not the old one replaced (real shape,
CORL 33eba944..2b6cde3f, Cal-QL's `get_return_to_go`): a sparse-reward branch
`discounted_returns = [r / (1 - discount)] * ep_len` was added beside the done-masked recursion,
which stays in the else-branch (the copy after the loop for the trailing episode went: the last step
now ends an episode inside the loop); reported as "Returns built from different tensors: dones+rewards ->
rewards", critical."""

from __future__ import annotations

from tests.detectors.helpers import run_on

RTG = """
def get_return_to_go(dataset, gamma, max_steps):
    returns = []
    ep_len = 0
    cur_rewards = []
    terminals = []
    for r, d in zip(dataset["rewards"], dataset["terminals"]):
        cur_rewards.append(float(r))
        terminals.append(float(d))
        ep_len += 1
        if d or ep_len == max_steps:
            discounted_returns = [0] * ep_len
            prev_return = 0
            for i in reversed(range(ep_len)):
                discounted_returns[i] = cur_rewards[i] + gamma * prev_return * (1 - terminals[i])
                prev_return = discounted_returns[i]
            returns += discounted_returns
            ep_len = 0
            cur_rewards = []
            terminals = []
    discounted_returns = [0] * ep_len
    prev_return = 0
    for i in reversed(range(ep_len)):
        discounted_returns[i] = cur_rewards[i] + gamma * prev_return * (1 - terminals[i])
        prev_return = discounted_returns[i]
    returns += discounted_returns
    return returns
"""
TAIL = """    discounted_returns = [0] * ep_len
    prev_return = 0
    for i in reversed(range(ep_len)):
        discounted_returns[i] = cur_rewards[i] + gamma * prev_return * (1 - terminals[i])
        prev_return = discounted_returns[i]
    returns += discounted_returns
"""
KEPT = """            for i in reversed(range(ep_len)):
                discounted_returns[i] = cur_rewards[i] + gamma * prev_return * (1 - terminals[i])
                prev_return = discounted_returns[i]
"""
BRANCH = """            if sparse and r == min_reward:
                discounted_returns = [r / (1 - gamma)] * ep_len
            else:
                for i in reversed(range(ep_len)):
                    discounted_returns[i] = cur_rewards[i] + gamma * prev_return * (1 - terminals[i])
                    prev_return = discounted_returns[i]
"""


def _returns(cand: str) -> list:
    result = run_on({"rtg.py": RTG}, {"rtg.py": cand}, only={"returns_target"})
    return result.findings


def test_a_branch_added_beside_the_kept_recursion_is_not_a_critical_replacement() -> None:
    cand = RTG.replace(TAIL, "").replace(KEPT, BRANCH).replace("gamma, max_steps)", "gamma, max_steps, sparse=False, min_reward=0.0)")
    found = _returns(cand)
    assert found, "the new construction is still reported"
    assert all(f.severity.value != "critical" for f in found), [(f.title, f.severity) for f in found]
    assert "kept" in found[0].title


def test_the_recursion_replaced_by_the_new_construction_stays_critical() -> None:
    replaced = BRANCH.split("            else:\n")[0].replace("            if sparse and r == min_reward:\n", "").replace(
        "                discounted_returns = [r", "            discounted_returns = [r")
    cand = RTG.replace(TAIL, "").replace(KEPT, replaced)
    found = _returns(cand)
    assert any(f.severity.value == "critical" and "different tensors" in f.title for f in found), \
        [(f.title, f.severity) for f in found]
