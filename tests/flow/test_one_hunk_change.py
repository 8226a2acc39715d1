"""A change of a few statements in one contiguous edit of a function ranks as a small change, not a refactor.

Real shapes (held-out 4, used to tune since the thirteenth session): keras-rl `SequentialMemory.sample` (the
window-aware index draws `sample_batch_indexes(self.window_length, ...)` reverted to `0`/`1` and the
terminal-of-the-first-state guard changed: 4 statements in one hunk) and TF-Agents
`TFUniformReplayBuffer._get_next` (the batch offsets added after the modulo instead of before: 5 statements in
one hunk) came at confidence 0.55, the tier of functions with 4-10 changed statements, below one-statement
refactors of other modules, fourth. The tier reads the number of statements as a sign of a refactor; a refactor
touches several places of a function, a bug fix is one edit. Negative: the same four statements spread over two
distant places of the function keep the lower tier.
"""

from __future__ import annotations

from investigator.flow.analyzer import _place_confidence
from investigator.ranking import rank_findings
from tests.flow.support import flow_findings

BUFFER = """
    import numpy as np


    class Memory:
        def __init__(self, limit, window_length):
            self.limit = limit
            self.window_length = window_length
            self.states = []
            self.rewards = []
            self.terminals = []

        def append(self, state, reward, terminal):
            self.states.append(state)
            self.rewards.append(reward)
            self.terminals.append(terminal)

        def sample(self, batch_size):
            n = len(self.states)
            lo = self.window_length
            hi = n - 1
            idxs = np.random.randint(lo, hi, size=batch_size)
            terminal0 = [self.terminals[i - 2] for i in idxs]
            batch = []
            for i, t in zip(idxs, terminal0):
                if t:
                    i = np.random.randint(lo + 1, n)
                batch.append((self.states[i - 1], self.rewards[i - 1], self.terminals[i - 1], self.states[i]))
            state0 = np.array([b[0] for b in batch])
            reward = np.array([b[1] for b in batch])
            terminal1 = np.array([b[2] for b in batch])
            state1 = np.array([b[3] for b in batch])
            return state0, reward, terminal1, state1
"""

