"""TensorFlow 1 graph plumbing dropped in a tf.keras 2 port: no behavioural change.

Real shape (precision held-out 17, alpha-zero-general f0f1106b..1db83a7f, gobang/keras/NNet.py:30/:54):
`self.graph = tf.get_default_graph()` left `__init__`, and `with self.graph.as_default():
self.nnet.model._make_predict_function(); pi, v = self.nnet.model.predict(board)` became `pi, v =
self.nnet.model.predict(board)`: "Behavioural change in the sampling path: `NNetWrapper.predict`" and "... the
architecture path: `NNetWrapper.__init__`" (significant, #2 and #5). Negatives: the unwrapped prediction edited
(another input), and another call of the model dropped with the context (`reset_states()`), stay significant.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

TF1 = """
import numpy as np
import tensorflow as tf


class NNetWrapper:
    def __init__(self, model):
        self.{owner} = tf.get_default_graph()
        self.model = model

    def predict(self, board):
        board = board[np.newaxis, :, :]
        with self.{owner}.as_default():
            self.model.{builder}()
            pi, v = self.model.predict(board)
        return pi[0], v[0]
"""

TF2 = """
import numpy as np
import tensorflow as tf


class NNetWrapper:
    def __init__(self, model):
        self.model = model

    def predict(self, board):
        board = board[np.newaxis, :, :]
        pi, v = self.model.predict({input})
        return pi[0], v[0]
"""

TRAIN = """
from nnet import NNetWrapper


def train(model, boards, optimizer):
    nnet = NNetWrapper(model)
    for board in boards:
        pi, v = nnet.predict(board)
        loss = -(pi.log() * v).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _found(owner: str, given: str, builder: str = "_make_predict_function"):
    return flow_findings({"nnet.py": TF1.format(owner=owner, builder=builder), "train.py": TRAIN},
                         {"nnet.py": TF2.format(input=given), "train.py": TRAIN})


def test_graph_context_unwrapped_is_no_change():
    found = _found("graph", "board")
    assert all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]


def test_prediction_edited_while_unwrapped_stays_significant():
    found = _found("graph", "board * 2")
    assert any(f.severity.value == "significant" and "predict" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_another_call_dropped_with_the_context_stays_significant():
    found = _found("graph", "board", builder="reset_states")
    assert any(f.severity.value == "significant" and "predict" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def _unit_texts(body: str) -> list[str]:
    import ast

    from investigator.detectors.functions import parse_module
    from investigator.flow.units import units_of

    module = parse_module("nnet.py", "class N:\n    def __init__(self):\n" + body, "candidate")
    assert module is not None
    return [ast.unparse(u.node).splitlines()[0] for u in units_of(module.functions["N.__init__"])]


def test_a_default_graph_handle_is_no_statement():
    """gobang/keras/NNet.py:30 `self.graph = tf.get_default_graph()`, filed as "part of the network
    `NNetWrapper`" once the `with` that read it was unwrapped."""
    assert _unit_texts("        self.graph = tf.get_default_graph()\n        self.x = 1\n") == ["self.x = 1"]
    assert _unit_texts("        self.graph = tf.Graph()\n") == ["self.graph = tf.Graph()"]
