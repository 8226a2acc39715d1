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


# -- a statement moved into another function -------------------------------------------------------
# Real shape (rl_games 6679550..47f5221): `obs = obs.permute((0, 3, 1, 2))` left the agent's
# `_preproc_obs` and went into the network's `forward`; both were "Behavioural change" findings.
AGENT = """
class Agent:
    def preproc(self, obs):
        obs = obs.float() / 255.0
        obs = obs.permute((0, 3, 1, 2))
        return obs

    def calc_gradients(self, model, batch, optimizer):
        values = model(self.preproc(batch.obs))
        loss = values.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

NETWORK = """
class Network:
    def forward(self, obs_dict):
        obs = obs_dict['obs']
        {moved}
        return self.body(obs)
"""


def _moved(moved_line: str) -> list[str]:
    base = {"agent.py": AGENT, "net.py": NETWORK.replace("{moved}", "pass"), "run_all.py": RUN}
    cand = {"agent.py": AGENT.replace("        obs = obs.permute((0, 3, 1, 2))\n", ""),
            "net.py": NETWORK.replace("{moved}", moved_line), "run_all.py": RUN}
    b = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in base.items()})
    c = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in cand.items()})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_statement_moved_into_another_function_is_no_change() -> None:
    assert _moved("obs = obs.permute((0, 3, 1, 2))") == []


def test_statement_moved_with_another_value_is_a_change() -> None:
    titles = _moved("obs = obs.permute((0, 2, 3, 1))")
    assert any("preproc" in t for t in titles), titles


def test_the_same_edit_in_two_functions_is_two_changes() -> None:
    """Each function's old statement is another function's old statement too: not a move."""
    base = {"agent.py": AGENT, "net.py": NETWORK.replace("{moved}", "obs = obs.permute((0, 3, 1, 2))"),
            "run_all.py": RUN}
    cand = {"agent.py": AGENT.replace("(0, 3, 1, 2)", "(0, 2, 3, 1)"),
            "net.py": NETWORK.replace("{moved}", "obs = obs.permute((0, 2, 3, 1))"), "run_all.py": RUN}
    b = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in base.items()})
    c = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in cand.items()})
    titles = [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]
    assert any("preproc" in t for t in titles), titles


def test_a_call_of_another_method_is_not_the_moved_statement() -> None:
    base = {"agent.py": AGENT.replace("obs.permute((0, 3, 1, 2))", "self.normalise(obs, (0, 3, 1, 2))"),
            "net.py": NETWORK.replace("{moved}", "pass"), "run_all.py": RUN}
    cand = {"agent.py": AGENT.replace("        obs = obs.permute((0, 3, 1, 2))\n", ""),
            "net.py": NETWORK.replace("{moved}", "obs = self.augment(obs, (0, 3, 1, 2))"), "run_all.py": RUN}
    b = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in base.items()})
    c = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in cand.items()})
    titles = [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]
    assert any("preproc" in t for t in titles), titles
