"""Turn compared keys into findings, no-effect changes, verified items and hypothesis updates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from investigator.config.defaults import Default, Unknown
from investigator.config.hydra import FULL_INTERPOLATION
from investigator.config.library_args import library_argument_default
from investigator.config.model import ConfigEntry, EntryKind, KeyMatch, MatchStatus, SideConfig, same_value
from investigator.config.patch import restore_patch
from investigator.config.severity import KeyVerdict, judge
from investigator.config.usage import ReadIndex, dead_reason
from investigator.models import (
    Evidence,
    EvidenceKind,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Location,
    NoEffectChange,
    Severity,
    VerifiedItem,
)
from investigator.playbooks_lib.schema import PlaybookSet

SOURCE = "config_forensics"
# Confidence by how the two sides were paired (a renamed key is less certain than an exact one).
MATCH_CONFIDENCE = {"exact": 0.85, "alias": 0.8, "suffix": 0.75, "leaf": 0.65, "leaf+value": 0.65,
                    "section": 0.65, "code rename": 0.65, "flatten": 0.75, "file": 0.6, "renamed file": 0.7, "rename": 0.6, "": 0.75}
NO_ENTRY_PENALTY = 0.2
UNKNOWN_DEFAULT_PENALTY = 0.1  # set at one commit only, and what applied at the other is unknown
RUNTIME_PENALTY = 0.15  # a file the entry loads from a path chosen at run time: one of several a run may use
_M = TypeVar("_M", bound=BaseModel)


# A file's dead keys are reported one by one up to this many; more become one grouped item, so that
# a refactor that drops thousands of unread keys reads as a list of files, not of keys.
PER_KEY_MAX = 5
EXAMPLE_KEYS = 3  # example keys named in a grouped item's title
HUGE_GROUP = 200  # a group this large is summarised by its top-level sections instead of example keys
EXAMPLE_SECTIONS = 4


@dataclass
class Judged:
    match: KeyMatch
    verdict: KeyVerdict
    place: ConfigEntry | None = None  # candidate section a removed key belongs to


_VERB = {MatchStatus.removed: "removed", MatchStatus.added: "added", MatchStatus.changed: "changed value"}


class FileNote(str):
    """Why a whole file's keys change no existing run (a new experiment file), not "no code reads it"."""

    short: str = "a file no existing run uses"


@dataclass
class DeadGroup:
    """The dead keys of one file (or of one baseline file → candidate file pair) with one status.

    Dead keys are grouped before anything else is worked out for them: a grouped item needs no
    severity, title or table row per key, which is most of the cost on a large refactor."""

    status: MatchStatus
    baseline_path: str | None
    candidate_path: str | None
    matches: list[KeyMatch] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # per match: why no code reads it
    subsystem: str = ""
    _prefix: str | None = field(default=None, repr=False)

    @property
    def grouped(self) -> bool:
        return len(self.matches) > PER_KEY_MAX

    def label(self) -> str:
        paths = [p for p in (self.baseline_path, self.candidate_path) if p]
        if len(paths) == 2 and paths[0] == paths[1]:
            paths = paths[:1]
        return " → ".join(f"`{p}`" for p in paths)

    def prefix(self) -> str:
        """The dotted prefix every key of the group shares (a YAML file's keys start with its path)."""
        if self._prefix is None:
            keys = [m.key for m in self.matches]
            first, last = min(keys), max(keys)  # what all keys share, these two share (and vice versa)
            shared = []
            for a, b in zip(first.split(".")[:-1], last.split(".")[:-1], strict=False):
                if a != b:
                    break
                shared.append(a)
            self._prefix = ".".join(shared)
        return self._prefix

    def relative(self, limit: int | None = None) -> list[str]:
        """The group's keys (the first `limit`) without their shared prefix, in the group's order."""
        cut = len(self.prefix())
        return [m.key[cut + 1:] if cut else m.key for m in self.matches[:limit]]

    def keys(self) -> list[str]:
        """Every key of the group (`old → new` when the two sides differ): what a grouped item stands for."""
        return [f"{m.baseline.key} → {m.candidate.key}" if m.baseline and m.candidate
                and m.baseline.key != m.candidate.key else m.key for m in self.matches]

    def summary(self) -> str:
        """Count, status and examples ("37 keys removed (`env.max_steps`, … +34)"), or sections when huge."""
        count = len(self.matches)
        prefix = self.prefix()
        path = self.baseline_path or self.candidate_path or ""
        own = path.rsplit(".", 1)[0].replace("/", ".")  # a structured file's keys start with its path
        if prefix == own or prefix.startswith(own + "."):
            prefix = prefix[len(own) + 1:]
        under = f" under `{prefix}`" if prefix else ""
        head = f"{count:,} key{'s' if count != 1 else ''} {_VERB.get(self.status, self.status.value)}{under}"
        if count > HUGE_GROUP:
            sections: dict[str, int] = {}
            for key in self.relative():
                top = key.split(".", 1)[0]
                sections[top] = sections.get(top, 0) + 1
            if len(sections) > 1:
                ranked = sorted(sections.items(), key=lambda kv: (-kv[1], kv[0]))
                shown = ", ".join(f"`{name}` ({n:,})" for name, n in ranked[:EXAMPLE_SECTIONS])
                more = f", … +{len(ranked) - EXAMPLE_SECTIONS} sections" if len(ranked) > EXAMPLE_SECTIONS else ""
                return f"{head} in sections {shown}{more}"
        limit = count if count <= EXAMPLE_KEYS + 1 else EXAMPLE_KEYS  # never "… +1"
        examples = [f"`{k}`" for k in self.relative(limit)]
        if self.status is MatchStatus.changed:
            examples = [f"{k} {_value(m.baseline)} → {_value(m.candidate)}"
                        for k, m in zip(examples, self.matches, strict=False)]
        more = f", … +{count - limit}" if count > limit else ""
        return f"{head} ({', '.join(examples)}{more})"

    def title(self) -> str:
        if isinstance(self.reasons[0], FileNote):
            return f"{self.label()}: {self.summary()}, {self.reasons[0].short}"
        return f"{self.label()}: {self.summary()}, no code reads {'it' if len(self.matches) == 1 else 'them'}"

    def reason(self) -> str:
        """Why the whole group is dead, with the first key's own reason as the example."""
        first = self.reasons[0]
        if isinstance(first, FileNote):
            return f"no effect on existing runs: {first}"
        return (f"dead configuration: no code reads any of these {len(self.matches):,} keys or their sections "
                f"(first: {first})")

    def first_lines(self) -> list[tuple[str, int | None, str]]:
        """(path, first line, side) for each side's file."""
        out = []
        for side, path in (("baseline", self.baseline_path), ("candidate", self.candidate_path)):
            if path is None or path.startswith("<"):
                continue
            lines = [e.line for m in self.matches if (e := m.baseline if side == "baseline" else m.candidate)
                     is not None and e.line]
            out.append((path, min(lines) if lines else None, side))
        return out


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    no_effect: list[NoEffectChange] = field(default_factory=list)
    verified: list[VerifiedItem] = field(default_factory=list)
    hypotheses: list[HypothesisUpdate] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)  # every match some code reads (dead ones: `dead`)
    moved: list[KeyMatch] = field(default_factory=list)  # same value under another key, read or not
    dead: list[DeadGroup] = field(default_factory=list)  # dead changes, by file and status, in path order
    counts: dict[MatchStatus, int] = field(default_factory=lambda: dict.fromkeys(MatchStatus, 0))  # all matches
    failures: list[tuple[str, str]] = field(default_factory=list)  # (key, message): keys that could not be judged
    # keys set at one commit only, to the value the other commit's implicit default gives them
    identical_defaults: list[tuple[KeyMatch, Default]] = field(default_factory=list)


