"""AST helpers shared by triage, the analyzers and the detectors: parse safely, index definitions,
compare code, and name what an expression refers to (`dotted`, `name_chain`, `call_name`, ...)."""

from __future__ import annotations

import ast
import copy
import dis
import threading
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar, overload

from investigator.fastwalk import walk_changing
from investigator.py2 import python3_source
from investigator.py312 import python311_source

_T = TypeVar("_T")

# CPython 3.11 converts between C and Python AST objects with a recursion counter shared by every
# thread (gh-106905): analyzers parsing in parallel threads could fail with "SystemError: AST
# constructor recursion depth mismatch". Parsing holds the GIL anyway, so one lock costs nothing.
_AST_LOCK = threading.Lock()

# Larger sources are not parsed: no hand-written module is this big, and a generated one would hold
# the parser (and the lock every analyzer's parse waits on) for long: a 9.7 MB module took 40 s and
# 2.7 GB to parse, 32 s more to compile (measured on the loaded 2-core machine). The configuration
# extractors read files up to the same size.
MAX_SOURCE_CHARS = 2_000_000


NOT_ANALYSED = "not analysed"  # how `parse_python` starts the error of a source it gave up on (not a syntax error)


class TooComplexError(SyntaxError):
    """A source the parser or compiler gives up on (nesting past the interpreter's recursion limit,
    out of memory, over `MAX_SOURCE_CHARS`). A `SyntaxError`, so every caller that records an
    unparsable file as a per-file failure records this one too, instead of ending the run."""


@overload
def parse_tree(source: str, filename: str = ..., mode: Literal["exec"] = ..., *,
               python2: bool = ...) -> ast.Module: ...
@overload
def parse_tree(source: str, filename: str = ..., *, mode: Literal["eval"], python2: bool = ...) -> ast.Expression: ...
def parse_tree(source: str, filename: str = "<unknown>", mode: str = "exec", *, python2: bool = True) -> ast.AST:
    """`ast.parse`, safe to call from several threads at once (raises what `ast.parse` raises, and
    `TooComplexError` for pathological sources). A module (`exec`) that is Python 2 is read through
    `py2.python3_source`, one using Python 3.12's type-parameter syntax through `py312.python311_source`
    (same lines both), unless `python2` is False (snippets that must be Python 3 code); when that fails
    too, the original syntax error is raised."""
    if len(source) > MAX_SOURCE_CHARS:
        raise TooComplexError(f"file too large to parse ({len(source):,} characters, limit {MAX_SOURCE_CHARS:,})")
    try:
        return _parse(source, filename, mode)
    except SyntaxError as exc:
        if not python2 or mode != "exec" or isinstance(exc, TooComplexError):
            raise
        for rewrite in (python3_source, python311_source):
            rewritten = rewrite(source)
            if rewritten is None:
                continue
            try:
                return _parse(rewritten, filename, mode)
            except SyntaxError:
                continue
        raise exc from None


def _parse(source: str, filename: str, mode: str) -> ast.AST:
    with _AST_LOCK:
        try:
            return ast.parse(source, filename=filename, mode=mode)
        except RecursionError:
            raise TooComplexError("expressions nested too deeply to parse") from None
        except MemoryError:
            raise TooComplexError("out of memory while parsing") from None


def compile_tree(tree: ast.Module, filename: str = "<ast>") -> types.CodeType:
    """`compile` of a Python AST object, under the same lock as `parse_tree` (`TooComplexError` as it)."""
    with _AST_LOCK:
        try:
            return compile(tree, filename, "exec", dont_inherit=True)
        except RecursionError:
            raise TooComplexError("expressions nested too deeply to compile") from None
        except MemoryError:
            raise TooComplexError("out of memory while compiling") from None


@dataclass(frozen=True)
class Definition:
    qualname: str
    kind: str  # function | class
    start: int
    end: int
    node: ast.AST


