"""A re-valued parameter default named for a learning role, that some call takes, is a hyperparameter change.

Real shape (rljax d74ae7a6..2de183a6): rljax/algorithm/slac.py:29-33 `SLAC.__init__(..., buffer_size=50000 -> 10 ** 5,
..., initial_learning_steps=50 -> 50000)`; examples/dm_control/train_slac.py builds `SLAC(...)` without either
keyword. The buffer size is handed to a buffer class and the step count is read by a trainer of another module: the
flow stopped and the change was filed as "its values reach no loss, target, ...". Negatives: every call passes the
parameter (the default is never used), the parameter's name has no learning role, no call of the class is found.
"""

from __future__ import annotations

from tests.flow.support import flow_result

ALGO = '''
class ReplayBuffer:
    def __init__(self, size):
        self.size = size


class SLAC:
    def __init__(self, seed, buffer_size=50000, initial_learning_steps=50, log_prefix="slac"):
        self.seed = seed
        self.buffer = ReplayBuffer(size=buffer_size)
        self.initial_learning_steps = initial_learning_steps
        self.log_prefix = log_prefix
'''

TRAINER = '''
class Trainer:
    def __init__(self, algo):
        self.algo = algo

    def train(self):
        for _ in range(self.algo.initial_learning_steps):
            self.algo.update_model()
'''

RUN = '''
from algo.slac import SLAC
from algo.trainer import Trainer


def run(seed):
    algo = SLAC(seed{passed})
    Trainer(algo).train()


if __name__ == "__main__":
    run(0)
'''


def _result(old: str, new: str, passed: str = "", run: str | None = None) -> tuple[list, list]:
    base = {"algo/__init__.py": "", "algo/slac.py": ALGO, "algo/trainer.py": TRAINER,
            "train_slac.py": (run if run is not None else RUN).replace("{passed}", passed)}
    cand = dict(base)
    cand["algo/slac.py"] = ALGO.replace(old, new)
    assert cand["algo/slac.py"] != ALGO
    result = flow_result(base, cand)
    return result.findings, result.no_effect


def test_a_buffer_size_default_a_run_takes_is_a_significant_finding() -> None:
    findings, _ = _result("buffer_size=50000, initial_learning_steps=50",
                          "buffer_size=10 ** 5, initial_learning_steps=50000")
    found = [f for f in findings if "SLAC.__init__" in f.title]
    assert found, [f.title for f in findings]
    title = found[0].title
    assert "buffer_size" in title and "50000 -> 10 ** 5" in title, title
    assert "initial_learning_steps" in title and "50 -> 50000" in title, title
    assert found[0].severity.value == "significant", found[0]
    assert "train_slac.py" in found[0].rationale, found[0].rationale
    assert found[0].locations[0].path == "algo/slac.py"


def test_a_default_every_call_passes_stays_no_effect() -> None:
    findings, no_effect = _result("buffer_size=50000", "buffer_size=10 ** 5", passed=", buffer_size=1000")
    assert not [f for f in findings if "SLAC.__init__" in f.title], [f.title for f in findings]
    assert any("SLAC.__init__" in n.title for n in no_effect), [n.title for n in no_effect]


def test_a_default_passed_by_position_stays_no_effect() -> None:
    findings, _ = _result("buffer_size=50000", "buffer_size=10 ** 5", passed=", 1000")
    assert not [f for f in findings if "SLAC.__init__" in f.title], [f.title for f in findings]


def test_a_default_without_a_learning_role_stays_no_effect() -> None:
    findings, no_effect = _result('log_prefix="slac"', 'log_prefix="slac-v2"')
    assert not [f for f in findings if "SLAC.__init__" in f.title], [f.title for f in findings]


def test_a_default_of_a_class_no_call_constructs_is_no_finding() -> None:
    findings, _ = _result("buffer_size=50000", "buffer_size=10 ** 5",
                          run="from algo.trainer import Trainer\n\nif __name__ == '__main__':\n    Trainer(None).train()\n")
    assert not [f for f in findings if "Hyperparameter default" in f.title], [f.title for f in findings]



def test_a_default_the_function_never_reads_is_no_finding() -> None:
    algo = ALGO.replace('log_prefix="slac"):', 'log_prefix="slac", gamma=0.99):')
    base = {"algo/__init__.py": "", "algo/slac.py": algo, "algo/trainer.py": TRAINER,
            "train_slac.py": RUN.replace("{passed}", "")}
    cand = dict(base)
    cand["algo/slac.py"] = algo.replace("gamma=0.99", "gamma=0.9")
    findings = flow_result(base, cand).findings
    assert not [f for f in findings if "Hyperparameter default" in f.title], [f.title for f in findings]
