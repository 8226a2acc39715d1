"""The learning-signal flow: units, sinks, and how far values are followed (and where they stop)."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import SideIndex
from investigator.detectors.sources import MemoryTree
from investigator.flow.graph import LearningFlow
from investigator.flow.units import units_of
from tests.support.evalsuite import BASE_FILES


def _flow(files: dict[str, str]) -> LearningFlow:
    return LearningFlow(SideIndex("candidate", MemoryTree({k: textwrap.dedent(v).lstrip("\n") for k, v in files.items()})))


def _place(flow: LearningFlow, path: str, qualname: str, text: str):
    module = flow.side.module(path)
    assert module is not None
    fn = module.functions[qualname]
    unit = next(u for u in flow.units(fn) if text in u.text(200))
    return unit, flow.place([unit])


def test_units_record_definitions_uses_and_mutations():
    flow = _flow({"m.py": """
        import numpy as np
        def f(self, x, idx):
            self.w = x * 2
            y = self.w + x
            idx_buf[0] = y
            np.random.shuffle(idx)
            optimizer.step()
            return y
    """})
    fn = flow.side.module("m.py").functions["f"]
    units = {u.text(80): u for u in units_of(fn)}
    assert units["self.w = x * 2"].defs == {"self.w"} and units["self.w = x * 2"].uses == {"x"}
    assert units["y = self.w + x"].uses == {"self.w", "x"}
    assert units["idx_buf[0] = y"].defs == {"idx_buf"}
    assert units["np.random.shuffle(idx)"].defs == {"idx"} and units["np.random.shuffle(idx)"].sink == "sampling"
    assert units["optimizer.step()"].sink == "optimizer"
    assert "<return>" in units["return y"].defs


def test_ppo_values_reach_their_sinks_across_functions_and_modules():
    flow = _flow(BASE_FILES)
    # GAE helper -> returned to train() -> minibatch loss -> backward
    _, p = _place(flow, "ppo/gae.py", "compute_gae", "delta = rewards[t]")
    assert p.sink == "loss"
    assert p.chain[-1].text() == "loss.backward()" and p.chain[-1].fn.path == "ppo/train.py"
    # the loss function's value clipping reaches backward through its caller
    _, p = _place(flow, "ppo/loss.py", "ppo_loss", "v_loss = 0.5 * v_loss_max.mean()")
    assert p.sink == "loss"
    # the schedule reaches the optimizer through `param_groups`
    _, p = _place(flow, "ppo/schedules.py", "linear_schedule", "frac = ")
    assert p.sink == "optimizer"
    # an attribute set in __init__ reaches the method that reads it (self.critic -> get_value -> ...)
    _, p = _place(flow, "ppo/agent.py", "Agent.__init__", "self.critic = ")
    assert p.on_flow
    # the environment thunk is passed on as a value (`return thunk`) and still followed
    _, p = _place(flow, "ppo/envs.py", "make_env.thunk", "env = gym.make(env_id)")
    assert p.on_flow


def test_minibatch_loop_header_is_the_sampling_place():
    flow = _flow({"t.py": """
        def update(buffer, agent, optimizer):
            for batch in buffer.minibatches(4):
                loss = agent.loss(batch)
                loss.backward()
                optimizer.step()
    """})
    unit, p = _place(flow, "t.py", "update", "for batch in")
    assert unit.own == "sampling" and p.sink == "loss"


def test_logging_only_values_do_not_reach_training():
    flow = _flow(BASE_FILES)
    unit, p = _place(flow, "ppo/train.py", "train", 'writer.add_scalar("charts/SPS"'.replace('"', "'"))
    assert unit.sink == "logging" and p.sink == "logging"
    _, p = _place(flow, "ppo/train.py", "train", "global_step += num_envs")
    assert p.sink == "logging"


def test_print_only_reward_accumulator_is_logging_not_reward():
    flow = _flow({"train.py": """
        def run(envs, agent, optimizer):
            obs = envs.reset()
            episode_reward = 0.0
            for step in range(100):
                action = agent.act(obs)
                obs, reward, done, info = envs.step(action)
                episode_reward += reward
                if done:
                    print("episode reward", episode_reward)
                    episode_reward = 0.0
            loss = agent.loss(obs)
            loss.backward()
            optimizer.step()
    """})
    unit, p = _place(flow, "train.py", "run", "episode_reward += reward")
    assert unit.own == "reward"  # by name it is a reward ...
    assert p.sink == "logging"  # ... but its value only reaches a print


def test_evaluation_only_code_is_not_training():
    flow = _flow({"ev.py": """
        def evaluate(env, policy):
            obs = env.reset()
            action = policy(obs) * 0.5
            obs, r, d, i = env.step(action)
            return r
    """})
    _, p = _place(flow, "ev.py", "evaluate", "action = policy(obs) * 0.5")
    assert p.sink == "evaluation" and not p.on_flow


def test_flow_stops_are_recorded_for_compiled_extensions_and_dynamic_dispatch():
    files = {
        "pkg/__init__.py": "",
        "pkg/fast_gae.pyx": "def compute_gae(values, rewards, dones, gamma, lam):\n    pass\n",
        "pkg/train.py": """
            from pkg.fast_gae import compute_gae

            def advantages(rollout, gamma, lam):
                adv = compute_gae(rollout.values, rollout.rewards, rollout.dones, gamma, lam)
                stored = rollout.store(adv)
        """,
        "pkg/buffer.py": """
            class Rollout:
                def store(self, adv):
                    self.adv = adv
        """,
    }
    flow = _flow(files)
    _, p = _place(flow, "pkg/train.py", "advantages", "adv = compute_gae(")
    assert not p.on_flow
    assert any("compiled extension" in s for s in p.stops)
    assert any("dynamic dispatch" in s for s in p.stops)
