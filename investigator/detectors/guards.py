"""Reachability down to branches: a code change inside a branch that never runs has no effect.

A branch is dead at a commit when its guard is provably off there: a flag whose effective value
(config forensics' effective configuration, else a module constant, a dataclass/pydantic/argparse
default or a function default that no visible call overrides) makes the test false, or an
`if __name__ == "__main__":` block of a module that is not the training entry. Anything not proven
(a value set from the command line without default, an environment variable, a computed value, a
call through `**kwargs`) counts as live. A finding is moved to the no-effect section only when
every location it names is dead and no guard flag differs between the commits (then the flag
change is the finding, not the branch body).

A branch that only a declared default keeps off (a constructor parameter a config may pass, an
argparse default a launch command may change) is not dead, but a finding all of whose candidate-side
code lies in such a branch, for an option that is new or also off by default at the baseline, is
lowered to low: it matters only to runs that set the option ("off by default").

The same "off by default" lowering also covers code reached only through calls made where an option keeps
them off (`_called_only_when_set`), a configuration value that became a conditional whose options' defaults
take the baseline's literal (`config_conditional_reason`), and calls that gained arguments handing on an
enclosing option at the callee's own default (`handed_on_default_reason`): noise class N2, "a new option
whose default reproduces the baseline". Two more forms of it: distributed-only plumbing that a single-process run
(rank 0, world size 1, no process group) does not see (detectors/singleproc.py), and a class field added as a mode
switch declared off (detectors/newfield.py).

Hook: `apply_guards(results, changeset)` runs before ranking, over every analyzer's code findings.
"""

from __future__ import annotations

import ast
import contextvars
import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from investigator.config.options import declared_option
from investigator.detectors import codedefault, guard_shares, newfield, singleproc
from investigator.detectors.base import CALLED_FROM
from investigator.detectors.conditional import (
    local_conditionals,
    same_at_default,
    simple_statements,
    statement_at,
)
from investigator.detectors.newcases import SUFFIXES as CATALOG_SUFFIXES
from investigator.detectors.newcases import Catalog, NewCases, compared_values, get_key, membership_key
from investigator.models import (
    AnalyzerResult,
    EvidenceKind,
    Finding,
    HypothesisStatus,
    Location,
    NoEffectChange,
    Severity,
)
from investigator.pyast import arguments_by_name, class_base, parameter_defaults, super_method
from investigator.scope import out_of_scope_kind

UNKNOWN = object()  # a value that cannot be proven
ABSENT = object()  # the flag does not exist at this commit
CONFIG_SOURCE = "config_forensics"
NEW_CASE = "<new key or value>"  # a flag name's first part when a new key or value decided the test
_ROOTS = {"self", "cfg", "config", "args", "opt", "opts", "conf", "hparams", "params", "flags", "FLAGS"}
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".sh")
_LIBRARY_BASES = ("nn.", "torch.", "abc.", "ABC", "Generic", "Protocol", "NamedTuple")  # set no option of ours
_SCAN_LIMIT = 4000  # files read for the override scan; a bigger tree makes source defaults unknown
# Defaults mode: a declared default counts even when a run may override it (a constructor called
# through `**cfg`, an option the launch command may set). Used only to lower a finding to low
# ("off by default"), never to move it out of the findings.
_DEFAULTS = contextvars.ContextVar("guards_defaults", default=False)


@dataclass
class Side:
    """What one commit offers to evaluate a guard: its files and its effective configuration."""

    label: str
    read: Callable[[str], str | None]
    paths: list[str]
    effective: dict[str, Any] | None = None  # key -> literal value (config forensics)
    where: dict[str, str] = field(default_factory=dict)  # key -> "path:line"
    computed: set[str] = field(default_factory=set)  # keys whose effective value is an expression
    entry: str | None = None  # entry script of the training run, when known
    rivals: frozenset[str] = frozenset()  # scripts as likely to be the entry as `entry` (a guess among equals)
    fetch_all: Callable[[list[str]], None] | None = None  # reads many files at once (a snapshot's prefetch)
    newcases: NewCases | None = None  # new configuration keys and selector values of the range (newcases.py)
    parsed: Callable[[str], ast.Module | None] | None = None  # a tree someone already parsed (a snapshot's cache)
    _fetched: bool = False
    _trees: dict[str, ast.Module | None] = field(default_factory=dict)
    _texts: dict[str, str | None] = field(default_factory=dict)
    _declarations: dict[str, dict[str, list[Declaration]] | None] = field(default_factory=dict)
    _defaults: dict[tuple[str, bool], object] = field(default_factory=dict)  # (attr, defaults mode) -> value
    _mentions: dict[tuple[str, str], list[ast.AST] | None] = field(default_factory=dict)  # (path, name)
    _if_tests: dict[str, dict[str, ast.If]] = field(default_factory=dict)  # path -> test text -> first `if`
    # callee -> (the Python paths found so far whose text names it, how many paths were searched)
    _naming: dict[str, tuple[list[str], list[int]]] = field(default_factory=dict)
    _unpassed: dict[tuple[str, str, int | None], bool] = field(default_factory=dict)  # `_never_overridden`
    _outside: dict[tuple[str, frozenset[str]], bool] = field(default_factory=dict)  # `_stored_from_outside`
    _signatures: dict[str, list[tuple[str, ast.expr | None]] | None] = field(default_factory=dict)  # `_signature`

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self.read(path) if path in self._path_set else None
        return self._texts[path]

    @property
    def _path_set(self) -> set[str]:
        if not hasattr(self, "_paths_cache"):
            self._paths_cache = set(self.paths)
        return self._paths_cache

    def prefetch(self) -> None:
        """Read the tree's files in one go before a whole-tree scan (one git process, not one each)."""
        if not self._fetched and self.fetch_all is not None:
            self._fetched = True
            self.fetch_all([p for p in self.paths if p.endswith((".py", *_CONFIG_SUFFIXES))][:_SCAN_LIMIT * 2])

    def catalog_texts(self) -> dict[str, str]:
        """The texts a new-key/new-value catalog reads (detectors/newcases.py), fetched in one go."""
        self.prefetch()
        return {p: t for p in self.paths if p.endswith(CATALOG_SUFFIXES) and (t := self.text(p)) is not None}

    def tree(self, path: str) -> ast.Module | None:
        """The file's tree: the snapshot's shared one when triage or an analyzer parsed it already (the
        same `ast.parse` of the same text; read, never mutated here), else parsed here (skrl 1.4.3..2.0.0
        parsed 620 files a second time)."""
        if path not in self._trees:
            shared = self.parsed(path) if self.parsed is not None and path in self._path_set else None
            if shared is not None:
                self._trees[path] = shared
                return shared
            text = self.text(path)
            try:
                self._trees[path] = ast.parse(text) if text is not None else None
            except (SyntaxError, ValueError):
                self._trees[path] = None
        return self._trees[path]


@dataclass(frozen=True)
class Value:
    """A proven flag value and where it is set."""

    value: object
    where: str


@dataclass(frozen=True)
class Guard:
    """A branch that does not run: why, and the flag names to re-check at the other commit."""

    reason: str
    flags: tuple[tuple[str, ...], ...] = ()  # dotted names of the flags read by the test
    wanted: bool = True  # the branch runs when the test is `wanted`
    test: ast.expr | None = None
    path: str = ""
    lineno: int = 0
    owner: str = ""  # the class enclosing the guard ('' at module level)
    function: str = ""  # the function enclosing the guard ('' at module or class level)


# ---------------------------------------------------------------------------------------------
# Finding the branches that enclose a line


def enclosing_branches(tree: ast.Module, line: int) -> Iterator[tuple[ast.If, bool]]:
    """(if-statement, branch taken) for every `if` whose body or else-part contains `line`."""
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        end = getattr(node, "end_lineno", None) or node.lineno
        if not node.lineno <= line <= end:
            continue
        if isinstance(node, ast.If):
            if _within(node.body, line):
                yield node, True
            elif _within(node.orelse, line):
                yield node, False
        for name in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(node, name, None) or [])
        for case in getattr(node, "cases", None) or []:
            stack.extend(case.body)


def enclosing_arms(tree: ast.Module, line: int) -> Iterator[tuple[ast.IfExp, bool]]:
    """(conditional expression, arm taken) for every `A if test else B` of the simple statement spanning `line`
    whose arm `A` (True) or `B` (False) holds `line` on lines of its own: lines after the statement's first and
    shared with neither the test nor the other arm (a one-line conditional cannot tell its arms apart by line).
    Real shape (lerobot 59ab2862..e6f95674, src/lerobot/policies/pi05/modeling_pi05.py:453):
    `self.proprio_history_proj = (nn.Linear(config.max_state_dim, width) if config.use_proprioceptive_memory
    else None)`, the new dataclass field `use_proprioceptive_memory: bool = False`, read as "Layer changed: `-` ->
    `nn.Linear(...)`", significant, for a layer no run builds by default."""
    stmt = statement_at(tree, line)
    if stmt is None or line <= stmt.lineno:
        return
    for node in ast.walk(stmt):
        if not isinstance(node, ast.IfExp):
            continue
        spans = [(part.lineno, getattr(part, "end_lineno", None) or part.lineno)
                 for part in (node.body, node.test, node.orelse)]
        for arm, taken in ((0, True), (2, False)):
            lo, hi = spans[arm]
            if lo <= line <= hi and not any(a <= line <= b for k, (a, b) in enumerate(spans) if k != arm):
                yield node, taken


def _within(body: list[ast.stmt], line: int) -> bool:
    return bool(body) and body[0].lineno <= line <= (getattr(body[-1], "end_lineno", None) or body[-1].lineno)


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


# ---------------------------------------------------------------------------------------------
# Evaluating a guard test


def _dotted(node: ast.expr) -> tuple[str, ...] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return (node.id, *reversed(parts))
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        inner = _dotted(node.value)  # cfg["use_rnd"]
        return (*inner, node.slice.value) if inner else None
    return None


