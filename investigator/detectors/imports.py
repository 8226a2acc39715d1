"""Import-aware references: can a use of a name in one file mean the definition in another module?

Reachability by name alone counts every `Block` in the tree as a use of every class `Block`; on a
refactor with many same-named classes that keeps dead code alive. Here a use of `C` in file F
counts as a reference to the `C` defined in module M unless F provably binds `C` to something
else. The rule is conservative (a false "unreachable" would hide a real regression):

* F is M itself, F is not Python (YAML, TOML, shell: Hydra `_target_`s, entry points), or F does
  not parse: a reference.
* F mentions `C` inside a string (`getattr(mod, "C")`, `__all__`, a forward annotation, a lazy
  import table): a reference.
* An import in F of `C` (`from M import C`, `from M import C as D`, `from .m import C`) counts
  unless its source provably binds `C` to something else: the source module resolves to a
  different repository file (followed through re-exports such as a package `__init__` doing
  `from .module_0 import C`, a few hops) or to an external package.
* A bare `C` counts unless every binding of `C` in F is provably something else: F's own
  `def`/`class C`, an import of `C` from a different module, a module bound to that name, or a
  star import from modules that bind `C` elsewhere. Assignments, parameters and names without any
  binding are unknown, so they count.
* `x.C` counts unless `x` (or a dotted chain `a.b.x`) is a module that provably does not bind `C`
  to M's definition (`import pkg.other as m; m.C`); attributes of anything else (`self.C`,
  `obj.C`, a class) count.

Module names are matched to repository files by dotted path suffix (`pkg.sub0.module_0` names
`pkg/sub0/module_0.py` or `src/pkg/sub0/module_0.py`; a name that matches nothing is retried
without its leading components, for `package_dir`-style layouts, before it counts as external).

Work is lazy and bounded: only files whose text mentions the name outside comments and
definition lines are analysed, parsed trees are reused from the side index and the snapshot's
shared AST cache, each file is summarised once (one `ast.walk`), and a file beyond the budget of
newly analysed source (per query and per commit) counts as a reference.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from investigator.detectors.pairs import SideIndex

# Verdicts for "what can this name mean", ordered: combining possibilities takes the maximum.
NONE, OTHER, UNKNOWN, TARGET = 0, 1, 2, 3

MAX_HOPS = 6  # re-export / star-import hops followed before giving up (unknown)
# Source newly summarised (parsed, walked) per query and per commit: a file beyond either budget
# counts as a reference. About 0.1 s and 0.5 s of work on a 2-core machine.
MAX_QUERY_CHARS = 300_000
MAX_TOTAL_CHARS = 1_500_000
_STAR = re.compile(r"\bimport\s*\(?\s*\*")


@dataclass
class Binding:
    kind: str  # def | module | from | other
    line: int
    module: str = ""  # module: dotted module bound; from: the source module (relative: without dots)
    level: int = 0  # from: relative import level
    name: str = ""  # from: the name imported from the source module

    def describe(self, bound: str) -> str:
        if self.kind == "def":
            return f"defines its own `{bound}`"
        if self.kind == "module":
            return f"binds `{bound}` to module `{self.module}`"
        if self.kind == "from":
            alias = f" as `{bound}`" if bound != self.name else ""
            return f"imports `{self.name}`{alias} from `{'.' * self.level}{self.module}`"
        return f"binds `{bound}` locally"


@dataclass
class FileScope:
    """What one Python file binds and uses, by name (built once per file, on demand)."""

    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    stars: list[tuple[int, str]] = field(default_factory=list)  # (level, module) of `from m import *`
    name_uses: dict[str, int] = field(default_factory=dict)  # name -> first line of a load
    # attr -> owners: a dotted chain of names (`pkg.sub.m` as ("pkg", "sub", "m")), or None for
    # any other expression (a call, a subscript)
    attr_uses: dict[str, list[tuple[str, ...] | None]] = field(default_factory=dict)
    strings: str = ""  # every string constant, newline-joined
    module_getattr: bool = False  # a module-level `__getattr__` (PEP 562 lazy attributes)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


class _Walk:
    """One file's summary under construction: a handler per node kind, dispatched on the exact
    node type (one dict look-up per node keeps the single `ast.walk` cheap)."""

    def __init__(self, exported: set[int]) -> None:
        self.scope = FileScope()
        self.strings: list[str] = []
        self.exported = exported  # `__all__` names the module's own bindings: not a dynamic use

    def name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.scope.bind(node.id, Binding("other", node.lineno))
        elif node.id not in self.scope.name_uses:
            self.scope.name_uses[node.id] = node.lineno

    def attribute(self, node: ast.Attribute) -> None:
        self.scope.attr_uses.setdefault(node.attr, []).append(_chain(node.value))

    def constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and id(node) not in self.exported:
            self.strings.append(node.value)

    def import_from(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.scope.stars.append((node.level, node.module or ""))
            else:
                self.scope.bind(alias.asname or alias.name,
                                Binding("from", node.lineno, node.module or "", node.level, alias.name))

    def import_(self, node: ast.Import) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name.split(".", 1)[0]
            self.scope.bind(bound, Binding("module", node.lineno, alias.name if alias.asname else bound))

    def definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.bind(node.name, Binding("def", node.lineno))

    def arg(self, node: ast.arg) -> None:
        self.scope.bind(node.arg, Binding("other", node.lineno))

    def capture(self, node: ast.ExceptHandler | ast.MatchAs | ast.MatchStar) -> None:
        if node.name:
            self.scope.bind(node.name, Binding("other", node.lineno))

    def mapping_rest(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.scope.bind(node.rest, Binding("other", node.lineno))


# Each handler takes the node kind it is registered for (checked in its own signature).
_HANDLERS: dict[type[ast.AST], Callable[[_Walk, Any], None]] = {
    ast.Name: _Walk.name,
    ast.Attribute: _Walk.attribute,
    ast.Constant: _Walk.constant,
    ast.ImportFrom: _Walk.import_from,
    ast.Import: _Walk.import_,
    ast.FunctionDef: _Walk.definition,
    ast.AsyncFunctionDef: _Walk.definition,
    ast.ClassDef: _Walk.definition,
    ast.arg: _Walk.arg,
    ast.ExceptHandler: _Walk.capture,
    ast.MatchAs: _Walk.capture,
    ast.MatchStar: _Walk.capture,
    ast.MatchMapping: _Walk.mapping_rest,
}


def summarise(tree: ast.Module) -> FileScope:
    walk = _Walk(_all_strings(tree))
    for node in ast.walk(tree):
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(walk, node)
    scope = walk.scope
    scope.strings = "\n".join(walk.strings)
    scope.module_getattr = any(
        isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == "__getattr__" for s in tree.body
    )
    return scope


def _chain(node: ast.expr) -> tuple[str, ...] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


def _all_strings(tree: ast.Module) -> set[int]:
    out: set[int] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                out.update(id(n) for n in ast.walk(stmt.value) if isinstance(n, ast.Constant))
    return out


@dataclass
class ModuleRef:
    kind: str  # files | namespace | external | unknown
    files: tuple[str, ...] = ()


@dataclass
class RefResult:
    """Outcome of one query: the first use that may mean the definition, or where the name's
    other uses are bound instead."""

    reference: tuple[str, int] | None
    elsewhere: list[tuple[str, str]] = field(default_factory=list)  # (path, what that file binds)


class _Budget(Exception):
    """The analysis budget is spent: the file at hand counts as a reference."""


class ReferenceFinder:
    """Import-aware reference search over one commit (one per `SideIndex`)."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self._scopes: dict[str, FileScope | None] = {}
        self._index: tuple[dict[str, tuple[str, ...]], set[str], set[str]] | None = None
        self._results: dict[tuple[object, ...], RefResult] = {}
        # per-query state
        self._target: tuple[str, str] = ("", "")
        self._memo: dict[tuple[str, str], int] = {}
        self._fresh = 0
        self._spent = 0  # over all queries

    # -- public ------------------------------------------------------------------------------
    def find(self, name: str, defined_in: str, skip: Iterable[tuple[str, int, int]] = ()) -> RefResult:
        """Uses of `name` that may refer to its definition in `defined_in` (conservative)."""
        skip_list = list(skip)
        key = (name, defined_in, tuple(skip_list))
        if key not in self._results:
            self._results[key] = self._find(name, defined_in, skip_list)
        return self._results[key]

    # -- the query ---------------------------------------------------------------------------
    def _find(self, name: str, defined_in: str, skip: list[tuple[str, int, int]]) -> RefResult:
        mentions = self.side.mentions(name, skip)
        python: list[tuple[str, int]] = []
        for path, line in mentions:
            if path == defined_in or not path.endswith((".py", ".pyi")):
                return RefResult((path, line))
            python.append((path, line))
        self._target, self._memo, self._fresh = (defined_in, name), {}, 0
        if python and self._cost([p for p, _ in python]) > min(MAX_QUERY_CHARS, MAX_TOTAL_CHARS - self._spent):
            return RefResult(python[0])  # too much to analyse: the name rule (the same for every query)
        python.sort(key=lambda m: (m[0] not in self._scopes, not self._ast_cached(m[0])))
        elsewhere: list[tuple[str, str]] = []
        for path, line in python:
            try:
                why = self._rules_out(path, name)
            except _Budget:
                why = None
            if why is None:
                return RefResult((path, line), elsewhere)
            elsewhere.append((path, why))
        return RefResult(None, sorted(elsewhere))

    def _rules_out(self, path: str, name: str) -> str | None:
        """What `path` binds `name` to when none of its mentions can mean the target (None: one may)."""
        scope = self._scope(path)
        if scope is None or _word(name).search(scope.strings):
            return None
        imports = [(bound, b) for bound, items in scope.bindings.items() for b in items
                   if b.kind == "from" and b.name == name]
        # an import of the name (under any alias) counts when its source may be the target
        if any(self._binding(path, b, 0) >= UNKNOWN for _, b in imports):
            return None
        if name in scope.name_uses and self._name_in(path, name, 0) != OTHER:
            return None
        if any(self._attribute(path, scope, owner, name) != OTHER for owner in scope.attr_uses.get(name, [])):
            return None
        own = scope.bindings.get(name)
        if own:
            return min(own, key=lambda b: b.line).describe(name)
        if imports:
            bound, b = imports[0]
            return b.describe(bound)
        if name in scope.attr_uses:
            return f"uses `{name}` only as an attribute of other modules"
        return f"does not bind `{name}` to it"

    # -- resolution ----------------------------------------------------------------------------
    def _name_in(self, path: str, name: str, hops: int) -> int:
        """What the module-level `name` of file `path` can be."""
        if (path, name) == self._target:
            return TARGET
        if hops > MAX_HOPS:
            return UNKNOWN
        key = (path, name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = UNKNOWN  # a cycle: unknown
        self._memo[key] = verdict = self._name_in_uncached(path, name, hops)
        return verdict

    def _name_in_uncached(self, path: str, name: str, hops: int) -> int:
        text = self._text(path)
        if text is None:
            return UNKNOWN
        if name not in text and not _STAR.search(text) and "__getattr__" not in text:
            return NONE  # nothing in the file can bind it
        scope = self._scope(path)
        if scope is None:
            return UNKNOWN
        verdict = max((self._binding(path, b, hops) for b in scope.bindings.get(name, [])), default=NONE)
        for level, module in scope.stars:
            ref = self._module(path, level, module)
            if ref.kind == "files":
                verdict = max(verdict, *(self._name_in(f, name, hops + 1) for f in ref.files))
            elif ref.kind == "external":
                verdict = max(verdict, OTHER)
            else:
                verdict = max(verdict, UNKNOWN)
        if verdict == NONE and (scope.module_getattr or _word(name).search(scope.strings)):
            return UNKNOWN
        return verdict

    def _binding(self, path: str, b: Binding, hops: int) -> int:
        if b.kind in ("def", "module"):
            return OTHER  # its own definition, or a module object
        if b.kind != "from":
            return UNKNOWN  # assigned, a parameter, a loop variable: anything
        verdict = NONE
        sub = self._module(path, b.level, _join(b.module, b.name))
        if sub.kind in ("files", "namespace"):
            verdict = OTHER  # `from pkg import module`: a module object
        ref = self._module(path, b.level, b.module)
        if ref.kind == "files":
            verdict = max(verdict, *(self._name_in(f, b.name, hops + 1) for f in ref.files))
        elif ref.kind == "external":
            verdict = max(verdict, OTHER)
        elif ref.kind == "unknown":
            verdict = UNKNOWN
        return verdict if verdict != NONE else UNKNOWN  # imported but bound nowhere we can see

    def _attribute(self, path: str, scope: FileScope, owner: tuple[str, ...] | None, name: str) -> int:
        """What `owner.name` can be, for an owner chain in file `path`."""
        if owner is None:
            return UNKNOWN  # a call result, a subscript: anything
        root, parts = owner[0], owner[1:]
        bindings = scope.bindings.get(root)
        if not bindings:
            return UNKNOWN
        verdict = NONE
        for b in bindings:
            if b.kind == "module":
                dotted = _join(b.module, *parts)
                v = self._module_attr(path, 0, dotted, self._module(path, 0, dotted), name)
            elif b.kind == "from":
                dotted = _join(b.module, b.name, *parts)
                sub = self._module(path, b.level, dotted)
                if sub.kind in ("files", "namespace"):
                    v = self._module_attr(path, b.level, dotted, sub, name)
                    if self._rebinds(self._module(path, b.level, b.module), b.name):
                        v = max(v, UNKNOWN)  # the package binds that name to something of its own
                else:
                    v = UNKNOWN  # an object imported from somewhere: its attributes are anything
            else:
                v = UNKNOWN  # a class (maybe a subclass of the target's), an instance, `self`
            verdict = max(verdict, v)
            if verdict >= UNKNOWN:
                break
        return verdict

    def _module_attr(self, path: str, level: int, dotted: str, ref: ModuleRef, name: str) -> int:
        """What attribute `name` of module `dotted` (imported from `path`) can be."""
        if ref.kind == "external":
            return OTHER
        if ref.kind == "unknown":
            return UNKNOWN
        verdict = max((self._name_in(f, name, 1) for f in ref.files), default=NONE)
        if verdict == NONE:  # not bound there: a submodule, or set from outside (unknown)
            sub = self._module(path, level, _join(dotted, name))
            return OTHER if sub.kind in ("files", "namespace") else UNKNOWN
        return verdict

    def _rebinds(self, package: ModuleRef, name: str) -> bool:
        """Whether a package's `__init__` binds `name` to something other than an import."""
        for f in package.files:
            text = self._text(f)
            if text is None:
                return True
            if name in text:
                scope = self._scope(f)
                if scope is None or any(b.kind in ("def", "other") for b in scope.bindings.get(name, [])):
                    return True
        return False

    def _module(self, path: str, level: int, dotted: str) -> ModuleRef:
        files_of, dirs, exact_dirs = self._modules()
        if level:
            base = path.split("/")[:-1]
            if level - 1 > len(base):
                return ModuleRef("unknown")
            base = base[: len(base) - (level - 1)]
            target = "/".join([*base, *(dotted.split(".") if dotted else [])])
            if not target:
                return ModuleRef("unknown")
            found = tuple(p for p in (f"{target}.py", f"{target}/__init__.py") if p in self._paths())
            if found:
                return ModuleRef("files", found)
            return ModuleRef("namespace") if target in exact_dirs else ModuleRef("unknown")
        if not dotted:
            return ModuleRef("unknown")
        if dotted in files_of:
            return ModuleRef("files", files_of[dotted])
        if dotted in dirs:
            return ModuleRef("namespace")
        parts = dotted.split(".")
        for i in range(1, len(parts)):  # inside a repository module or package, but no such file:
            head = ".".join(parts[:i])  # an attribute of a module, a missing submodule (unknown)
            if head in files_of or head in dirs:
                return ModuleRef("unknown")
        for i in range(1, len(parts)):  # an installed name for a repository directory (package_dir)
            rest = ".".join(parts[i:])
            if rest in files_of:
                return ModuleRef("files", files_of[rest])
        return ModuleRef("external")

    # -- caches --------------------------------------------------------------------------------
    def _paths(self) -> set[str]:
        self._modules()
        return self._path_set

    def _modules(self) -> tuple[dict[str, tuple[str, ...]], set[str], set[str]]:
        """Dotted-name suffixes of every Python module and package directory (built once)."""
        if self._index is None:
            files_of: dict[str, list[str]] = {}
            dirs: set[str] = set()
            exact_dirs: set[str] = set()
            paths = self.side.tree.paths()
            for p in paths:
                if not p.endswith(".py"):
                    continue
                parts = p[:-3].split("/")
                folders = parts[:-1]
                if parts[-1] == "__init__":
                    parts = folders
                for i in range(len(parts)):
                    files_of.setdefault(".".join(parts[i:]), []).append(p)
                for j in range(1, len(folders) + 1):
                    exact_dirs.add("/".join(folders[:j]))
                    for i in range(j):
                        dirs.add(".".join(folders[i:j]))
            self._path_set = set(paths)
            self._index = ({k: tuple(v) for k, v in files_of.items()}, dirs, exact_dirs)
        return self._index

    def _text(self, path: str) -> str | None:
        text = self.side.texts().get(path)
        return text if text is not None else self.side.tree.read_text(path)

    def _ast_cached(self, path: str) -> bool:
        return self.side.cached_ast(path) is not None

    def _scope(self, path: str) -> FileScope | None:
        """The file's summary (None: it does not parse or cannot be read)."""
        if path not in self._scopes:
            tree = self.side.cached_ast(path)
            text = None
            if tree is None:
                text = self._text(path)
                if text is None:
                    self._scopes[path] = None
                    return None
                self._spend(len(text))
                tree = self.side.parse_ast(path, text)
            else:
                self._spend(len(self._text(path) or "") // 3)  # a walk costs about a third of a parse
            self._scopes[path] = summarise(tree) if tree is not None else None
        return self._scopes[path]

    def _cost(self, paths: list[str]) -> int:
        """Source still to summarise for these files (a walk of a cached tree: a third of a parse)."""
        total = 0
        for path in paths:
            if path not in self._scopes:
                size = len(self._text(path) or "")
                total += size // 3 if self._ast_cached(path) else size
        return total

    def _spend(self, chars: int) -> None:
        self._fresh += chars
        self._spent += chars
        if self._fresh > MAX_QUERY_CHARS or self._spent > MAX_TOTAL_CHARS:
            raise _Budget


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


_WORDS: dict[str, re.Pattern[str]] = {}


def _word(name: str) -> re.Pattern[str]:
    pattern = _WORDS.get(name)
    if pattern is None:
        pattern = _WORDS[name] = re.compile(rf"\b{re.escape(name)}\b")
    return pattern
