"""Three facts that keep a change from being filed as "no effect" on a reason the comparison did not show.

A no-effect item is read as verified: its reason must hold for the statements it covers. Three reasons were
said of changes they do not cover:

- "same effects at both commits once local values are expanded": the symbolic comparison skips import
  statements (flow/symbolic.py `_stmt`), so a name an import binds to another module (or to a module the
  repository does not have, caught and replaced by `None`) was "the same" only because it was never compared.
  Real shape: mujoco_playground 462053ac..d5e6b475, mujoco_playground/__init__.py:19: `from
  mujoco_playground._src import wrapper_torch` became `wrapper_torch =
  importlib.import_module("mujoco_playground.rss2025._src.wrapper_torch")` in a try/except that sets it to `None`
  (no such module in the tree: learning/train_rsl_rl.py's `wrapper_torch.RSLRLBraxWrapper` now fails).
  `rebound_imports` finds these statements; the pair is then not filed as restructured.
- "its values reach only logging" (or "reach no loss ...") of a statement that replaces a `raise`: the code of
  that branch used to stop with an error and now runs; where its result goes afterwards (losses returned for a
  progress line) says nothing about what the newly run code does. Real shape: rlgraph 70b14a64..428fc136,
  rlgraph/agents/sac_agent.py:638: `SACAgent.update(batch=...)`'s `raise NotImplementedError` became
  `ret = self.graph_executor.execute((self.root_component.update_from_external_batch, [...]))` (an update step
  on an external batch), filed "reach only logging". `replaces_raise` tells these changes.
- "flow stops: ... dynamic dispatch" then "reach no loss": the flow stopped at a method called on an object
  whose class the code does not show, while the repository has that method by name and its body, followed,
  reaches training. Real shape: AReaL 19fec3bd..4aef98d8, areal/trainer/rl_trainer.py: `PPOTrainer.__init__`
  adds `sm.on_version_recovered(...)` after a checkpoint recovery; `StalenessManager.on_version_recovered`
  (areal/infra/staleness_manager.py, new in the range) resets the rollout capacity the trainer samples with.
  `dispatched_names` lists the method names such stops name, for the caller to follow by name.
- "same effects" of a module whose public top-level values differ: a module's globals are compared only where
  its own functions read them (flow/symbolic.py `_module_globals`), while other files import them or load the
  module by name. Real shape: diffuser c26d1d37..7ea42286, config/locomotion.py:81: the value-function dataset's
  `'normalizer': 'LimitsNormalizer'` -> `'GaussianNormalizer'` and hopper-medium-expert's guide `scale` 0.001 ->
  0.0001 inside the `base` / `hopper_medium_expert_v2` dicts (read through `utils.Parser` loading
  `config.locomotion` by path) were "Restructured code ... same effects". `unread_globals` names them.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator

from investigator.pyast import call_name, import_names, last_name

# `flow/graph.py` `stop_reason`'s words for a method called on an object of unknown class
DISPATCH_STOP = re.compile(r"^`([\w.]+)\(\.\.\.\)`: method of an object whose class is not known statically")
# method names every container, client or stream has: a project method of that name says nothing of the object
COMMON_METHODS = frozenset({
    "get", "put", "post", "add", "append", "extend", "pop", "update", "items", "keys", "values", "copy", "clear",
    "remove", "insert", "setdefault", "join", "split", "format", "read", "write", "close", "send", "recv", "open",
    "start", "stop", "run", "call", "submit", "result", "wait", "info", "debug", "warning", "error", "log",
    "getLogger", "encode", "decode", "strip", "replace", "lower", "upper", "to", "cpu", "cuda", "item", "numpy",
    "reset", "step", "sample", "forward", "save", "load", "apply", "map", "filter", "set", "delete",
})
# Python's builtins (`eval('process_{}'.format(algo))(...)` is no `Runner.eval`) and `nn.Module`'s own methods
# (`model.eval()`, `model.train()`): a project method of such a name is not what the call runs. Real shape:
# DexterousHands bd3b8547..dc41afd1 bidexhands/train.py `eval('process_{}'.format(algo))(args, env, ...)`
COMMON_METHODS |= frozenset(dir(builtins)) | frozenset({
    "train", "eval", "parameters", "named_parameters", "modules", "children", "state_dict", "zero_grad",
    "register_buffer", "half", "float", "double", "requires_grad_", "detach", "clone", "view", "reshape",
})
MAX_BY_NAME = 3
FAILING = re.compile(r"raise|throw|exit|abort|fail|error", re.IGNORECASE)  # definitions of one name followed (more: a generic name, nothing told)


def _module_literal(call: ast.expr) -> str | None:
    """The module a dynamic import names (`importlib.import_module("a.b")`, `__import__("a.b")`)."""
    if not isinstance(call, ast.Call) or not call.args or not isinstance(call.args[0], ast.Constant) \
            or not isinstance(call.args[0].value, str):
        return None
    if last_name(call_name(call)) in ("import_module", "__import__"):
        return call.args[0].value
    return None


def import_bindings(node: ast.AST) -> dict[str, str]:
    """The names one statement binds to modules (or module members): `import a.b as c` -> {c: a.b},
    `from a import b` -> {b: a.b}, `x = importlib.import_module("a.b")` -> {x: a.b}."""
    out = import_names(node)
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        module = _module_literal(node.value)
        if module is not None:
            out[node.targets[0].id] = module
    return out


def _bindings(fn_node: ast.AST) -> dict[str, set[str]]:
    """Every name the function's own statements (nested functions and classes left out; `try` bodies and
    handlers, `if` arms included) bind to a module."""
    out: dict[str, set[str]] = {}
    todo = list(getattr(fn_node, "body", []))
    while todo:
        stmt = todo.pop()
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name, module in import_bindings(stmt).items():
            out.setdefault(name, set()).add(module)
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                todo.append(child)
            elif isinstance(child, ast.ExceptHandler):
                todo.extend(child.body)
    return out


def rebound_imports(changes: list, base_fn: ast.AST, cand_fn: ast.AST) -> list[str]:
    """The names the function binds to one module at the baseline and another at the candidate (`name: old ->
    new`), where a changed statement binds or reads the name: an import the symbolic comparison did not model
    (imports are not statements it compares, flow/units.py). A name imported at one side only (a new
    `import importlib`), or an import path changed where no changed statement touches the name, is not
    counted: the code that reads it is compared where it changed."""
    base, cand = _bindings(base_fn), _bindings(cand_fn)
    touched: set[str] = set()
    for c in changes:
        for unit in (c.base, c.cand):
            if unit is not None:
                touched |= {n.id for n in ast.walk(unit.node) if isinstance(n, ast.Name)}
    return [f"`{n}`: {', '.join(sorted(base[n]))} -> {', '.join(sorted(cand[n]))}"
            for n in sorted(set(base) & set(cand) & touched) if base[n] != cand[n]]


def replaces_raise(change) -> bool:
    """A changed statement whose baseline is a `raise` and whose candidate runs other code in its place: the
    branch that failed now does work. A `raise` that stays one (another message, another class) is not, nor a
    `raise` only removed (a guard relaxed: the code after it was compared and placed as it is)."""
    base, cand = change.base, change.cand
    if base is None or cand is None or not isinstance(base.node, ast.Raise) or isinstance(cand.node, ast.Raise):
        return False
    # `raise e` -> `six.reraise(*exc_info)`, `sys.exit(1)`, `self.fail(...)`: still a failure (planet 27e776cd..
    # c04226b6 planet/training/running.py `Run.__iter__`)
    if isinstance(cand.node, ast.Expr) and isinstance(cand.node.value, ast.Call) \
            and FAILING.search(last_name(call_name(cand.node.value))):
        return False
    return not _raise_moved(base.node, cand.fn)


def _raise_moved(raised: ast.Raise, fn) -> bool:
    """Whether the candidate function calls `self.m(...)` where `m` of its module only raises the same error: an
    abstract hook extracted (d3rlpy 41d80f7a..6e4a5b26 d3rlpy/base.py `LearnableBase.create_impl`: its `raise
    NotImplementedError` moved into the new `_create_impl`, which `create_impl` now calls)."""
    same = ast.dump(raised)
    called = {n.func.attr for n in ast.walk(fn.node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    for other in fn.module.functions.values():
        body = [b for b in getattr(other.node, "body", []) if not (isinstance(b, ast.Expr)
                                                                   and isinstance(b.value, ast.Constant))]
        if other.name in called and len(body) == 1 and ast.dump(body[0]) == same:
            return True
    return False


def dispatched_names(stops: list[str]) -> list[str]:
    """The method names of the dynamic-dispatch stops (`sm.on_version_recovered(...)` ->
    `on_version_recovered`), less names every container or client has."""
    out: list[str] = []
    for stop in stops:
        m = DISPATCH_STOP.match(stop)
        if m is None:
            continue
        name = last_name(m.group(1))
        if name.startswith("__") or name in COMMON_METHODS or name in out:
            continue
        out.append(name)
    return out


def _present(module: str, paths: frozenset[str]) -> bool:
    """Whether a dotted module (or a member of one, `pkg.mod.name`) has a file in the tree."""
    parts = module.split(".")
    for k in (len(parts), len(parts) - 1):
        if k <= 0:
            continue
        stem = "/".join(parts[:k])
        if f"{stem}.py" in paths or f"{stem}/__init__.py" in paths or any(p.startswith(stem + "/") for p in paths
                                                                           if k == len(parts)):
            return True
    return False


def _own_package(module: str, paths: frozenset[str]) -> bool:
    """Whether the module's first component is a package or module of this repository (not a library)."""
    head = module.split(".")[0]
    return bool(head) and (f"{head}.py" in paths or any(p.startswith(head + "/") for p in paths))


