"""Code split out into a sibling method that the same caller now also calls is moved, not removed.

Real shape (omnisafe 89717ba9..15603dd7, omnisafe/adapter/online_adapter.py): `OnlineAdapter._wrapper` wrapped
the training and the evaluation environment; the evaluation env's wrappers went into a new `_wrapper_eval`,
which `__init__` calls after `self._wrapper(...)`: "Normalisation wrapper removed: `ObsNormalize`"
(significant). Negatives: the sibling does not normalise (a real removal), and a sibling nobody calls."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
from wrappers import ObsNormalize, make


class Adapter:
    def __init__(self, env_id, obs_normalize):
        self._env = make(env_id, num_envs=8)
        self._eval_env = make(env_id, num_envs=1)
        self._wrapper(obs_normalize)

    def _wrapper(self, obs_normalize):
        if obs_normalize:
            self._env = ObsNormalize(self._env)
            self._eval_env = ObsNormalize(self._eval_env)

    def rollout(self, policy):
        obs = self._env.reset()
        return self._env.step(policy(obs))
"""

CAND = """
from wrappers import ObsNormalize, make


class Adapter:
    def __init__(self, env_id, obs_normalize):
        self._env = make(env_id, num_envs=8)
        self._wrapper(obs_normalize)
        self._eval_env = make(env_id, num_envs=1)
        {call}

    def _wrapper(self, obs_normalize):
        if obs_normalize:
            self._env = ObsNormalize(self._env)

    def _wrapper_eval(self, obs_normalize):
        assert self._eval_env
        if obs_normalize:
            self._eval_env = {wrapped}

    def rollout(self, policy):
        obs = self._env.reset()
        return self._env.step(policy(obs))
"""

WRAPPERS = """
class ObsNormalize:
    def __init__(self, env):
        self.env = env


def make(env_id, num_envs):
    return env_id
"""


def _titles(call: str = "self._wrapper_eval(obs_normalize)", wrapped: str = "ObsNormalize(self._eval_env)") -> list[str]:
    """Titles of the findings and of the no-effect items: a removal from the evaluation env reaches only
    evaluation, so the flow files it as a no-effect item with that reason; it is still reported."""
    result = run_on({"adapter.py": BASE, "wrappers.py": WRAPPERS},
                    {"adapter.py": CAND.format(call=call, wrapped=wrapped), "wrappers.py": WRAPPERS},
                    only={"norm_wrappers"})
    return [f.title for f in result.findings] + [n.title for n in result.no_effect]


def test_wrapper_moved_into_a_sibling_method_is_not_removed() -> None:
    assert not any("removed" in t for t in _titles()), _titles()


def test_sibling_without_the_wrapper_is_still_a_removal() -> None:
    titles = _titles(wrapped="self._eval_env")
    assert any("Normalisation wrapper removed" in t for t in titles), titles


def test_sibling_nobody_calls_is_no_home() -> None:
    titles = _titles(call="pass")
    assert any("Normalisation wrapper removed" in t for t in titles), titles


def test_a_removal_that_reaches_only_evaluation_is_a_no_effect_item_with_its_reason() -> None:
    """The evaluation env's normaliser removed: training is unchanged, so no finding, but the report says what was
    removed and why it has no effect on training (not silent)."""
    result = run_on({"adapter.py": BASE, "wrappers.py": WRAPPERS},
                    {"adapter.py": CAND.format(call="pass", wrapped="self._eval_env"), "wrappers.py": WRAPPERS},
                    only={"norm_wrappers"})
    assert not [f for f in result.findings if "Normalisation wrapper removed" in f.title], result.findings
    removed = [n for n in result.no_effect if "Normalisation wrapper removed" in n.title]
    assert removed and "evaluation" in removed[0].reason, result.no_effect