class Evaluator:
    """Evaluates a guard test at one commit; every unproven value is UNKNOWN."""

    def __init__(self, side: Side, path: str, tree: ast.Module, line: int) -> None:
        self.side, self.path, self.tree, self.line = side, path, tree, line
        self.used: dict[tuple[str, ...], Value] = {}

    def truth(self, node: ast.expr) -> object:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.truth(node.operand)
            return UNKNOWN if inner is UNKNOWN else not inner
        if isinstance(node, ast.BoolOp):
            values = [self.truth(v) for v in node.values]
            stop = isinstance(node.op, ast.Or)  # `or` stops at a true value, `and` at a false one
            if any(v is not UNKNOWN and v is stop for v in values):
                return stop
            return UNKNOWN if any(v is UNKNOWN for v in values) else (not stop)
        value = self.value(node)
        return UNKNOWN if value is UNKNOWN else bool(value)

    def value(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        new = self._new_case(node)
        if new is not None:
            return new
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = self.value(node.left), self.value(node.comparators[0])
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            op = node.ops[0]
            table = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
                     ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b}
            fn = table.get(type(op))
            return fn(left, right) if fn else UNKNOWN
        if isinstance(node, ast.UnaryOp | ast.BoolOp):
            return self.truth(node)
        name = _dotted(node)
        if name is None:
            return UNKNOWN
        found = resolve(self.side, self.path, self.tree, self.line, name)
        # Only on/off flags: a string or number selects a mode (`algo == "sac"`) that users switch
        # per run, so a default or an example's value proves nothing about their run.
        if isinstance(found, Value) and (found.value is None or isinstance(found.value, bool)):
            self.used[name] = found
            return found.value
        return UNKNOWN


    def _new_case(self, node: ast.expr) -> bool | None:
        """Defaults mode only: a test that only a configuration key or a selector value new in this range
        satisfies (`"auto_alpha" in cfg`, `env == "lag"`) is off for every run the baseline can make
        (detectors/newcases.py). It lowers a finding, never removes it: a run may use the new key or value."""
        cases = self.side.newcases
        if not _DEFAULTS.get() or cases is None or (
                membership_key(node) is None and get_key(node) is None and compared_values(node) is None):
            return None
        decided = cases.truth(node, unselected=True)
        if decided is not None:
            self.used[(NEW_CASE, ast.unparse(node))] = Value(decided, cases.describe(node))
        return decided


# ---------------------------------------------------------------------------------------------
# Resolving a flag's value


def resolve(side: Side, path: str, tree: ast.Module, line: int, name: tuple[str, ...]) -> object:
    """The proven value of flag `name` read at `path:line`, UNKNOWN, or ABSENT (defined nowhere)."""
    leaf = name[-1]
    if len(name) == 1 and _local_binding(tree, line, leaf):
        if _DEFAULTS.get():
            local = _local_value(side, path, tree, line, leaf)
            if local is not None:
                return local
        return _param_default(side, tree, line, leaf)
    if path in side.rivals and len(name) == 2 and name[0] != "self":
        return _script_option(path, tree, leaf)
    configured = _from_effective(side, name)
    if configured is not None:
        return configured
    if len(name) == 1:
        return _module_constant(side, path, tree, leaf)
    if name[0] == "self" and len(name) == 2:
        if _DEFAULTS.get():
            stored = _attribute_default(side, leaf)
            if isinstance(stored, Value):
                return stored
        own = _self_attribute(side, path, tree, line, leaf)
        if own is not ABSENT:
            return own
        handed = _handed_to_base(side, tree, line, leaf)
        if handed is not ABSENT:
            return handed
    return _declared_default(side, leaf)


def _handed_to_base(side: Side, tree: ast.Module, line: int, attr: str) -> object:
    """`self.attr` that no code of the tree stores, in a class whose `__init__` hands its parameter `attr`
    unchanged to `super().__init__(..., attr=attr)`: the base class, from a library, stores it, so its
    value is the parameter's (`_param_default`). Real shape (stable-baselines3-contrib v2.3.0..v2.4.0):
    `RecurrentPPO(OnPolicyAlgorithm).__init__(..., use_sde: bool = False)` passes `use_sde=use_sde` to
    stable-baselines3's base, and `if self.use_sde: self.policy.reset_noise(...)` was removed from `train`
    ("Behavioural change in the optimizer path", significant, for an option off by default). ABSENT when
    the shape does not apply."""
    _, cls = _enclosing_function(tree, line)
    if cls is None:
        return ABSENT
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None or attr not in _params(init) or not init.body or not any(
            isinstance(n, ast.Call) and super_method(n.func, "__init__") and any(
                k.arg == attr and isinstance(k.value, ast.Name) and k.value.id == attr for k in n.keywords)
            for n in ast.walk(init)):
        return ABSENT
    bases = {b.id if isinstance(b, ast.Name) else b.attr for b in cls.bases if isinstance(b, ast.Name | ast.Attribute)}
    if not bases or _stored_from_outside(side, attr, bases):
        return UNKNOWN
    return _param_default(side, tree, init.body[0].lineno, attr)


def _stored_from_outside(side: Side, attr: str, bases: set[str]) -> bool:
    """Whether anything in the tree but the library base could set `<obj>.attr`: a store on another object
    than `self` (`model.use_sde = True`), `setattr(..., "attr", ...)`, or a base class the tree defines
    (its `__init__` may store something else). `self.attr = ...` in unrelated classes (a policy's own
    `self.use_sde`) sets their attribute, not this one. Answered once per (attribute, bases) on the side: it
    scans every Python text of the commit, and each finding on a line reading that attribute asked again."""
    key = (attr, frozenset(bases))
    found = side._outside.get(key)
    if found is None:
        found = side._outside[key] = _stored_from_outside_uncached(side, attr, bases)
    return found


def _stored_from_outside_uncached(side: Side, attr: str, bases: set[str]) -> bool:
    foreign = re.compile(rf"(?<!\bself)\.{re.escape(attr)}\s*=[^=]|setattr\([^)]*['\"]{re.escape(attr)}['\"]")
    defined = re.compile(r"^\s*class\s+(" + "|".join(map(re.escape, sorted(bases))) + r")\b", re.M)
    for path in _python_paths(side):
        text = side.text(path)
        if text and (attr in text and foreign.search(text) or defined.search(text)):
            return True
    return False


def _script_option(path: str, tree: ast.Module, leaf: str) -> object:
    """`args.<leaf>` in a script as likely to be the entry as the one configuration forensics followed
    (Side.rivals): the effective configuration is the other script's, so only this script's own
    declaration counts, a command-line option (`--gae`/`--gae-lambda` with a literal default) or a field
    of a class in the same file (`gae: bool = True`, tyro/dataclass arguments); UNKNOWN otherwise. Real
    shape (cleanrl, a held-out range): `ppg_procgen.py`'s `if args.gae: ... else:` plain-returns branch
    removed while `--gae` defaults to True, which read as "Done masking removed" (critical)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (declared := declared_option(node)) is not None and declared.dest == leaf:
            if declared.explicit and isinstance(declared.default, ast.Constant):
                return Value(declared.default.value, f"{path}:{node.lineno} option `{leaf}` default")
            return UNKNOWN
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == leaf \
                        and isinstance(stmt.value, ast.Constant):
                    return Value(stmt.value.value, f"{path}:{stmt.lineno} `{node.name}.{leaf}` default")
    return UNKNOWN


def _from_effective(side: Side, name: tuple[str, ...]) -> object | None:
    """The effective configuration's value for the key that ends like `name` (one value, or None)."""
    if side.effective is None:
        return None
    leaf = name[-1]
    keys = [k for k in (*side.effective, *side.computed) if k.rsplit(".", 1)[-1] == leaf]
    if not keys:
        return None
    parts = [p for p in name[1:] if p not in _ROOTS] or [leaf]
    for start in range(len(parts)):  # the longest suffix of the access path that keys end with
        tail = ".".join(parts[start:])
        narrowed = [k for k in keys if k == tail or k.endswith("." + tail)]
        if narrowed:
            keys = narrowed
            break
    if any(k in side.computed for k in keys):
        return UNKNOWN
    values = {repr(side.effective[k]) for k in keys}
    if len(values) != 1 or any(_implicit_option(side, side.where.get(k, "")) or _launch_argument(side.where.get(k, ""))
                               for k in keys):
        return UNKNOWN
    where = side.where.get(keys[0], keys[0])
    if not _DEFAULTS.get() and _assigned_elsewhere(side, leaf, where):
        return UNKNOWN
    if _keyword_elsewhere(side, leaf, where):
        return UNKNOWN
    return Value(side.effective[keys[0]], where)


def _keyword_elsewhere(side: Side, leaf: str, where: str) -> bool:
    """A value configuration forensics read from one call's keyword in code (`Binding(...,
    record_episode_statistics=False)` in one registry module) while another line passes or declares
    the same keyword (the constructor's own `record_episode_statistics=True` default, which every other
    registry module relies on): that one call is not the run's configuration. Real shape: PufferLib,
    where the atari registry's `False` made the episode-statistics branches read as dead for every
    environment."""
    path = where.rpartition(":")[0]
    if not path.endswith(".py"):
        return False
    return _matched_elsewhere(side, leaf, where, re.compile(rf"(?<![\w.]){re.escape(leaf)}\s*=[^=]"))


def _matched_elsewhere(side: Side, leaf: str, where: str, pattern: re.Pattern[str]) -> bool:
    """Whether `pattern` matches a Python file of the side anywhere but on the line `where` names."""
    path, _, line = where.rpartition(":")
    for p in _python_paths(side):
        text = side.text(p)
        if not text or leaf not in text:
            continue
        for m in pattern.finditer(text):
            if not (p == path and str(text.count("\n", 0, m.start()) + 1) == line):
                return True
    return False


def _assigned_elsewhere(side: Side, leaf: str, where: str) -> bool:
    """Whether code assigns the attribute anywhere but at `where` (`args.wandb = None` followed by
    `if args.track: args.wandb = init()`): the effective value is then only one of its values."""
    pattern = re.compile(rf"\.{re.escape(leaf)}\s*=[^=]|setattr\([^)]*['\"]{re.escape(leaf)}['\"]")
    return _matched_elsewhere(side, leaf, where, pattern)


def _launch_argument(where: str) -> bool:
    """A value from a launch command (`train.sh`: `python train.py --use_rnd`): one run among many."""
    path = where.rpartition(":")[0] or where
    return not path.endswith((".py", ".yaml", ".yml", ".json", ".toml"))


