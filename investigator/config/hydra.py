"""Hydra composition from git objects: defaults lists, config groups, packages, interpolations.

Follows Hydra 1.1+ semantics where they can be decided statically: `_self_` defaults to the end
of a defaults list, `group: option` loads `<group>/<option>.yaml` into package `group` (nested
groups are relative to the including file's group), `group@pkg: option` and `# @package` headers
move the package, `override group: option` replaces an earlier choice, `null` options are skipped.
`${a.b}` / `${.sibling}` interpolations are resolved against the composed result; resolver calls
(`${oc.env:X}`) and unknown keys stay raw (non-literal).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import yaml

from investigator.config.extractors.base import ParsedFile
from investigator.config.extractors.structured import YamlLoader
from investigator.config.keys import join, normalise_key
from investigator.config.model import ConfigEntry, EntryKind

_INTERP = re.compile(r"\$\{([^${}]+)\}")
FULL_INTERPOLATION = re.compile(r"^\$\{([^${}]+)\}$")  # a value that is one `${...}`
_MAX_DEPTH = 8


@dataclass
class Composition:
    entries: list[ConfigEntry] = field(default_factory=list)  # composition order, keys prefixed
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: dict[str, str] = field(default_factory=dict)  # section key -> `_target_`
    # groups whose option is Hydra's mandatory `???` (`- exp: ???`): the user picks one on the command line
    mandatory: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # files the defaults lists name that do not exist


Loader = Callable[[str], ParsedFile | None]


MISSING = "???"  # Hydra's mandatory value


def entry_group(key: str) -> tuple[str, str]:
    """(group, package) of a defaults-list entry's key: `override optional agent/components@agent: ...` ->
    (`agent/components`, `agent`); the package is empty when the key names none."""
    if key.startswith("override "):
        key = key.split(None, 1)[1]
    grp, _, pkg = key.removeprefix("optional ").strip().partition("@")
    return grp.strip(), pkg


class _Composer:
    def __init__(self, load: Loader, config_dir: str, group_choices: dict[str, object]) -> None:
        self.load = load
        self.config_dir = config_dir.strip("/")
        self.choices = dict(group_choices)
        self.out = Composition()
        self.order = 0
        self.seen: set[str] = set()

    def _path(self, rel: str) -> str:
        # an option written with its extension (`- algo: default.yaml`) names the same file: sheeprl
        # 62b3da0f sheeprl/configs/config.yaml:6-14 was composed as `algo/default.yaml.yaml`, not found
        rel = rel[:-5] if rel.endswith(".yaml") else rel[:-4] if rel.endswith(".yml") else rel
        return posixpath.normpath(posixpath.join(self.config_dir, rel + ".yaml")) if self.config_dir else rel + ".yaml"

    def node(self, rel: str, package: str, group: str) -> None:
        path = self._path(rel)
        if path in self.seen:
            self.out.notes.append(f"defaults cycle at {path}")
            return
        parsed = self.load(path)
        if parsed is None:
            alt = path[:-5] + ".yml"
            parsed = self.load(alt)
            path = alt if parsed is not None else path
        if parsed is None:
            self.out.notes.append(f"config `{path}` not found")
            self.out.missing.append(path)
            return
        self.seen.add(path)
        self.out.files.append(path)
        if parsed.package:
            package = "" if parsed.package == "_global_" else (
                group.replace("/", ".") if parsed.package == "_group_" else parsed.package)
        data = parsed.data if isinstance(parsed.data, dict) else {}
        listed = data.get("defaults")
        defaults = listed if isinstance(listed, list) else []
        items = list(defaults)
        if "_self_" not in items:
            items.append("_self_")
        here = posixpath.dirname(rel)
        self._overrides(items, here)  # `override` entries change choices before any group is loaded
        for item in items:
            if item == "_self_":
                self._self(parsed, package)
            elif isinstance(item, str):
                self.node(posixpath.join(here, item) if not item.startswith("/") else item[1:], package, group)
            elif isinstance(item, dict):
                for raw_key, option in item.items():
                    self._group(str(raw_key), self._interpolated(option, items, here), here)
        self.seen.discard(path)

    def _interpolated(self, option: object, items: list[object], here: str) -> object:
        """An option named through other entries of the same defaults list: Hydra 1.0's `${defaults.0.setup}`
        (mtrl's `- experiment: ${defaults.0.setup}`, `- agent/components: ${defaults.0.setup}_actor`) and
        Hydra 1.1's `${setup}`; a reference that names no entry leaves the option as written."""
        if not isinstance(option, str) or "${" not in option:
            return option

        def lookup(match: re.Match[str]) -> str:
            parts = match.group(1).strip().split(".")
            if len(parts) == 3 and parts[0] == "defaults" and parts[1].isdigit():
                index = int(parts[1])
                found = self._named_choice(items[index:index + 1], parts[2], here) if index < len(items) else None
            else:
                found = self._named_choice(items, ".".join(parts), here)
            return found if found is not None else match.group(0)

        return _INTERP.sub(lookup, option)

    def _named_choice(self, items: list[object], group: str, here: str) -> str | None:
        """The option the entry for `group` among `items` picks (a command-line choice wins), if plain."""
        for entry in items:
            for raw_key, value in (entry.items() if isinstance(entry, dict) else ()):
                if entry_group(str(raw_key))[0] == group:
                    chosen = self.choices.get(self._group_path(group, here), value)
                    return str(chosen) if isinstance(chosen, str | int | float) and "${" not in str(chosen) else None
        return None

    def _overrides(self, items: list[object], here: str) -> None:
        for item in items:
            if isinstance(item, dict):
                for raw_key, option in item.items():
                    key = str(raw_key)
                    if key.startswith("override "):
                        grp = key.split(None, 1)[1].split("@")[0].strip()
                        self.choices.setdefault(self._group_path(grp, here), option)

    def _group(self, key: str, option: object, here: str) -> None:
        """A defaults-list entry `group@package: option` (or `override group: option`): load the chosen option(s)."""
        grp, pkg = entry_group(key)
        full = self._group_path(grp, here)
        chosen = self.choices.get(full, option)
        child_pkg = pkg.strip() if pkg else full.replace("/", ".")
        child_pkg = "" if child_pkg == "_global_" else child_pkg
        if chosen == MISSING:
            self.out.mandatory.append(full)
            self.out.notes.append(f"group `{full}` is mandatory (`???`): every run names one of its options")
            return
        options = chosen if isinstance(chosen, list) else [chosen]
        for opt in options:
            if opt is None:
                continue
            self.node(posixpath.join(full, str(opt)), child_pkg, full)

    @staticmethod
    def _group_path(group: str, here: str) -> str:
        return group[1:] if group.startswith("/") else posixpath.normpath(posixpath.join(here, group)) if here else group

    def _self(self, parsed: ParsedFile, package: str) -> None:
        prefix = normalise_key(package) if package else ""
        for entry in parsed.entries:
            self.order += 1
            key = join(prefix, entry.key)
            copy = replace(entry, key=key, order=self.order)
            self.out.entries.append(copy)
            if entry.kind is EntryKind.target and isinstance(entry.value, str):
                self.out.targets[key.rsplit(".", 1)[0] if "." in key else ""] = entry.value


def compose(load: Loader, primary: str, overrides: list[str] | None = None) -> Composition:
    """Compose the Hydra config whose primary file is `primary` (a repository path)."""
    config_dir, name = posixpath.split(primary)
    name = name.rsplit(".", 1)[0]
    group_choices: dict[str, object] = {}
    value_overrides: list[tuple[str, str]] = []
    for item in overrides or []:
        key, sep, value = item.lstrip("+~").partition("=")
        if not sep:
            continue
        loaded = _yaml_value(value)
        if load(posixpath.join(config_dir, key, f"{loaded}.yaml")) is not None:
            group_choices[key] = loaded
        else:
            value_overrides.append((key, value))
    composer = _Composer(load, config_dir, group_choices)
    composer.node(name, "", "")
    out = composer.out
    for key, value in value_overrides:
        composer.order += 1
        out.entries.append(ConfigEntry(key=normalise_key(key), raw_key=key, value=_yaml_value(value),
                                       path="<command line>", line=None, format="yaml",
                                       kind=EntryKind.assignment, order=composer.order))
    resolve_interpolations(out.entries)
    return out


def _yaml_value(text: str) -> object:
    try:
        return yaml.load(text, Loader=YamlLoader)  # `lr=3e-4` is a number, as in Hydra
    except yaml.YAMLError:
        return text


def resolve_interpolations(entries: list[ConfigEntry]) -> None:
    """Replace `${...}` references by the composed values they point to, in place."""
    table: dict[str, ConfigEntry] = {}
    for entry in entries:
        table[entry.key] = entry  # later wins, as in the merge

    def lookup(ref: str, at: str, depth: int) -> tuple[object, bool]:
        ref = ref.strip()
        if ":" in ref:
            return None, False  # resolver call (oc.env, now, ...)
        if ref.startswith("."):
            base = at.rsplit(".", 1)[0] if "." in at else ""
            dots = len(ref) - len(ref.lstrip("."))
            for _ in range(dots - 1):
                base = base.rsplit(".", 1)[0] if "." in base else ""
            ref = join(base, ref.lstrip("."))
        target = table.get(normalise_key(ref))
        if target is None or not target.literal:
            return None, False
        return resolve(target.value, target.key, depth + 1)

    def resolve(value: object, at: str, depth: int) -> tuple[object, bool]:
        if not isinstance(value, str) or "${" not in value:
            return value, True
        if depth > _MAX_DEPTH:
            return value, False
        full = FULL_INTERPOLATION.match(value)
        if full:
            return lookup(full.group(1), at, depth)
        ok = True

        def sub(match: re.Match[str]) -> str:
            nonlocal ok
            resolved, good = lookup(match.group(1), at, depth)
            ok = ok and good
            return str(resolved) if good else match.group(0)

        text = _INTERP.sub(sub, value)
        return text, ok

    for entry in entries:
        if isinstance(entry.value, str) and "${" in entry.value:
            value, ok = resolve(entry.value, entry.key, 0)
            if ok:
                entry.value = value
            else:
                entry.literal = False  # shown raw
