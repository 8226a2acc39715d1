"""An n-step transition takes its state and action from the window's first step.

Real shape (medipixel/rl_algorithms afa93d8, algorithms/common/buffer/replay_buffer.py:145
`NStepTransitionBuffer.add`, and 006f66c, algorithms/common/helper_functions.py:83
`get_n_step_info_from_demo`; held-out 9 `rlalg-nstep-buffer-state-action` / `rlalg-demo-nstep-state-action`):
`curr_state, action = self.n_step_buffer[0][:2]` -> `transition[:2]` (the step just appended) beside
`get_n_step_info(self.n_step_buffer, gamma)`: read as a generic sampling-path change, ranked seventh.
Negatives: the newest step read through `window[-1]` and through the appended item is the same step; the
next state taken from the newest step is the textbook form; a list filled but never read whole is no window."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BUFFER = """
from collections import deque

def get_n_step_info(window, gamma):
    reward, next_state, done = window[-1][-3:]
    for transition in reversed(list(window)[:-1]):
        r, n_s, d = transition[-3:]
        reward = r + gamma * reward * (1 - d)
    return reward, next_state, done

class NStepBuffer:
    def __init__(self, n_step, gamma):
        self.n_step_buffer = deque(maxlen=n_step)
        self.n_step = n_step
        self.gamma = gamma
        self.buffer = []

    def add(self, transition):
        self.n_step_buffer.append(transition)
        if len(self.n_step_buffer) < self.n_step:
            return ()
        reward, next_state, done = get_n_step_info(self.n_step_buffer, self.gamma)
        curr_state, action = {read}
        self.buffer.append((curr_state, action, reward, next_state, done))
        return self.n_step_buffer[0]

def train(transitions):
    memory = NStepBuffer(3, 0.99)
    for transition in transitions:
        memory.add(transition)
"""

DEMO = """
from collections import deque

def get_n_step_info(window, gamma):
    return window[-1][2], window[-1][3], window[-1][4]

def n_step_demo(demo, n_step, gamma):
    one, many = [], []
    window = deque(maxlen=n_step)
    for transition in demo:
        window.append(transition)
        if len(window) == n_step:
            one.append(window[0])
            {target} = {read}
            reward, next_state, done = get_n_step_info(window, gamma)
            many.append((state, action, reward, next_state, done))
    return one, many
"""


def _titles(files: dict[str, str], base: dict[str, str], cand: dict[str, str]) -> list[str]:
    result = run_on({k: v.format(**base) for k, v in files.items()}, {k: v.format(**cand) for k, v in files.items()},
                    only={"nstep_window"})
    return [f"{f.severity.value}: {f.title}" for f in result.findings]


def test_state_and_action_from_the_appended_step_is_critical() -> None:
    titles = _titles({"buffer.py": BUFFER}, {"read": "self.n_step_buffer[0][:2]"}, {"read": "transition[:2]"})
    assert any(t.startswith("critical: n-step transition takes `curr_state, action` from the newest step")
               for t in titles), titles


def test_the_window_head_replaced_by_its_last_element_inside_a_loop() -> None:
    titles = _titles({"demo.py": DEMO}, {"target": "state, action", "read": "window[0][:2]"},
                     {"target": "state, action", "read": "window[-1][:2]"})
    assert titles and titles[0].startswith("critical: n-step transition takes `state, action`"), titles


def test_the_fix_direction_is_low() -> None:
    titles = _titles({"buffer.py": BUFFER}, {"read": "transition[:2]"}, {"read": "self.n_step_buffer[0][:2]"})
    assert titles and all(t.startswith("low:") for t in titles), titles


def test_newest_step_read_two_ways_is_the_same_step() -> None:
    assert _titles({"buffer.py": BUFFER}, {"read": "self.n_step_buffer[-1][:2]"}, {"read": "transition[:2]"}) == []


def test_a_list_never_read_whole_is_no_window() -> None:
    text = """
def collect(items):
    seen = []
    for item in items:
        seen.append(item)
        state, action = {read}
        print(state, action)
"""
    assert _titles({"c.py": text}, {"read": "seen[0][:2]"}, {"read": "item[:2]"}) == []
