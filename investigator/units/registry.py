"""One registry for every kind of unit: discovery by package, validation at load.

A *unit* is one module's worth of analysis with its metadata beside the code: a code detector, a
metric rule, a config extractor, an analyzer (and the probes to come). Each kind names the package
its units live in; the registry imports every module there (no hand-kept list of modules) and asks
the kind which units a module defines. By default a unit is a class defined in the module with a
`meta` class attribute of the kind's metadata type (`UnitMeta` or a subclass); the registry makes
one instance of it. Adding a kind is one line in `KINDS`: `Kind("probe", "investigator.probes")`.

Validation happens when a kind is loaded, so a unit with bad metadata fails at once with one
message naming it: a module that does not import (a pydantic error in its `meta`), an id used twice
(across all kinds), a subsystem that is not one of the checklist's, a hypothesis that no playbook
declares.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel, Field, ValidationError

from investigator.models import OTHER_SUBSYSTEM, SUBSYSTEMS, Severity


class UnitError(Exception):
    """A unit whose metadata is invalid or inconsistent with the playbooks (one clear message)."""


class UnitMeta(BaseModel):
    """What every unit declares: what it is, why it matters, what to do about what it finds."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    subsystem: str | None = None  # one of models.SUBSYSTEMS or "other"; None: a unit over every subsystem
    severity: Severity | None = None  # default severity of its findings, where it makes findings
    severity_note: str = ""  # when its findings take another severity than the default
    rationale: str = ""
    fix: str = ""
    hypotheses: list[str] = Field(default_factory=list)  # playbook ids "subsystem.hypothesis"
    note: str = ""  # conditions a reader needs: when it is skipped, what refutes its hypotheses
    # Where its output goes among the units of its kind (lower first; ties by id): the report and the
    # merging of findings follow it (the lead of several metric comparisons of one curve comes first).
    order: int = 1000

    def referenced_hypotheses(self) -> list[str]:
        """Every playbook hypothesis the metadata names (validated at load)."""
        return list(self.hypotheses)


Collect = Callable[[ModuleType, type[UnitMeta]], Iterable[object]]


def unit_classes(module: ModuleType, meta_type: type[UnitMeta]) -> list[object]:
    """The default: one instance of each class defined in `module` that carries its own `meta`."""
    found: list[object] = []
    for obj in vars(module).values():
        if (
            inspect.isclass(obj)
            and obj.__module__ == module.__name__
            and isinstance(obj.__dict__.get("meta"), meta_type)
            and not inspect.isabstract(obj)
        ):
            found.append(obj())
    return found


def meta_of(unit: object) -> UnitMeta:
    """A unit's metadata: its `meta` attribute (every kind's collector guarantees one)."""
    meta = getattr(unit, "meta", None)
    if not isinstance(meta, UnitMeta):
        raise UnitError(f"{type(unit).__qualname__} has no unit metadata (`meta`)")
    return meta


@dataclass(frozen=True)
class Kind:
    """A kind of unit: its name, the package its modules live in, and how a module declares units.

    `include` (a regex on the dotted module name) narrows the modules imported when the package
    holds other code too; `meta` names the metadata class its units carry ("module:Class", imported
    when the kind is loaded)."""

    name: str
    package: str
    meta: str = "investigator.units.registry:UnitMeta"
    include: str | None = None
    collect: Collect = unit_classes

    def meta_type(self) -> type[UnitMeta]:
        module, _, name = self.meta.partition(":")
        found = getattr(importlib.import_module(module), name)
        if not (inspect.isclass(found) and issubclass(found, UnitMeta)):
            raise UnitError(f"unit kind {self.name}: {self.meta} is not a UnitMeta class")
        return found


@dataclass(frozen=True)
class Unit:
    kind: str
    meta: UnitMeta
    obj: object = field(repr=False, compare=False)
    module: str = ""
    doc: str = ""  # the module's docstring: the unit's longer description

    @property
    def id(self) -> str:
        return self.meta.id


def _module_names(package: ModuleType, include: str | None) -> list[str]:
    """Every module below `package` (recursively, sorted), found on disk: only the modules that
    `include` selects are imported (walking `investigator` must not import the whole product)."""
    pattern = re.compile(include) if include else None
    names: list[str] = []
    todo = [(path, package.__name__ + ".") for path in package.__path__]
    while todo:
        path, prefix = todo.pop()
        for info in pkgutil.iter_modules([path], prefix):
            if info.ispkg:
                todo.append((str(Path(path) / info.name.rsplit(".", 1)[-1]), info.name + "."))
            if pattern is None or pattern.search(info.name):
                names.append(info.name)
    return sorted(names)


