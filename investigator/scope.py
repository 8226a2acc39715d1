"""Scope: tests, docs, examples, benchmarks, notebooks and CI files are not on the training path.

A change there cannot explain a training regression, whichever analyzer noticed it, so the rule is
applied once, to every analyzer's findings, at ranking time: a finding whose every place is out of
scope becomes a no-effect item naming the reason. A file the training entry point is, reaches or
loads is never out of scope, wherever it lives (`examples/train.py` given as the entry, a config under
`benchmarks/` that the entry loads).
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Iterable

from investigator.models import Finding, Location, NoEffectChange
from investigator.pyast import call_name
from investigator.trainstep import TRAINING_TEXT

# Directory names, matched against every directory segment of a path (case-insensitive).
_DIRS: dict[str, str] = {
    **dict.fromkeys(("tests", "test", "unittests", "unit_tests", "integration_tests", "testdata", "test_data"), "test"),
    **dict.fromkeys(("docs", "doc", "documentation", "docsrc", "sphinx"), "documentation"),
    **dict.fromkeys(("examples", "example", "playground", "playgrounds", "tutorials", "tutorial"), "example"),
    **dict.fromkeys(("benchmarks", "benchmark", "benches"), "benchmark"),
    **dict.fromkeys(("notebooks", "notebook"), "notebook"),
    **dict.fromkeys((".github", ".circleci", ".gitlab", ".buildkite", ".azure-pipelines", ".devcontainer"), "CI"),
}
_CI_FILES = {
    ".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "jenkinsfile", ".pre-commit-config.yaml", "tox.ini",
    "noxfile.py", ".readthedocs.yml", ".readthedocs.yaml", "codecov.yml", ".codecov.yml", "appveyor.yml",
    ".cirrus.yml", "mkdocs.yml", "mkdocs.yaml", ".coveragerc", "bitbucket-pipelines.yml",
}
_DOC_SUFFIXES = (".md", ".rst", ".adoc")
_KIND_WORDS = {
    "test": "a test file",
    "documentation": "documentation",
    "example": "an example or playground script",
    "benchmark": "a benchmark",
    "notebook": "a notebook",
    "CI": "CI or tooling configuration",
}


def out_of_scope_kind(path: str) -> str | None:
    """What kind of non-training file `path` is (test, documentation, example, benchmark, notebook,
    CI), or None for a file that may be on the training path. Decided from the path alone."""
    parts = path.replace("\\", "/").strip("/").split("/")
    name = parts[-1].lower()
    for segment in parts[:-1]:
        kind = _DIRS.get(segment.lower())
        if kind is not None:
            return kind
        if segment.lower().endswith("_examples"):  # a package of examples (`sf_examples/`), as a file stem is
            return "example"
    if name.endswith(".ipynb"):
        return "notebook"
    if name in _CI_FILES:
        return "CI"
    if name.endswith(_DOC_SUFFIXES):
        return "documentation"
    stem = name.rsplit(".", 1)[0]
    if name.endswith(".py") and (stem.startswith("test_") or stem.endswith(("_test", "_tests")) or stem in ("conftest", "tests")):
        return "test"
    if stem.startswith(("example_", "examples_", "playground")) or stem.endswith(("_example", "_examples")):
        return "example"
    if stem.startswith(("bench_", "benchmark_")):
        return "benchmark"
    return None


def finding_paths(f: Finding) -> set[str]:
    """Every file a finding points at: its locations and its evidence's locations."""
    return {loc.path for loc in f.locations} | {loc.path for e in f.evidence for loc in e.locations}


_MAX_CLOSURE = 5000  # modules followed from the entry (a bound, not a limit real repositories reach)


def _module_candidates(importer: str, dotted: str, level: int) -> list[str]:
    """Repository paths an import in `importer` may load: from the repository root, `src/`, and the
    importing file's own directory (a script's directory is on `sys.path`, `from common import x`)."""
    here = posixpath.dirname(importer)
    if level:
        base = here
        for _ in range(level - 1):
            base = posixpath.dirname(base)
        roots = [base]
    else:
        roots = ["", "src", here]
    rel = dotted.replace(".", "/")
    out = []
    for root in dict.fromkeys(roots):
        stem = posixpath.join(root, rel) if rel else root
        if stem:
            out += [f"{stem}.py", f"{stem}/__init__.py"]
    return out


# A script path in a string: `examples/train/{}.py`, `"scripts/%s.py" % algo`, f"{root}/train_{name}.py"
_SCRIPT_IN_TEXT = re.compile(r"[\w./{}%\-\x00]*\.py(?![\w.])")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[sd]|\x00")


