"""Python extractor (via `ast`, never importing the project).

One pass over a module records what configuration it defines and what its functions do with it:
config classes (pydantic, dataclasses, attrs, NamedTuple) with field defaults and nested classes,
argparse/click/typer option defaults, module constants and dict literals, and per function the
calls it makes (with keyword arguments), the attribute assignments it performs on config objects
and the variables it binds. Which of these form the *effective* configuration is decided later by
`effective.py`, which follows the entry point through these records.
"""

from __future__ import annotations

import ast
import copy
import operator
import re
from dataclasses import dataclass, field

from investigator.config.extractors.base import (
    ExtractError,
    Extractor,
    LimitError,
    ParsedFile,
    register_extractor,
)
from investigator.config.extractors.measured import measured_leaves
from investigator.config.keys import builder_segment, join, normalise_key
from investigator.config.model import ConfigEntry, EntryKind
from investigator.config.options import OPTION_CALLS, declared_option
from investigator.pyast import TooComplexError, last_name, name_chain, parameter_defaults, parse_tree

# Decorator / base-class names (last dotted segment) that make a class a configuration class.
CONFIG_DECORATORS: dict[str, str] = {
    "dataclass": "dataclass", "s": "attrs", "attrs": "attrs", "define": "attrs", "frozen": "attrs",
    "mutable": "attrs", "dataclass_json": "dataclass",
}
CONFIG_BASES: dict[str, str] = {
    "BaseModel": "pydantic", "BaseSettings": "pydantic", "NamedTuple": "namedtuple",
    "BaseConfig": "pydantic", "Struct": "msgspec",
}
# Calls that wrap a field default: name -> (positional index of the default or None).
FIELD_WRAPPERS: dict[str, int | None] = {"Field": 0, "field": None, "ib": None, "attrib": None}
FACTORY_KWARGS: tuple[str, ...] = ("default_factory", "factory")
EMPTY_FACTORIES: dict[str, object] = {"list": [], "dict": {}, "set": [], "tuple": [], "frozenset": []}
# Option-declaring calls: attribute/function name -> framework.
CONFIG_FILE_SUFFIXES: tuple[str, ...] = (".yaml", ".yml", ".json", ".toml")
# A Python module named by a string literal can be a config file too (ml_collections
# `config_flags.DEFINE_config_file("config", "configs/sac.py")`): recorded, followed when it defines
# `CONFIG_FUNCTION` (see `effective._config_modules`).
PY_CONFIG_SUFFIX = ".py"
COMMAND_DECORATORS: frozenset[str] = frozenset({"command", "callback"})

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow,
           ast.Mod: operator.mod}


class _NotLiteral(Exception):
    pass


def literal(node: ast.AST) -> object:
    """Evaluate literals and constant arithmetic (`2 ** 20`, `-1e-3`, `int(1e6)`); raise otherwise."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bytes | complex) or node.value is Ellipsis:
            raise _NotLiteral
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _number(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _arithmetic(node)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotLiteral
        return {str(literal(k)): literal(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1 and not node.keywords:
        if node.func.id in ("int", "float"):
            converted = literal(node.args[0])
            if isinstance(converted, int | float) and not isinstance(converted, bool):
                return int(converted) if node.func.id == "int" else float(converted)
        if node.func.id in EMPTY_FACTORIES and isinstance(node.args[0], ast.List | ast.Tuple):
            return literal(node.args[0])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {kw.arg: literal(kw.value) for kw in node.keywords if kw.arg}
    if isinstance(node, ast.Call) and node.args:
        return _field_reference(node)
    if isinstance(node, ast.Call) and node.keywords:
        return _keyword_field_reference(node)
    raise _NotLiteral


def _local_literals(body: list[ast.stmt]) -> dict[str, ast.expr]:
    """The names bound exactly once in `body`, by a top-level statement, to a literal (`TOP_P = 1.0`)."""
    bound: dict[str, ast.expr] = {}
    stores: dict[str, int] = {}
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                stores[node.id] = stores.get(node.id, 0) + 1
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                literal(stmt.value)
            except _NotLiteral:
                continue
            bound[stmt.targets[0].id] = stmt.value
    return {name: node for name, node in bound.items() if stores.get(name) == 1}


def _inline_local_constants(value: ast.AST, body: list[ast.stmt]) -> ast.AST:
    """`value` with the names bound once in `body` to a literal replaced by it: octo's `get_config` wrote
    `num_steps = FieldReference(default=int(2e6))` then `dict(num_steps=num_steps)`, later `dict(num_steps=2e6)`
    (the same setting, not an added one)."""
    constants = _local_literals(body)
    if not constants or not any(isinstance(n, ast.Name) and n.id in constants for n in ast.walk(value)):
        return value

    class _Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            found = constants.get(node.id) if isinstance(node.ctx, ast.Load) else None
            return copy.deepcopy(found) if found is not None else node

    return _Inline().visit(copy.deepcopy(value))


def _named_keyword_literals(info: FunctionFacts, body: list[ast.stmt]) -> None:
    """The locals the function binds once to a literal that some call's keyword passes (`TOP_P = 1.0` ...
    `SamplingParams(top_p=TOP_P)`), kept in `info.keyword_literals` for the library calls' settings
    (config/effective.py `_other_call_kwargs`): a hyperparameter block of local constants at the top of a training
    script's `main` is its configuration. Real shape (precision held-out 19, nano-aha-moment 1085ceaf..6cd0306d
    nano_r1_script.py:692): the rollout sampler's `TOP_P = 1.0` -> `0.999` in `main`, read only by vLLM's
    `SamplingParams(..., top_p=TOP_P, ...)`, showed only inside a 17-statement "Behavioural change in the loss
    path: `main`" (#14). A name bound twice, or to a computed value, is no setting here."""
    passed = {v.id for call in info.calls for _, v in call.kwargs if isinstance(v, ast.Name)}
    if passed:
        info.keyword_literals = {k: v for k, v in _local_literals(body).items() if k in passed}


