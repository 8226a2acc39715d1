"""`guards.mentions_of(tree, name)` (what the override scan keeps per file and callee) is
`guards.mentions(tree).get(name, [])`, the same nodes in the same order, on the project's own sources
for every name they mention and for names shadowed by parameters and locals."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import investigator
from investigator.detectors.guards import mentions, mentions_of

SHADOWED = textwrap.dedent("""
    def create(x):
        return x

    class SharedMemory:
        def __init__(self, name=None, create=False, size=0):
            if create:
                pass
            f = lambda create: create
            g = [create for create in range(3)]

    def train(update):
        update()
        create(1)
        obj.create(2)
        return create
""")


def test_mentions_of_is_the_full_index_entry() -> None:
    root = Path(investigator.__file__).parent
    trees = [ast.parse(SHADOWED)] + [ast.parse(p.read_text()) for p in sorted(root.rglob("*.py"))[:60]]
    checked = 0
    for tree in trees:
        full = mentions(tree)
        for name in [*sorted(full)[:80], "create", "update", "nothing_named_so"]:
            assert [id(n) for n in mentions_of(tree, name)] == [id(n) for n in full.get(name, [])], name
            checked += 1
    assert checked > 2000
    shadowed = mentions_of(ast.parse(SHADOWED), "create")
    assert [type(n).__name__ for n in shadowed] == ["Call", "Call", "Name"]