def _rebound_imports(base_tree: ast.AST, cand_tree: ast.AST) -> Iterator[tuple[str, str, str]]:
    """(name, old module, new module) for each name a file's top-level code binds to one absolute module at each
    commit, a different one at the candidate (relative imports are resolved against the file's package: not here)."""
    base, cand = _bindings(base_tree), _bindings(cand_tree)
    for name in sorted(set(base) & set(cand)):
        if base[name] == cand[name] or len(cand[name]) != 1 or len(base[name]) != 1:
            continue
        old, new = next(iter(base[name])), next(iter(cand[name]))
        if not old.startswith(".") and not new.startswith("."):
            yield name, old, new


def missing_modules(base_tree: ast.AST, cand_tree: ast.AST, base_paths: frozenset[str],
                    cand_paths: frozenset[str]) -> list[tuple[str, str, str]]:
    """(name, old module, new module) for each name a file's top-level code binds to a module of the
    repository's own package at the baseline and, at the candidate, to another module of that package that the
    candidate tree does not have: the import fails (or a `try`/`except` sets the name to `None`), so whatever
    reads the name breaks. Real shape: mujoco_playground 462053ac..d5e6b475 mujoco_playground/__init__.py:25
    `wrapper_torch = importlib.import_module("mujoco_playground.rss2025._src.wrapper_torch")` (no `rss2025`
    in the tree; `except (ImportError, AttributeError): wrapper_torch = None`)."""
    out: list[tuple[str, str, str]] = []
    for name, old, new in _rebound_imports(base_tree, cand_tree):
        if _own_package(new, cand_paths) and _present(old, base_paths) and not _present(new, cand_paths):
            out.append((name, old, new))
    return out


