"""Is a configured value read by any code? (dead-configuration detection)

A value that no code reads cannot change behaviour, so removing or changing it is a
`NoEffectChange`, never a regression. "Read" means: the key's leaf or its enclosing section name
appears as an attribute read, a string subscript, `.get("x")`/`getattr(o, "x")`, or a parameter
of a function that is itself referenced. A whole-object consumer (`asdict(x)`, `vars(x)`,
`x.model_dump()`, `**x`, `for k in x`, `x.items()`, `json.dumps(x)`, ...) reads every key under what
`x` denotes: a section (`cfg.env`), a config class (`Rewards()`, a variable bound to one, a parameter
annotated with one, the classes nesting or extending it), a variable named after a section
(`env_cfg`), or a loaded config document (`yaml.safe_load(f)[args.env]`: then every config file the
module names is read). UPPER_CASE names in code read module constants (`lr=LR`), and a literal
keyword argument of a call in reached code (`PPO(learning_rate=3e-4)`) is live by construction. Not reads: the config definitions themselves (config class bodies, assignment targets
such as `cfg.x.y = 1`), comments and commented-out code (the AST never sees them), and code inside
functions/classes that nothing references (a scheduler class nobody calls). The check errs towards
"read": a false "dead" would hide a real regression.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from investigator import budget
from investigator.config.defaults import (
    Default,
    Unknown,
    code_defaults,
    hard_coded,
    implicit_default,
    none_got_leaves,
    omitted_arguments,
    positional_defaults,
    promoted_constant,
    setting_targets,
)
from investigator.config.keys import CLASS_SUFFIXES, ROOT_PREFIXES, class_segment, normalise_segment
from investigator.config.loading import STRUCTURED_FORMATS, LoadIndex
from investigator.config.model import EntryKind
from investigator.pyast import parse_tree

if TYPE_CHECKING:
    from investigator.config.model import ConfigEntry

_GETTERS = frozenset({"get", "getattr", "hasattr", "pop", "setdefault", "select", "__getitem__"})


# Whole-object consumers. Functions that read every key of their first argument (`asdict(x)`,
# `OmegaConf.to_container(x)`, `json.dumps(x)`, `instantiate(x)`, `dict(x)`), called by bare name or on
# one of `_CONSUMER_MODULES` (`dataclasses.replace(x)` is one, `text.replace(a, b)` is not).
_WHOLE_FUNCTIONS = frozenset({
    "asdict", "astuple", "fields", "replace", "vars", "to_container", "to_yaml", "to_object", "save",
    "instantiate", "dump", "dumps", "safe_dump", "dict", "list", "tuple", "sorted", "iter", "enumerate",
    "model_validate", "parse_obj", "from_dict", "structure", "unstructure",
})
_CONSUMER_MODULES = frozenset({
    "dataclasses", "dc", "attr", "attrs", "json", "yaml", "omegaconf", "OmegaConf", "hydra", "utils",
    "toml", "tomli_w", "tomlkit", "pickle", "cattrs", "cattr", "orjson", "ujson", "copy",
})
# Methods that read every key of the object they are called on (`x.items()`, `x.model_dump()`).
_WHOLE_METHODS = frozenset({
    "items", "keys", "values", "model_dump", "model_dump_json", "dict", "json", "to_dict", "_asdict",
    "asdict", "__iter__",
})
# Calls whose result is their argument (or the object they are called on) for this purpose:
# `asdict(deepcopy(cfg.env))` consumes `env`, `x = cfg.env.copy()` binds `x` to `env`.
_SAME_FUNCTIONS = _WHOLE_FUNCTIONS | {"deepcopy", "copy", "create", "structured", "to_container"}
_SAME_METHODS = _WHOLE_METHODS | {"copy", "model_copy", "__copy__", "__deepcopy__"}
# Copies into a container. Bound to a name (`trainer_cfg = dict(cfg.trainer)`) they read nothing yet:
# the name stands for the section (`_SAME_FUNCTIONS`), and its later reads and whole uses are tracked.
_MOVERS = frozenset({"dict", "list", "tuple", "sorted", "iter", "enumerate"})
_NOT_WHOLE = frozenset({"self", "cls"})  # the object itself (config class bodies are skipped anyway)
# Calls that return a parsed config document (`yaml.safe_load(f)`, `json.load(f)`, `OmegaConf.load(p)`).
# Their result consumed whole, or an element of it picked at run time (`yaml.safe_load(f)[args.env]`,
# then `PPO(**hyperparams)`), reads every key of the config files the module names (`LOADED`).
_LOADERS = frozenset({"load", "loads", "safe_load", "full_load", "unsafe_load", "load_all", "safe_load_all"})
_LOADER_BARE = _LOADERS - {"load", "loads"}  # a bare `load(x)` may be anything; `safe_load(x)` is YAML's
LOADED: Token = ("loaded", "")
# a module that may give a name a default (`.get("x", 1)`, `getattr(o, "x", 1)`, `def f(x=1)`): parsed for it
_DEFAULT_HINT = re.compile(r"""\.(?:get|pop|setdefault)\(\s*['"]|getattr\(|\bdef\s+\w+\s*\([^)]*=""")
# Suffixes of config file names in string literals (`"hyperparams/ppo.yml"`, `f"conf/{algo}.yaml"`).
_FILE_SUFFIXES = (".yaml", ".yml", ".json", ".toml")

Token = tuple[str, str]  # ("class", ClassName): a config class if it is one; ("name", x): a section/variable/class


@dataclass
class ModuleReads:
    """Names read in one module, split by the top-level definition they occur in."""

    module: set[str] = field(default_factory=set)  # reads in module-level code
    defs: dict[str, set[str]] = field(default_factory=dict)  # top-level def/class -> reads inside
    # what whole-object consumers read (`asdict(x)`, `**x`, `for k in x`), as tokens (`_tokens`)
    whole_module: set[Token] = field(default_factory=set)
    whole_defs: dict[str, set[Token]] = field(default_factory=dict)
    # config file names in string literals (f-strings as `*` globs), anywhere in the module
    files: set[str] = field(default_factory=set)
    # module-level code / top-level defs that splat the untyped root into a call: `PPO(**vars(args))`
    root_splat: bool = False
    root_splat_defs: set[str] = field(default_factory=set)


@dataclass
class _Scope:
    """Whole-object consumption seen while walking one top-level definition (or the module body)."""

    consumed: list[ast.AST] = field(default_factory=list)  # expressions consumed whole
    files: set[str] | None = None  # where config file names in string literals go (`ModuleReads.files`)
    splats: list[ast.AST] = field(default_factory=list)  # `f(**x)` arguments (not `dict(**x)`)
    # consumed only to be copied into another container (`d.update(x)`, `dict(x)`, `{**x}`): a loaded
    # document moved this way is read by key names later, so it does not read the whole file
    movers: list[ast.AST] = field(default_factory=list)
    copied: set[int] = field(default_factory=set)  # `x = dict(cfg.trainer)`: ids of copies bound to a name
    forwarded: set[str] = field(default_factory=set)  # `**kwargs` parameters: `f(**kwargs)` only forwards
    bindings: dict[str, list[ast.AST | Token]] = field(default_factory=dict)  # `x = ...`, `x: Cls`, `for x in`

    def bind(self, name: str, value: ast.AST | Token) -> None:
        bound = self.bindings.get(name)
        if bound is None:
            self.bindings[name] = [value]
        elif len(bound) < 8:
            bound.append(value)


def _call_name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _is_function_call(func: ast.AST) -> bool:
    """`asdict(x)` / `dataclasses.asdict(x)`, not a method of some object (`text.replace(...)`)."""
    return isinstance(func, ast.Name) or (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in _CONSUMER_MODULES
    )


def _annotation_tokens(annotation: ast.AST) -> list[Token]:
    """Class names an annotation mentions (`Cfg`, `Optional[Cfg]`, `"Cfg"`, `mod.Cfg`): each counts only
    when it names a config class."""
    out: list[Token] = []
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name):
            out.append(("class", node.id))
        elif isinstance(node, ast.Attribute):
            out.append(("class", node.attr))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.extend(("class", name) for name in _IDENTIFIER.findall(node.value))
    return out


def _consumers(node: ast.Call, scope: _Scope) -> None:
    """What a call consumes whole: `asdict(x)`, `x.items()`, `f(**x)`, `getattr(x, name)`."""
    func = node.func
    name = _call_name(func)
    if name in _WHOLE_METHODS and isinstance(func, ast.Attribute):
        scope.consumed.append(func.value)
    if name in _WHOLE_FUNCTIONS and node.args and _is_function_call(func):
        if name in _MOVERS and id(node) in scope.copied:
            pass  # `trainer_cfg = dict(cfg.trainer)`: a copy whose keys are then read by name
        else:
            scope.consumed.append(node.args[0])
            if name in _MOVERS:
                scope.movers.append(node.args[0])
    elif name == "update" and node.args and isinstance(func, ast.Attribute):
        scope.consumed.append(node.args[0])  # `d.update(cfg.env)`
        scope.movers.append(node.args[0])
    elif name == "getattr" and len(node.args) >= 2 and not (
        isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
    ):
        scope.consumed.append(node.args[0])  # any field may be read
    for kw in node.keywords:
        if kw.arg is None:
            scope.consumed.append(kw.value)  # `f(**x)`
            if name not in _WHOLE_FUNCTIONS:
                scope.splats.append(kw.value)  # each key becomes a keyword argument of the callee


# Nodes with nothing to read below them (a `Name`'s only child is its context): not walked into.
_LEAVES: frozenset[type] = frozenset(
    {ast.Name, ast.Constant, ast.Pass, ast.Break, ast.Continue, ast.alias, ast.Global, ast.Nonlocal,
     *(cls for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
       for cls in base.__subclasses__())}
)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.comprehension)


