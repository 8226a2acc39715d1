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
from typing import NamedTuple

from investigator.config.severity import rule_for
from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, DetectorOutput, Hit
from investigator.detectors.built import NO_VALUE, Built, FieldMakers, value_of
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.flow.classbody import field_class
from investigator.models import Severity
from investigator.pyast import parameter_defaults

SUFFIXES = ("Config", "Cfg", "Configuration", "Params", "Parameters", "Settings", "Args", "Hparams")
MIN_SHARED = 2
_MAX_BASES = 8
_CLASS = re.compile(r"^class\s+(\w+)", re.MULTILINE)


def _same(a: object, b: object) -> bool:
    """Equal values (1e-3 == 0.001, [256, 256] == (256, 256)); a bool never equals a number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Built) or isinstance(b, Built):
        return (isinstance(a, Built) and isinstance(b, Built) and a.name == b.name
                and _same(a.args, b.args) and _same(dict(a.kwargs), dict(b.kwargs)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _render(value: object) -> str:
    return value.render() if isinstance(value, Built) else repr(value)


class _Classes:
    """Top-level class definitions of one commit, by name (found textually, parsed on demand)."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self.makers = FieldMakers(side)
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
                    out.setdefault(stmt.target.id, (self.makers.default(stmt.value), where, stmt.lineno))
            for base in node.bases:
                name = ast.unparse(base.value if isinstance(base, ast.Subscript) else base).rsplit(".", 1)[-1]
                found = self.one(name) if name not in seen else None
                if found is not None:
                    seen.add(name)
                    work.append(found)
        return out

    def default(self, name: str, key: str) -> object:
        """The default of `key` for an object `name(...)` built without it: the field default of a field
        class `name`, else its `__init__` keyword default (`NO_VALUE` when not found)."""
        found = self.one(name)
        if found is None:
            return NO_VALUE
        if field_class(found[1]):
            return self.fields(*found).get(key, (NO_VALUE, "", 0))[0]
        init = _own_init(found[1])
        defaults = dict(parameter_defaults(init)) if init is not None else {}
        return next((value_of(d) for p, d in defaults.items() if p.arg == key), NO_VALUE)


def _own_init(cls: ast.ClassDef) -> ast.FunctionDef | None:
    return next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)


class _Change(NamedTuple):
    """One parameter whose default changed: its names, both defaults, the text, the keys judged."""

    name: str
    field: str
    old: object
    new: object
    text: str
    keys: list[str]


def _field_names(defaults: dict[str, tuple[object, int]], fields: dict[str, tuple[object, str, int]]) -> dict[str, str]:
    """Parameter -> the field that carries it: the same name, or the one field named `<qualifier>_<name>`
    no other parameter has (`scaler` -> `observation_scaler` beside `action_scaler`, `reward_scaler`)."""
    out = {n: n for n in defaults if n in fields}
    for name in defaults:
        if name in fields:
            continue
        qualified = [f for f in fields if f.endswith(f"_{name}") and f not in defaults and f not in out.values()]
        if len(qualified) == 1:
            out[name] = qualified[0]
    return out


def _compare(name: str, field_name: str, old: object, new: object, base: _Classes, cand: _Classes) -> _Change | None:
    """The change of one default (None when the same or not comparable). Two objects built by one callable
    are compared argument by argument, an argument one side leaves out read as that side's class default:
    `AdamFactory(weight_decay=1e-4)` -> `AdamFactory()` is `weight_decay` 1e-4 -> 0."""
    label = f"`{name}`" if name == field_name else f"`{name}` → `{field_name}`"
    if new is NO_VALUE or old is NO_VALUE:
        return None
    if isinstance(old, Built) and isinstance(new, Built):
        if old.name != new.name or not _same(old.args, new.args):
            return None
        olds, news = dict(old.kwargs), dict(new.kwargs)
        inner = []
        for key in dict.fromkeys([*olds, *news]):
            before = olds[key] if key in olds else base.default(old.name, key)
            after = news[key] if key in news else cand.default(new.name, key)
            if before is NO_VALUE and after is NO_VALUE:
                continue
            if before is NO_VALUE or after is NO_VALUE or not _same(before, after):
                inner.append((key, before, after))
        if not inner:
            return None
        described = ", ".join(f"{k} {'its default' if b is NO_VALUE else _render(b)} → "
                              f"{'its default' if a is NO_VALUE else _render(a)}" for k, b, a in inner)
        return _Change(name, field_name, old, new, f"{label} {old.render()} → {new.render()} ({described})",
                       [f"{field_name}.{k}" for k, _, _ in inner])
    if isinstance(old, Built) or isinstance(new, Built):
        if old is not None and new is not None:
            return None  # a name (`'default'`) against a built object: not comparable here
    elif _same(old, new):
        return None
    return _Change(name, field_name, old, new, f"{label} {_render(old)} → {_render(new)}",
                   list(dict.fromkeys([field_name, name])))


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
                            if d is not None and (v := value_of(d)) is not NO_VALUE}
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
        names = _field_names(defaults, fields)
        if len(names) < max(MIN_SHARED, (len(defaults) + 1) // 2):
            return None
        still = cand.one(cls.name)
        still_init = _own_init(still[1]) if still is not None else None
        kept = {p.arg for p, _ in parameter_defaults(still_init)} if still_init is not None else set()
        changes: list[_Change] = []
        for name, field_name in names.items():
            if name in kept or field_name in kept:
                continue
            change = _compare(name, field_name, defaults[name][0], fields[field_name][0], base, cand)
            if change is not None:
                changes.append(change)
        if not changes:
            return None
        config = target[1].name
        parts = [c.text for c in changes]
        first = changes[0]
        severity, subsystem = self._severity([k for c in changes for k in c.keys], ctx)
        return Hit(
            title=f"Defaults changed moving `{cls.name}`'s parameters into `{config}`: {', '.join(parts)}",
            summary=(f"`{cls.name}.__init__` defaults ({path}) became fields of `{config}` ({target[0]}); "
                     + "; ".join(parts)),
            base=(path, defaults[first.name][1]), cand=(fields[first.field][1], fields[first.field][2]),
            severity=severity, subsystem=subsystem,
            fix=f"Pass {', '.join(f'`{c.field}={_render(c.old)}`' for c in changes)} to `{config}` to keep the "
                f"baseline's behaviour, or restore the field default(s).",
            details={"class": cls.name, "config_class": config,
                     "changed": {c.field: [_render(c.old), _render(c.new)] for c in changes}},
            changed_sites=[(side, where) for c in changes
                           for side, where in (("baseline", (path, defaults[c.name][1])),
                                               ("candidate", (fields[c.field][1], fields[c.field][2])))],
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
