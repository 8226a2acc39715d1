"""A new case carved before an error, in a function with other edits: the case is no change, the edits are.

Real shape (ogbench v1.1.2..v1.1.3, ogbench/manipspace/envs/cube_env.py:37): `CubeEnv.__init__` gained
`elif self._env_type == 'octuple': self._num_cubes = 8` before `else: raise ValueError(...)` and its colour lists
four more entries, for the new cube-octuple environments: "Behavioural change in the sampling path" (significant)
for the added arm, though every environment type that ran at the baseline is built as before. The whole-function
rule (flow/carved.py) needed the rest of the function unchanged. Negatives: an edit of an existing arm stays a
change; an arm inserted before a fall-through (not a raise) stays a change.
"""

from __future__ import annotations

from tests.flow.support import flow_result

ENV = """
import numpy as np


class CubeEnv:
    def __init__(self, env_type):
        self._env_type = env_type
        if self._env_type == 'single':
            self._num_cubes = 1
        elif self._env_type == 'quadruple':
            self._num_cubes = {four}
{new}        else:
            {last}
        self._colors = np.array([{colors}])

    def reset(self):
        permutation = np.random.permutation(self._num_cubes)
        self.obs = np.concatenate([permutation, self._colors[:self._num_cubes].ravel()])
        return self.obs
"""

TRAIN = """
from env import CubeEnv


def train(policy, steps, env_type):
    env = CubeEnv(env_type)
    obs = env.reset()
    for _ in range(steps):
        loss = policy.loss(obs)
        loss.backward()
        policy.opt.step()
        obs = env.reset()
"""

NEW = "        elif self._env_type == 'octuple':\n            self._num_cubes = 8\n"
RAISE = "raise ValueError(f'Invalid env_type: {env_type}')"


def _result(cand_new: str = NEW, cand_last: str = RAISE, four: str = "4", colors: str = "1, 2, 3, 4, 5, 6, 7, 8",
            base_last: str = RAISE):
    base = {"env.py": ENV.format(new="", last=base_last, four="4", colors="1, 2, 3, 4"), "train.py": TRAIN}
    cand = {"env.py": ENV.format(new=cand_new, last=cand_last, four=four, colors=colors), "train.py": TRAIN}
    return flow_result(base, cand)


def _arm_reported(result) -> bool:
    return any("_num_cubes = 8" in s for f in result.findings for e in f.evidence
               for s in e.details.get("statements", []))


def test_new_case_before_a_raise_among_other_edits_is_no_change():
    result = _result()
    assert not _arm_reported(result), [f.title for f in result.findings]
    assert any(n.title.startswith("Case added in") and "octuple" in n.title for n in result.no_effect)


def test_an_edited_existing_arm_is_still_reported():
    """Negative: the quadruple environment now has five cubes: every quadruple run changes."""
    result = _result(four="5")
    assert any("_num_cubes = 4" in s for f in result.findings for e in f.evidence
               for s in e.details.get("statements", [])), [f.title for f in result.findings]
    assert not _arm_reported(result)


def test_a_new_case_before_a_fall_through_is_still_reported():
    """Negative: at the baseline 'octuple' fell through to the default (one cube); it now builds eight."""
    result = _result(cand_last="self._num_cubes = 1", base_last="self._num_cubes = 1", colors="1, 2, 3, 4")
    assert _arm_reported(result), [f.title for f in result.findings]