class _ReadWalker:
    """Walks one top-level statement and records what it reads (`reads`) and consumes or binds
    (`scope`): one handler per node type (`_HANDLERS`). A handler returns whether the node's children
    are walked as well; nodes without a handler are walked through. Depth first with an explicit stack
    (deeply nested expressions must not hit the recursion limit), children in reverse order: the order
    in which names are bound matters, `_Scope.bind` keeps the first few values only."""

    def __init__(self, reads: set[str], scope: _Scope) -> None:
        self.reads = reads
        self.scope = scope
        self.stack: list[ast.AST] = []

    def walk(self, root: ast.AST) -> None:
        stack = self.stack = [root]
        while stack:
            node = stack.pop()
            handler = _HANDLERS.get(type(node))
            if handler is None or handler(self, node):
                stack.extend(ast.iter_child_nodes(node))

    def leaf(self, node: ast.AST) -> bool:
        return False

    def name(self, node: ast.Name) -> bool:
        if node.id.isupper() and isinstance(node.ctx, ast.Load):
            self.reads.add(node.id)  # a module constant used by name: `lr=LR`
        return False

    def constant(self, node: ast.Constant) -> bool:
        files, value = self.scope.files, node.value
        if files is not None and isinstance(value, str) and value.endswith(_FILE_SUFFIXES) \
                and value not in _FILE_SUFFIXES:  # not a bare `".yaml"`
            files.add(value.removeprefix("./"))
        return False

    def attribute(self, node: ast.Attribute) -> bool:
        if isinstance(node.ctx, ast.Load):
            self.reads.add(node.attr)
            if node.attr == "__dict__":
                self.scope.consumed.append(node.value)
        return True

    def call(self, node: ast.Call) -> bool:
        if _call_name(node.func) in _GETTERS:
            self.reads.update(arg.value for arg in node.args[:2]
                              if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
        _consumers(node, self.scope)
        return True

    def subscript(self, node: ast.Subscript) -> bool:
        index = node.slice
        if isinstance(index, ast.Constant):
            if isinstance(index.value, str):
                self.reads.add(index.value)
        elif isinstance(node.ctx, ast.Load) and not isinstance(index, ast.Slice):
            self.scope.consumed.append(node.value)  # `cfg[name]`: any key may be read
        return True

    def assign(self, node: ast.Assign) -> bool:
        """Targets are definitions, not reads: only the value and subscript indices are walked."""
        value = node.value
        self.stack.append(value)
        if isinstance(value, ast.Call) and _call_name(value.func) in _MOVERS and all(
                isinstance(t, ast.Name) for t in node.targets):
            self.scope.copied.add(id(value))  # the name stands for the section; its reads are tracked
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                self.stack.append(target.slice)
            elif isinstance(target, ast.Name):
                self.scope.bind(target.id, value)
            elif isinstance(target, ast.Attribute):
                self.scope.bind("." + target.attr, value)  # `self.rewards = Rewards()`
        return False

    def ann_assign(self, node: ast.AnnAssign) -> bool:
        target, value = node.target, node.value
        if isinstance(target, ast.Name | ast.Attribute):
            name = target.id if isinstance(target, ast.Name) else "." + target.attr
            for token in _annotation_tokens(node.annotation):
                self.scope.bind(name, token)
            if value is not None:
                self.scope.bind(name, value)
        if value is not None:
            self.stack.append(value)
        return False

    def compare(self, node: ast.Compare) -> bool:
        if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            self.reads.add(node.left.value)  # "x" in cfg
        return True

    def loop(self, node: ast.For | ast.AsyncFor | ast.comprehension) -> bool:
        self.scope.consumed.append(node.iter)  # iteration reads every key
        if isinstance(node.target, ast.Name):
            self.scope.bind(node.target.id, node.iter)
        return True

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> bool:
        """Parameters count as reads (a referenced function's parameters are how it gets settings)."""
        args = node.args
        if args.kwarg is not None:
            self.scope.forwarded.add(args.kwarg.arg)
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            self.reads.add(arg.arg)
            if arg.annotation is not None:
                for token in _annotation_tokens(arg.annotation):
                    self.scope.bind(arg.arg, token)
        return True

    def dict_display(self, node: ast.Dict) -> bool:
        spread = [v for k, v in zip(node.keys, node.values, strict=True) if k is None]  # `{**x}`
        self.scope.consumed.extend(spread)
        self.scope.movers.extend(spread)
        return True

    def starred(self, node: ast.Starred) -> bool:
        if isinstance(node.ctx, ast.Load):
            self.scope.consumed.append(node.value)  # `f(*x)`, `[*x]`
        return True

    def named_expr(self, node: ast.NamedExpr) -> bool:
        if isinstance(node.target, ast.Name):
            self.scope.bind(node.target.id, node.value)
        return True

    def joined_str(self, node: ast.JoinedStr) -> bool:
        if self.scope.files is not None and (name := _glob(node)) is not None:
            self.scope.files.add(name)  # `f"hyperparams/{algo}.yml"`
        return True


_Handler = Callable[[_ReadWalker, Any], bool]
_HANDLERS: dict[type, _Handler] = {
    **dict.fromkeys(_LEAVES, _ReadWalker.leaf),
    ast.Name: _ReadWalker.name,
    ast.Constant: _ReadWalker.constant,
    ast.Attribute: _ReadWalker.attribute,
    ast.Call: _ReadWalker.call,
    ast.Subscript: _ReadWalker.subscript,
    ast.Assign: _ReadWalker.assign,
    ast.AnnAssign: _ReadWalker.ann_assign,
    ast.Compare: _ReadWalker.compare,
    **dict.fromkeys(_LOOPS, _ReadWalker.loop),
    **dict.fromkeys(_FUNCTIONS, _ReadWalker.function),
    ast.Dict: _ReadWalker.dict_display,
    ast.Starred: _ReadWalker.starred,
    ast.NamedExpr: _ReadWalker.named_expr,
    ast.JoinedStr: _ReadWalker.joined_str,
}


def _walk_reads(root: ast.AST, reads: set[str], scope: _Scope | None = None) -> None:
    _ReadWalker(reads, scope if scope is not None else _Scope()).walk(root)


def _glob(node: ast.JoinedStr) -> str | None:
    """`f"hyperparams/{algo}.yml"` -> `hyperparams/*.yml`, when it names a config file."""
    parts = [v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "*" for v in node.values]
    text = "".join(parts).removeprefix("./")
    return text if text.endswith(_FILE_SUFFIXES) and text.strip("*/.") else None


def _is_loader(node: ast.Call, name: str) -> bool:
    """`yaml.safe_load(f)`, `json.load(f)`, `OmegaConf.load(p)`, `safe_load(f)`."""
    func = node.func
    if isinstance(func, ast.Name):
        return name in _LOADER_BARE
    return name in _LOADERS and _is_function_call(func)


def _tokens(node: ast.AST | Token, scopes: tuple[_Scope, ...], out: set[Token], depth: int = 0) -> None:
    """What an expression denotes, as tokens: the section or variable names it goes through
    (`cfg.env` -> `env`), the class it instantiates (`Rewards()`), following local bindings."""
    if depth > 6:
        return
    if isinstance(node, tuple):
        out.add(node)
        return
    follow = _TOKEN_RULES.get(type(node))
    if follow is not None:
        for inner in follow(node, scopes, out):
            _tokens(inner, scopes, out, depth + 1)


def _name_tokens(node: ast.Name, scopes: tuple[_Scope, ...], out: set[Token]) -> list[ast.AST | Token]:
    if node.id in _NOT_WHOLE or ("name", node.id) in out:
        return []  # the object itself, or already followed (bindings can be cyclic: `x = f(x)`)
    out.add(("name", node.id))
    for scope in scopes:
        bound = scope.bindings.get(node.id)
        if bound:
            return bound  # the innermost scope that binds the name
    return []


def _attribute_tokens(node: ast.Attribute, scopes: tuple[_Scope, ...], out: set[Token]) -> list[ast.AST | Token]:
    if ("name", node.attr) in out:
        return []
    out.add(("name", node.attr))
    return [value for scope in scopes for value in scope.bindings.get("." + node.attr, ())]


def _subscript_tokens(node: ast.Subscript, scopes: tuple[_Scope, ...], out: set[Token]) -> list[ast.AST | Token]:
    index = node.slice
    if isinstance(index, ast.Constant) and isinstance(index.value, str):
        out.add(("name", index.value))
    elif not isinstance(index, ast.Constant | ast.Slice):
        return [node.value]  # an element of the section
    return []


def _call_tokens(node: ast.Call, scopes: tuple[_Scope, ...], out: set[Token]) -> list[ast.AST | Token]:
    func = node.func
    name = _call_name(func)
    if isinstance(func, ast.Attribute) and name in _SAME_METHODS:
        return [func.value]
    if name in _SAME_FUNCTIONS and node.args and _is_function_call(func):
        return [node.args[0]]
    if _is_loader(node, name):
        out.add(LOADED)  # a parsed config document
    elif name:
        out.add(("class", name))  # `Rewards(...)`: counts when it is a config class
    return []


_TokenRule = Callable[[Any, tuple[_Scope, ...], set[Token]], Iterable[ast.AST | Token]]
# What each kind of expression stands for: tokens it adds itself, and the expressions to follow.
_TOKEN_RULES: dict[type, _TokenRule] = {
    ast.Name: _name_tokens,
    ast.Attribute: _attribute_tokens,
    ast.Subscript: _subscript_tokens,
    ast.Call: _call_tokens,
    ast.IfExp: lambda node, scopes, out: (node.body, node.orelse),
    ast.BoolOp: lambda node, scopes, out: node.values,
    ast.Starred: lambda node, scopes, out: (node.value,),
    ast.Await: lambda node, scopes, out: (node.value,),
}


def _resolve(scope: _Scope, outer: _Scope | None = None) -> set[Token]:
    scopes = (scope,) if outer is None or outer is scope else (scope, outer)
    out: set[Token] = set()
    movers = {id(node) for node in scope.movers}
    for node in scope.consumed:
        if id(node) in movers:  # copied on: what it stands for counts, a loaded document's file does not
            moved: set[Token] = set()
            _tokens(node, scopes, moved)
            moved.discard(LOADED)
            out |= moved
        else:
            _tokens(node, scopes, out)
    return out


def collect_reads(tree: ast.Module, config_classes: set[str]) -> ModuleReads:
    """Reads per top-level definition; config class bodies are definitions, not reads."""
    out = ModuleReads()
    module_scope = _Scope(files=out.files)
    def_scopes: list[tuple[str, _Scope]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name in config_classes:
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            reads: set[str] = set()
            scope = _Scope(files=out.files)
            _walk_reads(stmt, reads, scope)
            out.defs.setdefault(stmt.name, set()).update(reads)
            if scope.consumed:
                def_scopes.append((stmt.name, scope))
        else:
            _walk_reads(stmt, out.module, module_scope)
    for name, scope in def_scopes:  # module-level bindings are seen from inside (`DEFAULT = Rewards()`)
        out.whole_defs.setdefault(name, set()).update(_resolve(scope, module_scope))
        if _splats_root(scope, module_scope):
            out.root_splat_defs.add(name)
    if module_scope.consumed:
        out.whole_module = _resolve(module_scope)
        out.root_splat = _splats_root(module_scope)
    return out


def _splats_root(scope: _Scope, outer: _Scope | None = None) -> bool:
    """Whether a `**` argument of a call is the untyped root (`PPO(**vars(args))`, `config = vars(args)`
    then `Trainer(**config)`): every option then reaches the callee as a keyword argument."""
    scopes = (scope,) if outer is None or outer is scope else (scope, outer)
    for node in scope.splats:
        if isinstance(node, ast.Name) and node.id in scope.forwarded:
            continue  # `def wrapper(**kwargs): return f(**kwargs)` passes its caller's arguments on
        tokens: set[Token] = set()
        _tokens(node, scopes, tokens)
        if any(kind == "name" and normalise_segment(name) in ROOT_PREFIXES for kind, name in tokens):
            return True
    return False


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_RAW_CLASS = re.compile(r"([A-Za-z_]\w*)\(")  # the raw key of a constructor keyword: `Trainer(lr=...)`
_WORD = re.compile(r"\w+")
# ASCII characters that are not `\w`, mapped to a space: for ASCII text, `text.translate(...).split()`
# gives the same words as `_WORD.findall(text)` at about a third of the cost.
_NON_WORD_ASCII = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})


