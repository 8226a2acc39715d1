"""Consistent renames the rename check did not see: a callable attribute, and a local read by a closure.

Real shapes:
 - sac-discrete.pytorch d48f9e10..cf2295cd: `self.critic = TwinnedQNetwork(...)` -> `self.online_critic = ...` in
   every method of the agent; `curr_q1, curr_q2 = self.critic(states)` -> `self.online_critic(states)` was
   "Storage layout changed in the loss path" (a call `self.x(...)` kept `x` as a method name, so the rename check
   never compared the two statements). Negative: the call switched to another attribute the module already
   has (`self.target_critic(states)`) is still a change.
 - JaxMARL b02b1083..5611552f (hanabi.py:197): `board_fats = self.get_board_feats(new_state)` -> `board_feats`
   in `get_obs`, read by its nested `_observe` as a free variable: "Behavioural change in the environment path:
   `HanabiEnv.get_obs._observe`". Negative: the closure switched to another local of the enclosing function.
"""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse

AGENT = """
import torch


class Agent:
    def __init__(self, net_cls):
        self.critic = net_cls()
        self.target_critic = net_cls()
        self.optim = torch.optim.Adam(self.critic.parameters())

    def calc_current_q(self, states, actions):
        q = self.critic(states)
        return q.gather(1, actions.long())

    def learn(self, states, actions, targets):
        q = self.calc_current_q(states, actions)
        loss = ((q - targets) ** 2).mean()
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
"""

RUN = "from agent import Agent\nAgent(None).learn(None, None, None)\n"


def _findings(base: str, cand: str, path: str = "agent.py", run: str = RUN) -> list[str]:
    b = MemoryTree({path: textwrap.dedent(base).lstrip(), "run_all.py": run})
    c = MemoryTree({path: textwrap.dedent(cand).lstrip(), "run_all.py": run})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_callable_attribute_renamed_in_the_whole_module_is_no_change() -> None:
    titles = _findings(AGENT, AGENT.replace("self.critic", "self.online_critic"))
    assert titles == [], titles


def test_call_switched_to_another_existing_attribute_is_a_change() -> None:
    titles = _findings(AGENT, AGENT.replace("q = self.critic(states)", "q = self.target_critic(states)"))
    assert any("calc_current_q" in t for t in titles), titles


ENV = """
import jax.numpy as jnp


class Env:
    def get_obs(self, state):
        board_fats = self.get_board_feats(state)
        discard_feats = self.get_discard_feats(state)

        def _observe(aidx):
            hands = state.hands[aidx]
            return jnp.concatenate((hands, board_fats, discard_feats))

        return {a: _observe(i) for i, a in enumerate(self.agents)}

    def step(self, key, state, actions):
        state = self.step_game(state, actions)
        return self.get_obs(state), state
"""

ENV_RUN = "from env import Env\nenv = Env()\nwhile True:\n    obs, state = env.step(None, None, None)\n"


def test_local_renamed_with_its_closure_reads_is_no_change() -> None:
    titles = _findings(ENV, ENV.replace("board_fats", "board_feats"), "env.py", ENV_RUN)
    assert titles == [], titles


def test_closure_switched_to_another_local_is_a_change() -> None:
    cand = ENV.replace("board_fats, discard_feats))", "discard_feats, discard_feats))")
    titles = _findings(ENV, cand, "env.py", ENV_RUN)
    assert any("_observe" in t for t in titles), titles
