"""Wiring edits that move where a value is made, not what it is: low, with the reason.

Real shapes (rsl_rl, "Restructure rollout storage" and "Separates the logging functionality from
the runner"), each reported as a significant behavioural change in the loss, optimizer or
environment path above a real regression:

* **Placeholder replaced by injection.** `self.storage = None  # initialized later` in `__init__`,
  with a setter method (`init_storage(...)`) assigning `self.storage = RolloutStorage(...)` after
  construction, became `self.storage = storage`, a new constructor parameter that the caller builds
  and passes in (or the reverse). The constructor only stores what it is handed: what the attribute
  holds is built where the caller builds it, and that statement is compared at the caller.
* **A missing key normalised to None.** `else: cfg["rnd_cfg"] = None` added to
  `if "rnd_cfg" in cfg and cfg["rnd_cfg"] is not None: ...` (or removed): the store runs only where
  the key is missing or already None, so `cfg.get(key)` and a parameter defaulting to None read the
  same value at both commits; only a reader that tests the key's presence sees a difference.
* **State the baseline did not have.** A feature's new buffer allocated in `__init__`
  (`self.bad_masks = torch.ones(n + 1, envs, 1)`), moved in `to()` (`self.bad_masks = self.bad_masks.to(device)`)
  or filled in `insert()` (`self.bad_masks[i + 1].copy_(m)`), where no file of the baseline names `bad_masks`:
  the statements only set up state; what it changes is decided where it is read, and every reader is
  itself a changed statement (it names what did not exist), compared and placed on its own. A network
  or layer built into a new attribute is not this: it registers parameters with the optimizer.
* **A number's type only.** `reward = 1 if got_to_end else reward` -> `reward = 1.0 if ...` (stable-baselines3's
  test environment): the same value in every arithmetic and comparison; only consumers that read the
  type tell them apart (a tensor or array built from it, an index, `range`), and those are excluded.
* **Device placement only.** `TensorDict(d, batch_size=...)` -> `TensorDict(d, batch_size=...,
  device=t.device)`: the statements differ only in a `device=` argument: where a tensor lives, the
  device place (low), not the place its value reaches.
"""

from __future__ import annotations

import ast
import copy
import re

from investigator.detectors.functions import FunctionInfo, ParsedModule
from investigator.detectors.pairs import SideIndex
from investigator.flow.classbody import is_class_body
from investigator.flow.diff import UnitChange
from investigator.flow.units import Unit
from investigator.pyast import class_base, dotted, last_name, self_attribute

DEVICE_KEYWORDS = frozenset({"device"})


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _stored(stmt: ast.stmt) -> tuple[ast.expr, ast.expr | None] | None:
    """(target, value) of a single-target assignment."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0], stmt.value
    if isinstance(stmt, ast.AnnAssign):
        return stmt.target, stmt.value
    return None


# ---- a missing key normalised to None -------------------------------------------------------------

def _key_missing_or_none(test: ast.expr, holder: str, key: str, negated: bool) -> bool:
    """Whether `test` (its negation when `negated`: the `else` arm) implies `holder.get(key) is None`."""
    def same(obj: ast.expr, k: ast.expr) -> bool:
        return ast.unparse(obj) == holder and ast.unparse(k) == key

    def present(node: ast.expr) -> bool:  # `key in holder`
        return (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In)
                and same(node.comparators[0], node.left))

    def not_none(node: ast.expr) -> bool:  # `holder[key] is not None` / `holder.get(key) is not None`
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.IsNot)
                and _is_none(node.comparators[0])):
            return False
        left = node.left
        if isinstance(left, ast.Subscript):
            return same(left.value, left.slice)
        return (isinstance(left, ast.Call) and isinstance(left.func, ast.Attribute) and left.func.attr == "get"
                and len(left.args) >= 1 and same(left.func.value, left.args[0])
                and all(_is_none(a) for a in left.args[1:]) and not left.keywords)

    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _key_missing_or_none(test.operand, holder, key, not negated)
    if negated:  # the else arm of a test that holds whenever the key has a value
        if present(test) or not_none(test):
            return True
        return isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and any(
            present(v) or not_none(v) for v in test.values)
    # the body of `key not in holder` / `holder.get(key) is None` / an `or` of such tests
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return all(_key_missing_or_none(v, holder, key, False) for v in test.values)
    flipped = _flip(test)
    return flipped is not None and _key_missing_or_none(flipped, holder, key, True)


def _flip(test: ast.expr) -> ast.expr | None:
    """`a not in b` -> `a in b`, `x is None` -> `x is not None` (one comparison), else None."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = {ast.NotIn: ast.In(), ast.Is: ast.IsNot()}.get(type(test.ops[0]))
        if op is not None:
            return ast.Compare(left=test.left, ops=[op], comparators=test.comparators)
    return None


