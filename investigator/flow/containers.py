"""A yielded tuple replaced by a named container: the same values, read by name instead of position.

Real shape (rsl_rl v4.0.1..v5.0.0): `RolloutStorage.generator` yielded `self.observations[i],
self.actions[i], self.privileged_actions[i], self.dones[i]` and now yields
`RolloutStorage.Batch(observations=self.observations[i], privileged_actions=..., dones=...)`;
its consumer `for obs, _, privileged_actions, dones in self.storage.generator():` became
`for batch in self.storage.generator():` reading `batch.observations`, `batch.privileged_actions`,
`batch.dones`. Both functions were "Behavioural change in the loss path", significant.

* A *container* is a project class built by keyword or position whose fields are known: a dataclass or
  `NamedTuple` (annotated class-body names, in order, defaults from the class body), or a plain class
  whose `__init__` only stores each parameter into the attribute of the same name (fields: the
  parameters in order, defaults: theirs).
* A producer pair whose baseline yields tuples of n values and whose candidate yields a container in
  their place (same number of yields, under the same loops and conditions) is matched by value: field
  `f` carries tuple position `k` when the candidate's expanded value for `f` (passed, or its default)
  is the baseline's expanded value at `k`. It is *the same values* when every field passed maps to a
  position and every position no field carries (a dropped value) is read by no consumer of the
  baseline (`for obs, _, pa, d in gen()`: position 1 is `_`). A field carrying another value, or a
  dropped value a consumer read, is still reported, now saying so.
* Consumers are compared through that mapping: in a loop over the producer, the baseline's unpacked
  names and the candidate's `batch.<field>` reads both become the item's position
  (`Expander(producers=...)`), so a consumer reading the same values by name is no change, and one
  reading another field than the position it read before is one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.flow.wrappers import _classes, _imported_module, _is_container, _last
from investigator.pyast import default_values

EACH = "__each__"  # the item of a loop over a producer: `__each__(storage.generator())[k]`
FIELDS = "__fields__"  # a loop variable holding a container item: `__fields__(observations=<item>[0], ...)`


@dataclass(frozen=True)
class Spec:
    """A container class: its fields in order, and the defaults of those that have one."""

    name: str
    fields: tuple[str, ...]
    defaults: dict[str, ast.expr] = field(default_factory=dict, hash=False, compare=False)


@dataclass
class ContainerChange:
    """A producer that yields a container where it yielded tuples (see the module doc)."""

    producer: str  # the producer's simple name (how consumers call it)
    container: str
    positions: dict[str, int]  # field -> tuple position it carries
    size: int  # the baseline tuple's length
    unmatched: list[str] = field(default_factory=list)  # fields passed a value the baseline did not yield there
    dropped_read: list[int] = field(default_factory=list)  # positions no field carries that a consumer read
    consumers_known: bool = True
    elements: list[str] = field(default_factory=list)  # the baseline tuple's values, as compared
    # where the baseline consumers sent the values no longer carried: a sink, "" for none the code shows,
    # None when no consumer statement reading them was found
    dropped_sink: str | None = None

    @property
    def same_values(self) -> bool:
        return not self.unmatched and not self.dropped_read and self.consumers_known

    def describe(self) -> str:
        carried = ", ".join(f"position {k} -> `{f}`" for f, k in sorted(self.positions.items(), key=lambda x: x[1]))
        text = f"yields a `{self.container}` instead of a {self.size}-tuple ({carried or 'no position carried'})"
        if self.unmatched:
            text += "; field(s) " + ", ".join(f"`{f}`" for f in self.unmatched) + " carry a value the baseline did not yield"
        if self.dropped_read:
            text += "; position(s) " + ", ".join(map(str, self.dropped_read)) + " that a consumer read are no longer carried"
        if not self.consumers_known:
            text += "; the consumers of the baseline's tuple could not be found"
        return text


def spec(name: str, fn: FunctionInfo) -> Spec | None:
    """The container class `name` as seen from `fn`'s module (defined there or imported), or None."""
    module: Any = fn.module
    index = getattr(module, "index", None)
    for _ in range(5):
        cls = _classes(module).get(name)
        if cls is not None:
            return _spec(cls)
        module = _imported_module(module, name, index) if index is not None else None
        if module is None:
            return None
    return None


