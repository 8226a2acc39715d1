"""A project layer class whose call only forwards to the library call the baseline made is that call
(`detectors/forwarding.py`, read by `detectors/rules/layers.py`).

Real case: coach ba20396f..2c60cb5a (precision set 19, #1 "Layer changed: `-` -> `Flatten()`"): the embedder's
`self.output = tf.contrib.layers.flatten(self.layers[-1])` became `Flatten()(self.layers[-1])`, a new class of the
project's layers module whose `__call__(self, input_layer, **kwargs)` returns `tf.contrib.layers.flatten(input_layer)`.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

EMBEDDER = """
import tensorflow as tf

from layers import Dense


class Embedder:
    def __init__(self, sizes):
        self.sizes = sizes
        self.layers = []

    def build(self, x):
        self.layers.append(x)
        for size in self.sizes:
            self.layers.append(Dense(size)(self.layers[-1]))
        self.output = tf.contrib.layers.flatten(self.layers[-1])
"""

LAYERS = """
import tensorflow as tf


class Dense:
    def __init__(self, units):
        self.units = units

    def __call__(self, input_layer):
        return tf.layers.dense(input_layer, self.units)
"""

FLATTEN = """

class Flatten:
    def __init__(self):
        pass

    def __call__(self, input_layer, **kwargs):
        \"\"\"returns a flatten layer\"\"\"
        return tf.contrib.layers.flatten(input_layer)
"""

WRAPPED = EMBEDDER.replace("from layers import Dense", "from layers import Dense, Flatten").replace(
    "tf.contrib.layers.flatten(self.layers[-1])", "Flatten()(self.layers[-1])")


def _titles(layers: str, embedder: str = WRAPPED) -> list[str]:
    main = "from embedder import Embedder\n\nEmbedder([64]).build(None)\n"
    base = {"layers.py": LAYERS, "embedder.py": EMBEDDER, "main.py": main}
    cand = {"layers.py": layers, "embedder.py": embedder, "main.py": main}
    return [f.title for f in run_on(base, cand, only={"layers"}).findings]


def test_a_layer_class_forwarding_to_the_baseline_call_is_no_layer_change() -> None:
    assert _titles(LAYERS + FLATTEN) == []


def test_a_forwarding_function_is_read_the_same_way() -> None:
    helper = "\n\ndef Flatten(input_layer):\n    return tf.contrib.layers.flatten(input_layer)\n"
    embedder = WRAPPED.replace("Flatten()(self.layers[-1])", "Flatten(self.layers[-1])")
    assert _titles(LAYERS + helper, embedder) == []


def test_a_wrapper_forwarding_with_another_argument_is_still_a_layer_change() -> None:
    changed = FLATTEN.replace("tf.contrib.layers.flatten(input_layer)",
                              "tf.contrib.layers.flatten(input_layer, outputs_collections='x')")
    assert _titles(LAYERS + changed) == ["Layer changed: `-` -> `Flatten()`"]


def test_a_wrapper_reading_what_its_constructor_stored_is_still_a_layer_change() -> None:
    stored = FLATTEN.replace("        pass\n", "        self.scope = 'flat'\n").replace(
        "tf.contrib.layers.flatten(input_layer)", "tf.contrib.layers.flatten(input_layer, scope=self.scope)")
    assert _titles(LAYERS + stored) == ["Layer changed: `-` -> `Flatten()`"]


def test_a_wrapper_applied_to_another_input_is_still_a_layer_change() -> None:
    embedder = WRAPPED.replace("Flatten()(self.layers[-1])", "Flatten()(self.layers[0])")
    assert _titles(LAYERS + FLATTEN, embedder) == ["Layer changed: `-` -> `Flatten()`"]