def _guard(unit: Unit) -> tuple[ast.If, bool] | None:
    """The `if` statement whose body or `else` arm holds the unit's statement directly (arm: True for else)."""
    for node in ast.walk(unit.fn.node):
        if isinstance(node, ast.If):
            if any(s is unit.node for s in node.body):
                return node, False
            if any(s is unit.node for s in node.orelse):
                return node, True
    return None


def none_normalised(unit: Unit) -> bool:
    """`holder[key] = None` under a test that holds only where `holder.get(key)` is None already."""
    stored = _stored(unit.node)
    if stored is None or not isinstance(stored[0], ast.Subscript) or not _is_none(stored[1]):
        return False
    target = stored[0]
    guard = _guard(unit)
    if guard is None:
        return False
    node, negated = guard
    return _key_missing_or_none(node.test, ast.unparse(target.value), ast.unparse(target.slice), negated)


# ---- placeholder replaced by an injected value --------------------------------------------------------

def _init_stores(fn: FunctionInfo) -> dict[str, ast.expr | None]:
    """`attr` -> the value of the last `self.<attr> = value` of fn in walk order (None: no plain value).
    Computed once per function and kept on it (read only by the callers): every changed statement
    of a constructor asked for both sides' stores again."""
    found: dict[str, ast.expr | None] | None = fn.__dict__.get("_init_stores")
    if found is not None:
        return found
    out: dict[str, ast.expr | None] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.stmt) and (stored := _stored(node)) is not None and (attr := self_attribute(stored[0])):
            out[attr] = stored[1]
    fn.__dict__["_init_stores"] = out
    return out


def _params(fn: FunctionInfo) -> set[str]:
    if not isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    args = fn.node.args
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}


def _setter(fn: FunctionInfo, attr: str) -> str | None:
    """A method of `fn`'s class other than `__init__` that stores a value other than None into `self.attr`."""
    family = _family(fn)
    for other in fn.module.functions.values():
        if other.class_name not in family or other.name == "__init__":
            continue
        for node in ast.walk(other.node):
            if isinstance(node, ast.stmt) and (stored := _stored(node)) is not None \
                    and self_attribute(stored[0]) == attr and stored[1] is not None and not _is_none(stored[1]):
                return other.name
    return None


def injected(change: UnitChange, base_fn: FunctionInfo, cand_fn: FunctionInfo,
             cand_side: SideIndex | None = None) -> str | None:
    """Why the change only moves where an attribute's value is made (see the module doc), else None.
    Each statement of the change is judged on its own (a rewritten constructor pairs the stores of
    different attributes): every one must be a placeholder, its injected replacement, or the store of
    a constructor argument the candidate no longer takes and no longer reads."""
    if base_fn.name != "__init__" or cand_fn.name != "__init__" or not base_fn.class_name:
        return None
    stores = {"baseline": _init_stores(base_fn), "candidate": _init_stores(cand_fn)}
    fns = {"baseline": base_fn, "candidate": cand_fn}
    whys: list[str] = []
    for unit, side in ((change.base, "baseline"), (change.cand, "candidate")):
        if unit is None:
            continue
        stored = _stored(unit.node)
        attr = self_attribute(stored[0]) if stored is not None else None
        why = _placeholder(attr, stores, fns) if attr else None
        if why is None and attr and side == "baseline" and cand_side is not None:
            why = _argument_dropped(attr, stored[1] if stored is not None else None, base_fn, cand_fn, cand_side)
        if why is None:
            return None
        whys.append(why)
    return "; ".join(dict.fromkeys(whys)) or None


