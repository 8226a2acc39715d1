"""Storage layout changes: values kept under other attributes, in another arrangement.

Real shape (rsl_rl v4.0.1..v5.0.0): the rollout storage kept the policy's mean and standard deviation
in two tensors, `self.mu` and `self.sigma` (filled from `transition.action_mean` /
`transition.action_sigma`); it now keeps a tuple `self.distribution_params` of them, allocated on the
first transition and filled in a loop. `RolloutStorage.__init__`, `add_transition` and `PPO.act` were
each "Behavioural change in the optimizer / environment path", significant, as if what the agent
computes had changed; what changed is where the values are kept.

Whether the same values end up in the new layout cannot be shown from the code in general (here they
come from a model property the distribution class defines). So the rule describes, it does not
excuse: a changed function whose every changed statement reads or writes an attribute that the
changed files stopped storing (`mu`, `sigma`, `action_mean`) or started storing (`distribution_params`),
with at least one of each, is a "storage layout change". Its severity follows where the stored
values go: the loss, a target or an advantage (they shape the gradient) keeps it significant; any
other place (here the KL estimate that adapts the learning rate, an environment step) makes it low,
with the reason.

Buffers re-allocated in another arrangement are the same kind of change (rsl_rl d38a378b..c49573e4):
`self.observations = torch.zeros(steps, num_envs, *obs_shape)` became `self.observations =
TensorDict({key: torch.zeros(steps, *value.shape) for key, value in obs.items()}, ...)` (the privileged
observations now one of its keys) while the `rnd_state` buffer and its shape went; `RolloutStorage.__init__`
was "Behavioural change in the loss path". A statement that stores freshly allocated buffers into an
attribute (`zeros`, `empty`, ... or a container of them) decides where values will be kept, not which:
the values are written later, and those writes are compared where they are. So such a statement counts
as touching storage (its attribute "re-allocated"), provided the candidate allocates with no fill the
baseline did not use (`zeros` -> `ones` changes the values a read before any write sees: not layout).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

GRADIENT_PLACES = ("loss", "target", "advantage")  # where stored values shape the gradient
EDIT_SIMILARITY = 0.8  # token similarity above which two statements are one statement edited, not replaced
_TOKEN = re.compile(r"\w+|[^\w\s]")
# functions that allocate a buffer whose contents are written before they matter
ALLOCATORS = frozenset({"zeros", "empty", "zeros_like", "empty_like", "ones", "ones_like", "full", "full_like"})
_CASTS = frozenset({"byte", "bool", "float", "long", "int", "half", "double", "to", "contiguous"})


@dataclass(frozen=True)
class Layout:
    """Attributes the range's changed files stopped storing and started storing."""

    removed: frozenset[str]
    added: frozenset[str]

    def describe(self, removed: set[str], added: set[str]) -> str:
        return ", ".join(f"`{a}`" for a in sorted(removed)) + " -> " + ", ".join(f"`{a}`" for a in sorted(added))


def stored_attributes(trees: Iterable[ast.AST]) -> set[str]:
    """Names of the attributes objects get stored into anywhere in these modules (`self.mu = ...`,
    `self.transition.action_mean = ...`); a class or module attribute (`Normal.set_default_validate_args
    = False`, a capitalised receiver) is a library setting, not storage."""
    out: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and not (
                    isinstance(node.value, ast.Name) and node.value.id[:1].isupper()):
                out.add(node.attr)
    return out


def layout(base_trees: Iterable[ast.AST], cand_trees: Iterable[ast.AST]) -> Layout:
    base, cand = stored_attributes(base_trees), stored_attributes(cand_trees)
    return Layout(frozenset(base - cand), frozenset(cand - base))


def container_relaid(unmatched: list[str], dropped: list[str], found: Layout) -> tuple[set[str], set[str]] | None:
    """(removed, added) when a producer's container differs from its baseline tuple only by layout: every
    field carrying a new value is an attribute the range started storing (`old_distribution_params`) and
    every value no longer carried reads one it stopped storing (`self.mu.flatten(0, 1)[batch_idx]`)."""
    if not unmatched or not dropped or not all(f in found.added for f in unmatched):
        return None
    removed: set[str] = set()
    for text in dropped:
        try:
            hit = _attributes(ast.parse(re.sub(r"@(\w+)", r"_\1", text), mode="eval")) & found.removed  # digest names
        except SyntaxError:
            return None
        if not hit:
            return None
        removed |= hit
    return removed, set(unmatched)


