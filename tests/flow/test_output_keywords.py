"""A call whose only edit is a keyword that decides what it prints (`verbose=False`): low, the values are the same.

Real shape (precision held-out 17, alpha-zero-general f0f1106b..1db83a7f, `dotsandboxes/keras/NNet.py:65`):
`pi, v = self.nnet.model.predict(board)` -> `self.nnet.model.predict(board, verbose=False)`: "Behavioural change
in the sampling path: `NNetWrapper.predict`" (significant, #1). Negative: the input edited in the same call stays a
significant change.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

NNET = """
import numpy as np


class NNetWrapper:
    def __init__(self, model):
        self.model = model

    def predict(self, board):
        board = board[np.newaxis, :, :]
        pi, v = self.model.predict({call})
        return pi[0], v[0]
"""

MCTS = """
from nnet import NNetWrapper


def train(nnet, boards, optimizer):
    for board in boards:
        pi, v = nnet.predict(board)
        loss = -(pi.log() * v).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main(model, boards, optimizer):
    train(NNetWrapper(model), boards, optimizer)
"""


def _found(call: str):
    return flow_findings({"nnet.py": NNET.format(call="board"), "mcts.py": MCTS},
                         {"nnet.py": NNET.format(call=call), "mcts.py": MCTS})


def test_verbose_keyword_added_is_low():
    found = _found("board, verbose=False")
    assert all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
    assert not found or any("`verbose`" in f.rationale and "prints" in f.rationale for f in found)


def test_input_edited_beside_it_stays_significant():
    found = _found("board * 2, verbose=False")
    assert any(f.severity.value == "significant" and "predict" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_another_keyword_stays_significant():
    found = _found("board, batch_size=1")
    assert any(f.severity.value == "significant" and "predict" in f.title for f in found), \
        [(f.severity, f.title) for f in found]