def _placeholder(attr: str, stores: dict[str, dict[str, ast.expr | None]], fns: dict[str, FunctionInfo]) -> str | None:
    if attr not in stores["baseline"] or attr not in stores["candidate"]:
        return None
    for held, handed in (("baseline", "candidate"), ("candidate", "baseline")):
        value = stores[handed][attr]
        if not _is_none(stores[held][attr]) or value is None:
            continue
        read = _read_names(value)  # `q_func`, `copy.deepcopy(q_func)`: made only from what the caller hands
        if not read or not read <= _params(fns[handed]) or read & _params(fns[held]):
            continue
        setter = _setter(fns[held], attr)
        if setter is None:
            continue
        return (f"`self.{attr}` is a placeholder (None) set by `{setter}` after construction at the {held} and made "
                f"from new constructor parameter(s) {', '.join(f'`{r}`' for r in sorted(read))} at the {handed}: the "
                f"constructor stores what its caller hands it, so what `self.{attr}` holds is built where the caller "
                f"builds it (compared there)")
    return None


def _ancestor_uses(side: SideIndex, fn: FunctionInfo, attr: str, depth: int = 4) -> bool:
    """Whether a base class of `fn`'s class, defined anywhere in the tree, names `self.<attr>`."""
    cls = next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == fn.class_name), None)
    work = [last_name(class_base(b)) for b in cls.bases] if cls is not None else []
    seen: set[str] = set()
    for _ in range(depth):
        nxt: list[str] = []
        for name in work:
            if not name or name in seen or name == "object":
                continue
            seen.add(name)
            for path in side.class_paths(name):  # the files whose text has a `class Name` line, parsed once
                if not path.endswith(".py"):
                    continue
                for node in side.class_nodes(path).get(name, ()):
                    if attr in _self_attributes(side, node):
                        return True
                    nxt.extend(last_name(class_base(b)) for b in node.bases)
        work = nxt
    return False


_SELF_ATTRIBUTES = "wiring.self_attributes"


def _self_attributes(side: SideIndex, cls: ast.ClassDef) -> frozenset[str]:
    """The attributes `self.<attr>` names anywhere in a class of the commit (walked once per class:
    `_ancestor_uses` asks each base class about every attribute of every changed statement)."""
    memo = side.memo.setdefault(_SELF_ATTRIBUTES, {})
    assert isinstance(memo, dict)
    hit = memo.get(id(cls))
    if hit is None or hit[0] is not cls:
        hit = memo[id(cls)] = (cls, frozenset(n.attr for n in ast.walk(cls) if isinstance(n, ast.Attribute)
                                              and isinstance(n.value, ast.Name) and n.value.id == "self"))
    return hit[1]


