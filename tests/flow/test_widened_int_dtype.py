"""A 32-bit integer dtype widened to 64 bits holds the same values.

Real shape (stable-baselines v2.8.0..v2.9.0, precision held-out 8, N3): `sample_dtype` of the categorical action
distributions `return tf.int32` -> `return tf.int64` (the dtype of the action placeholders), "Behavioural change in
the loss path" (significant, #3 of the range). Negatives: the narrowing direction, and a dtype changed to a float."""

from __future__ import annotations

from tests.flow.support import flow_findings

SRC = """
import torch


class Policy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(4, 3)

    def sample_dtype(self):
        return torch.{dtype}

    def act(self, obs):
        logits = self.net(obs)
        action = torch.distributions.Categorical(logits=logits).sample()
        return action.to(self.sample_dtype())


def collect(policy, env, steps):
    obs = env.reset()
    for _ in range(steps):
        action = policy.act(obs)
        obs, reward, done, info = env.step(action)


if __name__ == "__main__":
    collect(Policy(), make_env(), 100)
"""


def _loud(base: str, cand: str) -> list[str]:
    found = flow_findings({"policy.py": SRC.format(dtype=base)}, {"policy.py": SRC.format(dtype=cand)})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_an_int32_dtype_widened_to_int64_changes_nothing() -> None:
    assert _loud("int32", "int64") == []


def test_an_int64_dtype_narrowed_to_int32_is_a_change() -> None:
    loud = _loud("int64", "int32")
    assert any("sample_dtype" in t for t in loud), loud


def test_an_integer_dtype_made_float_is_a_change() -> None:
    loud = _loud("int32", "float32")
    assert any("sample_dtype" in t for t in loud), loud
