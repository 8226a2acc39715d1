"""A constructor's `self.x: T = None` placeholder moved into a class annotation `x: T` changes nothing.

Real shape (stable-baselines3-contrib v2.7.1..v2.8.0): `MaskableCategoricalDistribution.__init__` dropped
`self.distribution: Optional[MaskableCategorical] = None` for a class-level `distribution:
MaskableCategorical`; every method sets it before reading it. It was "Behavioural change in the sampling
path" (significant, third of the range). Negatives: the placeholder dropped with no declaration, and a
placeholder that held a value other than None."""

from __future__ import annotations

from tests.flow.support import flow_findings, flow_result

BASE = """
import torch


class Dist:
    def __init__(self, n):
        self.dist = {init}
        self.n = n

    def build(self, logits):
        self.dist = torch.distributions.Categorical(logits=logits)
        return self

    def sample(self):
        return self.dist.sample()


class Policy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(8, 4)
        self.action_dist = Dist(4)

    def forward(self, obs):
        return self.action_dist.build(self.net(obs)).sample()


def collect(policy, env, steps):
    obs = env.reset()
    for _ in range(steps):
        action = policy(obs)
        obs, reward, done, info = env.step(action)


if __name__ == "__main__":
    collect(Policy(), make_env(), 100)
"""

CAND = BASE.replace("class Dist:\n", "class Dist:\n    dist: torch.distributions.Categorical\n\n").replace(
    "        self.dist = {init}\n", "")


def _loud(base_init: str, cand: str) -> list[str]:
    found = flow_findings({"dist.py": BASE.format(init=base_init)}, {"dist.py": cand.format(init="None")})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_none_placeholder_moved_into_a_class_annotation_changes_nothing() -> None:
    assert _loud("None", CAND) == []
    result = flow_result({"dist.py": BASE.format(init="None")}, {"dist.py": CAND.format(init="None")})
    assert not result.failures
    assert any(n.title.startswith("Attribute placeholder moved into a class annotation") for n in result.no_effect)


def test_a_placeholder_dropped_without_a_declaration_is_a_change() -> None:
    cand = BASE.replace("        self.dist = {init}\n", "")
    assert any("Dist.__init__" in t for t in _loud("None", cand)), _loud("None", cand)


def test_a_placeholder_with_a_value_is_a_change() -> None:
    assert any("Dist.__init__" in t for t in _loud("torch.distributions.Categorical(logits=torch.zeros(4))", CAND))
