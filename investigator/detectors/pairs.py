"""The matched-function-pairs layer, built once per investigation.

Every changed Python file is parsed at both commits; functions are matched by qualified name in
the same file first, then across files (moves) by qualified name, then by name plus body
similarity, then by body similarity alone (renames). Unchanged files are read only when needed:
to resolve a callee for inlining, to find callers for reachability, or as a move target.
"""

from __future__ import annotations

import ast
import difflib
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from investigator import budget
from investigator.detectors.functions import (
    FunctionInfo,
    ParsedModule,
    is_stub,
    parse_module,
    same_shape,
    self_calls,
)
from investigator.detectors.imports import ReferenceFinder, RefResult
from investigator.detectors.matching import (
    Counts,
    RunMatcher,
    best_option,
    best_pairs,
    lcs_length,
    multiset_bound,
    position_masks,
)
from investigator.detectors.sources import FileChange, SourceTree
from investigator.pyast import parse_tree
from investigator.scope import out_of_scope_kind

PY_SUFFIXES = (".py", ".pyi")
REF_SUFFIXES = (".py", ".pyi", ".yaml", ".yml", ".toml", ".json", ".cfg", ".ini", ".sh")
MAX_TEXT_BYTES = 64 * 1024 * 1024  # reading the whole tree stops here (very large repositories)
RENAME_SIMILARITY = 0.80
MOVE_SIMILARITY = 0.55
MAX_FILE_BYTES = 2 * 1024 * 1024  # larger text files (data dumps) are not searched for references
MAX_SIMILARITY_PAIRS = 200_000  # beyond this, rename matching only compares functions of similar size