def _field_reference(node: ast.Call) -> object:
    """ml_collections: `config_dict.placeholder(float)` is an unset (None) field of that type, and
    `FieldReference(0.99)` holds 0.99 (jaxrl_m 54ef8acb examples/mujoco/iql.py: `'dropout_rate':
    ml_collections.config_dict.placeholder(float)` where the baseline wrote `config.dropout_rate = None`)."""
    name = last_name(name_chain(node.func) or "")
    if name == "placeholder":
        return None
    if name == "FieldReference":
        return literal(node.args[0])
    raise _NotLiteral


def _keyword_field_reference(node: ast.Call) -> object:
    """`FieldReference(default=int(2e6))` (octo's config.py) holds 2000000."""
    if last_name(name_chain(node.func) or "") == "FieldReference" and len(node.keywords) >= 1 \
            and (default := next((kw.value for kw in node.keywords if kw.arg == "default"), None)) is not None:
        return literal(default)
    raise _NotLiteral


def _number(node: ast.AST) -> int | float:
    """The literal value of `node` when it is a number (not a bool); raise otherwise."""
    value = literal(node)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _NotLiteral
    return value


def _arithmetic(node: ast.BinOp) -> object:
    """`2 ** 20`, `3e-4 * 2`: constant arithmetic on numbers (no huge powers)."""
    left, right = _number(node.left), _number(node.right)
    if isinstance(node.op, ast.Pow) and abs(right) > 64:
        raise _NotLiteral
    try:
        return _BINOPS[type(node.op)](left, right)
    except (ArithmeticError, ValueError):
        raise _NotLiteral from None


def value_of(node: ast.AST) -> tuple[object, bool]:
    """(value, is_literal); non-literal values are their source text."""
    try:
        return literal(node), True
    except _NotLiteral:
        return ast.unparse(node), False


def _lookup_default(node: ast.AST) -> ast.AST:
    """`params.get("free_nats", 3.0)` -> `3.0`: a setting read from a run's parameter mapping with a literal
    fallback is that literal unless the run sets it, as an option's default is. Real shape: planet 27e776cd..c04226b6,
    planet/scripts/configs.py:217 `config.free_nats = params.get('free_nats', 2.0 -> 3.0)` (and the divergence and
    overshooting scales) in the config functions `--config default` selects: no finding. Anything else: `node`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and isinstance(node.func.value, ast.Name | ast.Attribute) and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        fallback = node.args[1] if len(node.args) == 2 else next(
            (k.value for k in node.keywords if k.arg == "default"), None) if len(node.args) == 1 else None
        if fallback is not None and value_of(fallback)[1]:
            return fallback
    return node


def target_chain(node: ast.AST) -> list[str] | None:
    """`cfg.a.b` / `cfg["a"]["b"]` / `cfg.a["b"]` -> ["cfg", "a", "b"]."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(
            node.slice.value, str
        ):
            parts.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return list(reversed(parts))
        else:
            return None


@dataclass(slots=True)
class Value:
    """A value written in code, flattened: dict literals become sub-keys."""

    subkey: tuple[str, ...]
    value: object
    literal: bool
    line: int


# Attribute-access config containers whose constructor takes the settings as one mapping or as keywords:
# `ml_collections.ConfigDict({"discount": 0.99})` holds the same keys as `config = ConfigDict();
# config.discount = 0.99` (ml_collections, easydict, addict-like AttrDict, dotmap, python-box, munch, OmegaConf).
CONFIG_CONTAINERS = frozenset({"ConfigDict", "FrozenConfigDict", "EasyDict", "edict", "AttrDict", "AttributeDict",
                               "DotMap", "Box", "Munch", "DictConfig"})


def _container_factory(callee: str) -> bool:
    """`OmegaConf.create({...})`, ml_collections' `config_dict.create(lr=...)` (mujoco_playground's
    `rl_config = config_dict.create(num_timesteps=..., discounting=0.995)`, then `rl_config.x = ...` per task)."""
    return callee.endswith(("OmegaConf.create", "config_dict.create"))


