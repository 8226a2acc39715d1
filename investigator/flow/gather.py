"""Minibatches gathered by an index array where the baseline stacked one slice per index.

Real shape (HARL 34a8c1a6..c29ba492, three recurrent minibatch generators, each "Behavioural change in
the loss path" with 17-34 statements):

    for start_ind in range(0, n_rollout_threads, num_envs_per_batch):
        obs_batch = []
        for offset in range(num_envs_per_batch):
            ind = perm[start_ind + offset]
            obs_batch.append(self.obs[:-1, ind])
        obs_batch = np.stack(obs_batch, 1)
        obs_batch = _flatten(T, N, obs_batch)

became

    for batch_id in range(actor_num_mini_batch):
        start_id = batch_id * num_envs_per_batch
        ids = perm[start_id : start_id + num_envs_per_batch]
        obs_batch = _flatten(T, N, self.obs[:-1, ids])

Stacking `x[a, i]` for `i` in `perm[s], ..., perm[s + k - 1]` along the axis the index stands at (every
subscript before it a slice, which keeps its axis) is `x[a, perm[s:s + k]]`: the same elements in the
same order. A slice `c:c + 1` before the index, stacked on axis 0 and reshaped to `(n, *x.shape[2:])`,
is `x[c, perm[s:s + k]]` (the reshape's size forces `n == k`). Each list's value is followed through the
later re-assignments of the loop body (`_flatten(T, N, obs_batch)`) and compared as text with the
candidate's. What can still differ is how many minibatches the outer loop makes: `range(0, n, k)` steps
through every index, `range(m)` with `k = n // m` leaves the last `n - m * k` out when `m` does not divide
`n`. The finding is then low, with that condition in its rationale: the batches are the same, the count
is the same only for evenly divisible sizes.

Not proved here: values the rewrite stores differently in a branch (`else: x = None` where the baseline
kept an empty list); the rationale names the gathered values only.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.flow.units import Unit

START = "__start__"
STACKS = frozenset({"stack"})


@dataclass(frozen=True)
class Gather:
    """What the rewrite gathers and how each side loops over minibatches."""

    lists: tuple[str, ...]  # the gathered values, by name
    names: frozenset[str]  # every name the rewrite defines on either side (lists, loop targets, indexes)
    tests: frozenset[str]  # `if` tests that guard gathered values on either side
    base_loop: str  # the outer loop's iterable at each commit
    cand_loop: str

    def describe(self) -> str:
        shown = ", ".join(f"`{n}`" for n in self.lists[:6]) + (f" and {len(self.lists) - 6} more" if len(self.lists) > 6 else "")
        count = ("the same outer loop" if self.base_loop == self.cand_loop else
                 f"the outer loop is `{self.cand_loop}` where it was `{self.base_loop}`: the same minibatches when "
                 f"the batch count divides the number of indices evenly; otherwise a pass makes another number of "
                 f"batches (the candidate's leaves the last indices out)")
        return (f"the minibatches are gathered by an index array where the baseline stacked one slice per index "
                f"({shown}: the same elements in the same order, followed through the later statements); {count} "
                f"(flow/gather.py)")


def index_gathered(base: ast.AST, cand: ast.AST) -> Gather | None:
    """The rewrite when `base` stacks per-index slices that `cand` gathers by index array, each list to
    the same value; else None."""
    b, c = _stacked_side(base), _indexed_side(cand)
    if b is None or c is None:
        return None
    (b_values, b_names, b_tests, b_loop), (c_values, c_names, c_tests, c_loop) = b, c
    common = sorted(set(b_values) & set(c_values))
    if not common or set(b_values) != set(c_values) or any(b_values[n] != c_values[n] for n in common):
        return None
    return Gather(tuple(common), frozenset(b_names | c_names), frozenset(b_tests | c_tests), b_loop, c_loop)


def gather_note(base: ast.AST, cand: ast.AST, units: list[Unit]) -> str | None:
    """Why the changed `units` of a function pair are this rewrite and nothing else, else None: each one
    defines only names of the rewrite (or names both commits define by the same statements: `T, N = ...`
    moved out of the loop) or is an `if` test guarding a gathered value."""
    found = index_gathered(base, cand)
    if found is None or not units:
        return None
    same = _same_definitions(base, cand)
    for unit in units:
        if isinstance(unit.node, ast.If) and ast.unparse(unit.node.test) in found.tests:
            continue
        if not unit.defs or not unit.defs <= found.names | same:
            return None
    return found.describe()


def _same_definitions(base: ast.AST, cand: ast.AST) -> set[str]:
    """Names assigned by the same statements (as text) in both functions."""
    def defs(fn: ast.AST) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            out.setdefault(n.id, []).append(ast.unparse(node))
        return out

    b, c = defs(base), defs(cand)
    return {n for n in b.keys() & c.keys() if sorted(b[n]) == sorted(c[n])}


# ---- the baseline: one slice per index, appended then stacked ------------------------------------------

def _stacked_side(fn: ast.AST) -> tuple[dict[str, str], set[str], set[str], str] | None:
    for outer, start in _loops(fn):
        k = _range_step(outer.iter)
        if k is None:
            continue
        for inner in (n for n in ast.walk(outer) if isinstance(n, ast.For) and n is not outer):
            found = _appends(inner, start, k)
            if found is None:
                continue
            gathered, names, tests = found
            values = _followed(outer.body, gathered, inner, _locals(fn))
            if values:
                return values, names | {start}, tests | _tests(outer.body, set(values)), ast.unparse(outer.iter)
    return None


def _range_step(it: ast.expr) -> str | None:
    """`k` of `range(0, n, k)`."""
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and len(it.args) == 3 \
            and isinstance(it.args[0], ast.Constant) and it.args[0].value == 0:
        return ast.unparse(it.args[2])
    return None


def _appends(inner: ast.For, start: str, k: str) -> tuple[dict[str, tuple[str, ast.expr, int]], set[str], set[str]] | None:
    """`for o in range(k): i = p[start + o]; lst.append(x[..., i, ...])`: per list, (canonical gathered
    subscript, the array, the position of the index)."""
    it = inner.iter
    if not (isinstance(inner.target, ast.Name) and isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
            and it.func.id == "range" and len(it.args) == 1 and ast.unparse(it.args[0]) == k):
        return None
    offset = inner.target.id
    indexes: dict[str, str] = {}  # `ind = perm[start + offset]` -> ind: perm
    names = {offset}
    for stmt in ast.walk(inner):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            perm = _per_index(stmt.value, start, offset)
            if perm is not None:
                indexes[stmt.targets[0].id] = perm
                names.add(stmt.targets[0].id)
    out: dict[str, tuple[str, ast.expr, int]] = {}
    tests: set[str] = set()
    for node in ast.walk(inner):
        if isinstance(node, ast.If):
            tests.add(ast.unparse(node.test))
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                and isinstance(node.func.value, ast.Name) and len(node.args) == 1 and not node.keywords):
            continue
        arg = node.args[0]
        if not isinstance(arg, ast.Subscript):
            return None  # something else appended: not a pure gather
        elts = list(arg.slice.elts) if isinstance(arg.slice, ast.Tuple) else [arg.slice]
        spots = [i for i, e in enumerate(elts) if _index_of(e, indexes, start, offset) is not None]
        if len(spots) != 1:
            return None
        pos = spots[0]
        perm = _index_of(elts[pos], indexes, start, offset)
        assert perm is not None
        canon = [*elts[:pos], _batch_index(perm, k), *elts[pos + 1:]]
        out[node.func.value.id] = (_subscript_text(arg.value, canon), arg.value, pos)
    if not out:
        return None
    return out, names | set(out), tests


def _per_index(value: ast.expr, start: str, offset: str) -> str | None:
    """`perm[start + offset]` -> `perm`."""
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.BinOp) and isinstance(value.slice.op, ast.Add):
        parts = {ast.unparse(value.slice.left), ast.unparse(value.slice.right)}
        if parts == {start, offset}:
            return ast.unparse(value.value)
    return None


def _index_of(elt: ast.expr, indexes: dict[str, str], start: str, offset: str) -> str | None:
    if isinstance(elt, ast.Name) and elt.id in indexes:
        return indexes[elt.id]
    return _per_index(elt, start, offset)


def _batch_index(perm: str, k: str) -> ast.expr:
    return ast.parse(f"{perm}[{START}:{START} + ({k})]", mode="eval").body


def _subscript_text(array: ast.expr, elts: list[ast.expr]) -> str:
    index: ast.expr = ast.Tuple(elts=elts, ctx=ast.Load()) if len(elts) > 1 else elts[0]
    return ast.unparse(ast.Subscript(value=array, slice=index, ctx=ast.Load()))


def _followed(body: list[ast.stmt], gathered: dict[str, tuple[str, ast.expr, int]], inner: ast.For,
              local: dict[str, ast.expr]) -> dict[str, str]:
    """Each list's value at the end of the outer loop's body: the stack of its slices, then every later
    re-assignment with the current value substituted (branch bodies read in order, their `else` not)."""
    values: dict[str, str] = {}
    for stmt in _straight(body):
        if stmt is inner or not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                                 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if name not in gathered:
            continue
        if isinstance(stmt.value, ast.List) and not stmt.value.elts and name not in values:
            continue  # `lst = []`
        stacked = _stacked(stmt.value, name, gathered[name], local)
        if stacked is not None:
            values[name] = stacked
        elif name in values:
            values[name] = _substituted(stmt.value, {name: values[name]})
        else:
            return {}  # read before it is stacked
    return values if set(values) == set(gathered) else {}


def _stacked(value: ast.expr, name: str, gathered: tuple[str, ast.expr, int], local: dict[str, ast.expr]) -> str | None:
    """`np.stack(lst, pos)` (the axis the index stood at), or `np.stack(lst).reshape(n, *x.shape[2:])` of
    slices `x[c:c + 1, i]`: the gathered subscript; else None."""
    canon, array, pos = gathered
    call = value
    if isinstance(call, ast.Call) and _is_stack(call.func) and len(call.args) >= 1 and _is_name(call.args[0], name):
        axis = _axis(call)
        return canon if axis == pos else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "reshape" \
            and isinstance(call.func.value, ast.Call) and _is_stack(call.func.value.func) \
            and len(call.func.value.args) == 1 and _is_name(call.func.value.args[0], name) and _axis(call.func.value) == 0 \
            and pos == 1 and len(call.args) == 2 and isinstance(call.args[1], ast.Starred):
        rest = ast.unparse(call.args[1].value)
        sub = ast.parse(canon, mode="eval").body
        if rest not in _trailing(array, local) or not isinstance(sub, ast.Subscript) \
                or not isinstance(sub.slice, ast.Tuple) or len(sub.slice.elts) != 2:
            return None
        first = sub.slice.elts[0]
        if isinstance(first, ast.Slice) and first.lower is not None and first.upper is not None and first.step is None \
                and isinstance(first.lower, ast.Constant) and isinstance(first.lower.value, int) \
                and isinstance(first.upper, ast.Constant) and first.upper.value == first.lower.value + 1:
            return _subscript_text(array, [first.lower, sub.slice.elts[1]])
    return None


def _locals(fn: ast.AST) -> dict[str, ast.expr]:
    """Names assigned exactly once in the function, with their value."""
    seen: dict[str, list[ast.expr]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            seen.setdefault(node.targets[0].id, []).append(node.value)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For) and isinstance(node.target, ast.Name):
            seen.setdefault(node.target.id, []).extend([node.target, node.target])
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def _trailing(array: ast.expr, local: dict[str, ast.expr]) -> set[str]:
    """Ways to write `array.shape[2:]`: itself, and `y.shape[j:]` when `array` is a local
    `y.reshape(a, b, *y.shape[j:])` (two leading sizes, then y's own trailing ones)."""
    text = ast.unparse(array)
    out = {f"{text}.shape[2:]"}
    value = local.get(array.id) if isinstance(array, ast.Name) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "reshape" \
            and len(value.args) == 3 and isinstance(value.args[2], ast.Starred) and not value.keywords:
        tail = value.args[2].value
        owner = ast.unparse(value.func.value)
        if isinstance(tail, ast.Subscript) and ast.unparse(tail.value) == f"{owner}.shape" \
                and isinstance(tail.slice, ast.Slice) and tail.slice.upper is None and tail.slice.step is None:
            out.add(ast.unparse(tail))
    return out


def _is_stack(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr in STACKS) or (isinstance(func, ast.Name) and func.id in STACKS)


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _axis(call: ast.Call) -> int | None:
    given = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "axis"), None)
    if given is None:
        return 0
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, int) else None