def _implicit_option(side: Side, where: str) -> bool:
    """A command-line option without an explicit default (`action="store_true"`, `type=int`): its
    value is chosen when the run starts, so its implicit default proves nothing."""
    path, _, line = where.rpartition(":")
    if not path.endswith(".py") or not line.isdigit():
        return False
    tree = side.tree(path)
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, ast.Call) and node.lineno <= int(line) <= (node.end_lineno or node.lineno)
                and (declared := declared_option(node)) is not None):
            return not declared.explicit
    return False


def _enclosing_function(tree: ast.Module, line: int) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, ast.ClassDef | None]:
    fn: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    cls: ast.ClassDef | None = None
    body: list[ast.stmt] = tree.body
    while True:
        nxt = next((n for n in body if n.lineno <= line <= (getattr(n, "end_lineno", None) or n.lineno)
                    and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)), None)
        if nxt is None:
            return fn, cls
        if isinstance(nxt, ast.ClassDef):
            cls = nxt
        else:
            fn = nxt
        body = nxt.body


def _local_binding(tree: ast.Module, line: int, name: str) -> bool:
    fn, _ = _enclosing_function(tree, line)
    return fn is not None and (name in _params(fn) or any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(fn)))


_LOCAL_DEPTH = contextvars.ContextVar("guards_local_depth", default=0)


def _local_value(side: Side, path: str, tree: ast.Module, line: int, name: str) -> Value | None:
    """Defaults mode: a local flag assigned once, at the top of its function and before `line`, from
    a test the options decide (`pin = device == 'cuda' and cpu_offload` with `cpu_offload=False`);
    None when it is a parameter, is assigned otherwise, or its value is not decided."""
    fn, _ = _enclosing_function(tree, line)
    if fn is None or name in _params(fn) or _LOCAL_DEPTH.get() > 4:
        return None
    stores = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)]
    assigned = [s for s in fn.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name and s.lineno < line]
    if len(stores) != 1 or len(assigned) != 1:
        return None
    token = _LOCAL_DEPTH.set(_LOCAL_DEPTH.get() + 1)
    try:
        truth = Evaluator(side, path, tree, assigned[0].lineno).truth(assigned[0].value)
    finally:
        _LOCAL_DEPTH.reset(token)
    if truth is UNKNOWN:
        return None
    return Value(truth, f"`{ast.unparse(assigned[0])}`, line {assigned[0].lineno}")


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    return [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)]


def _param_default(side: Side, tree: ast.Module, line: int, name: str) -> object:
    """A parameter's literal default, when it is never reassigned and no visible call passes it."""
    fn, cls = _enclosing_function(tree, line)
    if fn is None or name not in _params(fn):
        return UNKNOWN
    if any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(fn)):
        return UNKNOWN
    default = _default_of(fn, name)
    if default is UNKNOWN:
        return UNKNOWN
    callee = cls.name if cls is not None and fn.name == "__init__" else fn.name
    positional = [p.arg for p in (*fn.args.posonlyargs, *fn.args.args)]
    index = positional.index(name) if name in positional else None
    if index is not None and cls is not None and positional and positional[0] in ("self", "cls"):
        index -= 1
    if _DEFAULTS.get():
        if _set_by_a_caller(side, callee, name, index, default):
            return UNKNOWN
    elif not _never_overridden(side, callee, name, index):
        return UNKNOWN
    return Value(default, f"{fn.name}() parameter `{name}`, line {fn.lineno}")


def _set_by_a_caller(side: Side, callee: str, name: str, index: int | None, default: object) -> bool:
    """Whether a visible call passes another literal than the parameter's default: the option is then
    not "off by default" in the runs the repository shows. Real shape (a held-out tianshou range):
    `Collector.collect(..., random=False)` with `if random:` around the random-action mapping, which
    every off-policy example calls as `collect(n_step=..., random=True)` for its warm-up."""
    for node in _callee_mentions(side, callee, runs_only=True):
        if isinstance(node, ast.Call):
            passed = [k.value for k in node.keywords if k.arg == name]
            if index is not None and len(node.args) > index and not any(isinstance(a, ast.Starred) for a in node.args):
                passed.append(node.args[index])
            if any(isinstance(v, ast.Constant) and v.value != default for v in passed):
                return True
    return False


def _callee_mentions(side: Side, callee: str, runs_only: bool = False) -> Iterator[ast.AST | None]:
    """Every mention of `callee` (its calls and other loads, `mentions`) in the side's Python files that
    name it; None for such a file that does not parse (what it does with `callee` is unknown).
    `runs_only`: test files left out. A test turns an option on to exercise it; that shows the option
    exists, not that a run uses it (stable-baselines3-contrib's `test_run_sde` builds `RecurrentPPO(...,
    use_sde=True)`, which made the gSDE branch "on" for every run)."""
    for path in _naming_paths(side, callee):
        if runs_only and out_of_scope_kind(path) == "test":
            continue
        found = _file_mentions(side, path, callee)
        if found is None:
            yield None
        else:
            yield from found


def _naming_paths(side: Side, callee: str) -> Iterator[str]:
    """The side's Python files (`_python_paths`, in order) whose text names `callee` as a word. The text
    search runs once per callee and only as far as a caller reads (the guards ask about each parameter
    of the same callee, and most questions stop at the first mention that is not a plain call): skrl
    1.4.3..2.0.0 spent a twentieth of its run searching every file for the same callees again."""
    paths = _python_paths(side)
    found, searched = side._naming.setdefault(callee, ([], [0]))
    pattern: re.Pattern[str] | None = None
    i = 0
    while True:
        if i < len(found):
            yield found[i]
            i += 1
            continue
        if searched[0] >= len(paths):
            return
        path = paths[searched[0]]
        searched[0] += 1
        text = side.text(path)
        if text is None or callee not in text:
            continue
        pattern = pattern or re.compile(rf"\b{re.escape(callee)}\b")
        if pattern.search(text):
            found.append(path)


def _default_of(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> object:
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True))
    pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
    for param, default in pairs:
        if param.arg == name:
            return default.value if isinstance(default, ast.Constant) else UNKNOWN
    return UNKNOWN


def _never_overridden(side: Side, callee: str, name: str, index: int | None) -> bool:
    """At least one visible call of `callee`, and none passes `name` (by keyword, by position, or
    possibly through `*args`/`**kwargs`); any other mention of `callee` (passed as a value, looked
    up by a registry, an annotation) makes the default unprovable. Once per question and side (the
    side's files do not change; every guard reading the parameter asks again)."""
    key = (callee, name, index)
    hit = side._unpassed.get(key)
    if hit is None:
        hit = side._unpassed[key] = _never_overridden_uncached(side, callee, name, index)
    return hit


def _never_overridden_uncached(side: Side, callee: str, name: str, index: int | None) -> bool:
    calls = 0
    for node in _callee_mentions(side, callee):
        if not isinstance(node, ast.Call):
            return False  # a file that does not parse, or a mention that is not a call
        calls += 1
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None or k.arg == name for k in node.keywords):
            return False
        if index is not None and len(node.args) > index:
            return False
    return calls > 0


def mentions(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Calls by the called name, and other loads of a name or attribute (not a call's callee), in one
    walk per file: the override scan walked every file naming the callee twice per parameter."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    local = _local_loads(tree)
    out: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            key = _name_of(node.func)
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load) and id(node) not in called \
                and id(node) not in local:
            key = _name_of(node)
        else:
            continue
        if key is not None:
            out.setdefault(key, []).append(node)
    return out


def _local_loads(tree: ast.Module) -> set[int]:
    """Loads of a bare name bound in an enclosing function (a parameter or a local variable): they
    read that binding, not a module-level function of the same name. Real shape (PufferLib): a
    shared-memory class's `__init__(self, name=None, create=False, size=0)` tests `if create:`;
    counted as a mention of the training module's `create(...)`, it made every default of that
    function unprovable."""
    out: set[int] = set()

    def bound(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: frozenset[str]) -> frozenset[str]:
        a = fn.args
        names = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x))}
        declared: set[str] = set()
        for node in _own_nodes(fn):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                declared.update(node.names)
        return (scope - declared) | (names - declared)

    def visit(node: ast.AST, scope: frozenset[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                # defaults and decorators are evaluated where the function is defined
                outer = [*child.args.defaults, *(d for d in child.args.kw_defaults if d is not None)]
                if not isinstance(child, ast.Lambda):
                    outer += child.decorator_list
                for node in outer:
                    visit(ast.Expr(node), scope)
                inner = bound(child, scope)
                for stmt in child.body if isinstance(child.body, list) else [child.body]:
                    visit(ast.Module(body=[stmt], type_ignores=[]) if isinstance(stmt, ast.stmt) else ast.Expr(stmt),
                          inner)
            elif isinstance(child, ast.ClassDef):
                visit(child, frozenset())  # a class body does not see its function's locals by name
            else:
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id in scope:
                    out.add(id(child))
                visit(child, scope)

    visit(tree, frozenset())
    return out


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's own body, not those of functions or classes nested in it."""
    work = list(ast.iter_child_nodes(fn))
    while work:
        node = work.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            work.extend(ast.iter_child_nodes(node))


def _file_mentions(side: Side, path: str, name: str) -> list[ast.AST] | None:
    """`mentions(tree)[name]` of one file, cached on the side; None when the file does not parse."""
    key = (path, name)
    if key not in side._mentions:
        tree = side.tree(path)
        side._mentions[key] = mentions_of(tree, name) if tree is not None else None
    return side._mentions[key]


def mentions_of(tree: ast.Module, name: str) -> list[ast.AST]:
    """`mentions(tree).get(name, [])`, in one walk, and the scopes of the file's functions read only
    when a bare name `name` is loaded (a local of that name is no mention): on a large range the full
    index of every file naming a callee, its scope analysis above all, was half of the ranking step,
    for the few names asked."""
    called: set[int] = set()
    out: list[ast.AST] = []
    bare = False
    for node in ast.walk(tree):  # breadth first: a call is seen before its callee expression
        if isinstance(node, ast.Call):
            called.add(id(node.func))
            if _name_of(node.func) == name:
                out.append(node)
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load) and id(node) not in called \
                and _name_of(node) == name:
            out.append(node)
            bare = bare or isinstance(node, ast.Name)
    if not bare:
        return out
    local = _local_loads(tree)
    return [n for n in out if id(n) not in local]


def _name_of(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _python_paths(side: Side) -> list[str]:
    side.prefetch()
    return [p for p in side.paths if p.endswith(".py")][:_SCAN_LIMIT]


def _module_constant(side: Side, path: str, tree: ast.Module, name: str) -> object:
    """A module-level literal assigned once and never rebound (`global`, another assignment)."""
    values = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global) and name in node.names:
            return UNKNOWN
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign | ast.AugAssign) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id == name:
                values.append(node)
    if not values:
        return ABSENT if not _imported(tree, name) else UNKNOWN
    if len(values) != 1 or values[0] not in tree.body:
        return UNKNOWN
    node = values[0]
    assigned = getattr(node, "value", None)
    if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(assigned, ast.Constant):
        return UNKNOWN
    if _mentioned_as_override(side, name, exclude=path):
        return UNKNOWN
    return Value(assigned.value, f"{path}:{node.lineno}")


