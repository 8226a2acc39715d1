"""Attribute and configuration reads resolved to the configuration key they carry, with its default.

Why: a release that moves hyperparameters from a dict into a configuration dataclass rewrites every
use of them. `self._grad_norm_clip`, set once from `self.cfg["grad_norm_clip"]` in `__init__` with
`"grad_norm_clip": 0.5` in the module's default dict, becomes `self.cfg.grad_norm_clip`, a dataclass
field defaulting to 0.5; `self.seq_len = config.get("seq_length", 4)` becomes `self.seq_length = ...`
of the same key. The value is the same at both commits, yet compared as text every use read as
changed ("Gradient clipping max norm changed (17 places)"). `canon` (detectors/patterns.py) rewrites
such reads to `config[<key>=<default>]`: equal key and default read alike, while a different key or
a different default (0.5 -> 1.0) still differs. A default is used only when the code tells it
unambiguously (the `.get` fallback, or one literal for the key among the module's dict literals and
the class-body fields of the module and of the configuration classes it imports); otherwise the read
is `config[<key>]`.
"""

from __future__ import annotations

import ast
import re
from typing import TypeGuard

from investigator.config.options import declared_option
from investigator.detectors.functions import FunctionInfo, ParsedModule
from investigator.pyast import copy_tree, dotted, last_name, unparse

HOLDER = re.compile(
    r"^(cfg|config|conf|configs|args|hparams|hyperparams|params|opts?|options|\w+_(cfg|config|conf|args|params))$",
    re.IGNORECASE,
)
CONFIG_IMPORT = re.compile(r"cfg|config|conf\b|args|param", re.IGNORECASE)


def holder(expr: ast.AST) -> bool:
    name = dotted(expr)
    return bool(name) and bool(HOLDER.match(last_name(name)))


def _str_const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def config_read(expr: ast.AST) -> tuple[str, ast.expr | None] | None:
    """`cfg["k"]`, `cfg.get("k", d)`, `self.cfg.k`, `args.k` -> ("k", the `.get` fallback or None)."""
    if isinstance(expr, ast.Subscript) and holder(expr.value):
        key = _str_const(expr.slice)
        return (key, None) if key else None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get" \
            and holder(expr.func.value) and expr.args:
        key = _str_const(expr.args[0])
        if key is None:
            return None
        fallback = expr.args[1] if len(expr.args) > 1 else next((k.value for k in expr.keywords if k.arg == "default"), None)
        return key, fallback
    if isinstance(expr, ast.Attribute) and holder(expr.value) and not expr.attr.startswith("_") \
            and expr.attr not in {"get", "items", "keys", "values", "update", "pop", "copy"}:
        return expr.attr, None
    return None


def _literal(node: ast.AST | None) -> str | None:
    """The text of a literal value (numbers, strings, None, booleans, tuples/lists of them)."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and last_name(dotted(node.func)) == "field":
        return _literal(next((k.value for k in node.keywords if k.arg == "default"), None))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _literal(node.operand) and unparse(node, limit=60)
    if isinstance(node, ast.Tuple | ast.List):
        return unparse(node, limit=60) if all(_literal(e) is not None for e in node.elts) else None
    if isinstance(node, ast.Constant) and not isinstance(node.value, bytes):
        return repr(node.value) if isinstance(node.value, str) else unparse(node, limit=60)
    return None


def _collect_defaults(body: list[ast.stmt], out: dict[str, set[str]]) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef):
            _class_fields(node, out)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for k, v in zip(node.value.keys, node.value.values, strict=True):
                key, text = _str_const(k), _literal(v)
                if key and text is not None:
                    out.setdefault(key, set()).add(text)


def _class_fields(node: ast.ClassDef, out: dict[str, set[str]]) -> None:
    for stmt in node.body:
        target = stmt.target if isinstance(stmt, ast.AnnAssign) else (
            stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None)
        value = stmt.value if isinstance(stmt, ast.AnnAssign | ast.Assign) else None
        text = _literal(value)
        if isinstance(target, ast.Name) and text is not None:
            out.setdefault(target.id, set()).add(text)
        elif isinstance(stmt, ast.ClassDef):
            _class_fields(stmt, out)


def _option_defaults(tree: ast.Module, out: dict[str, set[str]]) -> None:
    """Command-line options declared anywhere in the module (`parser.add_argument("--learning-rate",
    type=float, default=2.5e-4)` in a `parse_args()` helper), by destination. Real shape (cleanrl): the
    scripts moved from an argparse `parse_args()` to a tyro `Args` dataclass with the same defaults; with
    only the dataclass's defaults known, every `args.learning_rate` read as changed ("Optimizer changed",
    "Gradient clipping max norm changed" in ten scripts)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (option := declared_option(node)) is not None:
            text = _literal(option.default)
            if text is not None:
                out.setdefault(option.dest, set()).add(text)


