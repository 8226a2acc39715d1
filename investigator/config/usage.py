"""Is a configured value read by any code? (dead-configuration detection)

A value that no code reads cannot change behaviour, so removing or changing it is a
`NoEffectChange`, never a regression. "Read" means: the key's leaf or its enclosing section name
appears as an attribute read, a string subscript, `.get("x")`/`getattr(o, "x")`, or a parameter
of a function that is itself referenced. Not reads: the config definitions themselves (config class
bodies, assignment targets such as `cfg.x.y = 1`), comments and commented-out code (the AST never
sees them), and code inside functions/classes that nothing references (a scheduler class nobody
calls). The check errs towards "read": a false "dead" would hide a real regression.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from investigator.config.keys import normalise_segment

_GETTERS = frozenset({"get", "getattr", "hasattr", "pop", "setdefault", "select", "__getitem__"})


@dataclass
class ModuleReads:
    """Names read in one module, split by the top-level definition they occur in."""

    module: set[str] = field(default_factory=set)  # reads in module-level code
    defs: dict[str, set[str]] = field(default_factory=dict)  # top-level def/class -> reads inside


def _walk_reads(root: ast.AST, reads: set[str]) -> None:
    stack: list[ast.AST] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            stack.append(node.value)
            stack.extend(t.slice for t in node.targets if isinstance(t, ast.Subscript))
            continue
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                stack.append(node.value)
            continue
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                reads.add(node.attr)
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                reads.add(node.slice.value)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _GETTERS:
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        reads.add(arg.value)
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and isinstance(
            node.left.value, str
        ):
            reads.add(node.left.value)  # "x" in cfg
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                reads.add(arg.arg)
        stack.extend(ast.iter_child_nodes(node))


def collect_reads(tree: ast.Module, config_classes: set[str]) -> ModuleReads:
    """Reads per top-level definition; config class bodies are definitions, not reads."""
    out = ModuleReads()
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name in config_classes:
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            reads: set[str] = set()
            _walk_reads(stmt, reads)
            out.defs.setdefault(stmt.name, set()).update(reads)
        else:
            _walk_reads(stmt, out.module)
    return out


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_WORD = re.compile(r"\w+")
# ASCII characters that are not `\w`, mapped to a space: for ASCII text, `text.translate(...).split()`
# gives the same words as `_WORD.findall(text)` at about a third of the cost.
_NON_WORD_ASCII = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})


def words_of(text: str) -> frozenset[str]:
    """The set of case-folded `\w+` runs of `text`."""
    folded = text.casefold()
    if folded.isascii():
        return frozenset(folded.translate(_NON_WORD_ASCII).split())
    return frozenset(_WORD.findall(folded))
_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_FULL_LINE_COMMENT = re.compile(r"^[ \t]*#.*$", re.MULTILINE)
_INLINE_COMMENT = re.compile(r"[ \t]#[^\n'\"]*$", re.MULTILINE)


def strip_comments(text: str) -> str:
    """Drop full-line comments and quote-free inline comments (commented-out code is not code)."""
    return _INLINE_COMMENT.sub("", _FULL_LINE_COMMENT.sub("", text))


class ReadIndex:
    """Reads of one commit, computed lazily for the names a question is about.

    Only modules whose text mentions a wanted name (any spelling: `num_envs`, `numEnvs`) are
    parsed, so the cost follows the number of changed keys, not the size of the repository. Which
    modules mention a name is looked up in a word index built once per commit (word sets of
    unchanged texts are shared with the other commit); trees come from `parse` (the commit's
    cached trees) when given. A
    top-level def's reads count when its name appears anywhere else in the sources (a textual
    mention counts: erring towards "read" is the safe side).
    """

    def __init__(self, sources: dict[str, str], config_classes: dict[str, set[str]] | None = None,
                 shared: dict | None = None,
                 parse: Callable[[str, str], ast.Module | None] | None = None) -> None:
        self.sources = sources
        self._shared = shared if shared is not None else {}  # parses and word sets shared between commits
        self._parse = parse  # cached parser (`Snapshot.python_ast`); trees are never mutated
        self._mentions: Counter[str] | None = None  # identifier -> occurrences in code (not comments)
        self._definitions: Counter[str] = Counter()  # name -> `def`/`class` statements defining it
        self.config_classes = config_classes or {}
        self._parsed: dict[str, ModuleReads | None] = {}
        self._asked: set[str] = set()
        self._live: set[str] = set()
        self._words: dict[str, list[str]] | None = None  # case-folded word -> paths whose text has it

    @staticmethod
    def _pattern(names: set[str]) -> re.Pattern[str]:
        spellings = {n for name in names for n in (name, name.replace("_", "")) if n}
        return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(spellings))) + r")\b", re.IGNORECASE)

    def _word_index(self) -> dict[str, list[str]]:
        """Every word (`\\w+` run) of every source, built once per commit (texts shared across commits)."""
        if self._words is None:
            words: dict[str, list[str]] = {}
            for path, text in self.sources.items():
                key = ("words", hash(text))
                found = self._shared.get(key)
                if found is None:
                    found = self._shared[key] = words_of(text)
                for word in found:
                    bucket = words.get(word)
                    if bucket is None:
                        words[word] = [path]
                    else:
                        bucket.append(path)
            self._words = words
        return self._words

    def _mentioning(self, wanted: set[str]) -> list[str]:
        """Paths whose text mentions one of `wanted` as a whole word, any case, with or without `_`."""
        spellings = {n for name in wanted for n in (name, name.replace("_", "")) if n}
        if any(_WORD.fullmatch(s) is None for s in spellings):  # not a plain word: scan the texts
            pattern = self._pattern(wanted)
            return [p for p, text in self.sources.items() if pattern.search(text)]
        index = self._word_index()
        hits: set[str] = set()
        for spelling in spellings:
            hits.update(index.get(spelling.casefold(), ()))
        return [p for p in self.sources if p in hits]  # source order, as a text scan would give

    def _tree(self, path: str, text: str) -> ast.Module | None:
        if self._parse is not None:
            return self._parse(path, text)
        return ast.parse(text)

    def prepare(self, names: set[str]) -> None:
        """Collect the reads of every module that mentions one of `names`."""
        wanted = {normalise_segment(n) for n in names} - self._asked
        if not wanted:
            return
        self._asked |= wanted
        for path in self._mentioning(wanted):
            if path in self._parsed:
                continue
            text = self.sources[path]
            classes = frozenset(self.config_classes.get(path, set()))
            key = (path, hash(text), classes)
            if key not in self._shared:
                try:
                    tree = self._tree(path, text)
                    self._shared[key] = collect_reads(tree, set(classes)) if tree is not None else None
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    self._shared[key] = None
            reads = self._parsed[path] = self._shared[key]
            if reads is None:
                continue
            self._live |= {normalise_segment(n) for n in reads.module}
            for name, def_reads in reads.defs.items():
                if name in ENTRY_NAMES or self._is_referenced_def(name):
                    self._live |= {normalise_segment(n) for n in def_reads}

    def _is_referenced_def(self, name: str) -> bool:
        if self._mentions is None:
            self._mentions, self._definitions = Counter(), Counter()
            for text in self.sources.values():
                code = strip_comments(text)
                self._mentions.update(_IDENTIFIER.findall(code))
                self._definitions.update(_DEFINITION.findall(code))
        return self._mentions[name] - self._definitions[name] > 0

    def reads(self, name: str) -> bool:
        normal = normalise_segment(name)
        if normal not in self._asked:  # asked before: `prepare` would change nothing
            self.prepare({name})
        return normal in self._live

    def is_referenced(self, name: str) -> bool:
        """Whether a class/function name is mentioned anywhere beyond its definition."""
        return self._is_referenced_def(name)


# Top-level functions a framework or console script calls without the code naming them.
ENTRY_NAMES: frozenset[str] = frozenset({"main", "cli", "app", "run", "train"})


def dead_reason(key: str, index: ReadIndex, target: str | None = None) -> str | None:
    """Why no code reads `key` at this commit, or None when something may read it.

    Live when the leaf or its nearest enclosing section is read by referenced code; a section
    instantiated through a Hydra `_target_` is dead when the target class/function is never
    referenced.
    """
    if target:
        cls = target.rsplit(".", 1)[-1]
        if not index.is_referenced(cls):
            return f"its `_target_` `{target}` is never called or referenced by the code"
    tail = key.rsplit(".", 2)  # only the leaf and its section matter (one more for `_target_`)
    leaf = tail[-1]
    if leaf == "_target_" and len(tail) > 1:
        tail.pop()
        leaf = tail[-1]
    if index.reads(leaf):
        return None
    if len(tail) < 2:
        return f"no code reads `{leaf}`"
    if index.reads(tail[-2]):
        return None
    return f"no code reads `{leaf}` or its section `{tail[-2]}`"
