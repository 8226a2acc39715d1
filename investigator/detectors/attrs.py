"""The class of an instance attribute, read from its own class's code, and local aliases of one.

`self.storage.compute_returns(...)` runs `RolloutStorage.compute_returns` when `PPO`'s code says
that `self.storage` is a `RolloutStorage`: built there (`self.storage = RolloutStorage(...)`),
declared there (`self.storage: RolloutStorage | None = None`, a class-level `storage:
RolloutStorage`), or stored from a parameter annotated with it (`def __init__(self, storage:
RolloutStorage): self.storage = storage`). A local alias (`st = self.storage`, bound once, with no
store into `self.storage` in the function) is that attribute. Real shape: rsl_rl inlined the GAE
loop of `RolloutStorage.compute_returns` into `PPO.compute_returns` through `st = self.storage`;
without the baseline's callee the moved code read as added.

Where it stops (`AttributeClass.why`): an attribute assigned from anything else (an unannotated
parameter, a factory call, a value of another object) and never declared, two classes, a class
from outside the repository. A declaration wins over an unknown assignment: the code states the
type, but a declared class allows its subclasses: a method that a subclass overrides is not
resolved (rsl_rl's `self.distribution: Distribution | None = dist_class(...)` runs the configured
subclass's `init_mlp_weights`, not the base's `pass`). Only the class's own methods and body are
read (not its bases)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import dotted, last_name, name_chain, parse_tree

_TYPING = {"Any", "Callable", "Type", "Dict", "List", "Tuple", "Set", "Sequence", "Mapping", "Iterable", "Iterator",
           "Generator", "Optional", "Union", "Literal", "TypeVar", "Self"}


@dataclass(frozen=True)
class AttributeClass:
    written: str  # the class as the code names it (`RolloutStorage`, `storage.RolloutStorage`; "" when not known)
    why: str = ""  # when not known: why (for "where the flow stops")
    exact: bool = False  # built by that class's constructor (a declaration allows a subclass)

    @property
    def name(self) -> str:
        return last_name(self.written)


_CLASSES: dict[tuple[int, str], tuple[ast.AST, dict[str, AttributeClass]]] = {}
_ALIASES: dict[int, tuple[FunctionInfo, dict[str, str]]] = {}


def attribute_class(fn: FunctionInfo, attr: str) -> AttributeClass | None:
    """The class of `self.<attr>` in `fn`'s class; None when the class's code never assigns or
    declares the attribute (nothing to say), an `AttributeClass` with an empty name and a reason when
    it does but the class cannot be known."""
    from investigator.detectors.flow import _per_class  # flow resolves calls with this module

    if not fn.class_name:
        return None
    return _per_class(_CLASSES, fn, _classes_in).get(attr)


def class_attributes(cls: ast.ClassDef) -> dict[str, AttributeClass]:
    """What a class's own code says about the class of each of its attributes (class-level
    annotations, the fields of a dataclass, and what its methods store into `self.<attr>`)."""
    return _classes_in(cls)


def self_aliases(fn: FunctionInfo) -> dict[str, str]:
    """Local names of `fn` that stand for an instance attribute: `st = self.storage` is the only
    binding of `st` in the function (not a parameter, loop target or `global`), and the function
    never stores into `self.storage` itself. local name -> attribute name."""
    hit = _ALIASES.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    if len(_ALIASES) > 4096:
        _ALIASES.clear()
    found = _aliases_of(fn)
    _ALIASES[id(fn)] = (fn, found)
    return found


def _aliases_of(fn: FunctionInfo) -> dict[str, str]:
    node = fn.node
    if not fn.class_name or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    candidates: dict[str, str] = {}
    binds: dict[str, int] = {}
    stored: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name) \
                and _self_attr(sub.value):
            candidates[sub.targets[0].id] = sub.value.attr  # type: ignore[attr-defined]
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
            binds[sub.id] = binds.get(sub.id, 0) + 1
        elif isinstance(sub, ast.Global | ast.Nonlocal):
            binds.update((n, 2) for n in sub.names)
        elif isinstance(sub, ast.arg):
            binds[sub.arg] = binds.get(sub.arg, 0) + 2
        elif _self_attr(sub) and isinstance(sub.ctx, ast.Store | ast.Del):  # type: ignore[attr-defined]
            stored.add(sub.attr)  # type: ignore[attr-defined]
    return {name: attr for name, attr in candidates.items() if binds.get(name) == 1 and attr not in stored}


def _self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _classes_in(cls: ast.ClassDef | None) -> dict[str, AttributeClass]:
    if cls is None:
        return {}
    declared: dict[str, set[str]] = {}
    built: dict[str, set[str]] = {}
    unknown: dict[str, str] = {}
    for stmt in cls.body:  # class-level annotations: `storage: RolloutStorage`
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            declared.setdefault(stmt.target.id, set()).update(annotated_classes(stmt.annotation))
    for method in cls.body:
        if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            _assignments(method, declared, built, unknown)
    out: dict[str, AttributeClass] = {}
    for attr in {*declared, *built, *unknown}:
        names = declared.get(attr) or set()
        if not names:
            names = built.get(attr, set())
            if names and attr in unknown:
                out[attr] = AttributeClass("", f"also assigned {unknown[attr]}")
                continue
        if len(names) == 1:
            name = next(iter(names))
            exact = built.get(attr) == {name} and attr not in unknown
            out[attr] = AttributeClass(name, exact=exact)
        elif names:
            out[attr] = AttributeClass("", f"it holds one of {', '.join(f'`{n}`' for n in sorted(names))}")
        else:
            out[attr] = AttributeClass("", f"assigned {unknown.get(attr, 'no value whose class the code names')}")
    return out


def _assignments(method: ast.FunctionDef | ast.AsyncFunctionDef, declared: dict[str, set[str]],
                 built: dict[str, set[str]], unknown: dict[str, str]) -> None:
    """What one method says about the class of each `self.<attr>` it assigns."""
    params = {a.arg: a.annotation for a in [*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs]}
    for node in ast.walk(method):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute) and _self_attr(node.target):
            declared.setdefault(node.target.attr, set()).update(annotated_classes(node.annotation))
            continue
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if _self_attr(target):
                _assigned(target.attr, node.value, params, declared, built, unknown)  # type: ignore[attr-defined]
            elif isinstance(target, ast.Tuple | ast.List):
                for elt in target.elts:
                    if _self_attr(elt):
                        unknown.setdefault(elt.attr, "from a tuple unpacking")  # type: ignore[attr-defined]


def _assigned(attr: str, value: ast.expr, params: dict[str, ast.expr | None], declared: dict[str, set[str]],
              built: dict[str, set[str]], unknown: dict[str, str]) -> None:
    if isinstance(value, ast.Constant) and value.value is None:
        return  # `self.storage = None` until it is built: says nothing about its class
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute):
        name = name_chain(value.func)
        if last_name(name)[:1].isupper():
            built.setdefault(attr, set()).add(name)
            return
    if isinstance(value, ast.Name) and value.id in params:
        annotation = params[value.id]
        classes = annotated_classes(annotation) if annotation is not None else set()
        if classes:
            declared.setdefault(attr, set()).update(classes)
            return
        unknown.setdefault(attr, f"from the parameter `{value.id}`, which has no class annotation")
        return
    unknown.setdefault(attr, f"`{ast.unparse(value)[:60]}`")


def annotated_classes(annotation: ast.expr | None) -> set[str]:
    """Class names (as written) an annotation allows, `None` left out: `C`, `mod.C`, `"C"`, `C | None`,
    `Optional[C]`, `Union[C, None]`; a generic (`list[C]`) or anything else names none."""
    if annotation is None:
        return set()
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            parsed = parse_tree(annotation.value, mode="eval")
        except SyntaxError:
            return set()
        return annotated_classes(parsed.body)
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return set()
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return annotated_classes(annotation.left) | annotated_classes(annotation.right)
    if isinstance(annotation, ast.Subscript):
        head = last_name(dotted(annotation.value))
        if head == "Optional":
            return annotated_classes(annotation.slice)
        if head == "Union":
            elts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            return set().union(*(annotated_classes(e) for e in elts))
        return set()
    if isinstance(annotation, ast.Name | ast.Attribute):
        name = name_chain(annotation)
        return {name} if last_name(name)[:1].isupper() and last_name(name) not in _TYPING else set()
    return set()
