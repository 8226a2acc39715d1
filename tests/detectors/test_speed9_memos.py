"""Memos of the fifteenth speed pass: each answers what the code it replaced answered (that code is kept here,
verbatim, as the slow reference), asked once or many times, in any order, and a new tree, function or side
starts with nothing cached (the memos live on the tree, function, unit or side they describe).

- `offflags._calls_at` through a per-tree line index (`pyast.nodes_on_line`);
- `detectors.flow._built_once` through one walk per function (`_bindings`);
- `identityopt._class` (first class of a name per tree) and `_assigned_attributes` (per class);
- `guards._stored_from_outside` once per (attribute, bases) on a side;
- `wiring.device_only`, refused without a `device=` keyword before any copy;
- `diff.collapsed_key` / `_rename_key` with renamed methods the unit does not name: the memoised key.
"""

from __future__ import annotations

import ast
import copy
import random
from pathlib import Path

import investigator
from investigator.detectors import flow as detector_flow
from investigator.detectors import guards
from investigator.detectors.functions import FunctionInfo, ParsedModule, parse_module
from investigator.detectors.guards import Side
from investigator.flow import diff, identityopt, offflags, wiring
from investigator.flow.diff import UnitChange
from investigator.flow.units import Unit, units_of
from investigator.pyast import dotted, last_name

ROOT = Path(investigator.__file__).parent

DEVICE = (
    "import torch\n"
    "class Agent(Base):\n"
    "    def __init__(self, device='cpu', scale=1.0):\n"
    "        super().__init__(device=device)\n"
    "        self.device = device\n"
    "        self.hook = identity\n"
    "        self.net = Net(4, device=device)\n"
    "    def act(self, obs):\n"
    "        x = torch.zeros(3, device=self.device)\n"
    "        y = torch.zeros(3, device='cuda')\n"
    "        z = torch.zeros(3)\n"
    "        stats = RolloutStats(obs, 3)\n"
    "        stats = RolloutStats(obs, 4)\n"
    "        buf = Buffer(obs)\n"
    "        model = Policy(obs)\n"
    "        del buf\n"
    "        w = make(obs, device=self.device, dtype=float)\n"
    "        return self.net(x + y + z + w, device=self.device)\n"
    "def act(obs):\n"
    "    x = torch.zeros(3)\n"
    "    y = torch.zeros(3, device='cpu')\n"
    "    return obs\n"
    "class Agent:\n"
    "    pass\n"
)


def _modules(count: int = 40) -> list[ParsedModule]:
    paths = sorted(p for folder in ("detectors", "flow") for p in (ROOT / folder).rglob("*.py"))
    picked = random.Random(15).sample(paths, min(count, len(paths)))
    out = [parse_module(str(p.relative_to(ROOT.parent)), p.read_text(), "candidate") for p in picked]
    out.append(parse_module("extra/device.py", DEVICE, "candidate"))
    return out


# ---- offflags._calls_at -----------------------------------------------------------------------------

def _old_calls_at(tree: ast.Module, line: int, name: str) -> list[ast.Call] | None:
    calls: list[ast.Call] = []
    other = False
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) != line:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            return []
        if isinstance(node, ast.Call) and (isinstance(node.func, ast.Name) and node.func.id == name
                                           or isinstance(node.func, ast.Attribute) and node.func.attr == name):
            calls.append(node)
        elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            other = True
    return None if other and not calls else calls


def test_calls_at_answers_as_the_whole_walk_did() -> None:
    asked = 0
    for module in _modules():
        tree = module.tree
        names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
                       | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)})
        lines = sorted({n.lineno for n in ast.walk(tree) if hasattr(n, "lineno")})
        rng = random.Random(len(lines))
        for line in [*rng.sample(lines, min(25, len(lines))), 0, 10**6]:
            for name in [*rng.sample(names, min(6, len(names))), "torch", "zeros", "missing"]:
                got = offflags._calls_at(tree, line, name)
                want = _old_calls_at(tree, line, name)
                assert (got is None) == (want is None), (module.path, line, name)
                assert [id(c) for c in got or []] == [id(c) for c in want or []], (module.path, line, name)
                asked += 1
    assert asked > 1000


