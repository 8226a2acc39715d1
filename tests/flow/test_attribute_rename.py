"""An instance attribute renamed everywhere in its module is no behavioural change.

Real shape (rl_games v1.6.0..v1.6.1): `self.seq_len = self.config.get('seq_length', 4)` became
`self.seq_length = ...` in the base class, and every `batch_dict['seq_length'] = self.seq_len` of the
subclasses' `calc_gradients` became `= self.seq_length`: "Behavioural change in the loss path" for
each. A use switched to another attribute the module already has is still a change."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse

BASE = """
class Base:
    def __init__(self, config):
        self.config = config
        self.seq_len = config.get('seq_length', 4)
        self.horizon = config.get('horizon', 16)


class Agent(Base):
    def calc_gradients(self, model, batch, optimizer):
        batch_dict = {'obs': batch.obs}
        batch_dict['seq_length'] = self.seq_len
        loss = model(batch_dict).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

RUN = "from agent import Agent\nAgent({}).calc_gradients(None, None, None)\n"


def _findings(cand: str) -> list[str]:
    b = MemoryTree({"agent.py": textwrap.dedent(BASE).lstrip(), "run_all.py": RUN})
    c = MemoryTree({"agent.py": textwrap.dedent(cand).lstrip(), "run_all.py": RUN})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_attribute_renamed_in_the_whole_module_is_no_change() -> None:
    assert _findings(BASE.replace("self.seq_len", "self.seq_length")) == []


def test_use_switched_to_another_existing_attribute_is_a_change() -> None:
    cand = BASE.replace("batch_dict['seq_length'] = self.seq_len", "batch_dict['seq_length'] = self.horizon")
    titles = _findings(cand)
    assert any("calc_gradients" in t for t in titles), titles


def test_rename_kept_at_one_use_only_is_a_change() -> None:
    cand = BASE.replace("batch_dict['seq_length'] = self.seq_len", "batch_dict['seq_length'] = self.seq_length")
    titles = _findings(cand)  # `self.seq_length` is set nowhere: not a rename of `self.seq_len`
    assert any("calc_gradients" in t for t in titles), titles
