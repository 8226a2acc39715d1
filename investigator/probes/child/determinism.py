"""Child side of the `determinism` probe: the same seed twice in one process, compared bit for bit.

`make_agent(seed)` is called twice without any seeding by the probe (the project's own seeding is
what is tested: an adapter should call the project's seeding helper, not torch.manual_seed), and
with `make_optimizer` + `update_step` each agent takes one update of the project's code. Each
state (parameters and buffers) is hashed exactly (every dtype widened to float64 bytes).
"""

from __future__ import annotations

import hashlib
from typing import Any


def _state(agent: Any) -> dict[str, Any]:
    import torch

    return {k: v.detach().to("cpu", torch.float64) for k, v in agent.state_dict().items() if torch.is_tensor(v)}


def _hash(state: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def _compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    differing = sorted(k for k in a if k not in b or a[k].shape != b[k].shape or not bool((a[k] == b[k]).all()))
    diff = max((float((a[k] - b[k]).abs().max()) for k in differing if k in b and a[k].shape == b[k].shape and a[k].numel()),
               default=0.0)
    return {"same": _hash(a) == _hash(b) and set(a) == set(b), "hashes": [_hash(a), _hash(b)],
            "differing": differing[:5], "differing_count": len(differing), "max_abs_diff": diff}


def _one(ctx: Any, seed: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    agent = ctx.fn("make_agent")(seed)
    init = _state(agent)
    if not (ctx.has("make_optimizer") and ctx.has("update_step")):
        return init, None
    made = ctx.fn("make_optimizer")(agent)
    optimizer = made[0] if isinstance(made, tuple) else made
    ctx.fn("update_step")(agent, optimizer, seed)
    return init, _state(agent)


def measure(ctx: Any) -> dict[str, Any]:
    seed = int(ctx.params.get("seed", 0))
    (init_a, upd_a), (init_b, upd_b) = _one(ctx, seed), _one(ctx, seed)
    init = _compare(init_a, init_b)
    update = _compare(upd_a, upd_b) if upd_a is not None and upd_b is not None else None
    return {"tensors": len(init_a), "init": init, "update": update,
            "deterministic": init["same"] and (update is None or update["same"])}
