"""A parameter read through the instance attribute the method has just stored it in (`self.model = model`, then
`self.model.parameters()`) is the same object as the parameter.

Real shape (PARL c5a4a771..02a99f68, precision held-out 10, N4): `PPO.__init__` of parl/algorithms/paddle/ppo.py:76
went from `super().__init__(model)`; `optim.Adam(parameters=model.parameters(), ...)` to `self.model = model`;
`optim.Adam(parameters=self.model.parameters(), ...)`: the same parameters, yet "Optimizer changed" (significant).
Negatives: an attribute stored from something else than the parameter (`self.model = model.actor`), an attribute
stored twice, and a method call between the store and the read (it may rebind the attribute).
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Algorithm:
    def __init__(self, model):
        self.model = model


class PPO(Algorithm):
    def __init__(self, model, lr, eps):
        super().__init__(model)
        self.lr = lr
        self.optimizer = torch.optim.Adam(params=model.parameters(), lr=lr, eps=eps)

    def learn(self, obs, ret):
        loss = ((self.model(obs) - ret) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss
"""


def _titles(store: str, between: str = "") -> list[str]:
    cand = BASE.replace(
        "        super().__init__(model)\n        self.lr = lr\n"
        "        self.optimizer = torch.optim.Adam(params=model.parameters(), lr=lr, eps=eps)\n",
        f"        {store}\n        self.lr = lr\n{between}"
        "        self.optimizer = torch.optim.Adam(params=self.model.parameters(), lr=self.lr, eps=eps)\n")
    assert cand != BASE
    result = run_on({"ppo.py": BASE}, {"ppo.py": cand}, only={"optimizer_ctor"})
    return [f.title for f in result.findings]


def test_a_parameter_read_through_the_attribute_it_was_just_stored_in_is_the_same() -> None:
    assert _titles("self.model = model") == []


def test_an_attribute_stored_from_something_else_is_a_change() -> None:
    assert any(t.startswith("Optimizer") for t in _titles("self.model = model.actor"))


def test_an_attribute_stored_twice_is_a_change() -> None:
    assert any(t.startswith("Optimizer")
               for t in _titles("self.model = model", between="        self.model = torch.nn.Linear(4, 1)\n"))


def test_a_method_call_between_store_and_read_is_a_change() -> None:
    assert any(t.startswith("Optimizer")
               for t in _titles("self.model = model", between="        self.rebuild()\n"))
