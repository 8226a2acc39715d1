"""Functions looked up by name in their module: `getattr(module, name_from_config)` and the calls of what it returns.

Real shape (SLM-Lab, held-out 4 `slm-linear-decay-offset`): the exploration and entropy schedules are named
in the experiment spec (`"name": "linear_decay"`), and `VarScheduler.__init__` does
`self._updater = getattr(math_util, self._updater_name)`; `VarScheduler.update` then calls
`self._updater(self.start_val, self.end_val, self.start_step, self.end_step, step)`. No statement names
`linear_decay`, so an edit of its formula stopped at "no caller found" and was reported as no effect.

The rule: a module-level function of module M, with no caller by name, is called by the statements that
call what `getattr(<M's imported name>, <not a string literal>)` returned: the getattr statement itself when
it calls the result straight away, the calls of the local it is bound to in the same function, or the calls
of `self.<attr>` in the methods of the same class when it is stored there. Which function the name selects
is configuration the code does not show, so every function of M is a candidate; the flow then follows the
call's value as for any caller.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex, enclosing_function
from investigator.flow.units import Unit
from investigator.pyast import call_name

GETATTR = re.compile(r"\bgetattr\(\s*([A-Za-z_][\w.]*)\s*,\s*(?![\"'])")


def _module_path(dotted: str) -> str:
    return dotted.lstrip(".").replace(".", "/")


def _names_module(module_dotted: str, path: str) -> bool:
    """`slm_lab.lib.math_util` names `slm_lab/lib/math_util.py` (or a package's `__init__.py`)."""
    stem = _module_path(module_dotted)
    return bool(stem) and (path.endswith(stem + ".py") or path.endswith(stem + "/__init__.py"))


def _getattr_calls(node: ast.AST, alias: str) -> list[ast.Call]:
    return [c for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
            and c.func.id == "getattr" and len(c.args) >= 2 and isinstance(c.args[0], ast.Name | ast.Attribute)
            and ast.unparse(c.args[0]) == alias and not isinstance(c.args[1], ast.Constant)]


def _imported_module(alias: str, imports: dict[str, str]) -> str | None:
    """The dotted module `alias` names: an imported name (`math_util`), or a dotted path below an imported
    package (`mbrl.env.termination_fns` after `import mbrl.planning`)."""
    first, _, rest = alias.partition(".")
    if first not in imports:
        return None
    return f"{imports[first]}.{rest}" if rest else imports[first]


def _calls_of(units: list[Unit], target: str) -> list[Unit]:
    return [u for u in units if any(call_name(c) == target for c in u.calls)]


def _getattr_sites(side: SideIndex) -> list[tuple[str, str, str]]:
    """(path, alias, imported module) of every `getattr(<alias>, <not a string literal>)` of product code
    whose alias names an imported module: computed once per commit (kept on the side index), since a
    range asks it for every function without a caller."""
    cached: list[tuple[str, str, str]] | None = getattr(side, "_getattr_sites", None)
    if cached is None:
        cached = []
        for path, text in side.texts().items():
            if not path.endswith(PY_SUFFIXES) or "getattr(" not in text:
                continue
            aliases = sorted({m.group(1) for m in GETATTR.finditer(text)})
            module = side.module(path) if aliases else None
            if module is not None:
                named = ((a, _imported_module(a, module.imports)) for a in aliases)
                cached.extend((path, a, dotted) for a, dotted in named if dotted is not None)
        side._getattr_sites = cached  # type: ignore[attr-defined]
    return cached


def looked_up_by_name(fn: FunctionInfo, side: SideIndex) -> bool:
    """Some product module does `getattr(<fn's module>, <not a string literal>)`: any module-level function
    of it may be what a configured name selects (for reachability: such a function is not dead code)."""
    if fn.class_name or fn.is_module or fn.name.startswith("_"):
        return False
    return any(_names_module(dotted, fn.path) for _, _, dotted in _getattr_sites(side))


def by_name_callers(fn: FunctionInfo, side: SideIndex, units: Callable[[FunctionInfo], list[Unit]],
                    methods: Callable[[FunctionInfo], list[FunctionInfo]]) -> list[Unit]:
    """The units that call `fn` through `getattr(module, name)` (see the module doc); `units` gives a
    function's units, `methods` the functions of the class a method belongs to."""
    if fn.class_name or fn.is_module or fn.name.startswith("_"):
        return []
    out: list[Unit] = []
    for path, alias, dotted in _getattr_sites(side):
        if not _names_module(dotted, fn.path):
            continue
        module = side.module(path)
        if module is None:
            continue
        text = module.text
        for m in GETATTR.finditer(text):
            if m.group(1) != alias:
                continue
            where = enclosing_function(module, text.count("\n", 0, m.start()) + 1)
            if where is None:
                continue
            for u in units(where):
                found = [c for stmt_part in u.parts for c in _getattr_calls(stmt_part, alias)]
                if found:
                    out.extend(_holders_calls(u, found, where, units, methods))
    return list({id(u): u for u in out}.values())


def _holders_calls(u: Unit, found: list[ast.Call], where: FunctionInfo,
                   units: Callable[[FunctionInfo], list[Unit]],
                   methods: Callable[[FunctionInfo], list[FunctionInfo]]) -> list[Unit]:
    """The statements calling what `getattr` returned in `u`: `u` itself (`getattr(m, n)(x)`), or the calls
    of the name or `self.<attr>` it is assigned to."""
    if any(isinstance(c.func, ast.Call) and c.func in found for c in ast.walk(u.node) if isinstance(c, ast.Call)):
        return [u]
    if not isinstance(u.node, ast.Assign) or len(u.node.targets) != 1 or u.node.value not in found:
        return []
    target = u.node.targets[0]
    if isinstance(target, ast.Name):
        # bound and handed on uncalled (`term_fn = getattr(...)`, returned by `make_env`): the binding carries
        # the function onward as a value, as a function passed on by name does
        return _calls_of(units(where), target.id) or [u]
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        wanted = f"self.{target.attr}"
        return [v for method in methods(where) for v in _calls_of(units(method), wanted)]
    return []


# a package that registers its modules' classes by scanning its own directory: it imports each module by a
# computed name (`__import__(f"{__name__}.{name}")`, `importlib.import_module(...)`) from a directory listing
# and collects their members
_DYNAMIC_IMPORT = re.compile(r"\b(?:__import__|import_module)\(\s*(?![\"'\s])")
_LISTING = re.compile(r"\b(?:listdir|scandir|iter_modules|walk_packages|glob|iglob|iterdir)\(")
_MEMBERS = re.compile(r"\b(?:getmembers|isclass|__subclasses__|vars|dir)\(")


def scanned_by_package(path: str, side: SideIndex) -> bool:
    """The module at `path` is one of its package's plugins: the package's `__init__.py` lists its directory,
    imports each module by a computed name and collects their classes (JORLDY's `core/agent/__init__.py`
    registers every agent class this way; `Agent(config.agent.name)` picks one). Such a class is handed out by
    the registry under a configured name, so no statement names it: for reachability it is in use, as a
    function looked up by `getattr` is."""
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    init = f"{directory}/__init__.py" if directory else "__init__.py"
    module = side.module(init) if path != init else None
    if module is None:
        return False
    text = module.text
    return bool(_DYNAMIC_IMPORT.search(text) and _LISTING.search(text) and _MEMBERS.search(text))
