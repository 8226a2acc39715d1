"""Branches that no run of the baseline can take: a new configuration key, a new selector value.

Real shapes (HARL 690fb1d9..06d697fb, the HASAC merge):

* `if "auto_alpha" in algo_args["algo"] and algo_args["algo"]["auto_alpha"]: ... Adam([log_alpha])`:
  only the new algorithm's configuration file (`hasac.yaml`) has the key `auto_alpha`; every
  configuration file of the existing algorithms lacks it, so their runs never take the branch. It was
  "Optimizer changed: `-` -> `Adam([_log_alpha])`", significant.
* `elif env == "lag": return envs.n_agents` added to an `if`/`elif` chain comparing a name with string
  literals: `"lag"` was written nowhere at the baseline (no Python string, no configuration value),
  so no baseline run selects it and the other values' arms behave as before ("sampling path",
  significant).

A *configuration key is off for the existing runs* when no configuration file (YAML/JSON) that
exists at the baseline sets it to a true value, at the baseline or at the candidate (a file of an
existing algorithm that gained `auto_alpha: true` turns it on for that algorithm: then it is not
opt-in). A *value is new* when the baseline has it nowhere: not as a quoted string in a Python file,
not as a word in a configuration or launch file. Anything not shown stays live: these rules only
decide branch tests `"K" in X`, `X.get("K")` and `X == "V"` / `X != "V"` / `X in ("V", ...)`, and
only to make a change low ("opt-in"), never to remove it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from typing import Any

import yaml

_CONFIGS = (".yaml", ".yml", ".json")
_WORD_FILES = (".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".sh")  # where a run may select a value
SUFFIXES = (".py", *_WORD_FILES)  # the files a catalog reads
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILES = 4000  # files read per commit; a larger tree proves nothing (every key and value counts as known)
MAX_BYTES = 2_000_000  # one configuration file larger than this is not parsed (it counts as setting any key it names)


class Catalog:
    """One commit's configuration keys (with their values, per file) and the text of its files, read
    lazily once. `paths` lists the commit's files; `texts()` returns the text of its files with the
    `SUFFIXES` (path -> text), read in one batch."""

    def __init__(self, paths: Iterable[str], texts: Callable[[], dict[str, str]]) -> None:
        self.paths = list(paths)
        self._read = texts
        self._keys: dict[str, list[tuple[str, Any]]] | None = None
        self._values: dict[str, bool] = {}
        self._texts: dict[str, str] | None = None
        self.too_large = sum(p.endswith(SUFFIXES) for p in self.paths) > MAX_FILES

    def _text(self) -> dict[str, str]:
        if self._texts is None:
            self._texts = {} if self.too_large else {p: t for p, t in self._read().items() if p.endswith(SUFFIXES)}
        return self._texts

    def keys(self) -> dict[str, list[tuple[str, Any]]]:
        """key (at any nesting level) -> [(file, value)]; a file that does not parse, or is too large,
        counts as setting every key its text names to a true value (it proves nothing)."""
        if self._keys is None:
            # lenient JSON (ujson-style specs)
            from investigator.config.extractors.structured import json_loads

            out: dict[str, list[tuple[str, Any]]] = {}
            for path, text in self._text().items():
                if not path.endswith(_CONFIGS):
                    continue
                try:
                    if len(text) > MAX_BYTES:
                        raise ValueError("too large")
                    data = json_loads(text) if path.endswith(".json") else list(yaml.load_all(text, Loader=_LOADER))
                except (ValueError, yaml.YAMLError, RecursionError):
                    for word in set(re.findall(r"[A-Za-z_][\w-]*", text)):
                        out.setdefault(word, []).append((path, True))
                    continue
                for key, value in _walk(data):
                    out.setdefault(key, []).append((path, value))
            self._keys = out
        return self._keys

    def files_setting(self, key: str, within: set[str] | None = None) -> list[str]:
        """Configuration files (among `within`, if given) that set `key` to a true value."""
        return sorted({p for p, v in self.keys().get(key, []) if bool(v) and (within is None or p in within)})

    def known_value(self, value: str) -> bool:
        """Whether the commit writes `value` anywhere a run could select it: a quoted string in a Python
        file, a word in a configuration or launch file. A too large tree knows every value."""
        if self.too_large:
            return True
        if value not in self._values:
            quoted = re.compile(r"""(['"])""" + re.escape(value) + r"\1")
            word = re.compile(r"(?<![\w-])" + re.escape(value) + r"(?![\w-])")
            self._values[value] = any(
                (quoted if path.endswith(".py") else word).search(text) for path, text in self._text().items())
        return self._values[value]

    def defines(self, name: str) -> bool:
        """Whether a Python file defines a class or function `name`: a value compared with a type's name
        (`dist.__class__.__name__ == "FixedCategorical"`) is chosen by the code that builds it, not by a run's
        configuration. A too large tree defines every name."""
        if self.too_large:
            return True
        pattern = re.compile(r"^\s*(?:async\s+)?(?:class|def)\s+" + re.escape(name) + r"\b", re.MULTILINE)
        return any(path.endswith(".py") and pattern.search(text) for path, text in self._text().items())

    def selects_value(self, value: str, within: set[str]) -> bool:
        """Whether a file among `within` may select `value` at this commit: a word of a configuration or
        launch file, or a string in a Python file used as a value (`default="lag"`, `env = "lag"`, a
        dict value). Not selecting: an operand of a comparison (the new arms' own tests), an element of
        a list, tuple or set (`choices=[..., "lag"]`), a dict key (a registry `{"lag": LAGLogger}`)."""
        if self.too_large:
            return True
        quoted = re.compile(r"""(['"])""" + re.escape(value) + r"\1")
        # a file name (`environments/lbf.md` in a documentation site's navigation) is no selected value
        word = re.compile(r"(?<![\w-])" + re.escape(value) + r"(?![\w-]|\.\w)")
        for path, text in self._text().items():
            if path not in within:
                continue
            if not path.endswith(".py"):
                if word.search(_COMMENT.sub("", text) if path.endswith(_COMMENTED) else text):
                    return True
            elif quoted.search(text) and _used_as_value(text, value):
                return True
        return False


# a comment of a YAML, TOML, INI or shell file selects nothing: jumanji 1f38fe66..ea23c441's
# `jumanji/training/configs/config.yaml` lists every environment in `- env: snake  # [bin_pack, ..., lbf, ...]`, and
# the new `if cfg.env.name in {"lbf"}:` of `jumanji/training/setup_train.py:97` is taken only by the new `env/lbf.yaml`
_COMMENTED = (".yaml", ".yml", ".toml", ".cfg", ".ini", ".sh")
_COMMENT = re.compile(r"(?:(?<=\s)|^)#.*$", re.MULTILINE)


def _used_as_value(text: str, value: str) -> bool:
    """Whether a Python source uses the string `value` other than as a comparison operand, a collection
    element or a dict key (see `Catalog.selects_value`); a file that does not parse counts as using it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return True
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if not (isinstance(child, ast.Constant) and child.value == value):
                continue
            if isinstance(parent, ast.Compare | ast.List | ast.Tuple | ast.Set) or (
                    isinstance(parent, ast.Dict) and any(k is child for k in parent.keys)):
                continue
            if isinstance(parent, ast.Expr):
                continue  # a bare string statement (a docstring)
            return True
    return False


def _walk(data: Any, depth: int = 0) -> Iterable[tuple[str, Any]]:
    if depth > 30:
        return
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(k, str):
                yield k, v
            yield from _walk(v, depth + 1)
    elif isinstance(data, list):
        for v in data:
            yield from _walk(v, depth + 1)


def membership_key(test: ast.expr) -> tuple[str, bool] | None:
    """(K, negated) for `"K" in X`, `"K" in X.keys()`, `"K" not in X`."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In | ast.NotIn) \
            and isinstance(test.left, ast.Constant) and isinstance(test.left.value, str):
        return test.left.value, isinstance(test.ops[0], ast.NotIn)
    return None


def get_key(test: ast.expr) -> str | None:
    """K for `X.get("K")` or `X.get("K", <false constant>)` read as a truth value."""
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "get" \
            and 1 <= len(test.args) <= 2 and not test.keywords and isinstance(test.args[0], ast.Constant) \
            and isinstance(test.args[0].value, str):
        if len(test.args) == 2 and not (isinstance(test.args[1], ast.Constant) and not test.args[1].value):
            return None
        return test.args[0].value
    return None


def compared_values(test: ast.expr) -> tuple[list[str], bool] | None:
    """(values, negated) for `X == "V"`, `"V" == X`, `X != "V"`, `X in ("V", "W")`, `X not in [...]`,
    where X is not itself a constant."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    op, left, right = test.ops[0], test.left, test.comparators[0]
    if isinstance(op, ast.Eq | ast.NotEq):
        if isinstance(left, ast.Constant) and not isinstance(right, ast.Constant):
            left, right = right, left
        if isinstance(right, ast.Constant) and isinstance(right.value, str) and not isinstance(left, ast.Constant):
            return [right.value], isinstance(op, ast.NotEq)
        return None
    if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.Tuple | ast.List | ast.Set) and right.elts \
            and not isinstance(left, ast.Constant) \
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
        return [str(e.value) for e in right.elts if isinstance(e, ast.Constant)], isinstance(op, ast.NotIn)
    return None


def _option_read(test: ast.expr) -> bool:
    """Whether the compared side of `X == "V"` / `X in (...)` reads an option: a name or an attribute
    chain (`self.distribution`, `cfg.env.name`), no dunder (`x.__class__.__name__`), no call."""
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    side = test.left if not isinstance(test.left, ast.Constant) else test.comparators[0]
    while isinstance(side, ast.Attribute):
        if side.attr.startswith("__"):
            return False
        side = side.value
    return isinstance(side, ast.Name) and not side.id.startswith("__")


# Files whose settings are no training run's: a test's or a document's (a test that sets the key for its own run).
_TESTS_OR_DOCS = re.compile(r"(^|/)(tests?|docs?)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|\.(md|rst|txt|ipynb)$")
_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict, "tuple": tuple}


# Words that name a configuration object (`self.config.agent_proxy`, `cfg`, `args`, `hparams`, `kwargs`): a `.get`
# on anything else (`batch.get("attention_mask")`, `info.get("reward")`) reads data, whose keys code or a library
# sets at run time, not a configuration file.
_CONFIG_WORDS = re.compile(r"(?:^|_)(config|configs|cfg|cfgs|conf|args|params|hparams|hps|opts|options|settings|flags"
                           r"|kwargs|hyperparams|hyperparameters)(?:$|_)", re.IGNORECASE)


def _config_object(node: ast.expr) -> bool:
    """Whether an attribute chain (`self.config.agent_proxy`) names a configuration object (`_CONFIG_WORDS`)."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute) and _CONFIG_WORDS.search(node.attr):
            return True
        node = node.value
    return isinstance(node, ast.Name) and _CONFIG_WORDS.search(node.id) is not None


def _config_read(node: ast.expr) -> tuple[str, object] | None:
    """(K, fallback) for `getattr(X, "K", lit)` (`getattr(X, "K")` is not one: it raises) and `X.get("K", lit)` /
    `X.get("K")` (fallback None), X a configuration object (`_config_object`)."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    args = node.args
    if isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(args) == 3 and _config_object(args[0]):
        key, fallback = args[1], args[2]
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and 1 <= len(args) <= 2 \
            and _config_object(node.func.value):
        key, fallback = args[0], args[1] if len(args) == 2 else ast.Constant(None)
    else:
        return None
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier()):
        return None
    try:
        return key.value, ast.literal_eval(fallback)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def config_reads(fn: ast.AST) -> dict[str, tuple[str, object]]:
    """Locals of `fn` bound exactly once, from a configuration read with a literal fallback (`_config_read`):
    name -> (K, fallback). A name also bound otherwise (a parameter, a second store, a loop target) is left out."""
    stores: dict[str, int] = {}
    reads: dict[str, tuple[str, object]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            stores[node.arg] = stores.get(node.arg, 0) + 2
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = _config_read(node.value)
            if found is not None:
                reads[node.targets[0].id] = found
    return {name: found for name, found in reads.items() if stores.get(name) == 1}


class _Unknown(Exception):
    pass


def _evaluate(node: ast.expr, name: str | None, value: object) -> object:
    """The value of a branch test with `name` (or the configuration read itself, `name` None) read as `value`:
    constants, comparisons, `and`/`or`/`not` (short-circuit, as Python runs them), `isinstance(x, int)`, `bool(x)`,
    `len(x)`. Anything else (another variable, a call, a comparison that raises) is `_Unknown`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id == name or name is None and _config_read(node) is not None:
        return value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_evaluate(e, name, value) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _unary(node, name, value)
    if isinstance(node, ast.BoolOp):
        result: object = None
        for v in node.values:
            result = _evaluate(v, name, value)
            if bool(result) is isinstance(node.op, ast.Or):
                return result
        return result
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, name, value)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, name, value)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return _builtin(node, node.func.id, name, value)
    raise _Unknown