def test_line_index_is_per_tree() -> None:
    a = ast.parse("import os\nf(x)\n")
    b = ast.parse("f(x)\nimport os\n")
    assert offflags._calls_at(a, 1, "f") == [] and offflags._calls_at(b, 2, "f") == []
    assert [ast.unparse(c) for c in offflags._calls_at(a, 2, "f") or []] == ["f(x)"]
    assert [ast.unparse(c) for c in offflags._calls_at(b, 1, "f") or []] == ["f(x)"]
    assert offflags._calls_at(ast.parse("g = f\n"), 1, "f") is None


# ---- detectors.flow._built_once ---------------------------------------------------------------------

def _old_built_once(fn: FunctionInfo, name: str) -> str | None:
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    if any(a.arg == name for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]):
        return None
    bound = [sub for sub in ast.walk(node) if isinstance(sub, ast.Name) and sub.id == name
             and isinstance(sub.ctx, ast.Store | ast.Del)]
    if len(bound) != 1:
        return None
    made = [sub.value for sub in ast.walk(node) if isinstance(sub, ast.Assign) and len(sub.targets) == 1
            and sub.targets[0] is bound[0]]
    if len(made) != 1 or not isinstance(made[0], ast.Call):
        return None
    written = dotted(made[0].func)
    return written if written and last_name(written)[:1].isupper() else None


def test_built_once_answers_as_the_two_walks_did() -> None:
    asked = found = 0
    for module in _modules():
        for fn in module.functions.values():
            names = sorted({n.id for n in ast.walk(fn.node) if isinstance(n, ast.Name)})
            for name in [*names, *names[::2], "missing"]:  # some asked twice: the second from the memo
                got = detector_flow._built_once(fn, name)
                assert got == _old_built_once(fn, name), (module.path, fn.qualname, name)
                asked += 1
                found += got is not None
    assert asked > 1000 and found > 0
    device = parse_module("extra/device.py", DEVICE, "candidate").functions["Agent.act"]
    assert [detector_flow._built_once(device, n) for n in ("stats", "buf", "model", "x", "obs")] \
        == [None, None, "Policy", None, None]  # bound twice, bound then deleted, built once, ...


# ---- identityopt --------------------------------------------------------------------------------------

def _old_class(fn: FunctionInfo) -> ast.ClassDef | None:
    if not fn.class_name:
        return None
    name = fn.class_name.rsplit(".", 1)[-1]
    return next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == name), None)


def test_identity_hook_class_lookups_answer_as_the_walks_did() -> None:
    classes = 0
    for module in _modules():
        for fn in [*module.functions.values(), *list(module.functions.values())[::3]]:
            got, want = identityopt._class(fn), _old_class(fn)
            assert got is want, (module.path, fn.qualname)
            if got is not None:
                classes += 1
                assert identityopt._assigned_attributes(got) == {
                    t.attr for n in ast.walk(got) if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Attribute)}
    assert classes > 50
    module = parse_module("extra/device.py", DEVICE, "candidate")
    first = identityopt._class(module.functions["Agent.act"])
    assert first is not None and first.lineno == 2  # the first `Agent` in walk order, not the later one
    assert identityopt._assigned_attributes(first) == {"device", "hook", "net"}
    again = parse_module("extra/device.py", DEVICE.replace("self.hook", "self.other"), "candidate")
    other = identityopt._class(again.functions["Agent.act"])
    assert other is not None and identityopt._assigned_attributes(other) == {"device", "other", "net"}


# ---- guards._stored_from_outside -------------------------------------------------------------------