def launched_scripts(tree: ast.Module, importer: str, exists: Callable[[str], bool],
                     paths: Callable[[], Iterable[str]] | None = None) -> set[str]:
    """Repository scripts a module names in its strings to run them (`template = "python examples/train/{}.py
    --task {}"`, then `runner.start(...)`): a launcher runs them as surely as it imports a module. A placeholder
    (`{}`, `%s`, an f-string's value) matches any file name part (`paths()` lists the repository's files); a pattern
    with no literal directory or stem (`{}.py`) names nothing. Paths are tried from the repository root and from
    the module's directory. OSRL dbe3a1fd..03a45864: `examples/train_all_tasks.py`, the detected entry, launches
    `examples/train/train_{bc,bcql,...}.py`, the repository's training scripts."""
    texts: list[str] = []
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}  # docstrings, bare strings
    prose |= {id(inner) for node in ast.walk(tree) for inner in _told_strings(node)}  # help texts, printed messages
    for node in ast.walk(tree):
        if id(node) in prose:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ".py" in node.value:
            texts.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "\x00" for v in node.values]
            if any(".py" in p for p in parts):
                texts.append("".join(parts))
    out: set[str] = set()
    listed: list[str] | None = None
    here = posixpath.dirname(importer)
    for token in (t for text in texts for t in _SCRIPT_IN_TEXT.findall(text)):
        marked = _PLACEHOLDER.sub("\x01", token)
        literal = marked.replace("\x01", "")
        if "\x01" not in marked:
            found = [posixpath.normpath(posixpath.join(root, token)) for root in dict.fromkeys(("", here))]
            out |= {p for p in found if not p.startswith("..") and exists(p)}
            continue
        if paths is None or not literal.removesuffix(".py").strip("/._-"):
            continue  # `{}.py`: any script
        regex = re.compile("".join("[^/]+" if ch == "\x01" else re.escape(ch) for ch in marked.removeprefix("./")) + r"\Z")
        if listed is None:
            listed = [p for p in paths() if p.endswith(".py")]
        for root in dict.fromkeys(("", here)):
            prefix = f"{root}/" if root else ""
            out |= {p for p in listed if p.startswith(prefix) and regex.match(p, len(prefix))}
    return {p for p in out if out_of_scope_kind(p) not in ("test", "documentation")}  # a launcher of tests trains nothing


_TELLING_KEYWORDS = frozenset({"help", "description", "epilog", "usage", "msg", "message"})
_TELLING_CALLS = re.compile(r"(?:^|\.)(?:print|warn|warning|info|debug|error|exception|critical|log)$")


def _told_strings(node: ast.AST) -> list[ast.AST]:
    """The strings a node tells a reader rather than runs: an `argparse` help text (`help="runs train.py"`), a
    usage or description, a printed or logged message. Naming a script there launches nothing."""
    if isinstance(node, ast.keyword) and node.arg in _TELLING_KEYWORDS:
        return list(ast.walk(node.value))
    if isinstance(node, ast.Call) and _TELLING_CALLS.search(call_name(node) or ""):
        return [inner for arg in node.args for inner in ast.walk(arg)]
    return []


