"""Sizes read through an attribute the module renamed everywhere: an API migration, not a new size.

Real shape (PufferLib ac69f82c..2f9b68e0): the policies of `pufferlib/models.py` were built from one
environment and became built from a vector environment, whose per-agent space the gym vector API
names `single_action_space`. `nn.Linear(hidden_size, env.action_space.n)` became
`nn.Linear(hidden_size, env.single_action_space.n)`, and `nn.Linear(mlp_width, self.action_space.n)`
(where the base class set `self.action_space = env.action_space` or `env.single_action_space`) became
`nn.Linear(mlp_width, env.single_action_space.n)`. Both were "Layer changed", significant.

The rule: two layer calls of the same type whose arguments differ only in attribute paths are the
same read when, position by position, each differing attribute name is one the candidate module no
longer reads anywhere (`.action_space` is gone from the whole module: every read moved to the new
name), from the same root object. `self.X` of the baseline is first replaced by what the module
assigns to it (every assignment must be an attribute path, and each must match). The size is not
proven equal (the object handed in changed kind), so such a pair is reported low with that reason,
never dropped; a size that changes otherwise (another root, an arithmetic change, an attribute the
module still reads elsewhere) stays a layer change.
"""

from __future__ import annotations

import ast
from typing import Any

from investigator.detectors.base import Feature
from investigator.detectors.flow import Site
from investigator.detectors.patterns import canon
from investigator.pyast import dotted


def renamed_pairs(only_base: list[Feature], only_cand: list[Feature],
                  positional: dict[str, tuple[str, ...]]) -> list[tuple[Feature, Feature, str]]:
    """(baseline feature, candidate feature, "`old` -> `new`") for layer features that read the
    same sizes through module-wide renamed attributes (see the module doc)."""
    out: list[tuple[Feature, Feature, str]] = []
    left = [f for f in only_cand if f.key[0] == "layer"]
    for fb in (f for f in only_base if f.key[0] == "layer"):
        for fc in left:
            if fc.key[1] != fb.key[1]:
                continue
            said = _same_reads(fb.site, fc.site, positional.get(str(fb.key[1]), ()))
            if said:
                out.append((fb, fc, said))
                left.remove(fc)
                break
    return out


def _arguments(call: ast.Call, names: tuple[str, ...]) -> list[tuple[str, ast.expr]]:
    args: list[tuple[str, ast.expr]] = [(names[i] if i < len(names) else str(i), a) for i, a in enumerate(call.args)]
    args += sorted(((k.arg, k.value) for k in call.keywords if k.arg), key=lambda kv: kv[0])
    return args


def _same_reads(sb: Site, sc: Site, names: tuple[str, ...]) -> str | None:
    if not (isinstance(sb.node, ast.Call) and isinstance(sc.node, ast.Call)):
        return None
    args_b, args_c = _arguments(sb.node, names), _arguments(sc.node, names)
    if [k for k, _ in args_b] != [k for k, _ in args_c]:
        return None
    renames: list[str] = []
    for (_, b), (_, c) in zip(args_b, args_c, strict=True):
        if canon(b, sb) != canon(c, sc) and not _match(b, c, sb, sc, renames):
            return None
    return "; ".join(dict.fromkeys(renames)) or None


def _match(b: ast.AST, c: ast.AST, sb: Site, sc: Site, renames: list[str]) -> bool:
    """`b` and `c` are the same expression but for attribute paths read through renamed attributes
    (`np.prod(self.observation_space.shape)` and `np.prod(env.single_observation_space.shape)`)."""
    if isinstance(b, ast.expr) and isinstance(c, ast.expr) and canon(b, sb) == canon(c, sc):
        return True
    if isinstance(b, ast.Attribute) and isinstance(c, ast.Attribute):
        said = _renamed(dotted(b), sb, dotted(c), sc)
        if said is not None:
            renames.append(said)
            return True
    if type(b) is not type(c):
        return False
    for name, vb in ast.iter_fields(b):
        vc = getattr(c, name, None)
        if isinstance(vb, ast.AST):
            if not isinstance(vc, ast.AST) or not _match(vb, vc, sb, sc, renames):
                return False
        elif isinstance(vb, list):
            if not isinstance(vc, list) or len(vb) != len(vc):
                return False
            if not all(_match(x, y, sb, sc, renames) if isinstance(x, ast.AST) and isinstance(y, ast.AST) else x == y
                       for x, y in zip(vb, vc, strict=True)):
                return False
        elif vb != vc and name not in ("ctx",):
            return False
    return True


def _renamed(db: str | None, sb: Site, dc: str | None, sc: Site) -> str | None:
    if not db or not dc or "." not in db or "." not in dc:
        return None
    gone = _reads(sb.fn.module) - _reads(sc.fn.module)
    options = _expand_self(db, sb.fn.module.tree)
    if not options:
        return None
    said: list[str] = []
    tokens_c = dc.split(".")
    for option in options:
        tokens_b = option.split(".")
        if len(tokens_b) != len(tokens_c) or tokens_b[0] != tokens_c[0]:
            return None
        for tb, tc in zip(tokens_b[1:], tokens_c[1:], strict=True):
            if tb == tc:
                continue
            if tb not in gone:
                return None
            said.append(f"`{tb}` -> `{tc}`")
    return "; ".join(dict.fromkeys(said)) if said else None


def _expand_self(path: str, tree: ast.Module) -> list[str]:
    """`self.X.rest` with `self.X` replaced by each attribute path the module assigns to it; the path
    itself when it does not start with `self.`; [] when an assignment is anything else."""
    first, _, rest = path.partition(".")
    if first != "self":
        return [path]
    attr, _, tail = rest.partition(".")
    values = [n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Attribute) and t.attr == attr
              and isinstance(t.value, ast.Name) and t.value.id == "self"]
    out = []
    for value in values:
        d = dotted(value)
        if not d or d.startswith("self."):
            return []
        out.append(f"{d}.{tail}" if tail else d)
    return out


def _reads(module: Any) -> frozenset[str]:
    """Every attribute name the parsed module mentions (`x.name` anywhere), kept on the module."""
    store = module.__dict__
    if "_attribute_names" not in store:
        store["_attribute_names"] = frozenset(n.attr for n in ast.walk(module.tree) if isinstance(n, ast.Attribute))
    return store["_attribute_names"]