def parse_python(source: str) -> tuple[ast.Module | None, str | None]:
    """Parse source; return (tree, None) or (None, one-line error)."""
    try:
        return parse_tree(source), None
    except TooComplexError as exc:
        return None, f"{NOT_ANALYSED}: {exc.msg}"
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes in the source
        line = getattr(exc, "lineno", None)
        return None, f"does not parse: {exc.__class__.__name__} at line {line}: {getattr(exc, 'msg', exc)}"


_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def index_definitions(tree: ast.Module) -> list[Definition]:
    """All functions and classes with qualified names (Outer.method, func.<locals>.inner).

    Definitions are statements, so only statement lists are walked (not every expression node).
    """
    found: list[Definition] = []

    def visit(statements: list, prefix: str) -> None:
        for child in statements:
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append(Definition(name, kind, start, child.end_lineno or child.lineno, child))
                visit(child.body, f"{name}." if kind == "class" else f"{name}.<locals>.")
            else:
                for field in _BODY_FIELDS:
                    inner = getattr(child, field, None)
                    if inner:
                        visit(inner, prefix)

    visit(tree.body, "")
    return found


def strip_docstrings(tree: ast.AST) -> ast.AST:
    """Remove docstrings in place so that docstring-only edits compare equal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = body[1:] or [ast.copy_location(ast.Pass(), first)]
    return tree


def normalized_dump(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False, include_attributes=False)


_NOP = dis.opmap["NOP"]


_NOP_BYTE = bytes([_NOP])


def _without_nops(code: bytes) -> bytes:
    """The compiler adds NOPs where statements span lines; they carry no behaviour. (Most code objects
    have none: the opcode bytes are checked at C speed before any instruction is copied.)"""
    if _NOP_BYTE not in code[::2]:
        return code
    return b"".join(code[i : i + 2] for i in range(0, len(code), 2) if code[i] != _NOP)


def _code_key(code: types.CodeType) -> tuple:
    consts = tuple(_code_key(c) if isinstance(c, types.CodeType) else (type(c).__name__, repr(c)) for c in code.co_consts)
    return (code.co_name, _without_nops(code.co_code), consts, code.co_names, code.co_varnames, code.co_freevars,
            code.co_cellvars, code.co_argcount, code.co_kwonlyargcount, code.co_posonlyargcount, code.co_flags)


def _bytecode_key(node: ast.AST) -> tuple | None:
    if isinstance(node, ast.Module):
        module = node
    elif isinstance(node, ast.stmt):
        module = ast.Module(body=[node], type_ignores=[])
    else:
        return None  # not a statement: the AST comparison decides
    try:
        return _code_key(compile_tree(module))
    except (SyntaxError, ValueError, TypeError):
        return None


def compile_source(source: str) -> types.CodeType | None:
    """Module code compiled straight from source (no Python AST objects: ~3x cheaper than parsing),
    or None when it does not compile (pathological sources included: `parse_python` then says why)."""
    if len(source) > MAX_SOURCE_CHARS:
        return None
    try:
        return compile(source, "<src>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None


def code_fingerprint(code: types.CodeType) -> tuple:
    """What a code object does, up to line layout (line numbers and layout NOPs left out)."""
    return _code_key(code)


def same_behaviour(a: ast.AST, b: ast.AST, ignore_docstrings: bool = False) -> bool:
    """Whether two modules/definitions are the same code up to formatting and comments.

    A bytecode comparison (compiled in C, NOPs from line layout removed) settles the common case fast;
    when it differs, the exact AST comparison decides (jump offsets can move with layout).
    """
    fa, fb = _bytecode_key(a), _bytecode_key(b)
    if fa is not None and fa == fb:
        return True
    # equal trees are equal without their docstrings: one comparison decides both
    return same_tree(a, b, ignore_docstrings=ignore_docstrings)


_MISSING = object()
_PASS = ast.Pass()
_DOCSTRING_OWNERS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    """`body` as `strip_docstrings` leaves it (a lone docstring becomes `pass`), without mutating it."""
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:] or [_PASS]
    return body


def same_tree(a: ast.AST, b: ast.AST, ignore_docstrings: bool = False) -> bool:
    """`normalized_dump(a) == normalized_dump(b)` (of `strip_docstrings` copies with
    `ignore_docstrings`), decided by walking both trees side by side: no dump strings are built, no
    tree is copied, and the walk stops at the first difference (triage compares every changed
    definition: dumps and deep copies were a third of its time on an 800-file range).

    The dump is an unambiguous rendering (class names, fields in order with the same fields left
    out, lists, and `repr` of every other value), so two dumps are equal exactly when the trees agree
    field by field in these terms."""
    stack: list[tuple[object, object]] = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, ast.AST):
            if type(y) is not type(x):
                return False
            cls = type(x)
            owner = ignore_docstrings and isinstance(x, _DOCSTRING_OWNERS)
            for name in x._fields:
                vx, vy = getattr(x, name, _MISSING), getattr(y, name, _MISSING)
                left_out_x = vx is _MISSING or (vx is None and getattr(cls, name, ...) is None)
                left_out_y = vy is _MISSING or (vy is None and getattr(cls, name, ...) is None)
                if left_out_x or left_out_y:
                    if left_out_x != left_out_y:
                        return False
                    continue
                if owner and name == "body":
                    vx, vy = _without_docstring(vx), _without_docstring(vy)  # type: ignore[arg-type]
                stack.append((vx, vy))
        elif isinstance(x, list):
            if not isinstance(y, list) or len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif x is not y:
            if isinstance(y, ast.AST | list):
                return False
            if type(x) is str and type(y) is str:
                if x != y:
                    return False
            elif repr(x) != repr(y):
                return False
    return True


def nodes_on_line(tree: ast.Module) -> dict[int, list[ast.AST]]:
    """Line -> the nodes starting on it, in `ast.walk` order, indexed once per tree and kept on it (parsed trees
    are never modified): finding the calls or names on a referenced line without walking the whole module."""
    index: dict[int, list[ast.AST]] | None = tree.__dict__.get("_on_line")
    if index is None:
        index = {}
        for node in ast.walk(tree):
            line = getattr(node, "lineno", None)
            if line is not None:
                index.setdefault(line, []).append(node)
        tree.__dict__["_on_line"] = index
    return index


def innermost_definition(defs: list[Definition], line: int) -> Definition | None:
    """The most nested definition that spans a line."""
    best: Definition | None = None
    for d in defs:
        if d.start <= line <= d.end and (best is None or d.end - d.start <= best.end - best.start):
            best = d
    return best


def fingerprint(nodes: list[ast.AST]) -> tuple[object, ...]:
    """A structural encoding of AST nodes (types, fields, literals, child counts), without
    positions: equal exactly when the code is equal up to formatting. Iterative and ~4x faster
    than `ast.dump`, which matters on refactors that touch thousands of functions."""
    out: list[object] = [len(nodes)]
    stack: list[object] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.AST):
            out.append(node)
            continue
        out.append(node.__class__.__name__)
        if isinstance(node, ast.Constant):
            out.append(type(node.value).__name__)
        for name in reversed(node._fields):
            value = getattr(node, name, None)
            if isinstance(value, list):
                out.append(len(value))
                stack.extend(reversed(value))
            elif value is None or isinstance(value, ast.AST | str | int | float | complex | bytes | bool):
                stack.append(value)
            else:
                stack.append(repr(value))
    return tuple(out)


def name_chain(node: ast.AST) -> str:
    """`a.b.c` for a chain of names and attributes only; '' for anything else (`f().x`, `a[0].b`)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def import_names(node: ast.AST) -> dict[str, str]:
    """The names an `import` statement binds, each to the dotted name it imports: `import a.b` -> {a: a},
    `import a.b as c` -> {c: a.b}, `from .a import b` -> {b: .a.b}; {} for any other statement."""
    out: dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            out[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    elif isinstance(node, ast.ImportFrom):
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name != "*":
                out[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return out


def dotted_expr(path: str) -> ast.expr:
    """The expression `a.b.c` names: a Name and its attribute chain (the inverse of `name_chain`)."""
    parts = path.split(".")
    out: ast.expr = ast.Name(id=parts[0], ctx=ast.Load())
    for part in parts[1:]:
        out = ast.Attribute(value=out, attr=part, ctx=ast.Load())
    return out


def dotted(node: ast.AST | None) -> str:
    """`torch.nn.utils.clip_grad_norm_` for an attribute chain, also through calls and subscripts
    (`make_env().reset`; `envs[].step` for `envs[0].step`); '' when not a chain."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = dotted(node.func)
        parts.append(inner + "()" if inner else "")
    elif isinstance(node, ast.Subscript):
        inner = dotted(node.value)
        parts.append(inner + "[]" if inner else "")
    else:
        return ""
    return ".".join(reversed(parts))


def super_method(func: ast.AST, name: str | None = None) -> bool:
    """`super().m` or `super(C, self).m` (the attribute read of a call through `super()`), of method `name`
    when given."""
    return isinstance(func, ast.Attribute) and (name is None or func.attr == name) \
        and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) and func.value.func.id == "super"


def class_base(node: ast.expr) -> str:
    """The dotted name of a class base without its type arguments: `BasePolicy[TStats]` and
    `Generic[T]` name `BasePolicy` and `Generic` (a real refactor made a policy class generic over its
    stats type, and its inherited methods, the target-network update among them, stopped resolving)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return dotted(node)


def call_name(call: ast.Call) -> str:
    return dotted(call.func)


def parameter_defaults(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.arguments,
                       ) -> list[tuple[ast.arg, ast.expr | None]]:
    """Every named parameter (positional, then keyword-only) with its default expression, None without one."""
    a = node if isinstance(node, ast.arguments) else node.args
    positional = [*a.posonlyargs, *a.args]
    out: list[tuple[ast.arg, ast.expr | None]] = [(p, None) for p in positional[:len(positional) - len(a.defaults)]]
    out += list(zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True))
    return out + list(zip(a.kwonlyargs, a.kw_defaults, strict=True))


def default_values(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.arguments) -> dict[str, ast.expr]:
    """Parameter name -> its default expression, for the parameters (positional or keyword-only) that have one:
    what a call that does not pass the argument gets."""
    return {p.arg: d for p, d in parameter_defaults(node) if d is not None}


def method_name(call: ast.Call) -> str:
    """The called method's or function's own name: `last_name(call_name(call))`, and also for a method of
    a computed value, `(value_loss * c + action_loss).backward()`, whose receiver is no dotted chain."""
    return call.func.attr if isinstance(call.func, ast.Attribute) else last_name(dotted(call.func))


def self_attribute(node: ast.AST) -> str | None:
    """`x` for the attribute `self.x` (the object's own attribute, not `self.x.y`'s `y`); None for anything else."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def last_name(name: str | None) -> str:
    """`step` for `optimizer.step` ('' for None)."""
    return (name or "").rsplit(".", 1)[-1]


def receiver(call: ast.Call) -> str:
    """The object a method is called on (`optimizer` for `optimizer.step()`), '' for a plain call."""
    if isinstance(call.func, ast.Attribute):
        return dotted(call.func.value)
    return ""


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def names_in(node: ast.AST) -> list[str]:
    """Identifiers (names and attribute tails) used in an expression, in source order."""
    out: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            out.append(sub.attr)
    return out


def unparse(node: ast.AST, limit: int = 160) -> str:
    try:
        text = ast.unparse(node)
    except Exception:
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_constant_like(node: ast.AST) -> bool:
    """A literal, a negated literal, a config attribute (`args.x`), or `torch.tensor(<literal>)`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return True
    if isinstance(node, ast.UnaryOp):
        return is_constant_like(node.operand)
    if isinstance(node, ast.Call) and last_name(call_name(node)) in {"tensor", "as_tensor", "full_like", "float"}:
        return bool(node.args) and all(is_constant_like(a) for a in node.args[:1])
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name | ast.Attribute)  # args.free_bits, self.cfg.min_kl
    return False


