"""A field of a batch object renamed consistently, and an `assert` dropped, are no behavioural change.
Real shape: d3rlpy 2.0 renamed the mini-batch's `n_steps` to `intervals` (the same n-step count) and
dropped the type-narrowing `assert self._q_func is not None` from every `compute_loss`; the loss of
DQN, SAC, DDPG, IQL and the FQE estimators was reported as "Behavioural change in the loss path",
and the discrete CQL's extended return (read by its caller) was too, only because of the assert."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from tests.flow.support import flow_findings

BASE = """
    class QFunction:
        def compute_error(self, obs, rewards, target, gamma):
            return ((self.net(obs) - (rewards + gamma * target)) ** 2).mean()


    class DQNImpl:
        def __init__(self, q_func, optim, gamma):
            self._q_func = q_func
            self._optim = optim
            self._gamma = gamma

        def compute_loss(self, batch, target):
            assert self._q_func is not None
            return self._q_func.compute_error(batch.observations, batch.rewards, target,
                                              gamma=self._gamma ** batch.n_steps)

        def update(self, batch, target):
            self._optim.zero_grad()
            loss = self.compute_loss(batch, target)
            loss.backward()
            self._optim.step()
            return float(loss)


    def fit(q_func, optim, batches, target):
        impl = DQNImpl(q_func, optim, 0.99)
        for batch in batches:
            impl.update(batch, target)
"""

RENAMED = BASE.replace("            assert self._q_func is not None\n", "").replace("batch.n_steps", "batch.intervals")


def _titles(base: str, cand: str) -> list[str]:
    b = MemoryTree({"dqn.py": textwrap.dedent(base).lstrip()})
    c = MemoryTree({"dqn.py": textwrap.dedent(cand).lstrip()})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_a_renamed_batch_field_and_a_dropped_assert_are_no_change():
    assert "batch.intervals" in RENAMED and "assert" not in RENAMED
    found = _titles(BASE, RENAMED)
    assert not [t for t in found if "compute_loss" in t], found


def test_a_dropped_assert_alone_is_no_change():
    found = _titles(BASE, BASE.replace("            assert self._q_func is not None\n", ""))
    assert found == [], found


def test_a_field_whose_old_name_is_still_read_in_the_module_is_another_field():
    """`batch.n_steps` -> `batch.horizon` while `batch.n_steps` is still read elsewhere in the module:
    the two names are two fields, the exponent changed."""
    other = RENAMED.replace("batch.intervals", "batch.horizon").replace(
        "            return float(loss)", "            return float(loss), batch.n_steps")
    found = _titles(BASE, other)
    assert [t for t in found if "compute_loss" in t], found


def test_a_module_attribute_is_not_a_field():
    """`torch.float32` -> `torch.float16`: attributes of an imported module, not of a local object."""
    base = BASE.replace("class QFunction:", "import torch\n\n\n    class QFunction:").replace(
        "gamma=self._gamma ** batch.n_steps", "gamma=torch.tensor(self._gamma, dtype=torch.float32)")
    cand = base.replace("torch.float32", "torch.float16")
    found = _titles(base, cand)
    assert [t for t in found if "compute_loss" in t], found


def test_a_dropped_assert_beside_a_real_change_leaves_the_change():
    cand = BASE.replace("            assert self._q_func is not None\n", "").replace(
        "self._gamma ** batch.n_steps", "self._gamma ** (batch.n_steps + 1)")
    found = _titles(BASE, cand)
    assert [t for t in found if "compute_loss" in t], found


CQL_BASE = """
    class DiscreteCQLImpl:
        def __init__(self, q_func, optim, alpha):
            self._q_func = q_func
            self._optim = optim
            self._alpha = alpha

        def compute_loss(self, batch):
            assert self._q_func is not None
            loss = (self._q_func(batch.obs) - batch.target).pow(2).mean()
            conservative_loss = self._q_func(batch.obs).logsumexp(dim=1).mean()
            return loss + self._alpha * conservative_loss

        def update(self, batch):
            self._optim.zero_grad()
            loss = self.compute_loss(batch)
            loss.backward()
            self._optim.step()
            return [float(loss)]


    def fit(q_func, optim, batches):
        algo = DiscreteCQLImpl(q_func, optim, 1.0)
        for batch in batches:
            algo.update(batch)
"""

CQL_EXTENDED = CQL_BASE.replace("            assert self._q_func is not None\n", "").replace(
    "return loss + self._alpha * conservative_loss", "return (loss + self._alpha * conservative_loss, conservative_loss)"
).replace("loss = self.compute_loss(batch)\n", "loss, cql_loss = self.compute_loss(batch)\n").replace(
    "return [float(loss)]", "return [float(loss), float(cql_loss)]")


def test_a_return_extended_for_logging_with_its_assert_dropped_is_no_change():
    """The d3rlpy discrete CQL: the extended return (tests/flow/test_return_extended.py) with the
    type-narrowing assert dropped in the same edit."""
    found = _titles(CQL_BASE, CQL_EXTENDED)
    assert not [t for t in found if "compute_loss" in t], found


def test_an_assert_replaced_by_a_raise_is_compared_as_the_same_check():
    cand = CQL_BASE.replace("            assert self._q_func is not None\n",
                            "            if self._q_func is None:\n                raise ValueError('no q')\n")
    assert _titles(CQL_BASE, cand) == []
    changed = CQL_EXTENDED.replace("(loss + self._alpha * conservative_loss, conservative_loss)",
                                   "(loss + 2.0 * self._alpha * conservative_loss, conservative_loss)")
    found = _titles(CQL_BASE, changed)
    assert [t for t in found if "compute_loss" in t], found


HIERARCHY = """
    class DQNImpl:
        def __init__(self, q_func, optim, alpha):
            self._q_func = q_func
            self._optim = optim
            self._alpha = alpha

        def compute_loss(self, batch):
            return (self._q_func(batch.obs) - batch.target).pow(2).mean()

        def update(self, batch):
            self._optim.zero_grad()
            loss = self.compute_loss(batch)
            loss.backward()
            self._optim.step()
            return [float(loss)]


    class DiscreteCQLImpl(DQNImpl):
        def compute_loss(self, batch):
            loss = super().compute_loss(batch)
            conservative_loss = self._q_func(batch.obs).logsumexp(dim=1).mean()
            return loss + self._alpha * conservative_loss

        def update(self, batch):
            self._optim.zero_grad()
            loss = self.compute_loss(batch)
            loss.backward()
            self._optim.step()
            return [float(loss)]


    class DiscreteBCQImpl(DQNImpl):
        def compute_loss(self, batch):
            loss = super().compute_loss(batch)
            return loss + self._alpha * self._q_func(batch.obs).pow(2).mean()


    def fit(q_func, optim, batches, conservative):
        algo = DiscreteCQLImpl(q_func, optim, 1.0) if conservative else DiscreteBCQImpl(q_func, optim, 1.0)
        for batch in batches:
            algo.update(batch)