_set = object.__setattr__


def _built(cls: type[_M], values: dict, fields_set: set[str]) -> _M:
    """`cls(**values)` for values already of the field types, without validation: what
    `BaseModel.model_construct` does, at a fraction of its cost. Fields not given take their defaults
    (so a field added to the model later does not break serialisation)."""
    fields = cls.model_fields
    if len(values) < len(fields):
        for name, info in fields.items():
            if name not in values:
                values[name] = info.get_default(call_default_factory=True)
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _loc(entry: ConfigEntry | None, side: str) -> Location | None:
    if entry is None or entry.path.startswith("<"):
        return None
    return Location(path=entry.path, line=entry.line, side=side)  # type: ignore[arg-type]


def section_index(matches: list[KeyMatch]) -> dict[str, ConfigEntry]:
    """Baseline section -> candidate entry of the first key of that section matched at both sides."""
    out: dict[str, ConfigEntry] = {}
    for other in matches:
        if other.baseline is not None and other.candidate is not None:
            out.setdefault(other.baseline.parent, other.candidate)
    return out


def placement(match: KeyMatch, matches: list[KeyMatch], cand: SideConfig,
              sections: dict[str, ConfigEntry] | None = None) -> ConfigEntry | None:
    """Where the candidate layout keeps the section a removed key belonged to.

    `sections` is `section_index(matches)`, built once by callers that ask for many keys."""
    assert match.baseline is not None
    if match.baseline.key in cand.replaced:
        return cand.replaced[match.baseline.key]
    parent = match.baseline.parent
    if parent and sections is None:
        sections = section_index(matches)
    while parent:
        hit = sections.get(parent)  # type: ignore[union-attr]
        if hit is not None:
            return hit
        parent = parent.rsplit(".", 1)[0] if "." in parent else ""
    return None


def _target_of(key: str, targets: dict[str, str]) -> str | None:
    if not targets:
        return None
    parts = key.split(".")
    for n in range(len(parts) - 1, -1, -1):
        section = ".".join(parts[:n])
        if section in targets:
            return targets[section]
    return None


def dead_for(match: KeyMatch, reads: tuple[ReadIndex, ReadIndex], targets: tuple[dict, dict]) -> str | None:
    """Reason the change has no effect (unread at every side where it exists), else None."""
    b, c = match.baseline, match.candidate
    why_b = why_c = None
    if b is not None:
        why_b = dead_reason(b.key, reads[0], _target_of(b.key, targets[0]) if targets[0] else None, b)
        if why_b is None:
            return None
    if c is not None:
        why_c = dead_reason(c.key, reads[1], _target_of(c.key, targets[1]) if targets[1] else None, c)
        if why_c is None:
            return None
    if why_b is None:
        return f"candidate: {why_c}" if why_c is not None else None
    return f"baseline: {why_b}" if why_c is None else f"baseline: {why_b}; candidate: {why_c}"


def _formulas(match: KeyMatch) -> bool:
    """A changed key whose values are expressions at both commits (`int(total // (num_devices * batch))`), not
    literals: the text changed, the values are unknown. Not critical on that alone (Stoix v0.0.2..v0.0.3
    split its timestep checker and read `config.num_devices` where a local held it: a false critical
    "`arch.num_envs` changed")."""
    b, c = match.baseline, match.candidate
    return match.status is MatchStatus.changed and b is not None and c is not None and not b.literal and not c.literal


def _runtime_loader(match: KeyMatch, base: SideConfig, cand: SideConfig) -> str | None:
    """The module that loads this key's file from a path chosen at run time (`SideConfig.runtime_files`),
    or picks its top-level section at run time (`config[env_name]`: `SideConfig.runtime_sections`)."""
    for entry, side in ((match.baseline, base), (match.candidate, cand)):
        if entry is None:
            continue
        if entry.path in side.runtime_files:
            return side.runtime_files[entry.path]
        picked = side.runtime_sections.get(entry.path)
        if picked is not None and "." in entry.key and entry.key.split(".", 1)[0] not in picked[1]:
            return picked[0]
        run = _run_of(entry.key, side)
        if run is not None:  # a key of a run of its own, from a file the entry composes too
            return run[1]
    return None


