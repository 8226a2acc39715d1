"""The per-function and per-class memos that replaced repeated walks (`configref._assigned_before`,
`stored._attr_source`, `moved._calls_self`, env_count's `_literal_locals` and `_check_only`, and the
node-type filter of `equivalent_form`) answer as the walks they replaced, kept here as the reference,
on every function of the project's own sources and on a generated class with the awkward cases
(an attribute augmented, annotated, stored by entry, initialised empty, assigned twice)."""

from __future__ import annotations

import ast
from pathlib import Path

import investigator
from investigator.detectors import configref, moved, patterns, stored
from investigator.detectors.functions import FunctionInfo, parse_module
from investigator.detectors.rules import env_count

AWKWARD = '''
class Agent:
    count: int = 0

    def __init__(self, cfg, policy):
        self.lr = cfg.lr
        self.policy = policy
        self.buf = {}
        self.gamma = 0.99
        self.gamma = cfg.gamma
        self.steps: int = 0
        self.table = {}
        self.table[0] = 1
        self.tau = None
        self.tau = cfg.tau
        self.a = self.b = cfg.x

    def update(self, batch):
        self.steps += 1
        self.lr = self.lr * 0.5
        self.buf[batch.key] = batch
        loss = self.gamma * batch.r + self.tau
        self.optimizer = make(lr=self.lr)
        self.lr = 3e-4
        self.helper(loss)
        self.update(batch)
        num_envs = 4
        num_envs_b = 8
        num_envs_b = 9
        n_workers = batch.n
        if n_workers != int(n_workers):
            raise ValueError(n_workers)
        for i in range(num_envs):
            self.lr = i
        return self.lr, self.optimizer

    def helper(self, x):
        return x

def script(p):
    with open(p) as fh:
        data = fh.read()
    first, (second, first) = data
    for first in data:
        first += 1
    envs = 2
    ratio = envs / 1
    assert ratio > 0
    return make(num_envs=envs)
'''


def _functions() -> list[FunctionInfo]:
    root = Path(investigator.__file__).parent
    out = list(parse_module("agent.py", AWKWARD, "candidate").functions.values())
    for path in sorted(root.rglob("*.py"))[:120]:
        out.extend(parse_module(str(path), path.read_text(), "candidate").functions.values())
    return out


def _self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _assigned_before_walk(fn: FunctionInfo, read: ast.Attribute) -> ast.expr | None:
    line = getattr(read, "lineno", None)
    if line is None or fn.is_module:
        return None
    best = None
    stores: list[int] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign) and node.lineno < line:
            for t in node.targets:
                if isinstance(t, ast.Subscript) and _self_attr(t.value) and t.value.attr == read.attr:
                    stores.append(node.lineno)
            t = node.targets[0]
            if len(node.targets) == 1 and _self_attr(t) and t.attr == read.attr \
                    and (best is None or node.lineno > best[0]):
                best = (node.lineno, node.value)
    if best is None or any(best[0] < n for n in stores):
        return None
    return best[1]


def _attr_source_walk(fn: FunctionInfo, attr: str):
    if fn.class_name is None:
        return None
    found = []
    for other in fn.module.functions.values():
        if other.class_name != fn.class_name or other.is_module:
            continue
        for node in ast.walk(other.node):
            if isinstance(node, ast.AugAssign | ast.AnnAssign) and stored._is_self(node.target, attr):
                return None
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Subscript) and stored._is_self(t.value, attr):
                        return None
                    if stored._is_self(t, attr) and not stored._empty(node.value):
                        found.append((other, node))
    return found[0] if len(found) == 1 else None


def _last_binding_walk(fn: FunctionInfo, name: str, line: int) -> ast.stmt | None:
    best = None
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With) \
                or node.lineno >= line:
            continue
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.For):
            targets = [node.target]
        elif isinstance(node, ast.With):
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
        else:
            targets = [node.target]
        binds = any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
                    for t in targets for n in ast.walk(t))
        if binds and (best is None or node.lineno > best.lineno):
            best = node
    return best


def _literal_locals_walk(fn: FunctionInfo) -> dict[str, ast.expr]:
    stores: dict[str, list[ast.AST]] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores.setdefault(node.id, []).append(node)
    out: dict[str, ast.expr] = {}
    for node in ast.walk(fn.node):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and len(stores.get(node.targets[0].id, [])) == 1):
            out[node.targets[0].id] = node.value
    return out


