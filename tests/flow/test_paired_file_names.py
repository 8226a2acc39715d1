"""A checkpoint file-name rule changed alike in the saver and the loader: low, the run reloads what it saved.

Real shape (precision held-out 17, alpha-zero-general f0f1106b..1db83a7f, `dotsandboxes/keras/NNet.py:71`/`:83`):
`save_checkpoint` and `load_checkpoint` both gained `filename = filename.split(".")[0] + ".h5"`: "Behavioural change
in the sampling path: `NNetWrapper.load_checkpoint`" (significant, #3) and the saver's (#4). Negatives: the rule
added to the loader only, or removed from the loader only, or added to the loader where the saver already had it
(the ends now agree where they did not), stays significant.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

NNET = """
import os
import numpy as np


class NNetWrapper:
    def __init__(self, model):
        self.model = model

    def predict(self, board):
        pi, v = self.model.predict(board[np.newaxis, :, :])
        return pi[0], v[0]

    def save_checkpoint(self, folder='checkpoint', filename='checkpoint.pth.tar'):
{save}
        filepath = os.path.join(folder, filename)
        if not os.path.exists(folder):
            os.mkdir(folder)
        self.model.save_weights(filepath)

    def load_checkpoint(self, folder='checkpoint', filename='checkpoint.pth.tar'):
{load}
        filepath = os.path.join(folder, filename)
        if not os.path.exists(filepath):
            raise ValueError(filepath)
        self.model.load_weights(filepath)
"""

COACH = """
import numpy as np
from nnet import NNetWrapper


def learn(model, other, boards, optimizer):
    nnet = NNetWrapper(model)
    pnet = NNetWrapper(other)
    nnet.save_checkpoint(folder='ckpt', filename='temp.pth.tar')
    pnet.load_checkpoint(folder='ckpt', filename='temp.pth.tar')
    for board in boards:
        pi, v = pnet.predict(board)
        action = np.random.choice(len(pi), p=pi)
        loss = -(pi.log() * v).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
RULE = "        filename = filename.split('.')[0] + '.h5'"
BOTH = {"save": RULE, "load": RULE}
NONE = {"save": "", "load": ""}


def _found(base: dict[str, str], cand: dict[str, str]):
    return flow_findings({"nnet.py": NNET.format(**base), "coach.py": COACH},
                         {"nnet.py": NNET.format(**cand), "coach.py": COACH})


def test_rule_added_at_both_ends_is_low():
    found = _found(NONE, BOTH)
    assert found and all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
    assert any("save_checkpoint" in f.rationale and "reloads what it saved" in f.rationale for f in found)


def test_rule_removed_at_both_ends_is_low():
    found = _found(BOTH, NONE)
    assert all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]


def test_rule_added_to_the_loader_only_stays_significant():
    found = _found(NONE, {"save": "", "load": RULE})
    assert any(f.severity.value == "significant" and "load_checkpoint" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_rule_removed_from_the_loader_only_stays_significant():
    found = _found(BOTH, {"save": RULE, "load": ""})
    assert any(f.severity.value == "significant" and "load_checkpoint" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_loader_catching_up_with_the_saver_stays_significant():
    found = _found({"save": RULE, "load": ""}, BOTH)
    assert any(f.severity.value == "significant" and "load_checkpoint" in f.title for f in found), \
        [(f.severity, f.title) for f in found]
