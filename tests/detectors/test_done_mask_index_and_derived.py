"""Index arithmetic on episode ends, and a termination flag derived from done and truncation, mask no bootstrap.

Real shape (tianshou v0.4.11..v0.5.0, gymnasium only): HER's `rewrite_transitions` replaced
`future_offset = np.random.uniform(size=n) * (terminal - current)` (`terminal`: buffer indices where the
episodes end) by `* episodes_len`, and `Collector.collect` dropped its gym-0.21 branch
`terminated = np.logical_and(done, ~truncated)`: together "Done masking removed from the return/advantage
computation (3 places)", critical, the range's first finding. Negatives: a bootstrap that loses its
`(1 - done)`, and a `masks = 1 - dones` that is replaced by ones, are still "Done masking removed"."""

from __future__ import annotations

from tests.detectors.helpers import run_on

HER = """
import numpy as np


def rewrite(indices, terminal, rew, maxsize):
    current = indices[0]
    future_offset = np.random.uniform(size=len(indices)) * (terminal - current)
    future_t = current + future_offset.astype(int)
    return rew[future_t]
"""
HER_NEW = """
import numpy as np


def rewrite(indices, terminal, rew, maxsize):
    current = indices[0]
    episodes_len = (terminal - current + maxsize) % maxsize
    future_offset = np.random.uniform(size=len(indices)) * episodes_len
    future_t = (current + np.round(future_offset).astype(int)) % maxsize
    return rew[future_t]
"""
COLLECT = """
import numpy as np


def step(env, act, buf):
    result = env.step(act)
    if len(result) == 5:
        obs, rew, terminated, truncated, info = result
        done = np.logical_or(terminated, truncated)
    else:
        obs, rew, done, info = result
        truncated = np.array([i.get('TimeLimit.truncated', False) for i in info])
        terminated = np.logical_and(done, ~truncated)
    buf.add(obs, rew, terminated, truncated, done)
"""
COLLECT_NEW = """
import numpy as np


def step(env, act, buf):
    obs, rew, terminated, truncated, info = env.step(act)
    done = np.logical_or(terminated, truncated)
    buf.add(obs, rew, terminated, truncated, done)
"""
RETURNS = """
def returns(rew, dones, values, gamma):
    masks = 1 - dones
    out = []
    for t in range(len(rew)):
        ret = rew[t] + gamma * values[t + 1] * (1 - dones[t])
        out.append(ret)
    return out, masks
"""


def _titles(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    return [f.title for f in run_on(base, cand, only={"done_mask"}).findings]


def test_index_arithmetic_on_episode_ends_is_no_done_mask() -> None:
    assert _titles({"her.py": HER}, {"her.py": HER_NEW}) == []


def test_a_termination_flag_derived_from_done_and_truncation_is_no_done_mask() -> None:
    assert _titles({"collector.py": COLLECT}, {"collector.py": COLLECT_NEW}) == []


def test_a_bootstrap_without_its_done_mask_is_still_reported() -> None:
    cand = RETURNS.replace(" * (1 - dones[t])", "")
    assert any("Done masking removed" in t for t in _titles({"r.py": RETURNS}, {"r.py": cand}))


def test_a_mask_of_dones_replaced_by_ones_is_still_reported() -> None:
    cand = RETURNS.replace("masks = 1 - dones", "masks = np.ones_like(dones)")
    assert any("Done masking removed" in t for t in _titles({"r.py": RETURNS}, {"r.py": cand}))