def _unary(node: ast.UnaryOp, name: str | None, value: object) -> object:
    operand = _evaluate(node.operand, name, value)
    try:
        if isinstance(node.op, ast.Not):
            return not operand
        if isinstance(node.op, ast.USub):
            return -operand  # type: ignore[operator]
    except TypeError as exc:
        raise _Unknown from exc
    raise _Unknown


def _builtin(node: ast.Call, func: str, name: str | None, value: object) -> object:
    """`isinstance(x, int)` / `isinstance(x, (int, float))`, `bool(x)`, `len(x)`."""
    if func == "isinstance" and len(node.args) == 2:
        spec = node.args[1]
        names = spec.elts if isinstance(spec, ast.Tuple) else [spec]
        if not all(isinstance(n, ast.Name) and n.id in _TYPES for n in names):
            raise _Unknown
        return isinstance(_evaluate(node.args[0], name, value),
                          tuple(_TYPES[n.id] for n in names if isinstance(n, ast.Name)))
    if func in ("bool", "len") and len(node.args) == 1:
        try:
            return (bool if func == "bool" else len)(_evaluate(node.args[0], name, value))  # type: ignore[arg-type]
        except TypeError as exc:
            raise _Unknown from exc
    raise _Unknown


def _compare(op: ast.cmpop, left: object, right: object) -> bool:
    try:
        if isinstance(op, ast.Is):
            return left is right if right is None or left is None else left == right and type(left) is type(right)
        if isinstance(op, ast.IsNot):
            return not _compare(ast.Is(), left, right)
        if isinstance(op, ast.Eq):
            return bool(left == right)
        if isinstance(op, ast.NotEq):
            return bool(left != right)
        if isinstance(op, ast.Lt):
            return bool(left < right)  # type: ignore[operator]
        if isinstance(op, ast.LtE):
            return bool(left <= right)  # type: ignore[operator]
        if isinstance(op, ast.Gt):
            return bool(left > right)  # type: ignore[operator]
        if isinstance(op, ast.GtE):
            return bool(left >= right)  # type: ignore[operator]
        if isinstance(op, ast.In):
            return left in right  # type: ignore[operator]
        if isinstance(op, ast.NotIn):
            return left not in right  # type: ignore[operator]
    except TypeError as exc:
        raise _Unknown from exc
    raise _Unknown


