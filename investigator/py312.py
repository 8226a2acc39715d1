"""Python 3.12 type-parameter syntax (PEP 695) read by Python 3.11's parser: a token-level rewrite, lines kept.

The engine runs on Python 3.11; a repository written for 3.12 that declares `type Value = int | float`, a generic
class `class Pipeline[TIn, TOut](Base):` or a generic function `def load[T: JsonLike](path, obj: T) -> T:` makes
each such module a parse failure, so triage, configuration forensics and the code detectors compare nothing in it
(real shape: lerobot 59ab2862..e6f95674, five modules of the dataset, processor and motor code recorded as "does not
parse" at both commits). `python311_source` rewrites, token by token:

- `type X = expr` / `type X[T] = expr` at the start of a statement -> `X = expr` (the alias is a name bound to the
  type expression, which is what the code detectors and the flow read of it);
- the type-parameter list of a `def` or `class` (`def f[T: int, *Ts, **P](...)`, `class C[T](Base):`) -> removed.

Every edit stays on its line (a type-parameter list spanning lines makes the rewrite give up), so line numbers in
findings are the file's own; columns move on an edited line. Anything else 3.12-only (nested same-quote f-strings
of PEP 701) makes the tokenizer or the parse fail, and the caller records the original syntax error as before.
"""

from __future__ import annotations

import io
import tokenize

_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
_SKIPPED = (tokenize.NL, tokenize.COMMENT)


class _GiveUp(Exception):
    """A construct the rewrite does not handle: the source stays a parse failure."""


def _bracket_end(tokens: list[tokenize.TokenInfo], i: int) -> int:
    """Index of the `]` closing the `[` at `i`, on the same line (else `_GiveUp`)."""
    depth = 0
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok.start[0] != tokens[i].start[0]:
            raise _GiveUp
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
            if depth == 0:
                return j
    raise _GiveUp


def _significant(tokens: list[tokenize.TokenInfo]) -> list[tokenize.TokenInfo]:
    return [t for t in tokens if t.type not in _SKIPPED]


def _edits(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int, int]]:
    """(row, start column, end column) spans to delete."""
    out: list[tuple[int, int, int]] = []
    previous = tokenize.NEWLINE
    for i, tok in enumerate(tokens):
        at_start = previous in _STATEMENT_START
        previous = tok.type
        if tok.type != tokenize.NAME or i + 2 >= len(tokens):
            continue
        name, after = tokens[i + 1], tokens[i + 2]
        if name.type != tokenize.NAME or name.start[0] != tok.start[0]:
            continue
        if at_start and tok.string == "type" and after.type == tokenize.OP and after.string in ("=", "["):
            out.append((tok.start[0], tok.start[1], name.start[1]))  # `type ` before the alias name
            if after.string == "[":
                out.append((after.start[0], after.start[1], tokens[_bracket_end(tokens, i + 2)].end[1]))
        elif tok.string in ("def", "class") and after.type == tokenize.OP and after.string == "[":
            out.append((after.start[0], after.start[1], tokens[_bracket_end(tokens, i + 2)].end[1]))
    return out


def python311_source(source: str) -> str | None:
    """`source` with its PEP 695 syntax rewritten (same lines), or None when there is none or it cannot be read."""
    try:
        tokens = _significant(list(tokenize.generate_tokens(io.StringIO(source).readline)))
        edits = _edits(tokens)
    except (tokenize.TokenError, SyntaxError, _GiveUp):
        return None
    if not edits:
        return None
    lines = io.StringIO(source).readlines()
    for row, start, end in sorted(edits, reverse=True):
        if row > len(lines):
            return None
        line = lines[row - 1]
        lines[row - 1] = line[:start] + line[end:]
    out = "".join(lines)
    return out if out.count("\n") == source.count("\n") else None
