"""Triage: map every changed file (and changed Python function/class) to playbook subsystems.

Pure renames, formatting-only, comment-only and docstring-only changes are recognised here and kept
out of findings; what maps to no subsystem is listed as "other".

A file maps by its paths (playbook globs), by the identifiers in its changed lines (language keywords
such as Python's `return` do not count, see `Playbook.identifier_hits`), and by every subsystem one of
its changed symbols maps to by name or signature; a symbol itself maps by its name and its own lines.
"""

from __future__ import annotations

import ast
import posixpath
import types
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from investigator.config.extractors.base import ExtractError, LimitError
from investigator.config.extractors.structured import json_loads, load_documents
from investigator.content import unreadable_reason
from investigator.git.changeset import ChangedFile, ChangeSet
from investigator.models import OTHER_SUBSYSTEM, AnalyzerFailure
from investigator.playbooks_lib.schema import Playbook, PlaybookSet
from investigator.pyast import (
    MAX_SOURCE_CHARS,
    NOT_ANALYSED,
    Definition,
    code_fingerprint,
    compile_source,
    index_definitions,
    parse_python,
    same_behaviour,
    same_tree,
    strip_docstrings,
)
from investigator.triage_shares import triage_in_two

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
    # side -> why that side was not analysed although it may be valid (git-LFS pointer, binary, too
    # large, nested or aliased past our bounds); "triage" -> an error of ours classifying the file
    not_analysed: dict[str, str] = Field(default_factory=dict)

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
    suffix = posixpath.splitext(path)[1].lower()
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


def _python_kind(old: str | None, new: str | None, old_parsed: ParsedSide, new_parsed: ParsedSide,
                 codes: tuple[types.CodeType | None, types.CodeType | None] = (None, None),
                 bytecode_differs: bool = False) -> tuple[str, str | None]:
    """Classify a Python change (behavioural/formatting/comments/docstring) by comparing bytecode.

    `codes` are both sides compiled (for the cheap name-signature proof of a behavioural change);
    `bytecode_differs` says their fingerprints were already compared and differ, so only the AST
    comparison (jump offsets can move with layout) can still show the same behaviour.
    """
    if old is None or new is None:
        return "behavioural", None
    (old_tree, old_err), (new_tree, new_err) = old_parsed, new_parsed
    if old_tree is None or new_tree is None:
        return "behavioural", old_err or new_err
    if codes[0] is not None and codes[1] is not None and _name_signature(codes[0]) != _name_signature(codes[1]):
        return "behavioural", None
    if same_tree(old_tree, new_tree) if bytecode_differs else same_behaviour(old_tree, new_tree):
        return ("comments" if _comments(old) != _comments(new) else "formatting"), None
    # fresh trees to strip (the snapshot's are shared): parsing is several times cheaper than deepcopy
    old_bare, new_bare = parse_python(old)[0], parse_python(new)[0]
    if old_bare is not None and new_bare is not None and same_behaviour(strip_docstrings(old_bare), strip_docstrings(new_bare)):
        return "docstring", None
    return "behavioural", None


def _same_bytecode(codes: tuple[types.CodeType | None, types.CodeType | None]) -> bool:
    """Both sides compile to the same code up to line layout: formatting or comments only."""
    old, new = codes
    return old is not None and new is not None and code_fingerprint(old) == code_fingerprint(new)


def _name_signature(code: types.CodeType) -> tuple:
    """What formatting, comment and docstring edits cannot change in compiled code: the names it uses
    (less `__doc__`, which a module or class docstring sets) and its constants other than strings and
    None (docstrings, and the None a stripped docstring leaves), nested code included. Different
    signatures prove a behavioural change without an AST comparison; equal ones prove nothing."""
    nested = tuple(_name_signature(c) for c in code.co_consts if isinstance(c, types.CodeType))
    consts = tuple((type(c).__name__, repr(c)) for c in code.co_consts
                   if c is not None and not isinstance(c, str | types.CodeType))
    names = tuple(n for n in code.co_names if n != "__doc__")
    return (code.co_name, names, code.co_varnames, code.co_freevars, code.co_cellvars, consts, nested)