class NewCases:
    """Decides branch tests for the runs the baseline can make (see the module doc): `truth(test)` is
    False for a test only a new key or a new value satisfies (True for its negation), None when not
    shown. What was used is kept in `keys` / `values` for the finding's wording."""

    def __init__(self, baseline: Catalog, candidate: Catalog) -> None:
        self.baseline, self.candidate = baseline, candidate
        self._existing = set(baseline.paths)
        self.keys: dict[str, list[str]] = {}  # key -> new configuration files that set it
        self.values: set[str] = set()
        self.unselected: set[str] = set()  # values no file of either commit selects (`value_unselected`)
        self._read_values: dict[str, list[object] | None] = {}  # `read_values`
        self.read_tests: dict[str, str] = {}  # test -> why `read_truth` decided it

    def key_off(self, key: str) -> bool:
        if self.baseline.too_large or self.candidate.too_large:
            return False
        if self.baseline.files_setting(key) or self.candidate.files_setting(key, self._existing):
            return False
        self.keys.setdefault(key, [p for p in self.candidate.files_setting(key) if p not in self._existing])
        return True

    def value_new(self, value: str) -> bool:
        if self.baseline.too_large or self.candidate.too_large:
            return False
        if value in self.values:
            return True
        if value and not self.baseline.known_value(value) and not self.candidate.selects_value(value, self._existing):
            self.values.add(value)
            return True
        return False

    def value_unselected(self, value: str) -> bool:
        """Whether no file of either commit selects `value` (`Catalog.selects_value`): it is written only as
        a comparison operand, a `choices` element or a registry key, never as a default, an assignment, a
        keyword or a configuration value. Only a run whose command line names it takes its arms; the
        branch-reachability rule's defaults mode (detectors/guards.py) counts it as off, like a declared
        default a launch command may change, and only to lower a finding. Real shape (sheeprl
        62b3da0f..33b63668): `elif self.distribution == "tanh_normal":` (sheeprl/algos/ppo/agent.py:217, 278,
        310), a value the Dreamer agents already compared with at the baseline but that no configuration
        file sets (`distribution.type: auto`)."""
        if self.baseline.too_large or self.candidate.too_large or not value:
            return False
        if value in self.unselected:
            return True
        if self.baseline.selects_value(value, set(self.baseline.paths)) \
                or self.candidate.selects_value(value, set(self.candidate.paths)) or self.candidate.defines(value):
            return False
        self.unselected.add(value)
        return True

    def read_values(self, key: str) -> list[object] | None:
        """Every value a training run of the candidate can read for `key`: those its configuration files set (a
        test's or a document's aside), or None when some file may set it otherwise: a launch or settings file
        naming it, a Python file naming it outside a `getattr(X, "K", ...)` / `.get("K", ...)` read (a field, a
        keyword, a dict key, a command-line option)."""
        if self.candidate.too_large:
            return None
        if key in self._read_values:
            return self._read_values[key]
        reads = re.compile(r"""(?:getattr\([^()'"]*,\s*|\.get\(\s*)(['"])""" + re.escape(key) + r"\1")
        word = re.compile(r"(?<![\w-])" + re.escape(key) + r"(?![\w-])")
        found: list[object] | None = []
        for path, text in self.candidate._text().items():
            if _TESTS_OR_DOCS.search(path) or path.endswith(_CONFIGS):
                continue
            if word.search(reads.sub("", text) if path.endswith(".py") else text):
                found = None
                break
        if found is not None:
            found = [v for p, v in self.candidate.keys().get(key, []) if not _TESTS_OR_DOCS.search(p)]
        self._read_values[key] = found
        return found

    def read_truth(self, test: ast.expr, reads: dict[str, tuple[str, object]]) -> bool | None:
        """The truth of a test on one configuration read (`max_k` of `max_k = getattr(cfg, "K", None)`, or the
        read itself) when every value the candidate's configuration files set for `K` and the read's fallback give
        it the same one (`read_values`); None otherwise. Real shape (RAGEN 1ddbded2..24b36d76
        `ragen/llm_agent/ctx_manager.py:245`): `if max_k is not None and isinstance(max_k, int) and max_k > 0:` with
        `max_context_window: -1` in `config/base.yaml` and the fallback None: no run of the commit takes it."""
        names = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)} & set(reads)
        inline = [found for n in ast.walk(test) if isinstance(n, ast.expr) and (found := _config_read(n)) is not None]
        if len(names) + len(inline) != 1:
            return None
        name = next(iter(names), None)
        key, fallback = reads[name] if name is not None else inline[0]
        values = self.read_values(key)
        if values is None:
            return None
        truths: set[bool] = set()
        for value in [*values, fallback]:
            try:
                truths.add(bool(_evaluate(test, name, value)))
            except _Unknown:
                return None
        if len(truths) != 1:
            return None
        self.read_tests[ast.unparse(test)] = (
            f"`{key}` is read with the fallback {fallback!r}"
            + (f" and set to {', '.join(dict.fromkeys(map(repr, values)))} by the configuration"
               if values else " and set by no configuration file")
            + f": every such value leaves `{ast.unparse(test)}` {'true' if truths.pop() else 'false'}")
        return bool(_evaluate(test, name, fallback))

    def truth(self, test: ast.expr, unselected: bool = False,
              reads: dict[str, tuple[str, object]] | None = None) -> bool | None:
        """False for a test only a new key or value satisfies (see the class doc); `unselected`: also a
        value no file of either commit selects (`value_unselected`); `reads`: the function's locals bound from a
        configuration read (`config_reads`), decided by `read_truth`."""
        if reads is not None or any(_config_read(n) is not None for n in ast.walk(test) if isinstance(n, ast.expr)):
            decided = self.read_truth(test, reads or {})
            if decided is not None:
                return decided
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand, unselected)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            stop = isinstance(test.op, ast.Or)  # `or` stops at a true value, `and` at a false one
            values = [self.truth(v, unselected) for v in test.values]
            if any(v is stop for v in values):
                return stop
            return None if any(v is None for v in values) else not stop
        member = membership_key(test)
        if member is not None:
            return member[1] if self.key_off(member[0]) else None
        key = get_key(test)
        if key is not None:
            return False if self.key_off(key) else None
        compared = compared_values(test)
        if compared is not None:
            selected, negated = compared
            if all(self.value_new(v) or (unselected and _option_read(test) and self.value_unselected(v))
                   for v in selected):
                return negated
            return None
        return None

    def describe(self, test: ast.expr | None = None) -> str:
        """Why the tests decided so far (or only `test`'s keys and values) are off for baseline runs."""
        named: set[str] | None = None
        if test is not None:
            named = set()
            for node in ast.walk(test):
                if isinstance(node, ast.expr):
                    found = membership_key(node)
                    named.update([found[0]] if found else [])
                    key = get_key(node)
                    named.update([key] if key else [])
                    compared = compared_values(node)
                    named.update(compared[0] if compared else [])
        parts = [why for t, why in self.read_tests.items() if test is None or ast.unparse(test) == t]
        for key, files in self.keys.items():
            if named is not None and key not in named:
                continue
            shown = ", ".join(f"`{f}`" for f in files[:3]) + (f" (+{len(files) - 3} more)" if len(files) > 3 else "")
            parts.append(f"no configuration file of the baseline sets `{key}`"
                         + (f"; only files new in this range do ({shown})" if files else ""))
        for value in sorted(self.values):
            if named is not None and value not in named:
                continue
            parts.append(f"new case for value '{value}': the baseline writes it nowhere (no Python string, no "
                         f"configuration value), so no baseline run selects it and the other values' branches "
                         f"run as before")
        for value in sorted(self.unselected - self.values):
            if named is not None and value not in named:
                continue
            parts.append(f"value '{value}' is selected by no file of either commit (no configuration value, no "
                         f"default or assignment in Python; only comparisons name it): only a run whose command "
                         f"line names it takes this branch")
        return "; ".join(parts)