def _imported(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, ast.ImportFrom | ast.Import) and any((a.asname or a.name).split(".")[0] == name for a in n.names)
               for n in ast.walk(tree))


def _self_attribute(side: Side, path: str, tree: ast.Module, line: int, attr: str) -> object:
    """`self.attr` of the enclosing class: one literal every assignment agrees on, or an `__init__`
    parameter copied unchanged whose default is never overridden."""
    _, cls = _enclosing_function(tree, line)
    if cls is None:
        return UNKNOWN
    assigned = [n for n in ast.walk(cls) if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign)
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name) and t.value.id == "self"]
    if not assigned:
        return ABSENT
    if any(isinstance(n, ast.AugAssign) for n in assigned):
        return UNKNOWN
    values = [n.value for n in assigned]
    if all(isinstance(v, ast.Constant) for v in values):
        literals = {repr(v.value) for v in values}  # type: ignore[union-attr]
        if len(literals) == 1 and not _mentioned_as_override(side, attr, exclude=None, setattr_only=True,
                                                             allowed=len(assigned)):
            return Value(values[0].value, f"{path}:{assigned[0].lineno}")  # type: ignore[union-attr]
        return UNKNOWN
    if len(values) == 1 and isinstance(values[0], ast.Name):
        init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is not None and init.lineno <= assigned[0].lineno <= (init.end_lineno or init.lineno):
            return _param_default(side, tree, assigned[0].lineno, values[0].id)
    if len(values) == 1 and _DEFAULTS.get():
        return _read_default(side, values[0], attr, f"{path}:{assigned[0].lineno}")
    return UNKNOWN


def _read_default(side: Side, value: ast.expr | None, attr: str, where: str) -> object:
    """Defaults mode: `cfg.get('K', False)` / `kwargs.pop('K', None)` / `getattr(obj, 'K', False)`
    stored in `self.X` reads an on/off option whose declared default is the literal, when no
    configuration file names `K` and no other Python code than this read writes it. Real shape
    (rl_games v1.6.0..v1.6.1): `self.normalize_rms_advantage = config.get('normalize_rms_advantage',
    False)`, and the advantage normaliser's class changed under `if self.normalize_advantage and
    self.normalize_rms_advantage:`: it matters only to runs that set the option."""
    if not isinstance(value, ast.Call) or len(value.args) < 2 or value.keywords:
        return UNKNOWN
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr in ("get", "pop") and len(value.args) == 2:
        key, default = value.args
    elif isinstance(func, ast.Name) and func.id == "getattr" and len(value.args) == 3:
        key, default = value.args[1:]
    else:
        return UNKNOWN
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(default, ast.Constant)
            and (default.value is None or isinstance(default.value, bool))):
        return UNKNOWN
    # the read itself names the key once (and its own store, when the attribute has the key's name)
    if _mentioned_as_override(side, key.value, exclude=None, setattr_only=True, allowed=1 + (attr == key.value)):
        return UNKNOWN
    return Value(default.value, f"{where} (`{ast.unparse(value)}`, a default no configuration file overrides)")


def _attribute_default(side: Side, attr: str) -> object:
    """Defaults mode: the one literal that every `<object>.attr = ...` of the tree stores, leaving out
    the stores inside branches that only a configuration key or selector value new in this range takes
    (`_new_case`); UNKNOWN unless at least one store was left out that way (otherwise `_self_attribute`
    judges). Real shape (rl_games): `A2CBase.__init__` sets `self.has_phasic_policy_gradients = False`,
    each agent sets it to True under `if 'phasic_policy_gradients' in self.config:`, a key only new
    configuration files have; `if self.has_phasic_policy_gradients:` is off by default. A store of
    anything but a literal, an augmented store or the name as a string (`getattr(self, 'attr')`)
    anywhere makes it UNKNOWN."""
    key = ("<stored anywhere> " + attr, True)
    if key in side._defaults:
        return side._defaults[key]
    side._defaults[key] = UNKNOWN  # while computing: a new-case test that reads `attr` again is unknown
    store = re.compile(rf"\.{re.escape(attr)}\s*=[^=]")
    quoted = re.compile(rf"['\"]{re.escape(attr)}['\"]")
    literals: dict[str, tuple[object, str]] = {}
    left_out = 0
    for path in _python_paths(side):
        text = side.text(path)
        if not text or attr not in text:
            continue
        if quoted.search(text):
            return UNKNOWN
        tree = side.tree(path) if store.search(text) else None
        if tree is None:
            if store.search(text):
                return UNKNOWN
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Attribute) and t.attr == attr for t in targets):
                continue
            if _only_new_cases(side, path, tree, node.lineno):
                left_out += 1
                continue
            value = getattr(node, "value", None)
            if isinstance(node, ast.AugAssign) or not isinstance(value, ast.Constant):
                return UNKNOWN
            literals.setdefault(repr(value.value), (value.value, f"{path}:{node.lineno}"))
    if left_out and len(literals) == 1:
        literal, where = next(iter(literals.values()))
        side._defaults[key] = Value(literal, where)
    return side._defaults[key]


def _only_new_cases(side: Side, path: str, tree: ast.Module, line: int) -> bool:
    """`path:line` lies in a branch that only a new configuration key or selector value takes."""
    for node, taken in enclosing_branches(tree, line):
        decided = Evaluator(side, path, tree, node.lineno)._new_case(node.test)
        if decided is not None and decided is not taken:
            return True
    return False


@dataclass(frozen=True)
class Declaration:
    """One declaration of a name in a file: a class-body field (`lr: float = 3e-4`, dataclass or
    pydantic) or an argparse option (`add_argument("--lr", default=...)`)."""

    kind: str  # field | option
    value: ast.expr | None  # the field's value, the option's `default=`
    lineno: int


def declarations(tree: ast.Module) -> dict[str, list[Declaration]]:
    """Every field and option a module declares, by name, in `ast.walk` order: one walk per file
    (looking each guard attribute up walked every file that mentions it, once per attribute)."""
    out: dict[str, list[Declaration]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    out.setdefault(stmt.target.id, []).append(Declaration("field", stmt.value, stmt.lineno))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
            flags = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            dest = next((k.value.value for k in node.keywords if k.arg == "dest" and isinstance(k.value, ast.Constant)), None)
            names = {dest} if dest else {f.lstrip("-").replace("-", "_") for f in flags}
            default = next((k.value for k in node.keywords if k.arg == "default"), None)
            for name in names:
                if isinstance(name, str):
                    out.setdefault(name, []).append(Declaration("option", default, node.lineno))
    return out


def _file_declarations(side: Side, path: str) -> dict[str, list[Declaration]] | None:
    """`declarations` of one file, cached on the side; None when the file does not parse."""
    if path not in side._declarations:
        tree = side.tree(path)
        side._declarations[path] = declarations(tree) if tree is not None else None
    return side._declarations[path]


def _declared_default(side: Side, attr: str) -> object:
    """A dataclass/pydantic field default or an argparse default named `attr`, when every
    declaration agrees and nothing else in the tree (a config file, a keyword, an assignment, a
    command-line flag) could set it. Cached per side and mode (the side's files do not change)."""
    key = (attr, _DEFAULTS.get())
    if key not in side._defaults:
        side._defaults[key] = _declared_default_uncached(side, attr)
    return side._defaults[key]


def _declared_default_uncached(side: Side, attr: str) -> object:
    found: list[Value] = []
    for path in _python_paths(side):
        text = side.text(path)
        if text is None or attr not in text:
            continue
        declared = _file_declarations(side, path)
        if declared is None:
            return UNKNOWN
        for decl in declared.get(attr, ()):
            constant = decl.value if isinstance(decl.value, ast.Constant) else None
            if constant is not None and (decl.kind == "field" or _DEFAULTS.get()):
                found.append(Value(constant.value, f"{path}:{decl.lineno}"))
            else:
                return UNKNOWN  # a computed field default, or a command-line option chosen at run time
    if not found or len({repr(v.value) for v in found}) != 1:
        return UNKNOWN if found else ABSENT
    if not _DEFAULTS.get() and _mentioned_as_override(side, attr, exclude=None):
        return UNKNOWN
    if _DEFAULTS.get() and not codedefault.configured(side, attr, repr(found[0].value), "")[0]:
        return UNKNOWN  # a shipped configuration file sets the field to another value: its runs take that one
    return found[0]


def _mentioned_as_override(side: Side, name: str, exclude: str | None, setattr_only: bool = False,
                           allowed: int = 0) -> bool:
    """Whether anything could set `name` besides its declaration: a key in a configuration file, a
    keyword argument, an attribute assignment, a command-line flag (more than `allowed` such
    mentions in Python: the assignments already judged). Text-level and conservative."""
    flag = rf"--{re.escape(name).replace('_', '[-_]')}\b"
    if setattr_only:
        python = re.compile(rf"\.{re.escape(name)}\s*=[^=]|['\"]{re.escape(name)}['\"]")
    else:
        python = re.compile(rf"(?<![\w.]){re.escape(name)}\s*=[^=]|\.{re.escape(name)}\s*=[^=]"
                            rf"|['\"]{re.escape(name)}['\"]|{flag}")
    loose = re.compile(rf"(?<![\w-]){re.escape(name)}\b|{flag}")
    hits = 0
    side.prefetch()
    for path in side.paths[:_SCAN_LIMIT * 2]:
        if path == exclude:
            continue
        if path.endswith(".py"):
            text = side.text(path)
            if text and name in text:
                hits += sum(1 for _ in python.finditer(text))
        elif path.endswith(_CONFIG_SUFFIXES) or "/" not in path and path.endswith(".txt"):
            text = side.text(path)
            if text and name in text and loose.search(text):
                return True
    return hits > allowed


# ---------------------------------------------------------------------------------------------
# Dead branches at one commit


def dead_guard(side: Side, path: str, line: int) -> Guard | None:
    """Why `path:line` never runs at this commit, or None when it may."""
    if not path.endswith(".py"):
        return None
    tree = side.tree(path)
    if tree is None:
        return None
    branches: list[tuple[ast.If | ast.IfExp, bool]] = [*enclosing_branches(tree, line), *enclosing_arms(tree, line)]
    for node, taken in branches:
        if _is_main_guard(node.test):
            if taken and side.entry and side.entry != path and path not in side.rivals:
                return Guard(f'under `if __name__ == "__main__":` of `{path}` (line {node.lineno}), which is not '
                             f"the training entry point (`{side.entry}`)", path=path, lineno=node.lineno)
            continue
        ev = Evaluator(side, path, tree, node.lineno)
        truth = ev.truth(node.test)
        if truth is UNKNOWN or truth is taken:
            continue
        flags = tuple(ev.used)
        shown = ast.unparse(node.test)
        values = ", ".join(v.where if n[0] == NEW_CASE else f"`{'.'.join(n)}` = {v.value!r} ({v.where})"
                           for n, v in ev.used.items())
        branch = "" if taken else "the else-branch of "
        if isinstance(node, ast.IfExp):
            branch, shown = ("the arm `... if ", f"{shown} else ...`") if taken else \
                ("the else-arm of `... if ", f"{shown} else ...`")
        function, owner = _enclosing_function(tree, node.lineno)
        said = f"{branch}{shown}" if isinstance(node, ast.IfExp) else f"{branch}`if {shown}:`"
        return Guard(f"{said} ({path}:{node.lineno}) never runs: {values or 'constant test'}",
                     flags=flags, wanted=taken, test=node.test, path=path, lineno=node.lineno,
                     owner=owner.name if owner is not None else "", function=function.name if function else "")
    return None


def _other_side_agrees(guard: Guard, other: Side, path: str, removed: bool = False) -> bool:
    """The guard's flags are not on at the other commit: same value, or not defined there. `removed`:
    the guarded code is gone at the other commit, so its test may be gone too: the same test evaluated
    there (its flags' values at that commit) also agrees."""
    if guard.test is None:
        return True
    tree = other.tree(path)
    if tree is None:
        return all(_absent_everywhere(other, n) for n in guard.flags)
    if removed:
        last = max((getattr(n, "end_lineno", 0) or 0 for n in tree.body), default=1)
        truth = Evaluator(other, path, tree, min(guard.lineno, last)).truth(guard.test)
        if truth is not UNKNOWN and truth is not guard.wanted:
            return True
        if path in other.rivals and guard.flags and all(_gone_from_script(other, path, n) for n in guard.flags):
            return True  # a standalone script that dropped the option with the code: nothing turns it on
    # The same test, evaluated at the other commit where the guard line may have moved: re-find it.
    if path not in other._if_tests:  # the first `if` of each test text, in walk order, once per file
        tests: dict[str, ast.If] = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.If):
                tests.setdefault(ast.unparse(n.test), n)
        other._if_tests[path] = tests
    node = other._if_tests[path].get(ast.unparse(guard.test))
    if node is not None:
        truth = Evaluator(other, path, tree, node.lineno).truth(node.test)
        return truth is not UNKNOWN and truth is not guard.wanted
    return all(n[0] == NEW_CASE or _absent_in_class(other, path, tree, guard.owner, n) or _new_parameter(tree, guard, n)
               or _absent_everywhere(other, n) for n in guard.flags)