def _code_by_qualname(code: types.CodeType | None) -> dict[str, types.CodeType | None]:
    """Nested code objects by qualified name (None where a name is defined twice)."""
    found: dict[str, types.CodeType | None] = {}
    stack = [code] if code is not None else []
    while stack:
        current = stack.pop()
        for const in current.co_consts:
            if isinstance(const, types.CodeType):
                found[const.co_qualname] = None if const.co_qualname in found else const
                stack.append(const)
    return found


def _comments(source: str) -> list[str]:
    """Comment texts (a cheap scan: only used to tell a comment edit from a formatting edit)."""
    return [line.split("#", 1)[1].strip() for line in source.splitlines() if "#" in line]


def _structured_value(language: str, text: str) -> object:
    """The documents of a YAML/JSON text. Raises ExtractError (LimitError past the bounds of
    `load_documents`: comparing two unbounded alias expansions would never end)."""
    try:
        if language == "json":
            return json_loads(text)  # comments and trailing commas read as lenient loaders (ujson) do
        return load_documents(text)
    except RecursionError:
        raise LimitError("nested too deeply to read") from None
    except ValueError as exc:
        raise ExtractError(f"does not parse: {str(exc).splitlines()[0]}") from None


def _structured_kind(language: str, old: str | None, new: str | None,
                     entry: TriageEntry) -> str:
    """Classify a YAML/JSON change; a side that does not parse, or is over the bounds, is recorded
    in `entry` under its own name."""
    if old is None or new is None:
        return "behavioural"
    values: list[object] = []
    for side, text in (("baseline", old), ("candidate", new)):
        try:
            values.append(_structured_value(language, text))
        except LimitError as exc:
            entry.not_analysed[side] = str(exc)
        except ExtractError as exc:
            entry.parse_errors[side] = str(exc)
    if len(values) < 2:
        return "behavioural"
    if values[0] == values[1]:
        return "comments" if _strip_comments(old) != _strip_comments(new) else "formatting"
    return "behavioural"


def _text_kind(old: str | None, new: str | None) -> str:
    if old is not None and new is not None and old.split() == new.split():
        return "formatting"
    return "behavioural"


@dataclass
class _Symbol:
    """A changed symbol with its definitions on each side (their line spans are what it maps by)."""

    symbol: ChangedSymbol
    old: Definition | None
    new: Definition | None


def _changed_symbols(f: ChangedFile, old_tree: ast.Module | None, new_tree: ast.Module | None,
                     codes: tuple[types.CodeType | None, types.CodeType | None] = (None, None)) -> list[_Symbol]:
    """Functions/classes whose own AST differs between the sides (innermost definition per line).

    With both sides compiled (`codes`), a top-level or class-level definition whose name signature
    differs is changed without an AST comparison. Nested functions, and every definition when the
    module's compiler flags differ (`from __future__ import annotations`), are compared by AST only:
    their compiled names also depend on the surroundings.
    """
    old_defs = index_definitions(old_tree) if old_tree else []
    new_defs = index_definitions(new_tree) if new_tree else []
    old_by_name = {d.qualname: d for d in old_defs}
    new_by_name = {d.qualname: d for d in new_defs}
    touched_old = _touched(old_defs, [x for h in f.hunks for x in h.removed_lines])
    touched_new = _touched(new_defs, [x for h in f.hunks for x in h.added_lines])
    comparable = codes[0] is not None and codes[1] is not None and codes[0].co_flags == codes[1].co_flags
    old_codes, new_codes = (_code_by_qualname(codes[0]), _code_by_qualname(codes[1])) if comparable else ({}, {})
    symbols: list[_Symbol] = []
    for name in sorted(touched_old | touched_new):
        o, n = old_by_name.get(name), new_by_name.get(name)
        if o and n:
            oc, nc = old_codes.get(name), new_codes.get(name)
            signatures_differ = (oc is not None and nc is not None and "<locals>" not in name
                                 and _name_signature(oc) != _name_signature(nc))
            if not signatures_differ and same_behaviour(o.node, n.node, ignore_docstrings=True):
                continue
            change = "modified"
        else:
            change = "removed" if o else "added"
        kind = (o or n).kind  # type: ignore[union-attr]
        symbol = ChangedSymbol(
            qualname=name,
            kind=kind,
            change=change,
            baseline_line=o.start if o else None,
            candidate_line=n.start if n else None,
        )
        symbols.append(_Symbol(symbol, o, n))
    return symbols