def unhandled_arms(base_fn: ast.AST, cand_fn: ast.AST) -> dict[str, str]:
    """Arms the candidate adds to an `if`/`elif` chain comparing one subject with string literals, for
    values that failed at the baseline: the baseline's chain on that subject does not compare with the
    value, and a value no arm takes ends in an error there (its last `else` raises, or the chain has no
    `else` and the name every arm assigns, unset before the chain, is read after it: HARL's
    `get_shape_from_act_space` returned an unbound `act_shape` for `MultiDiscrete`). No working
    baseline run selected such a value, so the new arm changes none of them. Test text -> why."""
    base_chains = {subject: chain for subject, chain in _chains(base_fn)}
    out: dict[str, str] = {}
    for subject, chain in _chains(cand_fn):
        before = base_chains.get(subject)
        if before is None:
            continue
        known = {v for node, _ in before for v in (compared_values(node.test) or ([], False))[0]}
        failure = _falls_into_error(base_fn, before)
        if failure is None:
            continue
        for node, (values, negated) in chain:
            if not negated and values and not set(values) & known:
                shown = ", ".join(f"'{v}'" for v in values)
                out[ast.unparse(node.test)] = (f"new case for value {shown}: at the baseline no arm of the chain on "
                                               f"`{subject}` took it and it ended in an error ({failure}), so no "
                                               f"working baseline run selected it")
    return out


