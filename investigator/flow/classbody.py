"""Class-body statements as units: a field default of a configuration class is a training setting.

A dataclass / pydantic / plain class body holds hyper-parameter defaults (`num_epochs: int = 3000`,
`alpha = 2.5`) that the function pairs never cover (only functions and module code are paired).
Here every class present at both commits of a changed file whose body statements differ becomes a
pair of pseudo-functions (the class node, its methods excluded), so its changed fields are placed
on the flow like any statement: a field `x` reaches the methods of its class reading `self.x` and the
statements reading `<obj>.x` in the modules that use the class (`config.num_epochs`).

Annotations count only by the value they coerce to: a parser that builds the class from a config
file (pyrallis, pydantic, OmegaConf structured configs) turns `policy_lr: bool = 3e-5` into `True`,
while `Optional[int]` -> `int | None` or `List[str]` -> `list[str]` changes nothing.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo, ParsedModule
from investigator.detectors.pairs import PY_SUFFIXES, FunctionPair, PairIndex, renamed_class_methods
from investigator.pyast import fingerprint

SCALARS = ("bool", "int", "float", "str", "bytes")
OTHER_KIND = "_"


def coerced_kind(annotation: ast.expr | None) -> str:
    """The scalar type a value of this annotation is coerced to (`Optional[float]` -> float), else `_`."""
    node = annotation
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return OTHER_KIND
    if isinstance(node, ast.Subscript) and _last(node.value) == "Optional":
        node = node.slice
    elif isinstance(node, ast.Subscript) and _last(node.value) == "Union" and isinstance(node.slice, ast.Tuple):
        rest = [e for e in node.slice.elts if not _is_none(e)]
        node = rest[0] if len(rest) == 1 else None
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        rest = [e for e in (node.left, node.right) if not _is_none(e)]
        node = rest[0] if len(rest) == 1 else None
    name = _last(node) if node is not None else ""
    return name if name in SCALARS else OTHER_KIND


def _last(node: ast.AST | None) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_none(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and node.value is None) or _last(node) == "None"


def field_statement(stmt: ast.stmt) -> ast.stmt:
    """A class-body statement as compared and followed: an annotated field keeps only its coerced kind."""
    if not isinstance(stmt, ast.AnnAssign):
        return stmt
    kind = ast.Name(id=coerced_kind(stmt.annotation), ctx=ast.Load())
    out = ast.AnnAssign(target=stmt.target, annotation=kind, value=stmt.value, simple=stmt.simple)
    return ast.copy_location(out, stmt)


def declared_attributes(node: ast.ClassDef, tree: ast.Module | None = None) -> set[str]:
    """Bare annotations (`_policy: NonSquashedNormalPolicy`, no value) of attributes the class's own
    methods assign (`self._policy = ...`), or those of a base class defined in the same module
    (`tree`): a type declaration of an instance attribute, no field and no behaviour (real shape:
    d3rlpy's algorithm implementations; `FQEImpl(FQEBaseImpl)` narrows `_q_func: EnsembleQFunction`,
    which `FQEBaseImpl.__init__` assigns). A bare annotation no method assigns may be a field
    (pydantic, NamedTuple) and still counts."""
    bare = {s.target.id for s in node.body
            if isinstance(s, ast.AnnAssign) and s.value is None and isinstance(s.target, ast.Name)}
    if not bare:
        return set()
    private = {b for b in bare if b.startswith("_")} if not field_class(node) else set()
    assigned: set[str] = set(private) | _read_declarations(node, bare)
    for cls in with_local_bases(node, tree):
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for sub in ast.walk(method):
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target] \
                    if isinstance(sub, ast.AnnAssign | ast.AugAssign) else []
                assigned.update(t.attr for t in targets if isinstance(t, ast.Attribute)
                                and isinstance(t.value, ast.Name) and t.value.id == "self")
    return bare & assigned


FIELD_DECORATOR = ("dataclass", "attrs", "attr.s", "define", "frozen", "mutable")
# base classes that turn bare annotations into fields (constructor arguments)
FIELD_BASES = frozenset({"BaseModel", "NamedTuple", "TypedDict", "BaseSettings", "Struct", "Protocol", "Enum"})


def _read_declarations(node: ast.ClassDef, bare: set[str]) -> set[str]:
    """Bare annotations of a plain class (no field decorator, no field-making base) that its own methods read as
    `self.<name>`: the type of an instance attribute a base class assigns, no field. Real shape (trlx
    208cb99f..165422d1): `NeMoILQLTrainer(BaseRLTrainer)` dropped `store: ILQLRolloutStorage` while
    `BaseRLTrainer.__init__` (another module) assigns `self.store` and the class reads it; read as an
    optimizer-path change."""
    if field_class(node) or any(_last(b.value if isinstance(b, ast.Subscript) else b) in FIELD_BASES
                                for b in node.bases):
        return set()
    read: set[str] = set()
    for method in node.body:
        if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            read.update(sub.attr for sub in ast.walk(method) if isinstance(sub, ast.Attribute)
                        and isinstance(sub.value, ast.Name) and sub.value.id == "self" and sub.attr in bare)
    return read


def field_class(node: ast.ClassDef) -> bool:
    """A class whose bare annotations may be fields: a decorated dataclass / attrs class. Bare
    `_private` annotations of any other class declare instance attributes (pydantic keeps `_x` out of
    its fields, `NamedTuple` forbids them): d3rlpy's `BEARImpl(SACImpl)` narrows `_policy`, assigned in
    `SACImpl`'s module."""
    return any(any(d in ast.unparse(dec) for d in FIELD_DECORATOR) for dec in node.decorator_list)


