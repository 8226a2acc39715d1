"""A plain value stored on a network that no file reads is no effect (real shape: stable-baselines3-contrib
2.6 removed `self.step = 0` from `BatchRenorm.__init__`, whose counter is `self.steps`: read as a significant
architecture change)."""

from __future__ import annotations

from tests.flow.support import flow_findings, flow_result

BASE = """
    import torch
    from torch import nn


    class BatchRenorm(nn.Module):
        def __init__(self, n, momentum=0.01):
            super().__init__()
            self.momentum = momentum
            self.scale = 1.0
            self.step = 0
            self.register_buffer("steps", torch.tensor(0))
            self.register_buffer("ra_mean", torch.zeros(n))

        def forward(self, x):
            if self.training:
                self.ra_mean += self.momentum * (x.mean(0).detach() - self.ra_mean)
                self.steps += 1
            return (x - self.ra_mean) * self.scale


    def update(net, optimizer, x, y):
        loss = ((BatchRenorm(4)(net(x)) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def test_removing_a_store_nobody_reads_is_no_effect() -> None:
    cand = BASE.replace("            self.step = 0\n", "")
    result = flow_result({"net.py": BASE}, {"net.py": cand})
    assert result.findings == [], [f.title for f in result.findings]


def test_a_stored_value_that_is_read_is_still_a_change() -> None:
    cand = BASE.replace("self.scale = 1.0", "self.scale = 2.0")
    assert len(flow_findings({"net.py": BASE}, {"net.py": cand})) == 1


def test_an_unread_layer_still_changes_the_network() -> None:
    cand = BASE.replace("            self.step = 0\n", "            self.head = nn.Linear(n, n)\n")
    assert len(flow_findings({"net.py": BASE}, {"net.py": cand})) == 1


def test_a_store_read_by_another_file_is_still_a_change() -> None:
    other = """
        def report(net):
            return net.step * 2
    """
    cand = BASE.replace("self.step = 0", "self.step = 5")
    assert len(flow_findings({"net.py": BASE, "other.py": other}, {"net.py": cand, "other.py": other})) == 1
