"""Code under a branch whose flag every call leaves off runs in no run of the range: no behavioural change.

Real shape (cleanrl e421c2e5..9d709007): `make_env(env_id, idx, capture_video, run_name)` builds a `thunk` that
wraps the environment in `RecordVideo` under `if capture_video and idx == 0:`; the range removed a duplicated
`if capture_video: if idx == 0: env = RecordVideo(...)` and gave the recorded environment `render_mode="rgb_array"`.
Every call is `make_env(args.env_id, i, args.capture_video, run_name)` with `capture_video: bool = False` in the
script's `Args`: significant environment-path findings for video recording that is off unless asked for.

A parameter of the changed function, or of the function it is nested in, is *off* when every reference to that
function's name in the commit's Python files is an import or a call that passes for it (positionally or by keyword)
`False`, `None` or `0`, or `<obj>.<field>` where `<field>` is a field of a
top-level class without bases of the caller's module whose literal default is one of those. (A parameter every call leaves out is judged
by detectors/guards.py, which reads the removed branch as never run at the baseline.) A changed statement is
dead when it lies in the body of an `if` whose test is false with the off parameters false (`p`, `p and ...`),
or is such an `if` itself. Turning the flag on is a command-line or configuration choice, not a change of code.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.pyast import nodes_on_line

MAX_REFERENCES = 20


def _off_literal(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, None, 0) and not isinstance(node.value, str)


def _off_fields(tree: ast.Module) -> set[str]:
    """Fields with an off literal default of the module's top-level classes without bases."""
    found: set[str] | None = tree.__dict__.get("_off_fields")
    if found is None:
        found = set()
        for cls in tree.body:
            if isinstance(cls, ast.ClassDef) and not cls.bases and not cls.keywords:
                for s in cls.body:
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and _off_literal(s.value):
                        found.add(s.target.id)
                    elif isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
                            and _off_literal(s.value):
                        found.add(s.targets[0].id)
        tree.__dict__["_off_fields"] = found
    return found


def _off_value(node: ast.expr | None, tree: ast.Module) -> bool:
    if _off_literal(node):
        return True
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id != "self" \
        and node.attr in _off_fields(tree)


def _calls_at(tree: ast.Module, line: int, name: str) -> list[ast.Call] | None:
    """The calls of `name` on that line; None when the line references it otherwise (other than an import)."""
    calls: list[ast.Call] = []
    other = False
    for node in nodes_on_line(tree).get(line, ()):
        if isinstance(node, ast.Import | ast.ImportFrom):
            return []
        if isinstance(node, ast.Call) and (isinstance(node.func, ast.Name) and node.func.id == name
                                           or isinstance(node.func, ast.Attribute) and node.func.attr == name):
            calls.append(node)
        elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            other = True
    return None if other and not calls else calls


def _off_parameters(fn_node: ast.FunctionDef, own_path: str, side: SideIndex) -> set[str]:
    """The parameters of a function that every reference to it leaves off (module doc)."""
    params = [a.arg for a in [*fn_node.args.posonlyargs, *fn_node.args.args]]
    refs = []
    for path, line in side.references(fn_node.name):
        module = side.module(path) if path.endswith(PY_SUFFIXES) else None
        if module is None:
            return set()
        if path != own_path and any(isinstance(n, ast.FunctionDef) and n.name == fn_node.name for n in module.tree.body):
            continue  # another script's own function of that name (cleanrl: every script defines `make_env`)
        refs.append((module, line))
    if not refs or len(refs) > MAX_REFERENCES or fn_node.args.vararg or fn_node.args.kwarg:
        return set()
    off = set(params)
    seen_call = False
    for module, line in refs:
        calls = _calls_at(module.tree, line, fn_node.name)
        if calls is None:
            return set()
        for call in calls:
            seen_call = True
            if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
                return set()
            passed = {params[i]: a for i, a in enumerate(call.args) if i < len(params)}
            passed.update({k.arg: k.value for k in call.keywords if k.arg})
            off = {p for p in off if p in passed and _off_value(passed[p], module.tree)}
    return off if seen_call else set()


def off_flags(fn: FunctionInfo, side: SideIndex) -> set[str]:
    """The off parameters of `fn` and of the function it is nested in (memoised on the side)."""
    memo = side.memo.setdefault("offflags", {})
    assert isinstance(memo, dict)
    key = (fn.path, fn.qualname)
    if key not in memo:
        out: set[str] = set()
        owners = [fn.node]
        if "." in fn.qualname:
            outer = fn.module.functions.get(fn.qualname.rsplit(".", 1)[0])
            if outer is not None and isinstance(outer.node, ast.FunctionDef):
                owners.append(outer.node)
        for node in owners:
            if isinstance(node, ast.FunctionDef) and not fn.class_name:
                out |= _off_parameters(node, fn.path, side)
        memo[key] = out
    return memo[key]


def _false(test: ast.expr, off: set[str]) -> bool:
    if isinstance(test, ast.Name):
        return test.id in off
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_false(v, off) for v in test.values)
    return False


def dead_statement(stmt: ast.stmt, fn: FunctionInfo, off: set[str]) -> str:
    """The test (as written) of the `if` that keeps `stmt` from running with the off flags off; '' when none."""
    if not off:
        return ""
    if isinstance(stmt, ast.If) and _false(stmt.test, off):
        return ast.unparse(stmt.test)
    for node in ast.walk(fn.node):
        if isinstance(node, ast.If) and _false(node.test, off) and any(
                stmt is sub for s in node.body for sub in ast.walk(s)):
            return ast.unparse(node.test)
    return ""
