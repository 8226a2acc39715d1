"""Python 2 sources read as Python 3: a token-level rewrite of the Python 2 only syntax, lines kept.

Old RL code (the first TD3, many 2017-2018 baselines) is Python 2: `print "..."` makes the whole
module a parse failure, so triage, configuration forensics and the code detectors compare nothing in
it (real shape: TD3 c717e75c..34770ccd retuned `main.py`'s argparse defaults and training loop, and
the only record was "baseline main.py does not parse"). When `ast.parse` fails, `python3_source`
rewrites, token by token, the statements Python 3 removed:

- `print x, y` / `print >>f, x` / bare `print` -> `print(x, y)` / `print(x, file=f)` / `print()`, and
  `print ("%d") % n` (a statement printing `("%d") % n`) -> `print(("%d") % n)`;
- `exec code in ns` -> `exec(code, ns)`;
- `except E, e:` -> `except E as e:`;  `raise E, msg` -> `raise E(msg)` (a traceback argument dropped);
- backticks -> `repr(...)`;  `0777` -> `0o777`;  `10L` -> `10`;  `<>` -> `!=`;  `ur"..."` -> `r"..."`;
- indentation mixing tabs and spaces: tabs expanded to multiples of eight, as Python 2 did;
- `async` as a keyword argument (`x.cuda(async=True)`, Python 3.6 and PyTorch before 0.4) -> `non_blocking=`,
  the name PyTorch gave it when Python 3.7 made `async` a keyword (so a later `non_blocking=True` reads the same).

Every edit stays on its line (no line is added or removed), so line numbers in findings are the
file's own; columns may move on an edited line. Anything else (tuple parameters, `print` used inside
an expression, a statement the rewrite leaves invalid) makes the rewrite fail, and the caller records
the original syntax error as before. Why not `lib2to3`: it is deprecated and removed in Python 3.13
(the project supports 3.11+), its pure-Python parser is far slower on large modules, and its fixers
rewrite more than syntax (`dict.iteritems()`, imports), which would show up as code changes.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

_OPEN, _CLOSE = "([{", ")]}"
_STATEMENT_ENDS = (tokenize.NEWLINE, tokenize.ENDMARKER)
_SKIPPED = (tokenize.COMMENT, tokenize.NL)
_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class _Edit:
    row: int
    start: int
    end: int
    text: str


class _GiveUp(Exception):
    """A construct the rewrite does not handle: the source stays a parse failure."""


def _expand_mixed_indentation(source: str) -> str:
    """Leading tabs to multiples of eight when the file indents with both tabs and spaces (Python 3
    rejects the mix, Python 2 expanded tabs)."""
    lines = source.split("\n")
    indents = [_INDENT.match(line).group() for line in lines]  # type: ignore[union-attr]
    if not any("\t" in i for i in indents) or not any(" " in i for i in indents):
        return source
    return "\n".join(i.expandtabs(8) + line[len(i):] for i, line in zip(indents, lines, strict=True))


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise _GiveUp from exc
    # whitespace before a backtick comes back as an error token: not a token of the program
    return [t for t in tokens if not (t.type == tokenize.ERRORTOKEN and not t.string.strip())]


class _Rewriter:
    def __init__(self, tokens: list[tokenize.TokenInfo]) -> None:
        self.tokens = tokens
        self.edits: list[_Edit] = []

    def _insert(self, at: tuple[int, int], text: str) -> None:
        self.edits.append(_Edit(at[0], at[1], at[1], text))

    def _replace(self, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        if start[0] != end[0]:
            raise _GiveUp  # an edit never joins or splits lines
        self.edits.append(_Edit(start[0], start[1], end[1], text))

    def _statement(self, i: int) -> tuple[list[int], int]:
        """Indices of the significant tokens after `i` up to the end of its simple statement, and the
        index of the last of them (`i` when none)."""
        depth, out = 0, []
        for j in range(i + 1, len(self.tokens)):
            tok = self.tokens[j]
            if tok.type in _SKIPPED:
                continue
            if tok.type in _STATEMENT_ENDS or depth == 0 and tok.string == ";" and tok.type == tokenize.OP:
                break
            if tok.type == tokenize.OP:
                depth += (tok.string in _OPEN) - (tok.string in _CLOSE)
            out.append(j)
        return out, (out[-1] if out else i)

    def _closing(self, body: list[int]) -> int | None:
        """The index of the bracket closing the one `body` starts with."""
        depth = 0
        for j in body:
            tok = self.tokens[j]
            if tok.type == tokenize.OP:
                depth += (tok.string in _OPEN) - (tok.string in _CLOSE)
                if depth == 0:
                    return j
        return None

    def _top_level(self, body: list[int], text: str) -> list[int]:
        depth, out = 0, []
        for j in body:
            tok = self.tokens[j]
            if tok.type == tokenize.OP and tok.string in _OPEN:
                depth += 1
            elif tok.type == tokenize.OP and tok.string in _CLOSE:
                depth -= 1
            elif depth == 0 and tok.string == text:
                out.append(j)
        return out

    def _call(self, i: int, separator: str | None = None) -> None:
        """`print x, y` / `exec code in ns` -> a call; `separator` (`in`) becomes a comma."""
        head, body = self.tokens[i], self._statement(i)[0]
        if not body:
            self._insert(head.end, "()")
            return
        first, last = self.tokens[body[0]], self.tokens[body[-1]]
        if first.type == tokenize.OP and first.string in ("=", ".", "[", ",", ")"):
            return  # `print` as a name: Python 3 reads it, or it is no statement
        if first.type == tokenize.OP and first.string == "(" and self._closing(body) == body[-1]:
            return  # `print(x)`: a call to Python 3 (a parenthesised value to Python 2: the same output)
        if head.string == "print" and first.string == ">>":  # `print >>f, x`: the stream is `file=`
            commas = self._top_level(body, ",")
            k = body.index(commas[0]) if commas else len(body) - 1
            stream = [self.tokens[j] for j in body[1:k]]
            if not stream or k == len(body) - 1 or any(t.start[0] != head.start[0] for t in stream):
                raise _GiveUp
            self._replace(head.end, self.tokens[body[k]].end, "(")
            self._insert(last.end, f", file={' '.join(t.string for t in stream)})")
            return
        if separator is not None:
            for j in self._top_level(body, separator):
                self._replace(self.tokens[j].start, self.tokens[j].end, ",")
        if first.start[0] == head.end[0]:
            self._replace(head.end, first.start, "(")  # the space becomes the parenthesis: columns kept
        else:
            self._insert(head.end, "(")
        self._insert(last.end, ")")

    def _except(self, i: int) -> None:
        body = self._statement(i)[0]
        colon = self._top_level(body, ":")
        if not colon:
            return
        head = body[:body.index(colon[0])]
        commas = self._top_level(head, ",")
        if len(commas) == 1 and head.index(commas[0]) == len(head) - 2 \
                and self.tokens[head[-1]].type == tokenize.NAME:
            comma = self.tokens[commas[0]]
            self._replace(comma.start, comma.end, " as")

    def _raise(self, i: int) -> None:
        body, last = self._statement(i)
        commas = self._top_level(body, ",")
        if not commas or len(commas) > 2:
            return
        first = self.tokens[commas[0]]
        self._replace(first.start, first.end, "(")
        if len(commas) == 2:
            self._replace(self.tokens[commas[1]].start, self.tokens[last].end, ")")
        else:
            self._insert(self.tokens[last].end, ")")

    def rewrite(self) -> None:
        previous: tokenize.TokenInfo | None = None
        depth = 0
        backticks = 0
        for i, tok in enumerate(self.tokens):
            if tok.type in _SKIPPED:
                continue
            at_start = depth == 0 and (previous is None or previous.type in (tokenize.NEWLINE, tokenize.INDENT,
                                                                               tokenize.DEDENT)
                                       or previous.type == tokenize.OP and previous.string in (":", ";"))
            if tok.type == tokenize.NAME and at_start and tok.string in ("print", "exec"):
                self._call(i, "in" if tok.string == "exec" else None)
            elif tok.type == tokenize.NAME and at_start and tok.string == "except":
                self._except(i)
            elif tok.type == tokenize.NAME and at_start and tok.string == "raise":
                self._raise(i)
            elif tok.type == tokenize.NAME and tok.string == "async" and depth > 0 and self._keyword_argument(i, previous):
                self._replace(tok.start, tok.end, "non_blocking")
            elif tok.type == tokenize.ERRORTOKEN and tok.string == "`":
                self._replace(tok.start, tok.end, ")" if backticks % 2 else "repr(")
                backticks += 1
            elif previous is not None and previous.end == tok.start:
                self._adjacent(previous, tok)
            if tok.type == tokenize.OP:
                depth += (tok.string in _OPEN) - (tok.string in _CLOSE)
            previous = tok
        if backticks % 2:
            raise _GiveUp

    def _keyword_argument(self, i: int, previous: tokenize.TokenInfo | None) -> bool:
        """Whether the `async` at `i` names a keyword argument (`x.cuda(async=True)`): after `(` or `,`,
        before `=`. Python 3.7 made `async` a keyword; PyTorch before 0.4 spelled `non_blocking` so, and
        2017-2018 RL code (ptan's samples) is full of `.cuda(async=True)`."""
        if previous is None or previous.type != tokenize.OP or previous.string not in ("(", ","):
            return False
        following = next((t for t in self.tokens[i + 1:] if t.type not in _SKIPPED), None)
        return following is not None and following.type == tokenize.OP and following.string == "="

    def _adjacent(self, previous: tokenize.TokenInfo, tok: tokenize.TokenInfo) -> None:
        """Edits of two tokens with nothing between them: `0` `777`, `10` `L`, `<` `>`, `ur` `"..."`."""
        if previous.type == tokenize.NUMBER and tok.type == tokenize.NUMBER and previous.string == "0" \
                and tok.string.isdigit() and set(tok.string) <= set("01234567"):
            self._insert(previous.end, "o")
        elif previous.type == tokenize.NUMBER and tok.type == tokenize.NAME and tok.string in ("L", "l"):
            self._replace(tok.start, tok.end, "")
        elif previous.string == "<" and tok.string == ">" and tok.type == tokenize.OP:
            self._replace(previous.start, tok.end, "!=")
        elif previous.type == tokenize.NAME and previous.string.lower() == "ur" and tok.type == tokenize.STRING:
            self._replace(previous.start, previous.end, "r")


def python3_source(source: str) -> str | None:
    """`source` with its Python 2 only syntax rewritten (same lines), or None when nothing could be
    rewritten or the rewrite fails."""
    expanded = _expand_mixed_indentation(source)
    try:
        rewriter = _Rewriter(_tokens(expanded))
        rewriter.rewrite()
    except _GiveUp:
        return None
    if not rewriter.edits:
        return expanded if expanded != source else None
    lines = io.StringIO(expanded).readlines()
    by_row: dict[int, list[_Edit]] = {}
    for edit in rewriter.edits:
        by_row.setdefault(edit.row, []).append(edit)
    for row, edits in by_row.items():
        if row > len(lines):
            return None
        line = lines[row - 1]
        for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
            line = line[:edit.start] + edit.text + line[edit.end:]
        lines[row - 1] = line
    out = "".join(lines)
    return out if out.count("\n") == expanded.count("\n") else None
