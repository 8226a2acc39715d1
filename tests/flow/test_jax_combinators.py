"""JAX combinators call the function they are handed (`investigator/flow/combinators.py`): the operands of
`jax.lax.scan(f, init, xs)` are `f`'s parameters, what `f` returns is the scan's result. Real shape
(purejaxrl's PPO-S5, a held-out real bug): `Transition(done, ...)` stored instead of the done flag of the
step's input (`last_done`) in a scanned `_env_step`; its transitions reach the GAE and the minibatch update
only through `jax.lax.scan`, so the change reached "no loss ... as far as the code can be read": no finding."""

from __future__ import annotations

import ast

from investigator.detectors.functions import parse_module
from investigator.flow.combinators import invocations
from tests.flow.support import flow_findings

PPO = """
import jax
import jax.numpy as jnp
import optax
from flax.training.train_state import TrainState


def make_train(config, env, network):
    def train(rng):
        params = network.init(rng, jnp.zeros((1, 4)))
        tx = optax.adam(config["LR"])
        train_state = TrainState.create(apply_fn=network.apply, params=params, tx=tx)
        obsv, env_state = env.reset(rng)

        def _update_step(runner_state, unused):
            def _env_step(runner_state, unused):
                train_state, env_state, last_obs, last_done, rng = runner_state
                rng, _rng = jax.random.split(rng)
                pi, value = network.apply(train_state.params, last_obs)
                action = pi.sample(seed=_rng)
                log_prob = pi.log_prob(action)
                obsv, env_state, reward, done, info = env.step(_rng, env_state, action)
                transition = (last_done, action, value, reward, log_prob, last_obs)
                runner_state = (train_state, env_state, obsv, done, rng)
                return runner_state, transition

            runner_state, traj_batch = jax.lax.scan(_env_step, runner_state, None, config["NUM_STEPS"])
            train_state, env_state, last_obs, last_done, rng = runner_state
            _, last_val = network.apply(train_state.params, last_obs)

            def _calculate_gae(traj_batch, last_val, last_done):
                def _get_advantages(carry, transition):
                    gae, next_value, next_done = carry
                    done, value, reward = transition[0], transition[2], transition[3]
                    delta = reward + config["GAMMA"] * next_value * (1 - next_done) - value
                    gae = delta + config["GAMMA"] * config["GAE_LAMBDA"] * (1 - next_done) * gae
                    return (gae, value, done), gae

                _, advantages = jax.lax.scan(
                    _get_advantages, (jnp.zeros_like(last_val), last_val, last_done), traj_batch, reverse=True
                )
                return advantages, advantages + traj_batch[2]

            advantages, targets = _calculate_gae(traj_batch, last_val, last_done)

            def _episode_stats(total, transition):
                return total + transition[3].sum(), None

            episode_return, _ = jax.lax.scan(_episode_stats, 0.0, traj_batch)

            def _update_epoch(update_state, unused):
                def _update_minbatch(train_state, batch_info):
                    traj_batch, advantages, targets = batch_info

                    def _loss_fn(params, traj_batch, gae, targets):
                        pi, value = network.apply(params, traj_batch[5])
                        log_prob = pi.log_prob(traj_batch[1])
                        ratio = jnp.exp(log_prob - traj_batch[4])
                        value_loss = jnp.square(value - targets).mean()
                        loss_actor = -jnp.minimum(ratio * gae, jnp.clip(ratio, 0.8, 1.2) * gae).mean()
                        return loss_actor + 0.5 * value_loss

                    grad_fn = jax.value_and_grad(_loss_fn)
                    total_loss, grads = grad_fn(train_state.params, traj_batch, advantages, targets)
                    train_state = train_state.apply_gradients(grads=grads)
                    return train_state, total_loss

                train_state, traj_batch, advantages, targets, rng = update_state
                batch = (traj_batch, advantages, targets)
                minibatches = jax.tree_util.tree_map(
                    lambda x: jnp.reshape(x, (config["NUM_MINIBATCHES"], -1) + x.shape[1:]), batch
                )
                train_state, total_loss = jax.lax.scan(_update_minbatch, train_state, minibatches)
                update_state = (train_state, traj_batch, advantages, targets, rng)
                return update_state, total_loss

            update_state = (train_state, traj_batch, advantages, targets, rng)
            update_state, loss_info = jax.lax.scan(_update_epoch, update_state, None, config["UPDATE_EPOCHS"])
            train_state = update_state[0]
            runner_state = (train_state, env_state, last_obs, last_done, rng)
            return runner_state, {"loss": loss_info, "episode_return": episode_return}

        runner_state = (train_state, env_state, obsv, jnp.zeros(config["NUM_ENVS"], dtype=bool), rng)
        runner_state, metric = jax.lax.scan(_update_step, runner_state, None, config["NUM_UPDATES"])
        return {"runner_state": runner_state, "metrics": metric}

    return train
"""

