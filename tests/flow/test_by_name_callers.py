"""A function looked up by name in its module (`getattr(module, name_from_config)`) is called where what
getattr returned is called (flow/byname.py; real shape: SLM-Lab's `VarScheduler`, held-out 4)."""

from __future__ import annotations

from tests.flow.support import flow_findings

MATH = """
    def no_decay(start_val, end_val, start_step, end_step, step):
        return start_val


    def linear_decay(start_val, end_val, start_step, end_step, step):
        if step < start_step:
            return start_val
        slope = (end_val - start_val) / (end_step - start_step)
        return max(slope * (step - start_step) + start_val, end_val)
"""

SCHEDULER = """
    from lab.lib import math_util


    class VarScheduler:
        def __init__(self, spec):
            self._updater_name = spec["name"]
            self._updater = getattr(math_util, self._updater_name)
            self.start_val, self.end_val = spec["start_val"], spec["end_val"]
            self.start_step, self.end_step = spec["start_step"], spec["end_step"]

        def update(self, step):
            val = self._updater(self.start_val, self.end_val, self.start_step, self.end_step, step)
            return val
"""

AGENT = """
    import torch
    from lab.scheduler import VarScheduler


    def train(policy, optimizer, env, spec):
        scheduler = VarScheduler(spec)
        obs = env.reset()
        for step in range(1000):
            epsilon = scheduler.update(step)
            action = policy.act(obs, epsilon)
            obs, reward, done, info = env.step(action)
            loss = -(reward * policy.log_prob(obs, action)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

FILES = {"lab/lib/math_util.py": MATH, "lab/scheduler.py": SCHEDULER, "lab/agent.py": AGENT}


def _titles(files: dict[str, str]) -> list[str]:
    return [f.title for f in flow_findings(FILES, files)]


def test_a_schedule_looked_up_by_name_is_on_the_flow() -> None:
    changed = dict(FILES, **{"lab/lib/math_util.py": MATH.replace("slope * (step - start_step)", "slope * step")})
    assert any("linear_decay" in t for t in _titles(changed)), _titles(changed)


def test_a_literal_getattr_of_another_function_is_no_caller() -> None:
    # getattr with a string literal names one function: not `linear_decay`, which nothing calls then
    fixed = SCHEDULER.replace("getattr(math_util, self._updater_name)", "getattr(math_util, 'no_decay')")
    base = dict(FILES, **{"lab/scheduler.py": fixed})
    changed = dict(base, **{"lab/lib/math_util.py": MATH.replace("slope * (step - start_step)", "slope * step")})
    assert not [f.title for f in flow_findings(base, changed) if "linear_decay" in f.title and f.severity.value != "low"]