def _module_defaults(module: ParsedModule) -> dict[str, set[str]]:
    cached: dict[str, set[str]] | None = getattr(module, "_config_defaults", None)
    if cached is None:
        cached = {}
        _collect_defaults(module.tree.body, cached)
        _option_defaults(module.tree, cached)
        module._config_defaults = cached  # type: ignore[attr-defined]
    return cached


def _imported_config_modules(module: ParsedModule) -> list[ParsedModule]:
    """The project modules the module imports configuration classes from (`from .ppo_cfg import PPO_CFG`)."""
    cached: list[ParsedModule] | None = getattr(module, "_config_imports", None)
    if cached is not None:
        return cached
    found: list[ParsedModule] = []
    index = getattr(module, "index", None)
    if index is not None:
        for local, target in module.imports.items():
            if not CONFIG_IMPORT.search(local) or "." not in target.lstrip("."):
                continue
            path = imported_module_path(module.path, target.rsplit(".", 1)[0], index.tree.paths())
            other = index.module(path) if path else None
            if other is not None and other is not module and other not in found:
                found.append(other)
    module._config_imports = found  # type: ignore[attr-defined]
    return found


def imported_module_path(here: str, dotted_name: str, paths: object) -> str | None:
    """The file of an imported module (relative imports from `here`; absolute ones by suffix)."""
    level = len(dotted_name) - len(dotted_name.lstrip("."))
    name = dotted_name.lstrip(".")
    if level:
        base = here.rsplit("/", level)[0] if here.count("/") >= level else ""
        stem = "/".join(p for p in (base, name.replace(".", "/")) if p)
        wanted = [f"{stem}.py", f"{stem}/__init__.py"]
    else:
        wanted = [f"{name.replace('.', '/')}.py", f"{name.replace('.', '/')}/__init__.py"]
    all_paths = set(paths) if not isinstance(paths, set) else paths  # type: ignore[call-overload]
    for w in wanted:
        if w in all_paths:
            return w
        if not level:
            hit = next((p for p in all_paths if p.endswith("/" + w)), None)
            if hit:
                return hit
    return None


def default_of(key: str, fn: FunctionInfo) -> str | None:
    """The one literal default the code gives `key` (module dicts and class fields, the module's and
    those of the configuration modules it imports), or None when there is none or several."""
    texts: set[str] = set(_module_defaults(fn.module).get(key, ()))
    for other in _imported_config_modules(fn.module):
        texts |= _module_defaults(other).get(key, set())
    return next(iter(texts)) if len(texts) == 1 else None


def _self_sources(fn: FunctionInfo) -> dict[str, list[ast.expr]]:
    """`self.<attr>` -> every value the methods of fn's class assign to it (built once per class)."""
    module = fn.module
    table: dict[str | None, dict[str, list[ast.expr]]] = getattr(module, "_self_sources", None) or {}
    if fn.class_name not in table:
        out: dict[str, list[ast.expr]] = {}
        for f in module.functions.values():
            if f.class_name != fn.class_name or f.is_module:
                continue
            for node in ast.walk(f.node):
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for t in targets:
                        if _self_attr(t):
                            out.setdefault(t.attr, []).append(node.value)
                        elif isinstance(t, ast.Subscript) and _self_attr(t.value):
                            # `self.x[uid] = ...`: an entry replaced (a per-agent dict of preprocessor
                            # classes turned into instances): not the value it was set from
                            out.setdefault(t.value.attr, []).append(node)  # type: ignore[arg-type]
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute):
                    out.setdefault(node.target.attr, []).append(node)  # type: ignore[arg-type]
        table[fn.class_name] = out
        module._self_sources = table  # type: ignore[attr-defined]
    return table[fn.class_name]