TRAIN = """
    import torch
    import torch.nn.functional as F

    from buffer import Memory


    def scale(x):
        return x * 1.0


    def train(net, optimizer, steps, gamma=0.99):
        memory = Memory(1000, 4)
        for _ in range(steps):
            obs, rew, done, next_obs = memory.sample(32)
            obs, next_obs = torch.as_tensor(scale(obs)), torch.as_tensor(next_obs)
            q = net(obs).max(1)[0]
            target = torch.as_tensor(rew) + gamma * (1 - torch.as_tensor(done)) * net(next_obs).max(1)[0]
            loss = F.mse_loss(q, target.detach())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

# the bug: one edit of four statements (window-aware draws reverted, the first-state guard changed)
ONE_HUNK = BUFFER.replace("""            lo = self.window_length
            hi = n - 1
            idxs = np.random.randint(lo, hi, size=batch_size)
            terminal0 = [self.terminals[i - 2] for i in idxs]""", """            lo = 0
            hi = n - 2
            idxs = np.random.randint(lo, hi + 1, size=batch_size)
            terminal0 = [self.terminals[i - 2] if i >= 2 else False for i in idxs]""")

# the same count of statements, at two distant places of the function (a refactor's shape)
TWO_PLACES = BUFFER.replace("""            lo = self.window_length
            hi = n - 1""", """            lo = 0
            hi = n - 2""").replace("""            terminal1 = np.array([b[2] for b in batch])
            state1 = np.array([b[3] for b in batch])""", """            terminal1 = np.array([b[2] for b in batch], dtype=bool)
            state1 = np.array([b[3] for b in batch], dtype=np.float32)""")

# a one-statement change elsewhere on the loss path, of a real intervening commit
NOISE = TRAIN.replace("return x * 1.0", "return x / 255.0")


def _sample_finding(buffer: str) -> object:
    found = flow_findings({"buffer.py": BUFFER, "train.py": TRAIN}, {"buffer.py": buffer, "train.py": TRAIN})
    return next(f for f in found if "Memory.sample" in f.title)


def test_four_statements_of_one_edit_rank_in_the_small_change_tier() -> None:
    f = _sample_finding(ONE_HUNK)
    assert "(4 statements)" in f.title, f.title  # type: ignore[attr-defined]
    assert f.confidence >= _place_confidence(0.7, "sampling", 30), f  # type: ignore[attr-defined]


def test_the_one_edit_ranks_with_the_one_statement_changes_of_the_range() -> None:
    found = flow_findings({"buffer.py": BUFFER, "train.py": TRAIN}, {"buffer.py": ONE_HUNK, "train.py": NOISE})
    ranked = rank_findings(found)
    sample = next(f for f in ranked if "Memory.sample" in f.title)
    noise = next(f for f in ranked if "`scale`" in f.title)
    # the noise is on the loss path (the place bonus), the bug on the sampling path: within the place step
    assert noise.confidence - sample.confidence < 0.05, [(f.title, f.confidence) for f in ranked]


def test_the_same_count_at_two_places_keeps_the_refactor_tier() -> None:
    f = _sample_finding(TWO_PLACES)
    assert "(4 statements)" in f.title, f.title  # type: ignore[attr-defined]
    assert f.confidence < 0.6, f  # type: ignore[attr-defined]


CONFIG = """
    from dataclasses import dataclass

    import torch


    @dataclass
    class TrainConfig:
        seed: int = 0
        batch_size: int = 64
        learning_rate: float = 1e-4
        betas: tuple = (0.9, 0.999)
        weight_decay: float = 1e-4
        clip_grad: float = 0.25
        update_steps: int = 100_000
        warmup_steps: int = 10_000


    def train(config: TrainConfig, net, batches):
        optim = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, betas=config.betas,
                                  weight_decay=config.weight_decay)
        for step, batch in zip(range(config.update_steps), batches):
            loss = net(batch).mean()
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), config.clip_grad)
            optim.step()


    if __name__ == "__main__":
        train(TrainConfig(), None, [])
"""


def test_fields_of_a_configuration_class_in_one_hunk_keep_the_refactor_tier() -> None:
    """CORL `TrainConfig` (tuned set, corl-dt-traj-len): six settings changed in one hunk of the class are six
    settings, not one edit; in the small-change tier they outranked the case's culprit."""
    cand = CONFIG.replace("batch_size: int = 64", "batch_size: int = 256").replace(
        "learning_rate: float = 1e-4", "learning_rate: float = 3e-4").replace(
        "betas: tuple = (0.9, 0.999)", "betas: tuple = (0.9, 0.99)").replace(
        "weight_decay: float = 1e-4", "weight_decay: float = 1e-3").replace(
        "clip_grad: float = 0.25", "clip_grad: float = 1.0")
    found = flow_findings({"train.py": CONFIG}, {"train.py": cand})
    config = [f for f in found if "TrainConfig" in f.title]
    assert config and all(f.confidence < 0.6 for f in config), [(f.title, f.confidence) for f in found]


def test_a_short_function_rewritten_whole_keeps_the_refactor_tier() -> None:
    """skrl 1.4.3..2.0.0 (sweep): `RPO.act`, `AMP.act`, `A2C.act` rewritten for a new API, 23 of 24 lines new, each one
    hunk of its function: a rewrite, not a local edit; in the small-change tier they took significant seats."""
    base = {"buffer.py": BUFFER, "train.py": TRAIN.replace("""    def scale(x):
        return x * 1.0""", """    def scale(x):
        y = x * 1.0
        y = y + 0.0
        z = y.clip(-10, 10)
        return z""")}
    cand = {"buffer.py": BUFFER, "train.py": TRAIN.replace("""    def scale(x):
        return x * 1.0""", """    def scale(x):
        w = x / 255.0
        w = w - 0.5
        v = w.clip(-5, 5)
        return v * 2.0""")}
    found = flow_findings(base, cand)
    rewritten = [f for f in found if "`scale`" in f.title]
    assert rewritten and all(f.confidence < 0.6 for f in rewritten), [(f.title, f.confidence) for f in found]