# values `copy.deepcopy` returns as they are (its atomic types that occur in syntax trees)
_MISSING = object()
_ATOMIC: frozenset[type] = frozenset({type(None), bool, int, float, complex, str, bytes, type(Ellipsis)})


def as_load(target: ast.expr) -> ast.expr:
    """A copy of an assignment target read as a value (`x[i]` of `x[i] += v`, every context `Load`)."""
    node = copy_tree(target)
    for sub in walk_changing(node):  # a fresh copy, changed while walked: nothing remembered
        if hasattr(sub, "ctx"):
            sub.ctx = ast.Load()
    return node


def without_keywords(node: ast.AST, drop: Callable[[ast.keyword], bool]) -> tuple[str, list[ast.keyword]]:
    """The dump of a copy of `node` whose calls lost every keyword argument `drop` selects, and those keywords:
    two statements alike but for such keywords have equal dumps (a speed-only `pin_memory=True`, flow/perfkw.py;
    a generator handed on as `random_state=self.random`, flow/randdraw.py)."""
    tree = copy_tree(node)
    dropped: list[ast.keyword] = []
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Call):
            kept: list[ast.keyword] = []
            for k in sub.keywords:
                (dropped if drop(k) else kept).append(k)
            sub.keywords = kept
    return ast.dump(tree), dropped


