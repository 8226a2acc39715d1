"""Child side of the `dtype_device_audit` probe: where the project's agent lives and in what precision.

`make_agent(seed)`: the dtype and device of every parameter and buffer (counted in tensors and
elements). With `make_optimizer`: one optimizer step on zero gradients, then the dtypes of its
state tensors (Adam's moments). With `update_step` too: one update of the project's own code with
forward hooks on every module, recording the dtypes its modules compute in (autocast shows here,
not in the parameters). Also whether CUDA was visible to this process (`ctx.device` is the slot).
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def _counts(tensors: list[Any]) -> dict[str, Any]:
    dtypes: Counter[str] = Counter()
    devices: Counter[str] = Counter()
    for t in tensors:
        dtypes[str(t.dtype).replace("torch.", "")] += int(t.numel())
        devices[t.device.type] += int(t.numel())
    return {"dtypes": dict(dtypes), "devices": dict(devices), "tensors": len(tensors)}


def _optimizer(ctx: Any, agent: Any) -> tuple[Any, Any]:
    made = ctx.fn("make_optimizer")(agent)
    return made if isinstance(made, tuple) else (made, None)


def _optimizer_state(optimizer: Any, agent: Any) -> dict[str, Any]:
    import torch

    for p in agent.parameters():
        if p.requires_grad:
            p.grad = torch.zeros_like(p)
    optimizer.step()  # zero gradients: the state is created, the parameters barely move
    optimizer.zero_grad(set_to_none=True)
    tensors = [v for state in optimizer.state.values() for k, v in state.items()
               if torch.is_tensor(v) and k != "step" and v.is_floating_point()]
    return _counts(tensors)


def _forward_dtypes(ctx: Any, agent: Any, optimizer: Any, seed: int) -> dict[str, int]:
    import torch

    seen: Counter[str] = Counter()

    def hook(*args: Any) -> None:  # (module, inputs, output)
        output = args[-1]
        outs = output if isinstance(output, (tuple, list)) else [output]
        for out in outs:
            if torch.is_tensor(out) and out.is_floating_point():
                seen[str(out.dtype).replace("torch.", "")] += 1

    handles = [m.register_forward_hook(hook) for m in agent.modules() if not list(m.children())]
    try:
        ctx.fn("update_step")(agent, optimizer, seed)
    finally:
        for h in handles:
            h.remove()
    return dict(seen)


def measure(ctx: Any) -> dict[str, Any]:
    import torch

    seed = int(ctx.params.get("seed", 0))
    torch.manual_seed(seed)
    agent = ctx.fn("make_agent")(seed)
    result: dict[str, Any] = {
        "cuda_available": bool(torch.cuda.is_available()),
        "slot": ctx.device,
        "parameters": _counts([p for p in agent.parameters()]),
        "buffers": _counts([b for b in agent.buffers() if b.is_floating_point()]),
        "optimizer_state": None,
        "forward": None,
    }
    if ctx.has("make_optimizer"):
        optimizer, _ = _optimizer(ctx, agent)
        result["optimizer_state"] = _optimizer_state(optimizer, agent)
        if ctx.has("update_step"):
            result["forward"] = _forward_dtypes(ctx, agent, optimizer, seed)
    return result
