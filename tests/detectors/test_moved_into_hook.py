"""Code moved into a hook that a base-class constructor calls on `self` is moved, not removed.

Real shape (xuance a2c27bd8..febfe494, xuance/torch/learners/multi_agent_rl/iddpg_learner.py): `IDDPG_Learner.__init__`
built its actor and critic `Adam` optimizers itself; at the candidate they are built verbatim in
`IDDPG_Learner.build_optimizer`, which the new base `OffPolicyMultiAgentLearner.__init__` calls after its own
`super().__init__`: "Optimizer changed: `torch.optim.Adam(...)` -> `-`", significant. Negatives: the hook builds
another optimizer (a real change), the base never calls the hook, and another class's hook of the same name."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Learner:
    def __init__(self, config, model):
        self.config = config
        self.model = model


class DDPGLearner(Learner):
    def __init__(self, config, model):
        super().__init__(config, model)
        self.actor_opt = torch.optim.Adam(self.model.actor.parameters(), self.config.lr_actor, eps=1e-5)
        self.critic_opt = torch.optim.Adam(self.model.critic.parameters(), self.config.lr_critic, eps=1e-5)
        self.tau = config.tau

    def update(self, batch):
        loss = self.model.critic(batch).mean()
        self.critic_opt.zero_grad()
        loss.backward()
        self.critic_opt.step()
"""

CAND = """
import torch


class Learner:
    def __init__(self, config, model):
        self.config = config
        self.model = model


class OffPolicyLearner(Learner):
    def __init__(self, config, model):
        super().__init__(config, model)
        {call}


class DDPGLearner(OffPolicyLearner):
    def __init__(self, config, model):
        super().__init__(config, model)
        self.tau = config.tau

    def build_optimizer(self):
        self.actor_opt = torch.optim.Adam(self.model.actor.parameters(), self.config.lr_actor, eps=1e-5)
        self.critic_opt = torch.optim.Adam(self.model.critic.parameters(), self.config.lr_critic, eps={eps})

    def update(self, batch):
        loss = self.model.critic(batch).mean()
        self.critic_opt.zero_grad()
        loss.backward()
        self.critic_opt.step()
{other}
"""

OTHER = """

class Unrelated:
    def __init__(self):
        self.build_optimizer()

    def build_optimizer(self):
        self.opt = torch.optim.Adam(self.model.critic.parameters(), self.config.lr_critic, eps=1e-5)
"""


def _result(call: str = "self.build_optimizer()", eps: str = "1e-5", other: str = ""):
    return run_on({"learner.py": BASE}, {"learner.py": CAND.format(call=call, eps=eps, other=other)},
                  only={"optimizer_ctor"})


def test_optimizers_moved_into_a_hook_the_base_constructor_calls_are_not_changed() -> None:
    result = _result()
    assert not any("Optimizer" in f.title for f in result.findings), [f.title for f in result.findings]
    assert any("moved into a hook" in e.title and "build_optimizer" in (e.reason or "")
               for e in result.no_effect), [(e.title, e.reason) for e in result.no_effect]


def test_hook_building_another_optimizer_is_still_a_change() -> None:
    titles = [f.title for f in _result(eps="1e-8").findings]
    assert any("Optimizer changed" in t and "critic" in t for t in titles), titles


def test_hook_building_another_optimizer_is_compared_with_it() -> None:
    """What the hook builds is named, not `-`: xuance's QTRAN/MFQ learners inherit a base `build_optimizer`
    over other parameters."""
    titles = [f.title for f in _result(eps="1e-8").findings]
    assert any("Optimizer changed" in t and "eps=1e-08" in t and "-> `-`" not in t for t in titles), titles


def test_hook_the_base_never_calls_is_no_home() -> None:
    titles = [f.title for f in _result(call="pass").findings]
    assert any("Optimizer changed" in t for t in titles), titles


def test_another_class_calling_its_own_hook_is_no_home() -> None:
    titles = [f.title for f in _result(call="pass", other=OTHER).findings]
    assert any("Optimizer changed" in t for t in titles), titles
