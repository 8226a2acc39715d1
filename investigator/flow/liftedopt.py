"""New options at their defaults: a constant lifted into a parameter, an option passed through closures.

Real shapes (brax v0.14.1..v0.14.2, all five top findings): `jnp.maximum(1e-5, lr / 1.5)` became
`jnp.maximum(min_learning_rate, lr / 1.5)` with a new parameter `min_learning_rate: float = 1e-5`; the `train()`
closure `minibatch_step` now passes `min_learning_rate=learning_rate_schedule_min_lr`, a new `train` option whose
default is 1e-5 too, and `until_count=normalize_until_count` (both None by default); the closure
`make_value_network.apply` branches on the enclosing function's new `use_distributional_critic=False`. Every call the
baseline made passes none of these (they did not exist): at their defaults the baseline's values are computed. A
caller that passes another value is new code, compared at that caller.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import nodes_on_line, parameter_defaults


def literal_default(node: ast.expr | None) -> bool:
    """A literal default: `1e-5`, `None`, `False`, `-1`, `'avg'`."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant)


def _params(node: ast.AST) -> dict[str, ast.expr | None]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    return {p.arg: d for p, d in parameter_defaults(node)}


def _stored(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def enclosing_new_options(base_fn: FunctionInfo, cand_fn: FunctionInfo, side: Any) -> dict[str, ast.expr]:
    """The parameters with a literal default that the functions enclosing a closure gained (`train` around
    `train.minibatch_step`), never reassigned there nor shadowed by the closure, and that no code of the
    candidate sets otherwise (`neutral_option`): name -> default. Only enclosing functions present at both
    commits count (a new enclosing function has no baseline caller)."""
    out: dict[str, ast.expr] = {}
    shadow = set(_params(cand_fn.node)) | _stored(cand_fn.node)
    parts = cand_fn.qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        qual = ".".join(parts[:cut])
        outer_c = cand_fn.module.functions.get(qual)
        outer_b = base_fn.module.functions.get(qual)
        if outer_c is None or outer_b is None:
            break
        old, new = _params(outer_b.node), _params(outer_c.node)
        if not new:
            break
        stored = _stored(outer_c.node)
        for name, default in new.items():
            if name not in old and name not in stored and name not in shadow and name not in out \
                    and default is not None and literal_default(default) \
                    and neutral_option(side, outer_c, name, default):
                out[name] = default
        shadow |= set(new) | stored
    return out


def value_reads(fn: FunctionInfo, names: set[str]) -> set[str]:
    """The names of `names` that `fn` reads anywhere (not only in a branch test)."""
    return {n.id for n in ast.walk(fn.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            and n.id in names}


def _callee_default(callee: FunctionInfo, position: int | None, name: str | None) -> ast.expr | None:
    """The literal default of the callee's parameter an argument binds (by position or keyword)."""
    node = callee.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    pairs = parameter_defaults(node)
    a = node.args
    positional = [p.arg for p in [*a.posonlyargs, *a.args]]
    if positional and positional[0] in ("self", "cls") and callee.class_name:
        positional = positional[1:]
    if position is not None:
        if position >= len(positional):
            return None
        name = positional[position]
    found = next((d for p, d in pairs if p.arg == name), None)
    return found if literal_default(found) else None


def _same_literal(a: ast.expr, b: ast.expr) -> bool:
    try:
        x, y = ast.literal_eval(a), ast.literal_eval(b)
    except (ValueError, TypeError, SyntaxError):
        return False
    return type(x) is type(y) and x == y or (isinstance(x, int | float) and not isinstance(x, bool)
                                             and isinstance(y, int | float) and not isinstance(y, bool) and x == y)


def default_arguments(resolve: Callable[[ast.Call, Any], FunctionInfo | None], options: dict[str, ast.expr]
                      ) -> Callable[[ast.Call, Any], ast.Call]:
    """A rewrite of calls (for `Expander.effects(arguments=...)`): an argument that is a literal, or a new
    option of `options` at its default, equal to the literal default of the callee's parameter it binds is
    left out (the callee gets its own default). Keywords, and trailing positional arguments only."""
    def value(arg: ast.expr) -> ast.expr | None:
        if isinstance(arg, ast.Name) and arg.id in options:
            return options[arg.id]
        return arg if literal_default(arg) else None

    def neutral(arg: ast.expr, callee: FunctionInfo, position: int | None, name: str | None) -> bool:
        mine = value(arg)
        theirs = _callee_default(callee, position, name) if mine is not None else None
        return mine is not None and theirs is not None and _same_literal(mine, theirs)

    def rewrite(call: ast.Call, fn: Any) -> ast.Call:
        if not any(value(a) is not None for a in [*call.args, *(k.value for k in call.keywords)]):
            return call
        callee = resolve(call, fn)
        if callee is None:
            return call
        keywords = [k for k in call.keywords if k.arg is None or not neutral(k.value, callee, None, k.arg)]
        args = list(call.args)
        while args and not any(isinstance(a, ast.Starred) for a in args) and neutral(args[-1], callee, len(args) - 1,
                                                                                     None):
            args.pop()
        if len(args) == len(call.args) and len(keywords) == len(call.keywords):
            return call
        return ast.Call(call.func, args, keywords)

    return rewrite


def constant_truth(test: ast.expr) -> bool | None:
    """The truth of a test that reads only literals once expanded: `True`, `None is not None`, `not False`,
    `0.0 == 0.0` (brax's `if until_count is not None:` in a callee that gets its default None); None otherwise."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = constant_truth(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Constant) \
            and isinstance(test.comparators[0], ast.Constant):
        x, y, op = test.left.value, test.comparators[0].value, test.ops[0]
        if isinstance(op, ast.Is | ast.IsNot) and (x is None or y is None or isinstance(x, bool) and isinstance(y, bool)):
            return (x is y) == isinstance(op, ast.Is)
        if isinstance(op, ast.Eq | ast.NotEq) and type(x) is type(y):
            return (x == y) == isinstance(op, ast.Eq)
    return None


MAX_OPTION_REFERENCES = 40
# a test that turns an option on, or its documentation, is no training run
TESTS_OR_DOCS = re.compile(r"(^|/)(tests?|docs?)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|\.(md|rst|txt|ipynb)$")


def _owner_at(module: Any, line: int) -> FunctionInfo | None:
    """The innermost function of `module` whose lines hold `line`."""
    best: FunctionInfo | None = None
    for fn in module.functions.values():
        if not fn.is_module and isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef) \
                and fn.lineno <= line <= fn.end_lineno and (best is None or fn.lineno >= best.lineno):
            best = fn
    return best


def _positional_index(owner: FunctionInfo, name: str) -> int | None:
    node = owner.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    names = [p.arg for p in [*node.args.posonlyargs, *node.args.args]]
    if name not in names:
        return None
    return names.index(name) - (1 if owner.class_name and names[0] in ("self", "cls") else 0)


def _passed_positionally(side: Any, owner: FunctionInfo, name: str) -> bool:
    """Whether a call of the owner's name may bind `name` by position (or through `*args`)."""
    index = _positional_index(owner, name)
    if index is None:
        return False
    name = _call_name(owner)
    for path, line in side.references(name)[:MAX_OPTION_REFERENCES + 1]:
        module = side.module(path) if path.endswith((".py", ".pyi")) else None
        if module is None:
            continue
        for node in nodes_on_line(module.tree).get(line, ()):
            if isinstance(node, ast.Call) and (
                    isinstance(node.func, ast.Name) and node.func.id == name
                    or isinstance(node.func, ast.Attribute) and node.func.attr == name) \
                    and (len(node.args) > index or any(isinstance(a, ast.Starred) for a in node.args)):
                return True
    return False


def _option_of(module: Any, line: int, name: str) -> tuple[FunctionInfo, ast.expr] | None:
    """The function at `line` (or one enclosing it: a closure) that has a parameter `name` with a literal
    default, and that default; None when the name is no such parameter."""
    fn = _owner_at(module, line)
    while fn is not None:
        defaults = {p.arg: d for p, d in parameter_defaults(fn.node)} \
            if isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef) else {}
        if name in defaults:
            value = defaults[name]
            return (fn, value) if value is not None and literal_default(value) else None
        head = fn.qualname.rsplit(".", 1)[0] if "." in fn.qualname else ""
        fn = module.functions.get(head) if head else None
    return None


def _call_name(owner: FunctionInfo) -> str:
    """The name a call of the owner spells: its class's for `__init__` (`OffPolicyBuffer(...)`)."""
    if owner.name == "__init__" and owner.class_name:
        return owner.class_name.rsplit(".", 1)[-1]
    return owner.name


def _targets(call: ast.Call, owner: FunctionInfo) -> bool:
    """Whether `call` runs the owner: `owner(...)`, `x.owner(...)`, or `partial(owner, ...)`."""
    names = [call.func, *call.args[:1]]
    name = _call_name(owner)
    return any(isinstance(n, ast.Name) and n.id == name or isinstance(n, ast.Attribute) and n.attr == name
               for n in names)


def neutral_option(side: Any, owner: FunctionInfo, name: str, default: ast.expr,
                   seen: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether no code of the commit gives the option `name` of `owner` another value than `default`: every
    call of the owner that passes it (configuration files and other mentions outside a function with a
    parameter of that name count as setting it) passes `name=<the same literal>` or `name=<an option of the
    calling function that is itself neutral with the same default>`, and no call passes it by position.
    Tests and documentation are no runs. A caller or configuration that sets another value keeps the change."""
    memo = side.memo.setdefault("liftedopt", {}) if hasattr(side, "memo") else {}
    asked = (owner.path, owner.qualname, name, ast.unparse(default))
    if not seen and asked in memo:
        return bool(memo[asked])
    out = _neutral(side, owner, name, default, seen)
    if not seen:
        memo[asked] = out
    return out


def _neutral(side: Any, owner: FunctionInfo, name: str, default: ast.expr, seen: frozenset[tuple[str, str]]) -> bool:
    key = (owner.path, owner.qualname)
    refs = [(p, n) for p, n in side.references(name) if not TESTS_OR_DOCS.search(p)]
    if len(refs) > MAX_OPTION_REFERENCES or len(seen) > 4:
        return False
    if key in seen:
        return True  # a cycle of pass-throughs adds no value of its own
    seen = seen | {key}
    for path, line in refs:
        if path == owner.path and owner.lineno <= line <= owner.end_lineno:
            continue
        module = side.module(path) if path.endswith((".py", ".pyi")) else None
        if module is None:
            if _configured_alike(side, path, name, default):
                continue  # the file sets the key to the default itself
            return False
        calls = [c for c in ast.walk(module.tree) if isinstance(c, ast.Call) and _targets(c, owner)
                 and any(k.arg == name and getattr(k, "lineno", None) == line for k in c.keywords)]
        keywords = [k for c in calls for k in c.keywords if k.arg == name and getattr(k, "lineno", None) == line]
        if not keywords:
            if not _sets_nothing(side, module, line, name, owner, default):
                return False
            continue
        for k in keywords:
            if literal_default(k.value):
                if not _same_literal(k.value, default):
                    return False
                continue
            if read_at(side, k.value, name, default):
                continue
            passed = k.value.id if isinstance(k.value, ast.Name) else ""
            found = _option_of(module, line, passed) if passed else None
            if found is None or not _same_literal(found[1], default) \
                    or not neutral_option(side, found[0], passed, found[1], seen):
                return False
    return not _passed_positionally(side, owner, name)


def _settings_field(module: Any, line: int, name: str) -> ast.expr | None:
    """The literal default of a class-body field `name: T = <literal>` (or `name = <literal>`) declared at `line` of
    a class of the module (a dataclass of options: oat's `OATArgs.fp16: bool = False`), else None."""
    for node in nodes_on_line(module.tree).get(line, ()):
        if isinstance(node, ast.ClassDef):
            continue
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0] if len(node.targets) == 1 \
                else None
            if isinstance(target, ast.Name) and target.id == name and node.value is not None \
                    and literal_default(node.value) and _in_class_body(module.tree, node):
                return node.value
    return None


def _in_class_body(tree: ast.Module, stmt: ast.stmt) -> bool:
    return any(isinstance(c, ast.ClassDef) and stmt in c.body for c in ast.walk(tree))


def _only_read(module: Any, line: int, name: str) -> bool:
    """Every mention of `name` on the line is an attribute read `<obj>.name` (not stored, not a keyword)."""
    nodes = nodes_on_line(module.tree).get(line, ())
    attrs = [n for n in nodes if isinstance(n, ast.Attribute) and n.attr == name]
    if not attrs or any(not isinstance(a.ctx, ast.Load) for a in attrs):
        return False
    return not any(isinstance(n, ast.keyword) and n.arg == name or isinstance(n, ast.Name) and n.id == name
                   or isinstance(n, ast.Constant) and n.value == name for n in nodes)


def _getattr_reads(module: Any, line: int, name: str) -> list[ast.expr] | None:
    """The literal fallbacks of the line's `getattr(<obj>, "name", <literal>)` reads when every mention of `name` on
    it is one (lerobot 59ab2862..e6f95674 `modeling_pi05.py:928`: `if getattr(self.config,
    "use_proprioceptive_memory", False):` beside the field's attribute reads), else None."""
    nodes = nodes_on_line(module.tree).get(line, ())
    calls = [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "getattr"
             and len(n.args) == 3 and not n.keywords and isinstance(n.args[1], ast.Constant)
             and n.args[1].value == name and literal_default(n.args[2])]
    keys = {id(c.args[1]) for c in calls}
    if not calls or any(isinstance(n, ast.Constant) and n.value == name and id(n) not in keys
                        or isinstance(n, ast.keyword) and n.arg == name or isinstance(n, ast.Name) and n.id == name
                        or isinstance(n, ast.Attribute) and n.attr == name and not isinstance(n.ctx, ast.Load)
                        for n in nodes):
        return None
    return [c.args[2] for c in calls]


def read_at(side: Any, value: ast.expr, name: str, default: ast.expr) -> bool:
    """A keyword's value that is the option's own configuration read with the same literal: `<cfg>.get('name', 0.0)`,
    `getattr(args, 'name', False)` (omnisafe's `penalty_coefficient=self._cfgs.algo_cfgs.get('penalty_coefficient',
    0.0)`), or `args.name` of a settings field whose default is the same literal (its declaration is one of the
    option's references, judged in `_neutral`). A configuration file that sets the key is a reference of the name too,
    which `_neutral` refuses."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get" \
            and len(value.args) == 2 and not value.keywords:
        key, fallback = value.args
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "getattr" \
            and len(value.args) == 3 and not value.keywords:
        key, fallback = value.args[1], value.args[2]
    elif isinstance(value, ast.Attribute) and value.attr == name and isinstance(value.ctx, ast.Load) \
            and not (isinstance(value.value, ast.Name) and value.value.id == "self"):
        return _declared_with(side, name, default)
    else:
        return False
    return isinstance(key, ast.Constant) and key.value == name and literal_default(fallback) \
        and _same_literal(fallback, default)


def _declared_with(side: Any, name: str, default: ast.expr) -> bool:
    """Whether some class of the commit declares the field `name` with this literal default."""
    for path, line in side.references(name)[:MAX_OPTION_REFERENCES + 1]:
        module = side.module(path) if path.endswith((".py", ".pyi")) else None
        field = _settings_field(module, line, name) if module is not None else None
        if field is not None and _same_literal(field, default):
            return True
    return False


def _not_setting(side: Any, module: Any, line: int, name: str, owner: FunctionInfo, default: ast.expr) -> bool:
    """A mention of `name` at `line` that sets nothing of the owner's: inside a string or docstring only (no name,
    attribute, keyword or string key of that spelling on the line), or only as keywords of calls of another function
    or class the commit defines (omnisafe's `VectorOnPolicyBuffer(..., penalty_coefficient=...)` beside
    `OffPolicyBuffer`'s own option)."""
    nodes = nodes_on_line(module.tree).get(line, ())
    keywords = [n for n in nodes if isinstance(n, ast.keyword) and n.arg == name]
    inside = {id(x) for k in keywords for x in ast.walk(k.value)}
    alike = _dict_keys_alike(side, module, line, name, default)
    # another function's parameter of that name (`ast.arg`) and an attribute of that name (`self.use_deepspeed =
    # cfg.use_deepspeed` of another class: openrl v0.1.8..v0.1.9 `openrl/algorithms/ppo.py:44`) set nothing of the
    # owner's parameter; a string key does unless its value is the default (`_dict_keys_alike`)
    if any(id(n) not in inside and (isinstance(n, ast.Name) and n.id == name
                                    or isinstance(n, ast.Constant) and n.value == name and id(n) not in alike)
           for n in nodes):
        return False
    if not keywords:
        return True
    own = _call_name(owner)
    mine = {id(k) for k in keywords}
    calls = [c for c in ast.walk(module.tree) if isinstance(c, ast.Call) and any(id(k) in mine for k in c.keywords)]
    if len(calls) != len(keywords):
        return False
    for call in calls:
        callee = call.func.id if isinstance(call.func, ast.Name) else call.func.attr \
            if isinstance(call.func, ast.Attribute) else ""
        if not callee or callee == own or not (side.find_defs(callee) or side.find_class(callee)):
            return False
        # a subclass that sets the same option for the methods it inherits must be handed the same value
        subclass = any(isinstance(b, ast.Name | ast.Attribute) and (b.id if isinstance(b, ast.Name) else b.attr) == own
                       for c in side.class_defs(callee) for b in c.bases)
        value = next(k.value for k in call.keywords if id(k) in mine)
        if subclass and not (literal_default(value) and _same_literal(value, default) or read_at(side, value, name,
                                                                                                    default)):
            return False
    return True


def _sets_nothing(side: Any, module: Any, line: int, name: str, owner: FunctionInfo, default: ast.expr) -> bool:
    """A mention of the option's name that is no call of the owner and gives it no other value: another function's
    own parameter of that name (declared, read, handed to others), a settings field declaring it with the same
    default, an attribute read (`args.fp16` tested, printed), a docstring, another callee's keyword."""
    if _option_of(module, line, name) is not None:
        return True
    field = _settings_field(module, line, name)
    if field is not None:
        return _same_literal(field, default)
    return _only_read(module, line, name) or _not_setting(side, module, line, name, owner, default)


def new_field_default(base_side: Any, side: Any, name: str) -> ast.expr | None:
    """The literal default of `name` when it is a settings field new in this range whose value no code or
    configuration of the candidate sets: the candidate declares it (`enable_bf16: bool = False` in a class body, one
    literal wherever declared), the baseline declares no field of that name, and every other mention in the
    candidate's code is an attribute read (xland-minigrid v0.8.0..v0.9.0, `training/train_meta_task.py:118`:
    `dtype=jnp.bfloat16 if config.enable_bf16 else None`); a configuration file naming it, a store or a keyword
    argument of that name leaves it unknown (None)."""
    memo = side.memo.setdefault("newfield_default", {}) if hasattr(side, "memo") else {}
    if name in memo:
        found: ast.expr | None = memo[name]
        return found
    memo[name] = None
    refs = [(p, n) for p, n in side.references(name) if not TESTS_OR_DOCS.search(p)]
    if not refs or len(refs) > MAX_OPTION_REFERENCES:
        return None
    declared: ast.expr | None = None
    fallbacks: list[ast.expr] = []  # `getattr(<obj>, "name", <literal>)` reads: the field with a fallback
    for path, line in refs:
        module = side.module(path) if path.endswith((".py", ".pyi")) else None
        if module is None:
            return None
        field = _settings_field(module, line, name)
        if field is not None:
            if declared is not None and not _same_literal(field, declared):
                return None
            declared = field
        elif not _only_read(module, line, name):
            reads = _getattr_reads(module, line, name)
            if reads is None:
                return None
            fallbacks.extend(reads)
    if declared is None or any(not _same_literal(f, declared) for f in fallbacks):
        return None
    for path, line in base_side.references(name)[:MAX_OPTION_REFERENCES + 1]:
        module = base_side.module(path) if path.endswith((".py", ".pyi")) else None
        if module is None or _settings_field(module, line, name) is not None:
            return None  # the baseline had the option (or a configuration naming it): not new here
    memo[name] = declared
    return declared


def _dict_keys_alike(side: Any, module: Any, line: int, name: str, default: ast.expr) -> set[int]:
    """The string keys `"name"` of dict literals at `line` whose value is the default literal, or a parameter of the
    enclosing function that is itself a neutral option with the same default (openrl v0.1.8..v0.1.9
    `openrl/rewards/nlp_reward.py:30`: `kl_config = {..., "use_deepspeed": use_deepspeed}` handed as
    `KLPenalty(**kl_config)`, with `use_deepspeed: bool = True` on both)."""
    out: set[int] = set()
    for node in nodes_on_line(module.tree).get(line, ()):
        if not isinstance(node, ast.Dict):
            continue
        for k, v in zip(node.keys, node.values, strict=True):
            if not (isinstance(k, ast.Constant) and k.value == name and getattr(k, "lineno", None) == line):
                continue
            if literal_default(v) and _same_literal(v, default):
                out.add(id(k))
            elif isinstance(v, ast.Name) and len(_DICT_DEPTH) < 3:
                found = _option_of(module, line, v.id)
                _DICT_DEPTH.append(line)  # a bound on options handed through dicts to each other
                try:
                    if found is not None and _same_literal(found[1], default) \
                            and neutral_option(side, found[0], v.id, found[1], frozenset({("", "")})):
                        out.add(id(k))
                finally:
                    _DICT_DEPTH.pop()
    return out


_DICT_DEPTH: list[int] = []


def _configured_alike(side: Any, path: str, name: str, default: ast.expr) -> bool:
    """Whether a YAML/JSON file that names the option sets every key of that name to the default literal (openrl
    v0.1.8..v0.1.9 `examples/nlp/nlp_ppo.yaml`: `"use_deepspeed": true` beside the new `use_deepspeed: bool =
    True`): an explicit value equal to the default is the default."""
    if not path.endswith((".yaml", ".yml", ".json")) or not isinstance(default, ast.Constant):
        return False
    from investigator.detectors.newcases import _LOADER, _walk

    memo = side.memo.setdefault("liftedopt_configs", {}) if hasattr(side, "memo") else {}
    if path not in memo:
        try:
            import yaml

            text = side.texts().get(path, "") if hasattr(side, "texts") else ""
            data = list(yaml.load_all(text, Loader=_LOADER)) if text and len(text) < 2_000_000 else None
        except Exception:  # a file that does not parse proves nothing
            data = None
        memo[path] = data
    data = memo[path]
    if data is None:
        return False
    values = [v for k, v in _walk(data) if k == name]
    return bool(values) and all(type(v) is type(default.value) and v == default.value for v in values)
