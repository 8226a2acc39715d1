"""The built-in adapter for a Stable-Baselines3-style algorithm class: probes without an adapter.

Why: a project that trains with `PPO("MlpPolicy", env, ...)` (SB3, sb3-contrib, or its own
subclass of SB3's algorithm bases) already exposes what the probes need through the SB3 API. The
parent found the class and its constructor arguments statically (`probes/sb3_detect.py`) and passes
them as a spec; this module rebuilds the algorithm in the probe process (the commit's checkout first
on `sys.path`, so a vendored `stable_baselines3` is the commit's own) and serves:

- `make_agent(seed)`: `Algo(policy, env, seed=seed, device=<the slot's>, **recorded)`; the agent is
  `model.policy` (the model is kept beside it for the functions below);
- `make_optimizer(agent)`: `model.policy.optimizer` (one optimizer: on-policy algorithms, DQN);
- `lr_at(step)`: `model.lr_schedule(progress_remaining)` at optimizer step `step`, with SB3's
  semantics: the rate is set once per `train()` call from `1 - num_timesteps / total_timesteps`
  (`learn`'s budget when it was a literal, else `DEFAULT_BUDGET`);
- `make_env(seed)`: the recorded environment (an id string through `gymnasium.make`);
- `compute_advantages(...)`: the algorithm's rollout buffer (a copy of `model.rollout_buffer`, or
  SB3's `RolloutBuffer` when the model cannot be built) filled with the given rewards, values and
  episode starts (the CleanRL `dones` convention is SB3's `episode_starts`), then
  `compute_returns_and_advantage(last_values, dones)`;
- `save_checkpoint` / `load_checkpoint`: `model.save(path)` / `Algo.load(path).policy`;
- `update_step(agent, optimizer, seed)`: `model.learn` for one more rollout (on-policy: `n_steps *
  n_envs`; off-policy: until one `train()` call past `learning_starts`);
- `train_agent(make_env, total_steps, seed)`: the class on the probe environment; `n_steps` is cut
  to a quarter of the budget when longer (so that it trains at all), `batch_size` to fit.

Standard library, numpy and torch here; stable_baselines3 (and gymnasium) are the project's own.
"""

from __future__ import annotations

import copy
import importlib
import math
import os
from pathlib import Path
from typing import Any

DEFAULT_BUDGET = 1_000_000  # learn()'s total_timesteps when the script's was not a literal


def evaluate(spec: Any) -> Any:
    """The value a spec of `probes/sb3_values.py` stands for."""
    if spec is None:
        raise LookupError("a value that was not recorded")
    if "literal" in spec:
        return copy.deepcopy(spec["literal"])
    if "import" in spec:
        return _import(spec["import"])
    if "function" in spec:
        from harness import extract_function

        return extract_function(Path.cwd(), spec["function"])
    fn = evaluate(spec["call"])
    return fn(*[evaluate(a) for a in spec["args"]], **{k: evaluate(v) for k, v in spec["kwargs"].items()})


def _import(qualified: str) -> Any:
    module, _, attr = qualified.partition(":")
    parts = [p for p in attr.split(".") if p]
    value: Any = importlib.import_module(module)
    for i, part in enumerate(parts):
        try:
            value = getattr(value, part)
        except AttributeError:  # a submodule not imported by its package
            value = importlib.import_module(".".join([module, *parts[: i + 1]]))
    return value


