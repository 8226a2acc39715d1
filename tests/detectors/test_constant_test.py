"""A branch condition made constant by a literal operand (`x == "a" or "b"`). Real shape: OmniIsaacGymEnvs
ccb7758 (bug re-applied), omniisaacgymenvs/utils/domain_randomization/randomize.py:436: `elif
params["distribution"] == "gaussian" or "normal":` sampled every log-uniform randomisation as a normal."""

from __future__ import annotations

import ast

from investigator.detectors.rules.constant_branch import constant_operand
from tests.detectors.helpers import run_on

RANDOMIZE = """
import numpy as np


class Randomizer:
    def generate_distribution(self, params):
        lo, hi = params["distribution_parameters"]
        if params["distribution"] == "uniform":
            return np.random.uniform(lo, hi)
        elif params["distribution"] == "gaussian" or params["distribution"] == "normal":
            return np.random.normal(lo, hi)
        elif params["distribution"] == "loguniform" or params["distribution"] == "log_uniform":
            return np.exp(np.random.uniform(np.log(lo), np.log(hi)))
        else:
            raise ValueError(params["distribution"])
"""

BUGGY = RANDOMIZE.replace('or params["distribution"] == "normal"', 'or "normal"').replace(
    'or params["distribution"] == "log_uniform"', 'or "log_uniform"')


MAIN = """
from randomize import Randomizer

print(Randomizer().generate_distribution({"distribution": "loguniform", "distribution_parameters": (1, 2)}))
"""


def _titles(base: str, cand: str) -> list[str]:
    result = run_on({"randomize.py": base, "main.py": MAIN}, {"randomize.py": cand, "main.py": MAIN})
    return [f"{f.severity.value}: {f.title}" for f in result.findings]


def test_or_with_a_string_literal_is_always_true() -> None:
    found = _titles(RANDOMIZE, BUGGY)
    assert any(t.startswith("significant: Branch condition always true") for t in found), found


def test_membership_rewrite_is_silent() -> None:
    cand = RANDOMIZE.replace(
        'params["distribution"] == "gaussian" or params["distribution"] == "normal"',
        'params["distribution"] in ("gaussian", "normal")')
    found = _titles(RANDOMIZE, cand)
    assert not any("Branch condition" in t for t in found), found


def test_fixing_the_condition_is_silent() -> None:
    found = _titles(BUGGY, RANDOMIZE)
    assert not any("Branch condition" in t for t in found), found


def test_unreachable_code_is_not_reported() -> None:
    result = run_on({"randomize.py": RANDOMIZE}, {"randomize.py": BUGGY}, only={"constant_test"}, reachable=False)
    assert not any("Branch condition" in f.title for f in result.findings)


def test_constant_operand_shapes() -> None:
    def found(text: str) -> bool:
        return constant_operand(ast.parse(text, mode="eval").body) is not None

    assert found('x == "a" or "b"')
    assert found('not (x == 1 or 2)')
    assert found('ok and (x == "a" or "b")')
    assert found('x > 0 and 0')
    assert not found('x or y')
    assert not found('0 or x')  # a default idiom: the literal comes first
    assert not found('x == "a" or x == "b"')
    assert not found('x == "a" and "b"')  # truthy in `and`: not constant
    assert not found('x or 0')  # falsy in `or`: not constant