def copy_tree(node: _T) -> _T:
    """`copy.deepcopy` of a syntax tree (a node, or a list of nodes), about three times faster: each
    node's attributes (fields, positions, anything a caller set) copied in order, shared nodes shared in
    the copy as deepcopy shares them, values that are neither nodes, lists nor atoms handed to
    `copy.deepcopy` with the same memo. The engine copies before every rewrite (a tree is shared by
    the detectors and the flow); on skrl 1.4.3..2.0.0 deepcopy was about 4 % of the run."""
    return _copy_tree(node, {})  # type: ignore[return-value]


def _copy_tree(value: object, memo: dict[int, object]) -> object:
    cls = value.__class__
    if cls in _ATOMIC:
        return value
    found = memo.get(id(value), _MISSING)
    if found is not _MISSING:
        return found
    if isinstance(value, ast.AST):
        new = cls.__new__(cls)
        memo[id(value)] = new
        state = new.__dict__
        for key, item in value.__dict__.items():
            state[key] = item if item.__class__ in _ATOMIC else _copy_tree(item, memo)
        return new
    if cls is list:
        out: list[object] = []
        memo[id(value)] = out
        out.extend([item if item.__class__ in _ATOMIC else _copy_tree(item, memo) for item in value])  # type: ignore[attr-defined]
        return out
    return copy.deepcopy(value, memo)


