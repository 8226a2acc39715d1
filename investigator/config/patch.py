"""A one-line unified diff that puts the baseline value back at the candidate's location.

Only made when it is certain: both values are literals, and exactly one literal on the candidate
line evaluates to the candidate value. Otherwise there is no patch, and the finding's fix text says
what to change.
"""

from __future__ import annotations

import ast
import json
import re

import yaml

from investigator.config.model import ConfigEntry

_LITERAL = re.compile(
    r"""(?<![\w.])(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"""
    r"""|None|null|Null|NULL|~|True|true|False|false)(?![\w.])"""
)


def _evaluate(text: str, fmt: str) -> object:
    try:
        if fmt == "python":
            return ast.literal_eval(text)
        return yaml.safe_load(text)
    except (ValueError, SyntaxError, yaml.YAMLError, TypeError, MemoryError, RecursionError):
        return _Unset


class _Unset:
    pass


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b and type(a) is type(b)


def render(value: object, fmt: str) -> str | None:
    """The baseline value written in the candidate file's format."""
    if fmt == "python":
        return repr(value)
    if fmt == "toml":
        return None if value is None else json.dumps(value)
    if fmt == "json":
        return json.dumps(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def restore_patch(candidate_text: str | None, cand: ConfigEntry, base: ConfigEntry) -> str | None:
    if candidate_text is None or not cand.line or not cand.literal or not base.literal:
        return None
    lines = candidate_text.splitlines()
    if cand.line > len(lines):
        return None
    line = lines[cand.line - 1]
    spans = [m for m in _LITERAL.finditer(line) if _same(_evaluate(m.group(0), cand.format), cand.value)]
    if len(spans) != 1:
        return None
    try:
        new_value = render(base.value, cand.format)
    except (TypeError, ValueError, yaml.YAMLError):  # a value the format cannot write (a set in JSON)
        return None
    if new_value is None:
        return None
    span = spans[0]
    fixed = line[: span.start()] + new_value + line[span.end():]
    return (f"--- a/{cand.path}\n+++ b/{cand.path}\n@@ -{cand.line},1 +{cand.line},1 @@\n"
            f"-{line}\n+{fixed}\n")
