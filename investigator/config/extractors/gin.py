"""Gin configuration files (`*.gin`, google/gin-config): every binding becomes an entry with its line.

Gin binds the parameters of configurable functions and classes from text files: `Class.param = value`
(also `scope/Class.param` and `module.Class.param`), macros `NAME = value` used as `%NAME`, references
`@module.fn` / `@fn()`, `import` lines and `include 'other.gin'`. Real shape (dopamine 7ec9c15..a9911ec,
precision held-out 7): `Runner.num_iterations = 30 -> 125` in `dqn_lunarlander.gin` was no finding at
all, since no extractor read `.gin` files. Keys are `Class.param` (the configurable's module path
dropped, a scope kept in front: `train/Runner.num_iterations` -> `train.runner.num_iterations`), so a
key rule matches the parameter's name (`gamma`, `learning_rate`, `batch_size`, `update_period`) as in
any other format. Values are Python literals; a value that holds a reference or a macro is kept as
its text (not a literal), so `@networks.A -> @networks.B` is a changed value too.
"""

from __future__ import annotations

import ast
import re

from investigator.config.extractors.base import Extractor, ParsedFile, register_extractor
from investigator.config.keys import normalise_key
from investigator.config.model import ConfigEntry, EntryKind

_BINDING = re.compile(r"(?P<key>[A-Za-z_][\w./]*)\s*=(?!=)\s*(?P<value>.*)", re.DOTALL)
_INCLUDE = re.compile(r"""include\s+(?P<q>['"])(?P<path>[^'"]+)(?P=q)""")
_IMPORT = re.compile(r"(?:import|from)\s+[\w.]")
_OPEN, _CLOSE = "([{", ")]}"


def _strip_comment(line: str) -> str:
    """The line without a `#` comment outside string literals."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _depth(text: str) -> int:
    depth, quote = 0, ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth


def statements(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each statement; a value with open brackets continues on later lines."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line and not pending:
            continue
        if not pending:
            start = number
        pending.append(line)
        joined = " ".join(pending)
        if _depth(joined) <= 0 and not joined.endswith("\\"):
            out.append((start, joined))
            pending = []
    if pending:
        out.append((start, " ".join(pending)))
    return out


def value_of(text: str) -> tuple[object, bool]:
    """(value, literal): a Python literal, or the text itself when it holds a reference or a macro."""
    text = text.strip()
    try:
        return ast.literal_eval(text), True
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return " ".join(text.split()), False


def _key(raw: str) -> str:
    """`scope/module.Class.param` -> the normalised `scope.class.param` (module path dropped)."""
    *scopes, name = raw.split("/")
    parts = name.split(".")
    return normalise_key([s for scope in scopes for s in scope.split(".") if s] + parts[-2:])


def extract_gin(path: str, text: str) -> ParsedFile:
    includes: list[str] = []
    parsed = ParsedFile(path=path, format="gin", data=includes)
    for line, statement in statements(text):
        include = _INCLUDE.match(statement)
        if include:
            includes.append(include.group("path"))
            continue
        if _IMPORT.match(statement):
            continue
        binding = _BINDING.fullmatch(statement)
        if binding is None:
            continue  # not a binding gin reads (or syntax this reader does not know): nothing to compare
        value, literal = value_of(binding.group("value"))
        raw = binding.group("key")
        parsed.entries.append(ConfigEntry(key=_key(raw), raw_key=raw, value=value, path=path, line=line,
                                          format="gin", kind=EntryKind.file_value, literal=literal))
    return parsed


register_extractor(Extractor("gin", (".gin",), extract_gin, max_bytes=512_000, title="Gin configuration (gin-config)"))