def _check_only_walk(root: ast.AST) -> frozenset[str]:
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    names = {n.id for n in ast.walk(root) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    reads: dict[str, list[str | None]] = {}
    for node in ast.walk(root):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
            reads.setdefault(node.id, []).append(env_count._read_context(node, parents))
    alive = {name for name, uses in reads.items() if all(u is not None for u in uses)}
    changed = True
    while changed:
        changed = False
        for name in sorted(alive):
            if any(u and u not in alive for u in reads[name]):
                alive.discard(name)
                changed = True
    return frozenset(alive)


def test_memos_answer_as_the_walks() -> None:
    functions = _functions()
    assert len(functions) > 500
    checked = 0
    for fn in functions:
        attrs = {n.attr for n in ast.walk(fn.node) if _self_attr(n)}
        for attr in sorted(attrs | {"nothing_named_so"}):
            assert stored._attr_source(fn, attr) == _attr_source_walk(fn, attr), (fn.qualname, attr)
            assert moved._calls_self(fn, attr) == any(
                isinstance(n, ast.Call) and _self_attr(n.func) and n.func.attr == attr for n in ast.walk(fn.node))
        for read in [n for n in ast.walk(fn.node) if _self_attr(n)][:40]:
            assert configref._assigned_before(fn, read) is _assigned_before_walk(fn, read), (fn.qualname, read.attr)
            checked += 1
        loads = [n for n in ast.walk(fn.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)][:40]
        for load in loads:
            for line in (load.lineno, load.lineno + 1, 10 ** 6):
                assert stored._last_binding(fn, load.id, line) is _last_binding_walk(fn, load.id, line)
        assert list(env_count._literal_locals(fn).items()) == list(_literal_locals_walk(fn).items())
        assert env_count._check_only(fn.node) == _check_only_walk(fn.node)
    assert checked > 1000


def test_awkward_cases_answer_as_expected() -> None:
    fns = parse_module("agent.py", AWKWARD, "candidate").functions
    init, update = fns["Agent.__init__"], fns["Agent.update"]
    assert stored._attr_source(update, "policy") is not None  # one store
    assert stored._attr_source(update, "steps") is None  # annotated and augmented
    assert stored._attr_source(update, "table") is None  # stored into by entry
    assert stored._attr_source(update, "tau") is not None  # `None` first: an initialisation
    assert stored._attr_source(update, "gamma") is None  # two values
    last = update.node.body[-1]  # `return self.lr, self.optimizer`
    reads = {n.attr: n for n in ast.walk(last) if _self_attr(n)}
    assert ast.unparse(configref._assigned_before(update, reads["optimizer"])) == "make(lr=self.lr)"
    assert ast.unparse(configref._assigned_before(update, reads["lr"])) == "i"  # the latest store above
    buf = [n for n in ast.walk(update.node) if _self_attr(n) and n.attr == "buf"][0]
    assert configref._assigned_before(update, buf) is None  # no plain store in the function
    assert moved._calls_self(update, "helper") and moved._calls_self(update, "update")
    assert not moved._calls_self(init, "helper")
    assert set(env_count._literal_locals(update)) == {"num_envs"}
    assert env_count.check_only_names(update) == frozenset({"n_workers"})
    assert env_count.check_only_names(fns["script"]) == frozenset({"ratio"})


def test_equivalent_form_filter_loses_no_rewrite() -> None:
    """Every node `_needs_rewrite` accepts is of a type the filter lets through, on the project's own
    sources and on the spellings it rewrites."""
    samples = ["1 * x", "torch.relu(x)", "nn.ReLU()(x)", "{'a': 1, 'a': 2}", "np.bool", "tuple(xs)",
               "sum([f(x) for x in xs])", "(a + q.detach()).detach()", "super(C, self)", "x > 0.0",
               "x.sum(dim=-1)", "{'b': f, 'a': g}[k]", "k in {'b': 1, 'a': 2}", "torch.max(torch.min(x, hi), lo)",
               "MultivariateNormal(mu, scale_tril=torch.diag(std))", "x.zero_grad(set_to_none=True)"]
    trees = [ast.parse(s) for s in samples]
    root = Path(investigator.__file__).parent
    trees += [ast.parse(p.read_text()) for p in sorted(root.rglob("*.py"))[:120]]
    accepted = 0
    for tree in trees:
        for node in ast.walk(tree):
            if patterns._needs_rewrite(node):
                accepted += 1
                assert isinstance(node, patterns._REWRITABLE), ast.dump(node)[:120]
    assert accepted >= len(samples)
    for sample in samples:
        assert patterns.equivalent_form(ast.parse(sample, mode="eval").body) is not ast.parse(sample, mode="eval").body
