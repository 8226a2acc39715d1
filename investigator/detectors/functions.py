"""The detectors' view of a Python file: its functions with qualified names and a normalised shape.

Module-level statements of a file form one pseudo-function named `<module>` so that scripts
(a CleanRL-style training loop under `if __name__ == "__main__":`) are analysed like functions.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from investigator.pyast import fingerprint, import_names, parse_tree

MODULE_QUALNAME = "<module>"
_EDGE_SPACE = re.compile(r"^[ \t]+|[ \t\r]+$", re.MULTILINE)
_BLANK_OR_COMMENT = re.compile(r"^(?:#.*)?\n", re.MULTILINE)
# A function, a class body (flow's class-level pseudo-functions), or a synthetic `ast.Module` holding
# a file's top-level statements for `<module>`.
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module


@dataclass(eq=False)
class FunctionInfo:
    """One function (or a module's top-level code) at one commit."""

    side: str
    path: str
    qualname: str
    node: FunctionNode
    class_name: str | None
    module: ParsedModule

    @cached_property
    def name(self) -> str:  # cached: asked millions of times on a large range (`find_defs`, the flow's callers)
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def is_module(self) -> bool:
        return self.qualname == MODULE_QUALNAME

    @cached_property
    def lineno(self) -> int:
        if isinstance(self.node, ast.Module):
            return self.node.body[0].lineno if self.node.body else 1
        first = min([d.lineno for d in getattr(self.node, "decorator_list", [])] + [self.node.lineno])
        return first

    @cached_property
    def end_lineno(self) -> int:
        if isinstance(self.node, ast.Module):
            return max((getattr(s, "end_lineno", s.lineno) or s.lineno) for s in self.node.body) if self.node.body else 1
        return getattr(self.node, "end_lineno", None) or self.node.lineno

    @property
    def decorated(self) -> bool:
        return bool(getattr(self.node, "decorator_list", []))

    @property
    def body(self) -> list[ast.stmt]:
        return list(getattr(self.node, "body", []))

    def source(self) -> str:
        lines = self.module.lines[self.lineno - 1 : self.end_lineno]
        return "\n".join(lines)

    @cached_property
    def shape(self) -> tuple[object, ...]:
        """Normalised structure: no positions, no docstring, no function name (formatting-blind)."""
        body = _strip_docstring(self.body)
        parts: list[ast.AST] = list(body)
        args = getattr(self.node, "args", None)
        if args is not None:
            parts.insert(0, args)
        parts[0:0] = list(getattr(self.node, "decorator_list", []))
        return fingerprint(parts)

    @cached_property
    def local_names(self) -> frozenset[str]:
        """Names bound inside the function (parameters, assignments, loop targets)."""
        out: set[str] = set()
        node = self.node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.update(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs])
        out.update(s.id for s in ast.walk(node) if isinstance(s, ast.Name) and isinstance(s.ctx, ast.Store))
        out.discard("self")
        return frozenset(out)

    @cached_property
    def text_key(self) -> str:
        """The source without indentation, blank lines and comment-only lines (a cheap identity test)."""
        return _BLANK_OR_COMMENT.sub("", _EDGE_SPACE.sub("", self.source()))

    @cached_property
    def indent_key(self) -> tuple[int, ...]:
        """Each code line's indentation relative to the first: the blocks `text_key` does not see
        (`optimizer.step()` dedented out of its loop has the same text key)."""
        lines = [line for line in self.source().splitlines() if line.strip() and not line.lstrip().startswith("#")]
        first = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
        return tuple(len(line) - len(line.lstrip()) - first for line in lines)

    @cached_property
    def tokens(self) -> list[str]:
        """Node-type and identifier tokens used for body similarity (rename-tolerant enough)."""
        out: list[str] = []
        for stmt in _strip_docstring(self.body):
            for node in ast.walk(stmt):
                out.append(type(node).__name__)
                if isinstance(node, ast.Attribute):
                    out.append("." + node.attr)
                elif isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
                    out.append(repr(node.value)[:20])
        return out


