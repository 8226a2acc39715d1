"""An inverted branch test is a known edit, also when the function's other changes only reorder statements.
Real shape: MARL-Algorithms 78658f0 (bug re-applied), runner.py:84 `Runner.run`: `if alg.find('coma') > -1 or
...` (the on-policy algorithms) became `== -1 or ...`, true for every algorithm; merged with the in-between
reordering of the same loop it was low (rank 24)."""

from __future__ import annotations

import ast

from investigator.flow.edits import known_edit
from tests.flow.support import flow_findings

RUNNER = """
    class Runner:
        def run(self, n_epochs):
            train_steps = 0
            for epoch in range(n_epochs):
                episode = self.worker.generate_episode(epoch)
                if self.alg.find("coma") > -1 or self.alg.find("reinforce") > -1:
                    self.agents.train(episode, epoch)
                    train_steps += 1
                else:
                    self.buffer.store_episode(episode)
                    batch = self.buffer.sample(self.batch_size)
                    self.agents.train(batch, epoch)
                    train_steps += 1
                if epoch % self.evaluate_cycle == 0:
                    win_rate, episode_reward = self.evaluate(self.agents, train_steps)
                    self.win_rates.append(win_rate)


    def main(args):
        Runner().run(args.n_epochs)
"""


def _titles(cand: str) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in flow_findings({"runner.py": RUNNER}, {"runner.py": cand})]


def test_inverted_on_policy_test_is_a_known_edit() -> None:
    cand = RUNNER.replace('find("coma") > -1 or self.alg.find("reinforce") > -1',
                          'find("coma") == -1 or self.alg.find("reinforce") == -1')
    found = _titles(cand)
    assert any(t.startswith("significant: Branch test inverted in the") for t in found), found


def test_other_comparison_stays_anonymous() -> None:
    cand = RUNNER.replace('find("coma") > -1', 'find("qmix") > -1')
    assert not any("inverted" in t for t in _titles(cand))


def test_inverted_shapes() -> None:
    def edit(a: str, b: str) -> str | None:
        return known_edit([ast.parse(a).body[0].value], [ast.parse(b).body[0].value])  # type: ignore[attr-defined]

    assert edit("x == k", "x != k")
    assert edit("x > k", "x <= k")
    assert edit("a not in b", "a in b")
    assert edit("s.find('c') > -1", "s.find('c') == -1")
    assert not edit("s.find('c') >= -1", "s.find('c') == -1")
    assert not edit("x > k", "x < k")  # the direction reversed: no complement
    assert not edit("x == k", "x != j")