def _self_attr(node: ast.AST) -> TypeGuard[ast.Attribute]:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _assigned_before(fn: FunctionInfo, read: ast.Attribute) -> ast.expr | None:
    """The value of the last plain `self.<attr> = value` of `fn` above the read (same function, by
    line), unless an entry of it (`self.<attr>[k] = ...`) is replaced in between."""
    line = getattr(read, "lineno", None)
    if line is None or fn.is_module:
        return None
    best: tuple[int, ast.expr] | None = None
    stores: list[int] = []
    for lineno, value in _self_assigns(fn).get(read.attr, ()):
        if lineno >= line:
            continue
        if value is None:
            stores.append(lineno)
        elif best is None or lineno > best[0]:
            best = (lineno, value)
    if best is None or any(best[0] < n for n in stores):
        return None
    return best[1]


def _self_assigns(fn: FunctionInfo) -> dict[str, list[tuple[int, ast.expr | None]]]:
    """`attr` -> the `self.<attr> = value` (a lone target: its value) and `self.<attr>[k] = ...` (None)
    assignments of fn, in walk order, with their lines. Built once per function (kept on it): every
    configuration read of a function walked the whole function again (skrl 1.4.3..2.0.0: 1.2 million
    nodes for 2,264 reads)."""
    cached: dict[str, list[tuple[int, ast.expr | None]]] | None = fn.__dict__.get("_self_assigns")
    if cached is not None:
        return cached
    out: dict[str, list[tuple[int, ast.expr | None]]] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Subscript) and _self_attr(t.value):
                    out.setdefault(t.value.attr, []).append((node.lineno, None))
            t = node.targets[0]
            if len(node.targets) == 1 and _self_attr(t):
                out.setdefault(t.attr, []).append((node.lineno, node.value))
    fn.__dict__["_self_assigns"] = out
    return out


def _entry_before(fn: FunctionInfo, read: ast.Subscript) -> ast.expr | None:
    """`self.lr[uid]` read right below `self.lr[uid] = value` in the same function (the latest store
    into `self.lr` above the read, with the same key as written): that value, whatever a scheduler
    stores into the entry later (`self.policy_learning_rate[uid] = self.cfg.learning_rate[uid][0]`
    then `Adam(lr=self.policy_learning_rate[uid])`)."""
    line = getattr(read, "lineno", None)
    if line is None or fn.is_module or not _self_attr(read.value) or not isinstance(read.ctx, ast.Load):
        return None
    attr, key = read.value.attr, ast.dump(read.slice)
    best: tuple[int, ast.expr | None] | None = None
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Assign | ast.AugAssign) or node.lineno >= line:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            plain = any(_self_attr(e) and e.attr == attr for e in ast.walk(t))
            if not plain or (best is not None and node.lineno <= best[0]):
                continue
            keyed = isinstance(node, ast.Assign) and isinstance(t, ast.Subscript) and _self_attr(t.value) \
                and t.value.attr == attr and ast.dump(t.slice) == key
            best = (node.lineno, node.value if keyed else None)
    return best[1] if best is not None else None


def _placeholder(key: str, fallback: ast.expr | None, fn: FunctionInfo) -> ast.Name:
    default = _literal(fallback) if fallback is not None else default_of(key, fn)
    text = f"config[{key}={default}]" if default is not None else f"config[{key}]"
    return ast.Name(id=text, ctx=ast.Load())


