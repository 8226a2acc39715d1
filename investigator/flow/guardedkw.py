"""A constructor keyword moved into a store guarded by the field's presence: the same value.

`packed = Params(a, total_tokens=n)` -> `packed = Params(a)` then `if hasattr(packed, "total_tokens"):
packed.total_tokens = n`. Where the class has the field, the object ends with the value the baseline passed; where
it does not, the baseline's call raised (an unexpected keyword) and no run of it computed anything. A compatibility
guard for library versions, not a change of what training reads. Real shape: ms-swift 302b074d..3602360a,
`get_packed_seq_params` built Megatron's `PackedSeqParams(..., total_tokens=position_ids.numel())` and now sets
`packed.total_tokens = position_ids.numel()` under `if hasattr(packed, 'total_tokens'):`: "Behavioural change in
the optimizer path" (significant, first of its range).

Only the exact shape: the same constructor called with the same other arguments, the moved keyword's value stored
unchanged (same expression) into the attribute of that name on the object just built, inside an `if` that tests
`hasattr(obj, "name")` alone. Any other edit of the call or a different stored value stays a change.
"""

from __future__ import annotations

import ast

from investigator.flow.diff import UnitChange


def _built(node: ast.stmt) -> tuple[str, ast.Call] | None:
    """(`obj`, the call) of `obj = Ctor(...)`."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Call):
        return node.targets[0].id, node.value
    return None


def _dropped_keywords(base: ast.Call, cand: ast.Call) -> dict[str, str] | None:
    """The keywords the candidate's call no longer passes -> the dump of their baseline value, when the call is
    otherwise the same (callee, positional arguments, the other keywords); else None."""
    if ast.dump(base.func) != ast.dump(cand.func) or [ast.dump(a) for a in base.args] != [ast.dump(a) for a in cand.args]:
        return None
    kb = {k.arg: ast.dump(k.value) for k in base.keywords}
    kc = {k.arg: ast.dump(k.value) for k in cand.keywords}
    if None in kb or None in kc or any(kb.get(k) != v for k, v in kc.items()):
        return None
    dropped = {k: v for k, v in kb.items() if k not in kc}
    return dropped or None  # type: ignore[return-value]


def _hasattr_test(node: ast.stmt, obj: str) -> str | None:
    """The attribute `if hasattr(obj, "name"):` tests, else None."""
    if not isinstance(node, ast.If) or node.orelse:
        return None
    t = node.test
    if isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and t.func.id == "hasattr" and len(t.args) == 2 \
            and not t.keywords and isinstance(t.args[0], ast.Name) and t.args[0].id == obj \
            and isinstance(t.args[1], ast.Constant) and isinstance(t.args[1].value, str):
        return t.args[1].value
    return None


def _stored(node: ast.stmt, obj: str) -> tuple[str, str] | None:
    """(attribute, dump of the value) of `obj.attr = value`."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute) \
            and isinstance(node.targets[0].value, ast.Name) and node.targets[0].value.id == obj:
        return node.targets[0].attr, ast.dump(node.value)
    return None


def guarded_keyword_moves(changes: list[UnitChange]) -> list[UnitChange]:
    """The changes that together only move constructor keywords into presence-guarded stores (module doc)."""
    added = [c for c in changes if c.base is None and c.cand is not None]
    out: list[UnitChange] = []
    for c in changes:
        if c.base is None or c.cand is None:
            continue
        b, k = _built(c.base.node), _built(c.cand.node)
        if b is None or k is None or b[0] != k[0]:
            continue
        dropped = _dropped_keywords(b[1], k[1])
        if not dropped:
            continue
        obj = b[0]
        found: list[UnitChange] = []
        for name, value in dropped.items():
            guard = next((g for g in added if g.cand is not None and _hasattr_test(g.cand.node, obj) == name), None)
            store = next((s for s in added if s.cand is not None and guard is not None and guard.cand is not None
                          and s.cand.index in guard.cand.controls and _stored(s.cand.node, obj) == (name, value)
                          and len(guard.cand.node.body) == 1), None)  # type: ignore[attr-defined]
            if guard is None or store is None:
                break
            found += [guard, store]
        else:
            out += [c, *found]
    return out
