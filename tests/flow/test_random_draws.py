"""Random draws rewritten with the same distribution, and the generator object swapped, are low.

Real shape (MinAtar 429898cd..4241f246, "Fast random"): the games' spawn and reset code was rewritten to
cheaper draws of the same distributions (asterix.py:109 `self.random.choice([True, False])` ->
`self.random.rand() < 1/2`, `choice([True, False], p=[1/3, 2/3])` -> `rand() < 1/3`, `choice(slots)` ->
`slots[randint(len(slots))]`; breakout.py:114 `choice(2)` -> `randint(2)`; seaquest.py `choice(np.arange(1, 9))`
-> `randint(low=1, high=9)`; freeway.py `choice([-1, 1], 8)` -> `np.sign(rand(8) - 0.5).astype(int)`), and
each game's `__init__` stopped taking the caller's `random_state` (always its own `np.random.RandomState()`).
All five top findings were "Behavioural change in the sampling path" (significant). The draws' stream changes
(seed-for-seed reproducibility), not the expected learning: low, titled by what it is. Negatives: a changed
probability or bound is a different distribution and stays significant.
"""

from __future__ import annotations

import ast

from investigator.flow.randdraw import same_draws
from tests.flow.support import flow_findings

ENV = '''
import numpy as np


class Env:
    def __init__(self, ramping=True, random_state=None):
        self.ramping = ramping
        if random_state is None:
            self.random = np.random.RandomState()
        else:
            self.random = random_state
        self.reset()

    def reset(self):
        self.entities = [None] * 8
        ball_start = self.random.choice(2)
        self.pos = [0, 9][ball_start]

    def _spawn_entity(self):
        lr = self.random.choice([True, False])
        is_gold = self.random.choice([True, False], p=[1/3, 2/3])
        x = 0 if lr else 9
        slot_options = [i for i in range(len(self.entities)) if self.entities[i] is None]
        if not slot_options:
            return
        slot = self.random.choice(slot_options)
        self.entities[slot] = [x, slot + 1, lr, is_gold]

    def act(self, a):
        self._spawn_entity()
        r = float(a == self.pos)
        return r, self.state()

    def state(self):
        return np.array([e is not None for e in self.entities] + [self.pos], dtype=float)
'''

TRAIN = '''
import torch

from env import Env


def train(steps=100):
    env = Env()
    net = torch.nn.Linear(9, 2)
    opt = torch.optim.Adam(net.parameters())
    s = torch.tensor(env.state(), dtype=torch.float32)
    for _ in range(steps):
        probs = torch.softmax(net(s), -1)
        action = torch.multinomial(probs, 1)[0]
        reward, obs = env.act(int(action))
        s = torch.tensor(obs, dtype=torch.float32)
        loss = -torch.log(probs[action]) * reward
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    train()
'''

ENV_CAND = (ENV
            .replace("        if random_state is None:\n            self.random = np.random.RandomState()\n"
                     "        else:\n            self.random = random_state\n",
                     "        self.random = np.random.RandomState()\n")
            .replace("ball_start = self.random.choice(2)", "ball_start = self.random.randint(2)")
            .replace("lr = self.random.choice([True, False])", "lr = self.random.rand() < 1/2")
            .replace("is_gold = self.random.choice([True, False], p=[1/3, 2/3])", "is_gold = self.random.rand() < 1/3")
            .replace("slot = self.random.choice(slot_options)",
                     "slot = slot_options[self.random.randint(len(slot_options))]"))


def _titles(env_cand: str) -> list[str]:
    found = flow_findings({"env.py": ENV, "train.py": TRAIN}, {"env.py": env_cand, "train.py": TRAIN})
    return sorted(f"{f.severity.value} {f.title}" for f in found)


def test_same_distribution_rewrites_and_generator_swap_are_low() -> None:
    assert ENV_CAND.count("self.random.rand()") == 2 and "random_state\n" not in ENV_CAND
    found = flow_findings({"env.py": ENV, "train.py": TRAIN}, {"env.py": ENV_CAND, "train.py": TRAIN})
    assert found, "the rewrites are still reported (low), not dropped"
    assert all(f.severity.value == "low" for f in found), [f.title for f in found]
    text = " ".join(f"{f.title} {f.rationale}" for f in found)  # low findings of one file are grouped
    assert "Random draws rewritten, same distributions in the sampling path: `Env._spawn_entity`" in text
    assert "Random draws rewritten, same distributions in the sampling path: `Env.reset`" in text
    assert "Random generator object changed in the environment path: `Env.__init__`" in text
    assert "seed-for-seed" in text


