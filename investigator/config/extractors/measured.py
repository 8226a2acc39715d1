"""Entries of a dict literal that measure a run instead of setting one.

A value that reads a tensor back to the host (`loss.item()`, `x.tolist()`, `t.cpu().numpy()`) is a number the
run computed: a dict of them (`metrics = {"kl_penalty": kl.sum().item() / n}`) is a record of what happened, for a
logger, never a setting any run was configured with. Real shape: nano-aha-moment 1085ceaf..6cd0306d,
`compute_pg_loss` returns `metrics = {"policy_loss": policy_loss.sum().item() / total_response_len, "kl_penalty":
...}`; the divisor became `total_response_len.item()` and the entry was filed "Config `metrics.kl_penalty`
changed" (significant, a learning-dynamics key by its name), second of its range.
"""

from __future__ import annotations

import ast

# methods that copy a computed tensor's value to a Python number / list / host array
READBACK_METHODS = frozenset({"item", "tolist", "numpy", "cpu", "detach"})


def reads_back(node: ast.AST) -> bool:
    """Whether an expression calls a tensor read-back method (`.item()`, `.tolist()`, ...)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in READBACK_METHODS
               for n in ast.walk(node))


def measured_leaves(node: ast.AST, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The sub-keys (as `flatten` spells them) of a dict literal / `dict(...)` call whose value reads a computed
    tensor back: measurements, not settings."""
    items: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.Dict):
        items = [(str(k.value), v) for k, v in zip(node.keys, node.values, strict=True)
                 if isinstance(k, ast.Constant) and isinstance(k.value, str | int)]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        items = [(kw.arg, kw.value) for kw in node.keywords if kw.arg]
    out: set[tuple[str, ...]] = set()
    for key, value in items:
        if isinstance(value, ast.Dict) or (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                                           and value.func.id == "dict"):
            out |= measured_leaves(value, (*prefix, key))
        elif reads_back(value):
            out.add((*prefix, key))
    return out
