"""Beyond `MAX_PLACED_PER_PAIR` changed statements of one pair, the rest share the last placement
computed, even when every statement placed before was left to another finding (then nothing was
appended to the report yet). Before, that case raised IndexError and the pair became a recorded
failure (PufferLib 73aaa5a8..cb116bca, `Policy.encode_observations`, in the two-process run)."""

from __future__ import annotations

import pytest

import investigator.flow.analyzer as analyzer
from tests.flow.support import flow_result

TRAIN = """
import torch


def train(model, optimizer, data):
    for batch in data:
        loss = (model(batch) - batch.target).pow(2).mean() * SCALE
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(None, None, [])
"""


def test_statements_beyond_the_cap_share_the_last_computed_placement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyzer, "MAX_PLACED_PER_PAIR", 0)
    result = flow_result({"train.py": TRAIN.replace("SCALE", "1.0")}, {"train.py": TRAIN.replace("SCALE", "0.5")})
    assert not result.failures, [f.message for f in result.failures]
    assert [f.title for f in result.findings if "loss path" in f.title], [f.title for f in result.findings]
