"""Child side of the `lr_trajectory` probe: the learning rate at each optimizer step.

With `lr_at(step)` in the adapter it is asked directly; otherwise the project's optimizer (and
scheduler, when `make_optimizer` returns one) is stepped `steps` times with zero gradients and
the first parameter group's learning rate read after each step.
"""

from __future__ import annotations

from typing import Any


def measure(ctx: Any) -> dict[str, Any]:
    steps, every = int(ctx.params.get("steps", 1000)), int(ctx.params.get("every", 10))
    points = list(range(0, steps + 1, every))
    if ctx.has("lr_at"):
        lr_at = ctx.fn("lr_at")
        return {"steps": points, "lr": [float(lr_at(s)) for s in points], "source": "lr_at"}
    import torch

    torch.manual_seed(int(ctx.params.get("seed", 1)))
    agent = ctx.fn("make_agent")(int(ctx.params.get("seed", 1)))
    made = ctx.fn("make_optimizer")(agent)
    optimizer, scheduler = made if isinstance(made, tuple) else (made, None)
    lrs: list[float] = []
    for step in range(steps + 1):
        if step % every == 0:
            lrs.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.zero_grad(set_to_none=True)
        optimizer.step()  # no gradients: parameters stay, schedule state advances
        if scheduler is not None:
            scheduler.step()
    return {"steps": points, "lr": lrs, "source": "optimizer" + ("+scheduler" if scheduler is not None else "")}