def container_mapping(node: ast.AST) -> ast.AST | None:
    """The mapping a config container is built from: `ConfigDict({...})`, `ConfigDict(dict(...))`,
    `EasyDict(lr=3e-4)`, `OmegaConf.create({...})` -> the dict node (a keyword call is returned as is);
    anything else -> None."""
    if not isinstance(node, ast.Call) or not (callee := name_chain(node.func)):
        return None
    name = last_name(callee)
    if name not in CONFIG_CONTAINERS and not _container_factory(callee):
        return None
    if len(node.args) == 1 and (isinstance(node.args[0], ast.Dict) or _dict_call(node.args[0])):
        return node.args[0]  # keywords beside the mapping are options (`ConfigDict({...}, type_safe=False)`)
    if name in _MAPPING_ONLY:
        return None
    if not node.args and node.keywords and all(kw.arg for kw in node.keywords):
        return node
    return None


# ml_collections' ConfigDict takes its settings as one mapping, never as keywords: `ConfigDict(extra="forbid")` is
# pydantic's model options (`model_config = ConfigDict(...)`), no training setting
_MAPPING_ONLY = frozenset({"ConfigDict", "FrozenConfigDict"})


def flatten(node: ast.AST, line: int | None = None) -> list[Value]:
    """Split dict literals (`{"gem": 0.2}` / `dict(gem=0.2)` / `ConfigDict({...})`) into one Value per leaf."""
    line = line or int(getattr(node, "lineno", 0))
    inner = container_mapping(node)
    if inner is not None and inner is not node:
        return flatten(inner, line)
    if isinstance(node, ast.Dict) and node.keys and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str | int) for k in node.keys
    ):
        out: list[Value] = []
        for k, v in zip(node.keys, node.values, strict=True):
            for sub in flatten(v, getattr(k, "lineno", line)):
                out.append(Value((str(k.value), *sub.subkey), sub.value, sub.literal, sub.line))  # type: ignore[union-attr]
        return out
    if (isinstance(node, ast.Call) and (inner is node or (isinstance(node.func, ast.Name) and node.func.id == "dict"))
            and not node.args and node.keywords and all(kw.arg for kw in node.keywords)):
        out = []
        for kw in node.keywords:
            for sub in flatten(kw.value, kw.value.lineno):
                out.append(Value((str(kw.arg), *sub.subkey), sub.value, sub.literal, sub.line))
        return out
    value, is_literal = value_of(node)
    return [Value((), value, is_literal, line)]


@dataclass(slots=True)
class CallInfo:
    """A call inside a function or module body, with its keyword arguments."""

    callee: str  # dotted text as written ("TrainerConfig", "recipes.make_env", "parser.add_argument")
    line: int
    kwargs: list[tuple[str, ast.AST]] = field(default_factory=list)
    class_args: list[str] = field(default_factory=list)  # capitalised names passed as arguments


@dataclass(slots=True)
class FieldInfo:
    name: str
    line: int
    values: list[Value] = field(default_factory=list)  # empty: no default (required)
    nested: str | None = None  # class name of a nested config (annotation or default call)
    nested_kwargs: list[tuple[str, ast.AST]] = field(default_factory=list)


@dataclass(slots=True)
class ClassInfo:
    name: str
    line: int
    path: str
    bases: list[str]
    marker: str | None  # pydantic | dataclass | attrs | namedtuple | None (decided later via bases)
    fields: list[FieldInfo] = field(default_factory=list)
    # string literals naming a config file in the class body outside its methods: run when the class
    # is defined (`configs = yaml.load((Path(__file__).parent / 'configs.yaml').read())`, dreamerv3)
    config_files: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Assignment:
    chain: list[str]  # ["cfg", "game", "rewards", "gem"]
    values: list[Value]
    line: int
    conditional: bool = False  # under an `if`: weaker than any unconditional value


@dataclass(slots=True)
class FunctionFacts:
    name: str
    line: int
    path: str
    end_line: int = 0  # last line of the definition (0: unknown, the module body)
    params: dict[str, str | None] = field(default_factory=dict)  # name -> annotation class name
    returns: str | None = None
    calls: list[CallInfo] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    bindings: dict[str, str] = field(default_factory=dict)  # var -> "call:X" | "chain:a.b"
    options: list[ConfigEntry] = field(default_factory=list)  # argparse/click/typer defaults
    mappings: list[ConfigEntry] = field(default_factory=list)  # local dict literals
    decorators: list[str] = field(default_factory=list)
    defaults: list[tuple[str, Value]] = field(default_factory=list)  # literal parameter defaults
    config_files: list[str] = field(default_factory=list)  # string literals naming a config file
    # `agt.Agent` of `agt.Agent.configs[...]`: classes whose attributes the body reads (their body ran)
    class_reads: list[str] = field(default_factory=list)
    hydra: tuple[str | None, str | None] | None = None  # (config_path, config_name)
    # locals bound once to a literal and passed as a call's keyword (`_named_keyword_literals`)
    keyword_literals: dict[str, ast.expr] = field(default_factory=dict)


