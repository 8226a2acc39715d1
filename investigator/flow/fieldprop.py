"""A class field with a constant default replaced by a read-only property returning that constant: the same value.

Real shape (ART 980684f9..080d8409, precision set 13, `src/art/model.py:165`, noise class N6, #4/#5 of that range):
`TrainableModel.trainable: bool = True` (and `Model.trainable: bool = False`) became

    @property
    def trainable(self) -> bool:
        return True

"Behavioural change in the architecture path: `TrainableModel`" (significant, `removed trainable: bool = True`).
Every read of `obj.trainable` gets the constant the field held; the field could differ only where some code set it
(`TrainableModel(trainable=False)`, `model.trainable = ...`, `setattr(model, "trainable", ...)`).

The rule (`field_as_property`): a field statement of a class body (`X: T = C` or `X = C`, C a literal constant)
deleted, while the candidate's class defines `X` as a `@property` whose body (docstring aside) is `return C` with
the same constant, and no Python file of either commit passes `X=` as a keyword argument, stores `.X` or calls
`setattr(..., "X", ...)`. Another constant, a computed property, or a field some code sets stays a change.
"""

from __future__ import annotations

import ast

from investigator.detectors.pairs import FunctionPair, SideIndex
from investigator.flow.units import Unit


def _field(node: ast.AST) -> tuple[str, ast.Constant] | None:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(node.value, ast.Constant):
        return node.target.id, node.value
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Constant):
        return node.targets[0].id, node.value
    return None


def _property_constant(cls: ast.ClassDef, name: str) -> ast.Constant | None:
    for stmt in cls.body:
        if not isinstance(stmt, ast.FunctionDef) or stmt.name != name or len(stmt.decorator_list) != 1 \
                or not (isinstance(stmt.decorator_list[0], ast.Name) and stmt.decorator_list[0].id == "property"):
            continue
        body = stmt.body[1:] if stmt.body and isinstance(stmt.body[0], ast.Expr) and isinstance(
            stmt.body[0].value, ast.Constant) and isinstance(stmt.body[0].value.value, str) else stmt.body
        if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Constant):
            return body[0].value
    return None


def _set_anywhere(index: SideIndex | None, name: str) -> bool:
    """Whether a Python file of the commit passes `name=`, stores `.name` or `setattr`s it (None index: assume so)."""
    if index is None:
        return True
    memo = index.memo.setdefault("field_setters", {})
    assert isinstance(memo, dict)
    if name not in memo:
        found = False
        for path in sorted({p for p, _ in index.references(name) if p.endswith(".py")}):
            module = index.module(path)
            if module is None:
                found = True
                break
            for node in ast.walk(module.tree):
                if (isinstance(node, ast.keyword) and node.arg == name) or (
                        isinstance(node, ast.Attribute) and node.attr == name and isinstance(node.ctx, ast.Store)) or (
                        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                        and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == name):
                    found = True
                    break
            if found:
                break
        memo[name] = found
    return bool(memo[name])


def field_as_property(base: Unit | None, cand: Unit | None, pair: FunctionPair) -> bool:
    """The deleted field is the candidate class's constant property (see the module docstring): no change."""
    if base is None or cand is not None or pair.cand is None or not isinstance(pair.cand.node, ast.ClassDef) \
            or not isinstance(base.fn.node, ast.ClassDef):
        return False
    field = _field(base.node)
    if field is None:
        return False
    name, value = field
    returned = _property_constant(pair.cand.node, name)
    if returned is None or type(returned.value) is not type(value.value) or returned.value != value.value:
        return False
    return not _set_anywhere(base.fn.module.index, name) and not _set_anywhere(pair.cand.module.index, name)
