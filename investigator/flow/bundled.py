"""Parameters bundled into one object: `f(self, obs_t, act_t)` -> `f(self, batch)` reading `batch.observations`.

A common refactor replaces a function's separate tensor parameters by one batch object and reads
its fields where the parameters were used (real shape: d3rlpy 2.0's `update_imitator(self, batch:
TorchMiniBatch)`, which read `obs_t` / `act_t` in 1.x: a significant "loss path" finding). What the
callers put into the batch is compared at the callers; in the function itself the statements only
read the same values under other names.

A statement counts as bundled when it is the baseline statement with each parameter the candidate
dropped replaced by a field of a parameter the candidate added, the same field for every use in the
function (one mapping, one-to-one), and the field's name agrees with the parameter's: each word of
the parameter (`obs`, `act`) begins a word of the field (`observations`, `actions`), and a
next-step parameter (`obs_tp1`, `next_obs`) maps only to a next-step field (`next_observations`):
`obs_t` -> `batch.next_observations` reads another tensor and stays a change.
"""

from __future__ import annotations

import ast

STEP_WORDS = frozenset({"t", "tp1", "tm1", "next", "batch", "tensor", "t0", "t1"})
NEXT_WORDS = frozenset({"tp1", "next", "t1"})


def bundled_parameters(base_fn: ast.AST, cand_fn: ast.AST, pairs: list[tuple[ast.AST, ast.AST]]
                       ) -> dict[str, str] | None:
    """The mapping (dropped parameter -> field read) under which every statement pair reads alike,
    None when some pair does not, the mapping is not one-to-one or a name disagrees."""
    dropped, added = _params(base_fn) - _params(cand_fn), _params(cand_fn) - _params(base_fn)
    if not dropped or not added:
        return None
    mapping: dict[str, str] = {}
    for b, c in pairs:
        if not _match(b, c, dropped, added, mapping):
            return None
    if not mapping or len(set(mapping.values())) != len(mapping):
        return None
    return mapping if all(_agrees(p, f.rsplit(".", 1)[-1]) for p, f in mapping.items()) else None


def _params(fn: ast.AST) -> set[str]:
    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    a = fn.args
    return {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]} - {"self", "cls"}


def _field(node: ast.AST, added: set[str]) -> str | None:
    """`batch.observations` (an attribute of an added parameter) as text, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in added:
        return ast.unparse(node)
    return None


def _match(b: object, c: object, dropped: set[str], added: set[str], mapping: dict[str, str]) -> bool:
    if isinstance(b, list) and isinstance(c, list):
        return len(b) == len(c) and all(_match(x, y, dropped, added, mapping) for x, y in zip(b, c, strict=True))
    if not isinstance(b, ast.AST) or not isinstance(c, ast.AST):
        return b == c
    if isinstance(b, ast.Name) and b.id in dropped:
        field = _field(c, added)
        return field is not None and mapping.setdefault(b.id, field) == field
    if type(b) is not type(c):
        return False
    return all(_match(getattr(b, name, None), getattr(c, name, None), dropped, added, mapping)
               for name in b._fields if name != "ctx")


def _agrees(param: str, field: str) -> bool:
    words = [w for w in param.lower().split("_") if w]
    fields = [w for w in field.lower().split("_") if w]
    if bool(set(words) & NEXT_WORDS) != ("next" in fields):
        return False
    core = [w for w in words if w not in STEP_WORDS]
    return bool(core) and all(any(f.startswith(w) for f in fields) for w in core)
