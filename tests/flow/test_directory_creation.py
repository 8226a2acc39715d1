"""Creating a directory computes nothing training reads: `logdir.mkdir()` / `os.makedirs(d, exist_ok=True)` added
or removed is no behavioural change.

Real shape (dreamerv3 ec433ce1..e3f02248, precision held-out 9): `train()` dropped `logdir.mkdir()`; the flow read the
bare call as defining `logdir` (the receiver of a method call) and followed it through the checkpoint path into the
replay chunks it loads: "Behavioural change in the optimizer path: `train`", significant. A directory's creation only
decides whether a later write into it fails; what is read from it is the same. Negative: the replay
loaded from another directory.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = """
import os
import pathlib
import random

import numpy as np
import torch


class Replay:
    def __init__(self):
        self.items = []

    def load(self, directory):
        for filename in sorted(directory.glob("*.npz")):
            data = np.load(filename)
            self.items.append(data)

    def sample(self):
        return random.choice(self.items)


def train(model, optimizer, replay, args):
    logdir = pathlib.Path(args.logdir)
    logdir.mkdir()
    os.makedirs(args.outdir, exist_ok=True)
    replay.load(logdir / "replay")
    for _ in range(args.steps):
        obs, target = replay.sample()
        loss = ((model(torch.as_tensor(obs)) - torch.as_tensor(target)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main(model, optimizer, args):
    train(model, optimizer, Replay(), args)
"""


def _loud(cand: str) -> list[str]:
    found = flow_findings({"train.py": TRAIN}, {"train.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_directory_created_or_not_is_no_change() -> None:
    assert _loud(TRAIN.replace("    logdir.mkdir()\n", "")) == []
    assert _loud(TRAIN.replace("    os.makedirs(args.outdir, exist_ok=True)\n", "")) == []
    assert _loud(TRAIN.replace("logdir.mkdir()", "logdir.mkdir(parents=True, exist_ok=True)")) == []


def test_a_checkpoint_not_loaded_is_a_change() -> None:
    cand = TRAIN.replace('replay.load(logdir / "replay")', 'replay.load(logdir / "replay_old")')
    assert any("train" in t for t in _loud(cand)), _loud(cand)