def _lone_file(match: KeyMatch, base: SideConfig, cand: SideConfig) -> FileNote | None:
    """Why a key of a run-time candidate file that exists at one commit only changes no run, else None.

    A config file added next to the others is a new experiment (no baseline run used it); one that was
    deleted can no longer be chosen, which a run notices at once (it fails to start)."""
    b, c = match.baseline, match.candidate
    if c is not None and b is None and c.path not in base.runtime_files and c.path in cand.runtime_files:
        note = FileNote(f"`{c.path}` is a new config file among those `{cand.runtime_files[c.path]}` loads at "
                        "run time; no baseline run used it")
        note.short = "a new config file no baseline run used"
        return note
    if b is not None and c is None and b.path not in cand.runtime_files and b.path in base.runtime_files:
        note = FileNote(f"`{b.path}` was deleted from the config files `{base.runtime_files[b.path]}` loads at "
                        "run time; a run that names it fails to start")
        note.short = "a deleted config file (a run naming it fails to start)"
        return note
    for entry, here, there, verb in ((c, cand, base, "new"), (b, base, cand, "deleted")):
        if entry is None or (b is not None and c is not None) or "." not in entry.key:
            continue
        run = _run_of(entry.key, here)
        if run is not None and run[0] not in there.run_prefixes:
            # a run of its own (a mandatory group's option, a rival script) that exists at one commit only: its keys
            # come from files other runs share (sheeprl's new `exp/a2c_atari.yaml` composes the existing `algo/a2c.yaml`)
            note = FileNote(f"`{run[1]}` is a {verb} run of its own; " + (
                "no baseline run used it" if verb == "new" else "a run that names it fails to start"))
            note.short = f"a {verb} run" + (" no baseline run used" if verb == "new" else " (a run naming it fails to start)")
            return note
        picked = here.runtime_sections.get(entry.path)
        section = entry.key.split(".", 1)[0]
        if picked is not None and section not in picked[1] and section not in _sections_of(there):
            note = FileNote(f"section `{section}` of `{entry.path}` is {verb} among those `{picked[0]}` picks at "
                            "run time; " + ("no baseline run used it" if verb == "new" else
                                            "a run that names it fails to start"))
            note.short = f"a {verb} section picked at run time" + (" no baseline run used" if verb == "new" else "")
            return note
    return None


def _table_entries(config: SideConfig) -> dict[str, dict[str, frozenset[str]]]:
    """table key -> entry name -> the leaf paths under that entry, over the effective keys (memoised)."""
    found = getattr(config, "_tables", None)
    if found is None:
        tables: dict[str, dict[str, set[str]]] = {}
        for key in config.effective:
            parts = key.split(".")
            for i in range(1, len(parts) - 1):
                tables.setdefault(".".join(parts[:i]), {}).setdefault(parts[i], set()).add(".".join(parts[i + 1:]))
        found = {t: {e: frozenset(leaves) for e, leaves in entries.items()} for t, entries in tables.items()}
        object.__setattr__(config, "_tables", found)
    return found


# a table of alternatives has at least this many entries besides the new one, at both commits
_ALTERNATIVES = 2


def _lone_alternative(match: KeyMatch, base: SideConfig, cand: SideConfig,
                      reads: tuple[ReadIndex, ReadIndex]) -> FileNote | None:
    """Why a key of a whole entry added to (or dropped from) a table of alternatives changes no existing run.

    octo bd930f91..241fb351 `common_transformer_sizes`: `TRANSFORMER_SIZES` gained `"vit_t": dict(num_layers=12,
    mlp_dim=768, ...)` beside `vit_s`, `vit_b`, ... of the same shape; the run picks one by `transformer_size`
    ("vit_s"). No baseline run used the new entry; picking it takes a change of the selecting setting, which is a
    finding of its own. A key set at one side in an entry both sides have is no alternative: it is judged as usual;
    nor is an entry the code reads by name (`cfg.optim.temperature.lr` beside `actor` and `critic`: a component).
    Sections of a file loaded at run time (zoo-style per-environment tables) are `_lone_file`'s to judge."""
    b, c = match.baseline, match.candidate
    if (b is None) == (c is None):
        return None
    entry, here, there = (c, cand, base) if c is not None else (b, base, cand)
    assert entry is not None
    read_here = reads[1] if c is not None else reads[0]
    parts = entry.key.split(".")
    here_tables, there_tables = _table_entries(here), _table_entries(there)
    for i in range(1, len(parts) - 1):
        table, name, leaf = ".".join(parts[:i]), parts[i], ".".join(parts[i + 1:])
        there_entries = there_tables.get(table)
        if there_entries is None or name in there_entries or read_here.reads(name):
            continue
        here_entries = here_tables.get(table, {})
        shape = here_entries.get(name, frozenset())
        siblings = [n for n, leaves in there_entries.items()
                    if n != name and leaf in leaves and here_entries.get(n) == leaves and shape <= leaves]
        if len(siblings) >= _ALTERNATIVES:
            verb = "new" if c is not None else "dropped"
            shown = ", ".join(f"`{n}`" for n in sorted(siblings)[:4])
            note = FileNote(f"`{name}` is a {verb} entry of `{table}`, a table of alternatives of the same shape "
                            f"({shown}, at both commits); " + (
                                "no baseline run used it" if verb == "new" else "a run that names it fails"))
            note.short = f"a {verb} alternative in a table"
            return note
    return None