# ---- the candidate: one index array per minibatch ------------------------------------------------------

def _indexed_side(fn: ast.AST) -> tuple[dict[str, str], set[str], set[str], str] | None:
    for outer, target in _loops(fn):
        env: dict[str, ast.expr] = {}
        names = {target}
        batch: dict[str, str] = {}  # `ids = perm[s:s + k]` -> canonical index text
        values: dict[str, str] = {}
        for stmt in _straight(outer.body):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            name = stmt.targets[0].id
            index = _batch_slice(stmt.value, env, outer)
            if index is not None:
                batch[name] = index
                names.add(name)
            elif _reads(stmt.value, set(batch)):
                values[name] = _canonical(stmt.value, batch)
            env[name] = stmt.value
        names |= {n for n, v in env.items() if n not in values and n not in batch and _reads(v, {target})}
        if values:
            return values, names | set(values), _tests(outer.body, set(values)), ast.unparse(outer.iter)
    return None


def _batch_slice(value: ast.expr, env: dict[str, ast.expr], outer: ast.For) -> str | None:
    """`perm[s:s + k]` with `s = b * k` (`b` the target of `for b in range(m)`, `s` inline or a local) ->
    `perm[__start__:__start__ + (k)]`: consecutive batches of `k` from 0, as `range(0, n, k)` starts them."""
    if not (isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice) and value.slice.step is None):
        return None
    lower, upper = value.slice.lower, value.slice.upper
    if lower is None or not (isinstance(upper, ast.BinOp) and isinstance(upper.op, ast.Add)) \
            or ast.unparse(upper.left) != ast.unparse(lower):
        return None
    k = ast.unparse(upper.right)
    start = env.get(lower.id, lower) if isinstance(lower, ast.Name) else lower
    it = outer.iter
    counted = isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and len(it.args) == 1
    if not (counted and isinstance(start, ast.BinOp) and isinstance(start.op, ast.Mult)
            and {ast.unparse(start.left), ast.unparse(start.right)} == {ast.unparse(outer.target), k}):
        return None
    return ast.unparse(_batch_index(ast.unparse(value.value), k))