@dataclass
class ModuleInfo:
    path: str
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    constants: list[ConfigEntry] = field(default_factory=list)
    body: FunctionFacts | None = None  # module-level statements as a pseudo function
    main_calls: list[str] = field(default_factory=list)  # callees under `if __name__ == "__main__"`
    main_statements: set[str] = field(default_factory=set)  # callees called there for effect (result unused)
    main_lines: dict[str, tuple[int, int]] = field(default_factory=dict)  # callee -> (first, last) line of its first call there
    star_imports: list[str] = field(default_factory=list)  # `from X import *`: the dotted modules X
    # imports inside functions (`from . import agent as agt` in `main()`), name -> dotted target; only
    # resolves the classes reached code reads (`ModuleInfo.imports` stays the module-level names)
    local_imports: dict[str, str] = field(default_factory=dict)


def _module_dotted(path: str) -> str:
    mod = path[:-3] if path.endswith(".py") else path
    mod = mod.replace("/", ".")
    return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod


def _annotation_class(node: ast.AST | None) -> str | None:
    """The class a field/param annotation names (`X`, `Optional[X]`, `X | None`, `"X"`)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _annotation_class(parse_tree(node.value.strip(), mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(node, ast.Subscript) and last_name(name_chain(node.value)) in ("Optional", "Annotated"):
        inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
        return _annotation_class(inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        for side in (node.left, node.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _annotation_class(side)
    name = name_chain(node)
    return last_name(name) if name else None


def _plain_field(stmt: ast.stmt) -> FieldInfo | None:
    """`x: int = 5`, by far the most common field, as `_general_field` reads it; None for any other
    statement (which then takes the general path)."""
    if type(stmt) is not ast.AnnAssign:
        return None
    target, annotation, value = stmt.target, stmt.annotation, stmt.value
    if type(target) is not ast.Name or type(annotation) is not ast.Name or type(value) is not ast.Constant:
        return None
    name, constant = target.id, value.value
    if (annotation.id == "ClassVar" or name.startswith("_") or name == "model_config"
            or isinstance(constant, bytes | complex) or constant is Ellipsis):
        return None
    return FieldInfo(name=name, line=stmt.lineno, nested=annotation.id, values=[Value((), constant, True, stmt.lineno)])


class _ModuleVisitor:
    def __init__(self, path: str) -> None:
        self.info = ModuleInfo(path=path)
        self.package = _module_dotted(path)

    # -- top level -------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> ModuleInfo:
        body = FunctionFacts(name="<module>", line=1, path=self.info.path)
        self.info.body = body
        for stmt in tree.body:
            self._top(stmt, body)
        return self.info

    def _top(self, stmt: ast.stmt, body: FunctionFacts) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self._import(stmt)
        elif isinstance(stmt, ast.ClassDef):
            self._class(stmt)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self.info.functions[stmt.name] = self._function(stmt)
        elif isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and (name := name_chain(node.func)):
                    self.info.main_calls.append(name)
                    span = (node.lineno, node.end_lineno or node.lineno)
                    self.info.main_lines[name] = min(span, self.info.main_lines.get(name, span))
                    # `app.run(main)`, `fire.Fire(train)`: a function handed to a runner is called by it
                    # (dopamine's absl entry read as a script without a main function, nothing followed)
                    for arg in (*node.args, *(k.value for k in node.keywords)):
                        if isinstance(arg, ast.Name) and arg.id not in self.info.main_lines:
                            self.info.main_calls.append(arg.id)
                            self.info.main_lines[arg.id] = span
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and (name := name_chain(node.value.func)):
                    self.info.main_statements.add(name)
            self._scan_body(stmt.body, body)
        else:
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                self._constant(stmt)
            self._scan_body([stmt], body)

    def _import(self, stmt: ast.Import | ast.ImportFrom, local: bool = False) -> None:
        imports = self.info.local_imports if local else self.info.imports
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                imports[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
            return
        base = stmt.module or ""
        if stmt.level:
            parts = self.package.split(".")
            is_pkg = self.info.path.endswith("__init__.py")
            keep = len(parts) - stmt.level + (1 if is_pkg else 0)
            base = ".".join([*parts[: max(keep, 0)], *([base] if base else [])])
        for alias in stmt.names:
            if alias.name != "*":
                imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
            elif base and not local:
                self.info.star_imports.append(base)

    def _constant(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if stmt.value is None:
            return
        for target in targets:
            if not isinstance(target, ast.Name) or target.id.startswith("__"):
                continue
            is_upper = target.id.isupper() or (target.id.lstrip("_").isupper())
            is_dict = isinstance(stmt.value, ast.Dict) or _dict_call(stmt.value)
            if not (is_upper or is_dict):
                continue
            values = flatten(stmt.value)
            if not is_dict and not values[0].literal:
                continue  # non-literal lower/upper constants are code, not configuration
            for v in values:
                self.info.constants.append(ConfigEntry(
                    key=normalise_key([target.id, *v.subkey]), raw_key=".".join([target.id, *v.subkey]),
                    value=v.value, literal=v.literal, path=self.info.path, line=v.line, format="python",
                    kind=EntryKind.mapping if v.subkey else EntryKind.constant, owner="<module>"))

    # -- classes -----------------------------------------------------------------------------
    def _class(self, node: ast.ClassDef) -> None:
        marker = None
        for dec in node.decorator_list:
            name = last_name(name_chain(dec.func if isinstance(dec, ast.Call) else dec))
            if name in CONFIG_DECORATORS:
                marker = CONFIG_DECORATORS[name]
        bases = [d for b in node.bases if (d := name_chain(b))]
        for base in bases:
            marker = marker or CONFIG_BASES.get(last_name(base))
        info = ClassInfo(name=node.name, line=node.lineno, path=self.info.path, bases=bases, marker=marker)
        for stmt in node.body:
            fld = self._field(stmt)
            if fld is not None:
                info.fields.append(fld)
            elif isinstance(stmt, ast.Assign):
                info.config_files.extend(_config_file_names(stmt.value))
        self.info.classes[node.name] = info

    def _field(self, stmt: ast.stmt) -> FieldInfo | None:
        return _plain_field(stmt) or self._general_field(stmt)

    def _general_field(self, stmt: ast.stmt) -> FieldInfo | None:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, value, annotation = stmt.target.id, stmt.value, stmt.annotation
            if last_name(name_chain(annotation.value) if isinstance(annotation, ast.Subscript) else name_chain(annotation)) == "ClassVar":
                return None
        elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
              and isinstance(stmt.value, ast.Call) and last_name(name_chain(stmt.value.func)) in FIELD_WRAPPERS):
            name, value, annotation = stmt.targets[0].id, stmt.value, None
        else:
            return None
        if name.startswith("_") or name == "model_config":
            return None
        fld = FieldInfo(name=name, line=stmt.lineno, nested=_annotation_class(annotation))
        if value is None:
            return fld
        if isinstance(value, ast.Call) and last_name(name_chain(value.func)) in FIELD_WRAPPERS:
            value = self._unwrap_field(value)
            if value is None:
                return fld
        if isinstance(value, ast.Lambda):
            value = value.body
        if (isinstance(value, ast.Call) and (callee := name_chain(value.func))
                and last_name(callee)[:1].isupper() and last_name(callee) != "Field"):
            fld.nested = last_name(callee)
            fld.nested_kwargs = [(kw.arg, kw.value) for kw in value.keywords if kw.arg]
            return fld
        if isinstance(value, ast.Name) and value.id in EMPTY_FACTORIES and value.id != "tuple":
            fld.values = [Value((), EMPTY_FACTORIES[value.id], True, stmt.lineno)]
            return fld
        fld.values = flatten(value, stmt.lineno)
        return fld

    @staticmethod
    def _unwrap_field(call: ast.Call) -> ast.expr | None:
        """The default expression of `Field(...)`, `field(...)`, `attr.ib(...)` (None: required)."""
        position = FIELD_WRAPPERS.get(last_name(name_chain(call.func)))
        for kw in call.keywords:
            if kw.arg == "default":
                return None if isinstance(kw.value, ast.Constant) and kw.value.value is Ellipsis else kw.value
            if kw.arg in FACTORY_KWARGS:
                factory = kw.value
                if isinstance(factory, ast.Name) and factory.id[:1].isupper():
                    return ast.Call(func=factory, args=[], keywords=[], lineno=call.lineno, col_offset=0)
                return factory
        if position is not None and len(call.args) > position:
            arg = call.args[position]
            return None if isinstance(arg, ast.Constant) and arg.value is Ellipsis else arg
        return None

    # -- functions ---------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionFacts:
        info = FunctionFacts(name=node.name, line=node.lineno, path=self.info.path, end_line=node.end_lineno or 0,
                            returns=_annotation_class(node.returns))
        all_params = parameter_defaults(node)
        decorators = [name_chain(d.func if isinstance(d, ast.Call) else d) or "" for d in node.decorator_list]
        info.decorators = decorators
        is_command = any(last_name(d) in COMMAND_DECORATORS for d in decorators)
        for arg, default in all_params:
            info.params[arg.arg] = _annotation_class(arg.annotation)
            if default is None:
                continue
            if isinstance(default, ast.Call) and last_name(name_chain(default.func)) in ("Option", "Argument"):
                self._option_from_call(default, arg.arg, info)
            elif is_command:
                self._option(arg.arg, default, info, default.lineno)
            else:
                value, is_literal = value_of(default)
                if is_literal and arg.arg not in ("self", "cls"):
                    info.defaults.append((arg.arg, Value((), value, True, default.lineno)))
        for dec in node.decorator_list:
            if not isinstance(dec, ast.Call):
                continue
            name = name_chain(dec.func) or ""
            if last_name(name) == "main" and ("hydra" in name or self.info.imports.get("main", "").startswith("hydra")):
                info.hydra = self._hydra_args(dec)
            elif OPTION_CALLS.get(last_name(name)) == "click":
                self._option_from_call(dec, None, info)
        self._scan_body(node.body, info)
        _named_keyword_literals(info, node.body)
        return info

    @staticmethod
    def _hydra_args(dec: ast.Call) -> tuple[str | None, str | None]:
        values: dict[str, str | None] = {"config_path": None, "config_name": None}
        for i, arg in enumerate(dec.args[:2]):
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                values[("config_path", "config_name")[i]] = arg.value
        for kw in dec.keywords:
            if kw.arg in values and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str | None):
                values[kw.arg] = kw.value.value
        return values["config_path"], values["config_name"]

    def _option(self, name: str, default: ast.AST, info: FunctionFacts, line: int) -> None:
        if isinstance(default, ast.Constant) and default.value is None:
            return  # `default=None` means "not given: use the configured value", not a setting
        for v in flatten(default, line):
            info.options.append(ConfigEntry(
                key=normalise_key([name, *v.subkey]), raw_key=name, value=v.value, literal=v.literal,
                path=self.info.path, line=v.line, format="python", kind=EntryKind.option_default,
                owner=info.name))

    def _option_from_call(self, call: ast.Call, param: str | None, info: FunctionFacts) -> None:
        """argparse `add_argument`, click `option`, typer `Option`: default and destination name."""
        declared = declared_option(call, param)
        if declared is None or declared.default is None:
            return
        if isinstance(declared.default, ast.Constant) and declared.default.value is Ellipsis:
            return
        self._option(declared.dest, declared.default, info, call.lineno)

    def _scan_body(self, body: list[ast.stmt], info: FunctionFacts) -> None:
        """Calls, attribute assignments, bindings and dict literals in a function body, in order.

        One breadth-first walk per statement (the order of `ast.walk`), which also tracks whether a
        node sits under an `if`/`match` branch (such assignments are conditional).
        """
        for stmt in body:
            for node, conditional in _walk(stmt):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    if node.value is not None:
                        self._assignment(node, info, conditional)
                elif isinstance(node, ast.Call):
                    self._call(node, info)
                elif isinstance(node, ast.Return):
                    if node.value is not None and info.name != "<module>":
                        self._returned_mapping(node.value, info, body)
                elif isinstance(node, ast.Constant) and (name := config_file_name(node.value)):
                    info.config_files.append(name)
                elif type(node) is ast.Attribute and _class_chain(node.value) and (chain := name_chain(node.value)):
                    info.class_reads.append(chain)
                elif isinstance(node, ast.Import | ast.ImportFrom) and info.name != "<module>":
                    self._import(node, local=True)

    def _assignment(self, node: ast.Assign | ast.AnnAssign, info: FunctionFacts, conditional: bool = False) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        assert value is not None
        for target in targets:
            if isinstance(target, ast.Name):
                if isinstance(value, ast.Call) and (callee := name_chain(value.func)):
                    info.bindings[target.id] = f"call:{callee}"
                    if container_mapping(value) is not None:
                        self._container_items(target.id, value, node.lineno, info, conditional)
                elif (chain := target_chain(value)) is not None and len(chain) > 1:
                    info.bindings[target.id] = "chain:" + ".".join(chain)
                elif isinstance(value, ast.Dict) and value.keys and info.name != "<module>":
                    measured = measured_leaves(value)
                    for v in flatten(value):
                        if v.subkey in measured:
                            continue  # a number the run computed (`loss.item()`): a metric, not a setting
                        info.mappings.append(ConfigEntry(
                            key=normalise_key([target.id, *v.subkey]), raw_key=target.id, value=v.value,
                            literal=v.literal, path=self.info.path, line=v.line, format="python",
                            kind=EntryKind.mapping, owner=info.name))
                continue
            chain = target_chain(target)
            if chain and len(chain) > 1 and chain[0] != "self":
                info.assignments.append(Assignment(chain, flatten(_lookup_default(value), node.lineno), node.lineno,
                                                   conditional))

    @staticmethod
    def _container_items(var: str, mapping: ast.AST, line: int, info: FunctionFacts, conditional: bool) -> None:
        """`config = ConfigDict({"discount": 0.99})` / `config.update(discount=0.99)`: one attribute assignment
        per leaf (`config.discount = 0.99`), so the keys are the same whichever way the container is written.
        Real shape: jaxrl_m 7e8d8fe0..54ef8acb examples/mujoco/iql.py:131 `get_default_config` rewritten from
        `config.discount = 0.99` (and eight more) to `ml_collections.ConfigDict({'discount': 0.99, ...})`: the
        values are the same, but the literal was unread and `discount` was filed "removed" (critical)."""
        for v in flatten(mapping, line):
            if v.subkey:
                info.assignments.append(Assignment([var, *v.subkey], [Value((), v.value, v.literal, v.line)],
                                                   v.line, conditional))

    @staticmethod
    def _container_var(var: str, info: FunctionFacts) -> bool:
        """`var` was bound in this function to a config container's constructor (`ConfigDict()`)."""
        binding = info.bindings.get(var, "")
        if not binding.startswith("call:"):
            return False
        callee = binding[5:]
        return last_name(callee) in CONFIG_CONTAINERS or _container_factory(callee)

    def _returned_mapping(self, value: ast.AST, info: FunctionFacts, body: list[ast.stmt]) -> None:
        """`def get_config(): return {"lr": 3e-4, ...}` (or `dict(lr=3e-4)`, or a container built on one:
        `return ConfigDict(dict(batch_size=512))`, octo's `get_config`): the literal leaves are settings, keyed
        under the function's builder segment (`make_env_config` -> `env`)."""
        if not (isinstance(value, ast.Dict) and value.keys) and not (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict") \
                and container_mapping(value) is None:
            return
        segment = builder_segment(info.name)
        for v in flatten(_inline_local_constants(value, body)):
            if v.subkey and v.literal:
                info.mappings.append(ConfigEntry(
                    key=normalise_key([segment, *v.subkey]) if segment else normalise_key(list(v.subkey)),
                    raw_key=info.name, value=v.value, literal=True, path=self.info.path, line=v.line,
                    format="python", kind=EntryKind.mapping, owner=info.name))

    def _call(self, node: ast.Call, info: FunctionFacts) -> None:
        callee = name_chain(node.func)
        if callee is None:
            return
        name = last_name(callee)
        if name == "add_argument":
            self._option_from_call(node, None, info)
            return
        if name.startswith("DEFINE_") and name not in _ABSL_NOT_OPTIONS and (absl := absl_flag(node, callee)):
            self._option(absl[0], absl[1], info, node.lineno)
            return
        # `tyro.cli(Args)`, `OmegaConf.structured(Config)`, `HfArgumentParser(Args)`: a class passed as
        # an argument is built by the callee from its defaults
        if name == "update" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and self._container_var(node.func.value.id, info):
            # `config.update({"tau": 0.005})` / `config.update(tau=0.005)` on a container built in this function
            arg = node.args[0] if len(node.args) == 1 and not node.keywords else node if not node.args else None
            if arg is not None and (isinstance(arg, ast.Dict) or _dict_call(arg) or arg is node
                                    or container_mapping(arg) is not None):
                self._container_items(node.func.value.id, arg if arg is not node else ast.Call(
                    func=ast.Name(id="dict", ctx=ast.Load()), args=[], keywords=node.keywords), node.lineno, info,
                    False)
        passed = [*node.args, *(kw.value for kw in node.keywords)]
        # `HfArgumentParser((ScriptArguments, DPOConfig, ModelConfig))`: each class of a tuple or list handed
        # to the call is built too (Online-RLHF 523e31dd..c5f1d276 lost every `ScriptArguments` field)
        passed = [*passed, *(e for a in passed if isinstance(a, ast.Tuple | ast.List) for e in a.elts)]
        class_args = [d for a in passed if (d := name_chain(a)) and last_name(d)[:1].isupper()]
        info.calls.append(CallInfo(callee=callee, line=node.lineno, class_args=class_args,
                                   kwargs=[(kw.arg, kw.value) for kw in node.keywords if kw.arg]))


# absl/ml_collections calls named DEFINE_* that declare no plain value: a config file/dict (followed as
# such, `CONFIG_FUNCTION`), a flag object, an alias
_ABSL_NOT_OPTIONS = frozenset({"DEFINE_config_file", "DEFINE_config_dict", "DEFINE_config_dataclass", "DEFINE_flag",
                               "DEFINE_alias"})


def absl_flag(call: ast.Call, callee: str) -> tuple[str, ast.expr] | None:
    """(name, default) of an absl flag declaration `flags.DEFINE_integer("batch_size", 256, "help")`.
    Real shape: implicit_q_learning `train_finetune.py` raised `replay_buffer_size` None -> 2000000 in
    its flag defaults, which were never configuration."""
    head = callee.rsplit(".", 1)[0] if "." in callee else ""
    if head and not head.rsplit(".", 1)[-1].endswith("flags"):
        return None
    args = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    name = call.args[0] if call.args else args.get("name")
    default = call.args[1] if len(call.args) > 1 else args.get("default")
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isidentifier()) \
            or default is None:
        return None
    return name.value, default