PLACEHOLDER = re.compile(r"^config\[[^=\]]+(?:=(.*))?\]$")
COPIES = {"deepcopy", "copy"}


def _scalar_placeholder(node: ast.AST) -> bool:
    """`config[k=0.5]`, `config[k=None]`: a read whose code default is a number, a boolean or None.
    Such a value cannot be indexed; an index on it reads one copy of the value broadcast per agent
    or per network (a dataclass's `expand()`, a `_as_dict` helper)."""
    if not isinstance(node, ast.Name):
        return False
    m = PLACEHOLDER.match(node.id)
    if m is None or m.group(1) is None:
        return False
    try:
        value = ast.literal_eval(m.group(1))
    except (ValueError, SyntaxError):
        return False
    return value is None or isinstance(value, bool | int | float)


def _is_param_copy(node: ast.AST | None, param: str) -> bool:
    """`x` or `copy.deepcopy(x)` / `copy(x)` of the parameter `x`."""
    if isinstance(node, ast.Call) and last_name(dotted(node.func)) in COPIES and len(node.args) == 1 \
            and not node.keywords:
        node = node.args[0]
    return isinstance(node, ast.Name) and node.id == param


def _broadcasts(fn: FunctionInfo) -> bool:
    """Whether every `return` of fn hands back its one argument, or a comprehension / repeated list
    of copies of it: `{name: copy.deepcopy(x) for name in agents}`, `[x] * n`, or `x` itself."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args) if a.arg not in {"self", "cls"}]
    if len(params) != 1:
        return False
    returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
    if not returns:
        return False
    for r in returns:
        value = r.value
        if isinstance(value, ast.DictComp):
            value = value.value
        elif isinstance(value, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            value = value.elt
        elif isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult) and isinstance(value.left, ast.List) \
                and len(value.left.elts) == 1:
            value = value.left.elts[0]
        if not _is_param_copy(value, params[0]):
            return False
    return True


def _broadcast_call(call: ast.Call, fn: FunctionInfo) -> bool:
    """`self._as_dict(value)`: a call of one argument whose every definition of that name in the
    commit only broadcasts it (`_broadcasts`); nothing is resolved when the name is not defined."""
    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        return False
    name = last_name(dotted(call.func))
    if not name:
        return False
    index = getattr(fn.module, "index", None)
    if index is None:  # a module parsed on its own: its own definitions only
        defs = [f for f in fn.module.functions.values() if f.name == name]
        return bool(defs) and all(_broadcasts(f) for f in defs)
    cache: dict[str, bool] = index.__dict__.setdefault("_broadcast_defs", {})
    if name not in cache:
        defs = index.find_defs(name)
        cache[name] = bool(defs) and all(_broadcasts(f) for f in defs)
    return cache[name]


class _Resolve(ast.NodeTransformer):
    def __init__(self, fn: FunctionInfo, depth: int = 0) -> None:
        self.fn = fn
        self.depth = depth

    def _source(self, src: ast.expr) -> ast.AST | None:
        """An attribute's one source resolved in turn (`self.cfg.learning_rate[0]`, `self._as_dict(cfg[k])`):
        kept only when it comes down to one configuration read or a literal."""
        if self.depth >= 2:
            return None
        out = _Resolve(self.fn, self.depth + 1).visit(copy_tree(src))
        if isinstance(out, ast.Constant) or (isinstance(out, ast.Name) and PLACEHOLDER.match(out.id)):
            return out
        return None

    def _resolved(self, node: ast.expr) -> ast.AST | None:
        read = config_read(node)
        if read is not None:
            return ast.copy_location(_placeholder(read[0], read[1], self.fn), node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" \
                and self.fn.class_name is not None and isinstance(node.ctx, ast.Load):
            sources = _self_sources(self.fn).get(node.attr, [])
            local = _assigned_before(self.fn, node)
            if local is not None:
                sources = [local]  # `self.lr = cfg.lr` just above the read, whatever a scheduler does later
            if len(sources) == 1 and isinstance(sources[0], ast.expr):
                src = sources[0]
                read = config_read(src)
                if read is not None:
                    return ast.copy_location(_placeholder(read[0], read[1], self.fn), node)
                if _literal(src) is not None:
                    return ast.copy_location(ast.Constant(value=ast.literal_eval(src)), node)
                resolved = self._source(src)
                if resolved is not None:
                    return ast.copy_location(resolved, node)
        if isinstance(node, ast.Call) and _broadcast_call(node, self.fn):
            inner = self.visit(copy_tree(node.args[0]))
            if isinstance(inner, ast.Name) and PLACEHOLDER.match(inner.id):
                return ast.copy_location(inner, node)
        return None

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        return self._resolved(node) or self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        resolved = self._resolved(node)
        if resolved is not None:
            return resolved
        entry = _entry_before(self.fn, node)
        resolved = self._source(entry) if entry is not None else None
        if resolved is not None:
            return ast.copy_location(resolved, node)
        out = self.generic_visit(node)
        if isinstance(out, ast.Subscript) and _scalar_placeholder(out.value):
            return out.value  # one copy of a scalar broadcast per agent / network: the scalar
        return out

    def visit_Call(self, node: ast.Call) -> ast.AST:
        return self._resolved(node) or self.generic_visit(node)


def _mentions_config(expr: ast.AST) -> bool:
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
            return True
        if isinstance(sub, ast.Name) and HOLDER.match(sub.id):
            return True
    return False


def resolve_config(expr: ast.AST, fn: FunctionInfo | None) -> ast.AST:
    """The expression with configuration reads (and `self.x` attributes set once from one, or from
    a literal) written as `config[<key>=<default>]` (see the module docstring). Returns a new tree
    when anything is rewritten; the input is never mutated."""
    if fn is None or not _mentions_config(expr):
        return expr
    return _Resolve(fn).visit(copy_tree(expr))


def _string_value(arg: ast.expr, site_fn: FunctionInfo, bindings: dict[str, ast.AST]) -> str | None:
    """A string the argument holds: a literal, a bound caller literal, or a parameter's string default."""
    if isinstance(arg, ast.Name) and arg.id in bindings:
        bound = bindings[arg.id]
        return _str_const(bound) if isinstance(bound, ast.AST) else None
    if _str_const(arg) is not None:
        return _str_const(arg)
    node = site_fn.node
    if not isinstance(arg, ast.Name) or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    positional = [*node.args.posonlyargs, *node.args.args]
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(node.args.defaults):]], node.args.defaults,
                        strict=True))
    defaults.update({a.arg: d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if d})
    return _str_const(defaults.get(arg.id))