def _absent_file(match: KeyMatch, base: SideConfig, cand: SideConfig) -> FileNote | None:
    """Why a key that comes from a config file the other commit's composition names, but lacks, changes no run.

    mtrl f7f8ddcf..e282c3f5: `config/config.yaml` composes `- experiment: ${defaults.0.setup}` (`metaworld`), and
    `config/experiment/metaworld.yaml` only exists at the candidate: the baseline run so composed fails to start
    (Hydra cannot load the option), so the file's keys, and the values interpolated from them
    (`${experiment.num_eval_episodes}` elsewhere), are no change to a run that trained."""
    b, c = match.baseline, match.candidate
    for here, there, other, verb in ((c, base, cand, "added"), (b, cand, base, "deleted")):
        if here is None or not there.missing_files:
            continue
        source = here.path
        if isinstance(other_value := (b if here is c else c), ConfigEntry) and isinstance(other_value.value, str) \
                and (ref := FULL_INTERPOLATION.match(other_value.value)) is not None:
            target = other.effective.get(ref.group(1).strip())
            source = target.path if target is not None else source
        elif other_value is not None:
            continue
        if source in there.missing_files:
            side = "baseline" if verb == "added" else "candidate"
            note = FileNote(f"`{source}` is named by the {side}'s composition but does not exist there: a {side} run "
                            "so composed fails to start, so no run trained with the other value")
            note.short = f"a config file missing at the {side} (its run fails to start)"
            return note
    return None


def _run_of(key: str, config: SideConfig) -> tuple[str, str] | None:
    """(prefix, defining file) of the run of its own whose key prefix `key` lies under, else None."""
    for prefix, path in config.run_prefixes.items():
        if key.startswith(prefix + "."):
            return prefix, path
    return None


def _unit(match: KeyMatch, base: SideConfig, cand: SideConfig) -> tuple[str, str]:
    """(file, section) a run picks: the whole file for a run-time file, else the top-level section."""
    entry = match.key_entry
    if entry.path in base.runtime_files or entry.path in cand.runtime_files:
        return entry.path, ""
    return entry.path, entry.key.split(".", 1)[0]


def _merged(members: list[Finding], id_: str, title: str, why: str, summary: str, keys: list[dict[str, Any]],
            fix_prefix: str) -> Finding:
    """One finding standing for `members`: the most severe member's severity, impact, location and
    fix, every member's key in the evidence (`details["keys"]`)."""
    top = max(members, key=lambda f: f.severity.weight)
    return Finding(
        id=id_, source=SOURCE, subsystem=top.subsystem, severity=top.severity,
        confidence=min(f.confidence for f in members), title=title, impact=top.impact,
        rationale=f"{why} The most severe: {top.title} ({top.rationale})", locations=top.locations,
        evidence=[*top.evidence[:1], Evidence(kind=EvidenceKind.config, summary=summary, locations=[],
                                               details={"keys": keys})],
        fix=fix_prefix + top.fix, hypotheses=sorted({h for f in members for h in f.hypotheses}),
    )


def _replace(findings: list[Finding], merged: dict[int, Finding | None]) -> list[Finding]:
    """`findings` with each merged group in place of its most severe member, the other members gone."""
    kept = (merged.get(id(f), f) for f in findings)
    return [f for f in kept if f is not None]


def _group_runtime(findings: list[Finding], found: list[tuple[Finding, KeyMatch, str]], base: SideConfig,
                   cand: SideConfig) -> list[Finding]:
    """One finding per file (or section) a run picks at run time and status, when more than
    `PER_KEY_MAX` of its keys changed: a release that retunes forty per-environment sections reads as
    forty items, not four hundred. Every key travels in the evidence."""
    groups: dict[tuple[str, str, MatchStatus], list[tuple[Finding, KeyMatch, str]]] = {}
    for item in found:
        path, section = _unit(item[1], base, cand)
        groups.setdefault((path, section, item[1].status), []).append(item)
    merged: dict[int, Finding | None] = {}
    for (path, section, status), items in groups.items():
        if len(items) <= PER_KEY_MAX:
            continue
        members = [f for f, _, _ in items]
        top = max(members, key=lambda f: f.severity.weight)
        shown = []
        for _f, m, _ in items[:EXAMPLE_KEYS]:
            leaf = m.key_entry.key.split(".", 1)[1] if section and "." in m.key_entry.key else m.key_entry.leaf
            shown.append(f"`{leaf}` {_value(m.baseline)} → {_value(m.candidate)}" if status is MatchStatus.changed
                         else f"`{leaf}` {_value(m.key_entry)}")
        where = f"section `{section}` of `{path}`" if section else f"`{path}`"
        verb = _VERB.get(status, status.value)
        keys = [{"key": m.key, "baseline": _value(m.baseline), "candidate": _value(m.candidate)} for _, m, _ in items]
        group = _merged(members, f"{SOURCE}:{path}:{section}:{status.value}",
                        f"Config {where}: {len(items)} keys {verb} ({', '.join(shown)}, … +{len(items) - len(shown)})",
                        f"{where} is picked at run time by `{items[0][2]}`: these {len(items)} keys matter to the "
                        f"runs that use it.", f"{len(items)} keys {verb}", keys, f"Review {where}: ")
        merged[id(top)] = group
        for f in members:
            merged.setdefault(id(f), None)
    return _replace(findings, merged)


