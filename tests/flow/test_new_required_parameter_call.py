"""A call that only passes a parameter its callee gains without a default is the callee's change, not its own.

Real shape (BenchMARL 1.3.0..1.4.0): `MeltingPotTask.get_replay_buffer_transforms(self, env)` became
`(self, env, group)` (one group's keys instead of every group's) and `Experiment._setup_algorithm`'s
`{group: ...get_replay_buffer_transforms(self.test_env) for group in ...}` passed `group`: two significant
"sampling path" findings for one edit, the caller's at #3. Now the caller is low with the reason and the
callee keeps its finding. Negatives: a value for a parameter the callee already had, and one for a new
parameter with a default (an option the callee alone would run as before), stay significant changes."""

from __future__ import annotations

from tests.flow.support import flow_findings

TASK = """
class Task:
    def transforms(self, env{params}):
        return [Cast(keys={keys})]
"""

EXPERIMENT = """
from task import Task


class Experiment:
    def __init__(self, env):
        self.env = env
        self.task = Task()
        self.buffers = {{g: Buffer(transforms=self.task.transforms(self.env{args})) for g in env.groups}}

    def train(self, policy, optimizer):
        for g, buffer in self.buffers.items():
            batch = buffer.sample()
            loss = ((policy(batch.obs) - batch.target) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


MAIN = """
from experiment import Experiment

if __name__ == "__main__":
    Experiment(make_env()).train(make_policy(), make_optimizer())
"""


EVERY = '["rgb", *[(g, "obs") for g in env.groups]]'
ONE = '["rgb", (group, "obs")]'


def _severities(params: str, keys: str, args: str, base_params: str = "", base_args: str = "") -> dict[str, str]:
    base = {"task.py": TASK.format(params=base_params, keys=EVERY), "experiment.py": EXPERIMENT.format(args=base_args),
            "main.py": MAIN}
    cand = {"task.py": TASK.format(params=params, keys=keys), "experiment.py": EXPERIMENT.format(args=args),
            "main.py": MAIN}
    return {f.title: f.severity.value for f in flow_findings(base, cand)}


def _of(found: dict[str, str], name: str) -> str:
    hits = [s for t, s in found.items() if name in t]
    assert len(hits) == 1, found
    return hits[0]


def test_a_call_passing_a_new_required_parameter_is_low_and_the_callee_keeps_its_finding() -> None:
    found = _severities(", group", ONE, ", g")
    assert _of(found, "Experiment.__init__") == "low", found
    assert _of(found, "Task.transforms") == "significant", found


def test_a_value_for_a_parameter_the_callee_had_is_a_change() -> None:
    found = _severities(", group=None", ONE, ", g", base_params=", group=None")
    assert _of(found, "Experiment.__init__") == "significant", found


def test_a_value_for_a_new_option_with_a_default_is_a_change() -> None:
    found = _severities(", group=None", ONE, ", g")
    assert _of(found, "Experiment.__init__") == "significant", found
