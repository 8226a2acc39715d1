"""Constructor defaults moved into a configuration dataclass: a default that changed on the way.

Real shape (d3rlpy v1.1.1 -> v2.0.2): every algorithm took its hyperparameters as keyword arguments,
`DDPG(batch_size=100, actor_learning_rate=3e-4, ...)`; v2 moved them into a dataclass of the class's
name with a `Config` suffix, `DDPGConfig(batch_size=256, ...)` (`DDPGConfig(...).create()` builds the
algorithm, whose own constructor now takes the config object). The class pair then shows only that
the keyword parameters were dropped, and the new dataclass is code without a counterpart: the
default mini-batch size, 100 -> 256, was reported nowhere while a hundred findings of the rewrite were.

The shape, judged only where the code shows it:
 - a class `C` of a changed baseline file whose own `__init__` gives literal defaults to at least
   `MIN_SHARED` keyword parameters, and is no field class itself;
 - at the candidate one class `C<suffix>` (`Config`, `Cfg`, `Params`, ...) that the baseline does not
   define, a field class (dataclass / attrs) whose fields, its own and those of its base classes found
   in the candidate (one definition of each name), carry at least half of those parameters by name
   (`MIN_SHARED` at least): the parameters moved there;
 - `C`, where the candidate still defines it, no longer takes the parameter (it is then compared in
   `C.__init__`'s own pair).
Each parameter whose literal default differs from its field's literal default (a `field(default=...)`
or a `default_factory` returning a literal counts; a computed default is not compared) is a change in
what a run that sets nothing gets. Severity: the configuration key rules of the playbooks (keys no rule
covers are low), at most significant: code ported to the new API may pass the value anyway.
"""

from __future__ import annotations

import ast
import re

from investigator.config.severity import rule_for
from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, DetectorOutput, Hit
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.flow.classbody import field_class
from investigator.models import Severity
from investigator.pyast import parameter_defaults

SUFFIXES = ("Config", "Cfg", "Configuration", "Params", "Parameters", "Settings", "Args", "Hparams")
MIN_SHARED = 2
_MAX_BASES = 8
_CLASS = re.compile(r"^class\s+(\w+)", re.MULTILINE)
_NO_VALUE = object()


def _literal(node: ast.expr | None) -> object:
    """The value of a literal expression (`_NO_VALUE` for anything computed)."""
    if node is None:
        return _NO_VALUE
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_VALUE


def _field_default(value: ast.expr | None) -> object:
    """A field's default: a literal, `field(default=lit)`, `field(default_factory=lambda: lit)` or
    `field(default_factory=list|dict|tuple)`; `_NO_VALUE` when computed or absent."""
    if isinstance(value, ast.Call) and (ast.unparse(value.func).rsplit(".", 1)[-1] in ("field", "Field", "ib")):
        for kw in value.keywords:
            if kw.arg == "default":
                return _literal(kw.value)
            if kw.arg == "default_factory":
                if isinstance(kw.value, ast.Lambda):
                    return _literal(kw.value.body)
                if isinstance(kw.value, ast.Name) and kw.value.id in ("list", "dict", "tuple"):
                    return {"list": [], "dict": {}, "tuple": ()}[kw.value.id]
        return _NO_VALUE
    return _literal(value)


def _same(a: object, b: object) -> bool:
    """Equal values (1e-3 == 0.001, [256, 256] == (256, 256)); a bool never equals a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class _Classes:
    """Top-level class definitions of one commit, by name (found textually, parsed on demand)."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self.paths: dict[str, list[str]] = {}
        for path, text in side.texts().items():
            if path.endswith(PY_SUFFIXES):
                for name in dict.fromkeys(_CLASS.findall(text)):
                    self.paths.setdefault(name, []).append(path)

    def one(self, name: str) -> tuple[str, ast.ClassDef] | None:
        """The single definition of `name` (None when absent or defined in several files)."""
        paths = self.paths.get(name, [])
        if len(paths) != 1:
            return None
        module = self.side.module(paths[0])
        found = [s for s in module.tree.body if isinstance(s, ast.ClassDef) and s.name == name] if module else []
        return (paths[0], found[0]) if len(found) == 1 else None

    def fields(self, path: str, cls: ast.ClassDef) -> dict[str, tuple[object, str, int]]:
        """Field name -> (default, path, line), the class's own first, then its bases' in order."""
        out: dict[str, tuple[object, str, int]] = {}
        work, seen = [(path, cls)], {cls.name}
        while work and len(seen) <= _MAX_BASES:
            where, node = work.pop(0)
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    out.setdefault(stmt.target.id, (_field_default(stmt.value), where, stmt.lineno))
            for base in node.bases:
                name = ast.unparse(base.value if isinstance(base, ast.Subscript) else base).rsplit(".", 1)[-1]
                found = self.one(name) if name not in seen else None
                if found is not None:
                    seen.add(name)
                    work.append(found)
        return out


