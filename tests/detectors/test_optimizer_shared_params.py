"""Two optimizers over the same network's parameters (real shape: PyTorch-RL 392cb65, bug re-applied,
gail/gail_gym.py:79: `optimizer_discrim = torch.optim.Adam(value_net.parameters(), ...)`, was `discrim_net`)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

SCRIPT = """
import argparse

import torch

parser = argparse.ArgumentParser(description="PyTorch GAIL example")
parser.add_argument("--learning-rate", type=float, default=3e-4)
args = parser.parse_args()

policy_net = Policy()
value_net = Value()
discrim_net = Discriminator()
optimizer_policy = torch.optim.Adam(policy_net.parameters(), lr=args.learning_rate)
optimizer_value = torch.optim.Adam(value_net.parameters(), lr=args.learning_rate)
optimizer_discrim = torch.optim.Adam(discrim_net.parameters(), lr=args.learning_rate)


def update_params(batch):
    for _ in range(3):
        loss = discrim_net(batch).mean()
        optimizer_discrim.zero_grad()
        loss.backward()
        optimizer_discrim.step()


for batch in range(10):
    update_params(batch)
"""


def _titles(base: str, cand: str) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in run_on({"gail.py": base}, {"gail.py": cand}).findings]


def test_discriminator_optimizer_over_value_parameters_is_significant() -> None:
    found = _titles(SCRIPT, SCRIPT.replace("Adam(discrim_net.parameters()", "Adam(value_net.parameters()"))
    assert "significant: Two optimizers built over the same parameters: `value_net.parameters()`" in found, found


def test_renamed_network_is_not_shared_parameters() -> None:
    cand = SCRIPT.replace("discrim_net", "disc_net")
    found = _titles(SCRIPT, cand)
    assert not any("same parameters" in t for t in found), found


def test_alternative_optimizers_in_two_arms_are_not_shared() -> None:
    base = SCRIPT.replace("optimizer_discrim = torch.optim.Adam(discrim_net.parameters(), lr=args.learning_rate)",
                          "if args.learning_rate > 1e-3:\\n    optimizer_discrim = torch.optim.SGD("
                          "discrim_net.parameters(), lr=args.learning_rate)\\nelse:\\n    optimizer_discrim = "
                          "torch.optim.Adam(discrim_net.parameters(), lr=args.learning_rate)")
    cand = base.replace("torch.optim.SGD(", "torch.optim.RMSprop(")
    found = _titles(base, cand)
    assert not any("same parameters" in t for t in found), found
