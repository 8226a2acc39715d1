"""Keras / TF, flax and haiku layers take their initialisation as a constructor argument
(`Dense(512, kernel_initializer=...)`, `nn.Dense(64, kernel_init=orthogonal(np.sqrt(2)))`) and build it with
an initializer constructor (`tf.keras.initializers.VarianceScaling(...)`, `nn.initializers.orthogonal(0.01)`):
the init detector reads them as it reads `nn.init.orthogonal_(w, gain)` in torch code."""

from __future__ import annotations

from tests.detectors.helpers import run_on

FLAX = """
import flax.linen as nn
import numpy as np
from flax.linen.initializers import constant, orthogonal


class ActorCritic(nn.Module):
    action_dim: int

    @nn.compact
    def __call__(self, x):
        actor = nn.Dense(64, kernel_init=orthogonal(np.sqrt(2)), bias_init=constant(0.0))(x)
        actor = nn.tanh(actor)
        logits = nn.Dense(self.action_dim, kernel_init=orthogonal(0.01), bias_init=constant(0.0))(actor)
        critic = nn.Dense(64, kernel_init=orthogonal(np.sqrt(2)), bias_init=constant(0.0))(x)
        critic = nn.Dense(1, kernel_init=orthogonal(1.0), bias_init=constant(0.0))(nn.tanh(critic))
        return logits, critic
"""

KERAS = """
import tensorflow as tf


def make_head(num_actions):
    init = tf.keras.initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform")
    return tf.keras.layers.Dense(num_actions, kernel_initializer=init, name="head")
"""


def _titles(base: str, cand: str) -> list[str]:
    assert base != cand
    return [f.title for f in run_on({"net.py": base}, {"net.py": cand}, only={"init_gain"}).findings]


def test_a_changed_flax_kernel_init_gain_is_an_initialisation_change() -> None:
    titles = _titles(FLAX, FLAX.replace("kernel_init=orthogonal(0.01)", "kernel_init=orthogonal(1.0)"))
    assert any("Initialisation changed" in t and "orthogonal(0.01)" in t for t in titles), titles


def test_a_keras_initializer_argument_removed_is_an_initialisation_change() -> None:
    cand = KERAS.replace(', kernel_initializer=init, name="head"', ', name="head"')
    assert any("Initialisation" in t for t in _titles(KERAS, cand))


def test_a_changed_keras_initializer_constructor_is_an_initialisation_change() -> None:
    cand = KERAS.replace('mode="fan_in"', 'mode="fan_avg"')
    assert any("Initialisation changed" in t for t in _titles(KERAS, cand))


def test_a_layer_change_beside_unchanged_initialisers_is_no_initialisation_change() -> None:
    assert not _titles(FLAX, FLAX.replace("nn.Dense(64, kernel_init=orthogonal(np.sqrt(2)), bias_init=constant(0.0))(x)\n"
                                          "        actor", "nn.Dense(128, kernel_init=orthogonal(np.sqrt(2)), "
                                          "bias_init=constant(0.0))(x)\n        actor"))
    assert not _titles(KERAS, KERAS.replace('name="head"', 'name="policy_head"'))