def asserted_arms(base_fn: ast.AST, cand_fn: ast.AST) -> dict[str, str]:
    """Tests of `if T: ... else: ...` at the top level of the candidate's function where the baseline's function
    asserted `T` at its top level (and the candidate's asserts it no more): every run the baseline accepted has `T`
    true, so it takes the `if` arm; the `else` arm is for inputs the baseline rejected (an `AssertionError`), new
    capability that changes none of its runs. Test text -> why. Real shape (pomdp-baselines 8d188955..c16ac3db,
    policies/learner.py:195): `assert self.train_env.action_space.__class__.__name__ == "Box"` became `if ... ==
    "Box": <the baseline's continuous setup> else: assert ... == "Discrete"; <a discrete setup>` ("Behavioural
    change in the sampling path: `Learner.init_env`", significant). What the `if` arm itself changes is still
    compared (`flow/analyzer.py` `_opt_in`), and an `if` on a test the baseline did not assert is undecided."""
    def top(fn: ast.AST) -> list[ast.stmt]:
        return list(getattr(fn, "body", []))

    asserted = {ast.unparse(s.test) for s in top(base_fn) if isinstance(s, ast.Assert)}
    still = {ast.unparse(s.test) for s in top(cand_fn) if isinstance(s, ast.Assert)}
    return {ast.unparse(s.test): (f"the baseline asserted `{ast.unparse(s.test)}` here: every run it accepted takes "
                                  f"this arm, the other handles inputs it rejected")
            for s in top(cand_fn) if isinstance(s, ast.If) and s.orelse
            and ast.unparse(s.test) in asserted - still}