def _gone_from_script(side: Side, path: str, name: tuple[str, ...]) -> bool:
    """`args.X` neither read nor declared (`--X`, `X:` field) in the script at this commit."""
    if len(name) != 2 or name[0] == "self":
        return False
    leaf = name[-1]
    text = side.text(path) or ""
    return not re.search(rf"\.{re.escape(leaf)}\b|--{re.escape(leaf.replace('_', '-'))}\b|--{re.escape(leaf)}\b"
                         rf"|^\s+{re.escape(leaf)}\s*:", text, re.MULTILINE)


def _new_parameter(tree: ast.Module, guard: Guard, name: tuple[str, ...]) -> bool:
    """A flag that is a parameter of the guard's function, which the same function (same class and
    name, same file) at the other commit does not have: an option new to that function. Real shape:
    CORL's IQL `MLP.__init__` gained `dropout: Optional[float] = None` and `if dropout is not None:
    layers.append(nn.Dropout(dropout))`; the word `dropout` appears in other scripts of the tree, so
    "defined nowhere" could not show the option was new."""
    if len(name) != 1 or not guard.function:
        return False
    scope: list[ast.stmt] = tree.body
    if guard.owner:
        cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == guard.owner), None)
        if cls is None:
            return False
        scope = cls.body
    fn = next((n for n in scope if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == guard.function),
              None)
    if fn is None or fn.args.vararg is not None or fn.args.kwarg is not None:
        return False  # no such function there, or one that takes anything (`**kwargs`)
    return name[0] not in _params(fn) and not any(
        isinstance(n, ast.Name) and n.id == name[0] for n in ast.walk(fn))


def _absent_in_class(side: Side, path: str, tree: ast.Module, owner: str, name: tuple[str, ...]) -> bool:
    """`self.x` of a class that exists at this commit and never sets `x`, nor do its bases (all of
    them in the file, or library bases such as `nn.Module`): the option is new to that class,
    whatever other classes call an option of that name (rsl_rl's distillation gained
    `max_grad_norm=None`; its PPO has always had one)."""
    if not owner or len(name) != 2 or name[0] != "self":
        return False
    classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    work, seen = [owner], set()
    while work:
        cls = classes.get(work.pop())
        if cls is None:
            return False  # a base class defined elsewhere may set it
        if cls.name in seen:
            continue
        seen.add(cls.name)
        if _self_attribute(side, path, tree, cls.body[0].lineno, name[1]) is not ABSENT:
            return False
        work.extend(base.rsplit(".", 1)[-1] for base in map(class_base, cls.bases)
                    if base != "object" and not base.startswith(_LIBRARY_BASES))
    return True


def _absent_everywhere(side: Side, name: tuple[str, ...]) -> bool:
    if side.effective is not None and any(k.rsplit(".", 1)[-1] == name[-1] for k in (*side.effective, *side.computed)):
        return False
    return not any(name[-1] in (side.text(p) or "") for p in _python_paths(side))


# ---------------------------------------------------------------------------------------------
# Applying the rule to findings


def is_code_finding(f: Finding) -> bool:
    kinds = {e.kind for e in f.evidence}
    return bool(f.locations) and EvidenceKind.code in kinds and EvidenceKind.config not in kinds and all(
        loc.path.endswith(".py") for loc in f.locations)


def dead_reason(f: Finding, sides: dict[str, Side]) -> str | None:
    """Why finding `f` has no behavioural effect (every location is in a dead branch), or None."""
    if not is_code_finding(f):
        return None
    removed = _removed_lines(f)
    if removed:
        return _removed_dead_reason(f, removed, sides)
    reasons: list[str] = []
    for loc in f.locations:
        side, other = sides[loc.side], sides["candidate" if loc.side == "baseline" else "baseline"]
        if loc.line is None:
            return None
        guard = dead_guard(side, loc.path, loc.line)
        if guard is None or not _other_side_agrees(guard, other, _other_path(f, loc)):
            return None
        reasons.append(f"{loc.side}: {guard.reason}")
    unique = list(dict.fromkeys(r.split(": ", 1)[1] for r in reasons))
    both = len(unique) == 1 and len(reasons) == 2
    return ("dead branch at both commits: " + unique[0]) if both else "dead branch: " + "; ".join(reasons)


def _removed_lines(f: Finding) -> list[int]:
    """The baseline lines of a finding about removed code only (flow/analyzer.py records them)."""
    for e in f.evidence:
        lines = (e.details or {}).get("removed_lines")
        if isinstance(lines, list) and lines and all(isinstance(n, int) for n in lines):
            return lines
    return []


def _removed_dead_reason(f: Finding, lines: list[int], sides: dict[str, Side]) -> str | None:
    """Removed code whose every statement lay in a branch that never ran at the baseline, on a flag
    the candidate does not turn on either: nothing that ran was removed. Real shape (PufferLib):
    `create(..., policy_pool=False)` dropped `if policy_pool: policy = PolicyPool(...)` along with the
    parameter, and no call in the tree passed it. The candidate's location is only where the code
    used to be, so the per-location rule cannot judge it."""
    reasons = _removed_guard_reasons(f, lines, sides, with_test=False)
    return "removed code that never ran at the baseline: " + "; ".join(reasons) if reasons else None


def off_by_default_reason(f: Finding, sides: dict[str, Side]) -> str | None:
    """Why finding `f` matters only to runs that set an option: every candidate-side location is in
    a branch its option's default keeps off, and the option is new or off by default at the
    baseline too. None when that cannot be shown (then the finding keeps its severity)."""
    if not is_code_finding(f) or f.severity.weight <= 1:
        return None
    token = _DEFAULTS.set(True)
    try:
        removed = _removed_lines(f)
        if removed:
            return _removed_default_off(f, removed, sides)
        reasons: list[str] = []
        for loc in _candidate_statements(f):
            if loc.line is None:
                return None
            guard = _default_off(sides, loc.path, loc.line, _other_path(f, loc))
            if guard is None and (said := _conditional_default(sides, f, loc)) is not None:
                reasons.append(said)
                continue
            if guard is None:
                chains = _reached_by(f)
                if not chains:
                    callers = _called_only_when_set(sides, loc.path, loc.line)
                    if callers is None:
                        return None
                    reasons.append(callers)
                    continue
                for chain in chains:  # each feature runs only if every call on its way runs
                    found = next(((path, line, g) for path, line in chain
                                  if (g := _default_off(sides, path, line, path)) is not None), None)
                    if found is None:
                        return None
                    reasons.append(f"it runs through {found[0]}:{found[1]}, and {found[2].reason}")
                continue
            reasons.append(guard.reason)
        return "; ".join(dict.fromkeys(reasons)) or None
    finally:
        _DEFAULTS.reset(token)


