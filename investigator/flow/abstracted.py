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
