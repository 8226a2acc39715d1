"""A flattened, inlined walk over a function: every AST node with the context detectors need.

Detectors compare *behaviour*, so a block extracted into a helper must look the same as the
inlined original. The walk therefore descends into calls to project functions (resolved by
name, self-method or imported module, up to `MAX_INLINE` levels) at the call site, carrying the
enclosing loops and `torch.no_grad()` scope with it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from investigator.detectors.pairs import SideIndex
from investigator.detectors.pyast import FunctionInfo, call_name, dotted, last_name

MAX_INLINE = 2
NO_GRAD = {"no_grad", "inference_mode"}


@dataclass(frozen=True)
class Site:
    node: ast.AST
    fn: FunctionInfo  # where the node lives (a callee when inlined)
    loops: tuple[ast.AST, ...]  # enclosing loops, outermost first (across inlining)
    no_grad: bool
    depth: int  # inlining depth; 0 = the analysed function itself

    @property
    def path(self) -> str:
        return self.fn.path

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", self.fn.lineno)

    @property
    def loop_depth(self) -> int:
        return len(self.loops)

    @property
    def loop_vars(self) -> set[str]:
        out: set[str] = set()
        for loop in self.loops:
            if isinstance(loop, ast.For):
                for sub in ast.walk(loop.target):
                    if isinstance(sub, ast.Name):
                        out.add(sub.id)
        return out


def _is_no_grad(expr: ast.AST) -> bool:
    target = expr.func if isinstance(expr, ast.Call) else expr
    return last_name(dotted(target)) in NO_GRAD


def _module_matches(path: str, dotted_name: str) -> bool:
    mod = dotted_name.lstrip(".")
    stem = path[:-3] if path.endswith(".py") else path
    stem = stem.removesuffix("/__init__").replace("/", ".")
    return not mod or stem == mod or stem.endswith("." + mod)


class Flow:
    """Per-commit cache of inlined walks."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self._cache: dict[int, list[Site]] = {}
        self._resolved: dict[tuple[int, str], FunctionInfo | None] = {}

    def sites(self, fn: FunctionInfo) -> list[Site]:
        key = id(fn)
        if key not in self._cache:
            decorated_no_grad = any(_is_no_grad(d) for d in getattr(fn.node, "decorator_list", []))
            self._cache[key] = list(self._walk_body(fn.body, fn, (), decorated_no_grad, 0, (fn,)))
        return self._cache[key]

    # -- resolution ----------------------------------------------------------------------------
    def resolve(self, call: ast.Call, fn: FunctionInfo) -> FunctionInfo | None:
        name = call_name(call)
        if not name:
            return None
        key = (id(fn), name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(call, fn, name)
        return self._resolved[key]

    def _resolve(self, call: ast.Call, fn: FunctionInfo, name: str) -> FunctionInfo | None:
        module = fn.module
        func = call.func
        if isinstance(func, ast.Name):
            local = module.functions.get(func.id)
            if local is not None:
                return local
            imported = module.imports.get(func.id)
            defs = [d for d in self.side.find_defs(func.id) if d.class_name is None and d.qualname == func.id]
            if imported:
                source = imported.rsplit(".", 1)[0] if "." in imported else ""
                matching = [d for d in defs if _module_matches(d.path, source)]
                return matching[0] if len(matching) == 1 else (defs[0] if len(defs) == 1 else None)
            return None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = func.value.id
            if owner == "self" and fn.class_name:
                return module.functions.get(f"{fn.class_name}.{func.attr}")
            imported = module.imports.get(owner)
            if imported:
                defs = [
                    d
                    for d in self.side.find_defs(func.attr)
                    if d.class_name is None and _module_matches(d.path, imported)
                ]
                return defs[0] if len(defs) == 1 else None
        return None

    # -- walking -------------------------------------------------------------------------------
    def _walk_body(
        self,
        body: list[ast.stmt],
        fn: FunctionInfo,
        loops: tuple[ast.AST, ...],
        no_grad: bool,
        depth: int,
        chain: tuple[FunctionInfo, ...],
    ) -> Iterator[Site]:
        for stmt in body:
            yield from self._walk(stmt, fn, loops, no_grad, depth, chain)

    def _walk(
        self,
        node: ast.AST,
        fn: FunctionInfo,
        loops: tuple[ast.AST, ...],
        no_grad: bool,
        depth: int,
        chain: tuple[FunctionInfo, ...],
    ) -> Iterator[Site]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            return  # a definition is not an execution
        yield Site(node, fn, loops, no_grad, depth)
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            head = [node.iter, node.target] if isinstance(node, ast.For | ast.AsyncFor) else [node.test]
            for h in head:
                yield from self._walk(h, fn, loops, no_grad, depth, chain)
            yield from self._walk_body(node.body, fn, (*loops, node), no_grad, depth, chain)
            yield from self._walk_body(node.orelse, fn, loops, no_grad, depth, chain)
            return
        if isinstance(node, ast.With | ast.AsyncWith):
            inner = no_grad or any(_is_no_grad(item.context_expr) for item in node.items)
            for item in node.items:
                yield from self._walk(item.context_expr, fn, loops, no_grad, depth, chain)
            yield from self._walk_body(node.body, fn, loops, inner, depth, chain)
            return
        if isinstance(node, ast.comprehension):
            loops = (*loops, node)
        for child in ast.iter_child_nodes(node):
            yield from self._walk(child, fn, loops, no_grad, depth, chain)
        if isinstance(node, ast.Call) and depth < MAX_INLINE:
            callee = self.resolve(node, fn)
            if callee is not None and callee not in chain and not callee.is_module:
                callee_no_grad = no_grad or any(
                    _is_no_grad(d) for d in getattr(callee.node, "decorator_list", [])
                )
                yield from self._walk_body(callee.body, callee, loops, callee_no_grad, depth + 1, (*chain, callee))
