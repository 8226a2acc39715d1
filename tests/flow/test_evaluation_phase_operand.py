"""A condition operand read only in the evaluation phase: in `if self.phase != RunPhase.TEST or X:` the first operand
decides whenever the run trains, so an edit of `X` alone changes evaluation only (flow/evalphase.py). Real shape:
coach ba20396f..2c60cb5a, `Agent.act` / `Agent.handle_episode_ended`, `... or self.ap.task_parameters.evaluate_only:`
-> `... evaluate_only is not None:`, "Behavioural change in the sampling path" (significant, second of its range).
Negatives: the phase operand itself edited, an operand behind a test that holds while training (`phase == TEST or X`
reads X in every training step) and an `and` chain behind a training-phase test stay reported. Also: an index of a
device (`curr_gpu_idx`) is device placement, not sampling."""

from __future__ import annotations

from tests.flow.support import flow_findings

AGENT = """
    import random


    class RunPhase:
        TRAIN = "train"
        TEST = "test"


    class Agent:
        def __init__(self, net, optimizer, evaluate_only=False):
            self.net = net
            self.optimizer = optimizer
            self.phase = RunPhase.TRAIN
            self.evaluate_only = evaluate_only
            self.total_steps = 0
            self.buffer = []

        def act(self, obs):
            if self.phase != RunPhase.TEST or self.evaluate_only:
                self.total_steps += 1
            self.buffer.append(obs)
            return self.net(obs)

        def train(self):
            if self.total_steps % 10 == 0:
                batch = random.sample(self.buffer, 4)
                loss = self.net(batch).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


    if __name__ == "__main__":
        from setup import make
        agent = Agent(*make())
        for obs in range(100):
            agent.act(obs)
            agent.train()
"""
GUARD = "if self.phase != RunPhase.TEST or self.evaluate_only:"


def _titles(candidate: str, base: str = AGENT) -> list[tuple[str, str]]:
    return [(f.severity.value, f.title) for f in flow_findings({"agent.py": base}, {"agent.py": candidate})
            if f.source == "behavioural_change"]


def test_an_operand_read_only_in_the_evaluation_phase_is_no_training_change() -> None:
    cand = AGENT.replace(GUARD, "if self.phase != RunPhase.TEST or self.evaluate_only is not None:")
    assert _titles(cand) == []


def test_the_phase_operand_edited_stays_reported() -> None:
    cand = AGENT.replace(GUARD, "if self.phase == RunPhase.TRAIN and self.evaluate_only:")
    assert any("Agent.act" in t for _, t in _titles(cand)), _titles(cand)


def test_an_operand_read_while_training_stays_reported() -> None:
    # `phase == TEST or X`: X decides in every training step
    base = AGENT.replace(GUARD, "if self.phase == RunPhase.TEST or self.evaluate_only:")
    cand = AGENT.replace(GUARD, "if self.phase == RunPhase.TEST or self.evaluate_only is not None:")
    assert any("Agent.act" in t for _, t in _titles(cand, base)), _titles(cand, base)


def test_an_and_chain_behind_a_training_phase_test_stays_reported() -> None:
    base = AGENT.replace(GUARD, "if self.phase != RunPhase.TEST and self.evaluate_only:")
    cand = AGENT.replace(GUARD, "if self.phase != RunPhase.TEST and self.evaluate_only is not None:")
    assert any("Agent.act" in t for _, t in _titles(cand, base)), _titles(cand, base)
