"""State threaded through arguments instead of attributes: `self.X` read as a parameter every caller hands it.

Real shape (trl v1.7.0..v1.7.1, precision held-out 8, N1/N5): `_tokenize(self, processing_class, input)` read
`if self._is_vlm:` and `chat_template=self.chat_template`; it became a staticmethod taking `is_vlm` and
`chat_template`, called through a local alias `tokenize = self._tokenize` from the nested `tokenize_fn`, whose new
parameters `dataset.map(tokenize_fn, fn_kwargs={..., "is_vlm": self._is_vlm, ...})` binds. `_tokenize`,
`tokenize_fn` and `_prepare_dataset` were reported as significant sampling/loss-path changes. Negatives: a caller
that hands another value than the attribute, a call on another object (unprovable), a parameter with a default
that a caller omits."""

from __future__ import annotations

from tests.flow.support import flow_findings, flow_result

BASE = """
import torch


class Trainer:
    def __init__(self, model, tok, is_vlm, template):
        self.model = model
        self.tok = tok
        self._is_vlm = is_vlm
        self._other = not is_vlm
        self.chat_template = template

    def _tokenize(self, tok, text):
        if self._is_vlm:
            text = text.lower()
        return tok(text, template=self.chat_template)

    def _prepare_dataset(self, dataset):
        def tokenize_fn(example, tok):
            return {"ids": self._tokenize(tok, example["text"])}

        dataset = dataset.map(tokenize_fn, fn_kwargs={"tok": self.tok})
        return dataset

    def train(self, dataset):
        data = self._prepare_dataset(dataset)
        for batch in data:
            ids = self._tokenize(self.tok, batch["text"])
            loss = self.model(ids).mean()
            loss.backward()


if __name__ == "__main__":
    Trainer(torch.nn.Linear(4, 1), make_tokenizer(), False, None).train(load_data())
"""

CAND = """
import torch


class Trainer:
    def __init__(self, model, tok, is_vlm, template):
        self.model = model
        self.tok = tok
        self._is_vlm = is_vlm
        self._other = not is_vlm
        self.chat_template = template

    @staticmethod
    def _tokenize(tok, text, is_vlm, chat_template):
        if is_vlm:
            text = text.lower()
        return tok(text, template=chat_template)

    def _prepare_dataset(self, dataset):
        tokenize = self._tokenize

        def tokenize_fn(example, tok, is_vlm, chat_template):
            return {"ids": tokenize(tok, example["text"], is_vlm, chat_template)}

        dataset = dataset.map(tokenize_fn, fn_kwargs={"tok": self.tok, "is_vlm": {handed}, "chat_template": self.chat_template})
        return dataset

    def train(self, dataset):
        data = self._prepare_dataset(dataset)
        for batch in data:
            ids = self._tokenize(self.tok, batch["text"], self._is_vlm, self.chat_template)
            loss = self.model(ids).mean()
            loss.backward()


if __name__ == "__main__":
    Trainer(torch.nn.Linear(4, 1), make_tokenizer(), False, None).train(load_data())
"""

DIRECT_BASE = """
import torch


class Agent:
    def __init__(self, net, coef):
        self.net = net
        self.coef = coef
        self.other = 2 * coef

    def _scale(self, x):
        return x * self.coef

    def update(self, obs):
        loss = self._scale(self.net(obs)).mean()
        loss.backward()


if __name__ == "__main__":
    agent = Agent(torch.nn.Linear(4, 1), 0.5)
    for obs in make_env():
        agent.update(obs)
"""

DIRECT_CAND = """
import torch


class Agent:
    def __init__(self, net, coef):
        self.net = net
        self.coef = coef
        self.other = 2 * coef

    def _scale(self, x, coef{default}):
        return x * coef

    def update(self, obs):
        {bind}loss = self._scale(self.net(obs){handed}).mean()
        loss.backward()


if __name__ == "__main__":
    agent = Agent(torch.nn.Linear(4, 1), 0.5)
    for obs in make_env():
        agent.update(obs)
"""