def self_calls(fn: FunctionInfo) -> frozenset[str]:
    """The methods fn calls as `self.<method>(...)`, collected once per function (kept on it): the
    search for a moved statement's new home asked it of every method of a class for every callee, and
    function matching asks it of every method that may call an added hook."""
    cached: frozenset[str] | None = fn.__dict__.get("_self_calls")
    if cached is None:
        cached = frozenset(n.func.attr for n in ast.walk(fn.node) if isinstance(n, ast.Call)
                           and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                           and n.func.value.id == "self")
        fn.__dict__["_self_calls"] = cached
    return cached


def is_stub(fn: FunctionInfo) -> bool:
    """A method with no body of its own: only a docstring, `pass`, `...` or `raise NotImplementedError`
    (an abstract method's declaration in a base class). Kept on the function."""
    cached: bool | None = fn.__dict__.get("_stub")
    if cached is None:
        node = fn.node
        cached = False
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            cached = all(isinstance(s, ast.Pass) or (isinstance(s, ast.Raise) and _not_implemented(s.exc))
                         for s in body)
        fn.__dict__["_stub"] = cached
    return cached


def _not_implemented(exc: ast.expr | None) -> bool:
    name = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(name, ast.Name) and name.id == "NotImplementedError"


def same_shape(a: FunctionInfo, b: FunctionInfo) -> bool:
    """`a.shape == b.shape`, refused first by the token lists (cheaper than two fingerprints, and already
    computed wherever functions are matched): equal shapes encode the same nodes with the same attributes
    and constants in the same order, so their tokens are equal too."""
    return a.tokens == b.tokens and a.shape == b.shape


def _strip_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return body


@dataclass(eq=False)
class ParsedModule:
    path: str
    side: str
    text: str
    tree: ast.Module
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    index: Any = field(default=None, repr=False)  # the SideIndex that parsed it (imports are looked up there)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def words(self) -> frozenset[str]:
        """Every identifier-like word of the text, strings and comments included (what the module names)."""
        return frozenset(re.findall(r"\w+", self.text))

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> imported dotted name ("np" -> "numpy", "gae" -> "ppo.gae.gae")."""
        out: dict[str, str] = {}
        for node in _import_statements(self.tree.body):
            out.update(import_names(node))
        return out


def _import_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Imports at module level and in top-level if/try/with blocks (function-local imports are rare)."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []) or []:
                    out.extend(_import_statements(getattr(child, "body", [child]) if isinstance(child, ast.excepthandler) else [child]))
    return out


def parse_module(path: str, text: str, side: str, tree: ast.Module | None = None) -> ParsedModule:
    """Parse a file; raises SyntaxError/ValueError for sources that do not parse.

    `tree` is an already parsed module of `text` (a snapshot's shared AST cache): it is read,
    never mutated (`<module>` wraps its top-level statements in a new node)."""
    if tree is None:
        tree = parse_tree(text, filename=path)
    module = ParsedModule(path=path, side=side, text=text, tree=tree)
    top = [
        s
        for s in tree.body
        if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom)
    ]
    if top:
        module.functions[MODULE_QUALNAME] = FunctionInfo(
            side, path, MODULE_QUALNAME, ast.Module(body=top, type_ignores=[]), None, module
        )
    _collect(tree.body, "", None, module)
    return module


def _collect(body: list[ast.stmt], prefix: str, class_name: str | None, module: ParsedModule) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            qual = f"{prefix}{node.name}"
            module.functions.setdefault(qual, FunctionInfo(module.side, module.path, qual, node, class_name, module))
            _collect(node.body, f"{qual}.", None, module)
        elif isinstance(node, ast.ClassDef):
            _collect(node.body, f"{prefix}{node.name}.", f"{prefix}{node.name}", module)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            # functions defined under `if TYPE_CHECKING:` / try-import blocks
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    _collect([child], prefix, class_name, module)
