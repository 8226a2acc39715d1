"""The flow follows a method's value back to the callers of *that* method, by the receiver's class,
and a script's config through its own loop (real shapes):

* d3rlpy v1.1.1..v2.0.2: the flow printed for `DiscreteCQLImpl.compute_loss` went through
  `bc_impl.py`'s `BCBaseImpl.inner_update`, another class's `self.compute_loss()`;
* CORL: SAC-N's `TrainConfig` field reached the training loop of `edac.py`, another single-file
  script that declares its own `TrainConfig`.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Finding
from tests.flow.test_equivalence import _index

BASE = """
    class ImplBase:
        def update(self, batch):
            return self.inner_update(batch)
"""
BC = """
    from base import ImplBase


    class BCImpl(ImplBase):
        def __init__(self, policy, optim):
            self.policy = policy
            self.optim = optim

        def compute_loss(self, batch, target):
            return ((self.policy(batch.obs) - target) ** 2).mean()

        def inner_update(self, batch):
            self.optim.zero_grad()
            loss = self.compute_loss(batch, batch.act)
            loss.backward()
            self.optim.step()
            return float(loss)
"""
CQL = """
    from base import ImplBase


    class DQNImpl(ImplBase):
        def __init__(self, q_func, optim, gamma=0.99, alpha=1.0):
            self.q_func = q_func
            self.optim = optim
            self.gamma = gamma
            self.alpha = alpha

        def compute_loss(self, batch, target):
            q = self.q_func(batch.obs).gather(1, batch.act)
            return ((q - target) ** 2).mean()

        def inner_update(self, batch):
            target = batch.rew + self.gamma * self.q_func(batch.next_obs).max(1)[0]
            self.optim.zero_grad()
            loss = self.compute_loss(batch, target)
            total = loss.mean()
            total.backward()
            self.optim.step()
            return float(total)


    class DiscreteCQLImpl(DQNImpl):
        def compute_loss(self, batch, target):
            td = super().compute_loss(batch, target)
            conservative = self.q_func(batch.obs).logsumexp(1).mean()
            return td + self.alpha * conservative
"""
ENTRY = """
    import sys

    from bc import BCImpl
    from cql import DiscreteCQLImpl

    algo = BCImpl(None, None) if sys.argv[1] == "bc" else DiscreteCQLImpl(None, None)
    algo.update(None)
"""


def _changed(base: dict[str, str], path: str, old: str, new: str) -> list[Finding]:
    cand = {**base, path: base[path].replace(old, new)}
    assert cand != base
    return analyse(_index(base, cand)).findings


def _text(f: Finding) -> str:
    return f.title + " " + f.rationale


def test_a_subclass_override_returns_to_its_base_class_caller_not_another_class() -> None:
    found = _changed({"base.py": BASE, "bc.py": BC, "cql.py": CQL, "main.py": ENTRY}, "cql.py",
                     "return td + self.alpha * conservative", "return td + 2.0 * self.alpha * conservative")
    loss = [f for f in found if "DiscreteCQLImpl.compute_loss" in f.title]
    assert loss and "loss path" in loss[0].title, [f.title for f in found]
    assert "cql.py" in loss[0].rationale and "bc.py" not in loss[0].rationale, loss[0].rationale


def test_a_method_whose_only_same_named_caller_is_another_class_is_not_in_the_loss_path() -> None:
    # `report` is called as `self.report()` only by another, unrelated class: no caller of ours
    bc = BC.replace("        def inner_update(self, batch):",
                    "        def report(self, batch):\n            return 0.0\n\n        def inner_update(self, batch):")
    bc = bc.replace("            loss = self.compute_loss(batch, batch.act)\n",
                    "            loss = self.compute_loss(batch, batch.act) + self.report(batch)\n")
    cql = CQL + "\n\n    class Meter:\n        def report(self, batch):\n            return batch.rew.mean()\n"
    found = _changed({"base.py": BASE, "bc.py": bc, "cql.py": cql, "main.py": ENTRY}, "cql.py",
                     "return batch.rew.mean()", "return batch.rew.sum()")
    assert not any("loss path" in f.title and "Meter.report" in f.title for f in found), [_text(f) for f in found]
    # the same shape where the caller is the class itself does reach the loss
    found = _changed({"base.py": BASE, "bc.py": bc, "cql.py": cql, "main.py": ENTRY}, "bc.py", "return 0.0", "return 1.0")
    assert any("loss path" in f.title and "BCImpl.report" in f.title for f in found), [_text(f) for f in found]


SCRIPT = """
    from dataclasses import dataclass

    import torch


    @dataclass
    class TrainConfig:
        num_epochs: int = 250
        batch_size: int = 256


    def train(config: TrainConfig, buffer, actor, optim):
        for epoch in range(config.num_epochs):
            batch = buffer.sample(config.batch_size)
            loss = actor.loss(batch)
            optim.zero_grad()
            loss.backward()
            optim.step()
"""


def test_a_scripts_config_flows_through_its_own_loop_not_a_sibling_scripts() -> None:
    files = {"sac_n.py": SCRIPT, "edac.py": SCRIPT.replace("loss = actor.loss(batch)",
                                                           "loss = actor.loss(batch) + actor.eta")}
    found = _changed(files, "sac_n.py", "num_epochs: int = 250", "num_epochs: int = 3000")
    cfg = [f for f in found if "TrainConfig" in f.title]
    assert cfg and "training schedule" in cfg[0].title, [_text(f) for f in found]
    assert "edac.py" not in cfg[0].rationale, cfg[0].rationale


def test_a_config_class_imported_by_the_training_script_still_reaches_its_loop() -> None:
    config = "    from dataclasses import dataclass\n\n\n    @dataclass\n    class TrainConfig:\n" \
             "        num_epochs: int = 250\n        batch_size: int = 256\n"
    train = SCRIPT.split("    @dataclass")[0] + "    from config import TrainConfig\n\n\n" + \
        "    def train(" + SCRIPT.split("    def train(")[1]
    found = _changed({"config.py": config, "train.py": train}, "config.py", "num_epochs: int = 250", "num_epochs: int = 3000")
    cfg = [f for f in found if "TrainConfig" in f.title]
    assert cfg and "train.py" in cfg[0].rationale, [_text(f) for f in found]