_CALLER_DEPTH = 2  # callers of callers looked at: a helper of a helper of the option's branch
# Decorators that keep a function called by its name (any other may register it under another name).
_PLAIN_DECORATORS = {"staticmethod", "classmethod", "jit", "njit", "no_grad", "inference_mode", "lru_cache",
                     "cache", "cached_property", "wraps", "partial", "checkpoint", "vmap", "pmap"}


def _called_only_when_set(sides: dict[str, Side], path: str, line: int, depth: int = 0,
                          seen: frozenset[tuple[str, str]] = frozenset()) -> str | None:
    """Defaults mode: why candidate `path:line` runs only when an option is set although no branch of its
    own function guards it: the function (a module-level function or a private `_method`) is called only
    from places that a default keeps off (`_default_off`), or from functions that are themselves called
    only from such places (up to `_CALLER_DEPTH` callers up). Test files are no callers (a test turns the
    option on to exercise it); any other mention of the name (passed as a value, a registry entry, an
    import under another name, a decorator that may register it) or no visible call at all (a library's
    public API) leaves the question open, and a call from a place that runs by default keeps the severity.

    Real shape (sheeprl 62b3da0f..33b63668, sheeprl/utils/utils.py:304-313): new helpers `safetanh` /
    `safeatanh` (`y = x.tanh()`), called only by `PPOActor._tanh_normal` (sheeprl/algos/ppo/agent.py:194),
    which runs only under `elif self.distribution == "tanh_normal":` (agent.py:217, 278, 310), a value no
    configuration selects (`distribution.type` defaults to `auto`, the baseline's Normal): "Nonlinearity
    changed: - -> tanh", significant, #2 of the range, for a distribution no run used."""
    side = sides["candidate"]
    tree = side.tree(path) if path.endswith(".py") else None
    if tree is None:
        return None
    fn, cls = _enclosing_function(tree, line)
    if fn is None or (path, fn.name) in seen or fn.name.startswith("__") or (
            cls is not None and not fn.name.startswith("_")):  # a public method may be a framework's hook
        return None
    if any(_decorator_name(d) not in _PLAIN_DECORATORS for d in fn.decorator_list):
        return None
    sites: list[tuple[str, int]] = []
    for other in _naming_paths(side, fn.name):
        if out_of_scope_kind(other) == "test":
            continue
        found = _file_mentions(side, other, fn.name)
        other_tree = side.tree(other)
        if found is None or other_tree is None or _imported_as_another_name(other_tree, fn.name):
            return None
        for node in found:
            if not isinstance(node, ast.Call):
                return None
            sites.append((other, node.lineno))
    end = getattr(fn, "end_lineno", None) or fn.lineno
    sites = [(p, n) for p, n in sites if not (p == path and fn.lineno <= n <= end)]  # its own recursion
    if not sites:
        return None
    reasons: list[str] = []
    for other, at in sites:
        guard = _default_off(sides, other, at, other)
        if guard is not None:
            reasons.append(guard.reason)
            continue
        if depth >= _CALLER_DEPTH:
            return None
        up = _called_only_when_set(sides, other, at, depth + 1, seen | {(path, fn.name)})
        if up is None:
            return None
        reasons.append(up)
    owner = f"{cls.name}.{fn.name}" if cls is not None else fn.name
    return f"`{owner}` ({path}:{fn.lineno}) is called only where an option keeps it off: " + "; ".join(
        dict.fromkeys(reasons))


def _decorator_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Call):
        node = node.func
    return _name_of(node)


def _imported_as_another_name(tree: ast.Module, name: str) -> bool:
    return any(isinstance(node, ast.ImportFrom) and any(a.name == name and a.asname not in (None, name)
                                                         for a in node.names) for node in ast.walk(tree))


def _removed_default_off(f: Finding, lines: list[int], sides: dict[str, Side]) -> str | None:
    """Defaults mode: removed code whose every statement ran at the baseline only under an option off by
    default there, which the candidate does not turn on either: it mattered only to runs that set the
    option. Real shape (stable-baselines3-contrib v2.3.0..v2.4.0): `if self.use_sde: self.policy.reset_noise(
    self.batch_size)` removed from `RecurrentPPO.train` and `TRPO.train`, `use_sde=False` by default,
    significant "optimizer path" findings; the candidate's location is only where the code used to be, so
    the candidate-side rule cannot judge it (`_removed_dead_reason` is the stricter twin: no call sets it)."""
    reasons = _removed_guard_reasons(f, lines, sides, with_test=True)
    return "; ".join(f"removed code at the baseline: {r}" for r in reasons) if reasons else None


def _removed_guard_reasons(f: Finding, lines: list[int], sides: dict[str, Side], *, with_test: bool) -> list[str]:
    """The distinct reasons the baseline's guards give for every removed line (`with_test`: guards on an
    option's test, the defaults mode), each agreed by the candidate; empty when one line has none."""
    base = f.location_at("baseline")
    if base is None:
        return []
    cand = f.location_at("candidate")
    reasons: list[str] = []
    for line in lines:
        guard = dead_guard(sides["baseline"], base.path, line)
        if guard is None or (with_test and guard.test is None) or not _other_side_agrees(
                guard, sides["candidate"], cand.path if cand else base.path, removed=True):
            return []
        reasons.append(guard.reason)
    return list(dict.fromkeys(reasons))


def _candidate_statements(f: Finding) -> list[Location]:
    """Every candidate-side place of the finding: its locations and those its evidence names (a finding on
    several statements of one function leads with one of them). Real shape (rlkit v0.2.0..v0.2.1): SAC's
    `train_from_torch` led with `alpha = self._alpha`, in the else-branch of an option on by default, and
    was lowered as "runs only when an option is set" while its other statements, changing the Q target,
    run in every run."""
    out: dict[tuple[str, int | None, int | None], Location] = {}
    for loc in [*f.locations, *(loc for e in f.evidence for loc in e.locations)]:
        if loc.side == "candidate":
            out.setdefault((loc.path, loc.line, loc.end_line), loc)
    return list(out.values())


def _conditional_default(sides: dict[str, Side], f: Finding, loc: Location) -> str | None:
    """Why the candidate statement at `loc` computes the baseline's statement by default: it differs
    from it only by conditional expressions `new if flag else old` whose flags the defaults decide
    (the branch they take is the baseline's code) and that the baseline does not turn on either.
    Real shape (PufferLib): `torch.zeros(..., device=self.device)` became `torch.zeros(...,
    device="cpu" if self.cpu_offload else self.device)` with a new `cpu_offload=False`: "Device
    placement changed", significant, for an option no run sets by default."""
    base = f.location_at("baseline")
    if base is None or base.line is None or loc.line is None or not loc.path.endswith(".py") \
            or not base.path.endswith(".py"):
        return None
    side, other = sides["candidate"], sides["baseline"]
    tree, btree = side.tree(loc.path), other.tree(base.path)
    stmt = statement_at(tree, loc.line) if tree is not None else None
    bstmt = statement_at(btree, base.line) if btree is not None else None
    if tree is None or stmt is None or bstmt is None:
        return None
    stmt = local_conditionals(tree, loc.line, stmt)

    def decide(test: ast.expr, line: int) -> tuple[bool | None, str]:
        ev = Evaluator(side, loc.path, tree, line)
        truth = ev.truth(test)
        if truth is UNKNOWN or not ev.used:
            return None, ""
        guard = Guard("", flags=tuple(ev.used), wanted=not truth, test=test, path=loc.path, lineno=line)
        if not _other_side_agrees(guard, other, base.path):
            return None, ""
        return bool(truth), f"{loc.path}:{line}, the baseline's code: " + ", ".join(
            v.where if n[0] == NEW_CASE else f"`{'.'.join(n)}` = {v.value!r} ({v.where})" for n, v in ev.used.items())

    return same_at_default(stmt, [bstmt], decide)


def conditional_default_reason(f: Finding, sides: dict[str, Side]) -> str | None:
    """Why finding `f` matters only to runs that set an option: its one candidate-side statement is
    its baseline statement once the conditional expressions that options decide take their default
    arms (`device=device if not pin else 'cpu'` with `pin` off by default; detectors/conditional.py)."""
    if not is_code_finding(f) or f.severity.weight <= 1:
        return None
    cands = [loc for loc in f.locations if loc.side == "candidate"]
    bases = [loc for loc in f.locations if loc.side == "baseline"]
    if len(cands) != 1 or len(bases) != 1 or cands[0].line is None or bases[0].line is None:
        return None
    side = sides["candidate"]
    path = cands[0].path
    ctree, btree = side.tree(path), sides["baseline"].tree(bases[0].path)
    if ctree is None or btree is None:
        return None
    cstmt = statement_at(ctree, cands[0].line)
    if cstmt is None:
        return None
    cstmt = local_conditionals(ctree, cands[0].line, cstmt)
    base_line = bases[0].line

    def decide(test: ast.expr, line: int) -> tuple[bool | None, str]:
        ev = Evaluator(side, path, ctree, line)
        truth = ev.truth(test)
        if truth is UNKNOWN:
            return None, ""
        return bool(truth), ", ".join(f"`{'.'.join(n)}` = {v.value!r} ({v.where})" for n, v in ev.used.items())

    token = _DEFAULTS.set(True)
    try:
        return same_at_default(cstmt, lambda: simple_statements(btree, base_line), decide)
    finally:
        _DEFAULTS.reset(token)


def _default_off(sides: dict[str, Side], path: str, line: int, other_path: str) -> Guard | None:
    """The guard that keeps candidate `path:line` off by default, on an option the baseline does not
    turn on either; None when there is none."""
    guard = dead_guard(sides["candidate"], path, line)
    if guard is None or guard.test is None or not _other_side_agrees(guard, sides["baseline"], other_path):
        return None
    return guard


def _reached_by(f: Finding) -> list[list[tuple[str, int]]]:
    """Per candidate-side feature, the calls that reach it from the analysed function and its own
    line, when the detector saw it through callees (`base.CALLED_FROM`). Real shape (rl_games): a new
    `PPGAux.train_value` under autocast, reached as `train_actor_critic -> calc_gradients -> if
    self.has_phasic_policy_gradients: self.ppg_aux_loss.train_value(...)`: the callee's own lines
    are under no guard, the last call is."""
    out: list[list[tuple[str, int]]] = []
    for e in f.evidence:
        chains = (e.details or {}).get(CALLED_FROM) or []
        for chain in chains if isinstance(chains, list) else []:
            steps = []
            for where in str(chain).split(" > "):
                path, _, line = where.rpartition(":")
                if not path or not line.isdigit():
                    return []
                steps.append((path, int(line)))
            out.append(steps)
    return out