def _reads(expr: ast.expr, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))


def _canonical(expr: ast.expr, batch: dict[str, str]) -> str:
    return _substituted(expr, batch)


def _substituted(expr: ast.expr, values: dict[str, str]) -> str:
    parsed = {k: ast.parse(v, mode="eval").body for k, v in values.items()}

    class Sub(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return parsed.get(node.id, node)

    return ast.unparse(Sub().visit(ast.parse(ast.unparse(expr), mode="eval")))


# ---- shared ----------------------------------------------------------------------------------------------

def _loops(fn: ast.AST) -> list[tuple[ast.For, str]]:
    """`for` loops over one name, with that name."""
    return [(n, n.target.id) for n in ast.walk(fn) if isinstance(n, ast.For) and isinstance(n.target, ast.Name)]


def _straight(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a loop body in order, `if` bodies inlined (their `else` left out), nested loops
    as themselves."""
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, ast.If):
            out.extend(_straight(stmt.body))
        else:
            out.append(stmt)
    return out


def _tests(body: list[ast.stmt], names: set[str]) -> set[str]:
    """The `if` tests of the body that guard a statement defining one of `names`."""
    out: set[str] = set()
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.If) and any(
                isinstance(t, ast.Name) and t.id in names and isinstance(t.ctx, ast.Store)
                for s in node.body + node.orelse for t in ast.walk(s)):
            out.add(ast.unparse(node.test))
    return out
