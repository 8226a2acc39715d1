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
from collections.abc import Callable, Iterable

from investigator.models import Finding, NoEffectChange
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


def import_closure(starts: Iterable[str], exists: Callable[[str], bool],
                   parse: Callable[[str], ast.Module | None]) -> set[str]:
    """Python files of the repository that `starts` import, transitively (what the entry imports)."""
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