def _other_path(f: Finding, loc: Location) -> str:
    other = f.location_at("candidate" if loc.side == "baseline" else "baseline")
    return other.path if other else loc.path


def sides_from(changeset: Any, results: dict[str, AnalyzerResult], given: dict[str, str | None] | None = None
               ) -> dict[str, Side]:
    """Both commits' sides, with config forensics' effective configuration and entry when it ran;
    `given`: the entries the user named ("train.py --lr 3e-4"), used when config forensics did not
    publish one (it failed or did not run)."""
    data = results[CONFIG_SOURCE].data if CONFIG_SOURCE in results else {}
    effective = data.get("effective_config") or {}
    where = data.get("effective_where") or {}
    computed = data.get("effective_computed") or {}
    entry = data.get("entry_script") or {}
    rivals = data.get("entry_rivals") or {}
    out = {}
    for label, snapshot in (("baseline", changeset.baseline), ("candidate", changeset.candidate)):
        paths = snapshot.paths()
        script = entry.get(label) or _given_script((given or {}).get(label), paths)
        out[label] = Side(label, snapshot.read_text, paths, effective.get(label) if effective else None,
                          where.get(label, {}), set(computed.get(label, [])), script,
                          frozenset(rivals.get(label) or ()) if entry.get(label) else frozenset(),
                          getattr(snapshot, "prefetch", None), parsed=getattr(snapshot, "parsed_if_cached", None))
    cases = NewCases(Catalog(out["baseline"].paths, out["baseline"].catalog_texts),
                     Catalog(out["candidate"].paths, out["candidate"].catalog_texts))
    for side in out.values():
        side.newcases = cases
    return out


def _given_script(spec: str | None, paths: list[str]) -> str | None:
    """The script of a user-given entry (`tools/train.py --lr 3e-4`), when it is a file of the tree."""
    first = spec.split()[0] if spec and spec.split() else None
    return first if first and first.endswith(".py") and first in paths else None


def apply_guards(results: dict[str, AnalyzerResult], changeset: Any, request: Any = None) -> dict[str, AnalyzerResult]:
    """The results whose code findings lie in dead branches, with those findings moved to no-effect
    (only changed results are returned: they replace the originals). `request`: the investigation
    request, for the entries the user named."""
    if changeset is None:
        return {}
    given = {"baseline": getattr(request, "baseline_entry", None), "candidate": getattr(request, "candidate_entry", None)}
    sides = sides_from(changeset, results, given)
    listed = [f for result in results.values() for f in result.findings]
    verdicts = iter(guard_shares.judged_in_two(listed, lambda f: _verdict(f, sides),
                                               [changeset.baseline, changeset.candidate]))
    changed: dict[str, AnalyzerResult] = {}
    for name, result in results.items():
        kept, dead = [], []
        lowered = False
        for f in result.findings:
            neutral, said, reason, default_off = next(verdicts)
            if neutral:
                dead.append(NoEffectChange(
                    subsystem=f.subsystem, title=f.title, source=f.source, locations=f.locations,
                    details={"was": f.severity.value},
                    reason=("a literal replaced by a configuration read whose code default is the same value: "
                            f"identical at the code default ({said}); a run that sets the key otherwise, on the "
                            "command line or in a file not in the repository, differs")))
                continue
            if said:
                lowered = True  # the finding is rewritten (what the configuration says), not lowered
                f = _said(f, said)
            if reason is None:
                lowered = lowered or default_off is not None
                kept.append(f if default_off is None else _lowered(f, default_off))
            else:
                dead.append(NoEffectChange(subsystem=f.subsystem, title=f.title, reason=reason,
                                           locations=f.locations, source=f.source, details={"was": f.severity.value}))
        if dead or lowered:
            # A hypothesis supported only by dead findings loses that support.
            live = {h for f in kept for h in f.hypotheses}
            kept_ids = {id(f) for f in kept}
            gone = {h for f in result.findings if id(f) not in kept_ids for h in f.hypotheses} - live
            updates = [u for u in result.hypothesis_updates
                       if not (u.hypothesis in gone and u.status is HypothesisStatus.supported)]
            changed[name] = result.model_copy(update={"findings": kept, "no_effect": [*result.no_effect, *dead],
                                                      "hypothesis_updates": updates})
    return changed


def _said(f: Finding, said: str) -> Finding:
    """`f` with what the configuration says about its changed value (a code default set otherwise)."""
    return f.model_copy(update={"rationale": f.rationale + (
        f" The changed value is a configuration read whose code default is the literal it replaced; "
        f"the configuration sets it otherwise: {said}.")})


def _verdict(f: Finding, sides: dict[str, Side]) -> tuple[bool, str, str | None, str | None]:
    """(identical at the code default, what the configuration says, why its branch never runs, why it runs
    only when an option is set) for one finding: all `apply_guards` asks of it, in one place so that a
    forked helper can ask it (`guard_shares`). An unreadable shape counts as live."""
    neutral, said = _at_code_default(f, sides)
    if neutral:
        return True, said, None, None
    if said:
        f = _said(f, said)
    try:
        reason = dead_reason(f, sides)
    except (RecursionError, ValueError, TypeError):
        reason = None
    default_off = None
    if reason is None:
        try:
            default_off = off_by_default_reason(f, sides) or conditional_default_reason(f, sides) \
                or config_conditional_reason(f, sides) or handed_on_default_reason(f, sides) \
                or _single_process(f, sides) or _new_switch(f, sides)
        except (RecursionError, ValueError, TypeError, SyntaxError):
            default_off = None
    return False, said, reason, default_off


def _single_process(f: Finding, sides: dict[str, Side]) -> str | None:
    """Distributed-only plumbing a single-process run does not see (detectors/singleproc.py)."""
    if not is_code_finding(f) or f.severity.weight <= 1:
        return None
    return singleproc.single_process_reason(f, sides)


def _new_switch(f: Finding, sides: dict[str, Side]) -> str | None:
    """A new mode switch declared off in a class body (detectors/newfield.py)."""
    if not is_code_finding(f) or f.severity.weight <= 1:
        return None
    return newfield.new_switch_reason(f, sides)


def config_conditional_reason(f: Finding, sides: dict[str, Side]) -> str | None:
    """Why a configuration value that became a conditional expression on options is still the
    baseline's value by default: a config-forensics finding "changed: L -> `A if opt else B`" whose tests
    the effective options decide (defaults mode: the configuration's and the code's declared defaults)
    so that the arm taken is the literal L itself. Such a change matters only to runs that set the
    options; it is low, and stays as it was when the arm taken differs from L or a test is not decided.

    Real shape (oat v0.2.2..v0.2.3, oat/interface.py:83): `vllm_args.dtype` "bfloat16" -> `'bfloat16' if
    args.bf16 else 'float16' if args.fp16 else 'float32'`, with `OATArgs.bf16: bool = True` (the new fp16
    training option, off by default): "Config `vllm_args.dtype` changed", significant, #1 of the range."""
    if f.severity.weight <= 1 or not f.evidence or f.source != CONFIG_SOURCE:
        return None
    details = f.evidence[0].details or {}
    if details.get("status") != "changed":
        return None
    cand_loc = f.location_at("candidate")
    base_text, cand_text = str(details.get("baseline") or ""), str(details.get("candidate") or "")
    if cand_loc is None or cand_loc.line is None or not cand_loc.path.endswith(".py") \
            or not (cand_text.startswith("`") and cand_text.endswith("`")):
        return None
    try:
        baseline_value = ast.literal_eval(base_text.strip("`"))
        expr = ast.parse(cand_text.strip("`"), mode="eval").body
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(expr, ast.IfExp):
        return None
    side = sides["candidate"]
    said: list[str] = []
    node: ast.expr = expr
    while isinstance(node, ast.IfExp):
        truth = _effective_truth(side, node.test, said)
        if truth is None:
            return None
        node = node.body if truth else node.orelse
    if not (isinstance(node, ast.Constant) and type(node.value) is type(baseline_value) and node.value == baseline_value):
        return None
    return (f"`{f.evidence[0].details.get('key', '')}` is the baseline's {base_text} at the options' defaults ("
            + ", ".join(dict.fromkeys(said)) + "); another value only for runs that set them")


_HANDED_DEPTH = 4  # enclosing options followed up to the run's own construction


def handed_on_default_reason(f: Finding, sides: dict[str, Side]) -> str | None:
    """Why a changed call is the baseline's call in every run that leaves an option at its default: the
    arguments it gained hand on an option of the enclosing class or function (`self.dtype`, `dtype`)
    whose default is written exactly as the callee's own default for that parameter, and every visible
    construction of the enclosing class (call of the enclosing function) leaves that option at its
    default: it omits it, passes the same default, a conditional expression whose option's default
    takes it, or hands on its own enclosing option the same way (up to `_HANDED_DEPTH` levels up).
    With those arguments left out (and positional arguments named after the callee's parameters), the
    call is the baseline's. Any construction passing another value, a callee or an enclosing scope that
    cannot be read, or no visible construction at all, keeps the finding as it was.

    Real shape (xland-minigrid v0.8.0..v0.9.0, training/nn.py:61): `GRU(hidden_dim=self.hidden_dim)` ->
    `GRU(self.hidden_dim, self.dtype, self.param_dtype)`, the flax fields `dtype: Optional[Dtype] = None`,
    `param_dtype: Dtype = jnp.float32` new in `GRU`, `RNNModel` and `ActorCriticRNN` alike, and the training
    scripts building `ActorCriticRNN(..., dtype=jnp.bfloat16 if config.enable_bf16 else None)` with the new
    `enable_bf16: bool = False` (training/train_meta_task.py:118): "Layer changed", significant, #1 of the
    range, for bf16 plumbing no run turns on."""
    if not is_code_finding(f) or f.severity.weight <= 1:
        return None
    cands = [loc for loc in f.locations if loc.side == "candidate"]
    bases = [loc for loc in f.locations if loc.side == "baseline"]
    if len(cands) != 1 or len(bases) != 1 or cands[0].line is None or bases[0].line is None:
        return None
    side, other = sides["candidate"], sides["baseline"]
    path = cands[0].path
    ctree, btree = side.tree(path), other.tree(bases[0].path)
    if ctree is None or btree is None:
        return None
    cstmt, bstmt = statement_at(ctree, cands[0].line), statement_at(btree, bases[0].line)
    if cstmt is None or bstmt is None:
        return None
    token = _DEFAULTS.set(True)
    try:
        reasons: list[str] = []
        dropped = _Normalized(side, lambda call, name, value, default: _inert(
            side, value, path, ctree, call.lineno, default, 0, reasons)).visit(copy.deepcopy(cstmt))
        if not reasons:
            return None
        kept = _Normalized(other, None).visit(copy.deepcopy(bstmt))
        if ast.dump(dropped) != ast.dump(kept):
            return None
    finally:
        _DEFAULTS.reset(token)
    return "arguments handed on at the callee's defaults: " + "; ".join(dict.fromkeys(reasons))


