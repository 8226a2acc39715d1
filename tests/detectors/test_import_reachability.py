"""Import-aware reachability: a use of `Block` only refers to the `Block` of the module it is bound to.

Each case generates a small tree with two modules that define their own `class Block` and change
its activation (relu -> tanh) at both; the entry point decides which of them can run.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from investigator.detectors import imports
from investigator.detectors.analyzer import equivalent_paths
from investigator.detectors.engine import run_detectors
from investigator.detectors.pairs import SideIndex
from investigator.detectors.sources import MemoryTree, changes_from_changeset
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.models import AnalyzerResult
from investigator.playbooks_lib.schema import load_playbooks
from investigator.triage import triage_changeset
from tests.detectors.helpers import run_on
from tests.support.gitrepo import commit_files

BLOCK = "import torch\nfrom torch import nn\n\n\nclass Block(nn.Module):\n    def forward(self, x):\n        return torch.{act}(x)\n"
HELPER = "import torch.nn as nn\n\n\ndef helper(m, opt, loss):\n    loss.backward()\n    nn.utils.clip_grad_norm_(m.parameters(), {norm})\n    opt.step()\n"


def _run(extra: dict[str, str], modules: tuple[str, ...] = ("pkg/a.py", "pkg/b.py"),
         template: str = BLOCK) -> AnalyzerResult:
    """Both modules change; `extra` (entry points, packages) is the same at both commits."""
    old = {"act": "relu", "norm": "0.5"}
    new = {"act": "tanh", "norm": "50.0"}
    base = {m: template.format(**old) for m in modules} | extra
    cand = {m: template.format(**new) for m in modules} | extra
    return run_on(base, cand, reachable=False)


def _live(result: AnalyzerResult) -> set[str]:
    """Modules whose change is a finding (reachable at the baseline)."""
    return {loc.path for f in result.findings for loc in f.locations if loc.side == "baseline"}


def _dead(result: AnalyzerResult) -> dict[str, str]:
    """Module -> reason for the changes reported as no-effect."""
    return {loc.path: n.reason for n in result.no_effect for loc in n.locations if loc.side == "baseline"}


# -- positive: the imported module's class is reachable, the other one is not -------------------
def test_only_the_imported_class_is_reachable() -> None:
    result = _run({"main.py": "from pkg.a import Block\n\nmodel = Block()\n"})
    assert _live(result) == {"pkg/a.py"}
    reason = _dead(result)["pkg/b.py"]
    assert "class `Block` of `pkg/b.py`" in reason and "never referenced" in reason
    assert "`main.py` imports `Block` from `pkg.a`" in reason
    assert [f.title for f in result.findings] == ["Nonlinearity changed: relu -> tanh"]


def test_aliased_import() -> None:
    result = _run({"main.py": "from pkg.b import Block as Net\n\nmodel = Net()\n"})
    assert _live(result) == {"pkg/b.py"}
    assert "pkg/a.py" in _dead(result)


def test_module_alias_attribute() -> None:
    result = _run({"main.py": "import pkg.b as m\n\nmodel = m.Block()\n"})
    assert _live(result) == {"pkg/b.py"}
    assert "pkg/a.py" in _dead(result)


def test_dotted_module_attribute_and_from_package_import_module() -> None:
    dotted = _run({"main.py": "import pkg.a\n\nmodel = pkg.a.Block()\n"})
    assert _live(dotted) == {"pkg/a.py"}
    submodule = _run({"main.py": "from pkg import b\n\nmodel = b.Block()\n"})
    assert _live(submodule) == {"pkg/b.py"}


def test_relative_import() -> None:
    runner = "from .a import Block\n\n\ndef build():\n    return Block()\n"
    result = _run({"pkg/runner.py": runner, "main.py": "from pkg.runner import build\n\nbuild()\n"})
    assert _live(result) == {"pkg/a.py"}
    assert "`pkg/runner.py` imports `Block` from `.a`" in _dead(result)["pkg/b.py"]


def test_star_import_counts() -> None:
    result = _run({"main.py": "from pkg.b import *\n\nmodel = Block()\n"})
    assert _live(result) == {"pkg/b.py"}
    assert "pkg/a.py" in _dead(result)


def test_reexport_through_package_init() -> None:
    init = {"pkg/__init__.py": "from .a import Block\n\n__all__ = ['Block']\n"}
    from_package = _run(init | {"main.py": "from pkg import Block\n\nmodel = Block()\n"})
    assert _live(from_package) == {"pkg/a.py"}
    assert "pkg/b.py" in _dead(from_package)
    attribute = _run(init | {"main.py": "import pkg\n\nmodel = pkg.Block()\n"})
    assert _live(attribute) == {"pkg/a.py"}


def test_reexport_chain_and_star_reexport() -> None:
    files = {
        "pkg/__init__.py": "from .models import *\n",
        "pkg/models/__init__.py": "from pkg.b import Block as Block\n",
        "main.py": "from pkg import Block\n\nmodel = Block()\n",
    }
    result = _run(files)
    assert _live(result) == {"pkg/b.py"}
    assert "pkg/a.py" in _dead(result)


def test_file_with_its_own_block_does_not_reach_other_modules() -> None:
    own = "class Block:\n    pass\n\n\nmodel = Block()\n"
    result = _run({"main.py": own})
    assert not result.findings
    reason = _dead(result)["pkg/a.py"]
    assert "`main.py` defines its own `Block`" in reason
    assert set(_dead(result)) == {"pkg/a.py", "pkg/b.py"}


def test_external_import_is_something_else() -> None:
    result = _run({"main.py": "from torchvision.ops import Block\n\nmodel = Block()\n"})
    assert not result.findings and set(_dead(result)) == {"pkg/a.py", "pkg/b.py"}


def test_installed_package_name_maps_to_repository_files() -> None:
    """`package_dir`-style layouts: `mylib.a` names `lib/a.py` (the leading part is dropped)."""
    result = _run({"main.py": "from mylib.a import Block\n\nmodel = Block()\n"}, modules=("lib/a.py", "lib/b.py"))
    assert _live(result) == {"lib/a.py"}
    assert "lib/b.py" in _dead(result)


# -- conservative: anything uncertain keeps both classes reachable --------------------------------
@pytest.mark.parametrize(
    "main",
    [
        # the name in a string: getattr, a registry, importlib
        "import importlib\n\nmod = importlib.import_module('pkg.' + NAME)\ncls = getattr(mod, 'Block')\n",
        # bound by an assignment: could be anything
        "Block = load_class()\nmodel = Block()\n",
        # no binding at all (exec'd script, builtins injection)
        "model = Block()\n",
        # an attribute of an object, not of a module
        "model = registry.Block()\n",
        # an import whose source module names nothing we can see
        "from pkg.missing_here import Block\nmodel = Block()\n",
    ],
)
def test_uncertain_uses_count_as_references(main: str) -> None:
    result = _run({"main.py": main})
    assert _live(result) == {"pkg/a.py", "pkg/b.py"}, result.no_effect


def test_dynamic_lookup_by_name_from_config() -> None:
    files = {
        "main.py": "import importlib\nimport yaml\n\ncfg = yaml.safe_load(open('c.yaml'))\n"
                   "cls = getattr(importlib.import_module(cfg['module']), cfg['name'])\n",
        "c.yaml": "module: pkg.b\nname: Block\n",
    }
    assert _live(_run(files)) == {"pkg/a.py", "pkg/b.py"}


def test_registering_class_decorator_keeps_the_name_rule() -> None:
    registered = BLOCK.replace("class Block", "@register('b_block')\nclass Block")
    base = {"pkg/a.py": BLOCK.format(act="relu"), "pkg/b.py": registered.format(act="relu"),
            "main.py": "from pkg.a import Block\n\nmodel = Block()\n"}
    cand = {"pkg/a.py": BLOCK.format(act="tanh"), "pkg/b.py": registered.format(act="tanh"),
            "main.py": base["main.py"]}
    assert _live(run_on(base, cand, reachable=False)) == {"pkg/a.py", "pkg/b.py"}


def test_subclass_attribute_counts() -> None:
    """`Sub.Block` where Sub is a local class: attributes of classes are not ruled out."""
    main = "from pkg.a import Block\n\n\nclass Sub(Block):\n    pass\n\n\nx = Sub.Block\n"
    assert _live(_run({"main.py": main})) == {"pkg/a.py", "pkg/b.py"}


def test_import_cycles_terminate() -> None:
    files = {
        "pkg/x.py": "from pkg.y import *\n",
        "pkg/y.py": "from pkg.x import *\n",
        "main.py": "from pkg.x import Block\n\nmodel = Block()\n",
    }
    assert _live(_run(files)) == {"pkg/a.py", "pkg/b.py"}  # bound nowhere we can see: unknown


# -- functions: `has no callers` follows the same rule ---------------------------------------------
def test_function_called_through_another_module_only() -> None:
    main = "from pkg.a import helper\n\nhelper(None, None, None)\n"
    result = _run({"main.py": main}, template=HELPER)
    assert _live(result) == {"pkg/a.py"}
    reason = _dead(result)["pkg/b.py"]
    assert "`helper` (pkg/b.py:4) has no callers" in reason and "`main.py` imports `helper`" in reason


def test_function_name_defined_and_called_locally_elsewhere() -> None:
    local = HELPER.format(norm="1.0") + "\n\nhelper(None, None, None)\n"
    result = _run({"main.py": local}, template=HELPER)
    assert not result.findings
    assert set(_dead(result)) == {"pkg/a.py", "pkg/b.py"}


def test_method_called_on_an_object_counts() -> None:
    cls = "import torch.nn as nn\n\n\nclass Trainer:\n    def update(self, m, opt, loss):\n" \
          "        loss.backward()\n        nn.utils.clip_grad_norm_(m.parameters(), {norm})\n        opt.step()\n"
    main = "from pkg.a import Trainer\n\n\ndef update():\n    pass\n\n\nt = Trainer()\nt.update(1, 2, 3)\n"
    result = _run({"main.py": main}, template=cls)
    assert "pkg/a.py" in _live(result)


# -- the finder directly ---------------------------------------------------------------------------
def test_unparsable_user_counts_as_a_reference() -> None:
    tree = MemoryTree({"pkg/a.py": BLOCK.format(act="relu"), "main.py": "from pkg.b import Block\nBlock(\n"})
    found = SideIndex("baseline", tree).uses("Block", "pkg/a.py")
    assert found.reference == ("main.py", 1)


def test_many_same_named_classes_stay_fast() -> None:
    files = {f"pkg/m{i}.py": BLOCK.format(act="relu") + "\n\ndef make():\n    return Block()\n" for i in range(300)}
    files["main.py"] = "from pkg.m0 import Block\n\nmodel = Block()\n"
    side = SideIndex("baseline", MemoryTree(files))
    start = time.perf_counter()
    found = side.uses("Block", "pkg/m7.py", skip=[("pkg/m7.py", 5, 7)])
    assert found.reference == ("pkg/m7.py", 11)  # its own module uses it
    found = side.uses("Block", "pkg/m7.py", skip=[("pkg/m7.py", 5, 11)])
    assert found.reference is None and len(found.elsewhere) == 300
    assert time.perf_counter() - start < 5.0


def test_attribute_of_a_class_inside_a_module_counts() -> None:
    """`pkg.b.Outer` is a class of pkg/b.py, not the top-level module `Outer.py`: unknown."""
    tree = MemoryTree({
        "pkg/b.py": "class Outer:\n    class Inner:\n        pass\n",
        "Outer.py": "class Inner:\n    pass\n",
        "main.py": "import pkg.b\n\nx = pkg.b.Outer.Inner()\n",
    })
    assert SideIndex("baseline", tree).uses("Inner", "pkg/b.py").reference == ("main.py", 3)


def test_spent_budget_counts_as_a_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_QUERY_CHARS", 50)
    files = {"pkg/a.py": BLOCK.format(act="relu"), "pkg/b.py": BLOCK.format(act="relu"),
             "main.py": "from pkg.b import Block\n\nmodel = Block()\n"}
    tree = MemoryTree(files)
    assert SideIndex("baseline", tree).uses("Block", "pkg/a.py").reference == ("main.py", 1)
    monkeypatch.setattr(imports, "MAX_QUERY_CHARS", 10_000)
    assert SideIndex("baseline", tree).uses("Block", "pkg/a.py").reference is None


# -- a generated git repository, through triage like an investigation ------------------------------
def test_same_named_classes_in_a_generated_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    n = 12
    base = {f"pkg/sub{i % 3}/module_{i}.py": BLOCK.format(act="relu") for i in range(n)}
    base["train.py"] = "from pkg.sub0.module_0 import Block\n\n\ndef main():\n    return Block()\n"
    commit_files(repo, base, "baseline")
    cand: dict[str, str | bytes | None] = {p: None for p in base}
    for i in range(n):
        path = f"pkg/sub{i % 3}/module_{i}.py" if i else "pkg/moved/module_0.py"
        cand[path] = BLOCK.format(act="tanh" if i % 4 == 0 else "relu")
    cand["train.py"] = base["train.py"].replace("pkg.sub0.module_0", "pkg.moved.module_0")
    commit_files(repo, cand, "candidate")
    handle = open_repository(str(repo))
    changeset = build_changeset(handle, resolve_range(handle, "HEAD~1", None))
    playbooks = load_playbooks()
    triage = triage_changeset(changeset, playbooks)
    ctx = type("Ctx", (), {"triage": triage})()
    result = run_detectors(changeset.baseline, changeset.candidate, changes_from_changeset(changeset), playbooks,
                           equivalent=equivalent_paths(ctx))  # type: ignore[arg-type]
    nonlinearity = [f for f in result.findings if f.title.startswith("Nonlinearity changed")]
    assert [loc.path for f in nonlinearity for loc in f.locations] == ["pkg/sub0/module_0.py", "pkg/moved/module_0.py"]
    dead = {n.title.split("(", 1)[1].split(":", 1)[0]: n.reason for n in result.no_effect}
    assert set(dead) == {"pkg/sub1/module_4.py", "pkg/sub2/module_8.py"}
    assert all("`train.py` imports `Block` from `pkg.sub0.module_0`" in r for r in dead.values())
