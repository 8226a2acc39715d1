"""A conjugate-gradient residual named `r` is not a reward.

Real shape (skrl 1.4.3..2.0.0): TRPO's `conjugate_gradient` (`r = b.clone()`, `r -= alpha * hv`) moved
from a nested function to module level; `r -= alpha * hv` read as a reward term: "Reward weights
changed", significant. A reward passed in as `r`, or read from `env.step`, is still a reward."""

from __future__ import annotations

from tests.detectors.helpers import run_on

SOLVER = """
import torch


def conjugate_gradient(policy, states, b, num_iterations=10):
    x = torch.zeros_like(b)
    r = b.clone()
    p = b.clone()
    rr_old = torch.dot(r, r)
    for _ in range(num_iterations):
        hv = policy.fvp(states, p)
        alpha = rr_old / torch.dot(p, hv)
        x += alpha * p
        UPDATE
        rr_new = torch.dot(r, r)
        p = r + rr_new / rr_old * p
        rr_old = rr_new
    return x
"""

SHAPER = """
def shape(r, bonus):
    UPDATE
    return r
"""

ROLLOUT = """
def rollout(env, policy, obs, bonus):
    obs, r, done, info = env.step(policy(obs))
    UPDATE
    return r
"""


def _titles(code: str, base_update: str, cand_update: str) -> list[str]:
    return [f.title for f in run_on({"m.py": code.replace("UPDATE", base_update)},
                                    {"m.py": code.replace("UPDATE", cand_update)}, only={"reward_terms"}).findings]


def test_a_solver_residual_named_r_is_not_a_reward() -> None:
    assert _titles(SOLVER, "r = r - alpha * hv", "r -= alpha * hv") == []


def test_a_reward_parameter_named_r_is_still_a_reward() -> None:
    assert _titles(SHAPER, "r = r", "r += 0.1 * bonus")


def test_a_reward_from_env_step_named_r_is_still_a_reward() -> None:
    assert _titles(ROLLOUT, "pass", "r += 0.1 * bonus")