class _Normalized(ast.NodeTransformer):
    """Calls of the project's classes and functions with their positional arguments named after the
    callee's parameters (flax/dataclass fields, `__init__`'s or the function's parameters), keywords in
    parameter order, and the arguments `drop(call, name, value, default)` approves left out."""

    def __init__(self, side: Side, drop: Callable[[ast.Call, str, ast.expr, ast.expr], bool] | None) -> None:
        self.side, self.drop = side, drop

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        params = _signature(self.side, name) if name else None
        if params is None:
            return node
        named = arguments_by_name(node, [p for p, _ in params])
        if named is None:
            return node
        defaults = dict(params)
        keywords = []
        for param, _ in params:
            if param not in named:
                continue
            value, default = named[param], defaults.get(param)
            if self.drop is not None and default is not None and self.drop(node, param, value, default):
                continue
            keywords.append(ast.keyword(arg=param, value=value))
        return ast.Call(func=node.func, args=[], keywords=keywords)


def _signature(side: Side, name: str) -> list[tuple[str, ast.expr | None]] | None:
    """(parameter, default) of the one class or module-level function called `name` in the side's files:
    a class's `__init__` parameters, or its annotated fields (a dataclass or flax module, with no base
    class of the project); None when there is none, several, or it cannot be read."""
    if name not in side._signatures:
        side._signatures[name] = _signature_uncached(side, name)
    return side._signatures[name]


def _signature_uncached(side: Side, name: str) -> list[tuple[str, ast.expr | None]] | None:
    defs: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, ast.Module]] = []
    pattern = re.compile(rf"^\s*(?:async\s+)?(?:class|def)\s+{re.escape(name)}\b", re.MULTILINE)
    for path in _naming_paths(side, name):
        text = side.text(path)
        if not text or not pattern.search(text) or out_of_scope_kind(path) == "test":
            continue
        tree = side.tree(path)
        if tree is None:
            return None
        defs.extend((n, tree) for n in tree.body
                    if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name)
    if len(defs) != 1:
        return None
    node, tree = defs[0]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return _parameters(node, skip_first=False)
    init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is not None:
        return _parameters(init, skip_first=True)
    local = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    if any(isinstance(b, ast.Name) and b.id in local for b in node.bases) or any(
            isinstance(b, ast.Name) and _signature_uncached_is_project_class(side, b.id) for b in node.bases):
        return None  # inherited fields come first
    fields = [(n.target.id, n.value) for n in node.body
              if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and not _class_var(n.annotation)]
    return fields or None


def _signature_uncached_is_project_class(side: Side, name: str) -> bool:
    pattern = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
    return any(pattern.search(side.text(p) or "") for p in _naming_paths(side, name))


def _class_var(annotation: ast.expr) -> bool:
    text = ast.unparse(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar", "InitVar", "dataclasses.InitVar"))


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef, skip_first: bool) -> list[tuple[str, ast.expr | None]] | None:
    if fn.args.vararg is not None or fn.args.kwarg is not None:
        return None
    out = [(p.arg, default) for p, default in parameter_defaults(fn)]
    return out[1:] if skip_first else out


def _inert(side: Side, value: ast.expr, path: str, tree: ast.Module, line: int, default: ast.expr, depth: int,
           reasons: list[str]) -> bool:
    """Whether argument `value` (at `path:line`) hands on an enclosing option whose default is `default`
    (written alike) and that every visible construction leaves at it; the reasons are added to `reasons`."""
    if depth > _HANDED_DEPTH:
        return False
    fn, cls = _enclosing_function(tree, line)
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self" \
            and cls is not None:
        owner, option = cls.name, value.attr
    elif isinstance(value, ast.Name) and fn is not None and cls is None:
        owner, option = fn.name, value.id
    else:
        return False
    params = _signature(side, owner)
    own = dict(params) if params is not None else {}
    if option not in own or own[option] is None or ast.dump(own[option]) != ast.dump(default):  # type: ignore[arg-type]
        return False
    if isinstance(value, ast.Attribute) and _assigned_in_class(cls, option):  # type: ignore[arg-type]
        return False
    found = _left_at_default(side, owner, [p for p, _ in params or []], option, default, depth, reasons)
    if found:
        reasons.append(f"`{ast.unparse(value)}` is `{owner}`'s option `{option}`, default `{ast.unparse(default)}` "
                       f"as the callee's")
    return found


def _assigned_in_class(cls: ast.ClassDef, attr: str) -> bool:
    return any(isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and n.attr == attr
               and isinstance(n.value, ast.Name) and n.value.id == "self" for n in ast.walk(cls))


def _left_at_default(side: Side, owner: str, params: list[str], option: str, default: ast.expr, depth: int,
                     reasons: list[str], seen: frozenset[str] = frozenset()) -> bool:
    """Whether every visible call of `owner` (and of a module-level alias `A = wrap(owner, ...)`) outside
    the tests leaves `option` at `default` (see `handed_on_default_reason`); False when there is none."""
    if owner in seen:
        return False
    calls = 0
    for path in _naming_paths(side, owner):
        if out_of_scope_kind(path) == "test":
            continue
        found = _file_mentions(side, path, owner)
        tree = side.tree(path)
        if found is None or tree is None:
            return False
        for node in found:
            if isinstance(node, ast.Call):
                calls += 1
                named = arguments_by_name(node, params)
                if named is None:
                    return False
                value = named.get(option)
                if value is None or ast.dump(value) == ast.dump(default):
                    continue
                if not _at_default(side, value, path, tree, node.lineno, default, depth, reasons):
                    return False
                continue
            alias = _module_alias(tree, node)
            if alias is None or not _left_at_default(side, alias, params, option, default, depth, reasons,
                                                     seen | {owner}):
                return False
            calls += 1
    return calls > 0


def _at_default(side: Side, value: ast.expr, path: str, tree: ast.Module, line: int, default: ast.expr, depth: int,
                reasons: list[str]) -> bool:
    if isinstance(value, ast.IfExp):
        ev = Evaluator(side, path, tree, line)
        truth = ev.truth(value.test)
        if truth is UNKNOWN or not ev.used:
            return False
        arm = value.body if truth else value.orelse
        if not _at_default(side, arm, path, tree, line, default, depth, reasons):
            return False
        reasons.append(f"`{ast.unparse(value)}` ({path}:{line}) takes `{ast.unparse(arm)}` by default: " + ", ".join(
            v.where if n[0] == NEW_CASE else f"`{'.'.join(n)}` = {v.value!r} ({v.where})" for n, v in ev.used.items()))
        return True
    if ast.dump(value) == ast.dump(default):
        return True
    return _inert(side, value, path, tree, line, default, depth + 1, reasons)


def _module_alias(tree: ast.Module, mention: ast.AST) -> str | None:
    """`A` for a mention that is the first argument of a module-level `A = wrap(mention, ...)` (flax's
    `nn.vmap(RNNModel, ...)`, `nn.remat(Block)`), whose calls build the mentioned class with their own
    arguments; a `partial(...)` that binds arguments itself is no alias."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Call) and stmt.value.args and stmt.value.args[0] is mention \
                and _name_of(stmt.value.func) != "partial":
            return stmt.targets[0].id
    return None


def _effective_truth(side: Side, test: ast.expr, said: list[str]) -> bool | None:
    """A configuration value's test decided by the effective configuration's on/off options alone (a
    dotted name whose leaf is one key with one literal bool or None, set in a Python or configuration file,
    not on a launch command), `not`, `and`/`or`; None when anything is not decided."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _effective_truth(side, test.operand, said)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_effective_truth(side, v, said) for v in test.values]
        stop = isinstance(test.op, ast.Or)
        if any(v is stop for v in values):
            return stop
        return None if any(v is None for v in values) else not stop
    name = _dotted(test)
    if name is None or side.effective is None:
        return None
    keys = [k for k in (*side.effective, *side.computed) if k.rsplit(".", 1)[-1] == name[-1]]
    if not keys or any(k in side.computed for k in keys) or len({repr(side.effective[k]) for k in keys}) != 1:
        return None
    value, where = side.effective[keys[0]], side.where.get(keys[0], keys[0])
    if not (value is None or isinstance(value, bool)) or any(
            _launch_argument(side.where.get(k, "")) or _implicit_option(side, side.where.get(k, "")) for k in keys):
        return None
    said.append(f"`{'.'.join(name)}` = {value!r} ({where})")
    return bool(value)


def _at_code_default(f: Finding, sides: dict[str, Side]) -> tuple[bool, str]:
    """(identical at the code default, what the configuration says) for a detector finding whose
    change is a literal replaced by a configuration read of the same default (detectors/codedefault.py)."""
    details = f.evidence[0].details if f.evidence else {}
    try:
        found = codedefault.verdict(details, sides, {loc.side: loc.path for loc in f.locations})
    except (RecursionError, ValueError, TypeError):
        return False, ""
    return found if found is not None else (False, "")


def _lowered(f: Finding, reason: str) -> Finding:
    """`f` as a low finding: the changed code runs only for runs that turn an option on."""
    note = (f" Low: the changed code runs only when an option is set; by default it does not: {reason} "
            f"(it is {f.severity.value} for runs that set it).")
    return f.model_copy(update={"severity": Severity.low, "rationale": f.rationale + note})
