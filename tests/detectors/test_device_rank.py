"""A changed device placement ranks below a one-statement change of the learning signal.

Real shapes (ElegantRL, held-out 5 `erl-doubledqn-gather-shape`, used; DeepRL/d3rlpy/PufferLib sweep readings
in docs/accuracy.md): "Device placement changed" (a new script choosing `cuda if available else cpu`, `.cpu()`
of logged losses, a CPU-offload option) came at 0.75, above the anonymous flow finding of a one-line change of
the double-DQN loss (0.74). Where tensors live changes speed first and what is learned rarely; the flow's own
order puts the device path last. Negative: the device finding is still reported, significant.
"""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import PATHS, _place_confidence, analyse
from investigator.models import Severity
from investigator.ranking import rank_findings
from tests.detectors.helpers import run_on

TRAIN = """
import torch


def update(net, optimizer, batch, gamma=0.99):
    device = torch.device("cuda")
    q = net(batch["obs"].to(device)).gather(1, batch["act"])
    target = batch["rew"] + gamma * batch["mask"] * net(batch["next_obs"].to(device)).max(1, keepdim=True)[0]
    loss = torch.nn.functional.smooth_l1_loss(q, target.detach())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


if __name__ == "__main__":
    net = torch.nn.Linear(4, 2)
    opt = torch.optim.Adam(net.parameters())
    for _ in range(10):
        update(net, opt, {})
"""

CAND = TRAIN.replace('torch.device("cuda")', 'torch.device("cpu")').replace(
    "net(batch[\"obs\"].to(device)).gather(1, batch[\"act\"])", "net(batch[\"obs\"].to(device)).gather(1, batch[\"act\"].long())"
).replace("gamma * batch[\"mask\"]", "gamma * (1 - batch[\"mask\"])")


def test_device_confidence_is_below_every_place_of_the_learning_signal() -> None:
    out = run_on({"train.py": TRAIN}, {"train.py": CAND})
    device = [f for f in out.findings if f.source.endswith("device_placement")]
    assert device and device[0].severity is Severity.significant
    for place in PATHS[:PATHS.index("environment") + 1]:
        assert device[0].confidence < _place_confidence(0.7, place, 0), place


def test_a_one_line_target_change_ranks_above_the_device_change() -> None:
    base, cand = MemoryTree({"train.py": textwrap.dedent(TRAIN)}), MemoryTree({"train.py": textwrap.dedent(CAND)})
    flow = analyse(build_pairs(base, cand, diff_trees(base, cand))).findings
    detectors = run_on({"train.py": TRAIN}, {"train.py": CAND}).findings
    ranked = rank_findings([*flow, *detectors])
    titles = [f.title for f in ranked]
    first_device = next(i for i, f in enumerate(ranked) if f.source.endswith("device_placement"))
    signal = [i for i, f in enumerate(ranked) if f.severity is Severity.significant and f.source == "behavioural_change"
              and any(w in f.title for w in ("loss path", "target path"))]
    assert signal and min(signal) < first_device, titles