def _family(fn: FunctionInfo) -> set[str]:
    """`fn`'s class and the classes of its module derived from it, transitively (a base class's
    placeholder is set by a subclass's build method)."""
    family = {fn.class_name} if fn.class_name else set()
    classes = [n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            bases = {b.attr if isinstance(b, ast.Attribute) else b.id if isinstance(b, ast.Name) else "" for b in cls.bases}
            if cls.name not in family and bases & family:
                family.add(cls.name)
                grew = True
    return family


def _read_names(value: ast.expr) -> set[str]:
    """The plain names a value reads, less the functions it calls (`copy.deepcopy(q)` reads `q`)."""
    called = {id(n) for c in ast.walk(value) if isinstance(c, ast.Call) for n in ast.walk(c.func)}
    return {n.id for n in ast.walk(value) if isinstance(n, ast.Name) and id(n) not in called}


def _argument_dropped(attr: str, value: ast.expr | None, base_fn: FunctionInfo, cand_fn: FunctionInfo,
                      cand_side: SideIndex) -> str | None:
    """`self._encoder_factory = encoder_factory` at the baseline only, of a parameter the candidate's
    constructor no longer takes, into an attribute no method of the candidate's class reads: what the
    baseline built from it after construction is now built by the caller (real shape: d3rlpy 2.0's
    algorithm implementations, handed their networks and optimizers instead of the factories)."""
    if not isinstance(value, ast.Name) or value.id not in _params(base_fn) or value.id in _params(cand_fn):
        return None
    held, kept = _family(base_fn), _family(cand_fn)
    if attr in _init_stores(cand_fn) or any(f.class_name in kept and _reads_attr(f, attr)
                                            for f in cand_fn.module.functions.values()):
        return None
    if not any(f.class_name in held and f.name != "__init__" and _reads_attr(f, attr)
               for f in base_fn.module.functions.values()):
        return None
    if _ancestor_uses(cand_side, cand_fn, attr):
        return None  # a base class keeps and reads it now (tianshou's `lr_scheduler` moved into `BasePolicy`)
    return (f"the baseline kept constructor argument `{value.id}` as `self.{attr}` to build from after construction; "
            f"the candidate takes no `{value.id}` and no method reads `self.{attr}`: the caller builds what it built "
            f"(compared there)")


# ---- an attribute copy read in place ----------------------------------------------------------------

def _pure(node: ast.expr) -> bool:
    """Reads only: names, attributes, subscripts and constants (no call, no arithmetic)."""
    return all(isinstance(n, ast.Name | ast.Attribute | ast.Subscript | ast.Constant | ast.Load | ast.Slice)
               for n in ast.walk(node))


def _reads_attr(fn: FunctionInfo, attr: str) -> bool:
    """Whether `fn` names `self.<attr>` (read or written)."""
    return attr in _self_attrs(fn)


def _self_attrs(fn: FunctionInfo) -> frozenset[str]:
    """The `self.<name>` attributes `fn` names, computed once per function (kept on it: a function's
    tree is never modified; a large range asks for each attribute against every method of a module,
    once per changed statement)."""
    memo = fn.__dict__
    found = memo.get("_self_attrs")
    if found is None:
        found = memo["_self_attrs"] = frozenset(
            n.attr for n in ast.walk(fn.node)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self")
    return found


def _contains(fn: FunctionInfo, text: str) -> bool:
    """Whether a subscript or attribute of `fn` reads as `text` (the texts computed once per function)."""
    memo = fn.__dict__
    texts = memo.get("_read_texts")
    if texts is None:
        texts = memo["_read_texts"] = frozenset(
            ast.unparse(n) for n in ast.walk(fn.node) if isinstance(n, ast.Subscript | ast.Attribute))
    return text in texts


class _Inline(ast.NodeTransformer):
    def __init__(self, copies: dict[str, ast.expr]) -> None:
        self.copies = copies

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if (attr := self_attribute(node)) in self.copies and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.copies[attr])
        self.generic_visit(node)
        return node


def _copies(fn: FunctionInfo, other: FunctionInfo) -> dict[str, ast.expr]:
    """Attributes `self.A = E` (E a plain read of `self.`) that `fn`'s class `__init__` stores and that no
    function of `other`'s module names."""
    init = fn.module.functions.get(f"{fn.class_name}.__init__") if fn.class_name else None
    if init is None:
        return {}
    # once per (`__init__`, other module), kept on the `__init__` (trees are never modified): every
    # modified statement of the class asked again, unparsing the stores and scanning the other module
    memo: dict[int, tuple[ParsedModule, dict[str, ast.expr]]] = init.__dict__.setdefault("_copies", {})
    found = memo.get(id(other.module))
    if found is None:
        out = {a: v for a, v in _init_stores(init).items()
               if v is not None and _pure(v) and not _is_none(v) and ast.unparse(v).startswith("self.")}
        found = memo[id(other.module)] = (other.module, {
            a: v for a, v in out.items() if not any(_reads_attr(f, a) for f in other.module.functions.values())})
    return found[1]


def _reads_copy_in_place(change: UnitChange, base_fn: FunctionInfo, cand_fn: FunctionInfo) -> str | None:
    """A statement that read the copy `self.A` reads its source `E` in place (or the reverse): the same
    statement once the copy is replaced by what it copied."""
    assert change.base is not None and change.cand is not None
    for held, there, other, other_fn in ((change.base, base_fn, change.cand, cand_fn),
                                         (change.cand, cand_fn, change.base, base_fn)):
        copies = _copies(there, other_fn)
        used = {a for n in ast.walk(held.node) if isinstance(n, ast.Attribute) and (a := self_attribute(n) or "") in copies}
        if not used:
            continue
        inlined = _Inline({a: copies[a] for a in used}).visit(copy.deepcopy(held.node))
        if ast.dump(inlined) == ast.dump(other.node):
            names = ", ".join(f"`self.{a}`" for a in sorted(used))
            return (f"{names} copied `{'`, `'.join(ast.unparse(copies[a]) for a in sorted(used))}` in "
                    f"`__init__`; the other commit reads that value in place: the same value")
    return None


def read_in_place(change: UnitChange, base_fn: FunctionInfo, cand_fn: FunctionInfo) -> str | None:
    """`self.A = E` (E a plain read such as `self.cfg["num_steps"]`) removed (or added), where every
    method of the class that read `self.A` and still exists at the other commit reads `E` itself there,
    and no function of the other commit's module names `self.A`: the value is read where it is used,
    not copied first."""
    if change.kind == "modified":
        return _reads_copy_in_place(change, base_fn, cand_fn)
    unit = change.base or change.cand
    assert unit is not None
    held, other = (base_fn, cand_fn) if change.base is not None else (cand_fn, base_fn)
    stored = _stored(unit.node)
    attr = self_attribute(stored[0]) if stored is not None else None
    if stored is None or attr is None or stored[1] is None or not _pure(stored[1]) or _is_none(stored[1]):
        return None
    text = ast.unparse(stored[1])
    if not text.startswith("self.") or any(_reads_attr(f, attr) for f in other.module.functions.values()):
        return None
    readers = [f for f in held.module.functions.values() if f.class_name == held.class_name and f is not held
               and _reads_attr(f, attr)]
    # a reader gone at the other commit reads nothing there (its removal is judged on its own)
    kept = [r for r in readers if r.qualname in other.module.functions]
    if not kept or not all(_contains(other.module.functions[r.qualname], text) for r in kept):
        return None
    where = ", ".join(f"`{r.qualname}`" for r in kept)
    side = "candidate" if change.base is not None else "baseline"
    return (f"`self.{attr}` was a copy of `{text}`; at the {side} {where} reads `{text}` where it used the copy: "
            f"the same value, read in place")


# ---- state the baseline did not have ---------------------------------------------------------------

NETWORK_CALL = re.compile(r"(^|\.)nn\.|(Module|Sequential|ModuleList|ModuleDict|Net|Network|Model|Policy|Actor|Critic|"
                          r"Encoder|Decoder|Layer|Block|Head|Parameter)$")


def new_state(change: UnitChange, base_side: SideIndex | None) -> str | None:
    """An added statement that only stores into (or mutates) instance attributes no baseline file names."""
    unit = change.cand
    if change.kind != "added" or unit is None or base_side is None or not unit.defs or unit.default \
            or is_class_body(unit.fn):
        return None  # a new configuration field's default is judged as an option (flow/optin.py)
    if not all(d.startswith("self.") and d.count(".") == 1 for d in unit.defs):
        return None
    if any(NETWORK_CALL.search(dotted(n.func) or "") for n in ast.walk(unit.node) if isinstance(n, ast.Call)):
        return None  # a layer or network registers parameters (and draws initial weights) where it is built
    attrs = sorted(d[5:] for d in unit.defs)
    if any(base_side.references(a) for a in attrs):
        return None
    names = ", ".join(f"`self.{a}`" for a in attrs)
    return (f"it only sets up state the baseline did not have ({names}, named by no baseline file): what that state "
            f"changes is decided where it is read, by statements that are changed themselves and judged on their own")


# ---- a number's type only ------------------------------------------------------------------------

# consumers for which an int and an equal float differ: the dtype of what they build, an index, a count
TYPE_READERS = frozenset({"range", "tensor", "as_tensor", "array", "asarray", "full", "full_like", "zeros", "ones",
                          "empty", "arange", "linspace", "int", "str", "repr", "format", "isinstance", "type",
                          "randint", "choice", "repeat", "tile", "reshape", "view", "expand", "split", "chunk"})


def literal_type_only(change: UnitChange) -> str | None:
    """Why a modified statement differs only in int against equal float literals (`1` -> `1.0`), else None."""
    if change.base is None or change.cand is None:
        return None
    base, cand = change.base.node, change.cand.node
    pairs: list[tuple[ast.Constant, ast.Constant]] = []
    if not _same_but_numbers(base, cand, pairs, typed=False) or not pairs:
        return None
    shown = ", ".join(f"`{ast.unparse(b)}` -> `{ast.unparse(c)}`" for b, c in pairs[:3])
    return f"only the type of equal numbers changes ({shown}): the same value in every arithmetic and comparison"


def _same_but_numbers(a: ast.AST, b: ast.AST, pairs: list[tuple[ast.Constant, ast.Constant]], typed: bool) -> bool:
    """`a` and `b` have the same shape and differ only in int/float constants of equal value, none of them
    read by a consumer of the type (`typed`: under a subscript or a TYPE_READERS call)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.Constant) and isinstance(b, ast.Constant):
        if type(a.value) is type(b.value):
            return bool(a.value == b.value)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a.value, b.value))
        if not numbers or a.value != b.value or typed:
            return False
        pairs.append((a, b))
        return True
    if isinstance(a, ast.Call):
        typed = typed or last_name(ast.unparse(a.func)) in TYPE_READERS or any(k.arg == "dtype" for k in a.keywords)
    for field_name, va in ast.iter_fields(a):
        vb = getattr(b, field_name, None)
        inner = typed or (isinstance(a, ast.Subscript) and field_name == "slice")
        if isinstance(va, list):
            if not isinstance(vb, list) or len(va) != len(vb):
                return False
            if not all(_same_but_numbers(x, y, pairs, inner) if isinstance(x, ast.AST) else x == y
                       for x, y in zip(va, vb, strict=True)):
                return False
        elif isinstance(va, ast.AST):
            if not isinstance(vb, ast.AST) or not _same_but_numbers(va, vb, pairs, inner):
                return False
        elif field_name not in ("ctx", "type_comment", "kind") and va != vb:
            return False
    return True


# ---- device placement only ------------------------------------------------------------------------

class _NoDevice(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.keywords = [k for k in node.keywords if k.arg not in DEVICE_KEYWORDS]
        return node


def _device_keyword(node: ast.AST) -> bool:
    """Whether a call under `node` passes a `device=` keyword (what `_NoDevice` strips): without one on
    either side `device_only` is False, so the deep copies and dumps are skipped (most modified statements)."""
    return any(isinstance(n, ast.keyword) and n.arg in DEVICE_KEYWORDS for n in ast.walk(node))


def device_only(change: UnitChange) -> bool:
    """Both statements exist and differ only in a `device=` argument of a call."""
    if change.base is None or change.cand is None:
        return False
    if not (_device_keyword(change.base.node) or _device_keyword(change.cand.node)):
        return False  # nothing to strip: the stripped dumps are the dumps, which then differ or are equal
    b, c = ast.dump(change.base.node), ast.dump(change.cand.node)
    if b == c:
        return False
    strip = _NoDevice()
    return ast.dump(strip.visit(copy.deepcopy(change.base.node))) == ast.dump(strip.visit(copy.deepcopy(change.cand.node)))


# ---- a value moved to a device ----------------------------------------------------------------------

DEVICE_METHODS = frozenset({"to", "cuda", "cpu"})
DEVICE_WORDS = ("device", "cuda", "gpu", "cpu")


def device_move(stmt: ast.stmt) -> str | None:
    """The name a statement only moves to a device (`m.to(device)`, `m.cuda()`, `m.cpu()`,
    `m = m.to(self.device)`), else None. A `.to` with anything but a device (`.to(torch.float16)`,
    `dtype=`) changes values: not a move."""
    call: ast.expr | None = None
    if isinstance(stmt, ast.Expr) or isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        call = stmt.value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) \
            or call.func.attr not in DEVICE_METHODS or not isinstance(call.func.value, ast.Name):
        return None
    name = call.func.value.id
    if isinstance(stmt, ast.Assign) and not (isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name):
        return None
    if any(k.arg not in ("device", "non_blocking") for k in call.keywords):
        return None
    if call.func.attr == "to" and not (all(_device_like(a) for a in call.args) and (call.args or call.keywords)):
        return None
    if call.func.attr != "to" and len(call.args) > 1:
        return None
    return name


def _device_like(node: ast.expr) -> bool:
    """An expression that names a device: `device`, `self._device`, `'cuda:0'`, `torch.device(...)`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.split(":")[0] in ("cuda", "cpu", "mps")
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute | ast.Name) and ast.unparse(node.func).endswith("device")
    last = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return any(w in last.lower() for w in DEVICE_WORDS)
