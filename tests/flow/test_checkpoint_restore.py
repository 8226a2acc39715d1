"""A statement that reads a loaded checkpoint is labelled checkpoint restore, not a training path.

Real shape (rl_games v1.6.0..v1.6.1): `set_full_state_weights(self, weights, set_epoch=True)` now
requires `weights['frame']`, which later reaches `vec_env.set_train_info(self.frame, ...)`; it was
"Behavioural change in the environment path". Negative: the same statement reading an ordinary
argument (not a checkpoint: nothing loads a state dict from it) keeps the plain label.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Finding
from tests.flow.test_equivalence import _index

AGENT = """
class Agent:
    def __init__(self, env, model, optimizer):
        self.vec_env = env
        self.model = model
        self.optimizer = optimizer
        self.frame = 0

    def restore(self, weights):
        self.model.load_state_dict(weights['model'])
        self.optimizer.load_state_dict(weights['optimizer'])
        self.frame = weights.get('frame', 0)

    def set_progress(self, info):
        self.frame = info.get('frame', 0)

    def train(self, obs):
        self.vec_env.set_train_info(self.frame, self)
        obs, rewards, dones, infos = self.vec_env.step(self.model(obs))
        loss = (self.model(obs) - rewards).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def main(env, model, optimizer, resume, progress):
    agent = Agent(env, model, optimizer)
    if resume:
        agent.restore(resume)
    agent.set_progress(progress)
    obs = env.reset()
    for _ in range(100):
        agent.train(obs)
"""


def _found(old: str, new: str) -> list[Finding]:
    base = {"agent.py": AGENT}
    cand = {"agent.py": AGENT.replace(old, new)}
    assert cand != base
    return analyse(_index(base, cand)).findings


def test_a_value_read_from_a_loaded_checkpoint_is_checkpoint_restore() -> None:
    found = [f for f in _found("self.frame = weights.get('frame', 0)", "self.frame = weights['frame']")
             if "Agent.restore" in f.title]
    assert found, "still reported"
    assert found[0].title.startswith("Behavioural change in checkpoint restore (then the environment path)"), found[0].title
    assert found[0].subsystem == "checkpointing" and "resumed from a checkpoint" in found[0].impact


def test_the_same_read_from_an_ordinary_argument_keeps_its_path_label() -> None:
    found = [f for f in _found("self.frame = info.get('frame', 0)", "self.frame = info['frame']")
             if "Agent.set_progress" in f.title]
    assert found and found[0].title.startswith("Behavioural change in the environment path"), [f.title for f in found]
    assert found[0].subsystem != "checkpointing"
