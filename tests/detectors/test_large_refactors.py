"""The fast paths for large refactors: files triage found behaviour-identical, shared ASTs, and
similarity matching. Each must give the same answer as the general path."""

from __future__ import annotations

import ast
import difflib
from types import SimpleNamespace

from investigator.detectors.analyzer import equivalent_paths
from investigator.detectors.base import DetectorContext
from investigator.detectors.engine import run_detectors
from investigator.detectors.pairs import _similarity, build_pairs
from investigator.detectors.sources import FileChange, MemoryTree, diff_trees, text_hunks
from investigator.playbooks_lib.schema import load_playbooks
from tests.detectors.helpers import src

HELPERS = src(
    """
    def save(agent):
        agent.save("ckpt.pt")


    def clip(agent, max_norm):
        agent.clip(max_norm)
        return max_norm
    """
)
# the same module moved and reformatted (what triage reports as `formatting`)
HELPERS_FORMATTED = src(
    """
    def save( agent ):
        agent.save( "ckpt.pt" )  # keep


    def clip(agent,
             max_norm):
        agent.clip(max_norm)
        return max_norm
    """
)
TRAIN = src(
    """
    import torch
    from helpers import clip, save


    def train(agent, optimizer, loss):
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        optimizer.step()
        clip(agent, 1.0)


    def finish(agent):
        agent.log("done")
        agent.close()
        save(agent)
    """
)
TRAIN_BUGGY = src(
    """
    import torch
    from util.helpers2 import clip


    def train(agent, optimizer, loss):
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        clip(agent, 1.0)


    def finish(agent):
        agent.log("done")
        agent.close()
    """
)
MAIN = "from train import finish, train\ntrain(None, None, None)\nfinish(None)\n"


def _trees() -> tuple[MemoryTree, MemoryTree, list[FileChange]]:
    base = MemoryTree({"helpers.py": HELPERS, "train.py": TRAIN, "main.py": MAIN})
    cand = MemoryTree({"util/helpers2.py": HELPERS_FORMATTED, "train.py": TRAIN_BUGGY, "main.py": MAIN})
    changes = [
        FileChange("renamed", "helpers.py", "util/helpers2.py", text_hunks(HELPERS, HELPERS_FORMATTED)),
        FileChange("modified", "train.py", "train.py", text_hunks(TRAIN, TRAIN_BUGGY)),
    ]
    return base, cand, changes


def _summary(result) -> list[tuple[str, str, list[tuple[str, int, str]]]]:
    return [
        (f.source, f.title, [(loc.path, loc.line, loc.side) for loc in f.locations]) for f in result.findings
    ] + [("no_effect", n.title, []) for n in result.no_effect]


def test_equivalent_files_give_the_same_findings_without_being_parsed_up_front() -> None:
    base, cand, changes = _trees()
    general = run_detectors(base, cand, changes, load_playbooks())
    fast = run_detectors(base, cand, changes, load_playbooks(), equivalent={"util/helpers2.py"})
    assert not general.failures and not fast.failures
    assert _summary(fast) == _summary(general)
    titles = [f.title for f in fast.findings]
    assert any("clipping after step" in t for t in titles), titles
    # the callee lives in the equivalent (moved, reformatted) file: still found there
    assert any("`save` is no longer called (still defined at util/helpers2.py:1)" in t for t in titles), titles

    ctx = DetectorContext.from_trees(base, cand, changes, equivalent={"util/helpers2.py"})
    assert ctx.pairs.equivalent == {"util/helpers2.py": "helpers.py"}
    assert all(p.cand is None or p.cand.path != "util/helpers2.py" for p in ctx.pairs.pairs)
    assert "util/helpers2.py" not in ctx.pairs.cand._modules and "helpers.py" not in ctx.pairs.base._modules
    save = ctx.pairs.base.module("helpers.py").functions["save"]
    later = ctx.pairs.later(save)
    assert later is not None and (later.path, later.qualname) == ("util/helpers2.py", "save")


def test_equivalent_files_are_verified_like_unchanged_files() -> None:
    base, cand, changes = _trees()
    ctx = DetectorContext.from_trees(base, cand, changes, equivalent={"util/helpers2.py"})
    pairs = ctx.unchanged_pairs(r"clip")
    assert {(p.base.path, p.cand.path, p.qualname) for p in pairs} == {
        ("helpers.py", "util/helpers2.py", "save"),
        ("helpers.py", "util/helpers2.py", "clip"),
    }
    assert all(not p.changed for p in pairs)


