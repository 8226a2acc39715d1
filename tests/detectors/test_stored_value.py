"""A value computed earlier, stored on `self` and read there instead of being recomputed.

Real shape (skrl 1.4.3..2.0.0, every on-policy agent): `record_transition` computed
`values = self._value_preprocessor(values, inverse=True)` from the value network and bootstrapped
truncated episodes with `rewards += gamma * values * truncated`; 2.0 computes the same value in
`act()`, stores `self._current_values = self._value_preprocessor(values, inverse=True)` and reads
`rewards += gamma * self._current_values * truncated`. It was "Reward weights changed (15 places)",
significant. Multi-agent form: a per-agent dict filled in a loop (`current_values[uid] = ...`) and
stored whole. A stored value that differs (not passed through the preprocessor) is still a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
class PPO:
    def __init__(self, policy, value, gamma):
        self.policy = policy
        self.value = value
        self._gamma = gamma
        self._current_log_prob = None

    def act(self, states):
        actions, log_prob = self.policy.act(states)
        self._current_log_prob = log_prob
        return actions

    def record_transition(self, states, rewards, truncated, memory):
        values, _ = self.value.act(states)
        values = self._value_preprocessor(values, inverse=True)
        rewards += self._gamma * values * truncated
        memory.add_samples(rewards=rewards, values=values, log_prob=self._current_log_prob)
"""

CAND = """
class PPO:
    def __init__(self, policy, value, gamma):
        self.policy = policy
        self.value = value
        self._gamma = gamma
        self._current_log_prob = None
        self._current_values = None

    def act(self, states):
        actions, log_prob = self.policy.act(states)
        self._current_log_prob = log_prob
        values, _ = self.value.act(states)
        self._current_values = STORED
        return actions

    def record_transition(self, states, rewards, truncated, memory):
        rewards += self._gamma * self._current_values * truncated
        memory.add_samples(rewards=rewards, values=self._current_values, log_prob=self._current_log_prob)
"""

BASE_MULTI = """
class IPPO:
    def __init__(self, values, agents, gamma):
        self.values = values
        self.agents = agents
        self._gamma = gamma

    def act(self, states):
        return {uid: None for uid in self.agents}

    def record_transition(self, states, rewards, truncated, memories):
        for uid in self.agents:
            values, _ = self.values[uid].act(states[uid])
            values = self._value_preprocessor[uid](values, inverse=True)
            rewards[uid] += self._gamma * values * truncated[uid]
            memories[uid].add_samples(rewards=rewards[uid], values=values)
"""

CAND_MULTI = """
class IPPO:
    def __init__(self, values, agents, gamma):
        self.values = values
        self.agents = agents
        self._gamma = gamma
        self._current_values = {}

    def act(self, states):
        current_values = {}
        for uid in self.agents:
            values, _ = self.values[uid].act(states[uid])
            current_values[uid] = STORED
        self._current_values = current_values
        return {uid: None for uid in self.agents}

    def record_transition(self, states, rewards, truncated, memories):
        for uid in self.agents:
            rewards[uid] += self._gamma * self._current_values[uid] * truncated[uid]
            memories[uid].add_samples(rewards=rewards[uid], values=self._current_values[uid])
"""


MAIN = """
from ppo import AGENT

agent = AGENT(policy, value, 0.99)
agent.act(states)
agent.record_transition(states, rewards, truncated, memory)
"""


def _titles(base: str, cand: str, stored: str) -> list[str]:
    main = MAIN.replace("AGENT", "PPO" if "class PPO" in base else "IPPO")
    return [f.title for f in run_on({"ppo.py": base, "main.py": main},
                                    {"ppo.py": cand.replace("STORED", stored), "main.py": main},
                                    only={"reward_terms"}).findings]


def test_value_stored_in_act_and_read_for_bootstrapping_is_no_change() -> None:
    assert _titles(BASE, CAND, "self._value_preprocessor(values, inverse=True)") == []


def test_a_stored_value_that_differs_is_still_a_weight_change() -> None:
    assert _titles(BASE, CAND, "values") == ["Reward weights changed"]


def test_per_agent_values_stored_as_a_dict_is_no_change() -> None:
    assert _titles(BASE_MULTI, CAND_MULTI, "self._value_preprocessor[uid](values, inverse=True)") == []


def test_per_agent_stored_values_that_differ_are_still_a_weight_change() -> None:
    assert _titles(BASE_MULTI, CAND_MULTI, "values") == ["Reward weights changed"]


def test_a_conversion_in_one_backend_arm_does_not_hide_the_stored_value() -> None:
    """skrl's JAX agents: `if not self._jax: values = jax.device_get(values)` (the NumPy backend,
    dropped in 2.0) between computing and preprocessing the value."""
    base = BASE.replace("        values = self._value_preprocessor(values, inverse=True)\n",
                        "        if not self._jax:\n            values = jax.device_get(values)\n"
                        "        values = self._value_preprocessor(values, inverse=True)\n")
    assert "device_get" in base
    assert _titles(base, CAND, "self._value_preprocessor(values, inverse=True)") == []
    assert _titles(base, CAND, "values") == ["Reward weights changed"]
