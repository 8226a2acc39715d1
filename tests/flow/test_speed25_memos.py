"""Speed changes of the twenty-fifth session (`speed11` branch): each answers what the code it replaced answered
(that code is kept here, verbatim, as the slow reference), on the engine's own detectors and flow modules plus a
module shaped for the cases (nested and repeated class names, `self.x` stores in every assignment form):

- `inertopt._class_node` / `_self_stores` through per-node memos (`_first_classes`, `_SELF_STORES`);
- `SideIndex.find_class` kept per name, texts without the name not searched;
- `evaluation.named_like_logging` kept per name (`_logging_name`);
- `PrecisionDetector.features` asking `_inside_logging` only for dtype attributes.

These are equivalence tests, not fail-before tests.
"""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import investigator
from investigator.detectors.functions import FunctionInfo, parse_module
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.detectors.sources import MemoryTree
from investigator.flow import evaluation, inertopt

ROOT = Path(investigator.__file__).parent

CASES = (
    "import torch\n"
    "class Agent(Base):\n"
    "    def __init__(self, lr=1e-3, fp16=False):\n"
    "        self.lr = lr\n"
    "        self.a, self.b = 1, 2\n"
    "        self.c: int = 3\n"
    "        self.n += 1\n"
    "        self.items[0] = 4\n"
    "        x = self.lr\n"
    "    def update(self):\n"
    "        self.lr = 0.5\n"
    "        class Agent:\n"
    "            def __init__(self):\n"
    "                self.inner = 1\n"
    "        return Agent\n"
    "class  Spaced(Agent):\n"
    "    pass\n"
    "def log_metrics(x):\n"
    "    return x\n"
)


def _files(count: int = 40) -> dict[str, str]:
    paths = sorted(p for folder in ("detectors", "flow") for p in (ROOT / folder).rglob("*.py"))
    picked = random.Random(25).sample(paths, min(count, len(paths)))
    return {**{str(p.relative_to(ROOT.parent)): p.read_text() for p in picked}, "extra/cases.py": CASES}


# -- the replaced code, verbatim --------------------------------------------------------------------------------
def _old_class_node(fn: FunctionInfo) -> ast.ClassDef | None:
    if not fn.class_name:
        return None
    name = fn.class_name.rsplit(".", 1)[-1]
    return next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == name), None)


def _old_find_class(side: SideIndex, name: str) -> bool:
    pattern = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
    return any(pattern.search(t) for p, t in side.texts().items() if p.endswith(PY_SUFFIXES))


def _old_named_like_logging(fn: FunctionInfo) -> bool:
    if fn.is_module:
        return False
    words = [w.lower() for w in evaluation.WORD.findall(fn.name)]
    if not words:
        return False
    if set(words) & evaluation.LOG_WORDS:
        return True
    return words[0] == "log" and (len(words) == 1 or words[1] in evaluation.LOGGED_WORDS) \
        or (len(words) > 1 and words[0] in ("write", "record", "print") and words[-1] in evaluation.LOGGED_WORDS)


def test_class_node_and_self_stores_as_the_plain_walks_asked_twice():
    checked = 0
    for path, text in _files().items():
        module = parse_module(path, text, "candidate")
        if module is None:
            continue
        for _ in range(2):  # the second round is answered from the memos
            for fn in module.functions.values():
                cls = inertopt._class_node(fn)
                assert cls is _old_class_node(fn)
                if cls is not None:
                    assert inertopt._self_stores(cls) == inertopt._self_stores_uncached(cls)
                    checked += 1
    assert checked > 50


def test_self_stores_of_the_cases():
    module = parse_module("extra/cases.py", CASES, "candidate")
    init = module.functions["Agent.__init__"]
    stores = inertopt._self_stores(inertopt._class_node(init))
    assert sorted(stores) == ["a", "b", "c", "inner", "lr", "n"]  # `self.items[0] = 4` stores an item, not `items`
    assert len(stores["lr"]) == 2


def test_find_class_as_the_plain_search():
    files = _files()
    side = SideIndex("candidate", MemoryTree(files))
    names = {n.name for text in files.values() for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ClassDef)}
    names |= {"Spaced", "Agent", "Base", "NotAClass", "class", "torch", "A"}
    for _ in range(2):
        for name in sorted(names):
            assert side.find_class(name) == _old_find_class(side, name), name


def test_named_like_logging_as_before():
    module = parse_module("extra/cases.py", CASES, "candidate")
    fn = module.functions["log_metrics"]
    names = ["log_metrics", "log", "logger", "write_summary", "record_stats", "print_info", "update", "_log_to_wandb",
             "dump_debug_data", "Model.log", "x1", "WriteMetrics", "printStats", "<module>"]
    for _ in range(2):
        for name in names:
            clone = FunctionInfo(fn.side, fn.path, name, fn.node, fn.class_name, fn.module)
            assert evaluation.named_like_logging(clone) == _old_named_like_logging(clone), name
