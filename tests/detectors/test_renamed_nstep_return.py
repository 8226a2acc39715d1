"""A variable-renaming refactor of an n-step return is not a removed done mask nor a removed target update
(real shape: tianshou 1.1 -> 1.2 `compute_nstep_return` / `_nstep_return`, locals renamed with shape
suffixes: `target_q = target_q * BasePolicy.value_mask(buffer, terminal)` (`terminal` holds buffer
*indices*) became `target_q_IA *= BasePolicy.value_mask(buffer, indices_after_n_steps_I)`, and the TD
target `target_q = target_q * gamma_buffer[gammas] + returns` became `n_step_return_with_Q_IA = ...`:
two false critical findings, "Done masking removed" and "Target-network update removed")."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import numpy as np


def value_mask(buffer, indices):
    return ~buffer.terminated[indices]


def nstep_target(buffer, target_q_fn, indices, gamma, n_step):
    terminal = buffer.next(indices)
    target_q = target_q_fn(buffer, terminal)
    target_q = target_q * value_mask(buffer, terminal).reshape(-1, 1)
    returns = buffer.rew[indices] * gamma
    target_q = target_q * gamma ** n_step + returns
    return target_q
"""

CAND = """
import numpy as np


def value_mask(buffer, indices):
    return ~buffer.terminated[indices]


def nstep_target(buffer, target_q_fn, indices, gamma, n_step):
    indices_after_n_steps = buffer.next(indices)
    target_q_ia = target_q_fn(buffer, indices_after_n_steps)
    target_q_ia *= value_mask(buffer, indices_after_n_steps).reshape(-1, 1)
    returns_ia = buffer.rew[indices] * gamma
    n_step_return_with_q = target_q_ia * gamma ** n_step + returns_ia
    return n_step_return_with_q
"""


def _titles(base: str, cand: str) -> list[str]:
    return [f.title for f in run_on({"nstep.py": base}, {"nstep.py": cand},
                                    only={"done_mask", "target_network"}).findings]


def test_renamed_locals_are_no_removed_mask_nor_target_update() -> None:
    assert _titles(BASE, CAND) == []


def test_an_augmented_mask_is_the_mask() -> None:
    base = BASE.replace("target_q = target_q * value_mask(buffer, terminal).reshape(-1, 1)",
                        "target_q = target_q * (1 - dones[terminal]).reshape(-1, 1)")
    cand = base.replace("target_q = target_q * (1 - dones[terminal])", "target_q *= (1 - dones[terminal])")
    assert _titles(base, cand) == []


def test_a_removed_done_mask_is_still_critical() -> None:
    base = BASE.replace("value_mask(buffer, terminal)", "(1 - dones[terminal])")
    cand = base.replace("    target_q = target_q * (1 - dones[terminal]).reshape(-1, 1)\n", "")
    assert "Done masking removed from the return/advantage computation" in _titles(base, cand)


def test_a_removed_polyak_update_is_still_found() -> None:
    base = """
def update(q, q_target, tau):
    for param, target_param in zip(q.parameters(), q_target.parameters()):
        new_target = tau * param + (1 - tau) * target_param
        target_param.data.copy_(new_target)
"""
    cand = base.replace("    new_target = tau * param + (1 - tau) * target_param\n", "").replace(
        "copy_(new_target)", "copy_(target_param)")
    assert any("arget" in t for t in _titles(base, cand)), _titles(base, cand)


def test_a_loss_weighted_by_a_named_mask_is_no_done_mask() -> None:
    # d3rlpy 9c25f0c7..8bcca90a: the ensemble's bootstrap masks (`loss *= mask.float()`) removed with the option
    base = """
def compute_error(q_funcs, batch, masks, bootstrap):
    td_sum = 0.0
    for i, q_func in enumerate(q_funcs):
        loss = q_func.compute_error(batch)
        if bootstrap:
            mask = masks[i]
            loss *= mask.float()
            td_sum += loss.sum() / (mask.sum().float() + 1e-10)
        else:
            td_sum += loss.mean()
    return td_sum
"""
    cand = """
def compute_error(q_funcs, batch):
    td_sum = 0.0
    for q_func in q_funcs:
        loss = q_func.compute_error(batch)
        td_sum += loss.mean()
    return td_sum
"""
    assert _titles(base, cand) == []
