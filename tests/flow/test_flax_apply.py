"""`qf.apply(params, obs)` (the network passed to a jitted update as a static argument) rewritten to
`qf_state.apply_fn(params, obs)` (the flax `TrainState` created with `apply_fn=qf.apply`) applies the same
function to the same parameters: no change. Before, once JAX loss functions were loss sinks, every SAC loss
of such a refactor was a significant "loss path" change ranked above a real bug."""

from __future__ import annotations

import ast

from investigator.flow.diff import same_flax_apply
from tests.flow.support import flow_findings

BASE = """
from functools import partial

import jax
import jax.numpy as jnp


class SAC:
    @staticmethod
    @partial(jax.jit, static_argnames=["actor", "qf", "ent_coef"])
    def update_actor(actor, qf, ent_coef, actor_state, qf_state, ent_coef_state, observations, key):
        key, noise_key = jax.random.split(key, 2)

        def actor_loss(params):
            dist = actor.apply(params, observations)
            actor_actions = dist.sample(seed=noise_key)
            log_prob = dist.log_prob(actor_actions).reshape(-1, 1)
            qf_pi = qf.apply(qf_state.params, observations, actor_actions)
            ent_coef_value = ent_coef.apply({"params": ent_coef_state.params})
            return (ent_coef_value * log_prob - jnp.min(qf_pi, axis=0)).mean()

        loss, grads = jax.value_and_grad(actor_loss)(actor_state.params)
        actor_state = actor_state.apply_gradients(grads=grads)
        return actor_state, loss, key
"""

CAND = """
import jax
import jax.numpy as jnp


class SAC:
    @staticmethod
    @jax.jit
    def update_actor(actor_state, qf_state, ent_coef_state, observations, key):
        key, noise_key = jax.random.split(key, 2)

        def actor_loss(params):
            dist = actor_state.apply_fn(params, observations)
            actor_actions = dist.sample(seed=noise_key)
            log_prob = dist.log_prob(actor_actions).reshape(-1, 1)
            qf_pi = qf_state.apply_fn(qf_state.params, observations, actor_actions)
            ent_coef_value = ent_coef_state.apply_fn({"params": ent_coef_state.params})
            return (ent_coef_value * log_prob - jnp.min(qf_pi, axis=0)).mean()

        loss, grads = jax.value_and_grad(actor_loss)(actor_state.params)
        actor_state = actor_state.apply_gradients(grads=grads)
        return actor_state, loss, key
"""


def _loss_titles(base: str, cand: str) -> list[str]:
    return [f.title for f in flow_findings({"sac.py": base}, {"sac.py": cand}) if "actor_loss" in f.title]


def test_module_apply_rewritten_to_the_train_states_apply_fn_is_no_change() -> None:
    assert not _loss_titles(BASE, CAND)


def test_a_real_change_beside_the_rewrite_is_still_a_change() -> None:
    cand = CAND.replace("jnp.min(qf_pi, axis=0)", "jnp.max(qf_pi, axis=0)")
    assert _loss_titles(BASE, cand)


def test_apply_fn_on_other_parameters_is_a_change() -> None:
    cand = CAND.replace("qf_state.apply_fn(qf_state.params, observations", "qf_state.apply_fn(qf_state.target_params, observations")
    assert _loss_titles(BASE, cand)


def test_same_flax_apply() -> None:
    def stmt(text: str) -> ast.stmt:
        return ast.parse(text).body[0]

    assert same_flax_apply(stmt("q = qf.apply(p, obs, a)"), stmt("q = qf_state.apply_fn(p, obs, a)"))
    assert same_flax_apply(stmt("q = qf_state.apply_fn(p, obs)"), stmt("q = qf.apply(p, obs)"))
    assert not same_flax_apply(stmt("q = qf.apply(p, obs, a)"), stmt("q = qf_state.apply_fn(p, next_obs, a)"))
    # torch's `nn.Module.apply(fn)` on both sides: not this rewrite, a changed init function stays a change
    assert not same_flax_apply(stmt("model.apply(init_a)"), stmt("model.apply(init_b)"))
    assert not same_flax_apply(stmt("x = f(a)"), stmt("x = f(b)"))
