"""Random draws rewritten with the same distribution, and a change of which generator object draws.

An RL expert reads a change of *how* a random value is drawn, when the distribution it is drawn from is
the same, as a change of the random stream: a run with a given seed no longer reproduces the baseline's
trajectories, but the expected learning (what training converges to over seeds) is the same. It is worth
a line in the report (seed-for-seed comparisons against old runs are off), not a significant "behavioural
change in the sampling path".

Real shape (MinAtar 429898cd..4241f246, "Fast random"): every game's spawn and reset code was rewritten
to cheaper draws of the same distributions, e.g. minatar/environments/asterix.py:109
`lr = self.random.choice([True, False])` -> `lr = self.random.rand() < 1/2`, `is_gold =
self.random.choice([True, False], p=[1/3, 2/3])` -> `self.random.rand() < 1/3`, `slot =
self.random.choice(slot_options)` -> `slot_options[self.random.randint(len(slot_options))]`;
breakout.py:114 `choice(2)` -> `randint(2)`; seaquest.py `choice(np.arange(1, 9))` -> `randint(low=1,
high=9)`; freeway.py `choice([-1, 1], 8)` -> `np.sign(rand(8) - 0.5).astype(int)`. And each game's
`__init__` no longer takes the caller's `random_state` (`if random_state is None: self.random =
np.random.RandomState() else: self.random = random_state` -> `self.random = np.random.RandomState()`;
`Environment.seed()` seeds it later). All five top findings were "Behavioural change in the sampling
path" (significant): the whole top 5 was this one noise class.

The rules (each proven on the statements, nothing guessed from names alone):
- `same_draws`: both statements are the same once every random draw in them is replaced by a canonical
  description of its distribution (uniform integer in [lo, hi), uniform element of a sequence, a
  categorical over literal values with literal probabilities: `rand() < p` is Bernoulli(p) like
  `choice([True, False], p=[p, 1 - p])`), and at least one draw is written differently. A change of a
  bound, a probability, a sequence or a size makes the descriptions differ: that stays a behavioural
  change.
- `generator_swapped`: every changed statement only chooses which generator object a name holds (an
  assignment of a generator construction, `np.random.RandomState()`, `default_rng(seed)`,
  `random.Random()`, `torch.Generator()`, or of a plain name, to a target the function also assigns a
  construction; or an `if` whose branches are only such assignments).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Sequence
from fractions import Fraction

from investigator.flow.diff import UnitChange
from investigator.pyast import arguments_by_name, last_name, unparse, without_keywords

# methods that draw from a generator (numpy RandomState / Generator, Python's random module)
_DRAWS = {"choice", "randint", "integers", "rand", "random", "random_sample", "uniform", "randrange"}
GENERATORS = {"RandomState", "default_rng", "Random", "Generator", "PCG64", "MT19937", "Philox", "SFC64"}
_RNG_WORDS = ("rand", "rng", "generator", "np_random")
_MAX_ELEMENTS = 32  # literal categoricals larger than this are not expanded


def _number(node: ast.AST) -> Fraction | None:
    """A literal number (constant arithmetic allowed: `1/3`, `2/3`, `-1`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return Fraction(node.value).limit_denominator(10**9)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _number(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp):
        a, b = _number(node.left), _number(node.right)
        if a is None or b is None:
            return None
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div) and b != 0:
            return a / b
    return None


