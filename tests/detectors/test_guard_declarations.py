"""The declaration index behind guard evaluation (`guards._declared_default`) gives exactly the answer
of the walk it replaced (every file mentioning the attribute walked again for every attribute) on
generated trees: class fields with literal and computed defaults, nested classes, argparse options by
flag, by hyphenated flag and by `dest`, files that do not parse, names only mentioned; in both modes
(proven values, and declared defaults for "off by default"). Each file is walked once per side. The
same for the override scan of a function default (`_never_overridden`: calls by keyword, position,
`*args`/`**kwargs`, and mentions that are not calls)."""

from __future__ import annotations

import ast
import random
import re

import pytest

from investigator.detectors import guards
from investigator.detectors.guards import _DEFAULTS, ABSENT, UNKNOWN, Side, Value

NAMES = ["use_rnd", "lr", "clip", "num_envs", "gamma"]


def _reference(side: Side, attr: str) -> object:
    """The walk `_declared_default` did before the index (kept verbatim as the slow reference)."""
    found: list[Value] = []
    for path in guards._python_paths(side):
        text = side.text(path)
        if text is None or attr not in text:
            continue
        tree = side.tree(path)
        if tree is None:
            return UNKNOWN
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
                        if not isinstance(stmt.value, ast.Constant):
                            return UNKNOWN
                        found.append(Value(stmt.value.value, f"{path}:{stmt.lineno}"))
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
                flags = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                dest = next((k.value.value for k in node.keywords if k.arg == "dest" and isinstance(k.value, ast.Constant)), None)
                names = {dest} if dest else {f.lstrip("-").replace("-", "_") for f in flags}
                if attr not in names:
                    continue
                default = next((k.value for k in node.keywords if k.arg == "default"), None)
                if _DEFAULTS.get() and isinstance(default, ast.Constant):
                    found.append(Value(default.value, f"{path}:{node.lineno}"))
                    continue
                return UNKNOWN
    if not found or len({repr(v.value) for v in found}) != 1:
        return UNKNOWN if found else ABSENT
    if not _DEFAULTS.get() and guards._mentioned_as_override(side, attr, exclude=None):
        return UNKNOWN
    if _DEFAULTS.get() and not guards.codedefault.configured(side, attr, repr(found[0].value), "")[0]:
        return UNKNOWN  # a configuration file sets another value (lerobot 59ab2862..e6f95674)
    return found[0]