def _touched(defs: list[Definition], lines: list[int]) -> set[str]:
    """Qualified names of the innermost definition spanning each line (as `innermost_definition`,
    the later of equal spans winning), from a line table painted widest first: one pass, not one
    scan of every definition per changed line."""
    if not defs or not lines:
        return set()
    last = max(d.end for d in defs)
    table: list[str | None] = [None] * (last + 2)
    for d in sorted(defs, key=lambda d: d.start - d.end):  # widest first; stable, so later equal spans win
        table[d.start : d.end + 1] = [d.qualname] * (d.end - d.start + 1)
    return {name for ln in lines if 0 <= ln <= last and (name := table[ln]) is not None}


class _Lines:
    """Character offsets of the lines of one side's source (computed on first use)."""

    def __init__(self, source: str | None) -> None:
        self.source = source or ""
        self._starts: list[int] | None = None

    def span(self, definition: Definition, header: bool = False) -> tuple[int, int]:
        """(pos, endpos) of the definition's own lines, decorators included; with `header`, only its
        decorators and signature (up to the line before its body)."""
        if self._starts is None:
            starts = [0]
            find = self.source.find
            while (nl := find("\n", starts[-1])) >= 0:
                starts.append(nl + 1)
            self._starts = starts
        starts = self._starts
        end = definition.end
        if header:
            body = getattr(definition.node, "body", None)
            first = body[0].lineno if body else definition.end + 1
            end = max(definition.start, min(first - 1, definition.end), getattr(definition.node, "lineno", 0))
        pos = starts[min(definition.start, len(starts)) - 1]
        endpos = starts[end] - 1 if end < len(starts) else len(self.source)
        return pos, endpos


def _symbol_hits(playbook: Playbook, sym: _Symbol, sides: tuple[_Lines, _Lines], language: str,
                 name: bool, body: bool, header_only: bool = False) -> list[str]:
    """Identifiers of the playbook in the symbol's name (if `name`) and, if `body`, in its own lines
    (only its decorators and signature with `header_only`): the candidate's definition, and the
    baseline's too when modified (a removed call counts)."""
    hits = playbook.identifier_hits(sym.symbol.qualname) if name else []  # a qualified name is all identifiers
    if body:
        for lines, definition in ((sides[1], sym.new), (sides[0], sym.old)):
            if definition is not None:
                pos, endpos = lines.span(definition, header=header_only)
                hits += [h for h in playbook.identifier_hits(lines.source, language, pos, endpos) if h not in hits]
    return sorted(hits)


_DEFINITION_WORDS = ("def ", "class ", "async def ")


def _ticks(words: list[str], limit: int) -> str:
    return ", ".join(f"`{w}`" for w in words[:limit])


def _symbols_reason(mapped: list[tuple[str, list[str]]]) -> str:
    if len(mapped) == 1:
        name, hits = mapped[0]
        return f"changed symbol `{name}` maps here ({_ticks(hits, 3)})"
    shown = ", ".join(f"`{name}` ({_ticks(hits, 3)})" for name, hits in mapped[:3])
    more = f" and {len(mapped) - 3} more" if len(mapped) > 3 else ""
    return f"changed symbols {shown}{more} map here"


