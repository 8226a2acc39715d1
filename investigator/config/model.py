"""Data carried by config forensics: one extracted value, one side's configuration, one match.

Entries are plain slotted dataclasses (tens of thousands per side on a large repository, so
construction cost matters); the analyzer turns them into pydantic report models at its boundary.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from pydantic import BaseModel

ConfigFormat = Literal["yaml", "json", "toml", "gin", "python", "shell"]


class EntryKind(str, Enum):
    """How a value was written; decides which value wins when several set the same key."""

    file_value = "file_value"  # YAML/JSON/TOML leaf
    target = "target"  # Hydra `_target_`
    constant = "constant"  # module-level NAME = literal
    mapping = "mapping"  # dict literal entry (e.g. a reward table)
    field_default = "field_default"  # dataclass/pydantic/attrs/NamedTuple field default
    option_default = "option_default"  # argparse/click/typer default
    param_default = "param_default"  # default of a builder function parameter (weakest: often passed)
    kwarg = "kwarg"  # keyword argument of a config constructor / builder call
    cli_arg = "cli_arg"  # an argument in a launch script (`python train.py --lr 3e-3`, `algo.lr=3e-3`)
    call_kwarg = "call_kwarg"  # literal keyword argument of another call in reached code: `PPO(learning_rate=3e-4)`
    assignment = "assignment"  # `cfg.a.b = value` inside a builder/recipe function
    conditional = "conditional"  # an assignment under `if`: only when nothing unconditional sets the key

    @property
    def precedence(self) -> int:
        """Later layers override earlier ones (defaults < constructor kwargs < assignments)."""
        return _PRECEDENCE[self]


_PRECEDENCE = {
    EntryKind.file_value: 1,
    EntryKind.target: 1,
    EntryKind.constant: 0,
    EntryKind.mapping: 1,
    EntryKind.field_default: 0,
    EntryKind.option_default: 0,
    EntryKind.param_default: -1,
    EntryKind.kwarg: 2,
    EntryKind.call_kwarg: 2,
    EntryKind.cli_arg: 2,
    EntryKind.assignment: 3,
    EntryKind.conditional: -2,
}

_encode_string = json.encoder.encode_basestring_ascii  # what `json.dumps` uses (ensure_ascii)
_FINITE = math.isfinite


def _text(value: object) -> object:
    """JSON stand-in for values JSON has no form for: sets and frozensets as sorted lists, others as text."""
    if isinstance(value, set | frozenset):
        try:
            return sorted(value)
        except TypeError:
            return sorted(value, key=repr)
    return str(value)


@dataclass(slots=True)
class ConfigEntry:
    """One configured value: where it lives and what it is."""

    key: str  # normalised dotted key path ("trainer.optimizer.lr")
    value: object  # JSON-able literal, or the expression text when `literal` is False
    path: str  # source file, repository-relative
    line: int | None
    format: ConfigFormat
    kind: EntryKind
    raw_key: str = ""  # the key as written (before normalisation)
    owner: str | None = None  # class or function it belongs to
    literal: bool = True
    order: int = 0  # position in composition order (later wins among equal precedence)
    replaces: str | None = None  # a whole-mapping assignment replaces this subtree (`x.rewards = {...}`)

    def render_value(self) -> str:
        if not self.literal:
            return f"`{self.value}`"
        value = self.value
        if value is None:
            return "null"
        if type(value) is str:  # the same text `json.dumps` gives, without its set-up cost
            return _encode_string(value)
        if type(value) is bool:
            return "true" if value else "false"
        if type(value) is int or (type(value) is float and _FINITE(value)):
            return repr(value)
        try:
            return json.dumps(value, sort_keys=True, default=_text)
        except (TypeError, ValueError):  # mixed-type mapping keys, a circular value: never fail to show it
            return repr(value)

    def with_key(self, key: str) -> ConfigEntry:
        """A copy under another key (`dataclasses.replace(self, key=key)`, without its overhead)."""
        return ConfigEntry(key, self.value, self.path, self.line, self.format, self.kind, self.raw_key,
                           self.owner, self.literal, self.order, self.replaces)

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def leaf(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    @property
    def parent(self) -> str:
        return self.key.rsplit(".", 1)[0] if "." in self.key else ""


def same_value(a: ConfigEntry, b: ConfigEntry) -> bool:
    """Value equality across formats (1 == 1.0, expression text compared verbatim)."""
    if a.literal != b.literal:
        return False
    if not a.literal:
        return "".join(str(a.value).split()) == "".join(str(b.value).split())
    va, vb = a.value, b.value
    if isinstance(va, bool) or isinstance(vb, bool):
        return va is vb or (isinstance(va, bool) and isinstance(vb, bool) and va == vb)
    if isinstance(va, int | float) and isinstance(vb, int | float):
        try:
            return float(va) == float(vb)
        except OverflowError:  # an integer too large for a float
            return va == vb
    if isinstance(va, list | tuple) and isinstance(vb, list | tuple):
        try:
            return json.dumps(list(va), default=str) == json.dumps(list(vb), default=str)
        except (TypeError, ValueError):  # a mapping with tuple keys, a circular value
            return list(va) == list(vb)
    return va == vb


_UNIQUE = object()


def value_key(entry: ConfigEntry) -> object:
    """A hashable key with `same_value(a, b)` == (`value_key(a) == value_key(b)`), or None when the
    value has no such key (a non-empty mapping, a NaN, an odd type): compare those with `same_value`."""
    va = entry.value
    if not entry.literal:
        return ("expr", "".join(str(va).split()))
    if isinstance(va, bool):
        return ("bool", va)
    if isinstance(va, int | float):
        try:
            number = float(va)
        except OverflowError:
            return None
        return None if number != number else ("num", number)
    if isinstance(va, list | tuple):
        try:
            return ("seq", json.dumps(list(va), default=str))
        except (TypeError, ValueError):
            return None
    if va is None:
        return ("none",)
    if type(va) is str:
        return ("str", va)
    if type(va) is dict and not va:
        return ("dict",)
    return None


class MatchStatus(str, Enum):
    changed = "changed"
    removed = "removed"
    added = "added"
    moved = "moved"
    unchanged = "unchanged"


@dataclass(slots=True)
class KeyMatch:
    """One key compared across the two commits."""

    status: MatchStatus
    baseline: ConfigEntry | None
    candidate: ConfigEntry | None
    how: str = ""  # which matching rule paired them ("exact", "alias", "suffix", "leaf", "rename")

    @property
    def key(self) -> str:
        entry = self.baseline or self.candidate
        assert entry is not None
        return entry.key

    @property
    def key_entry(self) -> ConfigEntry:
        entry = self.baseline or self.candidate
        assert entry is not None
        return entry


class EntryPoint(BaseModel):
    """The training entry analysed at one commit, and how it was found."""

    spec: str | None = None  # what the user gave or what was detected ("tools/train.py")
    script: str | None = None  # repository path of the script/module
    function: str | None = None  # function name inside `script`, if any
    how: str = "none"  # "given", "hydra.main", "pyproject script", "__main__", "recipe default", ...
    hydra_config: str | None = None  # composed Hydra primary config file, if any
    recipe: str | None = None  # dotted recipe path the CLI selects, if any
    notes: list[str] = []
    rivals: list[str] = []  # detected only: scripts as likely to be the entry (entry.ResolvedEntry.rivals)

    def describe(self) -> str:
        if not self.script:
            return "no entry point found (all configuration files compared)"
        target = self.script + (f":{self.function}()" if self.function else "")
        extra = f", Hydra config `{self.hydra_config}`" if self.hydra_config else ""
        recipe = f", recipe `{self.recipe}`" if self.recipe else ""
        return f"`{target}`{extra}{recipe} ({self.how})"


@dataclass
class SideConfig:
    """Everything extracted at one commit."""

    entry: EntryPoint
    effective: dict[str, ConfigEntry] = field(default_factory=dict)  # key -> winning entry
    other: dict[str, ConfigEntry] = field(default_factory=dict)  # config outside the entry's reach
    shadowed: dict[str, list[ConfigEntry]] = field(default_factory=dict)  # overridden entries
    replaced: dict[str, ConfigEntry] = field(default_factory=dict)  # key -> mapping assignment that dropped it
    # files that reached code may load, the path being chosen at run time -> the module that loads them
    runtime_files: dict[str, str] = field(default_factory=dict)
    # key prefix -> the file that defines a run of its own (a mandatory group's option, a rival script)
    run_prefixes: dict[str, str] = field(default_factory=dict)
    # loaded files whose top-level sections reached code picks at run time -> (module, sections always read)
    runtime_sections: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    files: int = 0
    # field defaults every construction of their class passes by keyword: key -> the class (no run uses them)
    overridden: dict[str, str] = field(default_factory=dict)
    training_files: set[str] = field(default_factory=set)  # the entry, the modules it reaches, the files it loads
    # config files the entry's composition names that do not exist at this commit (a run so composed fails to start)
    missing_files: set[str] = field(default_factory=set)
    launch: str | None = None  # the launch script whose command running the entry was applied
    library_args: set[str] = field(default_factory=set)  # library `TrainingArguments` classes the entry builds
