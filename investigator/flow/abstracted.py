"""A base-class method made abstract while every subclass now defines its own.

Real shape (d3rlpy v1.1.1 -> v2.0.2): `OptimizerFactory.create` built the optimizer for every subclass,
`return self._optim_cls(params, lr=lr, **self._optim_kwargs)`; v2 made it `raise NotImplementedError`
and gave `SGDFactory`, `AdamFactory`, `AdamWFactory` and `RMSpropFactory` a `create` each (`Adam(params,
lr=lr, betas=self.betas, ...)`). Compared as one pair, the base method "stopped building the optimizer",
a significant behavioural change in the optimizer path, while no object of the base class is ever
asked to build one. The shape, judged where the code shows it:
 - the candidate method's body is only `raise NotImplementedError` (a docstring before it), the
   baseline's is not;
 - the candidate class has at least one direct subclass in the candidate's code (class headers, by
   name), and every such subclass defines the method itself.
Then what runs is each subclass's own method: the base pair is no effect, and what the subclasses do
is their own code (compared where they have a counterpart).
"""

from __future__ import annotations

import ast
import posixpath
import re

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex

_SUBSCRIPT = re.compile(r"\[[^\[\]]*\]")


def _only_raises_not_implemented(fn: FunctionInfo) -> bool:
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    name = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(name, ast.Name) and name.id == "NotImplementedError"


def abstract_body(fn: FunctionInfo) -> bool:
    """A method with no body of its own: declared `@abstractmethod`, or only a docstring, `...` or `raise
    NotImplementedError(...)` (a `pass` hook is a no-op a subclass may keep: not this)."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    if any((d.attr if isinstance(d, ast.Attribute) else d.id if isinstance(d, ast.Name) else "") == "abstractmethod"
           for d in node.decorator_list):
        return True
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return not body or _only_raises_not_implemented(fn)


def _subclasses(side: SideIndex, cls: str) -> list[tuple[str, ast.ClassDef]]:
    """Classes of the commit whose header names `cls` as a direct base: (path, class node)."""
    header = re.compile(rf"^class\s+\w+\s*\(([^)]*\b{re.escape(cls)}\b[^)]*)\)", re.MULTILINE)
    out: list[tuple[str, ast.ClassDef]] = []
    for path, text in side.texts().items():
        if not path.endswith(PY_SUFFIXES) or cls not in text or not header.search(text):
            continue
        module = side.module(path)
        for node in module.tree.body if module is not None else []:
            if isinstance(node, ast.ClassDef) and any(
                    _SUBSCRIPT.sub("", ast.unparse(b)).rsplit(".", 1)[-1] == cls for b in node.bases):
                out.append((path, node))
    return out


def made_abstract(base_fn: FunctionInfo, cand_fn: FunctionInfo, cand: SideIndex) -> list[str] | None:
    """The subclasses that now define the method a base class made abstract (None: not this shape)."""
    if not cand_fn.class_name or "." in cand_fn.class_name or not _only_raises_not_implemented(cand_fn) \
            or _only_raises_not_implemented(base_fn):
        return None
    subs = _subclasses(cand, cand_fn.class_name)
    if not subs:
        return None
    owns = [any(isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == cand_fn.name for s in node.body)
            for _, node in subs]
    return [node.name for _, node in subs] if all(owns) else None


_IMPORT_OR_HEADER = re.compile(r"^\s*(from\s+\S+\s+import\b|import\b|class\s+\w+\s*\()")


def _other_class(side: SideIndex, path: str, cls: str, home: str) -> bool:
    """The file at `path` means another class called `cls`: it defines one, or imports the name from a module
    other than `home`'s (decision-transformer's atari/run_dt_atari.py builds `mingpt.trainer_atari.Trainer`, not
    gym's `decision_transformer.training.trainer.Trainer`)."""
    if path == home:
        return False
    module = side.module(path)
    if module is None:
        return False
    stem = posixpath.splitext(posixpath.basename(home))[0]
    for node in module.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return True
        if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == cls for a in node.names):
            return (node.module or "").rsplit(".", 1)[-1] != stem
    return False


def _constructed_or_named(side: SideIndex, cls: str, home: str) -> bool:
    """Whether some line of the commit names the class `cls` of module `home` other than an import or a class
    header (a construction `C(...)`, `C.method(self)`, a registry entry `{"x": C}`: in doubt, it may run)."""
    other: dict[str, bool] = {}
    for path, line in side.references(cls):
        if path not in other:
            other[path] = _other_class(side, path, cls, home)
        if other[path]:
            continue
        text = side.texts().get(path, "")
        lines = text.splitlines()
        code = lines[line - 1] if 0 < line <= len(lines) else ""
        if not _IMPORT_OR_HEADER.match(code):
            return True
    return False


def _calls_super(method: ast.AST, name: str, cls: str) -> bool:
    """`super().name(...)`, `super(X, self).name(...)` or `cls.name(...)` inside a subclass's method."""
    for sub in ast.walk(method):
        if isinstance(sub, ast.Attribute) and sub.attr == name:
            owner = sub.value
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                return True
            if isinstance(owner, ast.Name) and owner.id == cls:
                return True
    return False


def _overriders(side: SideIndex, cls: str, name: str, home: str) -> list[str] | None:
    memo = side.memo.setdefault("abstracted.overriders", {})  # kept with the commit's index, as its other caches
    assert isinstance(memo, dict)
    key = (cls, name, home)
    if key not in memo:
        memo[key] = _find_overriders(side, cls, name, home)
    return memo[key]


def _find_overriders(side: SideIndex, cls: str, name: str, home: str) -> list[str] | None:
    subs = _subclasses(side, cls)
    if not subs or _constructed_or_named(side, cls, home):
        return None
    out = []
    for _, node in subs:
        own = [s for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name]
        if not own or any(_calls_super(m, name, cls) for m in own):
            return None
        out.append(node.name)
    return out


def overridden_everywhere(base_fn: FunctionInfo, cand_fn: FunctionInfo, base: SideIndex,
                          cand: SideIndex) -> list[str] | None:
    """The subclasses that override a changed base-class method, when at both commits the base class is never
    constructed or named outside imports and class headers, and every direct subclass defines the method without
    calling the base's: the base method runs in no object (None: not this shape).

    Real shape (decision-transformer c9e6ac0b..e2d82e68, gym/decision_transformer/training/trainer.py:61):
    the base `Trainer.train_step` changed its targets (`state_target[:, 1:]`), but the experiment builds only
    `SequenceTrainer` or `ActTrainer`, and both define their own `train_step`: "Behavioural change in the loss
    path: `Trainer.train_step`" (significant, #2) for code no run reaches."""
    cls = cand_fn.class_name
    if not cls or "." in cls or cls != base_fn.class_name or cand_fn.name != base_fn.name \
            or cand_fn.name.startswith("__") or len(cand.find_defs(cand_fn.name)) < 2:
        return None  # a method no other class defines is overridden nowhere (an indexed look-up, before any scan)
    at_base = _overriders(base, cls, base_fn.name, base_fn.path)
    if at_base is None:
        return None
    at_cand = _overriders(cand, cls, cand_fn.name, cand_fn.path)
    return at_cand if at_cand is not None else None
