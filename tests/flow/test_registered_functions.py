"""A function stored into an attribute by the project (`trainer.store.epoch_update_fn = model_update_epoch`)
is what a JAX combinator handed `<obj>.epoch_update_fn` runs, when the project stores only that one
(`LearningFlow.registered`). Real shape (Mava, a held-out real bug): with value normalisation on, the behaviour
values of the clipped value loss were left unnormalised (`behavior_values[key] = normalize(...)` removed); they
reach the critic update only through `jax.lax.scan(trainer.store.epoch_update_fn, (..., batch), ...)` and a
second scan of `trainer.store.minibatch_update_fn`: no finding."""

from __future__ import annotations

from tests.flow.support import flow_findings

UPDATING = """
import jax
import jax.numpy as jnp
import optax


class MinibatchUpdate:
    def on_training_utility_fns(self, trainer):
        def model_update_minibatch(carry, minibatch):
            critic_params, critic_opt_state = carry
            critic_grads, metrics = trainer.store.critic_grad_fn(
                critic_params, minibatch.observations, minibatch.target_values, minibatch.behavior_values
            )
            updates, critic_opt_state = trainer.store.critic_optimiser.update(critic_grads, critic_opt_state)
            critic_params = optax.apply_updates(critic_params, updates)
            return (critic_params, critic_opt_state), metrics

        trainer.store.minibatch_update_fn = model_update_minibatch


class EpochUpdate:
    def __init__(self, num_minibatches=4):
        self.num_minibatches = num_minibatches

    def on_training_utility_fns(self, trainer):
        def model_update_epoch(carry, unused):
            key, critic_params, critic_opt_state, batch = carry
            key, shuffle_key = jax.random.split(key)
            minibatches = jax.tree_util.tree_map(
                lambda x: jnp.reshape(x, [self.num_minibatches, -1] + list(x.shape[1:])), batch
            )
            (critic_params, critic_opt_state), metrics = jax.lax.scan(
                trainer.store.minibatch_update_fn, (critic_params, critic_opt_state), minibatches
            )
            return (key, critic_params, critic_opt_state, batch), metrics

        trainer.store.epoch_update_fn = model_update_epoch


class Statistics:
    def on_training_utility_fns(self, trainer):
        def reward_sum(total, reward):
            return total + reward, None

        trainer.store.reward_sum_fn = reward_sum
"""

STEP = """
import jax
import jax.numpy as jnp

from updating import EpochUpdate


def normalize(stats, x):
    return (x - stats.mean) / stats.std


class Step:
    def on_training_step_fn(self, trainer):
        def sgd_step(states, sample):
            rewards, discounts, observations = sample.rewards, sample.discounts, sample.observations
            behavior_values = {k: trainer.store.value_fn(states.critic_params[k], observations[k]) for k in rewards}
            target_values = {}
            for key in rewards.keys():
                target_values[key] = trainer.store.gae_fn(rewards[key], discounts[key], behavior_values[key])
                target_values[key] = normalize(states.target_value_stats[key], target_values[key])
                behavior_values[key] = normalize(states.target_value_stats[key], behavior_values[key])
            scale_for_logging = 1.0
            reward_total, _ = jax.lax.scan(trainer.store.reward_sum_fn, 0.0, rewards["agent_0"] * scale_for_logging)
            batch = Batch(observations=observations, target_values=target_values, behavior_values=behavior_values)
            (key, critic_params, critic_opt_state, _), metrics = jax.lax.scan(
                trainer.store.epoch_update_fn,
                (states.random_key, states.critic_params, states.critic_opt_state, batch),
                (),
                length=trainer.store.num_epochs,
            )
            metrics["reward_total"] = reward_total
            return states._replace(critic_params=critic_params, critic_opt_state=critic_opt_state), metrics

        trainer.store.step_fn = sgd_step


class Batch:
    def __init__(self, observations, target_values, behavior_values):
        self.observations = observations
        self.target_values = target_values
        self.behavior_values = behavior_values
"""

SYSTEM = """
from step import Step
from updating import EpochUpdate, MinibatchUpdate, Statistics


def build(trainer):
    for component in (Step(), EpochUpdate(), MinibatchUpdate(), Statistics()):
        component.on_training_utility_fns(trainer)
"""


def _significant(base: str, cand: str) -> list[str]:
    assert base != cand
    files = {"updating.py": UPDATING, "system.py": SYSTEM}
    found = flow_findings({**files, "step.py": base}, {**files, "step.py": cand})
    return [f.title for f in found if f.severity.value in ("critical", "significant")]


def test_values_batched_into_a_scan_of_a_registered_update_reach_its_optimizer() -> None:
    cand = STEP.replace(
        "                behavior_values[key] = normalize(states.target_value_stats[key], behavior_values[key])\n", "")
    found = _significant(STEP, cand)
    assert any("sgd_step" in t for t in found), found


def test_values_scanned_by_a_registered_statistic_only_are_no_training_change() -> None:
    cand = STEP.replace("scale_for_logging = 1.0", "scale_for_logging = 2.0")
    assert _significant(STEP, cand) == []
