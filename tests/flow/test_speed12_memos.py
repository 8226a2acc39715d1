"""Speed changes of the eighteenth session (`speed` branch): each answers what the code it replaced answered (that
code is kept here, verbatim, as the slow reference), on the engine's own detectors and flow modules plus a module
shaped for the cases (nested functions, aliases, rebinds, loops, `with torch.no_grad()`, inlined helpers):

- `threaded._stores` / `_bound_once` through one index per function (`_store_index`);
- `threaded.innermost` / `_nested_def` through the list of nested definitions per function (`_nested_functions`);
- `detectors.flow.Flow._walk` choosing its case by the node's class (`_WALK_KIND`);
- `classbody.renamed_classes` dumping only classes whose `_outline` the other side shares;
- `SideIndex._mention_lines` with the skip ranges grouped per file.

These are equivalence tests, not fail-before tests.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import investigator
from investigator.detectors.flow import Flow, _replace, is_no_grad
from investigator.detectors.functions import FunctionInfo, ParsedModule, parse_module
from investigator.detectors.pairs import SideIndex
from investigator.detectors.sources import MemoryTree
from investigator.flow import classbody, threaded

ROOT = Path(investigator.__file__).parent

CASES = (
    "import torch\n"
    "class Agent(Base):\n"
    "    '''doc'''\n"
    "    def update(self, batch, scale=1.0):\n"
    "        loss = self.loss(batch)\n"
    "        f = self.loss\n"
    "        x = y = 0\n"
    "        for i in range(3):\n"
    "            x += i\n"
    "        with torch.no_grad():\n"
    "            t = self.target(batch)\n"
    "        if scale:\n"
    "            loss = loss * scale\n"
    "        else:\n"
    "            del y\n"
    "        def inner(a, b=x):\n"
    "            c = a + b\n"
    "            def deepest(d):\n"
    "                return d * c\n"
    "            return deepest(c)\n"
    "        values = [inner(v) for v in batch if v]\n"
    "        while loss > 1:\n"
    "            loss = helper(loss)\n"
    "        return f(batch), t, values\n"
    "    def loss(self, batch):\n"
    "        out, _ = helper2(batch)\n"
    "        return out\n"
    "    @torch.no_grad()\n"
    "    def target(self, batch):\n"
    "        return batch\n"
    "def helper(v):\n"
    "    return v / 2\n"
    "def helper2(b):\n"
    "    return b, b\n"
    "class Renamed(Base):\n"
    "    '''doc'''\n"
    "    def update(self, batch):\n"
    "        return batch\n"
    "@dataclass\n"
    "class Decorated:\n"
    "    x: int = 0\n"
)


def _files(count: int = 40) -> dict[str, str]:
    paths = sorted(p for folder in ("detectors", "flow") for p in (ROOT / folder).rglob("*.py"))
    picked = random.Random(12).sample(paths, min(count, len(paths)))
    return {**{str(p.relative_to(ROOT.parent)): p.read_text() for p in picked}, "extra/cases.py": CASES}


def _modules(count: int = 40) -> list[ParsedModule]:
    return [parse_module(path, text, "candidate") for path, text in _files(count).items()]


# ---- threaded._stores / _bound_once ------------------------------------------------------------------

def _old_stores(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) for n in ast.walk(node))


def _old_bound_once(node: ast.AST, name: str) -> ast.expr | None:
    stores = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)]
    if len(stores) != 1:
        return None
    for n in ast.walk(node):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and n.targets[0] is stores[0]:
            return n.value
    return None


def test_stores_and_bound_once_answer_as_the_walks_did() -> None:
    asked = bound = 0
    for module in _modules():
        for fn in module.functions.values():
            names = sorted({n.id for n in ast.walk(fn.node) if isinstance(n, ast.Name)} | {"self", "absent_name"})
            for name in [*names, *names[::2]]:  # some asked twice: the second from the index
                assert threaded._stores(fn.node, name) == _old_stores(fn.node, name), (fn.qualname, name)
                got = threaded._bound_once(fn.node, name)
                assert got is _old_bound_once(fn.node, name), (fn.qualname, name)
                asked += 1
                bound += got is not None
    assert asked > 1000 and bound > 50


# ---- threaded.innermost / _nested_def ------------------------------------------------------------------

def _old_innermost(fn: FunctionInfo, node: ast.AST) -> tuple[str, ast.AST]:
    for child in ast.walk(fn.node):
        if child is fn.node or not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if any(n is node for n in ast.walk(child)) and threaded._direct(fn.node, child):
            nested = FunctionInfo(fn.side, fn.path, f"{fn.qualname}.{child.name}", child, None, fn.module)
            return _old_innermost(nested, node)
    return fn.qualname, fn.node


def test_innermost_and_nested_def_answer_as_the_walks_did() -> None:
    nested_seen = 0
    for module in _modules():
        for fn in module.functions.values():
            if fn.is_module:
                continue
            for node in ast.walk(fn.node):
                got = threaded.innermost(fn, node)
                assert (got.qualname, got.node) == _old_innermost(fn, node)
                nested_seen += got.node is not fn.node
            for name in {c.name for c in ast.walk(fn.node) if isinstance(c, ast.FunctionDef | ast.AsyncFunctionDef)}:
                got_def = threaded._nested_def(fn, name)
                want = next((c for c in ast.walk(fn.node) if isinstance(c, ast.FunctionDef | ast.AsyncFunctionDef)
                             and c.name == name and c is not fn.node and threaded._direct(fn.node, c)), None)
                assert (got_def.node if got_def is not None else None) is (
                    _old_innermost(fn, want)[1] if want is not None else None)
    assert nested_seen > 10


# ---- detectors.flow.Flow._walk -----------------------------------------------------------------------

class _OldFlow(Flow):
    """`Flow` with the walk it had before (`isinstance` tests in order), verbatim."""

    def _walk(self, node, c, out):  # type: ignore[no-untyped-def]
        if self._count > 60_000 or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            return
        out.append(self._site(node, c))
        if isinstance(node, ast.Return) and node.value is not None and c.bind_targets is not None:
            self._bound_return(node, c, out)
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            head = [node.iter, node.target] if isinstance(node, ast.For | ast.AsyncFor) else [node.test]
            for h in head:
                self._walk(h, c, out)
            self._walk_body(node.body, _replace(c, loops=(*c.loops, node)), out)
            self._walk_body(node.orelse, c, out)
            return
        if isinstance(node, ast.If):
            self._walk(node.test, c, out)
            self._walk_body(node.body, _replace(c, branches=(*c.branches, (id(node), 0))), out)
            self._walk_body(node.orelse, _replace(c, branches=(*c.branches, (id(node), 1))), out)
            return
        if isinstance(node, ast.With | ast.AsyncWith):
            inner = c.no_grad or any(is_no_grad(item.context_expr) for item in node.items)
            for item in node.items:
                self._walk(item.context_expr, c, out)
            opened = c.no_grad_from if c.no_grad or not inner else c.depth
            self._walk_body(node.body, _replace(c, no_grad=inner, no_grad_from=opened), out)
            return
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                self._walk(target, c, out)
            call = node.value
            out.append(self._site(call, c))
            for child in ast.iter_child_nodes(call):
                self._walk(child, c, out)
            if c.depth < 4:
                self._inline(call, c, node.targets, out)
            return
        if isinstance(node, ast.comprehension):
            c = _replace(c, loops=(*c.loops, node))
        for child in self._children(node):
            self._walk(child, c, out)
        if isinstance(node, ast.Call) and c.depth < 4:
            self._inline(node, c, None, out)


def _described(site: object) -> tuple[object, ...]:
    d = vars(site)
    return (d["node"] if not isinstance(d["node"], ast.Assign) else ast.dump(d["node"]), d["fn"].qualname,
            tuple(id(x) for x in d["loops"]), d["no_grad"], d["depth"],
            tuple(sorted((k, ast.dump(v)) for k, v in d["bindings"].items())), d["loop_aliases"],
            tuple(f.qualname for f in d["chain"]), d["anchor"], d["branches"], d["calls"], d["no_grad_from"])


def test_flow_walk_gives_the_sites_of_the_isinstance_walk() -> None:
    files = _files()
    side = SideIndex("candidate", MemoryTree(files))
    new, old = Flow(side), _OldFlow(side)
    walked = inlined = 0
    for path in sorted(files):
        module = side.module(path)
        if module is None:
            continue
        for fn in module.functions.values():
            got, want = new.sites(fn), old.sites(fn)
            assert [_described(s) for s in got] == [_described(s) for s in want], fn.qualname
            walked += len(got)
            inlined += sum(1 for s in got if s.depth > 0)
    assert walked > 1000 and inlined > 0


# ---- classbody.renamed_classes -------------------------------------------------------------------------

def test_equal_definitions_have_equal_outlines() -> None:
    by_definition: dict[str, list[ast.ClassDef]] = {}
    for module in _modules(80):
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                by_definition.setdefault(classbody._definition(node), []).append(node)
    tree = ast.parse("class A(Base):\n    x = 1\n@Base\nclass B:\n    x = 1\nclass C(Base):\n    '''d'''\n    x = 1\n")
    a, b, c = (n for n in tree.body if isinstance(n, ast.ClassDef))
    for group in [*by_definition.values(), [a, b, c]]:  # a base and a decorator of the same dump: equal definitions
        assert len({classbody._outline(n) for n in group}) == 1
    assert classbody._definition(a) == classbody._definition(b) == classbody._definition(c)


# ---- SideIndex._mention_lines -----------------------------------------------------------------------

def _old_mention_lines(side: SideIndex, name: str, skip_list: list[tuple[str, int, int]],
                       first_only: bool) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    done: set[str] = set()
    for path, number in side._all_mentions(name):
        if first_only and path in done:
            continue
        if any(p == path and lo <= number <= hi for p, lo, hi in skip_list):
            continue
        out.append((path, number))
        if first_only:
            done.add(path)
    return out


def test_mention_lines_answer_as_the_scan_of_every_skip_range_did() -> None:
    files = {str(p.relative_to(ROOT.parent)): p.read_text() for p in sorted((ROOT / "flow").glob("*.py"))[:30]}
    side = SideIndex("candidate", MemoryTree(files))
    rng = random.Random(12)
    paths = sorted(files)
    for name in ("ast", "node", "fn", "side", "return", "self", "absent_name_here"):
        mentions = side._all_mentions(name)
        for _ in range(6):
            skip = [(rng.choice(paths), lo, lo + rng.randint(0, 40)) for lo in rng.sample(range(1, 400), 5)]
            skip += [(p, n, n) for p, n in rng.sample(mentions, min(3, len(mentions)))]
            for s in (skip, []):
                for first in (False, True):
                    assert side._mention_lines(name, s, first) == _old_mention_lines(side, name, s, first)
    got = side.references("node")
    got.clear()  # a copy: the caller cannot change the memo
    assert side.references("node")