def factory_choice(inner: ast.Call, site_fn: FunctionInfo, bindings: dict[str, ast.AST],
                   resolver: FunctionInfo | None) -> str | None:
    """`resolve_optimizer(name)(params, lr=lr)`: when `name` is a string (literal, or the calling
    function's parameter default) and the resolver returns `table[name]` from a dict literal of its
    own body, the dotted name of the chosen entry (`torch.optim.Adam`): the factory and the direct
    constructor `optim.Adam(params, lr=lr)` are one call. None when any of it is not plain."""
    if resolver is None or not inner.args:
        return None
    choice = _string_value(inner.args[0], site_fn, bindings)
    if choice is None:
        return None
    tables: dict[str, ast.Dict] = {}
    for node in ast.walk(resolver.node):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Dict):
            tables[node.targets[0].id] = node.value
    for node in ast.walk(resolver.node):
        value = node.value if isinstance(node, ast.Return) else None
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id in tables:
            entries = {_str_const(k): v for k, v in zip(tables[value.value.id].keys, tables[value.value.id].values,
                                                        strict=True)}
            picked = entries.get(choice)
            if picked is None:  # resolvers commonly lower-case the name first
                folded = [v for k, v in entries.items() if k is not None and k.lower() == choice.lower()]
                picked = folded[0] if len(folded) == 1 else None
            return dotted(picked) or None if picked is not None else None
    return None