_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(", re.MULTILINE)


@dataclass
class ParseFailure:
    path: str
    side: str
    message: str


class SideIndex:
    """One commit's Python code: parsed lazily, searched textually for definitions and references."""

    def __init__(self, side: str, tree: SourceTree) -> None:
        self.side = side
        self.tree = tree
        self._modules: dict[str, ParsedModule | None] = {}
        self._texts: dict[str, str] | None = None
        self._defs: dict[str, list[str]] | None = None
        self._finder: ReferenceFinder | None = None
        self._mention_cache: dict[str, list[tuple[str, int]]] = {}
        self._found_defs: dict[str, list[FunctionInfo]] = {}
        self._class_paths: dict[str, list[str]] = {}
        self._has_class: dict[str, bool] = {}
        self._class_nodes: dict[str, dict[str, list[ast.ClassDef]]] = {}
        self._class_defs: dict[str, list[ast.ClassDef]] = {}
        self.failures: list[ParseFailure] = []
        # results other modules derive from this commit's code alone, kept as long as the index (the
        # learning-signal flow's per-function caches, shared by the analyzers that read one index)
        self.memo: dict[str, object] = {}

    # -- reading -----------------------------------------------------------------------------
    def module(self, path: str) -> ParsedModule | None:
        if path not in self._modules:
            budget.check()
            text = self.tree.read_text(path)
            parsed: ParsedModule | None = None
            if text is not None:
                try:
                    parsed = parse_module(path, text, self.side, self._shared_ast(path))
                    parsed.index = self  # configuration defaults are looked up in imported modules
                except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                    if not path.endswith(".pyi"):
                        # a type stub never runs: one a stub generator wrote invalid (mjlab's vendored
                        # `typings/mujoco/_specs.pyi`, a default argument before a plain one) loses no training code
                        self.failures.append(ParseFailure(path, self.side, f"does not parse: {exc}"))
            self._modules[path] = parsed
        return self._modules[path]

    def _shared_ast(self, path: str) -> ast.Module | None:
        """The snapshot's cached parse of `path` (triage parsed most changed files already); None
        when the tree has no AST cache or the file does not parse (then it is parsed here, for
        the error message)."""
        shared = getattr(self.tree, "python_ast", None)
        if shared is None:
            return None
        tree, _error = shared(path)
        return tree if isinstance(tree, ast.Module) else None

    def texts(self) -> dict[str, str]:
        """All reference-bearing text files of the commit (read in one batch, capped)."""
        if self._texts is None:
            paths = [p for p in self.tree.paths() if p.endswith(REF_SUFFIXES)]
            self.tree.prefetch(paths)
            out: dict[str, str] = {}
            total = 0
            for p in paths:
                text = self.tree.read_text(p)
                if text is None or len(text) > MAX_FILE_BYTES:
                    continue
                total += len(text)
                if total > MAX_TEXT_BYTES:
                    break
                out[p] = text
            self._texts = out
        return self._texts

    # -- searching ---------------------------------------------------------------------------
    def _def_index(self) -> dict[str, list[str]]:
        """Simple function name -> files defining it (one regex pass over the tree, built once)."""
        if self._defs is None:
            index: dict[str, list[str]] = {}
            for path, text in self.texts().items():
                if path.endswith(PY_SUFFIXES):
                    for name in dict.fromkeys(_DEF.findall(text)):
                        index.setdefault(name, []).append(path)
            self._defs = index
        return self._defs

    def find_defs(self, name: str) -> list[FunctionInfo]:
        """Every function or method with this simple name anywhere in the commit (found once per name:
        the flow asks for `__init__`, `forward` or `step` at every call it follows; a copy is returned)."""
        found = self._found_defs.get(name)
        if found is None:
            found = []
            for path in self._def_index().get(name, []):
                module = self.module(path)
                if module:
                    found.extend(f for f in module.functions.values() if f.name == name)
            self._found_defs[name] = found
        return list(found)

    def def_paths(self, name: str) -> list[str]:
        """Files whose text defines a function or method of this simple name (nothing is parsed)."""
        return list(self._def_index().get(name, []))

    def find_class(self, name: str) -> bool:
        """Whether a Python text has a `class Name` line (kept per name; a text without the name is not
        searched: d3rlpy 9c25f0c7..8bcca90a asked 19,500 regex searches of whole files for 100-odd names)."""
        found = self._has_class.get(name)
        if found is None:
            pattern = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
            found = self._has_class[name] = any(
                name in t and pattern.search(t) is not None for p, t in self.texts().items() if p.endswith(PY_SUFFIXES))
        return found

    def class_paths(self, name: str) -> list[str]:
        """The Python files (`.py`, `.pyi`) whose text has a `class Name` line, in text order (one search
        of the texts per name: the flow's ancestry, overrides and library-base questions ask for the
        same class names again and again)."""
        found = self._class_paths.get(name)
        if found is None:
            header = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
            needle = f"class {name}"
            found = self._class_paths[name] = [
                p for p, t in self.texts().items() if p.endswith(PY_SUFFIXES) and needle in t and header.search(t)]
        return found

    def class_nodes(self, path: str) -> dict[str, list[ast.ClassDef]]:
        """The classes the module at `path` defines (at any depth, `ast.walk` order), by name: walked
        once per file. Empty when the file does not parse."""
        hit = self._class_nodes.get(path)
        if hit is None:
            module = self.module(path)
            hit = {}
            for node in ast.walk(module.tree) if module is not None else ():
                if isinstance(node, ast.ClassDef):
                    hit.setdefault(node.name, []).append(node)
            self._class_nodes[path] = hit
        return hit

    def class_defs(self, name: str) -> list[ast.ClassDef]:
        """The commit's classes of this name: the Python files whose text has a `class Name` line, parsed
        (once per name; a copy is returned)."""
        found = self._class_defs.get(name)
        if found is None:
            found = self._class_defs[name] = [
                node for path in self.class_paths(name) for node in self.class_nodes(path).get(name, ())]
        return list(found)

    def references(self, name: str, skip: Iterable[tuple[str, int, int]] = ()) -> list[tuple[str, int]]:
        """Uses of an identifier outside comments, its own definition lines and the `skip` ranges."""
        return self._mention_lines(name, list(skip), first_only=False)

    def mentions(self, name: str, skip: Iterable[tuple[str, int, int]] = ()) -> list[tuple[str, int]]:
        """The first use of an identifier in each file that has one (as `references`)."""
        return self._mention_lines(name, list(skip), first_only=True)

    def _mention_lines(
        self, name: str, skip_list: list[tuple[str, int, int]], first_only: bool
    ) -> list[tuple[str, int]]:
        """Every mention (`_all_mentions`, searched once per name), less the `skip` ranges; with
        `first_only` the first one left in each file."""
        if not skip_list and not first_only:
            return list(self._all_mentions(name))
        spans: dict[str, list[tuple[int, int]]] = {}  # the skip ranges per file: a name can have thousands of mentions
        for p, lo, hi in skip_list:
            spans.setdefault(p, []).append((lo, hi))
        out: list[tuple[str, int]] = []
        done: set[str] = set()
        for path, number in self._all_mentions(name):
            if first_only and path in done:
                continue
            skipped = spans.get(path)
            if skipped is not None and any(lo <= number <= hi for lo, hi in skipped):
                continue
            out.append((path, number))
            if first_only:
                done.add(path)
        return out

    def _all_mentions(self, name: str) -> list[tuple[str, int]]:
        """Each line of each text file holding `name` as a word outside comments and not defining
        it, in file and line order. Cached per name: the flow and the reference finder ask for the
        same names many times (skrl 1.4.3..2.0.0: 1,336 searches of 272 names over 518 files)."""
        found = self._mention_cache.get(name)
        if found is not None:
            return found
        word = re.compile(rf"\b{re.escape(name)}\b")
        definition = re.compile(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b")
        found = []
        for path, text in self.texts().items():
            if name not in text:
                continue
            python = path.endswith(PY_SUFFIXES)
            counted, number = 0, 1  # line number of position `counted`
            at = text.find(name)
            while at >= 0:  # each line holding the name, once (substring search, then the line)
                start = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                end = len(text) if end < 0 else end
                at = text.find(name, end)
                line = text[start:end]
                code = line.split("#", 1)[0] if python else line
                if not word.search(code) or definition.match(line):
                    continue
                number += text.count("\n", counted, start)
                counted = start
                found.append((path, number))
        self._mention_cache[name] = found
        return found

    def uses(self, name: str, defined_in: str, skip: Iterable[tuple[str, int, int]] = ()) -> RefResult:
        """Import-aware `references`: the first use of `name` that may mean its definition in
        `defined_in`, or (reference None) where its other mentions are bound instead."""
        if self._finder is None:
            self._finder = ReferenceFinder(self)
        return self._finder.find(name, defined_in, skip)

    # -- parsed trees for the reference finder -------------------------------------------------
    def cached_ast(self, path: str) -> ast.Module | None:
        """A parse of `path` that already exists (this index's modules, the snapshot's AST cache)."""
        parsed = self._modules.get(path)
        if parsed is not None:
            return parsed.tree
        peek = getattr(self.tree, "parsed_if_cached", None)
        return peek(path) if peek is not None else None

    def parse_ast(self, path: str, text: str) -> ast.Module | None:
        """Parse `path` now (through the snapshot's shared cache where there is one); None when it
        does not parse."""
        shared = getattr(self.tree, "python_ast", None)
        if shared is not None:
            tree, _error = shared(path)
            return tree if isinstance(tree, ast.Module) else None
        try:
            return parse_tree(text, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


@dataclass(eq=False)
class FunctionPair:
    base: FunctionInfo | None
    cand: FunctionInfo | None
    match: str  # same-file | moved | renamed | added | deleted | unchanged
    similarity: float = 1.0

    @cached_property
    def changed(self) -> bool:
        if self.base is None or self.cand is None:
            return False
        if not self.base.is_module and self.base.name == self.cand.name and self.base.text_key == self.cand.text_key \
                and self.base.indent_key == self.cand.indent_key:
            return False  # same code up to comments: no need to compare ASTs (indentation is Python's blocks)
        return not same_shape(self.base, self.cand)  # the token lists refuse most changed pairs without fingerprints

    @property
    def qualname(self) -> str:
        return (self.cand or self.base).qualname  # type: ignore[union-attr]

    def describe(self) -> str:
        if self.base and self.cand and (self.base.path, self.base.qualname) != (self.cand.path, self.cand.qualname):
            return f"{self.base.path}:{self.base.qualname} -> {self.cand.path}:{self.cand.qualname}"
        f = self.cand or self.base
        return f"{f.path}:{f.qualname}"  # type: ignore[union-attr]


@dataclass
class PairIndex:
    base: SideIndex
    cand: SideIndex
    changes: list[FileChange]
    pairs: list[FunctionPair] = field(default_factory=list)
    # behaviour-identical changed files (triage: rename / formatting / comments / docstring),
    # candidate path -> baseline path: not parsed up front, treated like unchanged files
    equivalent: dict[str, str] = field(default_factory=dict)
    # lookups detectors make per hit, indexed once instead of scanning every pair or change each time
    _later: dict[int, FunctionInfo] = field(default_factory=dict, repr=False)
    _later_size: int = field(default=-1, repr=False)
    _earlier: dict[int, FunctionInfo] = field(default_factory=dict, repr=False)
    _earlier_size: int = field(default=-1, repr=False)
    _changes_by_path: dict[tuple[str, str], FileChange] | None = field(default=None, repr=False)

    def later(self, fn: FunctionInfo) -> FunctionInfo | None:
        """The candidate counterpart of a baseline function (matched pair or equivalent file)."""
        if self._later_size != len(self.pairs):  # pairs are appended while they are built
            self._later = {}
            for p in self.pairs:
                if p.base is not None and p.cand is not None:
                    self._later.setdefault(id(p.base), p.cand)
            self._later_size = len(self.pairs)
        found = self._later.get(id(fn))
        if found is None and fn.side == "baseline":
            new_path = next((n for n, o in self.equivalent.items() if o == fn.path), None)
            module = self.cand.module(new_path) if new_path else None
            found = module.functions.get(fn.qualname) if module else None
        return found

    def earlier(self, fn: FunctionInfo) -> FunctionInfo | None:
        """The baseline counterpart of a candidate function (matched pair)."""
        if self._earlier_size != len(self.pairs):
            self._earlier = {id(p.cand): p.base for p in reversed(self.pairs) if p.base is not None and p.cand is not None}
            self._earlier_size = len(self.pairs)
        return self._earlier.get(id(fn))

    def counterpart(self, fn: FunctionInfo) -> FunctionInfo | None:
        """`fn`'s function at the other commit."""
        return self.later(fn) if fn.side == "baseline" else self.earlier(fn)

    @property
    def failures(self) -> list[ParseFailure]:
        return self.base.failures + self.cand.failures

    def changed_pairs(self) -> list[FunctionPair]:
        return [p for p in self.pairs if p.changed]

    def change_for(self, path: str, side: str) -> FileChange | None:
        if self._changes_by_path is None:
            index: dict[tuple[str, str], FileChange] = {}
            for c in self.changes:
                if c.old_path is not None:
                    index.setdefault(("baseline", c.old_path), c)
                if c.new_path is not None:
                    index.setdefault(("candidate", c.new_path), c)
            self._changes_by_path = index
        return self._changes_by_path.get(("baseline" if side == "baseline" else "candidate", path))


def _length_bound(a: FunctionInfo, b: FunctionInfo) -> float:
    """`SequenceMatcher.real_quick_ratio()` of the token lists, without building a matcher: an
    upper bound of the similarity (equal shapes have equal token lists, so it is 1.0 then)."""
    la, lb = len(a.tokens), len(b.tokens)
    return 2.0 * min(la, lb) / (la + lb) if la + lb else 1.0


class RatioMemo:
    """Results of a pure function of two sequences (`SequenceMatcher.ratio` and what is computed
    from it), keyed by the sequences' contents: a release that copies a package (skrl 1.4.3..2.0.0:
    torch and jax twins of each agent) asks for the same token lists' similarity again and again,
    from different function objects (9,742 matcher ratios there, 775 distinct). Bounded: emptied
    when full (a service process runs many investigations)."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.values: dict[tuple[tuple[str, ...], tuple[str, ...]], float] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[tuple[str, ...], tuple[str, ...]]) -> float | None:
        return self.values.get(key)

    def put(self, key: tuple[tuple[str, ...], tuple[str, ...]], value: float) -> float:
        with self.lock:
            if len(self.values) >= self.LIMIT:
                self.values.clear()
            self.values[key] = value
        return value


_TOKEN_SIMILARITY = RatioMemo()  # `_similarity` past its shortcuts, by token lists
_LINE_RATIO = RatioMemo()  # `text_similarity`'s ratio, by line lists


def _similarity(a: FunctionInfo, b: FunctionInfo, matcher: difflib.SequenceMatcher | None = None) -> float:
    """Body similarity in [0, 1]; `matcher`, when given, already holds `b.tokens` as its second
    sequence (its indexes of b are then built once for many `a`). A function of the two token
    lists alone: remembered by their contents (`RatioMemo`)."""
    if _length_bound(a, b) < MOVE_SIMILARITY:
        return 0.0
    if same_shape(a, b):
        return 1.0
    key = (tuple(a.tokens), tuple(b.tokens))
    known = _TOKEN_SIMILARITY.get(key)
    if known is not None:
        return known
    if matcher is None:
        matcher = RunMatcher(a.tokens, b.tokens)
    else:
        matcher.set_seq1(a.tokens)
    if matcher.quick_ratio() < MOVE_SIMILARITY:
        return _TOKEN_SIMILARITY.put(key, 0.0)
    return _TOKEN_SIMILARITY.put(key, matcher.ratio())


KEPT_SIMILARITY = 0.9  # a deleted function found again, same qualified name, in an unchanged file


def _similar_at_least(a: FunctionInfo, b: FunctionInfo, threshold: float, counts: Counts) -> bool:
    """`_similarity(a, b) >= threshold` for a threshold of at least `MOVE_SIMILARITY`, refused by
    the upper bounds of `ratio` first (token length, token multiset, longest common subsequence:
    the same float formula over fewer matches), so most pairs cost no matcher (skrl 1.4.3..2.0.0:
    11,656 such tests, 40 % of the function matching)."""
    if _length_bound(a, b) < MOVE_SIMILARITY:
        return False  # `_similarity` is 0.0
    if same_shape(a, b):
        return True  # `_similarity` is 1.0
    total = len(a.tokens) + len(b.tokens)
    if _length_bound(a, b) < threshold or multiset_bound(counts.of(a), counts.of(b)) < threshold:
        return False
    if total and 2.0 * lcs_length(a.tokens, position_masks(b.tokens), len(b.tokens)) / total < threshold:
        return False
    return _similarity(a, b) >= threshold


TEXT_SIMILARITY = 0.5  # git's default rename threshold (`-M50%`), on the lines of the two bodies


# `if __name__ == "__main__":` opens most scripts' top level: a line every script shares says nothing
# about where one script's code went (see `MODULE_SHARED_LINES`)
_MAIN_GUARD = re.compile(r"""^if\s*\(?\s*(__name__\s*==\s*['"]__main__['"]|['"]__main__['"]\s*==\s*__name__)\s*\)?\s*:$""")
MODULE_SHARED_LINES = 3


def _lines(fn: FunctionInfo) -> list[str]:
    lines = [line for line in fn.text_key.splitlines() if line]
    return [line for line in lines if not _MAIN_GUARD.match(line)] if fn.is_module else lines


def _enough_shared(f: FunctionInfo, g: FunctionInfo, ratio: float) -> bool:
    """A script's top level moved to another file shares at least `MODULE_SHARED_LINES` lines there,
    besides the `__main__` guard. Real shape (ElegantRL, 55 commits): a deleted VRPTW demo whose top
    level is `if __name__ == '__main__': main()` and a new, unrelated environment script ending in
    `if __name__ == '__main__': valid_in_single_graph()` shared one of two lines, git's 50 %; the two
    scripts were compared through their entry calls ("Optimizer changed", "Device placement changed",
    "Advantage normalisation added", all significant, above the real loss bug)."""
    if not (f.is_module or g.is_module):
        return True
    return ratio * (len(_lines(f)) + len(_lines(g))) / 2.0 >= MODULE_SHARED_LINES - 1e-9


def text_similarity(a: FunctionInfo, b: FunctionInfo) -> float:
    """Share of common source lines (indentation, blank lines and comments ignored), as git's
    rename detection measures files: two scripts that merely use the same constructs are not one."""
    la, lb = _lines(a), _lines(b)
    if not la and not lb:
        return 1.0
    if 2.0 * min(len(la), len(lb)) / (len(la) + len(lb)) < TEXT_SIMILARITY:
        return 0.0
    key = (tuple(la), tuple(lb))
    known = _LINE_RATIO.get(key)
    return known if known is not None else _LINE_RATIO.put(key, RunMatcher(la, lb).ratio())


class TextBound:
    """A cheap upper bound of `text_similarity` for many pairs (each function's lines, line counts
    and LCS bit masks computed once): `may_be_same(f, g)` is False only when `_same_function(f, g, s)`
    is False for every token similarity s, so `best_pairs` can skip the pair before any token work.

    The bounds, each at least `text_similarity`: the line-count bound (`real_quick_ratio`), the
    line-multiset bound (`quick_ratio`) and the longest common subsequence of lines (SequenceMatcher's
    matching blocks are a common subsequence)."""

    def __init__(self) -> None:
        self._lines: dict[int, list[str]] = {}
        self._counts: dict[int, Counter[str]] = {}
        self._masks: dict[int, dict[str, int]] = {}

    def lines(self, fn: FunctionInfo) -> list[str]:
        found = self._lines.get(id(fn))
        if found is None:
            found = self._lines[id(fn)] = _lines(fn)
        return found

    def may_be_same(self, f: FunctionInfo, g: FunctionInfo) -> bool:
        if f.qualname == g.qualname and not f.is_module:
            return True  # may pair by name with a near-equal token body
        if _method_of_gone_class(f, g) or _renamed_sibling(f, g):
            return True  # may pair by method name with a near-equal token body (`_method_of_gone_class`, `_renamed_sibling`)
        la, lb = self.lines(f), self.lines(g)
        total = len(la) + len(lb)
        if not total:
            return True
        if 2.0 * min(len(la), len(lb)) < TEXT_SIMILARITY * total:
            return False
        ca, cb = self._count(f), self._count(g)
        if 2.0 * sum((ca & cb).values()) < TEXT_SIMILARITY * total:
            return False
        masks = self._masks.get(id(g))
        if masks is None:
            masks = self._masks[id(g)] = position_masks(lb)
        return 2.0 * lcs_length(la, masks, len(lb)) >= TEXT_SIMILARITY * total

    def _count(self, fn: FunctionInfo) -> Counter[str]:
        found = self._counts.get(id(fn))
        if found is None:
            found = self._counts[id(fn)] = Counter(self.lines(fn))
        return found


def _is_test(path: str) -> bool:
    return out_of_scope_kind(path) == "test"


def _same_function(f: FunctionInfo, g: FunctionInfo, token_similarity: float) -> bool:
    """Whether a function gone from one place is the one that appeared in another: they share at
    least half their lines (git's rename threshold), or keep their qualified name with a near-equal
    body. Two scripts' `main()` or two classes' `__init__` are not one function by name alone.
    A function of a test file and one of product code are never one function: a test that
    re-implements what it checks (a reference TD-error in `tests/`) is not where the code went."""
    if _is_test(f.path) != _is_test(g.path):
        return False
    if f.qualname == g.qualname and not f.is_module and token_similarity >= RENAME_SIMILARITY:
        return True
    if token_similarity >= RENAME_SIMILARITY and (_method_of_gone_class(f, g) or _renamed_sibling(f, g)):
        return True
    ratio = text_similarity(f, g)
    return ratio >= TEXT_SIMILARITY and _enough_shared(f, g, ratio)


def _method_of_gone_class(f: FunctionInfo, g: FunctionInfo) -> bool:
    """`f` and `g` are methods of one simple name (`calc_target_q`) and `f`'s class is defined nowhere at `g`'s
    commit: the class was renamed or split (`SacDiscreteAgent` -> `SacdAgent` / `BaseAgent`), so its methods
    keep their name but not their qualified name, and a reformatted body shares less than half its lines.
    With a near-equal token body (`RENAME_SIMILARITY`) such a method is the one that moved. Real shape:
    sac-discrete.pytorch d48f9e10..cf2295cd, `SacDiscreteAgent.calc_target_q` (code/agent.py) ->
    `SacdAgent.calc_target_q` (sacd/agent/sacd.py), token similarity 0.90, whose `.mean(dim=1)` -> `.sum(dim=1)`
    over the action axis of the soft target got no finding (the pair was "deleted" / "added")."""
    f_class, g_class = getattr(f, "class_name", None), getattr(g, "class_name", None)
    if f.name != g.name or not f_class or not g_class or f_class == g_class:
        return False
    if f.name.startswith("__") and f.name.endswith("__"):
        # every class has an `__init__`: a short constructor of a deleted class is near-equal in tokens to many
        # (d3rlpy v1.1.1..v2.0.2, the removed dynamics ensemble's `__init__` paired with the new transformer
        # position encoding's: "Layer changed: `-` -> `nn.Embedding(max_timestep, embed_dim)`")
        return False
    module = getattr(g, "module", None)
    index = getattr(module, "index", None)
    if index is None:
        return False
    # one text search per class name and commit, kept with the index (`SideIndex.memo`)
    kept = index.memo.setdefault("pairs.class_kept", {})
    assert isinstance(kept, dict)
    cls = f_class.rsplit(".", 1)[-1]
    if cls not in kept:
        kept[cls] = index.find_class(cls)
    return not kept[cls]


def _renamed_sibling(f: FunctionInfo, g: FunctionInfo) -> bool:
    """`f` and `g` are methods of one class in one file with the same parameters: with a near-equal token body
    (`RENAME_SIMILARITY`) the method was renamed in place, even where its edited lines and docstring leave less
    than half its lines in common. Real shape (prime-rl 9b9de2f1..559b4477, src/prime_rl/orchestrator/
    dispatcher.py:224): `Dispatcher._train_pool_for(self, env_name)` -> `_train_generation_for(self, env_name)`
    (`sampler` -> `generation_source`, docstring reworded; token similarity 0.97, lines 0.25), its one caller
    switched alike: "`Dispatcher._train_pool_for` is no longer called (deleted)"."""
    f_class, g_class = getattr(f, "class_name", None), getattr(g, "class_name", None)
    if f.is_module or g.is_module or not f_class or f_class != g_class or f.path != g.path \
            or f.qualname.rpartition(".")[0] != g.qualname.rpartition(".")[0]:
        return False
    a, b = getattr(getattr(f, "node", None), "args", None), getattr(getattr(g, "node", None), "args", None)
    if not isinstance(a, ast.arguments) or not isinstance(b, ast.arguments):
        return False
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)], [x.arg for x in (*b.posonlyargs, *b.args, *b.kwonlyargs)]
    # a body of its own (an accessor `return self._config` or an abstract stub is token-equal to every other one:
    # d3rlpy v1.1.1..v2.0.2 `LearnableBase.active_logger` -> `config`, rl_games v1.3..v1.3.1's abstract stubs)
    return names[0] == names[1] and _statements(f) >= MIN_SIBLING_STATEMENTS and _statements(g) >= MIN_SIBLING_STATEMENTS


MIN_SIBLING_STATEMENTS = 3


def _statements(fn: FunctionInfo) -> int:
    """Statements of a function's body, nested ones included, its docstring aside (0 for a stub)."""
    node = getattr(fn, "node", None)
    if node is None or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or is_stub(fn):
        return 0
    return sum(1 for sub in ast.walk(node) if isinstance(sub, ast.stmt) and sub is not node
               and not (isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Constant)))


def _refused_at_any_similarity(f: FunctionInfo, g: FunctionInfo) -> bool:
    """Whether `_same_function(f, g, s)` is False for every token similarity s: a test and product
    code, or two functions that do not keep their qualified name and share less than half their
    lines. (skrl 1.4.3..2.0.0: 3,101 of the 3,546 pairs whose token similarity was computed in
    `best_pairs` were then refused by the line test, which costs a tenth of it.)"""
    if _is_test(f.path) != _is_test(g.path):
        return True
    if f.qualname == g.qualname and not f.is_module:
        return False  # accepted by name at a token similarity of `RENAME_SIMILARITY`
    if _method_of_gone_class(f, g) or _renamed_sibling(f, g):
        return False  # accepted at a token similarity of `RENAME_SIMILARITY` (its class renamed or split, or a sibling)
    ratio = text_similarity(f, g)
    return ratio < TEXT_SIMILARITY or not _enough_shared(f, g, ratio)


def build_pairs(
    base_tree: SourceTree,
    cand_tree: SourceTree,
    changes: list[FileChange],
    equivalent: Collection[str] = (),
) -> PairIndex:
    """Match functions of the changed Python files. `equivalent` names changed files (candidate
    paths) known to behave identically at both commits (bytecode/AST-equal up to formatting,
    comments and docstrings, as triage establishes): their functions can only pair with
    themselves unchanged, so they are not parsed here and are handled like unchanged files."""
    base, cand = SideIndex("baseline", base_tree), SideIndex("candidate", cand_tree)
    index = PairIndex(base, cand, changes)
    wanted = set(equivalent)
    py: list[FileChange] = []
    for c in changes:
        if c.binary or not (c.old_path or c.new_path or "").endswith(PY_SUFFIXES):
            continue
        if c.old_path and c.new_path and c.new_path in wanted:
            index.equivalent[c.new_path] = c.old_path
        else:
            py.append(c)
    base_tree.prefetch([c.old_path for c in py if c.old_path])
    cand_tree.prefetch([c.new_path for c in py if c.new_path])
    left: list[FunctionInfo] = []
    right: list[FunctionInfo] = []
    rebound: set[int] = set()
    for change in py:
        old = base.module(change.old_path) if change.old_path else None
        new = cand.module(change.new_path) if change.new_path else None
        old_funcs = dict(old.functions) if old else {}
        new_funcs = dict(new.functions) if new else {}
        for f, g, score in _reused_names(old_funcs, new_funcs):
            index.pairs.append(FunctionPair(f, g, "renamed", min(score, 1.0)))
            del old_funcs[f.qualname], new_funcs[g.qualname]
        for qual in list(old_funcs):
            if qual in new_funcs:
                index.pairs.append(FunctionPair(old_funcs.pop(qual), new_funcs.pop(qual), "same-file"))
        left.extend(old_funcs.values())
        right.extend(new_funcs.values())
        bound = top_level_names(new.tree.body) if new else frozenset()
        rebound.update(id(f) for f in old_funcs.values() if f.qualname.split(".")[0] in bound)
    _match_across(index, left, right, rebound)
    _pair_renamed_class_leftovers(index, py)
    return index


def _pair_renamed_class_leftovers(index: PairIndex, py: list[FileChange]) -> None:
    """Methods of a class renamed within a file pair that no matching paired (each left "deleted" and "added")
    pair by name (`renamed_class_methods`) when at least half of the baseline body's tokens remain, in order, in
    the candidate's (the method was rewritten around what it did: loco-mujoco's `_add_actuators` kept its loop
    adding one actuator per joint and gained a table of per-joint forces, 65 of its 100 tokens). After the
    cross-file matching: a method whose body moved elsewhere (a subclass in a new file) keeps that better
    partner; a method that shrank because its body went to other classes (sample-factory's `ActorCritic.__init__`
    -> `_ActorCritic.__init__` taking the encoder and core built by new classes, 17 % of its tokens left) stays
    "deleted" / "added"; a stub is never a partner."""
    deleted = {id(p.base): p for p in index.pairs if p.match == "deleted" and p.base is not None}
    added = {id(p.cand): p for p in index.pairs if p.match == "added" and p.cand is not None}
    if not deleted or not added:
        return
    drop: set[int] = set()
    for change in py:
        if not (change.old_path and change.new_path):
            continue
        old, new = index.base.module(change.old_path), index.cand.module(change.new_path)
        if old is None or new is None:
            continue
        for f, g in renamed_class_methods(old, new, old.functions, new.functions):
            if id(f) in deleted and id(g) in added and not is_stub(f) and not is_stub(g) \
                    and 2 * lcs_length(f.tokens, position_masks(g.tokens), len(g.tokens)) >= len(f.tokens):
                drop.update((id(deleted[id(f)]), id(added[id(g)])))
                index.pairs.append(FunctionPair(f, g, "moved", _similarity(f, g)))
    if drop:
        index.pairs[:] = [p for p in index.pairs if id(p) not in drop]


def _top_classes(module: ParsedModule | None) -> dict[str, ast.ClassDef]:
    return {n.name: n for n in module.tree.body if isinstance(n, ast.ClassDef)} if module is not None else {}


def _methods(funcs: dict[str, FunctionInfo], cls: str) -> dict[str, FunctionInfo]:
    """The functions defined in class `cls` (nested ones too), by their qualname below the class."""
    return {q[len(cls) + 1:]: f for q, f in funcs.items() if q.startswith(cls + ".")}


def renamed_class_methods(old: ParsedModule | None, new: ParsedModule | None, old_funcs: dict[str, FunctionInfo],
                          new_funcs: dict[str, FunctionInfo]) -> list[tuple[FunctionInfo, FunctionInfo]]:
    """(old, new) methods of a class renamed within a file pair (git pairs renamed files by content), by name.

    A class `A` gone from the file and a class `B` new in it, with the same bases, sharing at least two method
    names of which at least half keep their bodies (`_body_kept`), is `A` renamed: each method of `A` pairs with
    `B`'s method of the same name, rewritten or not. Real shape (loco-mujoco 6626776a..3a0b1528, precision set
    19): `MyoSuiteHumanoid(LocoEnv)` in `myosuite_humanoid.py` became `MyoSkeleton(LocoEnv)` in `myoskeleton.py`
    and its `_add_actuators` was rewritten (per-joint torque limits for the affine position actuators); matched
    by body similarity across files it found no partner, was "added" and "deleted", and the range's only finding
    was the class's new name at its constructor call. Two unrelated classes swapped in a file (different bases,
    or shared names whose bodies all differ) are not paired by this rule."""
    gone = {n: c for n, c in _top_classes(old).items() if n not in _top_classes(new)}
    born = {n: c for n, c in _top_classes(new).items() if n not in _top_classes(old)}
    if not gone or not born:
        return []
    matches: list[tuple[int, str, str]] = []
    for a, node_a in gone.items():
        methods_a = _methods(old_funcs, a)
        for b, node_b in born.items():
            if [ast.dump(x) for x in node_a.bases] != [ast.dump(x) for x in node_b.bases]:
                continue
            methods_b = _methods(new_funcs, b)
            shared = [m for m in methods_a if m in methods_b]
            kept = sum(1 for m in shared if _body_kept(methods_a[m], methods_b[m]))
            if len(shared) >= 2 and 2 * kept >= len(shared):
                matches.append((len(shared), a, b))
    out: list[tuple[FunctionInfo, FunctionInfo]] = []
    used: set[str] = set()
    for _n, a, b in sorted(matches, key=lambda m: (-m[0], m[1], m[2])):
        if a in used or b in used:
            continue
        used.update((a, b))
        methods_a, methods_b = _methods(old_funcs, a), _methods(new_funcs, b)
        out.extend((methods_a[m], methods_b[m]) for m in methods_a if m in methods_b)
    return out


def _container(fn: FunctionInfo) -> tuple[str | None, str]:
    """The class and the enclosing definition a function is defined in (siblings share it)."""
    return fn.class_name, fn.qualname.rpartition(".")[0]


def _body_kept(f: FunctionInfo, g: FunctionInfo) -> bool:
    """Whether `g` carries `f`'s body as `_same_function` would accept it without the shared name:
    half the lines in common (git's rename threshold) or a near-equal token body."""
    if f.text_key == g.text_key:
        return True
    return text_similarity(f, g) >= TEXT_SIMILARITY or _similarity(f, g) >= RENAME_SIMILARITY


def _reused_names(old_funcs: dict[str, FunctionInfo], new_funcs: dict[str, FunctionInfo]
                  ) -> list[tuple[FunctionInfo, FunctionInfo, float]]:
    """(old, new, similarity) for methods of one file whose name now holds *another* method's body:
    renames that reuse a name (a swap `a` <-> `b`, or a chain `forward` -> `predict_act_value`,
    `compute_loss` -> `forward`). git pairs renamed files by content, not by name; so are these: a
    new function `n` is paired with the old sibling `o` (same class, same enclosing definition) whose
    body it carries (`_body_kept`: half the lines, git's threshold, or a near-equal token body as a
    method that keeps its name needs) when the old function of
    `n`'s own name does not (its body is dissimilar: no `_body_kept`), `o`'s own name is gone or
    holds a dissimilar body as well, `o` is no helper the namesake called (a helper inlined into its
    caller is the caller's own code, `flow/inlined.py`), and `o` is more like `n` than `n`'s namesake is. Best first,
    each side once. The old namesake then goes to the cross-file matching like any renamed function
    (it usually finds its new name there); a namesake whose body is merely rewritten (no other old
    sibling carries over) keeps its pair.

    Real shape (diamond 54961839..17c77643, src/models/actor_critic.py:68 and
    src/models/diffusion/denoiser.py:93): `ActorCritic.forward` -> `predict_act_value` and
    `compute_loss` -> `forward`, `Denoiser.compute_loss` -> `forward`. Paired by name, the detectors
    compared the network's forward pass with the actor-critic loss ("Value-loss weight changed",
    "Done masking added", "Entropy term added" on an unchanged loss) and every statement of the
    denoiser's training loss read as added, hiding its change (the fed-back prediction now quantised)."""
    groups: dict[tuple[str | None, str], list[str]] = {}
    for qual, f in old_funcs.items():
        if not f.is_module:
            groups.setdefault(_container(f), []).append(qual)
    out: list[tuple[FunctionInfo, FunctionInfo, float]] = []
    for olds in groups.values():
        shared = [q for q in olds if q in new_funcs and old_funcs[q].text_key != new_funcs[q].text_key]
        gone = [q for q in olds if q not in new_funcs]
        if not shared or (not gone and len(shared) < 2):
            continue  # a swap needs two reused names, a chain one name gone
        weak = {q for q in shared if not _body_kept(old_funcs[q], new_funcs[q])}
        if not weak:
            continue
        sources = [q for q in olds if q in weak or q in gone]
        edges: list[tuple[float, str, str]] = []
        for q in weak:
            g = new_funcs[q]
            own = _similarity(old_funcs[q], g)
            inlined = self_calls(old_funcs[q])  # the namesake's own helpers: inlined into it, not renamed to it
            for q2 in sources:
                if q2 == q or _is_test(old_funcs[q2].path) != _is_test(g.path) or old_funcs[q2].name in inlined \
                        or is_stub(old_funcs[q2]) or is_stub(g):
                    continue
                f = old_funcs[q2]
                score = _similarity(f, g)
                if score > own and _body_kept(f, g):
                    edges.append((score, q2, q))
        refused: set[tuple[str, str]] = set()
        while True:
            used_old: set[str] = set()
            used_new: set[str] = set()
            accepted: list[tuple[float, str, str]] = []
            for score, q2, q in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
                if q2 in used_old or q in used_new or (q2, q) in refused:
                    continue
                used_old.add(q2)
                used_new.add(q)
                accepted.append((score, q2, q))
            # a source whose name stays at the candidate moved its body only if that name now holds another
            # old body too (a swap); else part of it moved into `n` and the rest stayed under its name (d3rlpy
            # v2.2.0..v2.3.0 `BCQImpl.compute_actor_loss`'s policy sampling moved into `inner_update`)
            bad = {(q2, q) for _s, q2, q in accepted if q2 in new_funcs and q2 not in used_new}
            if not bad:
                break
            refused |= bad
        out.extend((old_funcs[q2], new_funcs[q], score) for score, q2, q in accepted)
    return out


def top_level_names(body: list[ast.stmt]) -> frozenset[str]:
    """Names a module binds at its top level: definitions, assignments and imports."""
    out: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(out)


_SHARED: list[tuple[SourceTree, SourceTree, frozenset[str], PairIndex]] = []
_SHARED_LOCK = threading.Lock()
SHARED_ENTRIES = 2


def shared_pairs(
    base_tree: SourceTree, cand_tree: SourceTree, changes: list[FileChange], equivalent: Collection[str] = ()
) -> PairIndex:
    """`build_pairs`, built once per pair of trees: the code detectors and the behavioural-change
    analyzer of one investigation read the same index (on an 800-file range matching functions is
    the expensive part). The last `SHARED_ENTRIES` indexes are kept."""
    key = frozenset(equivalent)
    with _SHARED_LOCK:
        for b, c, eq, index in _SHARED:
            if b is base_tree and c is cand_tree and eq == key:
                return index
    index = build_pairs(base_tree, cand_tree, changes, equivalent)
    with _SHARED_LOCK:
        _SHARED.insert(0, (base_tree, cand_tree, key, index))
        del _SHARED[SHARED_ENTRIES:]
    return index


def _match_across(
    index: PairIndex, left: list[FunctionInfo], right: list[FunctionInfo], rebound: Collection[int] = ()
) -> None:
    """Match functions deleted from one place with functions added elsewhere (moves, renames).
    `rebound` holds (ids of) left functions whose top-level name their module still binds at the
    candidate (`Policy = models.Convolutional` where `class Policy` was): the name stayed, so a
    same-named class of another module is no move by name alone (PufferLib 73aaa5a8..cb116bca:
    atari's `Policy.__init__` "moved" into MAgent's new `Policy`); such a function is matched by
    body similarity with everything else (step 2/3)."""
    # 1. same qualified name in another file
    by_qual: dict[str, list[FunctionInfo]] = {}
    for f in right:
        by_qual.setdefault(f.qualname, []).append(f)
    rest_left: list[FunctionInfo] = []
    for f in left:
        if f.is_module or id(f) in rebound:
            rest_left.append(f)
            continue
        options = by_qual.get(f.qualname, [])
        if options:
            k, score = best_option(f, options, _similarity, MOVE_SIMILARITY)  # the first best, lazily
            if _same_function(f, options[k], score):
                best = options.pop(k)
                index.pairs.append(FunctionPair(f, best, "moved", score))
                continue
        rest_left.append(f)
    rest_right = [g for opts in by_qual.values() for g in opts]
    # 2./3. best body similarity (same simple name needs less): every (left, right) pair is a
    # candidate, accepted best first; `best_pairs` computes a pair's similarity only when its upper
    # bound comes first with both sides free (the same pairs as scoring all of them, not quadratic).
    huge = len(rest_left) * len(rest_right) > MAX_SIMILARITY_PAIRS
    used_l: set[int] = set()
    used_r: set[int] = set()
    # a rename (`A.__init__` -> `B.__init__` too), or a script's top level in another file, must also
    # share its text (git's similarity): equal token shapes alone pair unrelated short functions and scripts
    accepted = best_pairs(rest_left, rest_right, _similarity, MOVE_SIMILARITY, RENAME_SIMILARITY, huge,
                          accept=_same_function, gate=TextBound().may_be_same, refuse=_refused_at_any_similarity)
    for s, i, j in _own_classes_first(accepted, rest_left, rest_right):
        used_l.add(i)
        used_r.add(j)
        f, g = rest_left[i], rest_right[j]
        index.pairs.append(FunctionPair(f, g, "moved" if f.name == g.name else "renamed", min(s, 1.0)))
    for i, j, s in _hooks(index, rest_left, rest_right, used_l, used_r):
        used_l.add(i)
        used_r.add(j)
        index.pairs.append(FunctionPair(rest_left[i], rest_right[j], "renamed", min(s, 1.0)))
    # 4. a deleted function may now live in an unchanged file (only looked up when needed); not one of a file
    # the range deletes: the copy in the unchanged file was there at both commits, so their old differences
    # are no change of the range (ElegantRL's deleted single-file PPO demo against the library's unchanged
    # `AgentPPO`: a false "Done masking removed")
    counts = Counts()
    for i, f in enumerate(rest_left):
        if i in used_l:
            continue
        gone = index.change_for(f.path, "baseline")
        if not f.is_module and not (gone is not None and gone.status == "deleted"):
            target = next(
                (g for g in index.cand.find_defs(f.name) if g.qualname == f.qualname
                 and _similar_at_least(f, g, KEPT_SIMILARITY, counts)),
                None,
            )
            if target is not None and index.change_for(target.path, "candidate") is None:
                index.pairs.append(FunctionPair(f, target, "moved", _similarity(f, target)))
                continue
        index.pairs.append(FunctionPair(f, None, "deleted", 0.0))
    for j, g in enumerate(rest_right):
        if j not in used_r:
            index.pairs.append(FunctionPair(None, g, "added", 0.0))


def _calls_on_self(fn: FunctionInfo, method: str) -> bool:
    return method in self_calls(fn)


def _hooks(index: PairIndex, left: list[FunctionInfo], right: list[FunctionInfo], used_l: set[int], used_r: set[int]
           ) -> list[tuple[int, int, float]]:
    """(left, right, similarity) for an override turned into the hook its base class now calls: the
    template-method refactor. Real shape (rlkit v0.2.0..v0.2.1): `SACTrainer.train(self, np_batch)` (118
    lines) became `SACTrainer.train_from_torch(self, batch)`, and the base class's new `TorchTrainer.train`
    converts the batch and calls `self.train_from_torch(batch)`. The losses were also reordered, so the two
    bodies share less than half their lines: "Method override removed: `SACTrainer.train`" was reported,
    and the change inside (an entropy term added to the Q target) named by nothing. The pair needs the
    method's class in the same file at the candidate, the added method in that class, another class's
    `m` at the candidate calling `self.<hook>(...)`, and the token similarity of a move."""
    out: list[tuple[int, int, float]] = []
    added: dict[tuple[str, str], list[int]] = {}
    for j, g in enumerate(right):
        if j not in used_r and g.class_name and not g.is_module:
            added.setdefault((g.path, g.class_name), []).append(j)
    if not added:
        return out
    taken: set[int] = set()
    for i, f in enumerate(left):
        if i in used_l or not f.class_name or f.is_module or (f.path, f.class_name) not in added:
            continue
        callers = [h for h in index.cand.find_defs(f.name) if h.class_name and h.class_name != f.class_name]
        options = [(j, right[j]) for j in added[(f.path, f.class_name)] if j not in taken
                   and any(_calls_on_self(h, right[j].name) for h in callers)]
        if len(options) != 1:
            continue
        j, g = options[0]
        score = _similarity(f, g)
        if score >= MOVE_SIMILARITY and not _is_test(f.path):
            taken.add(j)
            out.append((i, j, score))
    return out


def _own_classes_first(accepted: list[tuple[float, int, int]], left: list[FunctionInfo], right: list[FunctionInfo]
                       ) -> list[tuple[float, int, int]]:
    """The accepted pairs, a method paired across classes moved to its own class's counterpart where
    one is left over. Real shape (d3rlpy v1.1.1 -> v2.0.2, every `_update` renamed `inner_update`): the
    dynamics model's `_update` (its class gone) is textually closer to `_BCBase.inner_update` than
    `_BCBase._update` is, so `_BCBase._update` was left unpaired and the dynamics' call compared with
    the imitator's; `DiscreteBCQ._update` likewise went to `DiscreteCQL.inner_update`. A pair
    (`A.m`, `B.n`) becomes (`B.m`, `B.n`) when `B.m` is unpaired, or (`A.m`, `A.n`) when `A.n` is,
    provided both sit in files of the same name (`algos/bc.py` -> `algos/qlearning/bc.py`: PufferLib's
    atari `Policy` is no MAgent `Policy`) and that pair passes the same acceptance test; the function it
    frees stays unpaired."""
    free_l = set(range(len(left))) - {i for _, i, _ in accepted}
    free_r = set(range(len(right))) - {j for _, _, j in accepted}
    out: list[tuple[float, int, int]] = []
    for s, i, j in accepted:
        f, g = left[i], right[j]
        if f.class_name and g.class_name and f.class_name != g.class_name:
            swap = _own_class(g, f, left, free_l, g.class_name, True) or _own_class(f, g, right, free_r, f.class_name, False)
            if swap is not None:
                k, score, left_side = swap
                if left_side:
                    free_l.discard(k)
                    free_l.add(i)
                    s, i = score, k
                else:
                    free_r.discard(k)
                    free_r.add(j)
                    s, j = score, k
        out.append((s, i, j))
    return _own_class_cycles(out, left, right)


def _accepted(f: FunctionInfo, g: FunctionInfo) -> float | None:
    """The similarity of `f` and `g` when the pairing accepts them (the threshold `_own_class` applies)."""
    score = _similarity(f, g)
    ok = score >= (MOVE_SIMILARITY if f.name == g.name else RENAME_SIMILARITY) and _same_function(f, g, score)
    return score if ok else None


def _own_class_cycles(pairs: list[tuple[float, int, int]], left: list[FunctionInfo], right: list[FunctionInfo]
                      ) -> list[tuple[float, int, int]]:
    """Cross-class pairs whose own-class counterparts are all taken by other cross-class pairs, untangled by
    swaps: (`A.m`, `B.n`) and (`X.m`, `A.n`) become (`A.m`, `A.n`) and (`X.m`, `B.n`) when both are accepted
    and the files are of the same name, repeated until none applies. Real shape: d3rlpy d6dca78c..3f459e65, every
    algorithm's `create_impl` renamed `_create_impl` under the base's new template method: the renames paired
    round a cycle (`DQN.create_impl` -> `DiscreteCQL._create_impl`, `DiscreteCQL.create_impl` ->
    `FQE._create_impl`, ...), no own-class counterpart left free for `_own_classes_first`, and each pair compared
    two algorithms' constructors: significant "optimizer path" findings at #5-#7."""
    out = list(pairs)
    at_right = {j: k for k, (_, _, j) in enumerate(out)}
    for _ in range(len(out)):
        swapped = False
        for k, (_, i, j) in enumerate(out):
            f, g = left[i], right[j]
            if not (f.class_name and g.class_name and f.class_name != g.class_name):
                continue
            mine = next((jj for jj in at_right if right[jj].class_name == f.class_name and right[jj].name == g.name
                         and right[jj].path.rsplit("/", 1)[-1] == f.path.rsplit("/", 1)[-1]), None)
            if mine is None:
                continue
            other = at_right[mine]
            x = left[out[other][1]]
            if x.class_name == f.class_name:
                continue
            first, second = _accepted(f, right[mine]), _accepted(x, g)
            if first is None or second is None:
                continue
            out[k], out[other] = (first, i, mine), (second, out[other][1], j)
            at_right[mine], at_right[j] = k, other
            swapped = True
        if not swapped:
            break
    return out


def _own_class(keep: FunctionInfo, replaced: FunctionInfo, pool: list[FunctionInfo], free: set[int], cls: str,
               on_left: bool) -> tuple[int, float, bool] | None:
    """An unpaired function of `pool` (the side of `replaced`) named like `replaced`, in class `cls`, that
    `keep` is accepted with."""
    for k in sorted(free):
        h = pool[k]
        if h.class_name != cls or h.name != replaced.name or h.path.rsplit("/", 1)[-1] != keep.path.rsplit("/", 1)[-1]:
            continue
        f, g = (h, keep) if on_left else (keep, h)
        score = _similarity(f, g)
        if score >= (MOVE_SIMILARITY if f.name == g.name else RENAME_SIMILARITY) and _same_function(f, g, score):
            return k, score, on_left
    return None


def enclosing_function(module: ParsedModule, line: int) -> FunctionInfo | None:
    """The innermost function (or `<module>`) containing a line."""
    best: FunctionInfo | None = None
    for f in module.functions.values():
        if f.is_module:
            continue
        if f.lineno <= line <= f.end_lineno and (best is None or f.lineno >= best.lineno):
            best = f
    if best is None:
        mod = module.functions.get("<module>")
        if mod and any(
            s.lineno <= line <= (getattr(s, "end_lineno", s.lineno) or s.lineno) for s in mod.body
        ):
            return mod
    return best


def node_span(node: ast.AST) -> tuple[int, int]:
    start = getattr(node, "lineno", 1)
    return start, getattr(node, "end_lineno", None) or start