def _match_subsystems(playbooks: PlaybookSet, f: ChangedFile, language: str, changed_text: str,
                      symbols: list[_Symbol], old: str | None, new: str | None) -> list[SubsystemMatch]:
    """Subsystems of a changed file: path globs, identifiers in its changed lines, and every
    subsystem one of its changed symbols maps to by name or signature (`ChangedSymbol.subsystems` also
    counts the symbol's body)."""
    globs: dict[str, str] = {}  # subsystem -> "path P matches G", the first path that matches
    for path in dict.fromkeys(p for p in (f.old_path, f.new_path) if p):
        for subsystem, pattern in playbooks.matching_globs(path).items():
            globs.setdefault(subsystem, f"path {path} matches {pattern!r}")
    sides = (_Lines(old), _Lines(new))
    # An added or deleted file's changed lines are the whole file, so a symbol's lines (a slice of it)
    # can only hold identifiers of a playbook whose identifiers the changed lines hold.
    whole_file = f.status in ("added", "deleted")
    names = "\n".join(sym.symbol.qualname for sym in symbols)
    matches: list[SubsystemMatch] = []
    for playbook in playbooks:
        reasons = [globs[playbook.subsystem]] if playbook.subsystem in globs else []
        hits = playbook.identifier_hits(changed_text, language)
        if hits:
            reasons.append("changed lines mention " + _ticks(hits, 5))
        mapped: list[tuple[str, list[str]]] = []
        in_names = bool(symbols) and bool(playbook.identifier_hits(names))  # one search for all the names
        in_bodies = bool(hits) or not whole_file
        for sym in symbols if in_names or in_bodies else ():
            # The file takes a symbol's subsystem from its name and from playbook patterns written for
            # definitions (`def forward`, `def step(self, action`): what kind of code changed. Its
            # parameters and body often name other subsystems' data, so those hits stay on the
            # symbol: `compute_gae(rewards, dones)` is not an env change.
            head_hits = [h for h in _symbol_hits(playbook, sym, sides, language, name=in_names, body=in_bodies,
                                                 header_only=True)
                         if h in sym.symbol.qualname or h.startswith(_DEFINITION_WORDS)]
            if head_hits:
                mapped.append((sym.symbol.qualname, head_hits))
            if head_hits or (in_bodies and _symbol_hits(playbook, sym, sides, language, name=False, body=True)):
                sym.symbol.subsystems.append(playbook.subsystem)
        if mapped:
            reasons.append(_symbols_reason(mapped))
        if reasons:
            matches.append(SubsystemMatch(subsystem=playbook.subsystem, reasons=reasons))
    return matches


# Text larger than this is not parsed to classify a change (it is behavioural, and named as not
# analysed): the limit of the Python parser and of the configuration extractors (`pyast.MAX_SOURCE_CHARS`).
MAX_TEXT_BYTES = MAX_SOURCE_CHARS


PARSED_LANGUAGES = ("python", "yaml", "json", "toml")


def _read_side(snapshot, path: str | None, binary: bool, language: str) -> tuple[str | None, str | None]:
    """(text, None), or, for a language triage parses, (None, why it could not be read) for a side
    that has the file; (None, None) for a side without it or a binary change (git says so)."""
    if not path or binary:
        return None, None
    if language in PARSED_LANGUAGES:
        why = unreadable_reason(snapshot.read_bytes(path), MAX_TEXT_BYTES, snapshot, path)
        if why is not None:
            return None, why
    return snapshot.read_text(path), None


def triage_changeset(changeset: ChangeSet, playbooks: PlaybookSet) -> Triage:
    """Classify and map every changed file; never raises on unparsable content.

    A file that cannot be read, parsed or compared at a side (binary or git-LFS content in place of
    text, a huge or pathologically nested source, a bug of ours) is a recorded failure naming that
    side and the file; it stays a behavioural change and the run goes on."""
    changeset.baseline.prefetch([f.old_path for f in changeset.files if f.old_path and not f.binary])
    changeset.candidate.prefetch([f.new_path for f in changeset.files if f.new_path and not f.binary])
    triage = Triage()
    results = triage_in_two(changeset, lambda f: _entry(changeset, playbooks, f))
    for entry, failure in results if results is not None else (_entry(changeset, playbooks, f) for f in changeset.files):
        if failure is not None:
            triage.failures.append(failure)
        triage.entries.append(entry)
    return triage


