"""Child side of the `probe_envs` probe: the five classic probe environments, trained on by the
project's own `train_agent(make_env, total_steps, seed)` and checked.

The environments (Andy Jones, "Debugging RL, Without the Agonizing Pain"), each one step of
capability, so the first that fails says where the fault is:

1. one action, observation 0, one step, reward +1: the value must learn 1 (value learning);
2. one action, observation +-1 at random, one step, reward = observation: the value must follow
   the observation (backpropagation through the network);
3. one action, observation 0 then 1, two steps, reward +1 at the end: values gamma and 1
   (discounting, bootstrapping, terminal masking);
4. two actions, observation 0, one step, reward +1 for action 1 and -1 for action 0: the policy
   must pick action 1 (the policy update);
5. two actions, observation +-1 at random, one step, reward +1 when the action matches the sign
   (action 1 for +1, 0 for -1), else -1: policy and value batched together correctly.

The agent returned by `train_agent` exposes `value(obs) -> tensor` and `act(obs, deterministic=True)
-> actions` over a batch of observations of shape (B, 1), and (for env 3) `gamma` when it has one.
Environments are gymnasium environments when gymnasium is importable, else minimal classes with
the same API (`reset(seed=) -> (obs, info)`, `step(a) -> (obs, r, terminated, truncated, info)`,
spaces with `shape`, `n`, `sample()`). Standalone: stdlib, numpy and torch only.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

import numpy as np

NAMES = {1: "constant reward", 2: "observation-dependent reward", 3: "delayed reward",
         4: "action-dependent reward", 5: "action-and-observation-dependent reward"}


class _Discrete:
    def __init__(self, n: int) -> None:
        self.n, self.shape, self.dtype = n, (), np.int64
        self._rng = np.random.default_rng()

    def sample(self) -> int:
        return int(self._rng.integers(self.n))

    def contains(self, x: Any) -> bool:
        return 0 <= int(x) < self.n

    def seed(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)


class _Box:
    def __init__(self, low: float, high: float, shape: tuple[int, ...]) -> None:
        self.low, self.high, self.shape, self.dtype = low, high, shape, np.float32
        self._rng = np.random.default_rng()

    def sample(self) -> np.ndarray:
        return self._rng.uniform(self.low, self.high, self.shape).astype(np.float32)

    def contains(self, x: Any) -> bool:
        return bool(np.shape(x) == self.shape and np.all((self.low <= np.asarray(x)) & (np.asarray(x) <= self.high)))

    def seed(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)


def _base_and_spaces() -> tuple[type, Any, Any]:
    try:
        import gymnasium
        from gymnasium import spaces

        return gymnasium.Env, (lambda n: spaces.Discrete(n)), (lambda: spaces.Box(-1.0, 1.0, (1,), np.float32))
    except ImportError:
        return object, _Discrete, (lambda: _Box(-1.0, 1.0, (1,)))


_Base, _discrete, _box = _base_and_spaces()


class ProbeEnv(_Base):  # type: ignore[misc,valid-type]
    """Probe environment `kind` (1-5)."""

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, kind: int, seed: int | None = None) -> None:
        self.kind = kind
        self.observation_space = _box()
        self.action_space = _discrete(2 if kind >= 4 else 1)
        self._rng = np.random.default_rng(seed)
        self._obs = 0.0
        self._t = 0

    def _observe(self) -> np.ndarray:
        return np.array([self._obs], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._t = 0
        self._obs = float(self._rng.choice([-1.0, 1.0])) if self.kind in (2, 5) else 0.0
        return self._observe(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = int(np.asarray(action).reshape(-1)[0]) if np.ndim(action) else int(action)
        if self.kind == 3 and self._t == 0:
            self._t, self._obs = 1, 1.0
            return self._observe(), 0.0, False, False, {}
        if self.kind in (1, 3):
            reward = 1.0
        elif self.kind == 2:
            reward = self._obs
        elif self.kind == 4:
            reward = 1.0 if a == 1 else -1.0
        else:
            reward = 1.0 if (a == 1) == (self._obs > 0) else -1.0
        return self._observe(), reward, True, False, {}


def _device_of(agent: Any) -> Any:
    import torch

    params = getattr(agent, "parameters", None)
    if callable(params):
        for p in params():
            return p.device
    return torch.device("cpu")


def _values(agent: Any, observations: list[float]) -> list[float]:
    import torch

    obs = torch.tensor([[o] for o in observations], dtype=torch.float32, device=_device_of(agent))
    with torch.no_grad():
        out = agent.value(obs)
    return [float(v) for v in torch.as_tensor(out).reshape(-1).tolist()]


def _actions(agent: Any, observations: list[float]) -> list[int]:
    import torch

    obs = torch.tensor([[o] for o in observations], dtype=torch.float32, device=_device_of(agent))
    with torch.no_grad():
        out = agent.act(obs, deterministic=True)
    return [int(a) for a in torch.as_tensor(out).reshape(-1).tolist()]


def check(kind: int, agent: Any, tolerance: float, gamma: float) -> dict[str, Any]:
    """What env `kind` measures on a trained agent, and whether it is within the tolerance."""
    if kind in (1, 2, 3):
        obs, want = {1: ([0.0], [1.0]), 2: ([1.0, -1.0], [1.0, -1.0]), 3: ([0.0, 1.0], [gamma, 1.0])}[kind]
        got = _values(agent, obs)
        error = max(abs(g - w) for g, w in zip(got, want, strict=True))
        return {"measure": "value error", "value": round(error, 4), "tolerance": tolerance, "passed": error <= tolerance,
                "observed": dict(zip((str(o) for o in obs), (round(g, 4) for g in got), strict=True)),
                "expected": dict(zip((str(o) for o in obs), want, strict=True))}
    obs, want_a = ([0.0], [1]) if kind == 4 else ([1.0, -1.0], [1, 0])
    acts = _actions(agent, obs)
    accuracy = sum(a == w for a, w in zip(acts, want_a, strict=True)) / len(want_a)
    return {"measure": "action accuracy", "value": accuracy, "tolerance": 1.0, "passed": accuracy >= 1.0,
            "observed": dict(zip((str(o) for o in obs), acts, strict=True)),
            "expected": dict(zip((str(o) for o in obs), want_a, strict=True))}


def measure(ctx: Any) -> dict[str, Any]:
    import torch

    train_agent = ctx.fn("train_agent")
    steps, seed = int(ctx.params.get("steps", 5000)), int(ctx.params.get("seed", 1))
    tolerance, default_gamma = float(ctx.params.get("tolerance", 0.1)), float(ctx.params.get("gamma", 0.99))
    results: list[dict[str, Any]] = []
    trained_steps, train_time = 0, 0.0
    for kind in [int(k) for k in ctx.params.get("envs", [1, 2, 3, 4, 5])]:
        entry: dict[str, Any] = {"env": kind, "name": NAMES[kind]}
        try:
            torch.manual_seed(seed)
            np.random.seed(seed)
            start = time.perf_counter()
            agent = train_agent(lambda s=None, _k=kind: ProbeEnv(_k, s), steps, seed)
            train_time += time.perf_counter() - start
            trained_steps += steps
            agent_gamma = getattr(agent, "gamma", None)
            gamma = float(agent_gamma) if isinstance(agent_gamma, (int, float)) else default_gamma
            entry["gamma"], entry["gamma_from"] = gamma, "agent" if isinstance(agent_gamma, (int, float)) else "default"
            entry.update(check(kind, agent, tolerance, gamma))
        except Exception as exc:  # one environment's failure is recorded, the others still run
            entry.update({"passed": None, "error": f"{type(exc).__name__}: {exc}"[:500],
                          "traceback": traceback.format_exc()[-2000:]})
        results.append(entry)
    if train_time > 0:
        ctx.steps_per_s = trained_steps / train_time
    return {"envs": results, "steps": steps, "seed": seed, "tolerance": tolerance}