def _statement(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    literal = rng.choice(["True", "False", "0.5", "3", "'adam'", "None"])
    flag = name.replace("_", "-") if rng.random() < 0.3 else name
    return rng.choice([
        f"class C{rng.randrange(9)}:\n    {name}: float = {literal}\n",
        f"class D{rng.randrange(9)}:\n    {name}: int = compute()\n",
        f"class E{rng.randrange(9)}:\n    class Inner:\n        {name}: bool = {literal}\n",
        f"class F{rng.randrange(9)}:\n    {name}: bool\n",
        f"parser.add_argument('--{flag}', type=float, default={literal})\n",
        f"parser.add_argument('--{flag}', action='store_true')\n",
        f"parser.add_argument('--other', dest='{name}', default={literal})\n",
        f"parser.add_argument('-x', '--{flag}', default=make())\n",
        f"def f(cfg):\n    return cfg.{name}\n",
        f"print('{name}')\n",
        f"{name} = {literal}\n",
    ])


def _tree(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    files = {}
    for k in range(rng.randint(1, 5)):
        body = "".join(_statement(rng) for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.05:
            body += f"def broken({rng.choice(NAMES)}:\n"
        files[f"pkg/m{k}.py"] = body
    if rng.random() < 0.3:
        files["configs/run.yaml"] = f"{rng.choice(NAMES)}: 1\n"
    return files


def _side(files: dict[str, str]) -> Side:
    return Side("candidate", read=files.get, paths=sorted(files))


def _answer(value: object) -> object:
    return ("value", repr(value.value), value.where) if isinstance(value, Value) else value


@pytest.mark.parametrize("defaults", [False, True])
def test_index_answers_like_the_walk_on_generated_trees(defaults):
    token = _DEFAULTS.set(defaults)
    try:
        outcomes = set()
        for seed in range(300):
            files = _tree(seed)
            indexed, walked = _side(files), _side(files)
            for attr in NAMES:
                expected = _answer(_reference(walked, attr))
                assert _answer(guards._declared_default(indexed, attr)) == expected, (seed, attr, files)
                outcomes.add(expected if expected in (UNKNOWN, ABSENT) else "value")
        assert outcomes == {UNKNOWN, ABSENT, "value"}  # the generator covers every kind of answer
    finally:
        _DEFAULTS.reset(token)


def test_modes_are_cached_apart():
    side = _side({"cfg.py": "class Cfg:\n    lr: float = 0.1\n",
                  "train.py": "parser.add_argument('--lr', default=0.1)\n"})
    assert guards._declared_default(side, "lr") is UNKNOWN  # an option chosen at run time
    token = _DEFAULTS.set(True)
    try:
        value = guards._declared_default(side, "lr")
    finally:
        _DEFAULTS.reset(token)
    assert isinstance(value, Value) and value.value == 0.1
    assert guards._declared_default(side, "lr") is UNKNOWN


def test_each_file_is_walked_once_for_many_attributes(monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []
    real = guards.declarations

    def counted(tree: ast.Module) -> dict[str, list[guards.Declaration]]:
        calls.append(1)
        return real(tree)

    monkeypatch.setattr(guards, "declarations", counted)
    files = {f"m{k}.py": "".join(f"class C{j}:\n    {n}: int = {j}\n" for j, n in enumerate(NAMES)) for k in range(4)}
    side = _side(files)
    for attr in NAMES * 3:
        guards._declared_default(side, attr)
    assert len(calls) == len(files)


def _reference_never_overridden(side: Side, callee: str, name: str, index: int | None) -> bool:
    """The override scan before the per-file index (kept verbatim as the slow reference)."""
    calls = 0
    pattern = re.compile(rf"\b{re.escape(callee)}\b")
    for path in guards._python_paths(side):
        text = side.text(path)
        if text is None or not pattern.search(text):
            continue
        tree = side.tree(path)
        if tree is None:
            return False
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and guards._name_of(node.func) == callee:
                calls += 1
                if any(isinstance(a, ast.Starred) for a in node.args) or any(
                        k.arg is None or k.arg == name for k in node.keywords):
                    return False
                if index is not None and len(node.args) > index:
                    return False
            elif (isinstance(node, ast.Name | ast.Attribute) and guards._name_of(node) == callee
                  and isinstance(node.ctx, ast.Load) and id(node) not in called):
                return False
    return calls > 0


CALLEES = ["Runner", "update", "make_env"]


def _call_site(rng: random.Random) -> str:
    callee = rng.choice(CALLEES)
    return rng.choice([
        f"{callee}()\n",
        f"{callee}(1)\n",
        f"{callee}(1, 2)\n",
        f"{callee}(use_rnd=True)\n",
        f"{callee}(clip=0.2)\n",
        f"{callee}(*args)\n",
        f"{callee}(**kwargs)\n",
        f"obj.{callee}()\n",
        f"obj.{callee}(0, use_rnd=False)\n",
        f"registry['x'] = {callee}\n",
        f"factory = obj.{callee}\n",
        f"def {callee}(use_rnd=False):\n    return use_rnd\n",
        f"{callee}().run()\n",
        f"print('{callee}')\n",
    ])


def test_override_index_answers_like_the_walk_on_generated_trees():
    outcomes = set()
    for seed in range(300):
        rng = random.Random(seed)
        files = {f"pkg/m{k}.py": "".join(_call_site(rng) for _ in range(rng.randint(1, 6)))
                 for k in range(rng.randint(1, 4))}
        if rng.random() < 0.05:
            files["pkg/broken.py"] = f"{rng.choice(CALLEES)}(\n"
        indexed, walked = _side(files), _side(files)
        for callee in CALLEES:
            for name, index in (("use_rnd", None), ("use_rnd", 0), ("clip", 1)):
                expected = _reference_never_overridden(walked, callee, name, index)
                assert guards._never_overridden(indexed, callee, name, index) == expected, (seed, callee, files)
                outcomes.add(expected)
    assert outcomes == {True, False}
