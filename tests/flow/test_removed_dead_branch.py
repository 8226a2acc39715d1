"""Removed code that never ran at the baseline is no behavioural change.

Real shape (PufferLib, between two commits of its `clean_pufferl.py`): `create(config, vecenv, policy,
optimizer=None, wandb=None, policy_pool=False)` dropped its `policy_pool` parameter together with
`if policy_pool: policy = PolicyPool(...)`, and no call in the tree passed `policy_pool`. The flow
analyzer placed the removed wrapper on the optimizer path ("Behavioural change in the optimizer path:
`create`", significant, the top finding of a range that also held a real regression). Each positive
has negative twins in which the removed code did run: a caller passes the option, its default is on,
or the removed statement was not behind the option at all."""

from __future__ import annotations

import ast

from investigator.detectors.guards import Side, dead_reason
from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from investigator.models import Finding
from tests.flow.support import src as _src

TRAINER_BASE = """
    import torch


    class Pool:
        def __init__(self, policy):
            self.policy = policy


    def create(config, policy, optimizer=None, pool=POOL_DEFAULT):
        optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
        if pool:
            policy = Pool(policy)
        UNCONDITIONAL
        return policy, optimizer


    def train(config, policy, batches):
        policy, optimizer = CALL
        for obs, target in batches:
            loss = ((policy(obs) - target) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

TRAINER_CAND = """
    import torch


    class Pool:
        def __init__(self, policy):
            self.policy = policy


    def create(config, policy, optimizer=None):
        optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
        return policy, optimizer


    def train(config, policy, batches):
        policy, optimizer = CAND_CALL
        for obs, target in batches:
            loss = ((policy(obs) - target) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _judged(default: str = "False", call: str = "create(config, policy)",
            unconditional: str = "") -> tuple[list[Finding], list[str | None]]:
    base = {"trainer.py": _src(TRAINER_BASE.replace("POOL_DEFAULT", default).replace("CALL", call)
                               .replace("UNCONDITIONAL", unconditional or "pass"))}
    cand = {"trainer.py": _src(TRAINER_CAND.replace("CAND_CALL", "create(config, policy)"))}
    for text in (*base.values(), *cand.values()):
        ast.parse(text)
    b, c = MemoryTree(base), MemoryTree(cand)
    findings = analyse(build_pairs(b, c, diff_trees(b, c))).findings
    sides = {"baseline": Side("baseline", b.read_text, b.paths()), "candidate": Side("candidate", c.read_text, c.paths())}
    return findings, [dead_reason(f, sides) for f in findings]


def _create_finding(findings: list[Finding], reasons: list[str | None]) -> str | None:
    hits = [r for f, r in zip(findings, reasons, strict=True) if "`create`" in f.title]
    assert len(hits) == 1, [f.title for f in findings]
    return hits[0]


def test_a_removed_branch_behind_an_option_no_call_passes_is_no_change():
    findings, reasons = _judged()
    reason = _create_finding(findings, reasons)
    assert reason is not None and "never ran at the baseline" in reason and "`pool` = False" in reason, reason
    removed = findings[0].evidence[0].details["removed_lines"]
    assert removed == [12], removed  # the removed `if pool:` stands for its body's first line


def test_a_caller_that_passes_the_option_ran_the_removed_code():
    findings, reasons = _judged(call="create(config, policy, pool=True)")
    assert _create_finding(findings, reasons) is None
    findings, reasons = _judged(call="create(config, policy, None, True)")
    assert _create_finding(findings, reasons) is None


def test_an_option_on_by_default_ran_the_removed_code():
    findings, reasons = _judged(default="True")
    assert _create_finding(findings, reasons) is None


def test_a_removed_statement_outside_the_branch_ran():
    findings, reasons = _judged(unconditional="policy.train()")
    assert _create_finding(findings, reasons) is None
    assert "removed_lines" in findings[0].evidence[0].details  # removals only, but not all dead


def _mentioned(text: str) -> bool:
    from investigator.detectors.guards import mentions

    return "create" in mentions(ast.parse(_src(text)))


def test_a_parameter_or_local_of_the_same_name_is_not_a_mention_of_the_function():
    assert not _mentioned("""
        class SharedMemory:
            def __init__(self, name=None, create=False):
                if create:
                    self.flags = 1
                    ready = lambda create=True: create
    """)
    assert not _mentioned("""
        def f():
            create = make()
            return create
    """)


def test_the_function_itself_used_as_a_value_is_still_a_mention():
    assert _mentioned("REGISTRY = {'default': create}\n")
    assert _mentioned("""
        def run(factory=create):
            return factory()
    """)
    assert _mentioned("""
        def outer():
            def inner():
                return create
            create_it = inner
            return create_it
    """)
    assert _mentioned("""
        def f(create=None):
            def g():
                global create
                return create
            return g
    """)
