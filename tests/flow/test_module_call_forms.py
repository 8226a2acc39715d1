"""A module called by name of its `forward`, and a length-checked zip, are the same calls.

Real shapes (stable-baselines3-contrib v2.7.1..v2.8.0): `self.policy.forward(obs, states, starts)` ->
`self.policy(obs, states, starts)` in `RecurrentPPO.collect_rollouts`, and `zip_strict(features, starts)`
-> `zip(features, starts, strict=True)` in the LSTM's sequence loop: the first and fourth findings of the
range, "Behavioural change in the loss/environment path" (significant). Negatives: another method of the
module, and `zip_strict` over other sequences."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = """
import torch
from stable_baselines3.common.utils import zip_strict


class Policy(torch.nn.Module):
    def forward(self, obs, starts):
        out = []
        for x, s in zip_strict(obs, starts):
            out.append(self.net(x * (1.0 - s)))
        return torch.stack(out)

    def evaluate(self, obs, starts):
        return self.forward(obs, starts) * 2


def train(policy, optimizer, batches):
    for obs, starts, target in batches:
        pred = policy.forward(obs, starts)
        loss = ((pred - target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    model = Policy()
    train(model, torch.optim.Adam(model.parameters()), load_batches())
"""


def _loud(cand: str) -> list[str]:
    found = flow_findings({"train.py": TRAIN}, {"train.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_module_called_instead_of_its_forward_and_a_builtin_strict_zip_are_the_same() -> None:
    cand = TRAIN.replace("pred = policy.forward(obs, starts)", "pred = policy(obs, starts)")
    cand = cand.replace("zip_strict(obs, starts)", "zip(obs, starts, strict=True)")
    assert _loud(cand) == []


def test_another_method_of_the_module_is_a_change() -> None:
    cand = TRAIN.replace("pred = policy.forward(obs, starts)", "pred = policy.evaluate(obs, starts)")
    assert any("train" in t for t in _loud(cand)), _loud(cand)


def test_a_strict_zip_over_other_sequences_is_a_change() -> None:
    cand = TRAIN.replace("zip_strict(obs, starts)", "zip(obs, obs, strict=True)")
    assert any("forward" in t for t in _loud(cand)), _loud(cand)
