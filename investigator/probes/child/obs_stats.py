"""Child side of the `obs_stats` probe: what the agent would observe from the project's env.

`make_env(seed)` is reset with the seed and stepped `steps` times with actions sampled from its
`action_space` (seeded), which the probe needs: an environment without one is a recorded failure.
Accepted: the gymnasium API (reset(seed=) -> (obs, info), step -> 5-tuple), the old gym API
(reset() -> obs, step -> 4-tuple), and vector environments (`num_envs`, batched arrays or torch
tensors; they reset themselves). Dict observations are measured per key. For each key: the
shape of one observation, its dtype, and per-feature mean/std/min/max of the first
`max_features` flattened features (plus the count of all features).
"""

from __future__ import annotations

import sys
from typing import Any


def _array(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _parts(obs: Any) -> dict[str, Any]:
    if isinstance(obs, dict):
        return {str(k): _array(v) for k, v in sorted(obs.items(), key=lambda kv: str(kv[0]))}
    return {"obs": _array(obs)}


def _reset(env: Any, seed: int) -> Any:
    try:
        out = env.reset(seed=seed)
    except TypeError:  # the old gym API: reset() without a seed argument
        if hasattr(env, "seed"):
            env.seed(seed)
        out = env.reset()
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], (dict, list)):
        return out[0]
    return out


def _ended(step: tuple[Any, ...]) -> bool:
    """Whether a single (not vector) environment's episode ended at this step."""
    import numpy as np

    flags = step[2:4] if len(step) == 5 else step[2:3]
    return any(bool(np.any(_array(f))) for f in flags)


def _is_batched(env: Any, first: dict[str, Any]) -> bool:
    n = getattr(env, "num_envs", None)
    return isinstance(n, int) and all(a.ndim >= 1 and a.shape[0] == n for a in first.values())


def _rollout(env: Any, seed: int, steps: int) -> tuple[list[dict[str, Any]], bool]:
    space = getattr(env, "action_space", None)
    if space is None or not hasattr(space, "sample"):
        raise LookupError("make_env's environment has no action_space with sample(): the probe samples random actions from it")
    if hasattr(space, "seed"):
        space.seed(seed)
    observations = [_parts(_reset(env, seed))]
    batched = _is_batched(env, observations[0])
    for _ in range(steps):
        step = env.step(space.sample())
        if not isinstance(step, tuple) or len(step) not in (4, 5):
            raise TypeError(f"env.step returned {type(step).__name__} of length {len(step) if isinstance(step, tuple) else '?'}, "
                            "expected the 5-tuple (gymnasium) or the 4-tuple (gym)")
        observations.append(_parts(step[0]))
        if not batched and _ended(step):
            observations.append(_parts(_reset(env, seed + len(observations))))
    return observations, batched


def _stats(samples: Any, max_features: int) -> dict[str, Any]:
    import numpy as np

    flat = samples.reshape(samples.shape[0], -1)
    values = flat[:, :max_features].astype(np.float64)
    finite = np.isfinite(values).all()
    return {"features": int(flat.shape[1]), "measured": int(values.shape[1]), "n": int(values.shape[0]), "finite": bool(finite),
            "mean": values.mean(0).tolist(), "std": values.std(0).tolist(),
            "min": values.min(0).tolist(), "max": values.max(0).tolist()}


def _space(space: Any) -> dict[str, Any]:
    shape = getattr(space, "shape", None)
    n = getattr(space, "n", None)
    return {"type": type(space).__name__, "shape": list(shape) if shape is not None else None,
            "n": int(n) if n is not None else None, "dtype": str(getattr(space, "dtype", None))}


def measure(ctx: Any) -> dict[str, Any]:
    import numpy as np

    seed, steps = int(ctx.params.get("seed", 0)), int(ctx.params.get("steps", 256))
    max_features = int(ctx.params.get("max_features", 64))
    np.random.seed(seed)
    env = ctx.fn("make_env")(seed)
    torch = sys.modules.get("torch")  # seeded when the project uses it (not imported for envs that do not)
    if torch is not None:
        torch.manual_seed(seed)
    try:
        observations, batched = _rollout(env, seed, steps)
    finally:
        close = getattr(env, "close", None)
        if callable(close):
            close()
    keys: dict[str, Any] = {}
    for key, first in observations[0].items():
        arrays = [o[key] for o in observations if key in o]
        samples = np.concatenate(arrays) if batched else np.stack(arrays)
        keys[key] = {"shape": list(first.shape[1:] if batched else first.shape), "dtype": str(first.dtype),
                     **_stats(samples, max_features)}
    return {"keys": keys, "action_space": _space(getattr(env, "action_space", None)), "batched": batched, "steps": steps, "num_envs": getattr(env, "num_envs", None) if batched else None}
