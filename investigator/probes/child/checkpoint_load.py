"""Child side of the `checkpoint_load` probe: how much of a saved agent the project's loader restores.

Agent A = `make_agent(1)` is saved with `save_checkpoint(A, path)` (default:
`torch.save(A.state_dict(), path)`) in the scratch directory. Agent B = `make_agent(2)` has every
tensor of its state dict moved off its initial values (floats + 1 + U(0, 1), integers + 1, booleans
negated) so that no tensor can equal A's by chance (constant biases), then
`load_checkpoint(B, path)` runs (the project's own loading path; an agent it returns replaces B).
Each of A's tensors counts as loaded when B's tensor of that name is equal to it. A loader that
raises is a measured result (`error`), counted as far as it got.
"""

from __future__ import annotations

from typing import Any


def _perturb(agent: Any) -> None:
    import torch

    with torch.no_grad():
        for t in agent.state_dict().values():
            if not isinstance(t, torch.Tensor):  # extra state (get_extra_state): left as it is
                continue
            if t.is_floating_point() or t.is_complex():
                t.add_(1.0 + torch.rand_like(t))
            elif t.dtype == torch.bool:
                t.logical_not_()
            else:
                t.add_(1)


def _same(a: Any, b: Any) -> bool:
    import torch

    if not isinstance(b, torch.Tensor) or b.shape != a.shape or b.dtype != a.dtype:
        return False
    return bool(torch.equal(a.detach().cpu(), b.detach().cpu()))


def measure(ctx: Any) -> dict[str, Any]:
    import torch

    path = ctx.scratch / "checkpoint.pt"
    torch.manual_seed(1)
    source = ctx.fn("make_agent")(1)
    if ctx.has("save_checkpoint"):
        ctx.fn("save_checkpoint")(source, str(path))
    else:
        torch.save(source.state_dict(), str(path))
    torch.manual_seed(2)
    target = ctx.fn("make_agent")(2)
    _perturb(target)
    error = None
    try:
        returned = ctx.fn("load_checkpoint")(target, str(path))
        if isinstance(returned, torch.nn.Module):
            target = returned
    except Exception as exc:  # a loader that raises (strict=True with missing keys) is the measurement
        error = f"{type(exc).__name__}: {exc}"[:500]
    expected, got = source.state_dict(), target.state_dict()
    loaded: list[str] = []
    not_loaded: list[str] = []
    for name, tensor in expected.items():
        if isinstance(tensor, torch.Tensor):
            (loaded if _same(tensor, got.get(name)) else not_loaded).append(name)
    return {"total": len(loaded) + len(not_loaded), "loaded": len(loaded), "not_loaded": not_loaded,
            "absent": [n for n in not_loaded if n not in got], "error": error}