class CountingRewrite(Protocol):
    """An `ast.NodeTransformer` that counts the rewrites it made (`count`)."""

    count: int

    def visit(self, node: ast.AST) -> ast.AST: ...


def same_once_rewritten(base: Sequence[ast.AST], cand: Sequence[ast.AST], rewrite_base: CountingRewrite,
                        rewrite_cand: CountingRewrite) -> bool:
    """Each side's statements, rewritten on a copy, dump the same, and at least one rewrite happened: the two sides
    differ only by what the rewrites read as one form (casts, library aliases, import spellings)."""
    b = [ast.dump(rewrite_base.visit(copy_tree(p)), annotate_fields=False) for p in base]
    c = [ast.dump(rewrite_cand.visit(copy_tree(p)), annotate_fields=False) for p in cand]
    return bool(rewrite_base.count or rewrite_cand.count) and b == c


def arguments_by_name(call: ast.Call, names: Sequence[str]) -> dict[str, ast.expr] | None:
    """A call's positional and keyword arguments by parameter name (`names`: the callee's parameters in order,
    `self` left out of a method); None when it unpacks `*args` / `**kw`, passes too many positionals, repeats a
    parameter or names one the callee does not have."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords) \
            or len(call.args) > len(names):
        return None
    out = dict(zip(names, call.args, strict=False))
    for k in call.keywords:
        if k.arg is None or k.arg in out or k.arg not in names:
            return None
        out[k.arg] = k.value
    return out