MAIN = """
import jax

from ppo import make_train


def main(config, env, network):
    train_jit = jax.jit(make_train(config, env, network))
    out = train_jit(jax.random.PRNGKey(0))
    print(out["metrics"])
"""


def _significant(base: str, cand: str) -> list[str]:
    assert base != cand
    found = flow_findings({"ppo.py": base, "main.py": MAIN}, {"ppo.py": cand, "main.py": MAIN})
    return [f.title for f in found if f.severity.value in ("critical", "significant")]


def test_a_transition_stored_by_a_scanned_step_reaches_the_scanned_update() -> None:
    cand = PPO.replace("transition = (last_done, action,", "transition = (done, action,")
    found = _significant(PPO, cand)
    assert any("_env_step" in t for t in found), found


def test_a_change_in_a_scanned_gae_body_is_a_training_change() -> None:
    cand = PPO.replace("next_value * (1 - next_done) - value", "next_value * (1 - done) - value")
    found = _significant(PPO, cand)
    assert any("_get_advantages" in t for t in found), found


def test_a_scanned_statistic_that_is_only_returned_as_a_metric_is_no_training_change() -> None:
    cand = PPO.replace("return total + transition[3].sum(), None", "return total + transition[3].mean(), None")
    assert _significant(PPO, cand) == []


ROLLOUT = """
import jax


def make_rollout(config, env, network):
    def rollout(params, env_state, obsv, rng):
        def _env_step(runner_state, unused):
            env_state, last_obs, rng = runner_state
            rng, _rng = jax.random.split(rng)
            pi, value = network.apply(params, last_obs)
            action = pi.mode()
            obsv, env_state, reward, done, info = env.step(_rng, env_state, action)
            transition = (done, reward * 2.0)
            return (env_state, obsv, rng), transition

        _, trajectory = jax.lax.scan(_env_step, (env_state, obsv, rng), None, config["NUM_STEPS"])
        return trajectory

    return rollout
"""


def test_a_scanned_step_of_another_script_is_not_where_its_namesake_returns() -> None:
    """Each JAX script nests its own `_env_step`: a name passed to a scan is followed to the function it
    names in that scope, not to every function of that name."""
    cand = ROLLOUT.replace("reward * 2.0", "reward * 3.0")
    files = {"ppo.py": PPO, "main.py": MAIN}
    found = flow_findings({**files, "rollout.py": ROLLOUT}, {**files, "rollout.py": cand})
    assert [f.title for f in found if f.severity.value in ("critical", "significant")] == []


def _calls(text: str) -> tuple[list[ast.Call], object]:
    module = parse_module("m.py", text, "baseline")
    fn = module.functions["f"]
    return [n for n in ast.walk(fn.node) if isinstance(n, ast.Call)], fn


def test_combinator_operands_bind_to_the_parameters_they_take() -> None:
    calls, fn = _calls("""
import functools
import jax
from jax import lax

def f(init, xs, body, g, h):
    lax.scan(body, init, xs)
    jax.lax.fori_loop(0, 10, body, init)
    jax.lax.scan(functools.partial(body, g), init, xs=xs)
    jax.vmap(g)(xs, init)
    grad_fn = jax.value_and_grad(h)
    grad_fn(init, batch=xs)
    lax.cond(init > 0, g, h, xs)
    other.scan(body, init, xs)
""")
    seen = [(ast.unparse(i.function), [(p, ast.unparse(o)) for p, o in i.positional],
             [(k, ast.unparse(o)) for k, o in i.keywords]) for c in calls for i in invocations(c, fn)]  # type: ignore[arg-type]
    assert ("body", [(0, "init"), (1, "xs")], []) in seen
    assert ("body", [(1, "init")], []) in seen
    assert ("body", [(0, "g"), (1, "init"), (2, "xs")], []) in seen
    assert ("g", [(0, "xs"), (1, "init")], []) in seen
    assert ("h", [(0, "init")], [("batch", "xs")]) in seen
    assert ("g", [(0, "xs")], []) in seen and ("h", [(0, "xs")], []) in seen
    assert not [s for s in seen if s[0] == "body" and len(s[1]) == 2 and s[1][0] == (0, "init") and "other" in s[0]]
    assert len(seen) == 7
