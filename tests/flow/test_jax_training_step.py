"""JAX training steps are first-class sinks of the flow (`investigator/trainstep.py`): what a function
handed to `jax.grad` / `jax.value_and_grad` returns is the loss, optax's `optimizer.update(grads,
state)` / `optax.apply_updates(...)` and flax's `state.apply_gradients(grads=...)` are the optimizer
step. Before, a change inside a JAX loss closure reached "no caller" and an optax update was "dynamic
dispatch": the temperature loss of a JAX SAC learner differentiated w.r.t. the wrong parameter gave no
finding at all."""

from __future__ import annotations

import ast

from investigator.trainstep import computes_loss, differentiated, sink_of_call
from tests.flow.support import flow_findings

SAC = """
import jax
import jax.numpy as jnp
import optax


class Learner:
    def __init__(self, networks, policy_optimizer, target_entropy):
        log_alpha = jnp.asarray(0.0)
        alpha_optimizer = optax.adam(learning_rate=3e-4)
        self._alpha_state = alpha_optimizer.init(log_alpha)

        def alpha_loss(log_alpha, policy_params, obs, key):
            dist = networks.policy.apply(policy_params, obs)
            log_prob = networks.log_prob(dist, networks.sample(dist, key))
            alpha = jnp.exp(log_alpha)
            loss = alpha * jax.lax.stop_gradient(-log_prob - target_entropy)
            return jnp.mean(loss)

        def actor_loss(policy_params, alpha, obs, key):
            dist = networks.policy.apply(policy_params, obs)
            log_prob = networks.log_prob(dist, networks.sample(dist, key))
            return jnp.mean(alpha * log_prob)

        alpha_grad = jax.value_and_grad(alpha_loss)
        actor_grad = jax.value_and_grad(actor_loss)

        def update_step(state, obs):
            key, key_alpha, key_actor = jax.random.split(state.key, 3)
            alpha_value, alpha_grads = alpha_grad(state.alpha_params, state.policy_params, obs, key_alpha)
            alpha = jnp.exp(state.alpha_params)
            actor_value, actor_grads = actor_grad(state.policy_params, alpha, obs, key_actor)
            actor_update, policy_opt_state = policy_optimizer.update(actor_grads, state.policy_opt_state)
            policy_params = optax.apply_updates(state.policy_params, actor_update)
            alpha_update, alpha_opt_state = alpha_optimizer.update(alpha_grads, state.alpha_opt_state)
            alpha_params = optax.apply_updates(state.alpha_params, alpha_update)
            metrics = {"alpha_loss": alpha_value, "actor_loss": actor_value}
            metrics["alpha"] = jnp.exp(alpha_params) * 1.0
            return state._replace(policy_params=policy_params, alpha_params=alpha_params, key=key), metrics

        self._update_step = jax.jit(update_step)
"""

FLAX = """
import jax
import jax.numpy as jnp
import optax
from flax.training.train_state import TrainState


def make_state(network, params, lr):
    return TrainState.create(apply_fn=network.apply, params=params, tx=optax.adam(lr))


def update(train_state, batch, clip_eps):
    def _loss_fn(params, batch):
        log_prob, value = train_state.apply_fn(params, batch.obs)
        ratio = jnp.exp(log_prob - batch.old_log_prob)
        clipped = jnp.clip(ratio, 1.0 - clip_eps, 1.0 + clip_eps)
        actor = -jnp.minimum(ratio * batch.adv, clipped * batch.adv).mean()
        critic = jnp.square(value - batch.targets).mean()
        return actor + 0.5 * critic

    loss, grads = jax.value_and_grad(_loss_fn)(train_state.params, batch)
    train_state = train_state.apply_gradients(grads=grads)
    return train_state, loss
"""


def _titles(base: str, cand: str, path: str = "learning.py") -> list[str]:
    assert base != cand
    return [f.title for f in flow_findings({path: base}, {path: cand})]


def test_a_change_inside_a_loss_closure_handed_to_value_and_grad_is_on_the_loss_path() -> None:
    cand = SAC.replace("def alpha_loss(log_alpha, policy_params", "def alpha_loss(alpha, policy_params")
    cand = cand.replace("            alpha = jnp.exp(log_alpha)\n", "")
    titles = _titles(SAC, cand)
    assert any("loss path" in t and "alpha_loss" in t for t in titles), titles


def test_the_gradients_passed_to_an_optax_update_are_on_the_optimizer_path() -> None:
    cand = SAC.replace("alpha_grad(state.alpha_params, state.policy_params", "alpha_grad(alpha, state.policy_params")
    cand = cand.replace("            alpha = jnp.exp(state.alpha_params)\n", "")
    cand = cand.replace("            alpha_value, alpha_grads", "            alpha = jnp.exp(state.alpha_params)\n"
                        "            alpha_value, alpha_grads")
    titles = _titles(SAC, cand)
    assert any(("optimizer path" in t or "loss path" in t) and "update_step" in t for t in titles), titles