def _class_chain(node: ast.AST) -> bool:
    """`Agent` / `agt.Agent`: a name that reads as a class (capitalised, not a constant)."""
    name = node.attr if type(node) is ast.Attribute else node.id if type(node) is ast.Name else ""
    return name[:1].isupper() and not name.isupper()


# ml_collections passes what follows `file.py:` to `get_config` (octo's `"config.py:transformer_bc"`)
_PY_CONFIG_STRING = re.compile(r"(.+\.py):[^/:\s]*")


def config_file_name(value: object) -> str | None:
    """The config file a string literal names (`"configs/sac.yaml"`, `"configs/sac.py"`; an ml_collections
    `"config.py:transformer_bc"` names `config.py`), else None."""
    if not isinstance(value, str) or len(value) >= 300:
        return None
    if value.lower().endswith((*CONFIG_FILE_SUFFIXES, PY_CONFIG_SUFFIX)):
        return value
    found = _PY_CONFIG_STRING.fullmatch(value)
    return found.group(1) if found else None


def _config_file_names(value: ast.AST) -> list[str]:
    """String literals naming a config file inside an expression."""
    return [name for node in ast.walk(value) if isinstance(node, ast.Constant) and (name := config_file_name(node.value))]


# Nodes without children that never matter to a scan (contexts and operators): not queued.
_INERT: frozenset[type] = frozenset(
    t for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop) for t in base.__subclasses__()
)
_BRANCH_FIELDS: dict[type, tuple[str, ...]] = {ast.If: ("body", "orelse"), ast.match_case: ("body",)}


