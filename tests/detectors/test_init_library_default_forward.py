"""An initialiser keyword at the layer library's default is no initialisation change: `kernel_initializer=None`, or
a parameter new at the candidate that defaults to None and is handed on (`kernel_initializer=kernel_initializer`),
which no call the baseline could make passes. Real shape: coach ba20396f..2c60cb5a, `Conv2d.__call__` gained
`kernel_initializer=None` handed to `tf.layers.conv2d(...)` (for a new RND head): "Initialisation call added",
significant, third of its range. Negatives: the same keyword at a chosen initializer, a forwarded parameter whose
default is an initializer, and a parameter the baseline already took (its callers may pass one) stay reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

LAYER = """
import tensorflow as tf


class Conv2d:
    def __init__(self, num_filters, kernel_size, strides):
        self.num_filters = num_filters
        self.kernel_size = kernel_size
        self.strides = strides

    def __call__(self, input_layer, name=None{param}):
        return tf.layers.conv2d(input_layer, filters=self.num_filters, kernel_size=self.kernel_size,
                                strides=self.strides, name=name{keyword})
"""


def _layer(param: str = "", keyword: str = "") -> str:
    return LAYER.replace("{param}", param).replace("{keyword}", keyword)


def _titles(base: str, cand: str) -> list[str]:
    assert base != cand
    return [f.title for f in run_on({"layers.py": base}, {"layers.py": cand}, only={"init_gain"}).findings]


def test_a_new_parameter_defaulting_to_none_handed_to_the_initialiser_is_no_change() -> None:
    cand = _layer(", kernel_initializer=None", ", kernel_initializer=kernel_initializer")
    assert _titles(_layer(), cand) == []


def test_an_initialiser_keyword_at_none_is_no_change() -> None:
    assert _titles(_layer(), _layer(keyword=", kernel_initializer=None")) == []


def test_an_initialiser_keyword_at_a_chosen_initializer_stays_reported() -> None:
    cand = _layer(keyword=", kernel_initializer=tf.orthogonal_initializer(1.0)")
    assert any("Initialisation" in t for t in _titles(_layer(), cand))


def test_a_forwarded_parameter_defaulting_to_an_initializer_stays_reported() -> None:
    cand = _layer(", kernel_initializer=tf.orthogonal_initializer(1.0)", ", kernel_initializer=kernel_initializer")
    assert any("Initialisation" in t for t in _titles(_layer(), cand))


def test_a_parameter_the_baseline_already_took_now_handed_on_stays_reported() -> None:
    # the baseline accepted `kernel_initializer` and dropped it: callers that passed one now get it
    base = _layer(", kernel_initializer=None")
    cand = _layer(", kernel_initializer=None", ", kernel_initializer=kernel_initializer")
    assert any("Initialisation" in t for t in _titles(base, cand))
