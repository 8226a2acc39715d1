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


# dreamer-pytorch 36be1da0..e23d09d2 `dreamer/algos/dreamer_algo.py:107`: the optimizers regrouped through a
# parameter-gathering helper over lists of networks, the value optimizer built over the world model's list
AGENT = """
import torch


def get_parameters(modules):
    model_parameters = []
    for module in modules:
        model_parameters += list(module.parameters())
    return model_parameters


class Algo:
    def optim_initialize(self, model):
        self.model_modules = [model.encoder, model.decoder, model.transition]
        self.actor_modules = [model.action_decoder]
        self.value_modules = [model.value_model]
        self.model_optimizer = torch.optim.Adam(get_parameters(self.model_modules), lr=self.model_lr)
        self.actor_optimizer = torch.optim.Adam(get_parameters(self.actor_modules), lr=self.actor_lr)
        self.value_optimizer = torch.optim.Adam(get_parameters(self.value_modules), lr=self.value_lr)

    def optimize_agent(self, batch):
        model_loss, actor_loss, value_loss = self.loss(batch)
        self.model_optimizer.zero_grad()
        self.actor_optimizer.zero_grad()
        self.value_optimizer.zero_grad()
        model_loss.backward()
        actor_loss.backward()
        value_loss.backward()
        self.model_optimizer.step()
        self.actor_optimizer.step()
        self.value_optimizer.step()


def train(model, batches):
    algo = Algo()
    algo.optim_initialize(model)
    for batch in batches:
        algo.optimize_agent(batch)
"""


def _agent_titles(base: str, cand: str) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in run_on({"algo.py": base}, {"algo.py": cand}).findings]


def test_value_optimizer_over_the_world_model_list_is_significant() -> None:
    cand = AGENT.replace("Adam(get_parameters(self.value_modules)", "Adam(get_parameters(self.model_modules)")
    found = _agent_titles(AGENT, cand)
    assert "significant: Two optimizers built over the same parameters: `get_parameters(self.model_modules)`" \
        in found, found


def test_regrouped_gathering_helper_over_its_own_lists_is_no_shared_finding() -> None:
    cand = AGENT.replace("self.actor_modules = [model.action_decoder]",
                         "self.actor_modules = [model.action_decoder]\n        self.extra = []")
    found = _agent_titles(AGENT, cand)
    assert not any("same parameters" in t for t in found), found
    # a list handed in (the argument of a helper that builds each optimizer) names no source
    helper = AGENT.replace("get_parameters(self.value_modules)", "get_parameters(modules)").replace(
        "def optim_initialize(self, model):", "def optim_initialize(self, model, modules=None):")
    cand = helper.replace("get_parameters(self.actor_modules)", "get_parameters(modules)")
    found = _agent_titles(helper, cand)
    assert not any("same parameters" in t for t in found), found
