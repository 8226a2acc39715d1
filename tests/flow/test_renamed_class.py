"""A class renamed in the range, its definition unchanged: constructing it under the new name is no change.

Real shape (d3rlpy fp20 d6dca78c..3f459e65, "Rename NormalPolicy to SquashedNormalPolicy": a significant
"sampling path" finding on `create_squashed_normal_policy` for `return NormalPolicy(...)` ->
`return SquashedNormalPolicy(...)`). Negative: the renamed class also changed its body (then the
builder builds another network, and the change is reported where the class changed: its methods pair by
name, `detectors.pairs.renamed_class_methods`, set 19's loco-mujoco `MyoSuiteHumanoid` -> `MyoSkeleton`).
"""

from __future__ import annotations

from investigator.flow.classbody import renamed_classes
from investigator.models import Severity
from tests.flow.support import flow_result, pair_index

POLICIES = '''
import torch
import torch.nn as nn


class {name}(nn.Module):
    def __init__(self, dim, action_size):
        super().__init__()
        self.fc = nn.Linear(dim, 2 * action_size)

    def forward(self, x):
        mu, logstd = self.fc(x).chunk(2, dim=-1)
        return {squash}mu + logstd.exp() * torch.randn_like(mu){close}
'''

BUILDERS = '''
from policies import {name}


def create_policy(dim, action_size):
    return {name}(dim, action_size)
'''

TRAIN = '''
import torch

from builders import create_policy


def train(critic, data):
    policy = create_policy(17, 6)
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-4)
    for obs in data:
        loss = -critic(obs, policy(obs)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(None, [])
'''


def _side(name: str, squash: bool = False) -> dict[str, str]:
    policies = POLICIES.replace("{name}", name).replace("{squash}", "torch.tanh(" if squash else "")
    return {"policies.py": policies.replace("{close}", ")" if squash else ""),
            "builders.py": BUILDERS.replace("{name}", name), "train.py": TRAIN}


def test_a_class_renamed_with_its_definition_unchanged_is_no_change() -> None:
    base, cand = _side("NormalPolicy"), _side("SquashedNormalPolicy")
    assert renamed_classes(pair_index(base, cand)) == {"NormalPolicy": "SquashedNormalPolicy"}
    found = [f for f in flow_result(base, cand).findings if "create_policy" in f.title]
    assert not found, [(f.title, f.severity) for f in found]


def test_a_renamed_class_whose_body_changed_too_stays_a_change() -> None:
    base, cand = _side("NormalPolicy"), _side("SquashedNormalPolicy", squash=True)
    index = pair_index(base, cand)
    pairs = {(p.base.qualname, p.cand.qualname) for p in index.pairs if p.base and p.cand}
    assert ("NormalPolicy.forward", "SquashedNormalPolicy.forward") in pairs
    found = [f for f in flow_result(base, cand).findings if "forward" in f.title]
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
