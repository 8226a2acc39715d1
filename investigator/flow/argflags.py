"""Command-line flags spelled another way: `--capture-video` -> `--capture_video` is the same option.

argparse stores a long option under its first long flag with dashes turned into underscores, so both
spellings put the value in `args.capture_video`: what training reads is unchanged (only the command line a
user types changes). Real shape: cleanrl renamed the flags of `ppo_pettingzoo_ma_atari.py` to match tyro's
field names, read as "Behavioural change in the optimizer path: `parse_args`".
"""

from __future__ import annotations

import ast

from investigator.pyast import copy_tree


def _dest(call: ast.Call) -> str | None:
    """The attribute argparse stores the option in (no explicit `dest=`), or None when not an option."""
    if any(k.arg == "dest" for k in call.keywords):
        return None
    flags = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    longs = [f for f in flags if f.startswith("--")]
    if not flags or len(flags) != len(call.args) or not longs:
        return None
    return longs[0][2:].replace("-", "_")


def _option_call(stmt: ast.stmt) -> ast.Call | None:
    value = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "add_argument":
        return value
    return None


def same_cli_option(base: ast.stmt, cand: ast.stmt) -> bool:
    """Two `add_argument` statements that differ only in how a long flag is spelled (dashes or
    underscores) and so store the same attribute; every other argument alike."""
    b, c = _option_call(base), _option_call(cand)
    if b is None or c is None or len(b.args) != len(c.args):
        return False
    dest_b, dest_c = _dest(b), _dest(c)
    if dest_b is None or dest_b != dest_c:
        return False
    b2, c2 = copy_tree(b), copy_tree(c)
    for call in (b2, c2):
        assert isinstance(call, ast.Call)
        call.args = [ast.Constant(a.value.replace("_", "-")) if isinstance(a, ast.Constant) and isinstance(a.value, str)
                     and a.value.startswith("--") else a for a in call.args]
    return ast.dump(b2) == ast.dump(c2)