def _group_across_files(findings: list[Finding], found: list[tuple[Finding, KeyMatch, str]], base: SideConfig,
                        cand: SideConfig) -> list[Finding]:
    """One finding per key name and status when that key changed in more than `PER_KEY_MAX` of the
    files runs pick at run time: a release that renames the tracking `group` of two hundred
    per-dataset files, or doubles `buffer_size` in thirty of them, is one item naming every file, not
    two hundred (each run uses one file; the evidence lists them all). Below that, the files where the
    key made the same change (same before -> after) are one finding too (`_same_change_groups`)."""
    alive = {id(f) for f in findings}
    groups: dict[tuple[str, MatchStatus], list[tuple[Finding, KeyMatch, str]]] = {}
    for item in found:
        finding, match, _how = item
        path, section = _unit(match, base, cand)
        if id(finding) in alive and not section:  # still its own item, in a whole run-time file
            groups.setdefault((match.key_entry.leaf, match.status), []).append(item)
    merged: dict[int, Finding | None] = {}
    for (leaf, status), items in _same_change_groups(groups):
        members = [f for f, _, _ in items]
        top = max(members, key=lambda f: f.severity.weight)
        verb = _VERB.get(status, status.value)
        keys = [{"key": m.key, "path": m.key_entry.path, "baseline": _value(m.baseline), "candidate": _value(m.candidate)}
                for _, m, _ in items]
        values = sorted({f"{k['baseline']} → {k['candidate']}" if status is MatchStatus.changed else str(k["candidate"])
                         for k in keys})
        shown = ", ".join(values[:EXAMPLE_KEYS]) + (f", … ({len(values)} distinct)" if len(values) > EXAMPLE_KEYS else "")
        few = len({m.key_entry.path for _, m, _ in items}) <= PER_KEY_MAX  # one value change, in a few files
        group = _merged(members, f"{SOURCE}:files:{leaf}:{status.value}" + (f":{values[0]}" if few else ""),
                        f"Config `{leaf}` {verb} in {len(items)} files picked at run time ({shown})",
                        f"Each of these {len(items)} files is picked at run time by `{items[0][2]}`; the change "
                        f"matters to the runs that use one of them.", f"`{leaf}` {verb} in {len(items)} files", keys,
                        f"Review `{leaf}` in the files your runs use: ")
        merged[id(top)] = group
        for f in members:
            merged.setdefault(id(f), None)
    return _replace(findings, merged)


def _same_change_groups(groups: dict[tuple[str, MatchStatus], list[tuple[Finding, KeyMatch, str]]]
                        ) -> Iterator[tuple[tuple[str, MatchStatus], list[tuple[Finding, KeyMatch, str]]]]:
    """The groups `_group_across_files` merges: a key changed in more than `PER_KEY_MAX` files
    whatever the values, and, below that, the files where it made the *same* change (same value
    before and after): CORL doubling `buffer_size` 1000000 -> 2000000 in three per-task files is one
    change in three places. A key that changed to different values in two files stays two items."""
    for key, items in groups.items():
        if len({m.key_entry.path for _, m, _ in items}) > PER_KEY_MAX:
            yield key, items
            continue
        same: dict[tuple[str, str], list[tuple[Finding, KeyMatch, str]]] = {}
        for item in items:
            same.setdefault((_value(item[1].baseline), _value(item[1].candidate)), []).append(item)
        for members in same.values():
            if len({m.key_entry.path for _, m, _ in members}) > 1:
                yield key, members


def _sections_of(config: SideConfig) -> set[str]:
    """Top-level sections of the documents whose sections are picked at run time (memoised on the config)."""
    found = getattr(config, "_picked", None)
    if found is None:
        found = {e.key.split(".", 1)[0] for e in config.effective.values() if e.path in config.runtime_sections}
        object.__setattr__(config, "_picked", found)
    return found


def _value(entry: ConfigEntry | None) -> str:
    return entry.render_value() if entry is not None else "—"


def _fix(match: KeyMatch, matches: list[KeyMatch], cand: SideConfig,
         sections: dict[str, ConfigEntry] | None = None) -> tuple[str, Location | None]:
    b, c = match.baseline, match.candidate
    if match.status is MatchStatus.changed and b and c:
        where = c.where()
        return (f"Restore the baseline value: set `{c.key}` back to {b.render_value()} at {where} "
                f"(baseline {b.where()})."), _loc(c, "candidate")
    if match.status is MatchStatus.removed and b:
        place = placement(match, matches, cand, sections)
        if place is not None:
            section = place.parent or "(top level)"
            return (f"Re-add `{b.leaf}` = {b.render_value()} to section `{section}` where the candidate "
                    f"defines it ({place.where()}); baseline had it at {b.where()}."), _loc(place, "candidate")
        return (f"Re-add `{b.key}` = {b.render_value()} to the candidate configuration (baseline "
                f"{b.where()}).", None)
    if match.status is MatchStatus.added and c:
        return (f"Confirm `{c.key}` = {c.render_value()} (new at {c.where()}) is intended; the baseline "
                "did not set it (the code's own default applied). Remove it to restore baseline behaviour."
                ), _loc(c, "candidate")
    return "", None


def _unset_parameter(match: KeyMatch) -> bool:
    """Added as a function parameter's default None: an optional parameter no call sets, no value of the run. Real
    shape (precision held-out 19, nano-aha-moment 1085ceaf..6cd0306d nano_r1_script.py:306): the new
    `create_vineppo_training_episodes(..., TOP_P: float = None, TOP_K: int = None)` of an algorithm off by default
    read as "Config `vineppo_training_episodes.top_p` = null added", significant once `top_p` had a key rule."""
    c = match.candidate
    return match.status is MatchStatus.added and c is not None and c.kind is EntryKind.param_default \
        and c.literal and c.value is None


def _title(match: KeyMatch) -> str:
    b, c = match.baseline, match.candidate
    if match.status is MatchStatus.removed:
        return f"Config `{b.key}` = {_value(b)} removed from the effective configuration"  # type: ignore[union-attr]
    if match.status is MatchStatus.added:
        return f"Config `{c.key}` = {_value(c)} added to the effective configuration"  # type: ignore[union-attr]
    name = b.key if b.key == c.key else f"{b.key} → {c.key}"  # type: ignore[union-attr]
    return f"Config `{name}` changed: {_value(b)} → {_value(c)}"


