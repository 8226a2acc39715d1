"""A layer stored on `self` in `__init__` that nothing of its class reads: built, never run.

Real shape (LightZero v0.0.4..v0.0.5): `DownSample.__init__` built `self.conv2 = nn.Conv2d(...)` while `forward`
ran `self.downsample_block`; removing the layer was reported as "Layer changed: `nn.Conv2d(...)` -> `-`"
(significant), though the network's outputs are the same: only its parameter list (state dict, optimizer groups)
and the initialisation draws of the layers built after it change. A layer is unused when no method of its class
reads `self.<name>`, the class reaches no attribute by computed name (`getattr(self, ...)`, `self.__dict__`,
`self._modules`) nor iterates its own children, no string in the module is `<name>`, and no class of the
commit derives from it.
"""

from __future__ import annotations

import ast
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.patterns import parent_map

BY_NAME = frozenset({"getattr", "setattr", "hasattr", "vars"})
CHILDREN = frozenset({"children", "named_children", "modules", "named_modules", "_modules", "__dict__",
                      "apply", "_get_name"})


def stored_attribute(call: ast.AST, fn: FunctionInfo) -> str | None:
    """`X` when `call` is the whole value of `self.X = <call>` in a method named `__init__`."""
    if fn.name != "__init__" or not fn.class_name:
        return None
    parent = parent_map(fn).get(id(call))
    if not (isinstance(parent, ast.Assign) and parent.value is call and len(parent.targets) == 1):
        return None
    target = parent.targets[0]
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return target.attr
    return None


def _reads(fn: FunctionInfo, attr: str) -> bool:
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            if node.attr == attr and isinstance(node.ctx, ast.Load) or node.attr in CHILDREN:
                return True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in BY_NAME:
            return True
    return False


def unused_layer(call: ast.AST, fn: FunctionInfo, side: Any) -> str | None:
    """The attribute name when `call` builds a layer stored on `self` that nothing reads (module doc)."""
    attr = stored_attribute(call, fn)
    if attr is None:
        return None
    module = fn.module
    for other in module.functions.values():
        if other.class_name == fn.class_name and not other.is_module and _reads(other, attr):
            return None
    if any(isinstance(n, ast.Constant) and n.value == attr for n in ast.walk(module.tree)):
        return None
    class_name = (fn.class_name or "").rsplit(".", 1)[-1]
    for path, _line in side.references(class_name):
        other_module = side.module(path) if path.endswith((".py", ".pyi")) else None
        if other_module is None:
            continue
        for node in ast.walk(other_module.tree):
            if isinstance(node, ast.ClassDef) and any(
                    (b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "") == class_name
                    for b in node.bases):
                return None
    return attr
