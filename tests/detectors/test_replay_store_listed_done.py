"""A done flag that includes truncations, stored through a list unpacked into the buffer's store call.

Real shape (rainbow-is-all-you-need `DQNAgent.step`, held-out 4 `riayn-dqn-truncation-bootstrap`, used since the
thirteenth session): `done = terminated or truncated`; `self.transition += [reward, next_state, terminated]` ->
`[reward, next_state, done]`; `self.memory.store(*self.transition)`. The TD target then stops bootstrapping at
every time limit. The replay-store rule compares a store call's fields by role but read neither the unpacked list
nor what `done` is made of; the change was an anonymous "sampling path" finding, fourth. Negatives: a flag named
`done` that is only the termination, and the same fields stored under other names, are no finding.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

AGENT = """
import numpy as np


class DQNAgent:
    def __init__(self, env, memory, dqn):
        self.env = env
        self.memory = memory
        self.dqn = dqn
        self.transition = []
        self.is_test = False

    def select_action(self, state):
        selected_action = self.dqn(state).argmax()
        if not self.is_test:
            self.transition = [state, selected_action]
        return selected_action

    def step(self, action):
        next_state, reward, terminated, truncated, _ = self.env.step(action)
        done = terminated or truncated

        if not self.is_test:
            self.transition += [reward, next_state, terminated]
            self.memory.store(*self.transition)

        return next_state, reward, done

    def train(self, state, steps):
        for _ in range(steps):
            action = self.select_action(state)
            state, reward, done = self.step(action)
            if done:
                state = self.env.reset()


if __name__ == "__main__":
    DQNAgent(None, None, None).train(None, 10)
"""


def _titles(cand: str) -> list[str]:
    result = run_on({"dqn.py": AGENT}, {"dqn.py": cand}, only={"replay_store"})
    assert not result.failures
    return [f"{f.severity.value} {f.title}" for f in result.findings if f.source.endswith(".replay_store")]


def test_the_stored_flag_now_includes_truncations() -> None:
    found = _titles(AGENT.replace("[reward, next_state, terminated]", "[reward, next_state, done]"))
    assert found == ["significant Stored done flag now includes truncations: no bootstrapping at time limits"], found


def test_a_done_made_of_the_termination_alone_is_no_change() -> None:
    base = AGENT.replace("done = terminated or truncated", "done = terminated")
    cand = base.replace("[reward, next_state, terminated]", "[reward, next_state, done]")
    result = run_on({"dqn.py": base}, {"dqn.py": cand}, only={"replay_store"})
    assert not [f for f in result.findings if f.source.endswith(".replay_store")]


def test_renamed_fields_are_no_change() -> None:
    cand = AGENT.replace("next_state", "next_obs")
    assert _titles(cand) == []


def test_the_stored_flag_made_the_termination_alone_is_a_likely_fix() -> None:
    """rainbow-is-all-you-need's own fix of the range (8 notebooks: `[..., done]` -> `[..., terminated]`) was the
    rule's generic "Transition fields stored in the replay buffer changed" critical: a change toward the textbook
    form is a likely fix, low."""
    base = AGENT.replace("[reward, next_state, terminated]", "[reward, next_state, done]")
    found = _titles_between(base, AGENT)
    assert found == ["low Stored done flag no longer includes truncations: time-limit ends now bootstrap "
                     "(the textbook form, a likely fix)"], found


def _titles_between(base: str, cand: str) -> list[str]:
    result = run_on({"dqn.py": base}, {"dqn.py": cand}, only={"replay_store"})
    return [f"{f.severity.value} {f.title}" for f in result.findings if f.source.endswith(".replay_store")]
