"""A layer stored on `self` in `__init__` that nothing of its class reads: built, never run.

Real shape (LightZero v0.0.4..v0.0.5): `DownSample.__init__` built `self.conv2 = nn.Conv2d(...)` while `forward`
ran `self.downsample_block`; removing the layer was reported as "Layer changed: `nn.Conv2d(...)` -> `-`"
(significant), though the network's outputs are the same: only its parameter list (state dict, optimizer groups)
and the initialisation draws of the layers built after it change. A layer is unused when no method of its class
reads `self.<name>`, the class reaches no attribute by computed name (`getattr(self, ...)`, `self.__dict__`,
`self._modules`) nor iterates its own children, no string in the module is `<name>`, and no class of the
commit derives from it. Only a class that defines its own `forward` (or `__call__`) is judged: the path that
would run the layer is then in view.
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


def _base_names(cls: ast.ClassDef) -> set[str]:
    return {b.id if isinstance(b, ast.Name) else b.attr for b in cls.bases if isinstance(b, ast.Name | ast.Attribute)}


def _read_elsewhere(tree: ast.Module, attr: str, class_name: str, bases: set[str]) -> bool:
    """Whether the module reads `<obj>.attr` for an object other than `self`, or `self.attr` in the class, one
    of its bases (an inherited `forward`) or a class derived from it."""
    owners: dict[int, ast.ClassDef] = {}
    for found in ast.walk(tree):
        if isinstance(found, ast.ClassDef):
            for sub in ast.walk(found):
                owners[id(sub)] = found  # innermost class last wins (walk order: outer first)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.ctx, ast.Load)):
            continue
        if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
            return True  # `model.conv2(x)`, `getattr`-free reads from outside the class
        owner = owners.get(id(node))
        if owner is None or owner.name == class_name or owner.name in bases or class_name in _base_names(owner):
            return True
    return False


def unused_layer(call: ast.AST, fn: FunctionInfo, side: Any) -> str | None:
    """The attribute name when `call` builds a layer stored on `self` that nothing reads (module doc)."""
    attr = stored_attribute(call, fn)
    if attr is None:
        return None
    module = fn.module
    class_name = (fn.class_name or "").rsplit(".", 1)[-1]
    cls = next((n for n in ast.walk(module.tree) if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    if cls is None:
        return None
    if not any(isinstance(n, ast.FunctionDef) and n.name in ("forward", "__call__") for n in cls.body):
        return None  # its forward path is not here to read (an inherited `forward`, a wrapper read from outside)
    bases = _base_names(cls)
    for other in module.functions.values():
        if other.class_name == fn.class_name and not other.is_module and _reads(other, attr):
            return None
    if any(isinstance(n, ast.Constant) and n.value == attr for n in ast.walk(module.tree)):
        return None
    for path in dict.fromkeys([module.path, *(p for p, _ in side.references(attr)), *(p for p, _ in side.references(class_name))]):
        other_module = module if path == module.path else side.module(path) if path.endswith((".py", ".pyi")) else None
        if other_module is None:
            if path != module.path and not path.endswith((".md", ".rst", ".txt")):
                return None  # a configuration file naming it
            continue
        if _read_elsewhere(other_module.tree, attr, class_name, bases):
            return None
    return attr