def _literal(node: ast.AST) -> object | None:
    """A literal value of a categorical (`True`, `-1`, `'up'`), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | str):
        return node.value
    n = _number(node)
    return None if n is None else n


def _receiver_is_rng(func: ast.expr) -> bool:
    """`np.random.x`, `random.x`, `self.random.x`, `rng.x`, `self.np_random.x`, `generator.x`."""
    if not isinstance(func, ast.Attribute):
        return False
    text = unparse(func.value, 120).lower()
    return any(w in last_name(text) for w in _RNG_WORDS)


def _size(args: dict[str, ast.expr]) -> str:
    size = args.get("size")
    return "" if size is None or (isinstance(size, ast.Constant) and size.value is None) else unparse(size, 200)


def _uniform_int(lo: ast.expr | None, hi: ast.expr | Fraction, size: str) -> tuple:
    lo_v = Fraction(0) if lo is None else _number(lo)
    lo_t = str(lo_v) if lo_v is not None else unparse(lo, 200)  # type: ignore[arg-type]
    if isinstance(hi, Fraction):
        return ("uint", lo_t, str(hi), size)
    hi_v = _number(hi)
    return ("uint", lo_t, str(hi_v) if hi_v is not None else unparse(hi, 200), size)


def _range_bounds(seq: ast.expr) -> tuple[ast.expr | None, ast.expr] | None:
    """`range(a, b)` / `np.arange(a, b)` / `arange(b)` (unit step): (a, b)."""
    if isinstance(seq, ast.Call) and last_name(unparse(seq.func, 80)) in ("range", "arange") and not seq.keywords:
        if len(seq.args) == 1:
            return None, seq.args[0]
        if len(seq.args) == 2:
            return seq.args[0], seq.args[1]
    return None


def _categorical(values: list[object], probs: list[Fraction] | None, size: str) -> tuple | None:
    if probs is None:
        probs = [Fraction(1, len(values))] * len(values)
    if len(probs) != len(values) or sum(probs) != 1:
        return None
    dist: dict[object, Fraction] = {}
    for v, p in zip(values, probs, strict=True):
        dist[v] = dist.get(v, Fraction(0)) + p
    return ("cat", tuple(sorted(((repr(v), str(p)) for v, p in dist.items() if p), key=str)), size)


def _choice(call: ast.Call, stdlib: bool) -> tuple | None:
    args = arguments_by_name(call, ("seq",) if stdlib else ("a", "size", "replace", "p"))
    if not args:
        return None
    a = args.get("seq", args.get("a"))
    if a is None or ("replace" in args and not (isinstance(args["replace"], ast.Constant)
                                                  and args["replace"].value is True)):
        return None
    size = _size(args)
    p = args.get("p")
    if isinstance(a, ast.List | ast.Tuple) and 0 < len(a.elts) <= _MAX_ELEMENTS:
        values = [_literal(e) for e in a.elts]
        if any(v is None for v in values):
            return None
        probs = None
        if p is not None:
            if not isinstance(p, ast.List | ast.Tuple):
                return None
            probs = [_number(e) for e in p.elts]
            if any(x is None for x in probs):
                return None
        return _categorical(values, probs, size)  # type: ignore[arg-type]
    if p is not None:
        return None
    bounds = _range_bounds(a)
    if bounds is not None:
        return _uniform_int(bounds[0], bounds[1], size)
    n = _number(a)
    if n is not None and not stdlib:  # numpy: `choice(n)` is `arange(n)`
        return _uniform_int(None, a, size)
    if isinstance(a, ast.Name | ast.Attribute | ast.Subscript):
        return ("elem", unparse(a, 200), size)
    return None


def draw(node: ast.expr) -> tuple | None:
    """The distribution a random draw expression samples, in a canonical form; None if it is not a
    draw this module reads."""
    # `x.astype(int)` of a categorical over integers keeps the distribution
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "astype" \
            and len(node.args) == 1 and unparse(node.args[0], 40) in ("int", "np.int32", "np.int64", "'int'"):
        inner = draw(node.func.value)
        return inner if inner is not None and inner[0] == "cat" else None
    if isinstance(node, ast.Compare):
        return _bernoulli(node)
    if isinstance(node, ast.Subscript):
        return _indexed(node)
    if not isinstance(node, ast.Call):
        return None
    name = last_name(unparse(node.func, 120))
    if name == "sign":
        return _sign(node)
    if name not in _DRAWS or not _receiver_is_rng(node.func):
        return None
    stdlib = isinstance(node.func, ast.Attribute) and unparse(node.func.value, 20) == "random"
    if name == "choice":
        return _choice(node, stdlib)
    if name in ("randint", "integers", "randrange"):
        return _integers(node, stdlib, name)
    return None


def _bernoulli(node: ast.Compare) -> tuple | None:
    """`rand() < p` / `p > rand()`: Bernoulli(p) as a categorical over booleans."""
    if len(node.ops) != 1:
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(op, ast.Gt):
        left, right, op = right, left, ast.Lt()
    size = _unit_uniform(left) if isinstance(op, ast.Lt) else None
    p = _number(right)
    if size is None or p is None or not 0 <= p <= 1:
        return None
    return _categorical([True, False], [p, 1 - p], size)


def _indexed(node: ast.Subscript) -> tuple | None:
    """`seq[rng.randint(len(seq))]`: a uniform element of seq."""
    idx = node.slice
    if not (isinstance(idx, ast.Call) and isinstance(idx.func, ast.Attribute)
            and idx.func.attr in ("randint", "integers", "randrange") and _receiver_is_rng(idx.func)
            and len(idx.args) == 1 and not idx.keywords):
        return None
    n = idx.args[0]
    if isinstance(n, ast.Call) and unparse(n.func, 20) == "len" and len(n.args) == 1 \
            and unparse(n.args[0], 200) == unparse(node.value, 200):
        return ("elem", unparse(node.value, 200), "")
    return None


def _sign(node: ast.Call) -> tuple | None:
    """`np.sign(rand(k) - 0.5)`: -1 or 1 with probability 1/2 each."""
    if len(node.args) != 1 or node.keywords:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Sub) and _number(arg.right) == Fraction(1, 2):
        size = _unit_uniform(arg.left)
        if size is not None:
            return _categorical([Fraction(-1), Fraction(1)], None, size)
    return None


def _integers(node: ast.Call, stdlib: bool, name: str) -> tuple | None:
    """`randint(hi)`, `randint(lo, hi, size)`, `integers(lo, hi)`, `randrange(lo, hi)`: uniform on [lo, hi)
    (Python's `random.randint(a, b)` includes b)."""
    args = arguments_by_name(node, ("low", "high", "size") if not stdlib else ("low", "high"))
    if not args or "low" not in args or "endpoint" in {k.arg for k in node.keywords}:
        return None
    if stdlib and name == "randint":
        high = _number(args["high"]) if "high" in args else None
        if high is None:
            return None
        return _uniform_int(args["low"], high + 1, "")
    if "high" not in args or (isinstance(args["high"], ast.Constant) and args["high"].value is None):
        return _uniform_int(None, args["low"], _size(args))
    return _uniform_int(args["low"], args["high"], _size(args))


def _unit_uniform(node: ast.expr) -> str | None:
    """The size text of a uniform draw on [0, 1) (`rand()`, `rand(8)`, `random()`, `uniform()`), else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _receiver_is_rng(node.func)):
        return None
    attr = node.func.attr
    if attr == "rand" and not node.keywords:
        return ", ".join(unparse(a, 40) for a in node.args)
    if attr in ("random", "random_sample") and len(node.args) <= 1 and not node.keywords:
        return unparse(node.args[0], 40) if node.args else ""
    if attr == "uniform" and not node.args and not node.keywords:
        return ""
    return None


class _Canonical(ast.NodeTransformer):
    def __init__(self) -> None:
        self.draws: list[str] = []

    def visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr):
            d = draw(node)
            if d is not None:
                self.draws.append(unparse(node, 200))
                return ast.Name(id=f"__draw_{d!r}", ctx=ast.Load())
        return self.generic_visit(node)


def _canonical(stmt: ast.stmt) -> tuple[str, list[str]]:
    c = _Canonical()
    tree = c.visit(copy.deepcopy(stmt))
    return ast.dump(tree, annotate_fields=False), c.draws


def same_draws(base: ast.stmt, cand: ast.stmt) -> bool:
    """The two statements differ only in how their random draws are written, each pair drawing the
    same distribution."""
    if isinstance(base, ast.If | ast.For | ast.While | ast.With | ast.Try) or type(base) is not type(cand):
        return False
    b, bd = _canonical(base)
    c, cd = _canonical(cand)
    return bool(bd) and b == c and bd != cd


def _is_generator(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and last_name(unparse(value.func, 120)) in GENERATORS


def _generator_targets(fn_nodes: Sequence[ast.AST]) -> set[str]:
    out: set[str] = set()
    for fn in fn_nodes:
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Assign) and _is_generator(sub.value):
                out.update(unparse(t, 80) for t in sub.targets)
    return out


def _holder_assign(stmt: ast.stmt, targets: set[str]) -> bool:
    return (isinstance(stmt, ast.Assign) and all(unparse(t, 80) in targets for t in stmt.targets)
            and (_is_generator(stmt.value) or isinstance(stmt.value, ast.Name | ast.Attribute)))


def _only_holder(stmt: ast.stmt, targets: set[str]) -> bool:
    if isinstance(stmt, ast.If):
        return all(_only_holder(s, targets) for s in [*stmt.body, *stmt.orelse])
    return _holder_assign(stmt, targets)


def _without_generator_keywords(stmt: ast.stmt, targets: set[str]) -> tuple[str, set[str]]:
    """The statement with every keyword argument that hands on a generator holder (`random_state=self.random`)
    removed, and the holders removed."""
    dump, dropped = without_keywords(stmt, lambda k: bool(k.arg) and unparse(k.value, 80) in targets)
    return dump, {unparse(k.value, 80) for k in dropped}


def generator_swapped(changes: list[UnitChange]) -> str | None:
    """The generator name(s) when every change only chooses which generator object a name holds, or only stops
    (starts) handing a generator holder to a callee as a keyword (`Env(ramping=r, random_state=self.random)` ->
    `Env(ramping=r)`: the callee draws from its own generator)."""
    fns = [u.fn.node for c in changes for u in (c.base, c.cand) if u is not None]
    targets = _generator_targets(fns)
    if not targets or not changes:
        return None
    touched: set[str] = set()
    for c in changes:
        if c.base is not None and c.cand is not None and not isinstance(c.base.node, ast.If | ast.For | ast.While):
            (b, bk), (k, ck) = (_without_generator_keywords(c.base.node, targets),
                                _without_generator_keywords(c.cand.node, targets))
            if b == k and bk != ck:
                touched |= bk ^ ck
                continue
        for u in (c.base, c.cand):
            if u is None:
                continue
            if not _only_holder(u.node, targets):
                return None
            touched.update(unparse(t, 80) for s in ast.walk(u.node) if isinstance(s, ast.Assign) for t in s.targets)
    return ", ".join(f"`{t}`" for t in sorted(touched & targets)) or None


def same_distribution_note(changes: list[UnitChange]) -> tuple[str, str] | None:
    """(kind, reason) when every change is a same-distribution draw rewrite or a generator swap."""
    if not changes:
        return None
    if all(c.base is not None and c.cand is not None and same_draws(c.base.node, c.cand.node) for c in changes):
        return ("draws", "each changed statement draws the same distribution as before, written with other "
                         "generator calls: the draws consume the random stream differently, so a run with a given "
                         "seed no longer reproduces the baseline's episodes (seed-for-seed comparisons with old "
                         "runs are off), but the expected learning over seeds is the same")
    held = generator_swapped(changes)
    if held:
        return ("generator", f"the changed statements only choose which generator object {held} holds (one built "
                             f"here or one handed in): the draws keep their distributions; which random stream feeds "
                             f"them, and how a seed reaches it, changes (seed-for-seed reproducibility, not the "
                             f"expected learning)")
    return None
