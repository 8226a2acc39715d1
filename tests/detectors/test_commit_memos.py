"""Per-commit memos of the twelfth speed pass: each answers what the code it replaced answered (that code
is kept here, verbatim, as the slow reference), asked once or many times and in any order.

- `SideIndex.class_paths` / `class_nodes` / `class_defs` (searched and walked once per name and file) and the
  flows' `_class_holders` / `_class_nodes` that now read them;
- the guards' override scan: `_naming_paths` (the text search for a callee, once per callee and only as
  far as read) under `_callee_mentions`, and `_never_overridden` once per question;
- `wiring._ancestor_uses` through the side's class index and each class's `self` attributes;
- `pairs._calls_on_self` through `functions.self_calls`;
- `symbolic._large_form` / `_digest` with the form computed once.
"""

from __future__ import annotations

import ast
import itertools
import random
import re
from pathlib import Path

import investigator
from investigator.detectors import guards
from investigator.detectors.flow import Flow
from investigator.detectors.functions import parse_module
from investigator.detectors.guards import Side
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex, _calls_on_self
from investigator.detectors.sources import MemoryTree
from investigator.flow import symbolic, wiring
from investigator.pyast import class_base, last_name

ROOT = Path(investigator.__file__).parent

EXTRA = {
    "extra/stubs.pyi": "class Agent:\n    def act(self) -> int: ...\n",
    "extra/broken.py": "class Agent(\n",  # names the class, does not parse
    "extra/nested.py": (
        "class Outer:\n"
        "    class Agent(Base):\n"
        "        def act(self):\n"
        "            return self.policy(self.obs)\n"
        "def f():\n"
        "    class Agent:\n"
        "        pass\n"
        "    return Agent\n"
    ),
    "extra/base.py": (
        "class Base(Root):\n"
        "    def helper(self):\n"
        "        self.buffer.add(self.step)\n"
        "class Root:\n"
        "    def __init__(self):\n"
        "        self.device = 'cpu'\n"
        "class Agent(Base):\n"
        "    def act(self):\n"
        "        return self.helper()\n"
        "    def update(self):\n"
        "        self.other.helper()\n"
        "        self.act()\n"
        "# class Missing is only in a comment\n"
    ),
    "conf/run.yaml": "class Agent: 1\n",
}


def _files() -> dict[str, str]:
    """The project's detectors and flow packages (real classes, bases across files) and the awkward extras."""
    files = {str(p.relative_to(ROOT.parent)): p.read_text() for folder in ("detectors", "flow")
             for p in sorted((ROOT / folder).rglob("*.py"))}
    files.update(EXTRA)
    return files


def _class_names(files: dict[str, str]) -> list[str]:
    names = sorted({m for t in files.values() for m in re.findall(r"^\s*class\s+(\w+)", t, re.MULTILINE)})
    return [*random.Random(3).sample(names, min(80, len(names))), "Agent", "Base", "Root", "Outer", "Missing",
            "object", "A"]


def _old_class_defs(side: SideIndex, name: str) -> list[ast.ClassDef]:
    header = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
    out: list[ast.ClassDef] = []
    for path, text in side.texts().items():
        if not path.endswith(PY_SUFFIXES) or f"class {name}" not in text or not header.search(text):
            continue
        module = side.module(path)
        if module is not None:
            out.extend(s for s in ast.walk(module.tree) if isinstance(s, ast.ClassDef) and s.name == name)
    return out


def _old_holders_any(side: SideIndex, name: str) -> list[str]:
    header = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
    return [p for p, t in side.texts().items() if p.endswith(PY_SUFFIXES) and f"class {name}" in t and header.search(t)]


def _old_nodes(side: SideIndex, path: str, name: str) -> list[ast.ClassDef]:
    module = side.module(path)
    return [n for n in ast.walk(module.tree) if isinstance(n, ast.ClassDef) and n.name == name] if module else []


def _old_holders(side: SideIndex, name: str) -> list[str]:
    pattern = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
    needle = f"class {name}"
    return [p for p, t in side.texts().items() if p.endswith(".py") and needle in t and pattern.search(t)]


def _where(nodes: list[ast.ClassDef]) -> list[tuple[int, int, int | None, int]]:
    return [(n.lineno, n.col_offset, n.end_lineno, len(n.body)) for n in nodes]


