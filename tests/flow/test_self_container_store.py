"""A store into an element of an attribute (`self.x[i] = v`) changes the container `self.x`, as
`self.x.append(v)` does: the flow follows it to the methods that read `self.x`. Before, such a store
defined only `self`, the search ended without a sink, and the finding kept its severity.

Real shape (HARL, a runner refactor): `insert()` gained per-environment episode-return accumulators,
`self.done_episodes_rewards.append(self.train_episode_rewards[i])` and `self.train_episode_rewards[i] = 0`
where an environment finished, printed and written to a log file as the average episode reward in
`run()`. The GAE-index detector read the `[i]` accesses of `*_rewards` as "Time indexing changed in the
return computation" (significant).
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

RUNNER = """
import numpy as np


class Runner:
    def __init__(self, envs, buffer, algo, n_threads, log_file):
        self.envs = envs
        self.buffer = buffer
        self.algo = algo
        self.n_threads = n_threads
        self.log_file = log_file
        self.train_episode_rewards = np.zeros(n_threads)
        self.done_episodes_rewards = []
        self.returns = np.zeros(16)

    def insert(self, rewards, dones):
        reward_env = np.mean(rewards, axis=1)
        self.buffer.add(rewards, dones)
        for i in range(self.n_threads):
            if dones[i]:
                pass

    def train(self):
        batch = self.buffer.sample()
        self.algo.update(batch)

    def run(self, steps):
        obs = self.envs.reset()
        for step in range(steps):
            obs, rewards, dones = self.envs.step(self.algo.act(obs))
            self.insert(rewards, dones)
            self.train()
            if len(self.done_episodes_rewards) > 0:
                aver = np.mean(self.done_episodes_rewards)
                print("average episode reward", aver)
                self.log_file.write(str(aver))
                self.done_episodes_rewards = []
"""

ACCUMULATED = RUNNER.replace(
    "        self.buffer.add(rewards, dones)\n        for i in range(self.n_threads):\n            if dones[i]:\n"
    "                pass\n",
    "        self.train_episode_rewards += reward_env\n"
    "        self.buffer.add(rewards, dones)\n        for i in range(self.n_threads):\n            if dones[i]:\n"
    "                self.done_episodes_rewards.append(self.train_episode_rewards[i])\n"
    "                self.train_episode_rewards[i] = 0\n",
)


def _gae_index(base: str, cand: str) -> tuple[list, list]:
    result = run_on({"runner.py": base}, {"runner.py": cand}, only={"gae_index"})
    return result.findings, result.no_effect


def test_episode_return_accumulators_stored_by_element_reach_only_logging() -> None:
    assert ACCUMULATED != RUNNER
    findings, no_effect = _gae_index(RUNNER, ACCUMULATED)
    assert not findings, [(f.title, f.severity) for f in findings]
    assert no_effect and "logging" in no_effect[0].reason


def test_an_element_store_alone_is_followed_to_the_logging_that_reads_the_container() -> None:
    """Only `self.train_episode_rewards[i] = 0` added: the store itself is the changed statement."""
    base = RUNNER.replace('print("average episode reward", aver)',
                          'print("average episode reward", aver, self.train_episode_rewards.max())')
    cand = base.replace("            if dones[i]:\n                pass\n",
                        "            if dones[i]:\n                self.train_episode_rewards[i] = 0\n")
    assert cand != base
    findings, no_effect = _gae_index(base, cand)
    assert not findings, [(f.title, f.severity) for f in findings]
    assert no_effect and "logging" in no_effect[0].reason


def test_a_hit_whose_other_statement_is_on_the_learning_signal_is_still_a_finding() -> None:
    """Every differing statement of a hit is judged, not only the one the finding shows: the logged
    accumulator beside a return recursion whose result the buffer keeps."""
    cand = ACCUMULATED.replace(
        "                self.train_episode_rewards[i] = 0\n",
        "                self.train_episode_rewards[i] = 0\n"
        "        for t in range(15):\n"
        "            self.returns[t] = rewards[t] + 0.99 * self.returns[t + 1]\n"
        "        self.buffer.add_returns(self.returns)\n",
    )
    findings, _ = _gae_index(RUNNER, cand)
    assert [f.title for f in findings] == ["Time indexing changed in the return computation"]