def _own_init(cls: ast.ClassDef) -> ast.FunctionDef | None:
    return next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)


class ConfigClassDefaultsDetector(Detector):
    meta = DetectorMeta(
        id="config_class_defaults",
        title="Constructor defaults moved into a configuration class with other values",
        subsystem="trainer",
        severity=Severity.significant,
        severity_note="the severity of the key's configuration rule, at most significant; keys no rule covers are low",
        rationale=(
            "Hyperparameters that were keyword defaults of a class's constructor now live in a configuration "
            "dataclass; a default that changed on the way changes every run that does not set the value."
        ),
        fix="Pass the baseline's value explicitly to the configuration class, or restore its field default.",
        confidence=0.75,
        costs_anywhere=True,  # a default is read where the object is built, not on a followed flow
    )

    def run(self, ctx: DetectorContext) -> DetectorOutput:
        out = DetectorOutput()
        base_classes: _Classes | None = None
        cand_classes: _Classes | None = None
        for change in ctx.pairs.changes:
            if change.binary or not change.old_path or not change.old_path.endswith(PY_SUFFIXES):
                continue
            module = ctx.pairs.base.module(change.old_path)
            for cls in (s for s in (module.tree.body if module else []) if isinstance(s, ast.ClassDef)):
                init = _own_init(cls)
                if init is None or field_class(cls):
                    continue
                defaults = {p.arg: (v, d.lineno) for p, d in parameter_defaults(init)
                            if d is not None and (v := _literal(d)) is not _NO_VALUE}
                if len(defaults) < MIN_SHARED:
                    continue
                base_classes = base_classes or _Classes(ctx.pairs.base)
                cand_classes = cand_classes or _Classes(ctx.pairs.cand)
                hit = self._class(change.old_path, cls, defaults, base_classes, cand_classes, ctx)
                if hit is not None:
                    out.hits.append(hit)
        return out

    def _class(self, path: str, cls: ast.ClassDef, defaults: dict[str, tuple[object, int]], base: _Classes,
               cand: _Classes, ctx: DetectorContext) -> Hit | None:
        target = next((found for s in SUFFIXES if f"{cls.name}{s}" not in base.paths
                       and (found := cand.one(f"{cls.name}{s}")) is not None and field_class(found[1])), None)
        if target is None:
            return None
        fields = cand.fields(*target)
        shared = [n for n in defaults if n in fields]
        if len(shared) < max(MIN_SHARED, (len(defaults) + 1) // 2):
            return None
        still = cand.one(cls.name)
        still_init = _own_init(still[1]) if still is not None else None
        kept = {p.arg for p, _ in parameter_defaults(still_init)} if still_init is not None else set()
        changed = [n for n in shared if n not in kept and fields[n][0] is not _NO_VALUE
                   and not _same(defaults[n][0], fields[n][0])]
        if not changed:
            return None
        config = target[1].name
        parts = [f"`{n}` {defaults[n][0]!r} → {fields[n][0]!r}" for n in changed]
        first = changed[0]
        severity, subsystem = self._severity(changed, ctx)
        return Hit(
            title=f"Defaults changed moving `{cls.name}`'s parameters into `{config}`: {', '.join(parts)}",
            summary=(f"`{cls.name}.__init__` defaults ({path}) became fields of `{config}` ({target[0]}); "
                     + "; ".join(parts)),
            base=(path, defaults[first][1]), cand=(fields[first][1], fields[first][2]),
            severity=severity, subsystem=subsystem,
            fix=f"Pass {', '.join(f'`{n}={defaults[n][0]!r}`' for n in changed)} to `{config}` to keep the "
                f"baseline's behaviour, or restore the field default(s).",
            details={"class": cls.name, "config_class": config,
                     "changed": {n: [repr(defaults[n][0]), repr(fields[n][0])] for n in changed}},
        )

    def _severity(self, keys: list[str], ctx: DetectorContext) -> tuple[Severity, str | None]:
        """The most severe key rule among the changed keys (interval and cosmetic keys count as low),
        capped at significant; with its playbook's subsystem."""
        best: tuple[Severity, str | None] = (Severity.low, None)
        for key in keys:
            hit = rule_for(key, ctx.playbooks) if ctx.playbooks is not None else None
            if hit is None or hit[1].kind in ("interval", "cosmetic"):
                continue
            severity = min(hit[1].severity, Severity.significant, key=lambda s: s.weight)
            if best[1] is None or severity.weight > best[0].weight:
                best = (severity, hit[0].subsystem)
        return best
