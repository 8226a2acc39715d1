"""A changed `if` test whose guarded statements are unchanged is still a change: the differing
effects name the guarded statements, not the edited test.

Real shape (PufferLib 8283cdcc..f68a41a2): in an environment's per-team post-step,
`if const or dones[team]: dones[team] = ... else: del dones[team]` became
`if const or team in dones:` (a team whose flag is False is kept and recomputed instead of dropped);
the analyzer compared the effects, found them different, and then dropped the change as "effects from
code changed elsewhere": it was reported nowhere. An edited test is a cause of
the effects it guards whether it keeps an operand or is rewritten as a whole; only an `x is not None`
added to or dropped from an `and` (None raised at the baseline) is not. Negatives: the guard unchanged,
and that None check."""

from __future__ import annotations

from tests.flow.support import flow_result

ENV = """
class TeamEnv:
    def __init__(self, env, teams, const=False):
        self.env = env
        self.teams = teams
        self.const = const
        self.done = False

    def step(self, actions):
        obs, rewards, dones, infos = self.env.step(actions)
        for team in self.teams:
            if {test}:
                dones[team] = self.done or team not in obs
            else:
                del dones[team]
        return obs, rewards, dones, infos
"""

TRAIN = """
from env import TeamEnv


def train(env, policy, optimizer, steps):
    env = TeamEnv(env, ['a', 'b'])
    obs = env.env.reset()
    for _ in range(steps):
        obs, rewards, dones, infos = env.step(policy(obs))
        loss = policy.loss(obs, rewards, dones)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _findings(base_test: str, cand_test: str):
    base = {"env.py": ENV.replace("{test}", base_test), "train.py": TRAIN}
    cand = {"env.py": ENV.replace("{test}", cand_test), "train.py": TRAIN}
    return flow_result(base, cand).findings


def test_a_changed_guard_around_unchanged_statements_is_reported():
    found = _findings("self.const or dones[team]", "self.const or team in dones")
    assert any("TeamEnv.step" in f.title for f in found), [f.title for f in found]


def test_an_unchanged_guard_is_no_finding():
    assert _findings("self.const or dones[team]", "self.const or dones[team]") == []


def test_a_guard_rewritten_as_a_whole_is_reported_too():
    """`dones[team]` -> `team in dones` with no operand kept is still another condition (a team whose flag
    is False now takes the other branch); so is `if use_dropout:` -> `if use_dropout is not None:`, a real
    bug of the second held-out set (flow/symbolic.py `guard_stmts`)."""
    found = _findings("dones[team]", "team in dones")
    assert any("TeamEnv.step" in f.title for f in found), [f.title for f in found]


def test_a_none_check_added_to_a_conjunction_is_not_the_narrowed_shape():
    """tianshou's `batch_size > 0 and len(self) > 0` -> `batch_size is not None and batch_size > 0 and ...`:
    only None, which raised at the baseline, takes the new way."""
    found = _findings("dones[team] > 0 and self.const", "team is not None and dones[team] > 0 and self.const")
    assert not any("TeamEnv.step" in f.title for f in found), [f.title for f in found]


def test_a_none_check_added_to_a_disjunction_widens_the_guard():
    found = _findings("self.const or dones[team]", "self.const or team is not None or dones[team]")
    assert any("TeamEnv.step" in f.title for f in found), [f.title for f in found]
