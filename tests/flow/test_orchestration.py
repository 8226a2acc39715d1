"""Experiment-launcher code that no training module imports is not the training loop's sampling path.

Real shape (sample-factory, within the `sf-mixed-action-split` benchmark range): the launcher's
`ParamGrid.generate_params(self, randomize=True)` -> `randomize=False`; the permutation of the
hyperparameter grid (`np.random.permutation`, a sampling sink by name) only orders the command lines
the launcher starts. It was "Behavioural change in the sampling path", significant, the first finding
above the range's real regression. Negatives: the same grid imported by the training code, and a
module nobody imports (loaded by name at run time, such as an environment from a registry).
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.flow.orchestration import ImportGraph
from investigator.models import Finding, Severity
from tests.flow.test_equivalence import _index

GRID = """
import numpy as np


class ParamGrid:
    def __init__(self, grid):
        self.grid = grid

    def generate_params(self, randomize={default}):
        combinations = [[v] for values in self.grid.values() for v in values]
        if randomize:
            combinations = np.random.permutation(combinations)
        for combination in combinations:
            yield dict(zip(self.grid, combination))
"""
RUN = """
import subprocess
from launcher.grid import ParamGrid


def launch(base_cmd, grid):
    for params in ParamGrid(grid).generate_params():
        subprocess.Popen(base_cmd + " " + " ".join(f"--{k}={v}" for k, v in params.items()), shell=True)
"""
EXPERIMENT = """
from launcher.grid import ParamGrid

_params = ParamGrid({"seed": [1, 2, 3]})
EXPERIMENTS = list(_params.generate_params())
"""
TRAIN = """
import torch
from buffer import Buffer


def train(model, optimizer, data, steps):
    buffer = Buffer(data)
    for _ in range(steps):
        batch = buffer.sample(64)
        loss = model(batch).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
BUFFER = """
import numpy as np


class Buffer:
    def __init__(self, data):
        self.data = data

    def sample(self, n):
        idx = np.random.permutation(len(self.data))[:n]
        return self.data[idx]
"""


def _tree(default: str, train: str = TRAIN) -> dict[str, str]:
    return {"launcher/__init__.py": "", "launcher/grid.py": GRID.format(default=default), "launcher/run.py": RUN,
            "experiments/atari.py": EXPERIMENT, "train.py": train, "buffer.py": BUFFER}


def _grid_findings(base: dict[str, str], cand: dict[str, str]) -> list[Finding]:
    return [f for f in analyse(_index(base, cand)).findings if any(loc.path == "launcher/grid.py" for loc in f.locations)]


def test_launcher_grid_that_training_never_imports_is_low_and_named_for_what_it_is() -> None:
    found = _grid_findings(_tree("True"), _tree("False"))
    assert found, "still reported, never silent"
    assert all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    assert "experiment-orchestration" in found[0].title
    assert "`launcher/run.py`" in found[0].rationale and "not in the training loop" in found[0].rationale


def test_the_same_grid_imported_by_training_code_stays_significant() -> None:
    train = "from launcher.grid import ParamGrid\n" + TRAIN.replace(
        "    buffer = Buffer(data)\n", "    buffer = Buffer(data)\n    order = list(ParamGrid({'i': [1, 2]}).generate_params())\n"
        "    data = data[order[0]['i']]\n")
    found = _grid_findings(_tree("True", train), _tree("False", train))
    assert any(f.severity is Severity.significant for f in found), [(f.title, f.severity) for f in found]
    assert all("orchestration" not in f.title for f in found)


def test_import_graph_leaves_modules_nobody_imports_and_training_modules_alone() -> None:
    texts = {**_tree("True"), "envs/registered_by_name.py": BUFFER}
    graph = ImportGraph(texts)
    assert graph.orchestration_only("launcher/grid.py")
    assert graph.orchestration_only("envs/registered_by_name.py") is None  # imported by nobody
    assert graph.orchestration_only("buffer.py") is None  # imported by the module with the loss
    assert graph.orchestration_only("train.py") is None
    # an environment package loaded by name: imported by its `__init__`, nothing above starts a process
    env = {**texts, "envs/minigrid/__init__.py": "from .environment import make\n",
           "envs/minigrid/environment.py": "def make(name):\n    return name\n"}
    assert ImportGraph(env).orchestration_only("envs/minigrid/environment.py") is None
    assert ImportGraph({**env, "launcher/run.py": RUN.replace("subprocess.Popen", "print")}).orchestration_only(
        "launcher/grid.py") is None
    # the launcher that starts processes reaches the grid only by name (importlib), from the same package
    by_name = {**env, "launcher/run.py": RUN.replace("from launcher.grid import ParamGrid", "import importlib")}
    assert ImportGraph(by_name).orchestration_only("launcher/grid.py")
    # without any loss in the project the rule does not apply
    assert ImportGraph({k: v.replace(".backward(", ".step(") for k, v in texts.items()}).orchestration_only(
        "launcher/grid.py") is None
