"""A call of a handed-in callable that only follows its changed calling convention.

Real shape (skrl 1.4.3..2.0.0, the JAX PPO/A2C/RPO/IPPO/MAPPO value losses): the jitted helper
`_update_value(value_act, value_state_dict, sampled_states, ...)` is handed the model's `act` by its
caller; its inner loss did `predicted_values, _, _ = value_act({"states": sampled_states}, "value",
params)` and now does `predicted_values, _ = value_act(inputs, role="value", params=params)`: the
model API takes `role`/`params` by keyword and returns two values instead of three, and the callers
build the input dictionary themselves (`inputs = {"observations": ..., "states": ...}`) and hand it in
where `sampled_states` was. Each loss was "Behavioural change in the loss path", significant, though
the value it computes is the model's output for what the callers hand in.

The callable is a parameter, so its code is not here: what it computes is compared in the project code
it is (`Model.act`), and what the callers hand in is compared in the callers. The statement is only
an adaptation when everything else is the same:
* the same callable name, a parameter of the function or of a function enclosing it, at both commits;
* the same names kept from the result at the same tuple positions, every other target `_`;
* the same arguments, where the baseline's trailing positional arguments may have become keyword
  arguments: each keyword is bound to the position its name has in every project function the callers
  hand in under that name and that takes those names (`_update_value(self.value.act, ...)` ->
  `Model.act(self, inputs, role, params)`), and carries the value the baseline passed there (a keyword
  naming another parameter, `loss_fn(target=pred, input=target)`, is a swap; with no such function
  found nothing is explained), and an argument that packed parameters of the enclosing functions (`{"states": sampled_states}`) may
  have become a parameter the candidate gained (`inputs`) when every parameter it packed is gone at the
  candidate: the packing moved to the callers, which now decide those values.
A changed literal (`"value"` -> `"policy"`), another parameter handed on, another result position kept,
or a packing whose parameters are still there is a change, and stays one.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo

_DISPLAYS = (ast.Dict, ast.Tuple, ast.List, ast.Constant, ast.Name, ast.Load, ast.Starred)


def _enclosing_params(fn: FunctionInfo) -> tuple[list[str], set[str]]:
    """(the function's own parameters, the parameters of the functions enclosing it) by name."""
    def names(node: ast.AST) -> list[str]:
        a = getattr(node, "args", None)
        if not isinstance(a, ast.arguments):
            return []
        return [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    own = names(fn.node)
    outer: set[str] = set()
    parts = fn.qualname.split(".")
    for k in range(1, len(parts)):
        parent = fn.module.functions.get(".".join(parts[:k]))
        if parent is not None:
            outer |= set(names(parent.node))
    return own, outer


def _call_of(stmt: ast.AST) -> tuple[ast.expr | None, ast.Call] | None:
    """(assignment target or None, the call) of `t = f(...)` or a bare `f(...)`; None otherwise."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call):
        return stmt.targets[0], stmt.value
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return None, stmt.value
    return None


def _kept(target: ast.expr | None) -> list[tuple[int, str]] | None:
    """The names kept from a result by position (`v, _, _` -> [(0, 'v')]); None when not plain names."""
    if target is None:
        return []
    if isinstance(target, ast.Name):
        return [(-1, target.id)]
    if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
        return [(k, e.id) for k, e in enumerate(target.elts) if isinstance(e, ast.Name) and e.id != "_"]
    return None


def _packed(node: ast.expr, params: set[str]) -> set[str] | None:
    """The parameters a display of parameters and literals packs (`{"states": s, "alpha": a}`); None when
    it is not one."""
    if not isinstance(node, ast.Dict | ast.Tuple | ast.List):
        return None
    if not all(isinstance(n, _DISPLAYS) for n in ast.walk(node)):
        return None
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return names if names and names <= params else None


def handed_in_call(base_stmt: ast.AST, cand_stmt: ast.AST, base_fn: FunctionInfo, cand_fn: FunctionInfo) -> str | None:
    """The handed-in callable whose changed calling convention the statement only follows (module doc),
    None when anything else differs."""
    b, c = _call_of(base_stmt), _call_of(cand_stmt)
    if b is None or c is None:
        return None
    (bt, bcall), (ct, ccall) = b, c
    if not isinstance(bcall.func, ast.Name) or not isinstance(ccall.func, ast.Name) or bcall.func.id != ccall.func.id:
        return None
    name = bcall.func.id
    b_own, b_outer = _enclosing_params(base_fn)
    c_own, c_outer = _enclosing_params(cand_fn)
    if name not in set(b_own) | b_outer or name not in set(c_own) | c_outer:
        return None
    kept_b, kept_c = _kept(bt), _kept(ct)
    if kept_b is None or kept_c is None or kept_b != kept_c:
        return None
    if any(isinstance(a, ast.Starred) for a in (*bcall.args, *ccall.args)) or \
            any(k.arg is None for k in (*bcall.keywords, *ccall.keywords)):
        return None
    # the baseline's keywords stay keywords; its trailing positional arguments became the candidate's others
    if {k.arg: ast.dump(k.value) for k in bcall.keywords}.items() - {k.arg: ast.dump(k.value) for k in ccall.keywords}.items():
        return None
    if len(ccall.args) > len(bcall.args):
        return None
    moved = [k for k in ccall.keywords if k.arg not in {b.arg for b in bcall.keywords}]
    at = _positions(bcall.func.id, [str(k.arg) for k in moved], base_fn, cand_fn) if moved else {}
    if at is None or sorted(at.values()) != list(range(len(ccall.args), len(bcall.args))):
        return None
    pairs = [*zip(bcall.args, ccall.args, strict=False), *((bcall.args[at[str(k.arg)]], k.value) for k in moved)]
    b_params, c_params = set(b_own) | b_outer, set(c_own) | c_outer
    changed = False
    for before, after in pairs:
        if ast.dump(before) == ast.dump(after):
            continue
        packed = _packed(before, b_params)
        if packed is None or not isinstance(after, ast.Name) or after.id not in c_params - b_params \
                or packed & c_params:
            return None
        changed = True
    if not changed and not moved and kept_b == kept_c and ast.dump(bt or ast.Pass()) == ast.dump(ct or ast.Pass()):
        return None  # nothing this rule explains differs
    return name


def _handed(name: str, fn: FunctionInfo) -> list[str]:
    """The last names of what the callers in `fn`'s module hand in for parameter `name` of the function
    (or enclosing function) that declares it (`_update_value(self.value.act, ...)` -> `act`)."""
    parts = fn.qualname.split(".")
    for k in range(len(parts), 0, -1):
        owner = fn.module.functions.get(".".join(parts[:k]))
        a = getattr(owner.node, "args", None) if owner is not None else None
        if not isinstance(a, ast.arguments):
            continue
        positional = [p.arg for p in (*a.posonlyargs, *a.args)]
        if name not in positional and name not in {p.arg for p in a.kwonlyargs}:
            continue
        at = positional.index(name) if name in positional else None
        out: list[str] = []
        for node in ast.walk(fn.module.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if called != parts[k - 1]:
                continue
            arg = node.args[at] if at is not None and at < len(node.args) else \
                next((kw.value for kw in node.keywords if kw.arg == name), None)
            last = arg.attr if isinstance(arg, ast.Attribute) else arg.id if isinstance(arg, ast.Name) else None
            if last:
                out.append(last)
        return out
    return []


def _positions(name: str, keywords: list[str], base_fn: FunctionInfo, cand_fn: FunctionInfo) -> dict[str, int] | None:
    """The baseline positions of the parameters the candidate now names by keyword, the same in every
    project function the callers hand in under that name that takes them; None when none is found or
    they disagree."""
    handed = set(_handed(name, cand_fn)) | set(_handed(name, base_fn))
    index = base_fn.module.index
    if not handed or index is None:
        return None
    found: dict[str, int] | None = None
    for last in sorted(handed):
        for fn in index.find_defs(last):
            a = getattr(fn.node, "args", None)
            if not isinstance(a, ast.arguments):
                continue
            params = [p.arg for p in (*a.posonlyargs, *a.args)]
            params = params[1:] if params[:1] in (["self"], ["cls"]) else params
            if not set(keywords) <= set(params):
                continue  # another function of that name (`Agent.act(states, timestep, timesteps)`)
            here = {k: params.index(k) for k in keywords}
            if found is not None and here != found:
                return None
            found = here
    return found
