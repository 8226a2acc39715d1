"""A branch inserted before an error the baseline raised changes no run that worked.

Real shape (PufferLib 8283cdcc..f68a41a2): `make_zeros_like(data)` gained
`elif isinstance(data, (int, float)): return 0` before `else: raise ValueError(...)`, reported as
"Behavioural change in the environment path" (significant). Negatives: a branch inserted before a
fall-through (the baseline returned something for those inputs), and a carved case with another edit."""

from __future__ import annotations

from tests.flow.support import flow_result

UTILS = """
import numpy as np


def make_zeros_like(data):
    if isinstance(data, dict):
        return {{k: make_zeros_like(v) for k, v in data.items()}}
    elif isinstance(data, np.ndarray):
        return np.zeros_like(data)
{new}    else:
        {last}
"""

ENV = """
import utils


class Env:
    def reset(self):
        obs = self.env.reset()
        self.dummy = utils.make_zeros_like(obs)
        return obs

    def step(self, action):
        obs, reward, done, info = self.env.step(action)
        if done:
            obs = self.dummy
        return obs, reward, done, info
"""

NEW = "    elif isinstance(data, (int, float)):\n        return 0\n"
RAISE = "raise ValueError(f'Unsupported type: {type(data)}')"


def _result(base_last: str, cand_new: str, cand_last: str):
    base = {"utils.py": UTILS.format(new="", last=base_last), "env.py": ENV}
    cand = {"utils.py": UTILS.format(new=cand_new, last=cand_last), "env.py": ENV}
    return flow_result(base, cand)


def test_a_case_carved_out_of_a_raise_is_no_change():
    result = _result(RAISE, NEW, RAISE)
    assert result.findings == [], [f.title for f in result.findings]
    assert any(n.title.startswith("Case added") for n in result.no_effect)


def test_a_case_carved_out_of_a_fall_through_is_still_a_change():
    result = _result("return data", NEW, "return data")
    assert not any(n.title.startswith("Case added") for n in result.no_effect)
    assert result.findings, [n.title for n in result.no_effect]


def test_a_carved_case_with_another_edit_is_still_a_change():
    result = _result(RAISE, NEW, "return data")
    assert not any(n.title.startswith("Case added") for n in result.no_effect)


def test_an_early_return_inserted_before_a_raise_is_no_change():
    base = {"utils.py": "def size(x):\n    if isinstance(x, list):\n        return len(x)\n    raise TypeError(x)\n", "env.py": ENV.replace("make_zeros_like", "size")}
    cand = {"utils.py": "def size(x):\n    if isinstance(x, list):\n        return len(x)\n    if isinstance(x, int):\n        return 1\n    raise TypeError(x)\n", "env.py": ENV.replace("make_zeros_like", "size")}
    result = flow_result(base, cand)
    assert any(n.title.startswith("Case added") for n in result.no_effect), [f.title for f in result.findings]
