"""A closure factory replaced by a callable class that computes the same from the same arguments: no change.

Real shape (stable-baselines3 and stable-baselines3-contrib v2.5.0..v2.7.0): DQN's `self.exploration_schedule =
get_linear_fn(initial_eps, final_eps, fraction)` became `LinearSchedule(initial_eps, final_eps, fraction)` and
PPO's `self.clip_range = get_schedule_fn(self.clip_range)` became `FloatSchedule(self.clip_range)`; the class's
`__init__` stores the arguments as `self.<attr>` and its `__call__` computes what the returned closure computed.
Both call sites read as significant "behavioural change in the loss path". Negatives: a `__call__` that computes
something else, an attribute stored from a transformed argument the closure used as passed, arguments passed
in another order.
"""

from __future__ import annotations

import pytest

from investigator.flow.callables import BuiltCallable, _class, _factory
from tests.flow.support import flow_result, src

UTILS_BASE = '''
from typing import Callable, Union

Schedule = Callable[[float], float]


def get_schedule_fn(value_schedule: Union[Schedule, float]) -> Schedule:
    """Transform (if needed) learning rate and clip range (for PPO) to callable."""
    # If the passed schedule is a float, create a constant function
    if isinstance(value_schedule, (float, int)):
        value_schedule = constant_fn(float(value_schedule))
    else:
        assert callable(value_schedule)
    return lambda progress_remaining: float(value_schedule(progress_remaining))


def get_linear_fn(start: float, end: float, end_fraction: float) -> Schedule:
    """Linear interpolation between start and end."""

    def func(progress_remaining: float) -> float:
        if (1 - progress_remaining) > end_fraction:
            return end
        else:
            return start + (1 - progress_remaining) * (end - start) / end_fraction

    return func


def constant_fn(val: float) -> Schedule:
    def func(_):
        return val

    return func
'''

UTILS_CAND = '''
import warnings
from typing import Callable, Union

Schedule = Callable[[float], float]


class FloatSchedule:
    """Wrapper that ensures the output of a Schedule is cast to float."""

    def __init__(self, value_schedule: Union[Schedule, float]):
        if isinstance(value_schedule, FloatSchedule):
            self.value_schedule: Schedule = value_schedule.value_schedule
        elif isinstance(value_schedule, (float, int)):
            self.value_schedule = ConstantSchedule(float(value_schedule))
        else:
            assert callable(value_schedule), f"not a callable: {value_schedule}"
            self.value_schedule = value_schedule

    def __call__(self, progress_remaining: float) -> float:
        # Cast to float to avoid unpickling errors
        return float(self.value_schedule(progress_remaining))

    def __repr__(self) -> str:
        return f"FloatSchedule({self.value_schedule})"


class LinearSchedule:
    """Linear interpolation between start and end."""

    def __init__(self, start: float, end: float, end_fraction: float) -> None:
        self.start = start
        self.end = end
        self.end_fraction = end_fraction

    def __call__(self, progress_remaining: float) -> float:
        if (1 - progress_remaining) > self.end_fraction:
            return {end}
        else:
            return self.start + (1 - progress_remaining) * (self.end - self.start) / self.end_fraction

    def __repr__(self) -> str:
        return f"LinearSchedule(start={self.start}, end={self.end}, end_fraction={self.end_fraction})"


class ConstantSchedule:
    def __init__(self, val: float):
        self.val = val

    def __call__(self, _: float) -> float:
        return self.val


def get_linear_fn(start: float, end: float, end_fraction: float) -> Schedule:
    warnings.warn("get_linear_fn() is deprecated, please use LinearSchedule() instead")

    def func(progress_remaining: float) -> float:
        if (1 - progress_remaining) > end_fraction:
            return end
        else:
            return start + (1 - progress_remaining) * (end - start) / end_fraction

    return func
'''

