"""Clamps to both bounds are one computation however they are written (detectors/patterns.py
`clamp_parts`). Real shape (HARL, a TD3 actor): `torch.max(torch.min(noise, c * s), -c * s)` and
`torch.max(torch.min(actions, self.high), self.low)` became `torch.clamp(...)`, reported as two
significant loss-path changes."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import clamp_parts, equivalent_form
from tests.flow.support import flow_findings

ACTOR = """
import torch


class Actor:
    def __init__(self, net, low, high, noise_clip, scale):
        self.net = net
        self.low = low
        self.high = high
        self.noise_clip = noise_clip
        self.scale = scale

    def target_actions(self, obs):
        actions = self.net(obs)
        noise = torch.randn_like(actions) * 0.2 * self.scale
        noise = NOISE_CLIP
        actions = actions + noise
        actions = ACTION_CLIP
        return actions


def update(actor, critic, critic_opt, batch, gamma):
    next_actions = actor.target_actions(batch.next_obs)
    target = batch.rewards + gamma * (1 - batch.dones) * critic(batch.next_obs, next_actions).detach()
    loss = ((critic(batch.obs, batch.actions) - target) ** 2).mean()
    critic_opt.zero_grad()
    loss.backward()
    critic_opt.step()


def main(env, net, critic, critic_opt, loader):
    actor = Actor(net, env.low, env.high, 0.5, 1.0)
    for batch in loader:
        update(actor, critic, critic_opt, batch, 0.99)


if __name__ == "__main__":
    main(None, None, None, None, [])
"""

NESTED = ACTOR.replace(
    "NOISE_CLIP", "torch.max(torch.min(noise, self.noise_clip * self.scale), -self.noise_clip * self.scale)"
).replace("ACTION_CLIP", "torch.max(torch.min(actions, self.high), self.low)")
CLAMPED = ACTOR.replace(
    "NOISE_CLIP", "torch.clamp(noise, -self.noise_clip * self.scale, self.noise_clip * self.scale)"
).replace("ACTION_CLIP", "actions.clamp(min=self.low, max=self.high)")


def test_nested_min_max_and_clamp_are_the_same_computation() -> None:
    assert not flow_findings({"td3.py": NESTED}, {"td3.py": CLAMPED})


def test_a_clamp_with_other_bounds_is_still_a_change() -> None:
    cand = CLAMPED.replace("actions.clamp(min=self.low, max=self.high)", "actions.clamp(min=0.5 * self.low, max=self.high)")
    assert flow_findings({"td3.py": NESTED}, {"td3.py": cand})


def _form(text: str) -> str:
    return ast.unparse(equivalent_form(ast.parse(text, mode="eval").body))


def test_spellings_of_one_clamp() -> None:
    same = ["torch.clamp(x, lo, hi)", "(x).clamp(lo, hi)", "torch.clip(x, lo, hi)", "x.clamp(lo, hi)", "x.clamp(min=lo, max=hi)",
            "np.clip(x, lo, hi)", "np.clip(x, a_min=lo, a_max=hi)", "torch.max(torch.min(x, hi), lo)",
            "torch.min(torch.max(x, lo), hi)", "torch.max(lo, torch.min(x, hi))", "np.maximum(np.minimum(x, hi), lo)",
            "max(min(x, hi), lo)"]
    assert {_form(t) for t in same} == {"clamp(x, lo, hi)"}


def test_what_is_not_a_clamp_to_both_bounds() -> None:
    assert clamp_parts(ast.parse("torch.max(torch.min(x, 1), 0)", mode="eval").body) is None  # reductions over dims
    assert clamp_parts(ast.parse("np.max(np.min(x, hi), lo)", mode="eval").body) is None  # axis arguments
    assert clamp_parts(ast.parse("x.clamp(min=lo)", mode="eval").body) is None
    assert clamp_parts(ast.parse("torch.clamp(x, None, hi)", mode="eval").body) is None
    assert clamp_parts(ast.parse("torch.max(torch.max(x, hi), lo)", mode="eval").body) is None
    assert _form("torch.clamp(x, lo, hi)") != _form("torch.clamp(x, hi, lo)")


def test_a_clamp_method_of_a_computed_value() -> None:
    assert _form("(a + b).clamp(min=lo, max=hi)") == _form("torch.max(torch.min(a + b, hi), lo)") == "clamp(a + b, lo, hi)"
