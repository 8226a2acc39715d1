"""A library keyword renamed in a call, every value alike: low, "library keyword renamed", never dropped.

Real shape (keras-rl, Keras 1 -> 2): `Model(input=ins, output=[out])` became `Model(inputs=ins, outputs=[out])`
in every agent; each was reported as a significant behavioural change in the loss path. Keras renamed the
keywords; the model built is the same.

The rule, and why it is this narrow: a call whose keyword names differ and nothing else does has the same
shape as a real change of meaning, `Categorical(probs=x)` -> `Categorical(logits=x)` (the same tensor read as
probabilities, then as log-odds). What tells them apart is not the shape and not consistency either: a module
that switches every `Categorical` call from `probs=` to `logits=` is consistent and still changes what it
samples. So the rule asks for what only an API rename looks like:

* the two keywords are the same word, one the plural of the other (`input`/`inputs`, `output`/`outputs`,
  `axis`/`axes`): one library does not give both spellings different meanings in one call, so one side
  calls a keyword the library no longer (or not yet) has; two different words (`probs`/`logits`,
  `mean`/`loc`, `dim`/`axis`) are never read as a rename, whatever the rest of the module does;
* the callee is imported from outside the project (a project function may declare both spellings; its
  parameters are compared where it is defined);
* every other part of the statement is identical, values included.

A project compatibility wrapper called at the baseline in place of the library callee counts as that callee
when it forwards the old keyword's parameter under the new keyword (keras-rl's `rl.keras_future.Model(input,
output)`, which called `keras.models.Model(inputs=input, outputs=output)` on Keras 2, removed with the
move to Keras 2).

The change stays in the report (low, with this reason): a keyword the installed library does not accept
fails at call time, which a user may still need to see.
"""

from __future__ import annotations

import ast
from typing import Any

from investigator.flow.diff import UnitChange
from investigator.pyast import call_name, copy_tree


def _plural_pair(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return short != long and long in (short + "s", short + "es")


def _external(call: ast.Call, module: Any) -> bool:
    """The callee's head name is imported (absolute import) from a package the project does not hold."""
    head = call_name(call).split(".", 1)[0]
    imported = getattr(module, "imports", {}).get(head, "") if head else ""
    if not imported or imported.startswith("."):
        return False
    top = imported.split(".", 1)[0]
    path = getattr(module, "path", "")
    if path.startswith(top + "/") or f"/{top}/" in f"/{path}":
        return False
    index = getattr(module, "index", None)
    return index is None or not any(index.module(p) is not None for p in (f"{top}.py", f"{top}/__init__.py",
                                                                            f"src/{top}/__init__.py"))


def _project_function(call: ast.Call, module: Any) -> Any:
    """The project function a plain-name call resolves to through an absolute `from pkg.mod import f`, or None."""
    if not isinstance(call.func, ast.Name):
        return None
    imported = getattr(module, "imports", {}).get(call.func.id, "")
    index = getattr(module, "index", None)
    if not imported or "." not in imported or imported.startswith(".") or index is None:
        return None
    source, name = imported.rsplit(".", 1)
    stem = source.replace(".", "/")
    for path in (f"{stem}.py", f"{stem}/__init__.py"):
        found = index.module(path)
        if found is not None:
            return found.functions.get(name)
    return None


def _forwards(shim: Any, callee: str, old: str, new: str) -> bool:
    """`shim` returns a call of `callee` (by last name) passing its own parameter `old` as `new=`: a
    compatibility wrapper (`def Model(input, output): return keras.models.Model(inputs=input, outputs=output)`)."""
    node = getattr(shim, "node", None)
    if not isinstance(node, ast.FunctionDef) or old not in {a.arg for a in node.args.args + node.args.kwonlyargs}:
        return False
    return any(isinstance(r, ast.Return) and isinstance(r.value, ast.Call)
               and call_name(r.value).rsplit(".", 1)[-1] == callee
               and any(k.arg == new and isinstance(k.value, ast.Name) and k.value.id == old for k in r.value.keywords)
               for r in ast.walk(node))


def keyword_renamed(change: UnitChange) -> str | None:
    """Why the statement pair differs only in library keywords renamed singular <-> plural, else None."""
    if change.base is None or change.cand is None:
        return None
    base, cand = copy_tree(change.base.node), change.cand.node
    b_calls = [n for n in ast.walk(base) if isinstance(n, ast.Call)]
    c_calls = [n for n in ast.walk(cand) if isinstance(n, ast.Call)]
    if len(b_calls) != len(c_calls):
        return None
    renamed: list[str] = []
    shims: list[str] = []  # project compatibility wrappers the baseline called instead
    for old, new in zip(b_calls, c_calls, strict=True):
        if len(old.keywords) != len(new.keywords):
            return None
        for ko, kn in zip(old.keywords, new.keywords, strict=True):
            if ko.arg == kn.arg:
                continue
            if ko.arg is None or kn.arg is None or not _plural_pair(ko.arg, kn.arg) \
                    or not _external(new, change.cand.fn.module):
                return None
            if not _external(old, change.base.fn.module):
                shim = _project_function(old, change.base.fn.module)
                if shim is None or not _forwards(shim, call_name(new).rsplit(".", 1)[-1], ko.arg, kn.arg):
                    return None
                shims.append(f"`{call_name(old)}` ({shim.path})")
            renamed.append(f"`{call_name(new)}` `{ko.arg}=` -> `{kn.arg}=`")
            ko.arg = kn.arg
    if not renamed:
        return None
    if shims:  # the wrapper's name is the library callee's own (`Model`): compare the statements by it
        for old, new in zip(b_calls, c_calls, strict=True):
            if isinstance(old.func, ast.Name) and isinstance(new.func, ast.Name | ast.Attribute):
                old.func = copy_tree(new.func)
    if ast.dump(base) != ast.dump(cand):
        return None
    via = f"; the baseline called the compatibility wrapper {', '.join(dict.fromkeys(shims))}, which forwards " \
          f"them to the library under the new keywords" if shims else ""
    return (f"library keyword renamed ({', '.join(dict.fromkeys(renamed))}): the same values passed under the "
            f"library's other spelling of the keyword{via}")