def words_of(text: str) -> frozenset[str]:
    r"""The set of case-folded `\w+` runs of `text`."""
    folded = text.casefold()
    if folded.isascii():
        return frozenset(folded.translate(_NON_WORD_ASCII).split())
    return frozenset(_WORD.findall(folded))
_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_FULL_LINE_COMMENT = re.compile(r"^[ \t]*#.*$", re.MULTILINE)
_INLINE_COMMENT = re.compile(r"[ \t]#[^\n'\"]*$", re.MULTILINE)


def strip_comments(text: str) -> str:
    """Drop full-line comments and quote-free inline comments (commented-out code is not code)."""
    return _INLINE_COMMENT.sub("", _FULL_LINE_COMMENT.sub("", text))


class ReadIndex:
    """Reads of one commit, computed lazily for the names a question is about.

    Only modules whose text mentions a wanted name (any spelling: `num_envs`, `numEnvs`) are
    parsed, so the cost follows the number of changed keys, not the size of the repository. Which
    modules mention a name is looked up in a word index built once per commit (word sets of
    unchanged texts are shared with the other commit); trees come from `parse` (the commit's
    cached trees) when given. A
    top-level def's reads count when its name appears anywhere else in the sources (a textual
    mention counts: erring towards "read" is the safe side).

    Whole-object consumption (`reads_whole`) is asked the same lazy way: by the key's sections (and
    the variable spellings `env_cfg`, `envConfig` of each) and by the config classes whose whole
    consumption would read the key (`covering`: the class, the classes that nest or extend it).
    """

    def __init__(self, sources: dict[str, str], config_classes: dict[str, set[str]] | None = None,
                 shared: dict | None = None,
                 parse: Callable[[str, str], ast.Module | None] | None = None,
                 covering: Callable[[str], Iterable[str]] | None = None) -> None:
        self.sources = sources
        self._shared = shared if shared is not None else {}  # parses and word sets shared between commits
        self._parse = parse  # cached parser (`Snapshot.python_ast`); trees are never mutated
        self._mentions: Counter[str] | None = None  # identifier -> occurrences in code (not comments)
        self._definitions: Counter[str] = Counter()  # name -> `def`/`class` statements defining it
        self.config_classes = config_classes or {}
        self._parsed: dict[str, ModuleReads | None] = {}
        self._asked: set[str] = set()
        self._live: set[str] = set()
        self._words: dict[str, list[str]] | None = None  # case-folded word -> paths whose text has it
        # whole-object consumption (`asdict(x)`, `**x`, `for k in x`) seen in the parsed modules
        self._covering = covering  # class -> classes whose whole consumption reads its fields
        self._class_names: frozenset[str] | None = None
        self._whole_segments: set[str] = set()  # sections (normalised) consumed whole
        self._whole_classes: set[str] = set()  # config classes consumed whole
        self._whole_asked: set[str] = set()  # sections `reads_whole` prepared for
        self._whole_parents: dict[str, bool] = {}  # a key's parent -> one of its sections is consumed whole
        self._owner_consumed: dict[str, bool] = {}  # owner class -> a class covering it is consumed whole
        self._suffixed: dict[str, list[str]] | None = None  # `_stems`
        self._root_splat: set[str] = set()  # modules whose referenced code splats the untyped root
        self._whole_files: set[str] = set()  # config file names (globs) of modules consuming a loaded document
        self._files_asked = False
        self._file_read: dict[str, bool] = {}
        self.loads: LoadIndex | None = None  # which structured files some code can load (set by `SideData`)
        self._defaults: dict[tuple[str, object], Default | Unknown] = {}
        self._omitted: dict[tuple[str, str], list[Default]] = {}

    @staticmethod
    def _pattern(names: set[str]) -> re.Pattern[str]:
        spellings = {n for name in names for n in (name, name.replace("_", "")) if n}
        return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(spellings))) + r")\b", re.IGNORECASE)

    def _word_index(self) -> dict[str, list[str]]:
        """Every word (`\\w+` run) of every source, built once per commit (texts shared across commits)."""
        if self._words is None:
            words: dict[str, list[str]] = {}
            for path, text in self.sources.items():
                key = ("words", hash(text))
                found = self._shared.get(key)
                if found is None:
                    found = self._shared[key] = words_of(text)
                for word in found:
                    bucket = words.get(word)
                    if bucket is None:
                        words[word] = [path]
                    else:
                        bucket.append(path)
            self._words = words
        return self._words

    def _mentioning(self, wanted: set[str]) -> list[str]:
        """Paths whose text mentions one of `wanted` as a whole word, any case, with or without `_`."""
        spellings = {n for name in wanted for n in (name, name.replace("_", "")) if n}
        if any(_WORD.fullmatch(s) is None for s in spellings):  # not a plain word: scan the texts
            pattern = self._pattern(wanted)
            return [p for p, text in self.sources.items() if pattern.search(text)]
        index = self._word_index()
        hits: set[str] = set()
        for spelling in spellings:
            hits.update(index.get(spelling.casefold(), ()))
        return [p for p in self.sources if p in hits]  # source order, as a text scan would give

    def _tree(self, path: str, text: str) -> ast.Module | None:
        if self._parse is not None:
            return self._parse(path, text)
        return parse_tree(text)

    def prepare(self, names: set[str]) -> None:
        """Collect the reads of every module that mentions one of `names`."""
        wanted = {normalise_segment(n) for n in names} - self._asked
        if not wanted:
            return
        self._asked |= wanted
        self._read_modules(self._mentioning(wanted))

    def _read_modules(self, paths: Iterable[str]) -> None:
        """Parse these modules (those not parsed yet) and take in their reads."""
        for path in paths:
            budget.check()
            if path in self._parsed:
                continue
            text = self.sources[path]
            classes = frozenset(self.config_classes.get(path, set()))
            key = (path, hash(text), classes)
            if key not in self._shared:
                try:
                    tree = self._tree(path, text)
                    self._shared[key] = collect_reads(tree, set(classes)) if tree is not None else None
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    self._shared[key] = None
            reads = self._parsed[path] = self._shared[key]
            if reads is None:
                continue
            self._live |= {normalise_segment(n) for n in reads.module}
            self._absorb(reads.whole_module, reads.files)
            if reads.root_splat:
                self._root_splat.add(path)
            for name, def_reads in reads.defs.items():
                if name in ENTRY_NAMES or self._is_referenced_def(name):
                    self._live |= {normalise_segment(n) for n in def_reads}
                    self._absorb(reads.whole_defs.get(name, ()), reads.files)
                    if name in reads.root_splat_defs:
                        self._root_splat.add(path)

    def _config_class_names(self) -> frozenset[str]:
        if self._class_names is None:
            self._class_names = frozenset(n for names in self.config_classes.values() for n in names)
        return self._class_names

    def _absorb(self, tokens: Iterable[Token], files: Iterable[str] = ()) -> None:
        """Record what whole-object consumers read: a config class, a section / variable name, or a
        loaded config document (then every config file the module names)."""
        if not tokens:
            return
        class_names = self._config_class_names()
        for kind, name in tokens:
            if kind == "loaded":
                self._whole_files.update(files)
            elif name in class_names:
                self._whole_classes.add(name)
                if segment := class_segment(name):
                    self._whole_segments.add(segment)
            elif kind == "name":
                normal = normalise_segment(name)
                if normal in ROOT_PREFIXES:
                    continue  # the untyped root (`vars(args)`, `OmegaConf.to_yaml(cfg)`): see `reads_whole`
                self._whole_segments.add(normal)
                if (segment := class_segment(name)) and segment not in ROOT_PREFIXES:
                    self._whole_segments.add(segment)  # `env_cfg` -> `env`

    def _is_referenced_def(self, name: str) -> bool:
        if self._mentions is None:
            self._mentions, self._definitions = Counter(), Counter()
            for text in self.sources.values():
                code = strip_comments(text)
                self._mentions.update(_IDENTIFIER.findall(code))
                self._definitions.update(_DEFINITION.findall(code))
        return self._mentions[name] - self._definitions[name] > 0

    def reads(self, name: str) -> bool:
        normal = normalise_segment(name)
        if normal not in self._asked:  # asked before: `prepare` would change nothing
            self.prepare({name})
        return normal in self._live

    def reads_whole(self, key: str, entry: ConfigEntry | None = None) -> bool:
        """Whether a whole-object consumer reads `key`: one of its sections is consumed whole
        (`asdict(cfg.env)` reads `env.rewards.gem`), or a config class covering a class the entry
        belongs to (its owner, or the class of a constructor keyword `Trainer(lr=...)`) is
        (`asdict(Rewards())`; `asdict(Trainer())` when `Trainer` nests or extends `Rewards`). The
        untyped root (`vars(args)`, `OmegaConf.to_yaml(cfg)`) counts for nothing: it would make every
        key of every configuration read."""
        parent = key.rpartition(".")[0]
        if parent:
            found = self._whole_parents.get(parent)
            if found is None:
                found = self._whole_parents[parent] = self._section_consumed(parent.split("."))
            if found:
                return True
        if entry is None:
            return False
        owners = self._owner_consumed
        owner, raw = entry.owner, entry.raw_key
        if owner:
            found = owners.get(owner)
            if found is None:
                found = owners[owner] = self._class_consumed(owner)
            if found:
                return True
        if "(" in raw and (match := _RAW_CLASS.match(raw)) is not None:  # `Trainer(lr=...)`
            cls = match.group(1)
            found = owners.get(cls)
            if found is None:
                found = owners[cls] = self._class_consumed(cls)
            return found
        return False

    def splats_options(self, path: str) -> bool:
        """Whether referenced code of the module `path` splats the untyped root into a call
        (`PPO("MlpPolicy", env, **vars(args))`): the options it defines all reach the callee."""
        if path not in self.sources:
            return False
        self._read_modules([path])
        return path in self._root_splat

    def reads_file(self, path: str) -> bool:
        """Whether referenced code consumes a loaded config document whole (`PPO(**hyperparams)` with
        `hyperparams = yaml.safe_load(f)[args.env]`) in a module that names the file `path`
        (`"hyperparams/ppo.yml"`, `f"hyperparams/{algo}.yml"`, relative to any directory)."""
        found = self._file_read.get(path)
        if found is None:
            if not self._files_asked:
                self._files_asked = True
                self.prepare(set(_LOADERS))  # the modules that call a loader
            found = self._file_read[path] = any(_names_file(name, path) for name in self._whole_files)
        return found

    def _section_consumed(self, sections: list[str]) -> bool:
        """A stable answer: every module that could consume one of `sections` is parsed first."""
        new = [s for s in sections if s not in self._whole_asked]
        if new:
            self._whole_asked.update(new)
            self.prepare(set(new))
            stems = self._stems()  # variables named after the section: `env_cfg`, `envConfig`
            paths: set[str] = set()
            for segment in new:
                paths.update(stems.get(segment.casefold(), ()))
                paths.update(stems.get(segment.replace("_", "").casefold(), ()))
            if paths:
                self._read_modules(p for p in self.sources if p in paths)
        whole = self._whole_segments
        return any(s in whole for s in sections)

    def _stems(self) -> dict[str, list[str]]:
        """Words with a config suffix (`env_cfg`, `envconfig`) by what precedes it (`env`) -> paths."""
        if self._suffixed is None:
            stems: dict[str, list[str]] = {}
            suffixes = tuple(CLASS_SUFFIXES)
            for word, paths in self._word_index().items():
                if word.endswith(suffixes):
                    for suffix in suffixes:
                        if word.endswith(suffix) and (stem := word[: -len(suffix)].rstrip("_")):
                            stems.setdefault(stem, []).extend(paths)
            self._suffixed = stems
        return self._suffixed

    def _class_consumed(self, owner: str) -> bool:
        """A stable answer: the modules naming the covering classes are parsed first."""
        if owner not in self._config_class_names():
            return False  # a function's keyword defaults, a module constant
        found = self._covering(owner) if self._covering is not None else (owner,)
        # a class named nowhere but in its own definition cannot be consumed anywhere
        classes = [c for c in found if self._named_elsewhere(c)]
        if not classes:
            return False
        self.prepare(set(classes))  # `prepare` skips the names asked before
        whole = self._whole_classes
        return any(c in whole for c in classes)

    def _named_elsewhere(self, cls: str) -> bool:
        """Whether a config class's name occurs beyond its `class` statement (text, conservative)."""
        paths = self._word_index().get(cls.casefold(), ())
        for path in paths:
            if cls not in self.config_classes.get(path, ()) or self.sources[path].count(cls) > 1:
                return True
        return False

    def implicit_default(self, entry: ConfigEntry) -> Default | Unknown:
        """What `entry`'s key takes at this commit when nothing sets it (see `defaults`), memoised by leaf."""
        key = (entry.key.rsplit(".", 1)[-1], entry.kind is EntryKind.call_kwarg and entry.key)
        memo = self._defaults
        found = memo.get(key)
        if found is None:
            found = memo[key] = implicit_default(entry, self._mentioning, self._module_defaults)
        return found

    def promoted_constant(self, entry: ConfigEntry, other: ReadIndex) -> Default | None:
        """The literal `other` (the other commit) hard-coded where this commit's code reads the setting
        (see `defaults.promoted_constant`); each module is walked once per commit, whatever the keys."""
        leaf = entry.key.rsplit(".", 1)[-1]
        here = [(p, self._module_walk(p, "targets", setting_targets)) for p in self._mentioning({leaf})]
        return promoted_constant(entry, here, lambda path: other._module_walk(path, "hard", hard_coded),
                                 lambda path: other._module_walk(path, "targets", setting_targets))

    def _module_walk(self, path: str, kind: str, walk: Callable[[ast.Module], dict]) -> dict:
        """`walk(tree)` of one module, memoised by content (shared between the commits)."""
        text = self.sources.get(path)
        if text is None:
            return {}
        key = (kind, path, hash(text))
        found = self._shared.get(key)
        if found is None:
            tree = self._tree(path, text)
            found = self._shared[key] = walk(tree) if tree is not None else {}
        return found

    def omitted_defaults(self, entry: ConfigEntry) -> list[Default]:
        """The defaults that apply where the code leaves an argument out when `entry`'s key is absent
        (`defaults.omitted_arguments`): the parameter default of every function of the callee's name,
        each a weak default (the callee may be chosen at run time, `env_module.env_creator`)."""
        leaf = entry.key.rsplit(".", 1)[-1]
        key = ("omitted", leaf)
        found = self._omitted.get(key)
        if found is None:
            found = self._omitted[key] = []
            calls = {c for path in self._mentioning({leaf}) if leaf in self._module_walk(path, "none_got", none_got_leaves)
                     and (tree := self._tree(path, self.sources[path])) for c in omitted_arguments(tree, leaf)}
            for name, position in sorted(calls):
                pattern = re.compile(rf"\bdef\s+{re.escape(name)}\s*\(")
                for path, text in self.sources.items():
                    if not pattern.search(text) or (tree := self._tree(path, text)) is None:
                        continue
                    for value, line, param in positional_defaults(tree, name, position):
                        found.append(Default(value, f"{path}:{line} (`{name}({param}=…)`, which receives "
                                                    f"`{leaf}` and keeps its default when the key is absent)", True))
        return found

    def _module_defaults(self, path: str) -> dict[str, list[tuple[object, int, bool]]]:
        """`defaults.code_defaults` of one module, parsed once (shared between the commits by content)."""
        text = self.sources[path]
        key = ("defaults", path, hash(text))
        found = self._shared.get(key)
        if found is None:
            tree = self._tree(path, text) if _DEFAULT_HINT.search(text) else None
            found = self._shared[key] = code_defaults(tree) if tree is not None else {}
        return found

    def is_referenced(self, name: str) -> bool:
        """Whether a class/function name is mentioned anywhere beyond its definition."""
        return self._is_referenced_def(name)

    def defines(self, target: str) -> bool:
        """Whether a dotted `_target_` (`pkg.sched.Cosine`) names a class or function this repository
        defines (its module is one of our sources and defines the name); library targets such as
        `torch.optim.Adam` are not."""
        module, _, name = target.rpartition(".")
        if not module or not name:
            return False
        rel = module.replace(".", "/")
        wanted = (f"{rel}.py", f"{rel}/__init__.py")
        definition = re.compile(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", re.MULTILINE)
        return any((path == w or path.endswith("/" + w)) and definition.search(text)
                   for path, text in self.sources.items() for w in wanted)


def _names_file(name: str, path: str) -> bool:
    """Whether a file name from a literal (`hyperparams/ppo.yml`, `../conf/*.yaml`) can be `path`."""
    while name.startswith("../"):
        name = name[3:]
    if "*" in name:
        return fnmatchcase(path, name) or fnmatchcase(path, "*/" + name)
    return path == name or path.endswith("/" + name)


# Top-level functions a framework or console script calls without the code naming them.
ENTRY_NAMES: frozenset[str] = frozenset({"main", "cli", "app", "run", "train"})


def dead_reason(key: str, index: ReadIndex, target: str | None = None,
                entry: ConfigEntry | None = None) -> str | None:
    """Why no code reads `key` at this commit, or None when something may read it.

    Live when the leaf or its nearest enclosing section is read by referenced code, or when a
    whole-object consumer reads it (`ReadIndex.reads_whole`; `entry`, when given, names the config
    classes it belongs to); a section with a Hydra `_target_` is dead when the target is a class or
    function of this repository that nothing references and no code instantiates the section (Hydra's
    `instantiate(cfg.x)` calls the target without naming it; a library target like `torch.optim.Adam`
    proves nothing, so the ordinary read rules decide).
    """
    if entry is not None and entry.kind is EntryKind.call_kwarg:
        return None  # a keyword argument of a call that reached code makes: the callee takes it
    if entry is not None and index.loads is not None and entry.format in STRUCTURED_FORMATS:
        unloaded = index.loads.why_not_loaded(entry.path)
        if unloaded is not None:
            return unloaded  # an example only the README names: whatever its keys are called, nothing reads them
    if target and index.defines(target):
        cls = target.rsplit(".", 1)[-1]
        if not index.is_referenced(cls) and not index.reads_whole(key, entry):
            return f"its `_target_` `{target}` is never called or referenced by the code"
    tail = key.rsplit(".", 2)  # only the leaf and its section matter (one more for `_target_`)
    leaf = tail[-1]
    if leaf == "_target_" and len(tail) > 1:
        tail.pop()
        leaf = tail[-1]
    if index.reads(leaf):
        return None
    if len(tail) > 1 and index.reads(tail[-2]):
        return None
    if index.reads_whole(key, entry):
        return None
    if entry is not None and entry.format != "python" and index.reads_file(entry.path):
        return None  # the loaded document is consumed whole (`PPO(**yaml.safe_load(f)[args.env])`)
    if entry is not None and entry.kind is EntryKind.option_default and index.splats_options(entry.path):
        return None  # `PPO(**vars(args))` in the module that defines the option
    if len(tail) < 2:
        return f"no code reads `{leaf}`"
    return f"no code reads `{leaf}` or its section `{tail[-2]}`"
