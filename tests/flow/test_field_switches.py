"""A new class-body field read only as a branch switch, at its default, keeps the baseline's branch.

Real shape (dopamine 7ec9c158..a9911ec0): every flax network gained `inputs_preprocessed: bool = False` and
`if not self.inputs_preprocessed: x = x / 255.` around the baseline's unconditional scaling: the field and the
`__call__` edits were significant architecture-path findings. Negative: the branch the default takes scales otherwise."""

from __future__ import annotations

from tests.flow.support import flow_findings

NET = """
    import flax.linen as nn
    import jax
    import jax.numpy as jnp
    import optax


    class Network(nn.Module):
        num_actions: int
{field}
        @nn.compact
        def __call__(self, x):
{scale}
            return nn.Dense(self.num_actions)(x)


    def loss_fn(params, net, x, target):
        return jnp.mean((net.apply(params, x) - target) ** 2)


    def train(params, batches):
        net = Network(num_actions=4)
        optimizer = optax.adam(1e-3)
        state = optimizer.init(params)
        for x, target in batches:
            grads = jax.grad(loss_fn)(params, net, x, target)
            updates, state = optimizer.update(grads, state)
            params = optax.apply_updates(params, updates)
        return params
"""
BASE = NET.format(field="", scale="            x = x.astype(jnp.float32) / 255.0")
SWITCHED = """            if not self.inputs_preprocessed:
                x = x.astype(jnp.float32) / 255.0"""


def _loud(cand: str) -> list[str]:
    return [f.title for f in flow_findings({"networks.py": BASE}, {"networks.py": cand}) if f.severity.value != "low"]


def test_a_new_field_switch_at_its_default_keeps_the_baseline_branch() -> None:
    assert _loud(NET.format(field="        inputs_preprocessed: bool = False\n", scale=SWITCHED)) == []


def test_the_branch_its_default_takes_computing_otherwise_is_a_change() -> None:
    switched = SWITCHED.replace("255.0", "128.0")
    assert _loud(NET.format(field="        inputs_preprocessed: bool = False\n", scale=switched))