_SCALAR_FIELDS = frozenset({"ctx", "op", "id", "attr", "arg", "kind", "type_comment", "level", "module", "conversion"})
_CHILD_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _child_fields(kind: type[ast.AST]) -> tuple[tuple[str, bool], ...]:
    """(field, is a branch of an `if`/`match`) for the fields of a node type that can hold nodes."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        branch = _BRANCH_FIELDS.get(kind, ())
        fields = _CHILD_FIELDS[kind] = tuple((name, name in branch) for name in kind._fields
                                             if name not in _SCALAR_FIELDS)
    return fields


def _walk(root: ast.AST) -> list[tuple[ast.AST, bool]]:
    """`ast.walk` order (breadth first), each node with whether it lies in an `if`/`match` branch.

    Contexts and operators (leaves no scan looks at) and plain-value fields are skipped.
    """
    out: list[tuple[ast.AST, bool]] = [(root, False)]
    append = out.append
    inert = _INERT
    node_type = ast.AST
    i = 0
    while i < len(out):
        node, conditional = out[i]
        i += 1
        for name, branch in _CHILD_FIELDS.get(type(node)) or _child_fields(type(node)):
            value = getattr(node, name, None)
            if value is None:
                continue
            flag = conditional or branch
            if type(value) is list:
                for item in value:
                    if isinstance(item, node_type) and type(item) not in inert:
                        append((item, flag))
            elif isinstance(value, node_type) and type(value) not in inert:
                append((value, flag))
    return out


def _dict_call(node: ast.AST) -> bool:
    """`dict(a=1, b=dict(c=2))`: a mapping written as a call, which `flatten` splits like `{...}`. Real shape:
    DI-engine's per-environment experiment scripts bind `pendulum_ppo_config = dict(policy=dict(learn=...))`."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
            and not node.args and bool(node.keywords) and all(kw.arg for kw in node.keywords))