def _renamed_own(module: str, paths: frozenset[str]) -> str | None:
    """The repository module a dotted module names under another first component (`oldpkg.common.tf_util` when
    the tree has `maddpg/common/tf_util.py`): the path of a package renamed, or None. Needs two components
    after the first, so a one-level `oldlib.util` is not matched to any `*/util.py`."""
    parts = module.split(".")
    if len(parts) < 3:
        return None
    tail = "/".join(parts[1:])
    for p in sorted(paths):
        if p.endswith("/" + tail + ".py") or p.endswith("/" + tail + "/__init__.py"):
            return p
    return None


def repaired_imports(base_tree: ast.AST, cand_tree: ast.AST, base_paths: frozenset[str],
                     cand_paths: frozenset[str], declared: str) -> list[tuple[str, str, str]]:
    """(name, old module, new module) for each name a file's top-level code bound at the baseline to a module
    that is neither in the baseline tree nor a declared dependency (`declared`: the text of requirements, setup
    and pyproject files) while the tree has a module of the same path under the repository's own package, and
    binds at the candidate to a module of the candidate tree: the baseline's import failed (an old package name
    left behind), so the whole file (and every file importing it) failed to load; the candidate loads. Imports
    are not units, so without this the repair is silent. Real shape: maddpg e110c9e2..3ceefa0a
    maddpg/common/distributions.py:3 `import multiagent_rl.common.tf_util as U` -> `import
    maddpg.common.tf_util as U` (the trainer maddpg/trainer/maddpg.py:6 imports `make_pdtype` from it)."""
    out: list[tuple[str, str, str]] = []
    for name, old, new in _rebound_imports(base_tree, cand_tree):
        head = old.split(".")[0]
        if (_present(old, base_paths) or _own_package(old, base_paths)
                or re.search(rf"(?<![\w.-]){re.escape(head)}(?![\w-])", declared)):
            continue  # the baseline's module exists, or a dependency may provide it
        if _renamed_own(old, base_paths) and _own_package(new, cand_paths) and _present(new, cand_paths):
            out.append((name, old, new))
    return out