def _spec(cls: ast.ClassDef) -> Spec | None:
    if _is_container(cls):
        fields, defaults = [], {}
        for s in cls.body:
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and "ClassVar" not in ast.unparse(s.annotation):
                fields.append(s.target.id)
                if s.value is not None:
                    defaults[s.target.id] = s.value
        return Spec(cls.name, tuple(fields), defaults) if fields else None
    init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None or init.args.vararg or init.args.kwarg:
        return None
    params = [a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)][1:]
    stored: set[str] = set()
    for s in init.body:
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
            continue  # docstrings
        target = s.targets[0] if isinstance(s, ast.Assign) and len(s.targets) == 1 else \
            s.target if isinstance(s, ast.AnnAssign) else None
        value = getattr(s, "value", None)
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                and isinstance(value, ast.Name) and value.id == target.attr and value.id in params):
            return None  # the constructor does something else: not a plain container
        stored.add(target.attr)
    if not params or stored != set(params):
        return None
    return Spec(cls.name, tuple(params), default_values(init))


def has_container_yield(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> bool:
    """Cheap pre-check: the baseline yields a tuple and the candidate yields a call of a capitalised name."""
    def yields(fn: FunctionInfo, kind: type) -> bool:
        return any(isinstance(n, ast.Yield) and isinstance(n.value, kind) for n in ast.walk(fn.node))
    return yields(base_fn, ast.Tuple) and any(
        isinstance(n, ast.Yield) and isinstance(n.value, ast.Call) and (_last(n.value.func) or "")[:1].isupper()
        for n in ast.walk(cand_fn.node))


def match(base_fn: FunctionInfo, cand_fn: FunctionInfo, base_yields: list[tuple[tuple[str, ...], ast.expr]],
          cand_yields: list[tuple[tuple[str, ...], ast.expr]], text: Any) -> ContainerChange | None:
    """The container change of a producer pair (see the module doc), from the expanded yielded values
    of each side (guard, value); `text` renders a value for comparison. None when the pair is not
    one: another number of yields, other guards, a yield that is not tuple -> container."""
    if not base_yields or len(base_yields) != len(cand_yields):
        return None
    found: ContainerChange | None = None
    for (bguard, bval), (cguard, cval) in zip(base_yields, cand_yields, strict=True):
        if bguard != cguard or not isinstance(bval, ast.Tuple) or not isinstance(cval, ast.Call):
            return None
        name = _last(cval.func)
        shape = spec(name, cand_fn) if name else None
        if shape is None or any(isinstance(a, ast.Starred) for a in cval.args):
            return None
        passed = dict(zip(shape.fields, cval.args, strict=False))
        passed.update({kw.arg: kw.value for kw in cval.keywords if kw.arg in shape.fields})
        if len(passed) != len(cval.args) + len(cval.keywords):
            return None  # a keyword that is no field
        elements = [text(e) for e in bval.elts]
        positions: dict[str, int] = {}
        unmatched: list[str] = []
        for f in shape.fields:
            value = passed.get(f, shape.defaults.get(f))
            if value is None:
                continue
            free = [k for k, e in enumerate(elements) if e == text(value) and k not in positions.values()]
            if free:
                positions[f] = free[0]
            elif f in passed:
                unmatched.append(f)
        change = ContainerChange(cand_fn.name, shape.name, positions, len(elements), unmatched, elements=elements)
        if found is not None and (found.positions != change.positions or found.container != change.container):
            return None  # yields that carry positions differently: no one mapping for the consumers
        if found is not None:
            found.unmatched = sorted(set(found.unmatched) | set(unmatched))
        else:
            found = change
    return found


def read_positions(consumers: list[Any], producer: str, size: int) -> set[int] | None:
    """Positions of the producer's tuple its baseline consumers read (`for a, _, c in x.producer()`:
    0 and 2); None when a consumer keeps the whole tuple or none is found."""
    read: set[int] = set()
    seen = False
    for unit in consumers:
        for loop in _loops_over(unit, producer):
            seen = True
            target = loop.target
            if not isinstance(target, ast.Tuple) or len(target.elts) != size:
                return None
            read.update(k for k, e in enumerate(target.elts) if not (isinstance(e, ast.Name) and e.id.startswith("_")))
    return read if seen else None


def _loops_over(unit: Any, producer: str) -> list[ast.For | ast.AsyncFor]:
    """The loops a caller's statement runs over the producer: the statement itself (`for x in s.producer()`),
    or, for `gen = s.producer(...)`, the loops of its function over `gen`."""
    node = unit.node
    if isinstance(node, ast.For | ast.AsyncFor) and isinstance(node.iter, ast.Call) and _last(node.iter.func) == producer:
        return [node]
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Call) and _last(node.value.func) == producer:
        name = node.targets[0].id
        return [n for n in ast.walk(unit.fn.node) if isinstance(n, ast.For | ast.AsyncFor)
                and isinstance(n.iter, ast.Name) and n.iter.id == name]
    return []