def import_closure(starts: Iterable[str], exists: Callable[[str], bool],
                   parse: Callable[[str], ast.Module | None],
                   paths: Callable[[], Iterable[str]] | None = None) -> set[str]:
    """Python files of the repository that `starts` import, transitively (what the entry imports), and the
    scripts they launch by path (`launched_scripts`; `paths()` lists the repository's files for a pattern)."""
    seen: set[str] = set()
    queue = [p for p in dict.fromkeys(starts) if p.endswith(".py") and exists(p)]
    while queue and len(seen) < _MAX_CLOSURE:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = parse(path)
        if tree is None:
            continue
        queue += [c for c in launched_scripts(tree, path, exists, paths) if c not in seen and c.endswith(".py")]
        for node in ast.walk(tree):
            names: list[tuple[str, int]] = []
            if isinstance(node, ast.Import):
                names = [(a.name, 0) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                names = [(mod, node.level)] + [(f"{mod}.{a.name}" if mod else a.name, node.level) for a in node.names]
            for dotted, level in names:
                parts = dotted.split(".")
                for i in range(len(parts), 0, -1):  # `import a.b.c` loads a, a.b and a.b.c
                    queue += [c for c in _module_candidates(path, ".".join(parts[:i]), level)
                              if c not in seen and exists(c)]
                if level and not dotted:
                    queue += [c for c in _module_candidates(path, "", level) if c not in seen and exists(c)]
    return seen


def training_only_in_examples(paths: Iterable[str], read_text: Callable[[str], str | None],
                              reached: Iterable[str] = ()) -> bool:
    """Whether every Python file with a training step (`loss.backward()`, `apply_gradients`, ...) is an
    example and the training entry (`reached`: what it is, runs or imports) reaches none: then the examples
    are the repository's training code (salina: a library of agents whose every algorithm lives under
    `salina_examples/`, the entry found a tutorial), and a change there is on the training path. An entry
    that reaches a training step (`examples/train_ppo.py` importing its update) keeps its sibling examples
    out of scope."""
    for path in reached:
        text = read_text(path) if path.endswith(".py") else None
        if text is not None and TRAINING_TEXT.search(text):
            return False
    in_examples = False
    for path in paths:
        if not path.endswith(".py"):
            continue
        kind = out_of_scope_kind(path)
        if kind not in (None, "example"):
            continue
        text = read_text(path)
        if text is None or not TRAINING_TEXT.search(text):
            continue
        if kind is None:
            return False
        in_examples = True
    return in_examples


def apply_scope(findings: list[Finding], training_files: Iterable[str] = (),
                closure: Callable[[], set[str]] | None = None,
                examples_train: Callable[[set[str]], bool] | None = None) -> tuple[list[Finding], list[NoEffectChange]]:
    """Split findings into those that stay and the no-effect items of those wholly out of scope.

    A finding stays when it has no file (a metric finding), when any of its files may be on the
    training path, or when any is a file the training entry is, reaches or loads (`training_files`,
    plus what `closure()` returns: computed only when some finding is out of scope by its path), or
    when its files are examples and `examples_train(<the entry's files>)` says the examples are the
    training code (`training_only_in_examples`, asked once, only then).
    """
    protected = set(training_files)
    extended = closure is None
    examples_kept: bool | None = None
    kept: list[Finding] = []
    moved: list[NoEffectChange] = []
    for f in findings:
        paths = finding_paths(f)
        kinds = {p: out_of_scope_kind(p) for p in paths}
        if paths and all(k is not None for k in kinds.values()) and not extended and closure is not None:
            protected |= closure()
            extended = True
        if not paths or any(k is None for k in kinds.values()) or paths & protected:
            kept.append(f)
            continue
        if set(kinds.values()) == {"example"} and examples_train is not None:
            if examples_kept is None:
                examples_kept = examples_train(protected)
            if examples_kept:
                kept.append(f)
                continue
        shown = sorted(paths)
        where = ", ".join(f"`{p}`" for p in shown[:3]) + (f" (+{len(shown) - 3})" if len(shown) > 3 else "")
        words = sorted({_KIND_WORDS[k] for k in kinds.values() if k is not None})
        moved.append(NoEffectChange(
            subsystem=f.subsystem,
            title=f.title,
            reason=(f"only in {' / '.join(words)} ({where}), which the training entry point neither runs nor "
                    f"loads: not on the training path (would have been {f.severity.value})"),
            locations=f.locations,
            source=f.source,
            details={"scope": sorted({k for k in kinds.values() if k}), "severity": f.severity.value, "finding_id": f.id},
        ))
    return kept, moved


_GROUP_AT = 4  # unaccounted files of one directory and kind from this many on: one item naming them all


def unaccounted(entries: Iterable[tuple[str, str | None, str, str]], findings: Iterable[Finding],
                no_effect: Iterable[NoEffectChange], analyzers: Iterable[str]) -> list[NoEffectChange]:
    """A no-effect item for each changed file with a possible effect (`entries`: path, old path, language,
    subsystem of triage's behavioural entries) that no finding and no no-effect item names: a report is
    never silent about a behavioural change (issue 11). The reason says what the file is and that the
    analyzers that ran reported nothing for it; files of one directory and kind, `_GROUP_AT` or more, are one
    item whose locations name every file. Before, OSRL dbe3a1fd..03a45864 reported twelve changed training and
    evaluation scripts under `examples/` with neither (the flow analysis skipped examples)."""
    named = {path for f in findings for path in finding_paths(f)}
    named |= {loc.path for item in no_effect for loc in item.locations}
    ran = ", ".join(analyzers) or "none"
    groups: dict[tuple[str, str], list[tuple[str, str | None, str, str | None]]] = {}
    for path, old_path, language, subsystem in entries:
        if path in named or (old_path is not None and old_path in named):
            continue
        kind = out_of_scope_kind(path)
        what = (f"{_KIND_WORDS[kind]}, not on the training path unless the entry runs it" if kind is not None
                else "changed Python code" if language == "python" else f"a changed {language} file")
        groups.setdefault((posixpath.dirname(path), what), []).append((path, old_path, subsystem, kind))
    out: list[NoEffectChange] = []
    for (directory, what), members in groups.items():
        reason = (f"{what}: no analyzer that ran ({ran}) reported an effect of this change on training, "
                  "and none named it as without effect")
        kinds = sorted({k for *_, k in members if k})
        details: dict[str, object] = {"unaccounted": True, **({"scope": kinds[0]} if kinds else {})}
        chunks = [members] if len(members) >= _GROUP_AT else [[m] for m in members]
        for chunk in chunks:
            locations: list[Location] = []
            for path, old_path, _subsystem, _kind in chunk:
                locations += [Location(path=old_path, side="baseline")] if old_path else []
                locations.append(Location(path=path, side="candidate"))
            subsystems = sorted({m[2] for m in chunk})
            title = chunk[0][0] if len(chunk) == 1 else f"{len(chunk)} files under `{directory or '.'}/`"
            out.append(NoEffectChange(
                subsystem=subsystems[0] if len(subsystems) == 1 else "other", title=title, reason=reason,
                locations=locations, source="scope",
                details={**details, **({"files": [m[0] for m in chunk]} if len(chunk) > 1 else {})}))
    return out