def test_changed_probability_stays_significant() -> None:
    """Negative: `p=[1/3, 2/3]` -> `rand() < 2/3` makes gold twice as likely: another distribution."""
    cand = ENV.replace("is_gold = self.random.choice([True, False], p=[1/3, 2/3])", "is_gold = self.random.rand() < 2/3")
    titles = _titles(cand)
    assert any(t.startswith("significant Behavioural change") and "_spawn_entity" in t for t in titles), titles


def test_changed_bound_stays_significant() -> None:
    """Negative: `choice(2)` -> `randint(1, 2)`: the ball always starts on one side."""
    cand = ENV.replace("ball_start = self.random.choice(2)", "ball_start = self.random.randint(1, 2)")
    titles = _titles(cand)
    assert any(t.startswith("significant Behavioural change") and "reset" in t for t in titles), titles


GAME = """


class Environment:
    def __init__(self, ramping=True, random_seed=None):
        self.random = np.random.RandomState(random_seed)
        self.env = Env(ramping=ramping, random_state=self.random)

    def act(self, a):
        if self.random.rand() < 0.1:
            a = 0
        return self.env.act(a)

    def state(self):
        return self.env.state()
"""

GAME_TRAIN = (TRAIN.replace("from env import Env", "from env import Environment").replace("env = Env()", "game = Environment()")
              .replace("env.state()", "game.state()").replace("env.act(", "game.act("))


def test_generator_no_longer_handed_to_the_game_is_low() -> None:
    """MinAtar's `Environment.__init__`: `RandomState(random_seed)` -> `RandomState()` (seeded later by `seed()`)
    and `Env(ramping=..., random_state=self.random)` -> `Env(ramping=...)` (the game draws from its own)."""
    cand = (GAME.replace("np.random.RandomState(random_seed)", "np.random.RandomState()")
            .replace("Env(ramping=ramping, random_state=self.random)", "Env(ramping=ramping)"))
    found = flow_findings({"env.py": ENV + GAME, "train.py": GAME_TRAIN}, {"env.py": ENV + cand, "train.py": GAME_TRAIN})
    assert found and all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
    assert any("Random generator object changed" in f"{f.title} {f.rationale}" for f in found)


def test_other_keyword_dropped_beside_the_generator_stays_significant() -> None:
    """Negative: the same call also stops passing `ramping`: the game's difficulty schedule changes."""
    cand = GAME.replace("Env(ramping=ramping, random_state=self.random)", "Env()")
    found = flow_findings({"env.py": ENV + GAME, "train.py": GAME_TRAIN}, {"env.py": ENV + cand, "train.py": GAME_TRAIN})
    assert any(f.severity.value == "significant" and "Environment.__init__" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def _same(a: str, b: str) -> bool:
    return same_draws(ast.parse(a).body[0], ast.parse(b).body[0])


def test_draw_forms() -> None:
    assert _same("y = self.random.choice(np.arange(1, 9))", "y = self.random.randint(low=1, high=9)")
    assert _same("d = self.random.choice([-1, 1], 8)", "d = np.sign(self.random.rand(8) - 0.5).astype(int)")
    assert _same("i = random.randint(0, 9)", "i = np.random.randint(0, 10)")  # Python's randint includes 9
    assert _same("i = rng.integers(0, n)", "i = rng.randint(n)")
    assert not _same("y = self.random.choice(np.arange(1, 9))", "y = self.random.randint(low=0, high=9)")
    assert not _same("i = np.random.randint(0, n)", "i = np.random.randint(1, n)")
    assert not _same("d = self.random.choice([-1, 1], 8)", "d = self.random.choice([-1, 1], 4)")
    assert not _same("i = rng.choice(idx, replace=False)", "i = rng.choice(idx)")
    assert not _same("x = rng.choice(2)", "x = rng.choice(2)")  # nothing rewritten