def main_guard(tree: ast.Module) -> ast.If | None:
    """The module's top-level `if __name__ == "__main__":` block, if any."""
    return next((s for s in tree.body if isinstance(s, ast.If) and _is_main_guard(s.test)), None)


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def parse_module(path: str, text: str) -> ModuleInfo:
    return _ModuleVisitor(path).run(parse_module_tree(path, text))


def extract_python(path: str, text: str) -> ParsedFile:
    return extract_python_tree(path, parse_module_tree(path, text))


def parse_module_tree(path: str, text: str) -> ast.Module:
    try:
        return parse_tree(text, filename=path)
    except TooComplexError as exc:
        raise LimitError(f"Python not analysed: {exc.msg}") from None
    except (SyntaxError, ValueError) as exc:
        raise ExtractError(f"Python does not parse: {exc}") from None


def extract_python_tree(path: str, tree: ast.Module) -> ParsedFile:
    """Extract from an already parsed module (e.g. `Snapshot.python_ast`'s cached tree; not mutated)."""
    module = _ModuleVisitor(path).run(tree)
    entries = list(module.constants)
    for cls in module.classes.values():
        if not cls.marker:
            continue
        for fld in cls.fields:
            for v in fld.values:
                entries.append(ConfigEntry(
                    key=normalise_key([fld.name, *v.subkey]), raw_key=join(cls.name, fld.name),
                    value=v.value, literal=v.literal, path=path, line=v.line, format="python",
                    kind=EntryKind.field_default, owner=cls.name))
    for fn in [*module.functions.values(), *([module.body] if module.body else [])]:
        entries.extend(fn.options)
    return ParsedFile(path=path, format="python", entries=entries, data=module)


register_extractor(Extractor("python", (".py",), extract_python, extract_tree=extract_python_tree,
                             title="Python configuration: classes, dataclasses, argparse, builder functions"))
