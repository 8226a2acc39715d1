"""A case carved out of an error: the candidate is the baseline plus a branch that only inputs which
raised at the baseline take.

Real shape (PufferLib 8283cdcc..f68a41a2): `make_zeros_like(data)` gained
`elif isinstance(data, (int, float)): return 0` before its `else: raise ValueError(...)`. Every call
that returned at the baseline returns the same value; only an integer or float, which raised, now
gets a value. It was "Behavioural change in the environment path" (significant). A run that worked at
the baseline cannot be changed by it: no training regression can come from it.

Two forms: an `elif T:` inserted just before an `else:` that only raises, and an `if T:` without
else, whose body always leaves the block, inserted just before a `raise` of the same block. The rest
of the function must be the baseline's exactly (docstrings aside).
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo


def carved_from_raise(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> str | None:
    """The inserted test when `cand_fn` is `base_fn` plus such a branch, else None."""
    base, cand = base_fn.node, cand_fn.node
    if not isinstance(base, ast.FunctionDef | ast.AsyncFunctionDef) or type(base) is not type(cand):
        return None
    want: str | None = None  # the baseline's shape, dumped once a branch to take out is found (most pairs have none)
    for container, field, index in _slots(cand):
        block = getattr(container, field)
        node = block[index]
        if not isinstance(node, ast.If):
            continue
        if _raises_only(node.orelse) and field == "orelse" and isinstance(container, ast.If) and len(block) == 1:
            replacement = node.orelse  # `elif T: ... else: raise` -> `else: raise`
        elif not node.orelse and _leaves(node.body) and index + 1 < len(block) and isinstance(block[index + 1], ast.Raise):
            replacement = []  # `if T: return ...` just before `raise`
        else:
            continue
        if want is None:
            want = _shape(base)
        setattr(container, field, [*block[:index], *replacement, *block[index + 1:]])
        try:
            same = _shape(cand) == want
        finally:
            setattr(container, field, block)
        if same:
            return ast.unparse(node.test)
    return None


def _slots(fn: ast.AST) -> list[tuple[ast.AST, str, int]]:
    out: list[tuple[ast.AST, str, int]] = []
    for node in ast.walk(fn):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                out.extend((node, field, i) for i, s in enumerate(block) if isinstance(s, ast.If))
    return out


def _raises_only(block: list[ast.stmt]) -> bool:
    return len(block) == 1 and isinstance(block[0], ast.Raise)


def _leaves(block: list[ast.stmt]) -> bool:
    return bool(block) and isinstance(block[-1], ast.Return | ast.Raise)


def _shape(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The function's parameters and body without its docstring (positions aside)."""
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[])) + ast.dump(fn.args)


def carved_arms(cand_fn: FunctionInfo) -> list[tuple[str, set[int], int]]:
    """Every branch of the candidate's function that only inputs which reach an error take: (its test, the ids of
    the arm's statements with its header, the id of the `raise` that the inputs reached without it).

    The whole-function form above needs the rest of the function to be the baseline's; a new case often comes with
    other edits of the same function (ogbench v1.1.2..v1.1.3, ogbench/manipspace/envs/cube_env.py:37: `CubeEnv.__init__`
    gained `elif self._env_type == 'octuple': self._num_cubes = 8` before `else: raise ValueError(...)`, and its
    colour lists four more entries: "Behavioural change in the sampling path" (significant) although every
    environment type that ran at the baseline is built as before). `_without_carved_arms` (flow/analyzer.py) drops
    the arm's statements when they are all added and the `raise` is the baseline's; the function's other changes
    are compared as usual."""
    node = cand_fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    out: list[tuple[str, set[int], int]] = []
    for container, field, index in _slots(node):
        block = getattr(container, field)
        arm = block[index]
        if _raises_only(arm.orelse) and field == "orelse" and isinstance(container, ast.If) and len(block) == 1:
            raised = arm.orelse[0]
        elif not arm.orelse and _leaves(arm.body) and index + 1 < len(block) and isinstance(block[index + 1], ast.Raise):
            raised = block[index + 1]
        else:
            continue
        ids = {id(arm)} | {id(s) for b in arm.body for s in ast.walk(b) if isinstance(s, ast.stmt)}
        out.append((ast.unparse(arm.test), ids, id(raised)))
    return out