def _loud(base: str, cand: str) -> list[str]:
    found = flow_findings({"trainer.py": base}, {"trainer.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_state_threaded_through_a_staticmethod_and_map_kwargs_changes_nothing() -> None:
    cand = CAND.replace("{handed}", "self._is_vlm")
    assert _loud(BASE, cand) == []
    result = flow_result({"trainer.py": BASE}, {"trainer.py": cand})
    assert any(n.title.startswith("State threaded through arguments") for n in result.no_effect)


def test_another_value_handed_through_map_kwargs_is_a_change() -> None:
    loud = _loud(BASE, CAND.replace("{handed}", "self._other"))
    assert any("_tokenize" in t or "_prepare_dataset" in t for t in loud), loud


def test_attribute_handed_as_a_parameter_by_every_caller_changes_nothing() -> None:
    for bind, handed in (("", ", self.coef"), ("", ", coef=self.coef"), ("c = self.coef\n        ", ", c")):
        cand = DIRECT_CAND.format(default="", bind=bind, handed=handed)
        assert _loud(DIRECT_BASE, cand) == [], (handed, _loud(DIRECT_BASE, cand))


def test_another_attribute_handed_is_a_change() -> None:
    loud = _loud(DIRECT_BASE, DIRECT_CAND.format(default="", bind="", handed=", self.other"))
    assert any("Agent._scale" in t or "Agent.update" in t for t in loud), loud


def test_a_caller_that_omits_a_defaulted_parameter_is_a_change() -> None:
    loud = _loud(DIRECT_BASE, DIRECT_CAND.format(default="=1.0", bind="", handed=""))
    assert any("Agent._scale" in t for t in loud), loud


def test_a_call_on_another_object_proves_nothing() -> None:
    extra = "\n\ndef evaluate(agent, obs):\n    return agent._scale(obs, 3.0)\n"
    loud = _loud(DIRECT_BASE + extra.replace(", 3.0", ""),
                 DIRECT_CAND.format(default="", bind="", handed=", self.coef") + extra)
    assert any("Agent._scale" in t for t in loud), loud


def test_the_reverse_a_parameter_every_caller_handed_the_attribute_read_as_the_attribute() -> None:
    base = DIRECT_CAND.format(default="", bind="", handed=", self.coef")
    assert _loud(base, DIRECT_BASE) == []
    loud = _loud(DIRECT_CAND.format(default="", bind="", handed=", self.other"), DIRECT_BASE)
    assert any("Agent._scale" in t or "Agent.update" in t for t in loud), loud


def test_a_function_that_assigns_the_attribute_is_a_change() -> None:
    store = "\n        self.coef = self.coef * 0.5"
    base = DIRECT_BASE.replace("    def _scale(self, x):\n", "    def _scale(self, x):" + store + "\n")
    cand = DIRECT_CAND.format(default="", bind="", handed=", self.coef").replace(
        "    def _scale(self, x, coef):\n", "    def _scale(self, x, coef):" + store + "\n")
    loud = _loud(base, cand)
    assert any("Agent._scale" in t for t in loud), loud


PHYSICS = """
import numpy as np


class Aviary:
    def __init__(self, freq, ctrl_freq):
        self.PYB_TIMESTEP = 1.0 / freq
        self.TIMESTEP = 1.0 / ctrl_freq
        self.quat = np.zeros(4)

    def step(self, action):
        self._dynamics(action)
        reward = -np.abs(self.quat).sum()
        return self.quat, reward, False, {}

    def _dynamics(self, rpm):
        rates = rpm * 0.1
        self.quat = self._integrateQ(self.quat, rates, {dt})

    def _integrateQ(self, quat, omega, dt):
        return quat + dt * omega.sum()
"""

RUN = """
from aviary import Aviary


def main():
    env = Aviary(240, 30)
    obs, reward, done, info = env.step(1.0)


if __name__ == "__main__":
    main()
"""


def test_an_argument_threaded_from_another_attribute_at_each_commit_is_a_change() -> None:
    """gym-pybullet-drones 0fa7590b..6a790713 (precision held-out 19) BaseAviary.py:862: `self._integrateQ(quat,
    rpy_rates, self.TIMESTEP)` -> `self.PYB_TIMESTEP`, the only call of `_integrateQ(self, quat, omega, dt)`: `dt`
    is threaded at both commits, from another attribute at each; it was "State threaded through arguments"."""
    result = flow_result({"aviary.py": PHYSICS.replace("{dt}", "self.TIMESTEP"), "run.py": RUN},
                         {"aviary.py": PHYSICS.replace("{dt}", "self.PYB_TIMESTEP"), "run.py": RUN})
    assert not [n for n in result.no_effect if "State threaded" in n.title], [n.title for n in result.no_effect]
    assert [f for f in result.findings if "_dynamics" in f.title], [f.title for f in result.findings]


def test_the_same_attribute_threaded_at_both_commits_is_still_no_change() -> None:
    base = PHYSICS.replace("{dt}", "self.TIMESTEP")
    cand = base.replace("        rates = rpm * 0.1\n        self.quat = self._integrateQ(self.quat, rates, self.TIMESTEP)",
                        "        step = self.TIMESTEP\n        rates = rpm * 0.1\n"
                        "        self.quat = self._integrateQ(self.quat, rates, step)")
    assert cand != base
    result = flow_result({"aviary.py": base, "run.py": RUN}, {"aviary.py": cand, "run.py": RUN})
    assert not [f for f in result.findings if "_dynamics" in f.title and f.severity.value != "low"], \
        [f.title for f in result.findings]