def _chains(fn: ast.AST) -> list[tuple[str, list[tuple[ast.If, tuple[list[str], bool]]]]]:
    """`if`/`elif` chains whose tests all compare one subject with string literals (or test it for
    emptiness, `not X`, read as the value ""): (subject, arms)."""
    inner: set[int] = set()
    out = []
    for node in ast.walk(fn):
        if not isinstance(node, ast.If) or id(node) in inner:
            continue
        arms: list[tuple[ast.If, tuple[list[str], bool]]] = []
        cur: ast.If | None = node
        subject = None
        while cur is not None:
            found = compared_values(cur.test)
            test_subject = _subject(cur.test)
            if found is None and isinstance(cur.test, ast.UnaryOp) and isinstance(cur.test.op, ast.Not) \
                    and not isinstance(cur.test.operand, ast.Constant):
                # `if not activation:` (skrl 0.10): the empty value, which every string comparison of the
                # chain misses, like any other value no arm names
                found, test_subject = ([""], False), ast.unparse(cur.test.operand)
            if found is None or test_subject is None or (subject is not None and test_subject != subject):
                break
            subject = test_subject
            arms.append((cur, found))
            inner.add(id(cur))
            cur = cur.orelse[0] if len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If) else None
        if subject is not None and len(arms) >= 2:
            out.append((subject, arms))
    return out


def _subject(test: ast.expr) -> str | None:
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        side = test.left if not isinstance(test.left, ast.Constant) else test.comparators[0]
        return ast.unparse(side)
    return None


def _falls_into_error(fn: ast.AST, arms: list[tuple[ast.If, tuple[list[str], bool]]]) -> str | None:
    """How a value no arm takes fails at this commit, or None when it may run on."""
    last = arms[-1][0]
    if last.orelse:
        return "its `else` raises" if any(isinstance(s, ast.Raise) for s in last.orelse) else None
    assigned = [{t.id for s in node.body for n in ast.walk(s) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name)} for node, _ in arms]
    every = set.intersection(*assigned) if assigned else set()
    first = arms[0][0]
    body = next((b for b in (getattr(p, "body", None) for p in ast.walk(fn)) if isinstance(b, list) and first in b), None)
    if body is None or not every:
        return None
    k = body.index(first)
    set_before = {t.id for s in body[:k] for n in ast.walk(s) if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign)
                  for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
    if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
        set_before |= {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)}
    read_after = {n.id for s in body[k + 1:] for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    unbound = sorted((every - set_before) & read_after)
    return f"`{unbound[0]}` is read unset" if unbound else None