def _dead_groups(dead: list[tuple[KeyMatch, str]]) -> list[DeadGroup]:
    """Dead changes grouped by (status, baseline file, candidate file), in path order."""
    groups: dict[tuple[MatchStatus, str | None, str | None], DeadGroup] = {}
    for match, reason in dead:
        b, c = match.baseline, match.candidate
        key = (match.status, b.path if b else None, c.path if c else None)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DeadGroup(*key)
        group.matches.append(match)
        group.reasons.append(reason)
    return sorted(groups.values(), key=lambda g: (g.baseline_path or g.candidate_path or "", g.candidate_path or "",
                                                  g.status.value))


def _group_subsystem(group: DeadGroup, playbooks: PlaybookSet) -> str:
    """Most common subsystem over the group's sections (weighted by their key counts), each section
    judged by its first key: a cheap stand-in for judging every key of a file nobody reads."""
    weights: dict[str, int] = {}
    first: dict[str, KeyMatch] = {}
    size: dict[str, int] = {}
    for match in group.matches:
        parent = match.key.rsplit(".", 1)[0]
        size[parent] = size.get(parent, 0) + 1
        first.setdefault(parent, match)
    for parent, match in first.items():
        subsystem = judge(match, playbooks).subsystem
        weights[subsystem] = weights.get(subsystem, 0) + size[parent]
    return max(weights.items(), key=lambda kv: kv[1])[0]


def _key_item(match: KeyMatch, reason: str, subsystem: str) -> NoEffectChange:
    """One dead key as a NoEffectChange (built without re-validation: see `_built`)."""
    return _built(NoEffectChange, {
        "subsystem": subsystem, "title": _title(match),
        "reason": f"no effect on existing runs, {reason}" if isinstance(reason, FileNote) else f"dead configuration, {reason}",
        "locations": [_location(e.path, e.line, side)
                      for e, side in ((match.baseline, "baseline"), (match.candidate, "candidate"))
                      if e is not None and not e.path.startswith("<")],
        "source": SOURCE, "details": {}}, {"subsystem", "title", "reason", "locations", "source"})


def _location(path: str, line: int | None, side: str) -> Location:
    return _built(Location, {"path": path, "line": line, "end_line": None, "side": side}, {"path", "line", "side"})


def _group_item(group: DeadGroup) -> NoEffectChange:
    """One NoEffectChange for a whole group: file, count and example keys; locations at the first line."""
    values: dict = {
        "subsystem": group.subsystem, "title": group.title(), "reason": group.reason(),
        "locations": [_location(path, line, side) for path, line, side in group.first_lines()],
        "source": SOURCE,
        # the complete key list travels with the item into the JSON report (the title shows a few)
        "details": {"status": group.status.value, "baseline_path": group.baseline_path,
                    "candidate_path": group.candidate_path, "keys": group.keys()},
    }
    return _built(NoEffectChange, values, set(values))


def build_outcome(matches: list[KeyMatch], base: SideConfig, cand: SideConfig, playbooks: PlaybookSet,
                  reads: tuple[ReadIndex, ReadIndex], targets: tuple[dict, dict], *,
                  entry_known: bool, read_candidate: Callable[[str], str | None] | None = None) -> Outcome:
    builder = _OutcomeBuilder(matches, base, cand, playbooks, reads, targets, entry_known, read_candidate)
    for match in matches:
        try:
            builder.add(match)
        except Exception as exc:
            key = (match.baseline or match.candidate).key  # type: ignore[union-attr]
            builder.out.failures.append((key, f"{type(exc).__name__}: {exc}"))
    return builder.finish()