def dropped_readers(consumers: list[Any], producer: str, positions: list[int], units: Any) -> list[Any]:
    """The statements of the baseline consumers that read the values at `positions` (the names their
    loops unpack there); `units(fn)` gives a function's flow units."""
    out: list[Any] = []
    for unit in consumers:
        for loop in _loops_over(unit, producer):
            if not isinstance(loop.target, ast.Tuple):
                continue
            names = {e.id for k, e in enumerate(loop.target.elts) if k in positions and isinstance(e, ast.Name)}
            inside = {id(n) for n in ast.walk(loop)}
            out.extend(u for u in units(unit.fn) if u.uses & names and id(u.node) in inside and u.node is not loop)
    return out


def loop_change(head: ast.expr, producers: dict[str, ContainerChange]) -> ContainerChange | None:
    """The container change a loop's (expanded) iterable reads: a call of a changed producer, or a
    choice between such calls (`gen = a.recurrent_batches() if rnn else a.batches()`) that carry their
    values the same way."""
    calls = [head.body, head.orelse] if isinstance(head, ast.IfExp) else [head]
    found = [producers.get(_last(c.func) or "") if isinstance(c, ast.Call) else None for c in calls]
    first = found[0]
    if first is None or any(f is None or f.positions != first.positions or f.size != first.size for f in found):
        return None
    return first


def loop_bindings(target: ast.expr, head: ast.expr, change: ContainerChange) -> dict[str, ast.expr]:
    """Values for the names a loop over a changed producer binds: each unpacked name is its position of
    the item, a single name holding a container is its fields' positions (see the module doc)."""
    item = ast.Call(ast.Name(EACH, ast.Load()), [head], [])
    if isinstance(target, ast.Tuple) and len(target.elts) == change.size:
        return {e.id: ast.Subscript(item, ast.Constant(k), ast.Load())
                for k, e in enumerate(target.elts) if isinstance(e, ast.Name)}
    if isinstance(target, ast.Name):
        return {target.id: ast.Call(ast.Name(FIELDS, ast.Load()), [], [
            ast.keyword(f, ast.Subscript(item, ast.Constant(k), ast.Load())) for f, k in change.positions.items()])}
    return {}


def realigned_unpackings(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> frozenset[str]:
    """Values both versions unpack into names, with a different number of names (the tuple gained or
    lost elements: HARL's `(sp_share_obs, sp_obs, ..., sp_gamma) = data` of a replay buffer's sample,
    10 -> 12 names with `sp_available_actions` and `sp_valid_transition` inserted). Positions no longer
    mean the same thing there, so each name is read by name (`data['sp_reward']`) on both sides; a
    name the candidate no longer unpacks, or reads differently, is still a change. Unpackings of the same
    length stay positional (a swapped `reward, done = ...` is a change)."""
    def arities(fn: FunctionInfo) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {}
        for n in ast.walk(fn.node):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Tuple) \
                    and all(isinstance(e, ast.Name) for e in n.targets[0].elts):
                out.setdefault(ast.unparse(n.value), set()).add(len(n.targets[0].elts))
        return out
    base, cand = arities(base_fn), arities(cand_fn)
    return frozenset(text for text in base.keys() & cand.keys()
                     if len(base[text]) == 1 and len(cand[text]) == 1 and base[text] != cand[text])