GUARD_FILES = {
    "a.py": "class Algo(Base):\n    def __init__(self, use_sde=False):\n        super().__init__(use_sde=use_sde)\n",
    "b.py": "def setup(model):\n    model.use_sde = True\n",
    "c.py": "class Local:\n    pass\n",
    "d.py": "setattr(obj, 'gamma', 0.9)\n",
}


def _side(files: dict[str, str]) -> Side:
    return Side("candidate", files.get, sorted(files))


def test_stored_from_outside_answers_as_the_scan_did_and_per_side() -> None:
    questions = [(attr, bases) for attr in ("use_sde", "gamma", "lr", "x")
                 for bases in ({"Base"}, {"Local"}, {"Base", "Local"}, {"Other"})]
    cached = _side(GUARD_FILES)
    for attr, bases in [*questions, *reversed(questions)]:
        want = guards._stored_from_outside_uncached(_side(GUARD_FILES), attr, bases)
        assert guards._stored_from_outside(cached, attr, bases) == want, (attr, bases)
    assert guards._stored_from_outside(cached, "use_sde", {"Base"})
    assert not guards._stored_from_outside(cached, "lr", {"Base"})
    assert guards._stored_from_outside(cached, "lr", {"Local"})  # a base the tree defines
    # another commit's side asks afresh: the memo is the side's own
    quiet = {"a.py": GUARD_FILES["a.py"]}
    assert not guards._stored_from_outside(_side(quiet), "use_sde", {"Base"})


# ---- wiring.device_only -----------------------------------------------------------------------------

class _NoDevice(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.keywords = [k for k in node.keywords if k.arg not in wiring.DEVICE_KEYWORDS]
        return node


def _old_device_only(change: UnitChange) -> bool:
    if change.base is None or change.cand is None:
        return False
    b, c = ast.dump(change.base.node), ast.dump(change.cand.node)
    if b == c:
        return False
    strip = _NoDevice()
    return ast.dump(strip.visit(copy.deepcopy(change.base.node))) == ast.dump(strip.visit(copy.deepcopy(change.cand.node)))


def _units(modules: list[ParsedModule]) -> list[Unit]:
    return [u for m in modules for fn in m.functions.values() for u in units_of(fn)]


def test_device_only_answers_as_the_copies_did() -> None:
    units = _units(_modules(12))
    device = [u for u in units if u.fn.path == "extra/device.py"]
    rng = random.Random(9)
    pairs = [(a, b) for a in device for b in device] + [(rng.choice(units), rng.choice(units)) for _ in range(3000)]
    pairs += [(u, u) for u in units[:200]] + [(None, units[0]), (units[0], None)]
    hits = 0
    for a, b in pairs:
        change = UnitChange(a, b)
        got = wiring.device_only(change)
        assert got == _old_device_only(change)
        hits += got
    assert hits > 0  # `zeros(3, device=...)` / `zeros(3)` and the two `device=` values


# ---- diff.collapsed_key / _rename_key with renamed methods ---------------------------------------

def test_keys_with_renamed_methods_answer_as_the_collapse_did() -> None:
    units = _units(_modules(20))
    attrs = sorted({n.attr for u in units for p in u.parts for n in ast.walk(p) if isinstance(n, ast.Attribute)})
    rng = random.Random(4)
    renamings = [{}, {"zz_not_named": "zz_new"}, *({a: a + "_new" for a in rng.sample(attrs, 3)} for _ in range(6)),
                 {a: "renamed" for a in attrs[:40]}]
    differs = 0
    for methods in renamings:
        for u in [*units, *units[::5]]:
            got, want = diff.collapsed_key(u, methods), diff._collapsed_key(u, methods)
            assert got == want
            assert diff._rename_key(u, methods) == diff._collapsed_key(u, methods, fields=True)
            differs += got != diff._collapsed_key(u, None)
    assert differs > 0  # some units name a renamed method: their key is the renaming one