class Sb3Adapter:
    """The adapter functions for one detected algorithm (spec from the parent)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.models: dict[int, Any] = {}  # id(policy) -> model
        self._shared: Any = None

    def device(self) -> str:
        return os.environ.get("INVESTIGATOR_DEVICE", "cpu")

    def build(self, seed: int, env: Any = None, **override: Any) -> Any:
        cls = evaluate(self.spec["cls"])
        kwargs = {k: evaluate(v) for k, v in self.spec.get("kwargs", {}).items()}
        kwargs.update(seed=seed, device=self.device(), **override)
        model = cls(evaluate(self.spec["policy"]), env if env is not None else evaluate(self.spec["env"]), **kwargs)
        self.models[id(model.policy)] = model
        return model

    def model_of(self, agent: Any) -> Any:
        if id(agent) not in self.models:
            raise LookupError("the agent was not made by the built-in Stable-Baselines3 adapter's make_agent")
        return self.models[id(agent)]

    def shared(self) -> Any:
        if self._shared is None:
            self._shared = self.build(0)
        return self._shared

    # ---------------------------------------------------------------- adapter functions

    def make_agent(self, seed: int) -> Any:
        return self.build(int(seed)).policy

    def make_optimizer(self, agent: Any) -> Any:
        optimizer = getattr(self.model_of(agent).policy, "optimizer", None)
        if optimizer is None:
            raise LookupError(f"{self.spec.get('name')}'s policy has no single optimizer")
        return optimizer

    def make_env(self, seed: int) -> Any:
        env = evaluate(self.spec["env"])
        if isinstance(env, str):
            import gymnasium

            env = gymnasium.make(env)
        return env

    def lr_at(self, step: int) -> float:
        model = self.shared()
        budget = self.spec.get("total_timesteps") or DEFAULT_BUDGET
        return float(model.lr_schedule(1.0 - _timesteps_at_train_call(model, self.spec["kind"], int(step)) / budget))

    def compute_advantages(self, rewards: Any, values: Any, dones: Any, next_value: Any, next_done: Any,
                           gamma: float, gae_lambda: float) -> tuple[Any, Any]:
        import numpy as np
        import torch

        r, v, d = (_numpy(x) for x in (rewards, values, dones))
        steps, envs = r.shape
        buffer = self._buffer(steps, envs, gamma, gae_lambda)
        buffer.rewards[:] = r
        buffer.values[:] = v
        buffer.episode_starts[:] = d
        buffer.compute_returns_and_advantage(last_values=torch.as_tensor(_numpy(next_value)), dones=_numpy(next_done))
        return torch.as_tensor(np.array(buffer.advantages)), torch.as_tensor(np.array(buffer.returns))

    def _buffer(self, steps: int, envs: int, gamma: float, gae_lambda: float) -> Any:
        if self.spec.get("buildable"):
            buffer = copy.copy(self.shared().rollout_buffer)  # the algorithm's own buffer class and settings
            buffer.buffer_size, buffer.n_envs, buffer.gamma, buffer.gae_lambda = steps, envs, gamma, gae_lambda
            buffer.reset()
            return buffer
        from stable_baselines3.common.buffers import RolloutBuffer

        obs, act = _spaces()
        return RolloutBuffer(steps, obs, act, device="cpu", gae_lambda=gae_lambda, gamma=gamma, n_envs=envs)

    def save_checkpoint(self, agent: Any, path: str) -> None:
        self.model_of(agent).save(path)

    def load_checkpoint(self, agent: Any, path: str) -> Any:
        model = self.model_of(agent)
        where = path if Path(path).exists() else path + ".zip"  # SB3 appends .zip to a path without it
        loaded = type(model).load(where, device=self.device())
        self.models[id(loaded.policy)] = loaded
        return loaded.policy

    def update_step(self, agent: Any, optimizer: Any, seed: int) -> dict[str, Any]:
        model = self.model_of(agent)
        steps = _timesteps_for_one_update(model, self.spec["kind"])
        model.learn(total_timesteps=steps, reset_num_timesteps=False)
        return {"timesteps": steps}

    def train_agent(self, make_env: Any, total_steps: int, seed: int) -> Any:
        model = self.build(int(seed), env=make_env())
        rollout = int(getattr(model, "n_steps", 0)) * int(getattr(model, "n_envs", 1))
        if rollout > total_steps // 4:
            n_steps = max(8, total_steps // (4 * int(getattr(model, "n_envs", 1))))
            override: dict[str, Any] = {"n_steps": n_steps}
            if getattr(model, "batch_size", None):
                override["batch_size"] = min(int(model.batch_size), n_steps * int(getattr(model, "n_envs", 1)))
            model = self.build(int(seed), env=make_env(), **override)
        model.learn(total_timesteps=int(total_steps))
        return _TrainedAgent(model)


class _TrainedAgent:
    """What the probe environments check: value(obs), act(obs, deterministic), gamma."""

    def __init__(self, model: Any) -> None:
        self.model, self.gamma = model, float(model.gamma)

    def parameters(self) -> Any:
        return self.model.policy.parameters()

    def value(self, obs: Any) -> Any:
        return self.model.policy.predict_values(obs.to(self.model.policy.device))

    def act(self, obs: Any, deterministic: bool = True) -> Any:
        import torch

        actions, _ = self.model.predict(obs.detach().cpu().numpy(), deterministic=deterministic)
        return torch.as_tensor(actions)


def _numpy(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float32)


def _spaces() -> tuple[Any, Any]:
    from gymnasium import spaces

    return spaces.Box(-1.0, 1.0, (1,)), spaces.Discrete(2)


def _off_policy_period(model: Any) -> int:
    """Environment steps between two train() calls of an off-policy algorithm."""
    freq = model.train_freq
    unit = getattr(getattr(freq, "unit", None), "value", getattr(freq, "unit", "step"))
    if str(unit) != "step":
        raise ValueError("train_freq counts episodes: the steps between updates are not fixed")
    return int(freq.frequency) * int(getattr(model, "n_envs", 1))


def _timesteps_for_one_update(model: Any, kind: str) -> int:
    if kind == "on_policy":
        return int(model.n_steps) * int(getattr(model, "n_envs", 1))
    period = _off_policy_period(model)
    if model.num_timesteps > model.learning_starts:
        return period
    return ((int(model.learning_starts) - int(model.num_timesteps)) // period + 1) * period


def _timesteps_at_train_call(model: Any, kind: str, step: int) -> int:
    """`num_timesteps` when the train() call that performs optimizer step `step` sets the rate."""
    if kind == "on_policy":
        rollout = int(model.n_steps) * int(getattr(model, "n_envs", 1))
        batch = int(getattr(model, "batch_size", None) or rollout)
        per_call = int(getattr(model, "n_epochs", 1)) * math.ceil(rollout / batch)
        return (step // max(per_call, 1) + 1) * rollout
    period = _off_policy_period(model)
    gradient_steps = int(model.gradient_steps)
    per_call = gradient_steps if gradient_steps > 0 else period
    first = (int(model.learning_starts) // period + 1) * period
    return first + (step // max(per_call, 1)) * period


NAMES = ("make_agent", "make_optimizer", "lr_at", "make_env", "compute_advantages", "save_checkpoint",
         "load_checkpoint", "update_step", "train_agent")


def adapter(spec: dict[str, Any]) -> dict[str, Any]:
    """The harness's entry point (`harness.builtin_functions`)."""
    made = Sb3Adapter(spec)
    return {name: getattr(made, name) for name in NAMES}
