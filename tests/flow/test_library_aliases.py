"""A library function spelled by its newer name is the same call: `jax.tree_map` / `jax.tree_util.tree_map`
-> `jax.tree.map`, and `jnp.clip(x, a_min=...)` -> `jnp.clip(x, min=...)` (real shape: acme 46c57d9..d920840
migrated every `jax.tree_map`; the top five findings of the range were "Behavioural change in the loss
path" on these renames, e.g. `R2D2Learner.__init__.loss`, `world_model_loss`, `pugail_loss.loss_fn`).
Negatives: another tree function, a keyword that changes the bound."""

from __future__ import annotations

from tests.flow.support import flow_findings

LOSS = """
import jax
import jax.numpy as jnp
import optax


def apply(params, obs):
    return obs @ params["w"]


def loss_fn(params, batch, beta):
    obs = jax.tree_map(lambda x: x[:, 0], batch)
    logits = apply(params, obs)
    negative = jnp.clip(logits, a_min=-1.0 * beta)
    return jnp.mean(negative)


def update(params, opt_state, batch, optimizer):
    grads = jax.grad(loss_fn)(params, batch, 0.5)
    updates, opt_state = optimizer.update(grads, opt_state)
    params = optax.apply_updates(params, updates)
    return params, opt_state


def train(params, batches):
    optimizer = optax.adam(3e-4)
    opt_state = optimizer.init(params)
    for batch in batches:
        params, opt_state = update(params, opt_state, batch, optimizer)
    return params
"""


def _loud(cand: str) -> list[str]:
    found = flow_findings({"losses.py": LOSS}, {"losses.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_renamed_jax_tree_functions_and_clip_keywords_are_the_same_call() -> None:
    cand = LOSS.replace("jax.tree_map(", "jax.tree.map(").replace("a_min=", "min=")
    assert _loud(cand) == []
    assert _loud(LOSS.replace("jax.tree_map(", "jax.tree_util.tree_map(")) == []


def test_another_tree_function_is_a_change() -> None:
    cand = LOSS.replace("obs = jax.tree_map(lambda x: x[:, 0], batch)",
                        "obs = jax.tree.leaves(jax.tree.map(lambda x: x[:, 0], batch))[0]")
    assert any("loss_fn" in t for t in _loud(cand)), _loud(cand)


def test_a_clip_bound_moved_to_the_other_side_is_a_change() -> None:
    assert any("loss_fn" in t for t in _loud(LOSS.replace("a_min=", "max="))), _loud(LOSS.replace("a_min=", "max="))


ENV = """
import typing

import gym
import numpy as np


def wrap_env(env, wrapper_classes, wrapper_kwargs):
    for wrapper_class, kwargs in zip(wrapper_classes, wrapper_kwargs):
        env = wrapper_class(env, **kwargs)
    return env


def shaped(rewards):
    return float(np.mean(rewards))


def rollout(env, policy, wrappers, kwargs, steps):
    env = wrap_env(env, wrappers, kwargs)
    obs = env.reset()
    rewards = []
    for _ in range(steps):
        obs, reward, done, info = env.step(policy(obs))
        rewards.append(reward)
    return shaped(rewards)


def train(env, policy, optimizer, wrappers, kwargs):
    for _ in range(10):
        loss = -rollout(env, policy, wrappers, kwargs, 128) * policy.log_prob()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _loud_env(cand: str) -> list[str]:
    found = flow_findings({"envs.py": ENV}, {"envs.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_strict_zip_and_a_typing_cast_change_nothing() -> None:
    # rl-baselines3-zoo 2.8 `zip(..., strict=True)` in `wrap_env`; pfrl 0.4 `typing.cast(float, np.mean(xs))`
    cand = ENV.replace("zip(wrapper_classes, wrapper_kwargs)", "zip(wrapper_classes, wrapper_kwargs, strict=True)")
    cand = cand.replace("return float(np.mean(rewards))", "return typing.cast(float, float(np.mean(rewards)))")
    assert _loud_env(cand) == []


def test_another_zipped_sequence_is_a_change() -> None:
    cand = ENV.replace("zip(wrapper_classes, wrapper_kwargs)", "zip(wrapper_classes[1:], wrapper_kwargs[1:], strict=True)")
    assert any("wrap_env" in t for t in _loud_env(cand)), _loud_env(cand)


TF_LOSS = LOSS.replace("import optax\n", "import optax\nimport tensorflow as tf\n").replace(
    "    negative = jnp.clip(logits, a_min=-1.0 * beta)\n",
    "    negative = jnp.clip(logits, a_min=-1.0 * beta)\n    negative = negative + next(iter(tf.data.experimental.Counter()))\n")


def test_a_tf_data_experimental_constructor_under_its_dataset_name_is_the_same_call() -> None:
    """TF-Agents v0.18.0..v0.19.0: `tf.data.experimental.Counter()` -> `tf.data.Dataset.counter()`."""
    found = flow_findings({"losses.py": TF_LOSS},
                          {"losses.py": TF_LOSS.replace("tf.data.experimental.Counter()", "tf.data.Dataset.counter()")})
    assert found == []


def test_a_counter_with_another_start_is_a_change() -> None:
    cand = TF_LOSS.replace("tf.data.experimental.Counter()", "tf.data.Dataset.counter(1)")
    assert flow_findings({"losses.py": TF_LOSS}, {"losses.py": cand})
