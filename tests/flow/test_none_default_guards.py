"""A new option whose None/False default skips the code that reads it keeps the baseline's computation, also when
the guarded branch reassigns the option or reads it in its own body.

Real shapes: jaxrl 1883933f..eb489fae `Model.apply_gradient(loss_fn=None, grads=None)` with `if grads is None:
grads, aux = jax.grad(loss_fn, has_aux=True)(self.params)` and an always-true tuple `assert (...)` (top finding #2);
brax v0.14.1..v0.14.2 flax `MLP.output_kernel_init: ... = None` with `ki = (self.output_kernel_init if is_last and
self.output_kernel_init else self.kernel_init)` and `if not is_last or self.activate_final:` (was `i != n - 1`).
Negatives: the option tested again after the branch assigned it; a field default that is set."""

from __future__ import annotations

from tests.flow.support import flow_findings

MODEL = """
    import jax
    import optax


    class Model:
        def __init__(self, params, tx):
            self.params, self.tx = params, tx
            self.opt_state = tx.init(params)

{method}


    def update(model, batch):
        def loss_fn(params):
            return ((params['w'] * batch.x - batch.y) ** 2).mean(), {{}}
        return model.apply_gradient(loss_fn)


    model = Model({{'w': 1.0}}, optax.adam(1e-3))
    for batch in data():
        model, info = update(model, batch)
"""
BASE = """        def apply_gradient(self, loss_fn, has_aux=True):
            grads, aux = jax.grad(loss_fn, has_aux=has_aux)(self.params)
            updates, opt_state = self.tx.update(grads, self.opt_state, self.params)
            params = optax.apply_updates(self.params, updates)
            self.params, self.opt_state = params, opt_state
            return self, aux"""
CAND = """        def apply_gradient(self, loss_fn=None, grads=None, has_aux=True):
            assert (loss_fn is not None or grads is not None, 'Either a loss function or grads.')
            aux = None
            if grads is None:
                grads, aux = jax.grad(loss_fn, has_aux=has_aux)(self.params)
{extra}            updates, opt_state = self.tx.update(grads, self.opt_state, self.params)
            params = optax.apply_updates(self.params, updates)
            self.params, self.opt_state = params, opt_state
            return self, aux"""


def _model(extra: str = "", caller: str = "") -> list[str]:
    base = {"model.py": MODEL.format(method=BASE)}
    cand = {"model.py": MODEL.format(method=CAND.format(extra=extra)) + caller}
    return [f.title for f in flow_findings(base, cand) if f.severity.value != "low"]


def test_a_none_option_assigned_in_its_own_branch_is_the_baseline() -> None:
    assert _model() == []


def test_the_option_tested_again_after_its_branch_is_a_change() -> None:
    assert _model("            if grads is not None:\n                grads = jax.tree.map(lambda g: g * 0.5, grads)\n")


def test_a_caller_that_passes_the_option_keeps_the_change() -> None:
    caller = "\n\n    def precomputed(model, grads):\n        return model.apply_gradient(grads=grads)\n"
    assert any("apply_gradient" in t for t in _model(caller=caller))


MLP = """
    import flax.linen as nn


    class MLP(nn.Module):
        layer_sizes: tuple
        kernel_init: object = nn.initializers.lecun_uniform()
{field}        activate_final: bool = False

        @nn.compact
        def __call__(self, x):
            for i, size in enumerate(self.layer_sizes):
{body}
            return x


    def train(data):
        net = MLP((64, 64, 1))
        params = net.init(key(), data[0])
        for batch in data:
            loss = ((net.apply(params, batch.x) - batch.y) ** 2).mean()
            step(loss)
"""
MLP_BASE = """                x = nn.Dense(size, kernel_init=self.kernel_init)(x)
                if i != len(self.layer_sizes) - 1 or self.activate_final:
                    x = nn.relu(x)"""
MLP_CAND = """                is_last = i == len(self.layer_sizes) - 1
                ki = self.output_kernel_init if is_last and self.output_kernel_init else self.kernel_init
                x = nn.Dense(size, kernel_init=ki)(x)
                if not is_last or self.activate_final:
                    x = nn.relu(x)"""


def _mlp(default: str = "None") -> list[str]:
    base = {"net.py": MLP.format(field="", body=MLP_BASE)}
    cand = {"net.py": MLP.format(field=f"        output_kernel_init: object = {default}\n", body=MLP_CAND)}
    return [f.title for f in flow_findings(base, cand) if f.severity.value != "low" and "__call__" in f.title]


def test_a_field_read_only_under_its_own_guard_is_off_at_none() -> None:
    assert _mlp() == []


def test_a_field_with_a_set_default_is_a_change() -> None:
    assert _mlp("nn.initializers.zeros")
