"""A run of short statements moved together from one function to another is moved code, not two
changes. Real shape: PufferLib moved its `--vector` string -> backend class mapping from
`if __name__ == '__main__':` into `train()`; both ends were "Behavioural change in the optimizer
path". A block that changed on the way, or a single short statement, is still compared."""

from __future__ import annotations

import textwrap

from tests.flow.support import flow_result

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


def _findings(base: str, cand: str):
    backends = "def make(*a, **k):\n    return a\n"
    return flow_result({"demo.py": base, "backends.py": backends}, {"demo.py": cand, "backends.py": backends})


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