"""

HIERARCHY_EXTENDED = HIERARCHY.replace(
    "return loss + self._alpha * conservative_loss", "return (loss + self._alpha * conservative_loss, conservative_loss)"
).replace("""            loss = self.compute_loss(batch)
            loss.backward()
            self._optim.step()
            return [float(loss)]


    class DiscreteBCQImpl""", """            loss, cql_loss = self.compute_loss(batch)
            loss.backward()
            self._optim.step()
            return [float(loss), float(cql_loss)]


    class DiscreteBCQImpl""")


def test_super_calls_and_an_overridden_base_caller_are_not_callers_of_the_override():
    """d3rlpy's shape: `DiscreteCQLImpl.compute_loss` is called by its own `update` (which unpacks
    it); `super().compute_loss` of the subclasses runs `DQNImpl.compute_loss`, and `DQNImpl.update`
    never runs on a `DiscreteCQLImpl`, which overrides it. Both were counted as callers that keep
    the whole tuple."""
    assert HIERARCHY_EXTENDED.count("loss, cql_loss = self.compute_loss(batch)") == 1
    found = _titles(HIERARCHY, HIERARCHY_EXTENDED)
    assert not [t for t in found if "compute_loss" in t], found


def test_a_base_caller_the_subclass_does_not_override_still_reads_the_whole_tuple():
    """Without its own `update`, `DiscreteCQLImpl` objects run `DQNImpl.update`, which keeps the tuple."""
    start = HIERARCHY_EXTENDED.index("        def update(self, batch):", HIERARCHY_EXTENDED.index("class DiscreteCQLImpl"))
    end = HIERARCHY_EXTENDED.index("    class DiscreteBCQImpl")
    cand = HIERARCHY_EXTENDED[:start] + "\n" + HIERARCHY_EXTENDED[end:]
    base_start = HIERARCHY.index("        def update(self, batch):", HIERARCHY.index("class DiscreteCQLImpl"))
    base = HIERARCHY[:base_start] + "\n" + HIERARCHY[HIERARCHY.index("    class DiscreteBCQImpl"):]
    found = _titles(base, cand)
    assert [t for t in found if "compute_loss" in t], found


SEGMENT_TREE = """
    class SumTree:
        def __init__(self, capacity):
            self._value = [0.0] * (2 * capacity)
            self._capacity = capacity

        def total(self):
            return self._value[1]

        def find_prefixsum_idx(self, prefixsum):
            assert 0 <= prefixsum <= self.total() + 1e-5
            idx = 1
            while idx < self._capacity:
                if self._value[2 * idx] > prefixsum:
                    idx = 2 * idx
                else:
                    prefixsum -= self._value[2 * idx]
                    idx = 2 * idx + 1
            return idx - self._capacity
"""

REPLAY = """
    import random

    from tree import SumTree


    class PrioritizedReplay:
        def __init__(self, capacity):
            self._tree = SumTree(capacity)

        def sample(self, batch_size):
            res = []
            every_range_len = self._tree.total() / batch_size
            for i in range(batch_size):
                mass = random.random() * every_range_len + i * every_range_len
                res.append(self._tree.find_prefixsum_idx(mass))
            return res
"""

LEARN = "from replay import PrioritizedReplay\nbuffer = PrioritizedReplay(8)\nfor _ in range(10):\n" \
        "    batch = buffer.sample(4)\n    loss = batch.mean()\n    loss.backward()\n"


def test_a_changed_value_reaching_an_assertion_both_commits_make_is_a_change():
    """Real shape (openai baselines' prioritized replay, stratified sampling undone): the sampled mass
    reaches the sum tree's `assert 0 <= prefixsum <= ...` and then a while loop the expansion does not
    follow; the assertion is where the two commits differ, and it is on both sides."""
    cand = REPLAY.replace(
        "            every_range_len = self._tree.total() / batch_size\n            for i in range(batch_size):\n"
        "                mass = random.random() * every_range_len + i * every_range_len\n",
        "            for _ in range(batch_size):\n                mass = random.random() * self._tree.total()\n")
    assert cand != REPLAY
    found = flow_findings({"tree.py": SEGMENT_TREE, "replay.py": REPLAY, "learn.py": LEARN},
                          {"tree.py": SEGMENT_TREE, "replay.py": cand, "learn.py": LEARN})
    assert [f.title for f in found if "PrioritizedReplay.sample" in f.title], [f.title for f in found]