def test_analyzer_takes_equivalent_files_from_triage() -> None:
    entries = [
        SimpleNamespace(path="a.py", change_kind="formatting", language="python"),
        SimpleNamespace(path="b.py", change_kind="behavioural", language="python"),
        SimpleNamespace(path="c.py", change_kind="docstring", language="python"),
        SimpleNamespace(path="d.py", change_kind="rename", language="python"),
        SimpleNamespace(path="e.pyi", change_kind="formatting", language="other"),  # whitespace-only text
        SimpleNamespace(path="f.py", change_kind="comments", language="python"),
    ]
    assert equivalent_paths(SimpleNamespace(triage=SimpleNamespace(entries=entries))) == {"a.py", "c.py", "d.py", "f.py"}
    assert equivalent_paths(SimpleNamespace(triage=None)) == set()


class _AstTree(MemoryTree):
    """A tree with a shared AST cache, like a git `Snapshot`."""

    def __init__(self, files: dict[str, str]) -> None:
        super().__init__(files)
        self.asts: dict[str, ast.Module] = {}

    def python_ast(self, path: str) -> tuple[ast.Module | None, str | None]:
        if path not in self.asts:
            self.asts[path] = ast.parse(self.files[path])
        return self.asts[path], None


def test_shared_asts_are_reused_and_not_mutated() -> None:
    base = _AstTree({"train.py": TRAIN, "helpers.py": HELPERS, "main.py": MAIN})
    cand = _AstTree({"train.py": TRAIN_BUGGY.replace("util.helpers2", "helpers"), "helpers.py": HELPERS, "main.py": MAIN})
    before = {p: ast.dump(ast.parse(t), include_attributes=True) for p, t in base.files.items()}
    result = run_detectors(base, cand, diff_trees(base, cand), load_playbooks())
    assert any("clipping after step" in f.title for f in result.findings)
    assert "train.py" in base.asts and "train.py" in cand.asts
    ctx = DetectorContext.from_trees(base, cand, diff_trees(base, cand))
    assert ctx.pairs.base.module("train.py").tree is base.asts["train.py"]
    for path, tree in base.asts.items():
        assert ast.dump(tree, include_attributes=True) == before[path]


def test_similarity_matches_sequence_matcher_with_a_reused_matcher() -> None:
    base_src = {f"m{i}.py": f"def f{i}(x):\n" + "".join(f"    x = x * {j} + {i}\n" for j in range(i + 1)) + "    return x\n"
                for i in range(8)}
    b = MemoryTree(base_src)
    funcs = [build_pairs(b, b, []).base.module(p).functions[f"f{i}"] for i, p in enumerate(base_src)]
    for g in funcs:
        matcher = difflib.SequenceMatcher(None, [], g.tokens, autojunk=False)
        for f in funcs:
            expected = difflib.SequenceMatcher(None, f.tokens, g.tokens, autojunk=False).ratio()
            got = _similarity(f, g, matcher)
            assert got == _similarity(f, g)
            assert got == (1.0 if f is g else expected if expected >= 0.55 else 0.0) or (got == 0.0 and expected < 0.55)


def test_renamed_functions_still_matched_among_many() -> None:
    body = "    total = 0\n    for v in values:\n        total += v * weight\n    return total / len(values)\n"
    others = {f"o{i}.py": f"def other{i}(a):\n" + f"    return a + {i}\n" * (i + 1) for i in range(30)}
    base = MemoryTree({"a.py": "def weighted_mean(values, weight):\n" + body, **others})
    cand = MemoryTree({"b.py": "def mean_weighted(values, weight):\n" + body,
                       **{k.replace("o", "p"): v.replace("other", "misc") for k, v in others.items()}})
    index = build_pairs(base, cand, diff_trees(base, cand))
    pair = next(p for p in index.pairs if p.base and p.base.qualname == "weighted_mean")
    assert pair.cand is not None and pair.cand.qualname == "mean_weighted" and pair.match == "renamed"
    assert all(p.match == "renamed" and p.similarity == 1.0 for p in index.pairs if p.base and p.base.name.startswith("other"))
