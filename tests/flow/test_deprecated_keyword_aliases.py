"""A deprecated keyword alias names the same parameter: TensorFlow 1's `tf.nn.softmax(x, dim=a)` is
`tf.nn.softmax(x, axis=a)` (`deprecated_argument_lookup`), `tf.reduce_sum(x, reduction_indices=1, keep_dims=True)` is
`tf.reduce_sum(x, axis=1, keepdims=True)`, `tf.argmax(x, dimension=1)` is `tf.argmax(x, axis=1)`, and PyTorch's NumPy
names `torch.sum(x, axis=1, keepdims=True)` are `torch.sum(x, dim=1, keepdim=True)` (its argument parser's aliases).
Real shape: maddpg e110c9e2..3ceefa0a `maddpg/common/tf_util.py:24` `tf.nn.softmax(x, dim=axis)` ->
`tf.nn.softmax(x, axis=axis)`, "Behavioural change in the sampling path: `softmax`" (#1, precision set 16, N4).
Negatives: the same keyword with another value, an alias on a callee without it (a method of an unknown receiver,
a Python-level torch function), both names given."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import equivalent_form
from tests.flow.support import flow_findings

TF_UTIL = """
import tensorflow as tf


def softmax(x, axis=None):
    return tf.nn.softmax(x, dim=axis)


def sum(x, axis=None, keepdims=False):
    return tf.reduce_sum(x, reduction_indices=axis, keep_dims=keepdims)
"""

TRAIN = """
import tensorflow as tf

import tf_util as U


def build_train(obs_ph, act_ph, q_func, optimizer):
    logits = q_func(obs_ph)
    probs = U.softmax(logits, axis=-1)
    best = tf.argmax(probs, dimension=1)
    loss = -U.sum(tf.log(probs) * act_ph, axis=1, keepdims=True)
    loss = tf.reduce_mean(loss) + 0.0 * tf.cast(best[0], tf.float32)
    return optimizer.minimize(loss)
"""


def _loud(util: str, train: str = TRAIN) -> list[str]:
    found = flow_findings({"tf_util.py": TF_UTIL, "train.py": TRAIN}, {"tf_util.py": util, "train.py": train})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_tensorflow_deprecated_keyword_aliases_are_the_same_call() -> None:
    util = TF_UTIL.replace("dim=axis", "axis=axis").replace("reduction_indices=axis, keep_dims=keepdims",
                                                            "axis=axis, keepdims=keepdims")
    assert _loud(util, TRAIN.replace("dimension=1", "axis=1")) == []


def test_a_softmax_over_another_axis_is_a_change() -> None:
    util = TF_UTIL.replace("dim=axis", "axis=0")
    assert any("softmax" in t for t in _loud(util)), _loud(util)


def test_a_reduction_that_no_longer_keeps_its_dimension_is_a_change() -> None:
    util = TF_UTIL.replace("keep_dims=keepdims", "keepdims=False")
    assert _loud(util) != [], _loud(util)


def _same(old: str, new: str) -> bool:
    return ast.dump(equivalent_form(ast.parse(old, mode="eval").body)) \
        == ast.dump(equivalent_form(ast.parse(new, mode="eval").body))


def test_torch_numpy_keyword_names_are_the_same_parameter() -> None:
    assert _same("torch.sum(x, axis=1, keepdims=True)", "torch.sum(x, dim=1, keepdim=True)")
    assert _same("th.softmax(x, axis=-1)", "th.softmax(x, dim=-1)")
    assert _same("tf.compat.v1.reduce_mean(x, keep_dims=True)", "tf.reduce_mean(x, keepdims=True)") is False
    assert _same("tf.compat.v1.reduce_mean(x, keep_dims=True)", "tf.compat.v1.reduce_mean(x, keepdims=True)")
    assert _same("tf.math.argmax(x, dimension=1)", "tf.math.argmax(x, axis=1)")


def test_aliases_only_where_the_library_reads_them() -> None:
    # a method: the receiver may be a NumPy array (no `dim`); a Python-level torch function (`axis=` raises)
    assert not _same("x.sum(axis=1)", "x.sum(dim=1)")
    assert not _same("torch.norm(x, axis=1)", "torch.norm(x, dim=1)")
    assert not _same("F.softmax(x, axis=1)", "F.softmax(x, dim=1)")
    # another value, another parameter, both names given (the library raises)
    assert not _same("torch.sum(x, axis=1)", "torch.sum(x, dim=0)")
    assert not _same("tf.nn.softmax(x, dim=1)", "tf.nn.softmax(x, name=1)")
    assert not _same("tf.reduce_sum(x, keep_dims=True, keepdims=False)", "tf.reduce_sum(x, keepdims=True)")
    assert not _same("np.sum(x, keepdim=True)", "np.sum(x, keepdims=True)")
