"""A run of short statements moved together from one function to another is moved code, not two
changes. Real shape: PufferLib moved its `--vector` string -> backend class mapping from
`if __name__ == '__main__':` into `train()`; both ends were "Behavioural change in the optimizer
path". A block that changed on the way, or a single short statement, is still compared."""

from __future__ import annotations

import ast
import textwrap

from investigator.flow.analyzer import PairReport, _classify, _drop_moved
from investigator.flow.diff import UnitChange
from investigator.flow.graph import linked_flows
from investigator.models import AnalyzerResult
from tests.flow.support import flow_result, pair_index

MAPPING = """\
vec = args.vector
if vec == 'serial':
    args.vector = backends.Serial
elif vec == 'multiprocessing':
    args.vector = backends.Multiprocessing
else:
    raise ValueError('Invalid --vector')
"""

BASE = """\
import argparse

import backends


def train(args):
    envs = backends.make(args.env, backend=args.vector, num_envs=args.num_envs)
    model = backends.Policy(envs)
    optimizer = backends.Adam(model.parameters(), lr=args.lr)
    for batch in envs.rollouts():
        loss = model.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--vector', default='serial')
    args = parser.parse_args()
MAIN_MAPPING
    train(args)
"""


def _base(mapping: str = MAPPING) -> str:
    return BASE.replace("MAIN_MAPPING\n", textwrap.indent(mapping, "    "))


def _moved(mapping: str = MAPPING) -> str:
    text = BASE.replace("MAIN_MAPPING\n", "")
    return text.replace("def train(args):\n", "def train(args):\n" + textwrap.indent(mapping, "    "))


BACKENDS = "def make(*a, **k):\n    return a\n"


def _findings(base: str, cand: str):
    return flow_result({"demo.py": base, "backends.py": BACKENDS}, {"demo.py": cand, "backends.py": BACKENDS})


def test_a_block_moved_from_main_into_train_is_moved_code():
    result = _findings(_base(), _moved())
    assert result.findings == [], [f.title for f in result.findings]
    assert any(n.title.startswith("Moved code in `demo.py:train`") for n in result.no_effect)


def test_a_block_that_changed_on_the_way_is_still_a_change():
    changed = MAPPING.replace("args.vector = backends.Multiprocessing", "args.vector = backends.Ray")
    result = _findings(_base(), _moved(changed))
    assert result.findings, [n.title for n in result.no_effect]


def test_two_short_statements_are_no_block():
    short = "vec = args.vector\nargs.vector = backends.Serial\n"
    result = _findings(_base(short), _moved(short))
    assert not any(n.title.startswith("Moved code") for n in result.no_effect)


def _report_pairing(moved_text: str, new_text: str):
    """`_drop_moved` on a report whose one change pairs a moved baseline statement (`moved_text`)
    with a candidate statement (`new_text`) that did not move, placed by the moved side."""
    new_main = "if args.mode == 'train':\n    train(args)\nelif args.mode == 'evaluate':\n    print('evaluating', args.env)\n"
    base = _base()
    cand = _moved().replace("    train(args)\n", textwrap.indent(new_main, "    "))
    index = pair_index({"demo.py": base, "backends.py": BACKENDS}, {"demo.py": cand, "backends.py": BACKENDS})
    flows = linked_flows(index)
    pair = next(p for p in index.pairs if p.base is not None and p.base.qualname == "<module>")
    assert pair.cand is not None
    old = next(u for u in flows["baseline"].units(pair.base) if ast.unparse(u.node).startswith(moved_text))
    new = next(u for u in flows["candidate"].units(pair.cand) if ast.unparse(u.node).startswith(new_text))
    change = UnitChange(old, new)
    placed = _classify(change, old, flows["baseline"].place([old]), flows["baseline"])
    assert placed.verdict == "on", placed  # the moved statement reaches the optimizer
    report = PairReport(pair, placed=[placed])
    result = AnalyzerResult(analyzer="behavioural_change")
    return _drop_moved([report], {id(old.node)}, result, flows), new


def test_a_moved_statement_paired_with_a_new_one_is_judged_by_the_new_one():
    """The diff paired the moved `args.vector = pufferlib.vector.Serial` with a new
    `if args.mode == 'evaluate':` (PufferLib 9aa817f7..d4d17e69), and the pair was reported on the
    optimizer path through the moved statement's flow. The moved side is compared where it went; what
    is left is the new statement alone, placed by itself."""
    kept, new = _report_pairing("args.vector = backends.Serial", "print('evaluating'")
    placed = [p for r in kept for p in r.placed]
    assert all(p.unit is new and p.change.base is None for p in placed), placed
    assert not any(p.verdict == "on" for p in placed), placed


def test_a_new_statement_paired_with_a_moved_one_that_reaches_training_stays_on_the_flow():
    kept, new = _report_pairing("args.vector = backends.Serial", "if args.mode == 'train':")
    placed = [p for r in kept for p in r.placed]
    assert [p.unit for p in placed] == [new] and placed[0].verdict == "on", placed
