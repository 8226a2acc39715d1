"""A module-level name renamed consistently is renamed for the functions that read it as a free variable."""

from __future__ import annotations

import re

from investigator.flow.diff import _is_rename
from tests.flow.support import flow_findings

SCRIPT = """
    import torch
    import torch.nn as nn


    class QNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc(x)


    if __name__ == "__main__":
        qf1_key = 0
        exploration_noise = 0.1
        qf1 = QNetwork()
        qf1_state = dict(apply_fn=qf1.forward, params=qf1.parameters(), key=qf1_key)
        qf1.forward = torch.compile(qf1.forward)
        q_optimizer = torch.optim.Adam(qf1_state["params"], lr=3e-4)

        def critic_loss(obs, target):
            q_values = qf1(obs)
            return ((q_values - target) ** 2).mean()

        for step in range(100):
            obs = torch.randn(4, 3) * exploration_noise
            target = torch.randn(4, 1)
            loss = critic_loss(obs, target)
            q_optimizer.zero_grad()
            loss.backward()
            q_optimizer.step()
"""


def _renamed(text: str) -> str:
    """`qf1` -> `qf` as a whole name (`qf1_state` keeps its name, as in the real script), and the noise
    scale inlined: the network's binding is then deleted and added in different blocks of the diff."""
    text = text.replace("        exploration_noise = 0.1\n", "").replace("* exploration_noise", "* 0.1")
    return re.sub(r"\bqf1\b", "qf", text)


def _titles(candidate: str) -> list[str]:
    """The flow findings of the script against `candidate`."""
    return sorted(f.title for f in flow_findings({"train.py": SCRIPT}, {"train.py": candidate}))


def test_module_rename_read_by_nested_function_is_no_change() -> None:
    titles = _titles(_renamed(SCRIPT))
    assert not any("critic_loss" in t for t in titles), titles


def test_module_rename_with_changed_loss_is_still_reported() -> None:
    cand = _renamed(SCRIPT).replace("** 2).mean()", "** 2).sum()")
    assert any("critic_loss" in t for t in _titles(cand))


def test_reading_another_module_level_network_is_a_change() -> None:
    # `qf1` stays and a second network `qf` is new: the loss now reads an untrained other network
    cand = SCRIPT.replace("        qf1 = QNetwork()\n", "        qf1 = QNetwork()\n        qf = QNetwork()\n").replace(
        "q_values = qf1(obs)", "q_values = qf(obs)")
    assert any("critic_loss" in t for t in _titles(cand))


def test_a_name_renamed_in_one_module_is_not_renamed_in_another() -> None:
    # `other.py` imports both networks at both commits; its loss now reads the other one: a change
    other = """
    import torch
    from nets import qf, qf1

    optimizer = torch.optim.Adam(qf1.parameters(), lr=1e-3)


    def loss(obs, target):
        return ((qf1(obs) - target) ** 2).mean()


    def train(batches):
        for obs, target in batches:
            value = loss(obs, target)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
    """
    base = {"train.py": SCRIPT, "other.py": other}
    cand = {"train.py": _renamed(SCRIPT), "other.py": other.replace("return ((qf1(obs)", "return ((qf(obs)")}
    titles = sorted(f.title for f in flow_findings(base, cand))
    assert not any("critic_loss" in t for t in titles), titles
    assert any("`loss`" in t for t in titles), titles


def test_the_same_field_of_another_object_is_not_a_rename() -> None:
    # `qf1.forward` -> `actor.forward`: `actor` is bound at both commits, so `qf1` is not renamed to it
    cand = SCRIPT.replace("qf1.forward = torch.compile(qf1.forward)", "qf1.forward = torch.compile(qf1.fc.forward)")
    assert any("<module>" in t for t in _titles(cand)), _titles(cand)



def test_the_same_field_of_a_renamed_object_is_renamed_with_it() -> None:
    # cleanrl's `qf1_state = TrainState.create(apply_fn=qf1.apply, ...)` -> `(apply_fn=qf.apply, ...)`
    local = (frozenset({"qf1", "qf1_state"}), frozenset({"qf", "qf1_state"}))
    assert _is_rename(["qf1_state", "qf1.apply", "qf1"], ["qf1_state", "qf.apply", "qf"],
                      {"qf1_state", "qf1"}, {"qf1_state", "qf"}, {}, local)


def test_the_same_field_of_another_object_is_no_rename() -> None:
    # `np.bool` -> `jnp.bool`: the receiver itself is not renamed (both are modules bound at both commits)
    local = (frozenset({"mask"}), frozenset({"mask"}))
    assert not _is_rename(["mask", "np.bool", "np"], ["mask", "jnp.bool", "jnp"], {"mask", "np", "jnp"},
                          {"mask", "np", "jnp"}, {}, local)
    assert not _is_rename(["mask", "np.bool"], ["mask", "jnp.bool"], {"mask"}, {"mask"}, {}, local)
