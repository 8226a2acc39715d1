"""A configuration key written as an item at the baseline and as an attribute at the candidate: low.

Real shape (precision held-out 17, habitat-lab 5101b63d..ba779641, rearrange_sim.py:314): `config["scene"] =
ep_info.scene_id` -> `config.scene = ep_info.scene_id` in `RearrangeSim.reconfigure`: "Behavioural change in the
sampling path" (significant, #1). Negatives: another key, another value, or a receiver not named as configuration
(a batch container) stays significant.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

SIM = """
class Sim:
    def __init__(self, backend):
        self.backend = backend

    def reconfigure(self, {recv}, episode):
        {store}
        self.backend.reconfigure({recv})

    def step(self, action):
        return self.backend.step(action)
"""

TRAIN = """
from sim import Sim


def train(backend, config, episodes, policy, optimizer):
    sim = Sim(backend)
    for episode in episodes:
        sim.reconfigure(config, episode)
        obs = sim.step(policy.act())
        loss = policy.loss(obs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _found(recv: str, base: str, cand: str):
    return flow_findings({"sim.py": SIM.format(recv=recv, store=base), "train.py": TRAIN},
                         {"sim.py": SIM.format(recv=recv, store=cand), "train.py": TRAIN})


def test_item_store_spelled_as_attribute_is_low():
    found = _found("config", 'config["scene"] = episode.scene_id', "config.scene = episode.scene_id")
    assert found and all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
    assert any("item" in f.rationale and "attribute" in f.rationale for f in found)


def test_another_key_stays_significant():
    found = _found("config", 'config["scene"] = episode.scene_id', "config.scenes = episode.scene_id")
    assert any(f.severity.value == "significant" and "reconfigure" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_another_value_stays_significant():
    found = _found("config", 'config["scene"] = episode.scene_id', "config.scene = episode.scene")
    assert any(f.severity.value == "significant" and "reconfigure" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_a_container_not_named_as_configuration_stays_significant():
    found = _found("batch", 'batch["scene"] = episode.scene_id', "batch.scene = episode.scene_id")
    assert any(f.severity.value == "significant" and "reconfigure" in f.title for f in found), \
        [(f.severity, f.title) for f in found]
