"""An `argmax` that indexes next-state estimates is the double-Q greedy selector, not `argmax` used as a value.

Real shape (a JAX library): a dueling-DQN system file whose loss helper bootstraps from `jnp.max(q_t, axis=-1)`
is renamed (by git's similarity) to a Rainbow file whose helper selects the target's logits at
`q_t_selector.argmax(-1)`; it was reported as a critical "TD target reduction `max` -> `argmax`".
"""

from __future__ import annotations

from tests.detectors.helpers import run_on
from tests.detectors.offpolicy_sources import DQN, edit

SYSTEM = """
import jax
import jax.numpy as jnp

from pkg.loss import {loss}


def get_learner_fn(q_apply_fn, config):
    def _q_loss_fn(q_params, target_q_params, transitions):
        q_tm1 = q_apply_fn(q_params, transitions.obs)
        q_t = q_apply_fn(target_q_params, transitions.next_obs)
        q_t_selector = q_apply_fn(q_params, transitions.next_obs)
        discount = 1.0 - transitions.done.astype(jnp.float32)
        d_t = (discount * config.system.gamma).astype(jnp.float32)
        r_t = transitions.reward
        a_tm1 = transitions.action
        return {loss}(q_tm1, a_tm1, r_t, d_t, q_t, q_t_selector)

    def _update(params, transitions):
        grads = jax.grad(_q_loss_fn)(params.online, params.target, transitions)
        return grads

    return _update
"""

LOSS = """
import jax
import jax.numpy as jnp


def q_learning(q_tm1, a_tm1, r_t, d_t, q_t, q_t_selector):
    batch_indices = jnp.arange(a_tm1.shape[0])
    target_tm1 = r_t + d_t * jnp.max(q_t, axis=-1)
    td_error = target_tm1 - q_tm1[batch_indices, a_tm1]
    return jnp.mean(td_error ** 2)


def double_q_learning(q_tm1, a_tm1, r_t, d_t, q_t, q_t_selector):
    batch_indices = jnp.arange(a_tm1.shape[0])
    target_tm1 = r_t + d_t * q_t[batch_indices, q_t_selector.argmax(-1)]
    td_error = target_tm1 - q_tm1[batch_indices, a_tm1]
    return jnp.mean(td_error ** 2)


def argmax_value_q_learning(q_tm1, a_tm1, r_t, d_t, q_t, q_t_selector):
    batch_indices = jnp.arange(a_tm1.shape[0])
    target_tm1 = r_t + d_t * jnp.argmax(q_t, axis=-1)
    td_error = target_tm1 - q_tm1[batch_indices, a_tm1]
    return jnp.mean(td_error ** 2)
"""


def _titles(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    result = run_on(base, cand, only={"target_network"})
    assert not result.failures
    return [f"{f.severity.value} {f.title}" for f in result.findings if f.source.endswith(".target_network")]


def test_renamed_system_with_double_q_selector_is_not_an_argmax_bug() -> None:
    base = {"pkg/__init__.py": "", "pkg/loss.py": LOSS, "pkg/ff_dueling_dqn.py": SYSTEM.format(loss="q_learning")}
    cand = {"pkg/__init__.py": "", "pkg/loss.py": LOSS, "pkg/ff_rainbow.py": SYSTEM.format(loss="double_q_learning")}
    assert not any("argmax" in t for t in _titles(base, cand)), _titles(base, cand)


def test_same_system_switched_to_the_double_q_selector_is_not_an_argmax_bug() -> None:
    base = {"pkg/__init__.py": "", "pkg/loss.py": LOSS, "pkg/ff_dqn.py": SYSTEM.format(loss="q_learning")}
    cand = {"pkg/__init__.py": "", "pkg/loss.py": LOSS, "pkg/ff_dqn.py": SYSTEM.format(loss="double_q_learning")}
    assert not any("argmax" in t for t in _titles(base, cand)), _titles(base, cand)


def test_argmax_as_the_bootstrap_value_still_fires_in_the_same_shape() -> None:
    base = {"pkg/__init__.py": "", "pkg/loss.py": LOSS, "pkg/ff_dqn.py": SYSTEM.format(loss="q_learning")}
    cand = {"pkg/__init__.py": "", "pkg/loss.py": LOSS, "pkg/ff_dqn.py": SYSTEM.format(loss="argmax_value_q_learning")}
    assert any("critical" in t and "`max` -> `argmax`" in t for t in _titles(base, cand)), _titles(base, cand)


def test_torch_double_dqn_selector_through_a_name_is_not_an_argmax_bug() -> None:
    old = "            target_max, _ = target_network(data.next_observations).max(dim=1)\n"
    new = ("            best = q_network(data.next_observations).argmax(dim=1)\n"
           "            target_max = target_network(data.next_observations).gather(1, best.unsqueeze(-1)).squeeze(1)\n")
    found = _titles({"d.py": DQN}, {"d.py": edit(DQN, old, new)})
    assert not any("argmax" in t for t in found), found


def test_torch_argmax_through_a_name_used_as_a_value_still_fires() -> None:
    old = "            target_max, _ = target_network(data.next_observations).max(dim=1)\n"
    new = ("            best = target_network(data.next_observations).argmax(dim=1)\n"
           "            target_max = best.float()\n")
    found = _titles({"d.py": DQN}, {"d.py": edit(DQN, old, new)})
    assert any("`max` -> `argmax`" in t for t in found), found