def _edited_beside(base: ast.AST, cand: ast.AST, names: frozenset[str]) -> bool:
    """A statement edited in place beyond the storage's names: with those names masked the two texts
    still differ, yet are alike (`x / self.rank_size` -> `x * self.world_size`: a renamed attribute
    beside a changed operator). A statement replaced by an unrelated one (`self.mu = torch.zeros(...)`
    -> `self.distribution_params = None`) is the re-arrangement itself."""
    a, b = _masked(base, names), _masked(cand, names)
    return a != b and difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= EDIT_SIMILARITY


def _masked(node: ast.AST, names: frozenset[str]) -> list[str]:
    text = ast.unparse(node)
    return ["_attr_" if t in names else t for t in _TOKEN.findall(text)]


def _attributes(node: ast.AST) -> set[str]:
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _allocated(node: ast.expr) -> set[str] | None:
    """The allocators a buffer expression uses (`torch.zeros(...)`, `.byte()` after it, a container of
    them: `TensorDict({k: torch.zeros(...) for ...}, ...)`, `[torch.zeros(...) for ...]`); None when the
    expression is not only fresh buffers."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CASTS:
        return _allocated(node.func.value)
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id \
            if isinstance(node.func, ast.Name) else None
        if name in ALLOCATORS:
            return {name}
        if node.args and isinstance(node.args[0], ast.Dict | ast.DictComp | ast.List | ast.ListComp | ast.Tuple):
            return _allocated(node.args[0])  # a container class built from buffers
        return None
    if isinstance(node, ast.DictComp):
        return _allocated(node.value)
    if isinstance(node, ast.ListComp | ast.GeneratorExp):
        return _allocated(node.elt)
    if isinstance(node, ast.Dict | ast.List | ast.Tuple):
        values = node.values if isinstance(node, ast.Dict) else node.elts
        found = [_allocated(v) for v in values if v is not None]
        if not found or any(f is None for f in found):
            return None
        return set().union(*[f for f in found if f is not None])
    return None


def allocation(stmt: ast.AST | None) -> tuple[str, set[str]] | None:
    """(attribute, allocators) of `self.x = <fresh buffers>`; None for any other statement."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    if not isinstance(target, ast.Attribute):
        return None
    used = _allocated(value)
    return (target.attr, used) if used else None


def layout_change(statements: list[tuple[ast.AST | None, ast.AST | None]], found: Layout
                  ) -> tuple[set[str], set[str]] | None:
    """(removed, added) attributes when every changed statement (baseline node, candidate node), on each side
    it has, reads or writes one of them, or stores freshly allocated buffers (an attribute re-allocated
    counts as added), and both kinds occur; None otherwise (see the module doc)."""
    if not statements or not found.removed:
        return None
    removed: set[str] = set()
    added: set[str] = set()
    fills: dict[str, set[str]] = {"base": set(), "cand": set()}
    either = found.removed | found.added
    for base, cand in statements:
        allocs = {side: allocation(n) for side, n in (("base", base), ("cand", cand))}
        present = {side: n for side, n in (("base", base), ("cand", cand)) if n is not None}
        sides = [_attributes(n) for n in present.values()]
        if any(not _attributes(n) & either and allocs[side] is None for side, n in present.items()):
            return None  # a side that touches none of them does something else (`mean = mean * 2`)
        if base is not None and cand is not None and allocs["base"] is None and allocs["cand"] is None \
                and _edited_beside(base, cand, either):
            return None
        for side, alloc in allocs.items():
            if alloc is not None:
                fills[side] |= alloc[1]
                if alloc[0] not in found.removed:
                    added.add(alloc[0])
        for names in sides:
            removed |= names & found.removed
            added |= names & found.added
    if fills["cand"] - fills["base"]:
        return None  # a fill the baseline did not use: values read before a write differ
    return (removed, added) if removed and added else None
