"""Child side of the `grad_norm_at_step` probe: the total gradient L2 norm at each optimizer step.

`make_agent(seed)`, `make_optimizer(agent)`, then `update_step(agent, optimizer, seed + i)` for
`calls` calls; a global optimizer step pre-hook computes, at every `optimizer.step()`, the L2 norm
(float64) over the gradients of the parameters that optimizer holds: what the update applies,
after any clipping the project does. Optimizers are numbered in the order they first step within
each call (an update that makes its own optimizer each call is still one series).
"""

from __future__ import annotations

import math
from typing import Any


def _total_norm(opt: Any) -> float | None:
    import torch

    total = 0.0
    with torch.no_grad():
        for group in opt.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    total += float(p.grad.detach().double().pow(2).sum())
    return math.sqrt(total) if math.isfinite(total) else None


def measure(ctx: Any) -> dict[str, Any]:
    import torch

    seed, calls = int(ctx.params.get("seed", 1)), int(ctx.params.get("calls", 3))
    torch.manual_seed(seed)
    agent = ctx.fn("make_agent")(seed)
    made = ctx.fn("make_optimizer")(agent)
    optimizer = made[0] if isinstance(made, tuple) else made
    stepped: list[Any] = []  # this call's optimizers, held so that no id() is reused within a call
    norms: list[float | None] = []
    which: list[int] = []
    given_stepped = False

    def hook(opt: Any, args: Any, kwargs: Any) -> None:
        nonlocal given_stepped
        index = next((i for i, o in enumerate(stepped) if o is opt), None)
        if index is None:
            stepped.append(opt)
            index = len(stepped) - 1
        given_stepped = given_stepped or opt is optimizer
        which.append(index)
        norms.append(_total_norm(opt))

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    handle = register_optimizer_step_pre_hook(hook)
    try:
        for i in range(calls):
            torch.manual_seed(seed + i)
            ctx.fn("update_step")(agent, optimizer, seed + i)
            stepped.clear()
    finally:
        handle.remove()
    return {"norms": norms, "optimizer": which, "calls": calls, "given_optimizer_stepped": given_stepped}