def test_a_change_only_to_the_logged_metrics_is_not_a_training_change() -> None:
    cand = SAC.replace('metrics["alpha"] = jnp.exp(alpha_params) * 1.0', 'metrics["alpha"] = jnp.exp(alpha_params) * 2.0')
    titles = _titles(SAC, cand)
    assert not [t for t in titles if "loss path" in t or "optimizer path" in t], titles


STAT = """
import jax
import jax.numpy as jnp


def make_update(networks, target_entropy):
    def entropy_gap(log_alpha, policy_params, obs, key):
        dist = networks.policy.apply(policy_params, obs)
        log_prob = networks.log_prob(dist, networks.sample(dist, key))
        alpha = jnp.exp(log_alpha)
        return jnp.mean(alpha * (-log_prob - target_entropy))

    gap = jax.jit(entropy_gap)

    def update_step(state, obs, logger):
        logger.write({"entropy_gap": gap(state.alpha_params, state.policy_params, obs, state.key)})
        return state

    return update_step
"""


def test_a_closure_nobody_differentiates_is_no_loss() -> None:
    """The same computation, jitted and only logged: its return is no loss sink."""
    cand = STAT.replace("        alpha = jnp.exp(log_alpha)\n        return jnp.mean(alpha *", "        return jnp.mean(log_alpha *")
    titles = _titles(STAT, cand)
    assert not [t for t in titles if "loss path" in t or "optimizer path" in t], titles
    # handed to `jax.grad` instead, the same edit changes a loss
    base = STAT.replace("gap = jax.jit(entropy_gap)", "gap = jax.grad(entropy_gap)")
    titles = _titles(base, cand.replace("gap = jax.jit(entropy_gap)", "gap = jax.grad(entropy_gap)"))
    assert any("loss path" in t for t in titles), titles


def test_a_flax_train_state_step_is_the_optimizer_and_its_loss_function_the_loss() -> None:
    cand = FLAX.replace("1.0 - clip_eps, 1.0 + clip_eps", "1.0 - 2 * clip_eps, 1.0 + clip_eps")
    titles = _titles(FLAX, cand, "ppo.py")
    assert any("loss path" in t for t in titles), titles


def _call(text: str) -> ast.Call:
    node = ast.parse(text, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


def test_sink_forms() -> None:
    assert sink_of_call(_call("loss.backward()")) == "loss"
    assert sink_of_call(_call("self.optimizer.step()")) == "optimizer"
    assert sink_of_call(_call("alpha_optimizer.update(grads, state.opt_state)")) == "optimizer"
    assert sink_of_call(_call("self.tx.update(grads, opt_state, params)")) == "optimizer"
    assert sink_of_call(_call("optax.apply_updates(params, updates)")) == "optimizer"
    assert sink_of_call(_call("state.apply_gradients(grads=grads)")) == "optimizer"
    # a dict's update of optimizer keyword arguments is configuration, not a step
    assert sink_of_call(_call("optim_kwargs.update(lr=3e-4)")) is None
    assert sink_of_call(_call("optim_kwargs.update(other)")) is None
    assert sink_of_call(_call("metrics.update(a, b)")) is None
    assert sink_of_call(_call("env.step(action)")) is None
    # TensorFlow: the tape's gradient of a loss, an optimizer minimising one
    assert sink_of_call(_call("tape.gradient(loss, self.model.trainable_variables)")) == "loss"
    assert sink_of_call(_call("self.optimizer.minimize(loss, var_list=params)")) == "loss"
    assert sink_of_call(_call("scipy.optimize.gradient(x)")) is None
    assert sink_of_call(_call("scipy.optimize.minimize(f, x0)")) is None  # a solver, not a training step


def test_differentiated_names_only_functions_of_the_module() -> None:
    tree = ast.parse("""
import functools, jax, torch
def loss_fn(p): return p
def aux(p): return p
def other(p): return p
class A:
    def _loss(self, p): return p
    def run(self, p, loss):
        jax.grad(functools.partial(loss_fn, 1))(p)
        jax.value_and_grad(self._loss, has_aux=True)(p)
        torch.autograd.grad(loss, p)
        return jax.jit(aux)(p)
""")
    assert differentiated(tree) == {"loss_fn", "_loss"}
    run = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "run")
    other = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "other")
    assert computes_loss(run, tree)
    assert not computes_loss(other, tree)


def test_a_module_differentiating_its_loss_function_is_a_training_module() -> None:
    """The orchestration rule's training modules come from the same registry: a JAX learner is one."""
    from investigator.flow.orchestration import ImportGraph

    learner = "import jax\n\n\ndef loss_fn(params, batch):\n    return params * batch\n\n\n" \
              "def update(params, batch):\n    return jax.grad(loss_fn)(params, batch)\n"
    assert ImportGraph({"agent/learner.py": learner}).has_loss
    assert not ImportGraph({"agent/learner.py": learner.replace("jax.grad(loss_fn)", "jax.jit(loss_fn)")}).has_loss
