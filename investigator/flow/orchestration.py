"""Experiment-orchestration code: modules that training code never imports are not the training loop.

Real shape (sample-factory, `sf-mixed-action-split` range): the experiment launcher's
`ParamGrid.generate_params(self, randomize=True)` -> `randomize=False`; with it,
`np.random.permutation(all_combinations)` (a sampling sink by name) no longer shuffles the grid of
hyperparameter combinations that the launcher turns into command lines for separate training runs.
It was "Behavioural change in the sampling path", significant, ranked first above the range's real
regression. The launcher's modules are imported by experiment definitions and by each other, never
by the code that trains.

Rule, by the import graph of one commit (project modules; tests, docs and examples excluded):
*training modules* are the modules that compute a loss (`.backward(`, `jax.value_and_grad(loss_fn`), every module that imports one
of them transitively (runners, entry scripts, a CleanRL-style script), and everything those import
(samplers, environments, buffers, utilities). A changed function whose module is not a training
module, yet is imported by other project modules (so it is not a module loaded only by name at run
time, such as an environment picked from a registry string), and that is itself, is imported
(transitively) by, or shares its package directory with a module outside the training modules that
starts processes (`subprocess.Popen(...)`, `os.system(...)`: sample-factory's
`launcher/run_processes.py` runs each experiment's command line; the experiment definitions reach it
only through `importlib`), runs in processes that do not train: experiment launchers, grid
generators, cluster submission. Its change keeps a finding, low, that says so. An
environment package loaded by name (PufferLib's `pufferlib/environments/minigrid/__init__.py`
importing its `environment.py`) is outside the training modules too, but nothing above it starts a
process: it stays training code. Without any loss module (a JAX project, a library without training code) the rule does
not apply. Imports are read from the text (`import a.b`, `from .x import y`, parenthesised lists);
an import the reading misses makes fewer modules "training", so the rule asks for the positive
evidence that somebody imports the module.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from investigator.scope import _module_candidates
from investigator.trainstep import LOSS_TEXT

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]+))",
                     re.MULTILINE)
_LOSS = LOSS_TEXT
_LAUNCH = re.compile(r"\bsubprocess\.(Popen|run|call|check_call|check_output)\(|\bPopen\(|\bos\.(system|exec\w*|spawn\w*)\(")
_SKIP = re.compile(r"(^|/)(tests?|docs?|examples?|benchmarks?|notebooks?|\.github)/|(^|/)(test_[^/]*|[^/]*_test|"
                   r"conftest)\.py$")


class ImportGraph:
    """Direct imports between the project's Python modules at one commit, and the training modules."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.paths = {p for p in texts if p.endswith(".py") and not _SKIP.search(p)}
        self.edges: dict[str, set[str]] = {p: _imports(p, texts[p], self.paths) for p in self.paths}
        self.importers: dict[str, set[str]] = {}
        for src, targets in self.edges.items():
            for t in targets:
                self.importers.setdefault(t, set()).add(src)
        losses = {p for p in self.paths if _LOSS.search(texts[p])}
        self.launchers = {p for p in self.paths if _LAUNCH.search(texts[p])}
        upstream = _closure(losses, self.importers)
        self.training = _closure(upstream, self.edges) if losses else set()
        self.has_loss = bool(losses)

    def orchestration_only(self, path: str) -> str | None:
        """Why `path` is not a training module (see the module doc), or None."""
        if not self.has_loss or path not in self.paths or path in self.training:
            return None
        importers = sorted(self.importers.get(path, ()))
        if not importers:
            return None  # imported by nobody: may be loaded by name at run time (an environment registry)
        folder = path.rpartition("/")[0]
        near = _closure({path}, self.importers) | {p for p in self.paths if p.rpartition("/")[0] == folder}
        launchers = sorted((near & self.launchers) - self.training)
        if not launchers:
            return None  # nothing above it starts a process: code loaded by name (an environment package)
        shown = ", ".join(f"`{p}`" for p in importers[:3]) + (f" (+{len(importers) - 3} more)" if len(importers) > 3 else "")
        return (f"`{path}` is imported only by {shown}, and neither it nor they import or are imported by the modules "
                f"that compute a loss; `{launchers[0]}` starts processes: it runs where experiments are set up or "
                f"launched, not in the training loop")


def _imports(path: str, text: str, paths: set[str]) -> set[str]:
    out: set[str] = set()
    for dots, module, names, plain in _IMPORT.findall(text):
        targets: list[tuple[str, int]] = []
        if plain:
            for part in plain.split(","):
                name = part.strip().split(" as ")[0].strip()
                pieces = name.split(".")
                targets += [(".".join(pieces[:i]), 0) for i in range(1, len(pieces) + 1) if name]
        else:
            level = len(dots)
            targets.append((module, level))
            for part in names.strip("()").replace("\n", " ").split(","):
                name = part.strip().split(" as ")[0].strip()
                if name and name != "*":
                    targets.append((f"{module}.{name}" if module else name, level))
        for dotted, level in targets:
            if not dotted and not level:
                continue
            out.update(c for c in _module_candidates(path, dotted, level) if c in paths and c != path)
    return out


def _closure(starts: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(starts)
    work = list(starts)
    while work:
        for nxt in edges.get(work.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                work.append(nxt)
    return seen


_GRAPHS: weakref.WeakKeyDictionary[Any, ImportGraph] = weakref.WeakKeyDictionary()


def import_graph(side: Any) -> ImportGraph:
    """The import graph of a side index (`detectors.pairs.SideIndex`), built once."""
    graph = _GRAPHS.get(side)
    if graph is None:
        graph = ImportGraph(side.texts())
        _GRAPHS[side] = graph
    return graph