def with_local_bases(node: ast.ClassDef, tree: ast.Module | None) -> list[ast.ClassDef]:
    """The class and its base classes defined at the top level of the same module, transitively."""
    local = {s.name: s for s in tree.body if isinstance(s, ast.ClassDef)} if tree is not None else {}
    out, work = [node], [node]
    while work:
        for base in work.pop().bases:
            found = local.get(_last(base))
            if found is not None and found not in out:
                out.append(found)
                work.append(found)
    return out


def body_statements(node: ast.ClassDef, tree: ast.Module | None = None) -> list[ast.stmt]:
    """The class-body statements that are compared: all but the declarations of `declared_attributes`."""
    declared = declared_attributes(node, tree)
    return [s for s in node.body if not (isinstance(s, ast.AnnAssign) and s.value is None
                                         and isinstance(s.target, ast.Name) and s.target.id in declared)]


def is_class_body(fn: FunctionInfo) -> bool:
    return isinstance(fn.node, ast.ClassDef)


def _classes(module: ParsedModule) -> dict[str, ast.ClassDef]:
    """Top-level classes and the classes nested in them, by dotted name."""
    out: dict[str, ast.ClassDef] = {}
    work: list[tuple[str, list[ast.stmt]]] = [("", module.tree.body)]
    while work:
        prefix, body = work.pop()
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                name = prefix + stmt.name
                out[name] = stmt
                work.append((name + ".", stmt.body))
    return out


def _body_shape(node: ast.ClassDef, tree: ast.Module | None = None) -> tuple[object, ...]:
    stmts = [field_statement(s) for s in body_statements(node, tree)
             if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Pass)
             and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return fingerprint(list(stmts))


def _body_fn(module: ParsedModule, node: ast.ClassDef, name: str) -> FunctionInfo:
    return FunctionInfo(module.side, module.path, name, node, name, module)


def class_body_pairs(index: PairIndex, skip: set[str] | None = None) -> list[FunctionPair]:
    """Pairs of class bodies whose field statements differ, in the changed Python files."""
    out: list[FunctionPair] = []
    for change in index.changes:
        old, new = change.old_path, change.new_path
        if not old or not new or not new.endswith(PY_SUFFIXES) or (skip and new in skip):
            continue
        mb, mc = index.base.module(old), index.cand.module(new)
        if mb is None or mc is None:
            continue
        cb = _classes(mb)
        for name, node_c in _classes(mc).items():
            node_b = cb.get(name)
            if node_b is not None and _body_shape(node_b, mb.tree) != _body_shape(node_c, mc.tree):
                out.append(FunctionPair(_body_fn(mb, node_b, name), _body_fn(mc, node_c, name), "same-file"))
    return out


