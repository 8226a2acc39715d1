"""Layers moved two constructors deep are moved, not removed.

Real shape (sac-discrete.pytorch d48f9e10..cf2295cd, sacd/model.py): `TwinnedQNetwork.__init__` built
`self.Q1 = create_conv(...)` (a Conv/ReLU trunk and a Linear/ReLU head in one `nn.Sequential`); the
candidate builds `QNetwork(...)`, whose `__init__` holds the head and builds `DQNBase(num_channels)`, whose
`__init__` holds the trunk. Looked for one constructor deep, the trunk's ReLUs were "Nonlinearity changed:
relu -> -" while the no-effect list said the ReLU moved. Negative: the trunk's nonlinearity really changed
(Tanh) is still reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch.nn as nn


def create_conv(num_channels, num_actions):
    return nn.Sequential(
        nn.Conv2d(num_channels, 32, kernel_size=8, stride=4),
        nn.ReLU(inplace=True),
        nn.Conv2d(32, 64, kernel_size=4, stride=2),
        nn.ReLU(inplace=True),
        nn.Flatten(),
        nn.Linear(7 * 7 * 64, 512),
        nn.ReLU(inplace=True),
        nn.Linear(512, num_actions),
    )


class TwinnedQNetwork(nn.Module):
    def __init__(self, num_channels, num_actions):
        super().__init__()
        self.Q1 = create_conv(num_channels, num_actions)
        self.Q2 = create_conv(num_channels, num_actions)

    def forward(self, states):
        return self.Q1(states), self.Q2(states)
"""

CAND = """
import torch.nn as nn


class DQNBase(nn.Module):
    def __init__(self, num_channels):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(num_channels, 32, kernel_size=8, stride=4),
            nn.{act}(),
            nn.Conv2d(32, 64, kernel_size=4, stride=2),
            nn.{act}(),
            nn.Flatten(),
        )

    def forward(self, states):
        return self.net(states)


class QNetwork(nn.Module):
    def __init__(self, num_channels, num_actions, shared=False):
        super().__init__()
        if not shared:
            self.conv = DQNBase(num_channels)
        self.head = nn.Sequential(
            nn.Linear(7 * 7 * 64, 512),
            nn.ReLU(inplace=True),
            nn.Linear(512, num_actions))
        self.shared = shared

    def forward(self, states):
        if not self.shared:
            states = self.conv(states)
        return self.head(states)


class TwinnedQNetwork(nn.Module):
    def __init__(self, num_channels, num_actions, shared=False):
        super().__init__()
        self.Q1 = QNetwork(num_channels, num_actions, shared)
        self.Q2 = QNetwork(num_channels, num_actions, shared)

    def forward(self, states):
        return self.Q1(states), self.Q2(states)
"""


def _result(act: str = "ReLU"):
    return run_on({"model.py": BASE}, {"model.py": CAND.format(act=act)}, only={"layers"})


def test_trunk_moved_into_a_constructor_of_a_constructor_is_not_removed() -> None:
    result = _result()
    assert not any("Nonlinearity changed" in f.title for f in result.findings), [f.title for f in result.findings]
    assert any("moved, not removed" in n.reason for n in result.no_effect)


def test_trunk_nonlinearity_changed_two_deep_is_still_reported() -> None:
    result = _result("Tanh")
    assert any("Nonlinearity changed: relu" in f.title for f in result.findings), \
        [f.title for f in result.findings]
