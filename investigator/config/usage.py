"""Is a configured value read by any code? (dead-configuration detection)

A value that no code reads cannot change behaviour, so removing or changing it is a
`NoEffectChange`, never a regression. "Read" means: the key's leaf or its enclosing section name
appears as an attribute read, a string subscript, `.get("x")`/`getattr(o, "x")`, or a parameter
of a function that is itself referenced. Not reads: the config definitions themselves (config class
bodies, assignment targets such as `cfg.x.y = 1`), comments and commented-out code (the AST never
sees them), and code inside functions/classes that nothing references (a scheduler class nobody
calls). The check errs towards "read": a false "dead" would hide a real regression.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from investigator.config.keys import normalise_segment

_GETTERS = frozenset({"get", "getattr", "hasattr", "pop", "setdefault", "select", "__getitem__"})


@dataclass
class ModuleReads:
    """Names read in one module, split by the top-level definition they occur in."""

    module: set[str] = field(default_factory=set)  # reads in module-level code
    defs: dict[str, set[str]] = field(default_factory=dict)  # top-level def/class -> reads inside
    referenced: dict[str, int] = field(default_factory=dict)  # name -> times referenced (Load)


def _walk_reads(root: ast.AST, reads: set[str], referenced: dict[str, int]) -> None:
    stack: list[ast.AST] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            stack.append(node.value)
            stack.extend(t.slice for t in node.targets if isinstance(t, ast.Subscript))
            continue
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                stack.append(node.value)
            continue
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                reads.add(node.attr)
                referenced[node.attr] = referenced.get(node.attr, 0) + 1
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                referenced[node.id] = referenced.get(node.id, 0) + 1
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                reads.add(node.slice.value)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _GETTERS:
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        reads.add(arg.value)
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and isinstance(
            node.left.value, str
        ):
            reads.add(node.left.value)  # "x" in cfg
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                reads.add(arg.arg)
        stack.extend(ast.iter_child_nodes(node))


def collect_reads(tree: ast.Module, config_classes: set[str]) -> ModuleReads:
    out = ModuleReads()
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name in config_classes:
            # config definitions are not reads, but default expressions may reference other code
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    out.referenced[node.id] = out.referenced.get(node.id, 0) + 1
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            reads: set[str] = set()
            _walk_reads(stmt, reads, out.referenced)
            out.defs.setdefault(stmt.name, set()).update(reads)
        else:
            _walk_reads(stmt, out.module, out.referenced)
    return out


class ReadIndex:
    """All reads of one commit, restricted to code that is referenced somewhere."""

    def __init__(self, modules: list[ModuleReads], config_refs: set[str] | None = None) -> None:
        referenced: dict[str, int] = {}
        for m in modules:
            for name, count in m.referenced.items():
                referenced[name] = referenced.get(name, 0) + count
        extra = config_refs or set()
        self.live: set[str] = set()
        self.unreferenced_defs: set[str] = set()
        for m in modules:
            self.live |= m.module
            for name, reads in m.defs.items():
                if referenced.get(name, 0) > 0 or name in extra or name in ENTRY_NAMES:
                    self.live |= reads
                else:
                    self.unreferenced_defs.add(name)
        self.normalised = {normalise_segment(n) for n in self.live}
        self.referenced = {normalise_segment(n) for n in referenced}

    def reads(self, name: str) -> bool:
        return name in self.normalised

    def is_referenced(self, name: str) -> bool:
        return normalise_segment(name) in self.referenced


# Top-level functions a framework or console script calls without the code naming them.
ENTRY_NAMES: frozenset[str] = frozenset({"main", "cli", "app", "run", "train"})


def dead_reason(key: str, index: ReadIndex, target: str | None = None) -> str | None:
    """Why no code reads `key` at this commit, or None when something may read it.

    Live when the leaf or its nearest enclosing section is read by referenced code; a section
    instantiated through a Hydra `_target_` is dead when the target class/function is never
    referenced.
    """
    segments = key.split(".")
    if target:
        cls = target.rsplit(".", 1)[-1]
        if not index.is_referenced(cls):
            return f"its `_target_` `{target}` is never called or referenced by the code"
    leaf = segments[-1]
    if leaf == "_target_":
        leaf = segments[-2] if len(segments) > 1 else leaf
        segments = segments[:-1]
    if index.reads(leaf):
        return None
    if len(segments) >= 2 and index.reads(segments[-2]):
        return None
    if len(segments) >= 2:
        return f"no code reads `{leaf}` or its section `{segments[-2]}`"
    return f"no code reads `{leaf}`"