def test_class_defs_answer_as_the_text_search_and_walk_did_in_any_order() -> None:
    files = _files()
    names = _class_names(files)
    for order in (names, list(reversed(names))):
        cached, fresh = SideIndex("candidate", MemoryTree(files)), SideIndex("candidate", MemoryTree(files))
        for name in itertools.chain(order, order[::3]):  # some asked twice: the second from the cache
            got = cached.class_defs(name)
            want = _old_class_defs(fresh, name)
            assert [p for p in cached.class_paths(name) if cached.module(p) is not None
                    for _ in cached.class_nodes(p).get(name, ())] == [p for p in _old_holders_any(fresh, name)
                                                                      for _ in _old_nodes(fresh, p, name)]
            assert _where(got) == _where(want), name
            assert [(f.path, f.message) for f in cached.failures] == [(f.path, f.message) for f in fresh.failures]
        assert any(f.path == "extra/broken.py" for f in cached.failures)
    side = SideIndex("candidate", MemoryTree(files))
    first = side.class_defs("Agent")
    assert len(first) == 4  # the stub, both nested ones and the module-level one
    first.clear()  # a copy: the caller cannot change the memo
    assert len(side.class_defs("Agent")) == 4


def test_flow_class_holders_and_nodes_read_the_side_as_their_own_search_did() -> None:
    files = _files()
    side = SideIndex("candidate", MemoryTree(files))
    flows = [Flow(side), Flow(side)]
    for name in _class_names(files):
        for flow in flows:
            assert flow._class_holders(name) == _old_holders(side, name)
            for path in flow._class_holders(name):
                module = side.module(path)
                want = [n for n in ast.walk(module.tree) if isinstance(n, ast.ClassDef) and n.name == name] \
                    if module is not None else []
                assert flow._class_nodes(path).get(name, []) == want
    assert flows[0]._class_nodes("extra/broken.py") == {}
    assert flows[0]._ancestor_names("Agent") == flows[1]._ancestor_names("Agent") >= {"Base", "Root"}


# -- guards: the override scan --------------------------------------------------------------------------

CALLEES = ["Runner", "update", "make_env", "run"]


def _call_site(rng: random.Random) -> str:
    callee = rng.choice(CALLEES)
    return rng.choice([
        f"{callee}()\n", f"{callee}(1)\n", f"{callee}(1, 2)\n", f"{callee}(use_rnd=True)\n",
        f"{callee}(clip=0.2)\n", f"{callee}(*args)\n", f"obj.{callee}(0, use_rnd=False)\n",
        f"factory = obj.{callee}\n", f"print('{callee}')\n", f"{callee}_fn = 1\n", f"x = my{callee}\n",
    ])


def _old_callee_mentions(side: Side, callee: str):
    pattern = re.compile(rf"\b{re.escape(callee)}\b")
    for path in guards._python_paths(side):
        text = side.text(path)
        if text is None or not pattern.search(text):
            continue
        found = guards._file_mentions(side, path, callee)
        if found is None:
            yield None
        else:
            yield from found


def _where_mentions(nodes) -> list[object]:
    return [None if n is None else (type(n).__name__, n.lineno, n.col_offset) for n in nodes]


def test_callee_mentions_are_the_text_search_however_far_and_often_they_are_read() -> None:
    for seed in range(200):
        rng = random.Random(seed)
        files = {f"pkg/m{k}.py": "".join(_call_site(rng) for _ in range(rng.randint(1, 6)))
                 for k in range(rng.randint(1, 6))}
        if rng.random() < 0.2:
            files["pkg/broken.py"] = f"{rng.choice(CALLEES)}(\n"
        side = Side("candidate", read=files.get, paths=sorted(files))
        reference = Side("candidate", read=files.get, paths=sorted(files))
        for _ in range(8):
            callee = rng.choice(CALLEES)
            want = _where_mentions(_old_callee_mentions(reference, callee))
            stop = rng.randint(0, len(want) + 1)  # a caller that stops early leaves the search part way
            assert _where_mentions(itertools.islice(guards._callee_mentions(side, callee), stop)) == want[:stop]
            # two readers of one callee interleaved (a question asked while another reads)
            a, b = guards._callee_mentions(side, callee), guards._callee_mentions(side, callee)
            got_a, got_b = [], []
            for step in range(2 * len(want) + 2):
                source, sink = (a, got_a) if step % 2 or rng.random() < 0.3 else (b, got_b)
                sink.extend(_where_mentions(itertools.islice(source, 1)))
            got_a.extend(_where_mentions(a))
            got_b.extend(_where_mentions(b))
            assert got_a == want and got_b == want, (seed, callee, files)


