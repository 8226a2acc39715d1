"""A dtype named in a test (`if v.dtype == np.float64:`) is a check, not a precision choice.

Real shape (rl_games, two ranges): the float64 -> float32 cast of dict observations, guarded by
`if v.dtype == np.float64:`, was kept and extended to nested dicts; the extra `np.float64` in the new
test was "Precision changed: `np.float64` at the candidate", significant."""

from __future__ import annotations

import textwrap

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees

BASE = """
    import numpy as np


    def compact(x):
        return x.astype(np.float16)


    class Worker:
        def __init__(self, env):
            self.env = env

        def step(self, action):
            next_state, reward, done, info = self.env.step(action)
            if isinstance(next_state, dict):
                for k, v in next_state.items():
                    if v.dtype == np.float64:
                        next_state[k] = v.astype(np.float32)
            return next_state, reward, done, info


    def run(env, policy):
        worker = Worker(env)
        return worker.step(policy())
"""

NESTED = BASE.replace("""                for k, v in next_state.items():
                    if v.dtype == np.float64:
                        next_state[k] = v.astype(np.float32)
""", """                for k, v in next_state.items():
                    if isinstance(v, dict):
                        for dk, dv in v.items():
                            if dv.dtype == np.float64:
                                v[dk] = dv.astype(np.float32)
                    else:
                        if v.dtype == np.float64:
                            next_state[k] = v.astype(np.float32)
""")


def _titles(base: str, cand: str) -> list[str]:
    b = MemoryTree({"vecenv.py": textwrap.dedent(base).lstrip()})
    c = MemoryTree({"vecenv.py": textwrap.dedent(cand).lstrip()})
    return [f.title for f in run_detectors(b, c, diff_trees(b, c), only={"precision"}).findings]


def test_a_cast_kept_and_extended_behind_a_dtype_test_is_no_precision_change():
    assert NESTED != BASE
    assert _titles(BASE, NESTED) == []


def test_a_cast_to_another_dtype_is_still_a_precision_change():
    half = NESTED.replace("v[dk] = dv.astype(np.float32)", "v[dk] = dv.astype(np.float16)")
    assert _titles(BASE, half) == ["Precision changed: `np.float16` at the candidate"]
    double = BASE.replace("next_state[k] = v.astype(np.float32)", "next_state[k] = v.astype(np.float64)")
    assert _titles(BASE, double) == ["Precision changed: `np.float64` at the candidate"]
