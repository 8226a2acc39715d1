"""A file-name rule changed the same way in a function that saves and in the one that loads what it saved.

Real shape (precision held-out 17, alpha-zero-general f0f1106b..1db83a7f, `dotsandboxes/keras/NNet.py:71` and
`:83`, the same in six more games): `NNetWrapper.save_checkpoint(self, folder, filename)` and
`NNetWrapper.load_checkpoint(self, folder, filename)` both gained `filename = filename.split(".")[0] + ".h5"` before
`os.path.join(folder, filename)`: "Behavioural change in the sampling path: `NNetWrapper.load_checkpoint`" and
"... architecture path: `NNetWrapper.save_checkpoint`" (significant, #3 and #4). The Coach saves the network under a
name and reloads it under the same name: with one rule at both ends the weights read back are the weights written.

The rule: a statement that rewrites a file-name parameter from itself and literals alone (`filename = ...`, no other
name read), in a function named for saving or loading (`save`, `load`, `restore` in its name), whose counterpart (the
same name with `save` and `load`/`restore` swapped, in the same class or module) changed the same way: the
candidate's counterpart holds the candidate's statement where the baseline's counterpart held the baseline's (an
added rule added at both ends, a removed one removed at both, an edited one edited alike). A rule changed at one
end only (a loader that now looks for `*.h5` while the saver still writes `*.pth.tar`) stays a change.
"""

from __future__ import annotations

import ast
import re

from investigator.detectors.functions import FunctionInfo
from investigator.flow.diff import UnitChange
from investigator.pyast import parameter_defaults

_FILE_PARAM = re.compile(r"file|path|name|dir|ckpt|checkpoint", re.IGNORECASE)
_SWAPS = (("save", "load"), ("load", "save"), ("save", "restore"), ("restore", "save"))


def _counterparts(fn: FunctionInfo) -> list[FunctionInfo]:
    name = fn.name
    prefix = fn.qualname[: len(fn.qualname) - len(name)]
    found = []
    for old, new in _SWAPS:
        if old in name.lower():
            other = re.sub(old, new, name, flags=re.IGNORECASE)
            info = fn.module.functions.get(prefix + other)
            if info is not None:
                found.append(info)
    return found


def _params(fn: FunctionInfo) -> set[str]:
    node = fn.node
    return {p.arg for p, _ in parameter_defaults(node)} if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
        else set()


def _name_rule(node: ast.stmt, fn: FunctionInfo) -> str | None:
    """The parameter a `name = <name and literals>` statement rewrites, else None."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
        return None
    name = node.targets[0].id
    read = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    if read != {name} or name not in _params(fn) or not _FILE_PARAM.search(name):
        return None
    return name


def _holds(fn: FunctionInfo, dump: str) -> bool:
    return any(ast.dump(n) == dump for n in ast.walk(fn.node) if isinstance(n, ast.stmt))


def paired_name_rule(change: UnitChange, base_fn: FunctionInfo | None, cand_fn: FunctionInfo | None) -> str | None:
    """Why a file-name rule changed in a saving (loading) function names the same file at both ends (module doc),
    else None."""
    if base_fn is None or cand_fn is None:
        return None
    sides = [(u.node, u.fn) for u in (change.base, change.cand) if u is not None]
    names = {_name_rule(node, fn) for node, fn in sides}
    if len(names) != 1 or None in names:
        return None
    was = ast.dump(change.base.node) if change.base is not None else None
    now = ast.dump(change.cand.node) if change.cand is not None else None
    base_others = {f.qualname: f for f in _counterparts(base_fn)}
    for other in _counterparts(cand_fn):
        before = base_others.get(other.qualname)
        if before is None or not (names <= _params(other)):
            continue
        at_cand = _holds(other, now) if now is not None else not _holds(other, str(was))
        at_base = _holds(before, was) if was is not None else not _holds(before, str(now))
        if at_cand and at_base:
            rule = ast.unparse(change.cand.node if change.cand is not None else change.base.node)  # type: ignore[union-attr]
            return (f"`{rule}` changed alike in `{other.qualname}`: the file written and the file read back are "
                    f"named by the same rule, so a run reloads what it saved")
    return None
