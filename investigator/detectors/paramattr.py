"""A method parameter replaced by the instance attribute every caller passed as that argument.

Real shape (PufferLib 73aaa5a8..cb116bca): `CleanPuffeRL.train(self, agent, data, ...)` clipped
`agent.parameters()`; the candidate dropped the parameter and clips `self.agent.parameters()`. Every
baseline call was `trainer.train(agent, data)` on a `trainer = CleanPuffeRL(binding, agent, ...)`
built from that same `agent` (the dataclass field `agent`), so the module is the same object at both
commits: "Gradient clipping clipped parameters changed" was noise. A caller that passes anything else
(another module, an expression, a value the constructor did not receive) keeps the finding.

`attribute_parameters(pair, side)` gives such parameters; the feature detectors compare the baseline
once more with them read as `self.<name>` (`patterns.PARAMETER_ATTRIBUTES`).
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair, SideIndex
from investigator.pyast import dotted, last_name, self_attribute

MAX_CALLERS = 40  # mentions of the method name read; beyond this nothing is proven


def attribute_parameters(pair: FunctionPair, side: SideIndex) -> dict[str, ast.expr]:
    """{parameter: `self.<parameter>`} for each baseline parameter the candidate dropped and reads as
    `self.<parameter>`, when every baseline call of the method passes the receiver's own attribute."""
    return parameters_as_attributes(pair.base, pair.cand, side)


def parameters_as_attributes(base: FunctionInfo | None, cand: FunctionInfo | None, side: SideIndex | None
                             ) -> dict[str, ast.expr]:
    """`attribute_parameters` of two versions of a method (the flow analyzer's effect comparison reads
    the baseline with them bound: `agent.get_action_and_value(...)` is `self.agent.get_action_and_value(...)`)."""
    if side is None or base is None or cand is None or not base.class_name or not isinstance(base.node, ast.FunctionDef):
        return {}
    gone = [p for p in _params(base.node) if p not in _params(cand.node)]
    read = {n.attr for n in ast.walk(cand.node) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}
    names = [p for p in gone if p in read]
    if not names:
        return {}
    calls = _calls(side, base.name)
    if not calls:
        return {}
    fields = _constructor_fields(base)
    out: dict[str, ast.expr] = {}
    for name in names:
        index = _params(base.node).index(name)
        if all(_passes_attribute(call, scope, name, index, base.class_name, fields) for call, scope in calls):
            out[name] = ast.Attribute(value=ast.Name(id="self", ctx=ast.Load()), attr=name, ctx=ast.Load())
    return out


def _params(node: ast.AST) -> list[str]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    return names[1:] if names and names[0] in ("self", "cls") else names


def _calls(side: SideIndex, method: str) -> list[tuple[ast.Call, ast.AST]] | None:
    """Every call `<receiver>.<method>(...)` of the commit with the scope it is in (its function, or
    the module); None when there are too many mentions or a file does not parse."""
    mentions = side.references(method)
    if len(mentions) > MAX_CALLERS:
        return None
    out: list[tuple[ast.Call, ast.AST]] = []
    for path in dict.fromkeys(p for p, _line in mentions):
        if not path.endswith(".py"):
            continue
        module = side.module(path)
        if module is None:
            return None
        for scope, call in _scoped_calls(module.tree):
            if isinstance(call.func, ast.Attribute) and call.func.attr == method:
                out.append((call, scope))
    return out


def _scoped_calls(tree: ast.Module) -> list[tuple[ast.AST, ast.Call]]:
    out: list[tuple[ast.AST, ast.Call]] = []

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                out.append((scope, child))
            visit(child, child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope)

    visit(tree, tree)
    return out


def _constructor_fields(fn: FunctionInfo) -> list[str]:
    """The class's constructor parameters in order: its `__init__`'s, else its annotated fields (a
    dataclass)."""
    init = fn.module.functions.get(f"{fn.class_name}.__init__")
    if init is not None:
        return _params(init.node)
    cls = next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == fn.class_name), None)
    if cls is None:
        return []
    return [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]


def _passes_attribute(call: ast.Call, scope: ast.AST, name: str, index: int, class_name: str | None,
                      fields: list[str]) -> bool:
    arg = _argument(call, name, index)
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if arg is None or receiver is None:
        return False
    if isinstance(receiver, ast.Name) and receiver.id == "self":  # the class calling itself: self.m(self.x)
        return isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "self" \
            and arg.attr == name
    if not (isinstance(receiver, ast.Name) and isinstance(arg, ast.Name)):
        return False
    built = [s.value for s in ast.walk(scope) if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
             and any(isinstance(t, ast.Name) and t.id == receiver.id for t in s.targets)]
    if len(built) != 1 or last_name(dotted(built[0].func)) != class_name:
        return False
    stores = [n for n in ast.walk(scope) if isinstance(n, ast.Name) and n.id == arg.id and isinstance(n.ctx, ast.Store)]
    if len(stores) > 1:
        return False  # the variable is rebound: which value the constructor got is not shown
    field = fields.index(name) if name in fields else None
    given = _argument(built[0], name, field)
    return isinstance(given, ast.Name) and given.id == arg.id


def _argument(call: ast.Call, name: str, index: int | None) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    if index is not None and index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
        return call.args[index]
    return None


def stored_parameters(fn: FunctionInfo | None) -> dict[str, str]:
    """{attribute: parameter} for each `self.<attribute> = <parameter>` at the top level of a method whose reads
    of `self.<attribute>` in the method all come after it: there the attribute is the parameter's object. Real
    shape (PARL c5a4a771..02a99f68, parl/algorithms/paddle/ppo.py:76): `PPO.__init__` went from
    `super().__init__(model)`; `optim.Adam(parameters=model.parameters(), ...)` to `self.model = model`;
    `optim.Adam(parameters=self.model.parameters(), ...)`, reported as "Optimizer changed". Only where provable:
    the parameter is never rebound in the method, the attribute is bound once there, and between that binding and
    the last read no statement runs a method of `self` or hands `self` on (either may rebind the attribute)."""
    if fn is None or not fn.class_name or not isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    params = set(_params(fn.node))
    rebound = {n.id for n in ast.walk(fn.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)}
    body = fn.node.body
    out: dict[str, str] = {}
    for i, stmt in enumerate(body):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Name)
                and stmt.value.id in params and stmt.value.id not in rebound):
            continue
        target = stmt.targets[0]
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"):
            continue
        attr = target.attr
        uses = [(n, s) for j, s in enumerate(body) for n in ast.walk(s)
                if self_attribute(n) == attr and not (j == i and n is target)]
        if any(isinstance(n.ctx, ast.Store | ast.Del) for n, _s in uses):  # type: ignore[attr-defined]
            continue
        positions = [body.index(s) for _n, s in uses]
        if any(p <= i for p in positions):
            continue  # read before (or in) the binding: the value another statement left there
        last = max(positions, default=i)
        if any(_runs_method(s) for s in body[i + 1:last + 1]):
            continue
        out[attr] = stmt.value.id
    return out


def _runs_method(stmt: ast.stmt) -> bool:
    """A call of a method of `self` (`self.rebuild()`, not `self.model.parameters()`) or a call handed `self`."""
    return any(isinstance(n, ast.Call) and (
        self_attribute(n.func) is not None
        or any(isinstance(a, ast.Name) and a.id == "self" for a in [*n.args, *(k.value for k in n.keywords)]))
        for n in ast.walk(stmt))