def _import(kind: Kind, name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ValidationError as exc:  # a `meta` that does not validate: name the unit's module
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or exc.title
        raise UnitError(f"{kind.name} unit in {name}: invalid metadata: {where}: {first['msg']}") from None


def discover(kind: Kind) -> list[Unit]:
    """Import every module of the kind's package and collect its units (not cached, not validated
    against the playbooks: see `load`)."""
    package = importlib.import_module(kind.package)
    meta_type = kind.meta_type()
    units: list[Unit] = []
    for name in _module_names(package, kind.include):
        module = _import(kind, name)
        doc = inspect.getdoc(module) or ""
        for obj in kind.collect(module, meta_type):
            units.append(Unit(kind=kind.name, meta=meta_of(obj), obj=obj, module=name, doc=doc))
    return sorted(units, key=lambda u: (u.meta.order, u.meta.id))


@lru_cache(maxsize=4)
def _known_hypotheses(directory: Path | None) -> frozenset[str]:
    from investigator.playbooks_lib.schema import PLAYBOOK_DIR, read_playbooks

    playbooks = read_playbooks(directory or PLAYBOOK_DIR)
    return frozenset(f"{p.subsystem}.{h.id}" for p in playbooks for h in p.hypotheses)


def _close(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def validate(units: list[Unit], hypotheses: frozenset[str] | None = None) -> None:
    """Raise UnitError for the first unit with inconsistent metadata: an id used twice, an unknown
    subsystem, a hypothesis no playbook declares (`hypotheses`: the declared ones; default: the
    playbooks in use)."""
    seen: dict[str, Unit] = {}
    for unit in units:
        meta, where = unit.meta, f"{unit.kind} {unit.id} ({unit.module})"
        if meta.id in seen:
            other = seen[meta.id]
            raise UnitError(f"{where}: id already used by {other.kind} {other.id} ({other.module})")
        seen[meta.id] = unit
        if meta.subsystem is not None and meta.subsystem not in (*SUBSYSTEMS, OTHER_SUBSYSTEM):
            raise UnitError(f"{where}: unknown subsystem {meta.subsystem!r}{_close(meta.subsystem, SUBSYSTEMS)}")
        for hypothesis in meta.referenced_hypotheses():
            known = _known_hypotheses(None) if hypotheses is None else hypotheses
            if hypothesis not in known:
                raise UnitError(f"{where}: unknown hypothesis {hypothesis!r}{_close(hypothesis, known)}; "
                                "hypotheses are declared in playbooks/*.yaml")


# -- the kinds of this project ----------------------------------------------------------------------
def _collect_extractors(module: ModuleType, meta_type: type[UnitMeta]) -> Iterable[object]:
    from investigator.config.extractors.base import collect_extractors

    return collect_extractors(module)


def _collect_analyzers(module: ModuleType, meta_type: type[UnitMeta]) -> Iterable[object]:
    from investigator.analyzers.units import collect_analyzers

    return collect_analyzers(module)


# Every kind, in the order `investigate explain --list` shows them. A new kind is one line here, e.g.
# `Kind("probe", "investigator.probes")`: its units are classes with a `meta = UnitMeta(...)`.
KINDS: tuple[Kind, ...] = (
    Kind("detector", "investigator.detectors.rules", "investigator.detectors.base:DetectorMeta"),
    Kind("metric_rule", "investigator.metrics.rules", "investigator.metrics.rules.base:RuleMeta"),
    Kind("extractor", "investigator.config.extractors", collect=_collect_extractors),
    # analyzers live beside their stage (`config/analyzer.py`, ...) and in `analyzers/`
    Kind("analyzer", "investigator", include=r"^investigator\.(analyzers\.\w+|\w+\.analyzer)$",
         collect=_collect_analyzers),
    Kind("probe", "investigator.probes.builtin", "investigator.probes.base:ProbeMeta"),
)


_LOADED: dict[str, list[Unit]] = {}
_LOCK = threading.Lock()  # guards the tables only: no import ever runs under it (no deadlock with import locks)
_LOCAL = threading.local()  # the kinds this thread is loading (an import cycle shows as a repeat)


def _loading() -> set[str]:
    if not hasattr(_LOCAL, "kinds"):
        _LOCAL.kinds = set()
    kinds: set[str] = _LOCAL.kinds
    return kinds


def kinds() -> tuple[Kind, ...]:
    return KINDS


def kind_named(name: str) -> Kind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise UnitError(f"unknown unit kind {name!r}{_close(name, [k.name for k in KINDS])}")


def load(kind_name: str) -> list[Unit]:
    """The validated units of one kind (discovered once per process), by (order, id). Threads that
    load a kind at the same time all get the list the first of them stored."""
    if kind_name in _LOADED:
        return _LOADED[kind_name]
    kind = kind_named(kind_name)
    importlib.import_module(kind.package)  # a package may load its own kind when imported
    if kind_name in _LOADED:
        return _LOADED[kind_name]
    loading = _loading()
    if kind_name in loading:  # a unit module asked for its own kind while it is being imported
        raise UnitError(f"unit kind {kind_name!r} requested while it is being loaded (an import cycle)")
    loading.add(kind_name)
    try:
        units = discover(kind)
        validate(units)
    finally:
        loading.discard(kind_name)
    with _LOCK:
        return _LOADED.setdefault(kind_name, units)


_ALL: list[Unit] = []


def all_units() -> list[Unit]:
    """Every unit of every kind, validated together (ids are unique across kinds)."""
    if not _ALL:
        units = [u for kind in KINDS for u in load(kind.name)]
        validate(units)
        with _LOCK:
            if not _ALL:
                _ALL.extend(units)
    return list(_ALL)


def unit_ids() -> frozenset[str]:
    return frozenset(u.id for u in all_units())


def get_unit(unit_id: str) -> Unit:
    """The unit with this id (hyphens read as underscores: `training-run` is `training_run`, as the
    CLI's `--probes` spells it); UnitError naming close matches otherwise."""
    units = all_units()
    for unit in units:
        if unit.id in (unit_id, unit_id.replace("-", "_")):
            return unit
    raise UnitError(f"unknown unit id {unit_id!r}{_close(unit_id, [u.id for u in units])}")
