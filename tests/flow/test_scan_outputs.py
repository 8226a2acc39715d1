"""What a scanned step returns in the second position of `(carry, y)` is the scan's stacked output only
(`investigator/flow/graph.py` `_scanned_ys`): `carry, ys = jax.lax.scan(step, carry, None, n)` gives `ys`,
never the carry. Real shape (Stoix's recurrent PPO, held-out 4 stoix-rec-ppo-last-done): the step stores
`done` instead of `last_done` in its transition; the flow carried the returned tuple to both targets, met the
carry's PRNG key split first and placed the change in the sampling path (low, #13 of 16), although the
stored flag builds the GAE masks of `traj_batch.done`."""

from __future__ import annotations

from tests.flow.support import flow_findings

PPO = """
import jax
import jax.numpy as jnp


def gae(rewards, discounts, values):
    def _body(acc, xs):
        r, d, v, nv = xs
        acc = r + d * nv - v + d * 0.95 * acc
        return acc, acc

    _, advantages = jax.lax.scan(_body, jnp.zeros_like(values[0]), (rewards, discounts, values[:-1], values[1:]),
                                 reverse=True)
    return advantages, advantages + values[:-1]


def get_learner_fn(env, apply_fn, update_fn, config):
    def _update_step(learner_state, _):
        def _env_step(learner_state, _):
            params, opt_state, key, env_state, last_timestep, last_done = learner_state
            key, policy_key = jax.random.split(key)
            pi, value = apply_fn(params, last_timestep.observation)
            action = pi.sample(seed=policy_key)
            log_prob = pi.log_prob(action)
            env_state, timestep = jax.vmap(env.step)(env_state, action)
            done = (timestep.discount == 0.0).reshape(-1)
            transition = Transition(last_done, action, value, timestep.reward, log_prob, last_timestep.observation)
            learner_state = (params, opt_state, key, env_state, timestep, done)
            return learner_state, transition

        learner_state, traj_batch = jax.lax.scan(_env_step, learner_state, None, config.rollout_length)
        params, opt_state, key, env_state, last_timestep, last_done = learner_state
        _, last_val = apply_fn(params, last_timestep.observation)
        v_t = jnp.concatenate([traj_batch.value, last_val[None, ...]], axis=0)
        d_t = 1.0 - traj_batch.done.astype(jnp.float32)
        d_t = d_t * config.gamma
        advantages, targets = gae(traj_batch.reward, d_t, v_t)

        def _update_epoch(update_state, _):
            params, opt_state, traj_batch, advantages, targets, key = update_state
            key, shuffle_key = jax.random.split(key)
            permutation = jax.random.permutation(shuffle_key, config.num_envs)

            def _loss_fn(params, traj_batch, gae, targets):
                pi, value = apply_fn(params, traj_batch.obs)
                log_prob = pi.log_prob(traj_batch.action)
                ratio = jnp.exp(log_prob - traj_batch.log_prob)
                loss_actor = -jnp.minimum(ratio * gae, jnp.clip(ratio, 0.8, 1.2) * gae).mean()
                return loss_actor + 0.5 * jnp.square(value - targets).mean()

            batch = jax.tree_util.tree_map(lambda x: jnp.take(x, permutation, axis=1), (traj_batch, advantages, targets))
            grad_fn = jax.grad(_loss_fn)
            grads = grad_fn(params, *batch)
            updates, opt_state = update_fn(grads, opt_state)
            params = apply_updates(params, updates)
            return (params, opt_state, traj_batch, advantages, targets, key), None

        update_state = (params, opt_state, traj_batch, advantages, targets, key)
        update_state, _ = jax.lax.scan(_update_epoch, update_state, None, config.epochs)
        params, opt_state, traj_batch, advantages, targets, key = update_state
        learner_state = (params, opt_state, key, env_state, last_timestep, last_done)
        return learner_state, None

    return _update_step
"""


def _places(base: str, cand: str) -> list[tuple[str, str, str]]:
    assert base != cand
    found = flow_findings({"ppo.py": base}, {"ppo.py": cand})
    return [(f.title, f.severity.value, str(f.evidence[0].details.get("path"))) for f in found]


def test_a_transition_field_of_a_scanned_step_is_placed_where_the_stacked_output_goes() -> None:
    cand = PPO.replace("Transition(last_done, action,", "Transition(done, action,")
    found = _places(PPO, cand)
    step = [f for f in found if "_env_step" in f[0]]
    assert step, found
    assert step[0][2] in ("loss", "target", "advantage", "reward"), found


def test_a_carry_change_of_a_scanned_step_still_reaches_the_carry_readers() -> None:
    # the key split for the policy goes on in the carry: the sampling path, as before
    cand = PPO.replace("key, policy_key = jax.random.split(key)", "key, policy_key = jax.random.split(key, 2)")
    assert [p for _, _, p in _places(PPO, cand)] == ["sampling"]


def test_a_key_packed_into_the_update_state_reaches_only_what_its_position_is_unpacked_into() -> None:
    # `update_state = (params, opt_state, traj_batch, advantages, targets, key)` handed to the scanned epoch and
    # unpacked there: the key goes to the shuffle (sampling), not to `params` and the optimizer's update
    cand = PPO.replace("last_done = learner_state\n        _, last_val",
                       "last_done = learner_state\n        key = jax.random.fold_in(key, 1)\n        _, last_val")
    assert [p for _, _, p in _places(PPO, cand)] == ["sampling"]


def test_a_change_of_the_gradients_handed_to_the_optimizer_stays_the_optimizer_path() -> None:
    cand = PPO.replace("updates, opt_state = update_fn(grads, opt_state)",
                       "updates, opt_state = update_fn(grads, opt_state, params)")
    assert [p for _, _, p in _places(PPO, cand)] == ["optimizer"]
