"""A constant lifted into a new parameter whose default is that constant, and a new option passed through
callers whose defaults reproduce the callee's, keep the baseline's computation.

Real shapes (brax v0.14.1..v0.14.2, all five top findings significant): `jnp.maximum(1e-5, lr / 1.5)` ->
`jnp.maximum(min_learning_rate, lr / 1.5)` with `min_learning_rate: float = 1e-5`; the `train()` closure now passes
`min_learning_rate=learning_rate_schedule_min_lr` (a new `train` option, default 1e-5) and
`until_count=normalize_until_count` (new option, default None = the callee's default); the closure
`make_value_network.apply` returns quantiles only under the enclosing function's new `use_distributional_critic`
(default False). Negatives: a default that differs from the lifted constant, a caller that passes another value, a
pass-through option whose default is not the callee's, an enclosing option on by default."""

from __future__ import annotations

from tests.flow.support import flow_findings

OPTIM_BASE = """
    import jax.numpy as jnp


    def adaptive_lr(lr, kl_mean, desired_kl):
        lr = jnp.where(kl_mean > desired_kl * 2.0, jnp.maximum(1e-5, lr / 1.5), lr)
        lr = jnp.where(kl_mean < desired_kl / 2.0, jnp.minimum(1e-2, lr * 1.5), lr)
        return lr


    def update_stats(state, batch, pmap_axis_name=None):
        rate = batch.shape[0] / (state.count + batch.shape[0])
        return state.mean + rate * (batch.mean(0) - state.mean)
"""
OPTIM_CAND = """
    import jax.numpy as jnp


    def adaptive_lr(lr, kl_mean, desired_kl, min_learning_rate: float = {lo}, max_learning_rate: float = 1e-2):
        lr = jnp.where(kl_mean > desired_kl * 2.0, jnp.maximum(min_learning_rate, lr / 1.5), lr)
        lr = jnp.where(kl_mean < desired_kl / 2.0, jnp.minimum(max_learning_rate, lr * 1.5), lr)
        return lr


    def update_stats(state, batch, pmap_axis_name=None, until_count=None):
        rate = batch.shape[0] / (state.count + batch.shape[0])
        if until_count is not None:
            rate = jnp.where(state.count > until_count, 0.0, rate)
        return state.mean + rate * (batch.mean(0) - state.mean)
"""
TRAIN = """
    import jax
    import optax

    from optim import adaptive_lr, update_stats


    def make_value_network(obs_size{vparam}):
        module = jax.nn.Dense(1)

        def apply(params, obs):
{vbody}
            return jax.numpy.squeeze(module.apply(params, obs), axis=-1)

        return apply


    def train(env, num_steps: int, desired_kl: float = 0.01{params}):
        value_apply = make_value_network(env.obs_size{vpass})
        optimizer = optax.adam(3e-4)

        def loss_fn(params, batch):
            return ((value_apply(params, batch.obs) - batch.ret) ** 2).mean()

        def minibatch_step(state, batch, lr):
            grads = jax.grad(loss_fn)(state.params, batch)
            updates, opt_state = optimizer.update(grads, state.opt_state)
            params = optax.apply_updates(state.params, updates)
            lr = adaptive_lr(lr, batch.kl, desired_kl{lrpass})
            return state.replace(params=params, opt_state=opt_state), lr

        def training_step(state, batch, lr):
            norm = update_stats(state.norm, batch.obs, pmap_axis_name='i'{upass})
            state = state.replace(norm=norm)
            return minibatch_step(state, batch, lr)

        state, lr = env.init(), 3e-4
        for _ in range(num_steps):
            state, lr = training_step(state, env.step(state), lr)
        return state


    train(make_env(), 1000{call})
"""
NEW_PARAMS = (", learning_rate_schedule_min_lr: float = {trainlo}, learning_rate_schedule_max_lr: float = 1e-2,"
              " normalize_until_count=None")
LR_PASS = (", min_learning_rate=learning_rate_schedule_min_lr,"
           " max_learning_rate=learning_rate_schedule_max_lr")
VBODY = """            if use_distributional_critic:
                return module.apply(params, obs)"""


def _train(cand: bool, trainlo: str = "1e-5", call: str = "", vdefault: str = "False") -> str:
    if not cand:
        return TRAIN.format(vparam="", vbody="", params="", vpass="", lrpass="", upass="", call="")
    return TRAIN.format(vparam=f", use_distributional_critic: bool = {vdefault}", vbody=VBODY,
                        params=NEW_PARAMS.format(trainlo=trainlo), vpass="",
                        lrpass=LR_PASS, upass=", until_count=normalize_until_count", call=call)


def _significant(lo: str = "1e-5", trainlo: str = "1e-5", call: str = "", vdefault: str = "False",
                 extra: dict[str, str] | None = None) -> list[str]:
    base = {"optim.py": OPTIM_BASE, "train.py": _train(False)}
    cand = {"optim.py": OPTIM_CAND.format(lo=lo), "train.py": _train(True, trainlo, call, vdefault), **(extra or {})}
    return [f.title for f in flow_findings(base, cand) if f.severity.value != "low"]


def test_constants_lifted_into_options_at_their_defaults_are_the_baseline() -> None:
    assert _significant() == []


def test_a_lifted_constant_with_another_default_is_a_change() -> None:
    titles = _significant(lo="1e-4", trainlo="1e-4")
    assert any("adaptive_lr" in t for t in titles)


def test_a_pass_through_option_whose_default_is_not_the_callees_is_a_change() -> None:
    titles = _significant(trainlo="1e-4")
    assert any("minibatch_step" in t for t in titles)


def test_a_caller_that_passes_another_value_is_a_change() -> None:
    assert _significant(call=", learning_rate_schedule_min_lr=1e-3")


def test_an_enclosing_option_on_by_default_is_a_change() -> None:
    titles = _significant(vdefault="True")
    assert any("apply" in t for t in titles)


def test_a_configuration_file_that_sets_the_option_keeps_the_change() -> None:
    titles = _significant(extra={"configs/ppo.yaml": "learning_rate_schedule_min_lr: 0.001\n"})
    assert any("minibatch_step" in t for t in titles)


def test_a_test_that_turns_the_option_on_is_no_run() -> None:
    assert _significant(extra={"tests/test_train.py": "from train import train\n\n\n"
                                                      "def test_train():\n"
                                                      "    train(None, 1, learning_rate_schedule_min_lr=1e-3)\n"}) == []
