"""Child side of the `init_stats` probe: statistics of every tensor of a freshly made agent.

`torch.manual_seed(seed)` then `make_agent(seed)`; for each entry of its state dict: shape, dtype,
whether it is a parameter, whether it belongs to a head (see `_heads`), float64 mean/std/min/max
(floating tensors) and a hash of the values (to tell "same values" from "same statistics").
"""

from __future__ import annotations

import hashlib
from typing import Any


def _heads(agent: Any) -> set[str]:
    """Module names of the output layers: the last Linear inside each top-level submodule, and the
    Linear layers attached directly to the agent beside a body (or the last one of a bare stack)."""
    import torch

    last: dict[str, str] = {}
    direct: list[str] = []
    for name, module in agent.named_modules():
        if isinstance(module, torch.nn.Linear):
            if "." in name:
                last[name.split(".")[0]] = name
            elif name:
                direct.append(name)
    has_body = any(not isinstance(m, torch.nn.Linear) and any(True for _ in m.parameters()) for m in agent.children())
    heads = set(last.values())
    if direct:
        heads |= set(direct) if has_body else {direct[-1]}
    if isinstance(agent, torch.nn.Linear):
        heads.add("")
    return heads


def _digest(t: Any) -> str | None:
    import torch

    try:
        flat = t.detach().cpu()
        if flat.dtype == torch.bfloat16:
            flat = flat.float()
        return hashlib.sha1(flat.contiguous().numpy().tobytes()).hexdigest()
    except (TypeError, RuntimeError):
        return None


def _stats(t: Any) -> dict[str, Any]:
    import torch

    entry: dict[str, Any] = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "hash": _digest(t)}
    if t.is_floating_point() and t.numel() > 0:
        x = t.detach().cpu().to(torch.float64)
        entry.update(mean=float(x.mean()), std=float(x.std(unbiased=False)), min=float(x.min()), max=float(x.max()),
                     numel=int(x.numel()))
    return entry


def measure(ctx: Any) -> dict[str, Any]:
    import torch

    seed = int(ctx.params.get("seed", 1))
    torch.manual_seed(seed)
    agent = ctx.fn("make_agent")(seed)
    params = {n for n, _ in agent.named_parameters()}
    heads = _heads(agent)
    tensors: dict[str, Any] = {}
    for name, t in agent.state_dict().items():
        if not isinstance(t, torch.Tensor):  # extra state (get_extra_state)
            continue
        entry = _stats(t)
        entry["param"] = name in params
        entry["head"] = name.rpartition(".")[0] in heads
        tensors[name] = entry
    return {"tensors": tensors, "seed": seed}
