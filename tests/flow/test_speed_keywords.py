"""A data loader's `pin_memory` (or another speed-only keyword) edited: low, the batches are the same.

Real shape (prime-rl 9b9de2f1..559b4477, src/prime_rl/trainer/sft/data.py:681): `StatefulDataLoader(...,
pin_memory=config.num_workers > 0)` -> `pin_memory=True`: "Behavioural change in the loss path" (significant, #1).
Negative: `batch_size` edited in the same call stays a significant change.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

DATA = """
from torch.utils.data import DataLoader


def setup_dataloader(dataset, config):
    return DataLoader(
        dataset,
        batch_size={batch},
        num_workers=config.num_workers,
        pin_memory={pin},
    )
"""

TRAIN = """
from data import setup_dataloader


def train(model, optimizer, dataset, config):
    loader = setup_dataloader(dataset, config)
    for batch in loader:
        loss = model(batch).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _found(batch: str, pin: str):
    return flow_findings({"data.py": DATA.format(batch="1", pin="config.num_workers > 0"), "train.py": TRAIN},
                         {"data.py": DATA.format(batch=batch, pin=pin), "train.py": TRAIN})


def test_pin_memory_edit_is_low():
    found = _found("1", "True")
    assert found and all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
    assert any("`pin_memory`" in f.rationale and "not which values" in f.rationale for f in found)


def test_batch_size_edited_beside_it_stays_significant():
    found = _found("8", "True")
    assert any(f.severity.value == "significant" and "setup_dataloader" in f.title for f in found), \
        [(f.severity, f.title) for f in found]