class _OutcomeBuilder:
    """`build_outcome` one match at a time: findings, verified items, no-effect keys and hypothesis
    evidence, then (`finish`) the grouping of run-time files and dead keys."""

    def __init__(self, matches: list[KeyMatch], base: SideConfig, cand: SideConfig, playbooks: PlaybookSet,
                 reads: tuple[ReadIndex, ReadIndex], targets: tuple[dict, dict], entry_known: bool,
                 read_candidate: Callable[[str], str | None] | None) -> None:
        self.matches, self.base, self.cand, self.playbooks = matches, base, cand, playbooks
        self.reads, self.targets, self.entry_known, self.read_candidate = reads, targets, entry_known, read_candidate
        self.out = Outcome()
        self.groups: dict[str, dict[str, list[Judged]]] = {}
        self.sections: dict[str, ConfigEntry] | None = None  # built on the first removed key that is read
        self.dead: list[tuple[KeyMatch, str]] = []
        self.runtime_found: list[tuple[Finding, KeyMatch, str]] = []  # findings in files/sections picked at run time

    def _group(self, hyp: str | None, state: str, judged: Judged) -> None:
        if hyp:
            self.groups.setdefault(hyp, {"same": [], "changed": []})[state].append(judged)

    def add(self, match: KeyMatch) -> None:
        out = self.out
        status = match.status
        out.counts[status] += 1
        if status is MatchStatus.moved and match.baseline.key != match.candidate.key:  # type: ignore[union-attr]
            out.moved.append(match)
        runtime = _runtime_loader(match, self.base, self.cand)
        if runtime is not None and (status is MatchStatus.unchanged or status is MatchStatus.moved):
            return  # one of many files a run may load: identical, it verifies nothing about the run
        reason = dead_for(match, self.reads, self.targets)
        if reason is not None:
            if status is not MatchStatus.unchanged and status is not MatchStatus.moved:
                self.dead.append((match, reason))  # judged later, per group (thousands on a large refactor)
            # an identical key nothing reads proves nothing: it verifies no setting, refutes no hypothesis
            return
        if runtime is not None and (lone := _lone_file(match, self.base, self.cand)) is not None:
            self.dead.append((match, lone))  # a new (or dropped) experiment file: no existing run changes
            return
        if runtime is None and (alternative := _lone_alternative(match, self.base, self.cand, self.reads)) is not None:
            self.dead.append((match, alternative))
            return
        if (absent := _absent_file(match, self.base, self.cand)) is not None:
            self.dead.append((match, absent))
            return
        verdict = judge(match, self.playbooks)
        judged = Judged(match, verdict)
        out.judged.append(judged)
        implicit: Default | Unknown | None = None
        if status is MatchStatus.added or status is MatchStatus.removed:
            implicit = self._implicit(match)
            if isinstance(implicit, Default) and same_value(implicit.entry(match.key_entry), match.key_entry):
                self._identical_default(judged, implicit)
                return
        if match.status in (MatchStatus.unchanged, MatchStatus.moved):
            self._identical(judged)
            return
        self._changed(judged, implicit, runtime)

    def _implicit(self, match: KeyMatch) -> Default | Unknown:
        """Set at one commit only: what applied at the other is its implicit default, when it can be found."""
        added = match.status is MatchStatus.added
        one = match.candidate if added else match.baseline
        assert one is not None
        there, here = (self.reads[0], self.reads[1]) if added else (self.reads[1], self.reads[0])
        implicit = there.implicit_default(one)
        if isinstance(implicit, Unknown):
            # a library `TrainingArguments` class the other commit's entry builds gives the key its default there
            lib = library_argument_default(one.key, (self.base if added else self.cand).library_args)
            implicit = Default(*lib) if lib is not None else implicit
        if isinstance(implicit, Unknown):
            # the code leaves an argument out without the key: the callee's parameter default applies. Of
            # several callees of that name (one chosen at run time) the one whose default is the value set
            # at the other commit makes the key identical; none of them proves it changed (weak)
            omitted = there.omitted_defaults(one)
            implicit = next((d for d in omitted if same_value(d.entry(one), one)), implicit)
        if isinstance(implicit, Unknown) or implicit.weak:
            # a literal the other commit hard-coded where this one reads the setting (promoted to an option)
            implicit = here.promoted_constant(one, there) or implicit
        if isinstance(implicit, Default) and implicit.weak and not same_value(implicit.entry(one), one):
            implicit = Unknown(f"only a parameter default was found (`{one.leaf}` = "
                               f"{implicit.entry(one).render_value()} at {implicit.where}), which may "
                               "belong to another function")
        return implicit

    def _identical_default(self, judged: Judged, implicit: Default) -> None:
        """Set at one commit to what the other's implicit default is: not a change, listed apart."""
        match, verdict, out = judged.match, judged.verdict, self.out
        one = match.key_entry
        out.judged.pop()
        out.identical_defaults.append((match, implicit))
        self._group(verdict.hypothesis, "same", judged)
        if verdict.learning_dynamics and verdict.severity.at_least(Severity.significant):
            side = "baseline" if match.status is MatchStatus.added else "candidate"
            out.verified.append(VerifiedItem(
                subsystem=verdict.subsystem, source=SOURCE,
                what=f"{one.key} {one.render_value()} identical",
                how=f"set at {one.where()} only; the {side}'s implicit default is the same "
                    f"({implicit.where})"))

    def _identical(self, judged: Judged) -> None:
        match, verdict = judged.match, judged.verdict
        self._group(verdict.hypothesis, "same", judged)
        if verdict.learning_dynamics and verdict.severity.at_least(Severity.significant):
            b = match.baseline
            assert b is not None
            moved = f" (moved {b.where()} → {match.candidate.where()})" if match.candidate else ""
            self.out.verified.append(VerifiedItem(subsystem=verdict.subsystem, source=SOURCE,
                                                  what=f"{b.key} {b.render_value()} identical",
                                                  how=f"effective configuration at both commits{moved}"))

    def _changed(self, judged: Judged, implicit: Default | Unknown | None, runtime: str | None) -> None:
        match, verdict = judged.match, judged.verdict
        hyp = verdict.hypothesis
        locations = [loc for loc in (_loc(match.baseline, "baseline"), _loc(match.candidate, "candidate")) if loc]
        self._group(hyp, "changed", judged)
        if match.status is MatchStatus.removed:
            if self.sections is None:
                self.sections = section_index(self.matches)
            judged.place = placement(match, self.matches, self.cand, self.sections)
        fix, fix_loc = _fix(match, self.matches, self.cand, self.sections)
        if fix_loc is not None and all(loc.side != "candidate" for loc in locations):
            locations.append(fix_loc)
        confidence = MATCH_CONFIDENCE.get(match.how, 0.7)
        if match.status is MatchStatus.added:
            confidence -= 0.15
        if not self.entry_known:
            confidence -= NO_ENTRY_PENALTY
        severity = verdict.severity
        rationale = f"Effective configuration of the training entry ({match.status.value}); {verdict.why}."
        if runtime is not None:
            # which file a run loads is chosen on its command line: this change matters to the runs using it
            confidence -= RUNTIME_PENALTY
            severity = Severity.significant if severity is Severity.critical else severity
            rationale = f"{self._runtime_what(match, runtime)} ({match.status.value}); it matters to the runs " \
                        f"that use it; {verdict.why}."
        title = _title(match)
        key = (match.baseline or match.candidate).key  # type: ignore[union-attr]
        made = self.base.overridden.get(key) if match.status is MatchStatus.changed else None
        if made is not None and self.cand.overridden.get(key) == made:
            severity, confidence = Severity.low, confidence - 0.2
            rationale += f" Every construction of `{made}` passes this field by keyword at both commits: runs use " \
                         "the argument, not this default."
        if _unset_parameter(match):
            severity, confidence = Severity.low, confidence - 0.2
            rationale += " It is a new parameter's default None: the function takes what a caller passes, and " \
                         "no caller sets it here (an unset option, no value)."
        if severity is Severity.critical and _formulas(match):
            severity = Severity.significant
            rationale += " Both values are expressions computed at run time: their text differs, which does not " \
                         "show that their values do (a local replaced by the setting it held reads as a change)."
        if implicit is not None:
            title, rationale, confidence, severity = self._implicit_note(match, implicit, title, rationale,
                                                                         confidence, severity)
        patch = None
        if self.read_candidate and match.status is MatchStatus.changed and match.baseline and match.candidate:
            patch = restore_patch(self.read_candidate(match.candidate.path), match.candidate, match.baseline)
        finding = Finding(
            id=f"{SOURCE}:{key}", source=SOURCE, subsystem=verdict.subsystem, severity=severity,
            confidence=round(max(0.2, min(confidence, 0.95)), 2), title=title, impact=_impact(verdict),
            rationale=rationale,
            locations=locations, evidence=[_evidence(match, key, locations)], fix=fix, patch=patch,
            hypotheses=[hyp] if hyp else [],
        )
        self.out.findings.append(finding)
        if runtime is not None:
            self.runtime_found.append((finding, match, runtime))

    def _runtime_what(self, match: KeyMatch, runtime: str) -> str:
        entry = match.key_entry
        if runtime == entry.path:
            return f"`{entry.path}` is an experiment script: its `__main__` block runs training with this configuration"
        if entry.path in self.base.runtime_files or entry.path in self.cand.runtime_files:
            return f"`{entry.path}` is one of the config files `{runtime}` loads from a path chosen at run time"
        return (f"section `{entry.key.split('.', 1)[0]}` of `{entry.path}` is one of those `{runtime}` picks "
                "at run time")

    def _implicit_note(self, match: KeyMatch, implicit: Default | Unknown, title: str, rationale: str,
                       confidence: float, severity: Severity) -> tuple[str, str, float, Severity]:
        """What the other commit's implicit default says about a key set at one commit only."""
        other_side = "baseline" if match.status is MatchStatus.added else "candidate"
        if isinstance(implicit, Default):
            title += f" ({other_side}: implicit default {implicit.entry(match.key_entry).render_value()})"
            rationale += f" At the {other_side} nothing sets it; its implicit default there is " \
                         f"{implicit.entry(match.key_entry).render_value()} ({implicit.where})."
            return title, rationale, confidence, severity
        confidence -= UNKNOWN_DEFAULT_PENALTY
        rationale += f" The {other_side}'s implicit default could not be found: {implicit.why}."
        # nothing at the candidate reads it by name or whole (`dict(rewards)` reads `gem`)
        gone = match.key_entry
        retired = (match.status is MatchStatus.removed and not self.reads[1].reads(gone.leaf)
                   and not self.reads[1].reads_whole(gone.key))
        if retired:
            rationale += (f" No code at the candidate reads `{match.key_entry.leaf}`: the setting was "
                          "retired with the code that read it, so what replaced it is a code change.")
        if (match.status is MatchStatus.added or retired) and severity is Severity.critical:
            # a new setting (a new option usually comes with the code that reads it), or one retired
            # with its reader, and what applies instead is unknown: not proof of a regression
            severity = Severity.significant
        return title, rationale, confidence, severity

    def finish(self) -> Outcome:
        out, base, cand, playbooks = self.out, self.base, self.cand, self.playbooks
        if self.runtime_found:
            out.findings = _group_runtime(out.findings, self.runtime_found, base, cand)
            out.findings = _group_across_files(out.findings, self.runtime_found, base, cand)
        out.dead = _dead_groups(self.dead)
        for group in out.dead:
            if group.grouped:
                group.subsystem = _group_subsystem(group, playbooks)
                out.no_effect.append(_group_item(group))
            else:
                for match, reason in zip(group.matches, group.reasons, strict=True):
                    subsystem = judge(match, playbooks).subsystem
                    group.subsystem = group.subsystem or subsystem
                    out.no_effect.append(_key_item(match, reason, subsystem))
        for hyp, by_state in sorted(self.groups.items()):
            out.hypotheses.append(_hypothesis_update(hyp, by_state))
        return out


