"""One reader for command-line option declarations (argparse `add_argument`, click `option` /
`argument`, typer `Option` / `Argument`).

The configuration extractor records an option's default as a setting, the guards read a script's own
option when its `args.X` decides a branch, and the guards also ask whether a configured value came from
an option without an explicit default (chosen when the run starts, so its implicit default proves
nothing). All three read the same call the same way here: destination name, default, and whether the
default is written or implied (`action="store_true"`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.pyast import last_name, name_chain

# Call names (last dotted segment) that declare an option, and their library.
OPTION_CALLS: dict[str, str] = {"add_argument": "argparse", "option": "click", "Option": "typer",
                                "Argument": "typer", "argument": "click"}
_FLAG_ACTIONS: dict[str, bool] = {"store_true": False, "store_false": True}  # argparse implied defaults


@dataclass(frozen=True)
class DeclaredOption:
    """What one option call declares. `default` is the written default, or the one an argparse flag
    action implies (then `explicit` is False); None when the call gives none."""

    dest: str
    default: ast.expr | None
    explicit: bool
    line: int


def option_call_name(call: ast.Call) -> str | None:
    """The option library's call name (`add_argument`, `option`, ...) when `call` declares an option."""
    name = last_name(name_chain(call.func) or "")
    return name if name in OPTION_CALLS else None


def declared_option(call: ast.Call, param: str | None = None) -> DeclaredOption | None:
    """The option `call` declares; `param` is the function parameter a typer `Option(...)` default is
    bound to (its destination). None when `call` is no option call or names no destination."""
    name = option_call_name(call)
    if name is None:
        return None
    flags = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    default: ast.expr | None = None
    implied: ast.expr | None = None
    dest = param
    for kw in call.keywords:
        if kw.arg == "default":
            default = kw.value
        elif kw.arg == "dest" and isinstance(kw.value, ast.Constant):
            dest = str(kw.value.value)
        elif kw.arg == "action" and isinstance(kw.value, ast.Constant) and kw.value.value in _FLAG_ACTIONS:
            implied = ast.Constant(_FLAG_ACTIONS[kw.value.value], lineno=call.lineno, col_offset=0)
    if default is None and name in ("Option", "Argument") and call.args:
        first = call.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("-")):
            default = first  # typer: the first positional argument is the default
    if dest is None:
        longs = [f for f in flags if f.startswith("--")] or [f for f in flags if not f.startswith("-")]
        names = [f for f in flags if f.isidentifier()]
        chosen = names[-1] if names and name == "option" else (longs or flags or [""])[0]
        dest = chosen.lstrip("-").replace("-", "_")
    if not dest:
        return None
    if default is not None:
        return DeclaredOption(dest, default, True, call.lineno)
    return DeclaredOption(dest, implied, False, call.lineno)