def renamed_classes(index: PairIndex) -> dict[str, str]:
    """Classes renamed in the range, old name -> new name: a class of a changed Python file gone at the
    candidate whose whole definition (bases, decorators, body) is that of exactly one class new at the
    candidate, under the new name (real shape: d3rlpy's `NormalPolicy` -> `SquashedNormalPolicy`,
    where `return NormalPolicy(...)` -> `return SquashedNormalPolicy(...)` read as a sampling change).
    A class whose body changed too is a rename when its file pair pairs its methods by name
    (`detectors.pairs.renamed_class_methods`): its changed methods are compared as pairs, and the new name at a
    call site is no change of its own (loco-mujoco's `mdp = MyoSuiteHumanoid(...)` -> `mdp = MyoSkeleton(...)`,
    the range's top finding, while the rewritten `_add_actuators` was the change)."""
    gone_classes: list[tuple[str, ast.ClassDef]] = []
    new_classes: list[tuple[str, ast.ClassDef]] = []
    paired: dict[str, str] = {}
    for change in index.changes:
        old_path, new_path = change.old_path, change.new_path
        mb = index.base.module(old_path) if old_path and old_path.endswith(PY_SUFFIXES) else None
        mc = index.cand.module(new_path) if new_path and new_path.endswith(PY_SUFFIXES) else None
        if mb is not None and mc is not None:
            paired.update((f.qualname.split(".")[0], g.qualname.split(".")[0])
                          for f, g in renamed_class_methods(mb, mc, mb.functions, mc.functions))
        cb = {n.name: n for n in mb.tree.body if isinstance(n, ast.ClassDef)} if mb is not None else {}
        cc = {n.name: n for n in mc.tree.body if isinstance(n, ast.ClassDef)} if mc is not None else {}
        gone_classes += [(name, node) for name, node in cb.items() if name not in cc]
        new_classes += [(name, node) for name, node in cc.items() if name not in cb]
    # Only classes whose outline (`_outline`, equal for equal definitions) some class of the other side shares
    # are dumped: a definition with no possible match names no rename (skrl 1.4.3..2.0.0 gains and loses
    # hundreds of classes, each dumped whole before).
    both = {_outline(node) for _, node in gone_classes} & {_outline(node) for _, node in new_classes}
    gone: dict[str, list[str]] = {}
    new: dict[str, list[str]] = {}
    for name, node in gone_classes:
        if _outline(node) in both:
            gone.setdefault(_definition(node), []).append(name)
    for name, node in new_classes:
        if _outline(node) in both:
            new.setdefault(_definition(node), []).append(name)
    out: dict[str, str] = {}
    for shape, olds in gone.items():
        news = new.get(shape, [])
        if len(olds) == 1 and len(news) == 1 and olds[0] != news[0]:
            out[olds[0]] = news[0]
    for was, now in paired.items():
        out.setdefault(was, now)
    return out


def _definition(node: ast.ClassDef) -> str:
    """The class definition without its name (and without a leading docstring)."""
    body = _body_less_docstring(node)
    return "|".join([ast.dump(b) for b in node.bases] + [ast.dump(d) for d in node.decorator_list]
                    + [ast.dump(s) for s in body])


def _body_less_docstring(node: ast.ClassDef) -> list[ast.stmt]:
    return [s for k, s in enumerate(node.body) if not (k == 0 and isinstance(s, ast.Expr)
                                                       and isinstance(s.value, ast.Constant))]


def _outline(node: ast.ClassDef) -> tuple[str, ...]:
    """What two equal `_definition`s share, cheap to compute: the node kinds of its parts (bases, decorators and
    body statements, in order), each of which is where that part's dump starts (a dump has no `|` outside its
    quoted constants, so a `_definition` splits into its parts one way only)."""
    return tuple(type(p).__name__ for p in [*node.bases, *node.decorator_list, *_body_less_docstring(node)])
