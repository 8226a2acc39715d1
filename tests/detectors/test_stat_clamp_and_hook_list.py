"""Two detector shapes that are not what their title says (dreamerv3 ec433ce1..e3f02248, precision held-out 9).

- `std = jnp.sqrt(jax.nn.relu(sqrs / corr - mean ** 2))` in a return normaliser is a clamp that keeps a variance
  estimate non-negative before its square root, not a layer's nonlinearity: moving the normaliser to another
  package (where the detector no longer reached it) was "Nonlinearity changed: relu -> -", significant. A relu
  whose result goes straight into a square root is read as that clamp.
- `embodied.distr.Process.initializers.append(init)` registers a subprocess start-up hook in a list named
  `initializers`; the `initializers.<fn>` pattern (Keras / flax initialiser constructors) read the list's
  `append` as an initialiser: "Initialisation call removed", significant. A container method of such a list is
  not one.
Negatives: a relu of a hidden layer removed, `nn.initializers.orthogonal(...)` changed.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

NORM = """
import jax
import jax.numpy as jnp


class Moments:
    def __init__(self, rate=0.01):
        self.rate = rate
        self.mean = 0.0
        self.sqrs = 0.0

    def stats(self):
        mean = self.mean
        std = jnp.sqrt(jax.nn.relu(self.sqrs - mean ** 2))
        return mean, std


def loss(params, ret, norm):
    offset, scale = norm.stats()
    x = jax.nn.relu(params["w"] * ret)
    return jnp.mean(((x - offset) / scale) ** 2)
"""

MAIN = """
import jax
import flax.linen as nn

import hooks


class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(64, kernel_init=nn.initializers.orthogonal(1.0))(x)


def main(init):
    hooks.Process.initializers.append(init)
    return Net()
"""


def _titles(base: dict[str, str], cand: dict[str, str], only: set[str]) -> list[str]:
    result = run_on(base, cand, only=only)
    return [f.title for f in result.findings]


def test_a_variance_clamp_under_a_square_root_is_not_a_nonlinearity() -> None:
    cand = NORM.replace("jnp.sqrt(jax.nn.relu(self.sqrs - mean ** 2))", "jnp.sqrt(self.sqrs - mean ** 2)")
    assert _titles({"norm.py": NORM}, {"norm.py": cand}, {"layers"}) == []


def test_a_hidden_relu_removed_is_a_nonlinearity_change() -> None:
    cand = NORM.replace('x = jax.nn.relu(params["w"] * ret)', 'x = params["w"] * ret')
    assert any(t.startswith("Nonlinearity changed: relu") for t in _titles({"norm.py": NORM}, {"norm.py": cand},
                                                                            {"layers"}))


def test_a_hook_list_append_is_not_an_initialisation() -> None:
    cand = MAIN.replace("    hooks.Process.initializers.append(init)\n", "")
    assert _titles({"launch.py": MAIN}, {"launch.py": cand}, {"init_gain"}) == []


def test_an_initializer_changed_is_an_initialisation_change() -> None:
    cand = MAIN.replace("orthogonal(1.0)", "orthogonal(0.01)")
    assert any("Initialisation" in t for t in _titles({"launch.py": MAIN}, {"launch.py": cand}, {"init_gain"}))
