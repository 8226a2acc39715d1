"""A count read back from the environments already built (`num_envs = int(self._env.num_envs)`) is no new count.

Real shape (autonomous-learning-library v0.7.0..v0.7.1, precision held-out 10, N1): the parallel loop moved into a
vector environment, and `ParallelEnvExperiment.train` (all/experiments/parallel_env_experiment.py:66) now starts with
`num_envs = int(self._env.num_envs)`, the environment built in the constructor from the same `n_envs`: "Environment/
worker count computation changed" (significant). A count handed on under its own name (`num_envs=self.num_envs`) was
already read as forwarded; a conversion (`int`, `float`, `round`) of it is the same number. Negative: a conversion of
another computation (`int(self._env.num_envs * 2)`) or of another name (`int(self.n_cpus)`).
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

RUN = """
import numpy as np


class Experiment:
    def __init__(self, env, preset):
        self._n_envs = preset.n_envs
        self._env = env.duplicate(self._n_envs)
        self._agent = preset.agent()

    def train(self, frames):
        state = self._env.reset(){count}
        for _ in range(frames):
            action = self._agent.act(state)
            state = self._env.step(action)
"""

MAIN = """
import gym

from exp import Experiment
from presets import a2c

if __name__ == "__main__":
    Experiment(gym.make("CartPole-v1"), a2c).train(1000)
"""


def _titles(count: str) -> list[str]:
    result = run_on({"exp.py": RUN.format(count=""), "main.py": MAIN}, {"exp.py": RUN.format(count=count), "main.py": MAIN},
                    only={"env_count"})
    return [f.title for f in result.findings]


def test_a_count_read_back_from_the_environments_is_no_count_change() -> None:
    assert _titles("\n        num_envs = int(self._env.num_envs)\n        returns = np.zeros(num_envs)") == []


def test_a_computation_on_the_count_is_a_count_change() -> None:
    assert _titles("\n        num_envs = int(self._env.num_envs * 2)\n        returns = np.zeros(num_envs)") \
        == ["Environment/worker count computation changed"]


def test_another_name_converted_is_a_count_change() -> None:
    assert _titles("\n        num_envs = int(self.n_cpus)\n        returns = np.zeros(num_envs)") \
        == ["Environment/worker count computation changed"]
