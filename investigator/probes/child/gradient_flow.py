"""Child side of the `gradient_flow` probe: which parameters get a gradient in one update.

`make_agent(seed)` and `make_optimizer(agent)`, then `update_step(agent, optimizer, seed + i)`
`calls` times; a global optimizer step pre-hook records, at every `optimizer.step()`, the state of
`.grad` of each of the agent's parameters that the stepping optimizer holds: `grad` (finite,
not all zero), `zero`, `none` or `nonfinite`. A parameter never held by a stepping optimizer is
`not_stepped`. Across steps the strongest state wins (nonfinite > grad > zero > none).
"""

from __future__ import annotations

from typing import Any

_RANK = {"none": 0, "zero": 1, "grad": 2, "nonfinite": 3}


def _state(grad: Any) -> str:
    import torch

    if grad is None:
        return "none"
    with torch.no_grad():
        if not bool(torch.isfinite(grad).all()):
            return "nonfinite"
        return "grad" if int(torch.count_nonzero(grad)) > 0 else "zero"


def measure(ctx: Any) -> dict[str, Any]:
    import torch

    seed, calls = int(ctx.params.get("seed", 1)), int(ctx.params.get("calls", 1))
    torch.manual_seed(seed)
    agent = ctx.fn("make_agent")(seed)
    made = ctx.fn("make_optimizer")(agent)
    optimizer = made[0] if isinstance(made, tuple) else made
    named = list(agent.named_parameters())
    by_id = {id(p): n for n, p in named}
    seen: dict[str, str] = {}
    steps = 0

    def hook(opt: Any, args: Any, kwargs: Any) -> None:
        nonlocal steps
        steps += 1
        for group in opt.param_groups:
            for p in group["params"]:
                name = by_id.get(id(p))
                if name is not None:
                    state = _state(p.grad)
                    if _RANK[state] >= _RANK.get(seen.get(name, "none"), 0):
                        seen[name] = state

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    handle = register_optimizer_step_pre_hook(hook)
    try:
        for i in range(calls):
            torch.manual_seed(seed + i)
            ctx.fn("update_step")(agent, optimizer, seed + i)
    finally:
        handle.remove()
    return {
        "steps": steps,
        "calls": calls,
        "params": {n: seen.get(n, "not_stepped") for n, _ in named},
        "requires_grad": {n: bool(p.requires_grad) for n, p in named},
    }
