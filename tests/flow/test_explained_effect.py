"""An effect only one commit has, made by a statement an earlier finding reports, is that finding's.

Real shape (rsl_rl d38a378b..c49573e4): distillation's update loop gained
`if self.max_grad_norm: nn.utils.clip_grad_norm_(...)` ("Gradient clipping added", low: off by default)
while its header went from `for obs, _, _, privileged_actions, dones in ...` to
`for obs, _, privileged_actions, dones in ...` (the generator's tuple shortened by a position the loop
bound to `_`). The new call's effect sits under the loop, whose changed header became its cause:
"Behavioural change in the loss path: `Distillation.update`" (significant). Negative: with the same
clipping explained, a loss scaled in the same loop is still reported."""

from __future__ import annotations

from investigator.flow.analyzer import Explained, analyse
from tests.flow.test_equivalence import _index
from tests.flow.test_tuple_shortened import RUNNER, SAME, STORAGE_BASE, STORAGE_CAND

UPDATE = '''
import torch.nn as nn


class Distillation:
    def __init__(self, student, storage, optimizer, max_grad_norm=None):
        self.student = student
        self.storage = storage
        self.optimizer = optimizer
        self.max_grad_norm = max_grad_norm

    def update(self):
        for {targets} in self.storage.generator():
            actions = self.student(obs)
            loss = {loss}
            self.optimizer.zero_grad()
            loss.backward(){clip}
            self.optimizer.step()
            self.student.reset(dones.view(-1))
'''
CLIP = '''
            if self.max_grad_norm:
                nn.utils.clip_grad_norm_(self.student.parameters(), self.max_grad_norm)'''
LOSS = "(actions - privileged_actions).pow(2).mean()"


def _titles(cand_loss: str = LOSS) -> list[str]:
    base = {"storage.py": STORAGE_BASE, "runner.py": RUNNER,
            "distill.py": UPDATE.format(targets="obs, _, _, privileged_actions, dones", loss=LOSS, clip="")}
    cand_update = UPDATE.format(targets="obs, _, privileged_actions, dones", loss=cand_loss, clip=CLIP)
    cand = {"storage.py": STORAGE_CAND.format(yielded=SAME), "runner.py": RUNNER, "distill.py": cand_update}
    lines = cand_update.lstrip("\n").splitlines()
    clip_line = next(i for i, text in enumerate(lines, 1) if "clip_grad_norm_" in text)
    # what the gradient-clipping detector reports ("Gradient clipping added" at the new call)
    explained = Explained(lines={("candidate", "distill.py"): {clip_line}})
    return [f.title for f in analyse(_index(base, cand), explained=explained).findings]


def test_a_reported_new_call_under_a_changed_loop_header_is_no_second_finding() -> None:
    assert not [t for t in _titles() if "update" in t]


def test_another_change_in_the_same_loop_is_still_reported() -> None:
    assert [t for t in _titles(cand_loss=f"2.0 * {LOSS}") if "update" in t]


PREPROCESS_BASE = '''
def preprocess(actions, integer):
    if integer:
        actions = actions.int()
    return actions


def run(env, policy, optimizer, obs):
    actions = preprocess(policy(obs), True)
    obs, rewards, dones = env.step(actions)
    loss = -(policy(obs) * rewards).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''
PREPROCESS_CAND = PREPROCESS_BASE.replace('''    if integer:''', '''    if actions.ndim > 1:
        actions = actions.squeeze(1)
    if integer:''').replace('''    return actions''', '''    if actions.ndim == 0:
        actions = actions.item()
    return actions''')


def test_an_effect_also_made_by_an_unexplained_new_statement_is_still_reported() -> None:
    """Real shape (sample-factory, a mined bug): `preprocess_actions` gained a squeeze (the regression)
    and an `.item()` that a device-sync finding reports; the returned value is made by both."""
    lines = PREPROCESS_CAND.lstrip("\n").splitlines()
    item_line = next(i for i, text in enumerate(lines, 1) if ".item()" in text)
    explained = Explained(lines={("candidate", "env.py"): {item_line}})
    found = analyse(_index({"env.py": PREPROCESS_BASE}, {"env.py": PREPROCESS_CAND}), explained=explained).findings
    assert [f.title for f in found if "preprocess" in f.title], [f.title for f in found]