def test_never_overridden_once_per_question_answers_as_a_fresh_scan() -> None:
    outcomes = set()
    for seed in range(200):
        rng = random.Random(seed)
        files = {f"pkg/m{k}.py": "".join(_call_site(rng) for _ in range(rng.randint(1, 6)))
                 for k in range(rng.randint(1, 4))}
        side = Side("candidate", read=files.get, paths=sorted(files))
        questions = [(c, n, i) for c in CALLEES for n, i in (("use_rnd", None), ("use_rnd", 0), ("clip", 1))]
        for callee, name, index in rng.sample(questions, len(questions)) * 2:
            fresh = Side("candidate", read=files.get, paths=sorted(files))
            expected = guards._never_overridden_uncached(fresh, callee, name, index)
            assert guards._never_overridden(side, callee, name, index) == expected, (seed, callee, files)
            outcomes.add(expected)
            for default in (True, False, 0.2):  # the other reader of the same lazy search
                assert guards._set_by_a_caller(side, callee, name, index, default) == \
                    guards._set_by_a_caller(fresh, callee, name, index, default)
    assert outcomes == {True, False}


# -- wiring, pairs, symbolic -----------------------------------------------------------------------------

def _old_ancestor_uses(side: SideIndex, fn, attr: str, depth: int = 4) -> bool:
    cls = next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == fn.class_name), None)
    work = [last_name(class_base(b)) for b in cls.bases] if cls is not None else []
    seen: set[str] = set()
    texts = side.texts()
    for _ in range(depth):
        nxt: list[str] = []
        for name in work:
            if not name or name in seen or name == "object":
                continue
            seen.add(name)
            needle = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
            for path, text in texts.items():
                if not path.endswith(".py") or f"class {name}" not in text or not needle.search(text):
                    continue
                module = side.module(path)
                for node in ast.walk(module.tree) if module is not None else ():
                    if isinstance(node, ast.ClassDef) and node.name == name:
                        if any(isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.value, ast.Name)
                               and n.value.id == "self" for n in ast.walk(node)):
                            return True
                        nxt.extend(last_name(class_base(b)) for b in node.bases)
        work = nxt
    return False


def test_ancestor_uses_answers_as_the_walk_of_every_base() -> None:
    files = _files()
    side = SideIndex("candidate", MemoryTree(files))
    fresh = SideIndex("candidate", MemoryTree(files))
    attrs = ["buffer", "step", "device", "policy", "obs", "missing", "side", "memo", "tree"]
    answers = set()
    for path in [p for p in files if p.endswith(".py")][::4] + ["extra/base.py", "extra/nested.py"]:
        module = side.module(path)
        for fn in (f for f in module.functions.values() if f.class_name) if module is not None else ():
            for attr in attrs:
                expected = _old_ancestor_uses(fresh, fn, attr)
                assert wiring._ancestor_uses(side, fn, attr) == expected, (path, fn.qualname, attr)
                answers.add(expected)
    assert answers == {True, False}


def test_calls_on_self_is_the_walk_of_the_function() -> None:
    for path in sorted((ROOT / "detectors").rglob("*.py"))[:60]:
        module = parse_module(str(path), path.read_text(), "candidate")
        for fn in module.functions.values():
            for method in ("run", "_walk", "update", "helper", "missing", fn.name):
                expected = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == method
                               and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"
                               for n in ast.walk(fn.node))
                assert _calls_on_self(fn, method) == expected


def _old_digest(expr: ast.expr) -> ast.Name | None:
    """`_large` and `_digest` as they were: the equivalent form computed to measure, again to print."""
    large = symbolic._size(expr) > symbolic.MAX_NODES and \
        symbolic._size(symbolic.equivalent_form(expr)) > symbolic.MAX_NODES
    if not large:
        return None
    text = symbolic._text(expr)
    bare = symbolic._text(symbolic.without_detach(expr)) if symbolic.has_detach(expr) else text
    return ast.Name(id=f"value@{symbolic._hash(bare)}" + (f"_d{symbolic._hash(text)}" if bare != text else ""),
                    ctx=ast.Load())


def test_large_values_digest_as_before() -> None:
    digested = 0
    for path in sorted((ROOT / "flow").rglob("*.py"))[:40]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.expr):
                continue
            before = ast.dump(node)
            want = _old_digest(node)
            form = symbolic._large_form(node)
            assert (form is None) == (want is None)
            if want is not None:
                assert ast.dump(symbolic._digest("x", node, form)) == ast.dump(want)
                if not isinstance(node, ast.Tuple):
                    assert ast.dump(symbolic._shown(node)) == ast.dump(want)
                digested += 1
            assert ast.dump(node) == before  # never rewritten in place
    # the equivalent form is what gets measured: `1 * x` spellings shrink before the threshold
    tiny = ast.parse(" + ".join(["1 * x"] * (symbolic.MAX_NODES // 4)), mode="eval").body
    assert (symbolic._large_form(tiny) is None) == (_old_digest(tiny) is None)
    assert digested > 10