def _entry(changeset: ChangeSet, playbooks: PlaybookSet, f: ChangedFile) -> tuple[TriageEntry, AnalyzerFailure | None]:
    """One changed file's entry, and its recorded failure if any (never raises)."""
    failure = None
    entry = TriageEntry(
        path=f.path,
        old_path=f.old_path if f.old_path != f.new_path else None,
        status=f.status,
        change_kind="behavioural",
        language=_language(f.path),
        added=f.added,
        removed=f.removed,
    )
    try:
        _triage_file(changeset, playbooks, f, entry)
    except Exception as exc:
        entry.change_kind, entry.symbols = "behavioural", []
        entry.not_analysed["triage"] = f"not classified: {type(exc).__name__}: {exc}"
    if entry.parse_errors or entry.not_analysed:
        entry.note = "; ".join(
            [f"{side} version {err}" for side, err in entry.parse_errors.items()]
            + [f"{side} version not analysed: {why}" if side in ("baseline", "candidate") else why
               for side, why in entry.not_analysed.items()])
        failure = AnalyzerFailure(source="triage", message=f"{f.path}: {entry.note}", path=f.path)
        if f.status == "renamed" and entry.change_kind in ("formatting", "comments", "docstring"):
            entry.note = f"renamed from {f.old_path}; {entry.change_kind}-only edits"
    return entry, failure


def _triage_python(
    changeset: ChangeSet,
    f: ChangedFile,
    old: str | None,
    new: str | None,
    codes: tuple[types.CodeType | None, types.CodeType | None],
    entry: TriageEntry,
) -> list[_Symbol]:
    """The kind of a Python change whose bytecode differs (or does not compile) into `entry`; for a
    behavioural one also the per-side parse problems and the changed symbols, which it returns."""
    old_parsed = changeset.baseline.python_ast(f.old_path) if old is not None and f.old_path else (None, None)
    new_parsed = changeset.candidate.python_ast(f.new_path) if new is not None and f.new_path else (None, None)
    bytecode_differs = codes[0] is not None and codes[1] is not None
    entry.change_kind, _error = _python_kind(old, new, old_parsed, new_parsed, codes, bytecode_differs)
    if entry.change_kind != "behavioural":
        return []
    for side, (_tree, err) in (("baseline", old_parsed), ("candidate", new_parsed)):
        if err and err.startswith(NOT_ANALYSED):
            entry.not_analysed[side] = err.removeprefix(NOT_ANALYSED).lstrip(": ")
        elif err:
            entry.parse_errors[side] = err
    symbols = _changed_symbols(f, old_parsed[0], new_parsed[0], codes)
    entry.symbols = [s.symbol for s in symbols]
    return symbols


def _triage_file(changeset: ChangeSet, playbooks: PlaybookSet, f: ChangedFile, entry: TriageEntry) -> None:
    """Classify one changed file into `entry` (kind, symbols, per-side parse errors, subsystems)."""
    language = entry.language
    old, old_unread = _read_side(changeset.baseline, f.old_path, f.binary, language)
    new, new_unread = _read_side(changeset.candidate, f.new_path, f.binary, language)
    for side, why in (("baseline", old_unread), ("candidate", new_unread)):
        if why is not None:
            entry.not_analysed[side] = why
    symbols: list[_Symbol] = []
    codes: tuple[types.CodeType | None, types.CodeType | None] = (None, None)  # both sides compiled once
    if f.binary:
        entry.change_kind = "binary"
    elif f.is_pure_rename:
        entry.change_kind = "rename"
        entry.note = f"renamed from {f.old_path} without content change"
    elif language == "docs":
        entry.change_kind = "documentation"
    elif language == "python" and old is not None and new is not None and _same_bytecode(
            codes := (compile_source(old), compile_source(new))):
        # Same bytecode up to line layout: formatting or comments only, no AST needed.
        entry.change_kind = "comments" if _comments(old) != _comments(new) else "formatting"
    elif language == "python":
        symbols = _triage_python(changeset, f, old, new, codes, entry)
    elif language in ("yaml", "json"):
        entry.change_kind = _structured_kind(language, old, new, entry)
    elif language == "native":
        entry.change_kind = "native"
    else:
        entry.change_kind = _text_kind(old, new)
    if f.status == "renamed" and entry.change_kind in ("formatting", "comments", "docstring"):
        entry.note = f"renamed from {f.old_path}; {entry.change_kind}-only edits"
    if entry.has_effect:
        entry.subsystems = _match_subsystems(playbooks, f, language, _changed_text(f), symbols, old, new)