DQN = '''
import numpy as np
import torch as th
import torch.nn.functional as F

from utils import {imports}


class DQN:
    def __init__(self, q_net, q_net_target, buffer, gamma=0.99, exploration_fraction=0.1,
                 exploration_initial_eps=1.0, exploration_final_eps=0.05, clip_range=0.2):
        self.q_net = q_net
        self.q_net_target = q_net_target
        self.replay_buffer = buffer
        self.gamma = gamma
        self.exploration_fraction = exploration_fraction
        self.exploration_initial_eps = exploration_initial_eps
        self.exploration_final_eps = exploration_final_eps
        self.clip_range = clip_range
        self.optimizer = th.optim.Adam(q_net.parameters(), lr=1e-4)
        self._current_progress_remaining = 1.0
        self._setup_model()

    def _setup_model(self):
        self.exploration_schedule = {linear}(
            self.exploration_initial_eps,
            self.exploration_final_eps,
            self.exploration_fraction,
        )
        self.clip_range = {schedule}(self.clip_range)

    def _on_step(self):
        self.exploration_rate = self.exploration_schedule(self._current_progress_remaining)

    def predict(self, observation):
        if np.random.rand() < self.exploration_rate:
            return np.random.randint(2)
        return self.q_net(observation).argmax()

    def train(self, batch_size):
        clip = self.clip_range(self._current_progress_remaining)
        data = self.replay_buffer.sample(batch_size)
        with th.no_grad():
            next_q_values = self.q_net_target(data.next_observations).max(dim=1)[0].reshape(-1, 1)
            target_q_values = data.rewards + (1 - data.dones) * self.gamma * next_q_values
        current_q_values = self.q_net(data.observations).gather(1, data.actions.long())
        loss = F.smooth_l1_loss(current_q_values, target_q_values).clamp(max=clip)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def learn(model, env, steps):
    obs = env.reset()
    for _ in range(steps):
        action = model.predict(obs)
        obs, reward, done, info = env.step(action)
        model.replay_buffer.add(obs, action, reward, done)
        model._on_step()
        model.train(32)


if __name__ == "__main__":
    learn(DQN(None, None, None), None, 10)
'''

BASE = {"utils.py": UTILS_BASE,
        "dqn.py": DQN.format(imports="get_linear_fn, get_schedule_fn", linear="get_linear_fn",
                             schedule="get_schedule_fn")}


def _cand(end: str = "self.end", linear_args: str = "") -> dict[str, str]:
    dqn = DQN.format(imports="FloatSchedule, LinearSchedule", linear="LinearSchedule", schedule="FloatSchedule")
    if linear_args:
        dqn = dqn.replace("""            self.exploration_initial_eps,
            self.exploration_final_eps,
""", linear_args)
    return {"utils.py": UTILS_CAND.replace("{end}", end), "dqn.py": dqn}


def _setup_findings(cand: dict[str, str]) -> list[str]:
    result = flow_result(BASE, cand)
    return [f"{f.severity.value} {f.title}" for f in result.findings if "_setup_model" in f.title]


def test_a_closure_factory_replaced_by_an_equivalent_callable_class_is_no_change() -> None:
    assert _setup_findings(_cand()) == []
    result = flow_result(BASE, _cand())
    assert any("Callable built another way" in n.title for n in result.no_effect)


@pytest.mark.parametrize("end", ["self.start", "self.end * 0.5"])
def test_a_call_body_that_computes_something_else_stays_a_change(end: str) -> None:
    assert _setup_findings(_cand(end=end)), end


def test_arguments_passed_in_another_order_stay_a_change() -> None:
    swapped = """            self.exploration_final_eps,
            self.exploration_initial_eps,
"""
    assert _setup_findings(_cand(linear_args=swapped))


def _form(code: str, name: str) -> BuiltCallable | None:
    import ast

    tree = ast.parse(src(code))
    node = next(n for n in tree.body if getattr(n, "name", "") == name)
    return _factory(node) if isinstance(node, ast.FunctionDef) else _class(node)  # type: ignore[arg-type]


def test_an_attribute_stored_transformed_is_not_the_argument_the_closure_captured() -> None:
    closure = _form("def f(a, b):\n    def g(x):\n        return a * x + b\n    return g\n", "f")
    same = _form("class C:\n    def __init__(self, a, b):\n        self.a = a\n        self.b = b\n"
                 "    def __call__(self, x):\n        return self.a * x + self.b\n", "C")
    scaled = _form("class C:\n    def __init__(self, a, b):\n        self.a = 2 * a\n        self.b = b\n"
                   "    def __call__(self, x):\n        return self.a * x + self.b\n", "C")
    stateful = _form("class C:\n    def __init__(self, a, b):\n        self.a = a\n        self.b = b\n"
                     "    def __call__(self, x):\n        self.b += 1\n        return self.a * x + self.b\n", "C")
    assert closure is not None and same is not None and scaled is not None
    assert closure.body == same.body
    assert closure.body != scaled.body
    assert stateful is None
