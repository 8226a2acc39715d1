"""A helper that loses its `return` (`return make()` -> `make()`) changes what every caller gets (None):
the change is placed where the baseline's returned value went, not where the candidate's discarded
expression goes (nowhere). Before, a Keras network's `kernel_initializer()` helper that stopped
returning its initializer (every layer back to Keras' default Glorot init) was "reaches no loss"."""

from __future__ import annotations

from tests.flow.support import flow_result

NET = """
import numpy as np
import tensorflow as tf


class QNetwork(tf.keras.Model):
    def __init__(self, num_actions, name=None):
        super().__init__(name=name)

        def kernel_initializer():
            return tf.keras.initializers.VarianceScaling(scale=1.0 / np.sqrt(3.0), mode="fan_in", distribution="uniform")

        self.conv1 = tf.keras.layers.Conv2D(32, [8, 8], strides=4, kernel_initializer=kernel_initializer())
        self.flatten = tf.keras.layers.Flatten()
        self.dense1 = tf.keras.layers.Dense(512, kernel_initializer=kernel_initializer())
        self.dense2 = tf.keras.layers.Dense(num_actions, kernel_initializer=kernel_initializer())

    def call(self, state):
        x = tf.cast(state, tf.float32) / 255
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.dense1(x)
        return self.dense2(x)
"""

STATS = """
import numpy as np


class Trainer:
    def __init__(self, logger):
        self.logger = logger
        self.returns = []

    def _summarise(self):
        stats = {"mean_return": float(np.mean(self.returns))}
        self.logger.write(stats)
        return stats

    def on_episode_end(self, episode_return):
        self.returns.append(episode_return)
        self._summarise()
"""


def test_a_helper_that_stops_returning_its_initializer_changes_the_network() -> None:
    cand = NET.replace("            return tf.keras.initializers.VarianceScaling", "            tf.keras.initializers.VarianceScaling")
    result = flow_result({"net.py": NET}, {"net.py": cand})
    titles = [f.title for f in result.findings]
    assert any("kernel_initializer" in t and "architecture path" in t for t in titles), \
        (titles, [(n.title, n.reason) for n in result.no_effect])


def test_a_lost_return_whose_callers_discard_the_value_is_no_change() -> None:
    cand = STATS.replace("        return stats\n", "        stats\n")
    result = flow_result({"trainer.py": STATS}, {"trainer.py": cand})
    assert not result.findings, [f.title for f in result.findings]
