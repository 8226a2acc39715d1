"""Triage: map every changed file (and changed Python function/class) to playbook subsystems.

Pure renames, formatting-only, comment-only and docstring-only changes are recognised here and kept
out of findings; what maps to no subsystem is listed as "other".
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import PurePosixPath

import yaml
from pydantic import BaseModel, Field

from investigator.git.changeset import ChangedFile, ChangeSet
from investigator.models import OTHER_SUBSYSTEM, AnalyzerFailure
from investigator.playbooks_lib.schema import YAML_LOADER, PlaybookSet
from investigator.pyast import (
    index_definitions,
    innermost_definition,
    same_behaviour,
    source_fingerprint,
)

DOC_SUFFIXES = {".md", ".rst", ".txt", ".adoc"}
STRUCTURED_SUFFIXES = {".yaml", ".yml", ".json"}
NATIVE_SUFFIXES = {".c", ".cc", ".cpp", ".cxx", ".h", ".hpp", ".cu", ".cuh", ".glsl", ".hlsl", ".metal", ".pyx"}

# Change kinds that cannot alter behaviour.
NO_EFFECT_KINDS = {"rename", "formatting", "comments", "docstring", "documentation"}


class SubsystemMatch(BaseModel):
    subsystem: str
    reasons: list[str]


class ChangedSymbol(BaseModel):
    qualname: str
    kind: str  # function | class
    change: str  # modified | added | removed
    baseline_line: int | None = None
    candidate_line: int | None = None
    subsystems: list[str] = Field(default_factory=list)


class TriageEntry(BaseModel):
    path: str
    old_path: str | None = None
    status: str
    change_kind: str  # behavioural | rename | formatting | comments | docstring | documentation | binary | native
    language: str
    added: int = 0
    removed: int = 0
    subsystems: list[SubsystemMatch] = Field(default_factory=list)
    symbols: list[ChangedSymbol] = Field(default_factory=list)
    note: str = ""
    parse_errors: dict[str, str] = Field(default_factory=dict)  # side -> one-line parse error

    @property
    def has_effect(self) -> bool:
        return self.change_kind not in NO_EFFECT_KINDS

    @property
    def subsystem_names(self) -> list[str]:
        return [m.subsystem for m in self.subsystems] or [OTHER_SUBSYSTEM]


class Triage(BaseModel):
    entries: list[TriageEntry] = Field(default_factory=list)
    failures: list[AnalyzerFailure] = Field(default_factory=list)

    def touched(self) -> dict[str, int]:
        """Subsystem -> number of behavioural changed files mapped to it."""
        counts: Counter[str] = Counter()
        for e in self.entries:
            if e.has_effect:
                counts.update(e.subsystem_names)
        return dict(counts)

    def files_for(self, subsystem: str) -> list[str]:
        return [e.path for e in self.entries if e.has_effect and subsystem in e.subsystem_names]

    def behavioural(self) -> list[TriageEntry]:
        return [e for e in self.entries if e.has_effect]

    def no_effect(self) -> list[TriageEntry]:
        return [e for e in self.entries if not e.has_effect]

    def entry(self, path: str) -> TriageEntry | None:
        return next((e for e in self.entries if path in (e.path, e.old_path)), None)


def _language(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix == ".py":
        return "python"
    if suffix in STRUCTURED_SUFFIXES:
        return "yaml" if suffix != ".json" else "json"
    if suffix == ".toml":
        return "toml"
    if suffix in DOC_SUFFIXES:
        return "docs"
    if suffix in NATIVE_SUFFIXES:
        return "native"
    return "text"


def _changed_text(f: ChangedFile) -> str:
    return "\n".join(line[1:] for h in f.hunks for line in h.lines if line[:1] in "+-")


def _strip_comments(source: str) -> str:
    """Code lines without comments and blank lines: equal means a comment-only change."""
    out = []
    for line in source.splitlines():
        stripped = line.split("#", 1)[0].rstrip() if "#" in line else line.rstrip()
        if stripped.strip():
            out.append(stripped)
    return "\n".join(out)


ParsedSide = tuple[ast.Module | None, str | None]


def _python_kind(old: str | None, new: str | None, old_parsed: ParsedSide, new_parsed: ParsedSide) -> tuple[str, str | None]:
    """Classify a Python change (behavioural/formatting/comments/docstring) by comparing bytecode."""
    if old is None or new is None:
        return "behavioural", None
    (old_tree, old_err), (new_tree, new_err) = old_parsed, new_parsed
    if old_tree is None or new_tree is None:
        return "behavioural", old_err or new_err
    if same_behaviour(old_tree, new_tree):
        return ("comments" if _comments(old) != _comments(new) else "formatting"), None
    if same_behaviour(old_tree, new_tree, ignore_docstrings=True):
        return "docstring", None
    return "behavioural", None


def _comments(source: str) -> list[str]:
    """Comment texts (a cheap scan: only used to tell a comment edit from a formatting edit)."""
    return [line.split("#", 1)[1].strip() for line in source.splitlines() if "#" in line]


def _structured_kind(language: str, old: str | None, new: str | None) -> tuple[str, str | None]:
    if old is None or new is None:
        return "behavioural", None
    try:
        if language == "json":
            same = json.loads(old) == json.loads(new)
        else:
            same = list(yaml.load_all(old, Loader=YAML_LOADER)) == list(yaml.load_all(new, Loader=YAML_LOADER))
    except (yaml.YAMLError, json.JSONDecodeError, ValueError) as exc:
        return "behavioural", f"does not parse: {str(exc).splitlines()[0]}"
    if same:
        return ("comments" if _strip_comments(old) != _strip_comments(new) else "formatting"), None
    return "behavioural", None


def _text_kind(old: str | None, new: str | None) -> str:
    if old is not None and new is not None and old.split() == new.split():
        return "formatting"
    return "behavioural"


def _changed_symbols(f: ChangedFile, old_tree: ast.Module | None, new_tree: ast.Module | None) -> list[ChangedSymbol]:
    """Functions/classes whose own AST differs between the sides (innermost definition per line)."""
    old_defs = index_definitions(old_tree) if old_tree else []
    new_defs = index_definitions(new_tree) if new_tree else []
    old_by_name = {d.qualname: d for d in old_defs}
    new_by_name = {d.qualname: d for d in new_defs}
    touched_old = {d.qualname for ln in (x for h in f.hunks for x in h.removed_lines) if (d := innermost_definition(old_defs, ln))}
    touched_new = {d.qualname for ln in (x for h in f.hunks for x in h.added_lines) if (d := innermost_definition(new_defs, ln))}
    symbols: list[ChangedSymbol] = []
    for name in sorted(touched_old | touched_new):
        o, n = old_by_name.get(name), new_by_name.get(name)
        if o and n:
            if same_behaviour(o.node, n.node, ignore_docstrings=True):
                continue
            change = "modified"
        else:
            change = "removed" if o else "added"
        kind = (o or n).kind  # type: ignore[union-attr]
        symbols.append(
            ChangedSymbol(
                qualname=name,
                kind=kind,
                change=change,
                baseline_line=o.start if o else None,
                candidate_line=n.start if n else None,
            )
        )
    return symbols


def _match_subsystems(playbooks: PlaybookSet, f: ChangedFile, changed_text: str, symbols: list[ChangedSymbol]) -> list[SubsystemMatch]:
    matches: list[SubsystemMatch] = []
    names = " ".join(s.qualname for s in symbols)
    for playbook in playbooks:
        reasons: list[str] = []
        for path in {p for p in (f.old_path, f.new_path) if p}:
            pattern = playbook.matches_path(path)
            if pattern:
                reasons.append(f"path {path} matches {pattern!r}")
                break
        regex = playbook.identifier_regex
        if regex is not None:
            hits = _first_hits(regex, changed_text)
            hits += [h for h in _first_hits(regex, names) if h not in hits]
            if hits:
                reasons.append("changed lines mention " + ", ".join(f"`{h}`" for h in hits[:5]))
        if reasons:
            matches.append(SubsystemMatch(subsystem=playbook.subsystem, reasons=reasons))
    return matches


def _first_hits(regex: re.Pattern[str], text: str, limit: int = 5) -> list[str]:
    """Up to `limit` distinct matches (the reason text needs examples, not every occurrence)."""
    hits: list[str] = []
    for match in regex.finditer(text):
        if match.group(0) not in hits:
            hits.append(match.group(0))
            if len(hits) == limit:
                break
    return sorted(hits)


def _symbol_subsystems(playbooks: PlaybookSet, symbol: ChangedSymbol, body: str) -> list[str]:
    out = []
    for playbook in playbooks:
        regex = playbook.identifier_regex
        if regex is not None and (regex.search(body) or regex.search(symbol.qualname)):
            out.append(playbook.subsystem)
    return out


def triage_changeset(changeset: ChangeSet, playbooks: PlaybookSet) -> Triage:
    """Classify and map every changed file; never raises on unparsable content."""
    changeset.baseline.prefetch([f.old_path for f in changeset.files if f.old_path and not f.binary])
    changeset.candidate.prefetch([f.new_path for f in changeset.files if f.new_path and not f.binary])
    triage = Triage()
    for f in changeset.files:
        language = _language(f.path)
        entry = TriageEntry(
            path=f.path,
            old_path=f.old_path if f.old_path != f.new_path else None,
            status=f.status,
            change_kind="behavioural",
            language=language,
            added=f.added,
            removed=f.removed,
        )
        old = changeset.baseline.read_text(f.old_path) if f.old_path and not f.binary else None
        new = changeset.candidate.read_text(f.new_path) if f.new_path and not f.binary else None
        error: str | None = None
        if f.binary:
            entry.change_kind = "binary"
        elif f.is_pure_rename:
            entry.change_kind = "rename"
            entry.note = f"renamed from {f.old_path} without content change"
        elif language == "docs":
            entry.change_kind = "documentation"
        elif language == "python" and old is not None and new is not None and (fp := source_fingerprint(old)) is not None and fp == source_fingerprint(new):
            # Same bytecode up to line layout: formatting or comments only, no AST needed.
            entry.change_kind = "comments" if _comments(old) != _comments(new) else "formatting"
        elif language == "python":
            old_parsed = changeset.baseline.python_ast(f.old_path) if old is not None and f.old_path else (None, None)
            new_parsed = changeset.candidate.python_ast(f.new_path) if new is not None and f.new_path else (None, None)
            entry.change_kind, error = _python_kind(old, new, old_parsed, new_parsed)
            if entry.change_kind == "behavioural":
                entry.symbols = _changed_symbols(f, old_parsed[0], new_parsed[0])
        elif language in ("yaml", "json"):
            entry.change_kind, error = _structured_kind(language, old, new)
        elif language == "native":
            entry.change_kind = "native"
        else:
            entry.change_kind = _text_kind(old, new)
        if language == "python" and entry.change_kind == "behavioural":
            for side, parsed in (("baseline", old_parsed), ("candidate", new_parsed)):
                if parsed[1]:
                    entry.parse_errors[side] = parsed[1]
        elif error:
            entry.parse_errors["baseline" if old is not None else "candidate"] = error
        if entry.parse_errors:
            entry.note = "; ".join(f"{side} version {err}" for side, err in entry.parse_errors.items())
            triage.failures.append(AnalyzerFailure(source="triage", message=f"{f.path}: {entry.note}", path=f.path))
        if f.status == "renamed" and entry.change_kind in ("formatting", "comments", "docstring"):
            entry.note = f"renamed from {f.old_path}; {entry.change_kind}-only edits"
        if entry.has_effect:
            changed = _changed_text(f)
            entry.subsystems = _match_subsystems(playbooks, f, changed, entry.symbols)
            for symbol in entry.symbols:
                source = new if symbol.candidate_line else old
                lines = (source or "").splitlines()
                start = (symbol.candidate_line or symbol.baseline_line or 1) - 1
                symbol.subsystems = _symbol_subsystems(playbooks, symbol, "\n".join(lines[start : start + 200]))
        triage.entries.append(entry)
    return triage