def module_readers(path: str, texts: dict[str, str]) -> list[tuple[str, int]]:
    """Files (other than `path`) that import the module at `path` by its dotted name, with the line."""
    dotted = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    pattern = re.compile(rf"^[ \t]*(from\s+{re.escape(dotted)}\s+import|import\s+{re.escape(dotted)}\b)",
                         re.MULTILINE)
    out: list[tuple[str, int]] = []
    for p, t in sorted(texts.items()):
        if p == path or not p.endswith(".py"):
            continue
        m = pattern.search(t)
        if m is not None:
            out.append((p, t.count("\n", 0, m.start()) + 1))
    return out


def readers(name: str, package: str, texts: dict[str, str], own: str) -> list[tuple[str, int]]:
    """Files (other than `own`) whose lines import `name` from `package` or read `package.name`."""
    pattern = re.compile(rf"(from\s+{re.escape(package)}\s+import\s+[^\n]*\b{re.escape(name)}\b|"
                         rf"\b{re.escape(package)}\.{re.escape(name)}\b)")
    out: list[tuple[str, int]] = []
    for path, text in texts.items():
        if path == own or not path.endswith(".py"):
            continue
        m = pattern.search(text)
        if m is not None:
            out.append((path, text.count("\n", 0, m.start()) + 1))
    return out


def unread_globals(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    """The public top-level names of a module bound at both commits to values that differ once expanded
    (`Expander.module_values`): what other files read of the module changed, unless nothing imports it."""
    return sorted(n for n in set(base) & set(cand) if base[n] != cand[n])


def module_read_elsewhere(path: str, texts: dict[str, str]) -> bool:
    """Whether another file of the tree names the module: imports it (`from config import locomotion`, `import
    config.locomotion`) or names it as a dotted string (`'config.locomotion'`, loaded by `importlib`). A script
    nothing names keeps its top-level values to itself (purejaxrl d7c78af8..146b4856 `config = {...}` in a
    training script, read by no function: "same effects" stays true there)."""
    dotted = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    stem = dotted.rsplit(".", 1)[-1]
    parent = dotted.rsplit(".", 1)[0] if "." in dotted else ""
    where = re.escape(parent) if parent else r"[\w.]+"
    pattern = re.compile(rf"\b{re.escape(dotted)}\b|^\s*import\s+{re.escape(stem)}\b|"
                         rf"^\s*from\s+{where}\s+import\s+[^\n]*\b{re.escape(stem)}\b", re.MULTILINE)
    return any(p != path and p.endswith(".py") and pattern.search(t) for p, t in texts.items())
