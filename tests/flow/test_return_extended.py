"""A function that returns its old value plus a new element, to callers that all unpack it, is no
change of that value. Real shape: d3rlpy 2.0's discrete CQL `compute_loss` returns `loss +
alpha * conservative_loss, conservative_loss`; `update` unpacks it, back-propagates the same loss
and logs the second value. It was "Behavioural change in the loss path"."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse

BASE = """
    class CQL:
        def __init__(self, q_func, optim, alpha):
            self.q_func = q_func
            self.optim = optim
            self.alpha = alpha

        def compute_loss(self, batch):
            loss = (self.q_func(batch.obs) - batch.target).pow(2).mean()
            conservative_loss = self.q_func(batch.obs).logsumexp(dim=1).mean()
            return loss + self.alpha * conservative_loss

        def update(self, batch):
            self.optim.zero_grad()
            loss = self.compute_loss(batch)
            loss.backward()
            self.optim.step()
            return [float(loss)]


    def fit(q_func, optim, batches):
        algo = CQL(q_func, optim, 1.0)
        for batch in batches:
            algo.update(batch)
"""

EXTENDED = BASE.replace("return loss + self.alpha * conservative_loss",
                        "return (loss + self.alpha * conservative_loss, conservative_loss)").replace(
    "loss = self.compute_loss(batch)\n", "loss, cql_loss = self.compute_loss(batch)\n").replace(
    "return [float(loss)]", "return [float(loss), float(cql_loss)]")


def _result(base: str, cand: str):
    b = MemoryTree({"cql.py": textwrap.dedent(base).lstrip()})
    c = MemoryTree({"cql.py": textwrap.dedent(cand).lstrip()})
    return analyse(build_pairs(b, c, diff_trees(b, c)))


def test_a_return_extended_for_logging_and_unpacked_is_no_change():
    assert "loss, cql_loss = self.compute_loss(batch)" in EXTENDED
    result = _result(BASE, EXTENDED)
    assert not [f.title for f in result.findings if "compute_loss" in f.title], [f.title for f in result.findings]
    assert any(n.title == "Return value extended in `cql.py:CQL.compute_loss`" for n in result.no_effect)


def test_a_changed_first_element_is_still_a_change():
    changed = EXTENDED.replace("(loss + self.alpha * conservative_loss, conservative_loss)",
                               "(loss + 2.0 * self.alpha * conservative_loss, conservative_loss)")
    result = _result(BASE, changed)
    assert [f.title for f in result.findings if "compute_loss" in f.title]


def test_a_caller_that_keeps_the_whole_tuple_is_still_a_change():
    whole = EXTENDED.replace("loss, cql_loss = self.compute_loss(batch)\n", "loss = self.compute_loss(batch)\n").replace(
        "float(cql_loss)", "float(loss[1])")
    result = _result(BASE, whole)
    assert [f.title for f in result.findings if "compute_loss" in f.title]