def _impact(verdict: KeyVerdict) -> str:
    if verdict.playbook and verdict.rule and verdict.rule.hypothesis:
        hypothesis = verdict.playbook.hypothesis(verdict.rule.hypothesis)
        if hypothesis is not None:
            return f"{hypothesis.statement} ({verdict.why})"
    return verdict.why


def _evidence(match: KeyMatch, key: str, locations: list[Location]) -> Evidence:
    return Evidence(
        kind=EvidenceKind.config,
        summary=f"{_value(match.baseline)} → {_value(match.candidate)} ({match.status.value}"
                + (f", matched by {match.how}" if match.how else "") + ")",
        locations=locations,
        details={"key": key, "status": match.status.value, "matched_by": match.how,
                 "baseline": _value(match.baseline), "candidate": _value(match.candidate),
                 "baseline_key": match.baseline.key if match.baseline else None,
                 "candidate_key": match.candidate.key if match.candidate else None},
    )


def _hypothesis_update(hyp: str, by_state: dict[str, list[Judged]]) -> HypothesisUpdate:
    if by_state["changed"]:
        keys = ", ".join(f"`{j.match.key}` {_value(j.match.baseline)} → {_value(j.match.candidate)}"
                         for j in by_state["changed"][:6])
        return HypothesisUpdate(hypothesis=hyp, status=HypothesisStatus.supported,
                                evidence=f"effective config changed: {keys}")
    keys = ", ".join(f"`{j.match.key}` {_value(j.match.baseline)}" for j in by_state["same"][:6])
    return HypothesisUpdate(hypothesis=hyp, status=HypothesisStatus.refuted,
                            evidence=f"effective config identical at both commits: {keys}")
