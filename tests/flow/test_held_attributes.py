"""An attribute only one commit has is held like a local by the function that stores it
(flow/heldattrs.py; real shape: skrl f2248bf8..9a1db91f, an environment wrapper caching its observation)."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = """
    from envs.wrap import Wrapper


    def train(env, policy, optimizer):
        env = Wrapper(env)
        obs = env.reset()
        for _ in range(10):
            actions = policy(obs)
            obs, rew, done, _ = env.step(actions)
            loss = -(rew * policy(obs)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

WRAPPER = """
    class Wrapper:
        def __init__(self, env):
            self._env = env

        def step(self, actions):
            obs_buf, rew_buf, reset_buf, extras = self._env.step(actions)
            return obs_buf, rew_buf, reset_buf, None

        def reset(self):
            return self._env.reset()
"""

CACHED = """
    class Wrapper:
        def __init__(self, env):
            self._env = env
            self._reset_once = True
            self._obs_buf = None

        def step(self, actions):
            self._obs_buf, rew_buf, reset_buf, extras = self._env.step(actions)
            return self._obs_buf, rew_buf, reset_buf, None

        def reset(self):
            if self._reset_once:
                self._obs_buf = self._env.reset()
                self._reset_once = False
            return self._obs_buf
"""


def _titles(wrapper: str) -> list[str]:
    return sorted(f.title for f in flow_findings({"envs/wrap.py": WRAPPER, "train.py": TRAIN},
                                                 {"envs/wrap.py": wrapper, "train.py": TRAIN}))


def test_a_cached_observation_is_a_change_only_where_it_is_read() -> None:
    titles = _titles(CACHED)
    assert any("Wrapper.reset" in t for t in titles)
    assert not any("Wrapper.step" in t or "Wrapper.__init__" in t for t in titles), titles


def test_an_attribute_stored_and_never_read_elsewhere_is_no_change() -> None:
    assert _titles(CACHED.replace("""            if self._reset_once:
                self._obs_buf = self._env.reset()
                self._reset_once = False
            return self._obs_buf""", """            return self._env.reset()""")) == []


def test_a_held_attribute_still_carries_a_changed_value() -> None:
    # the step now returns the previous observation: the read before the store is not the stored value
    changed = CACHED.replace("""            self._obs_buf, rew_buf, reset_buf, extras = self._env.step(actions)
            return self._obs_buf, rew_buf, reset_buf, None""", """            previous = self._obs_buf
            self._obs_buf, rew_buf, reset_buf, extras = self._env.step(actions)
            return previous, rew_buf, reset_buf, None""")
    assert any("Wrapper.step" in t for t in _titles(changed))


def test_an_attribute_the_baseline_names_is_an_effect() -> None:
    # the baseline already kept `_obs_buf`: a new store of it in `step` is a change of what others read
    base = WRAPPER.replace("self._env = env", "self._env = env\n        self._obs_buf = None").replace(
        "return self._env.reset()", "return self._obs_buf if self._obs_buf is not None else self._env.reset()")
    cand = base.replace("""            obs_buf, rew_buf, reset_buf, extras = self._env.step(actions)
            return obs_buf, rew_buf, reset_buf, None""", """            self._obs_buf, rew_buf, reset_buf, extras = self._env.step(actions)
            return self._obs_buf, rew_buf, reset_buf, None""")
    found = sorted(f.title for f in flow_findings({"envs/wrap.py": base, "train.py": TRAIN},
                                                  {"envs/wrap.py": cand, "train.py": TRAIN}))
    assert any("Wrapper.step" in t for t in found), found
