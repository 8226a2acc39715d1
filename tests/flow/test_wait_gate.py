"""A polling wait removed before sampling: the rollouts run ahead of the trainer's weights.

Real shape (RLinf a4b6abe2..8aa19aae, rlinf/workers/rollout/hf/async_huggingface_worker.py:80, precision held-out 18,
used): `AsyncMultiStepRolloutWorker._generate` (coupled mode) drops `await self.wait_if_stale()` before
`for _ in range(self.rollout_epoch): await self.generate_one_epoch(...)`; `wait_if_stale` loops `while True:` over a
version-based capacity, `break`s within it and `await asyncio.sleep(0.01)` otherwise. Filed as "reach no loss" (and
its only seat was a mis-described worker-count hit). Negatives: a removed call of a function that sleeps without a
condition or stores state is not a wait gate; a wait before statements that reach no sink stays quiet.
"""

from __future__ import annotations

from tests.flow.support import flow_result

WORKER = """
    import asyncio

    import torch


    class RolloutWorker:
        def __init__(self, policy, buffer, threshold):
            self.policy = policy
            self.buffer = buffer
            self.threshold = threshold
            self.version = 0
            self.finished = 0
            self.rollout_epoch = 2

        async def _generate(self, env):
            while True:
                {gate}
                for _ in range(self.rollout_epoch):
                    await self.{after}(env)
                self.finished += 1

        async def wait_if_stale(self):
            while True:
                if self.finished <= self.threshold + self.version:
                    break
                await asyncio.sleep(0.01)

        async def note_progress(self):
            self.progress = self.finished
            await asyncio.sleep(0.01)

        async def generate_one_epoch(self, env):
            obs = env.reset()
            logits = self.policy(obs)
            action = torch.distributions.Categorical(logits=logits).sample()
            obs, reward, done, info = env.step(action)
            self.buffer.add(obs, action, reward)

        async def heartbeat(self, env):
            print("alive", self.finished)
"""

MAIN = """
    import asyncio

    from worker import RolloutWorker


    def main(policy, buffer, env):
        worker = RolloutWorker(policy, buffer, threshold=1)
        asyncio.run(worker._generate(env))


    if __name__ == "__main__":
        main(None, None, None)
"""


def _result(gate: str, after: str = "generate_one_epoch"):
    removed = WORKER.replace("                {gate}\n", "")
    files = [{"worker.py": w.replace("{gate}", gate).replace("{after}", after), "main.py": MAIN}
             for w in (WORKER, removed)]
    return flow_result(files[0], files[1])


def test_a_removed_staleness_wait_before_sampling_is_a_sampling_change() -> None:
    result = _result("await self.wait_if_stale()")
    hits = [f for f in result.findings if "_generate" in f.title]
    assert hits and hits[0].severity.value == "significant", \
        ([f.title for f in result.findings], [n.title for n in result.no_effect])
    assert "polling loop" in hits[0].rationale and "wait_if_stale" in hits[0].rationale


def test_a_removed_call_that_stores_state_is_no_wait_gate() -> None:
    result = _result("await self.note_progress()")
    assert not [f for f in result.findings if "_generate" in f.title and "polling loop" in f.rationale]


def test_a_wait_before_statements_that_reach_nothing_stays_quiet() -> None:
    result = _result("await self.wait_if_stale()", after="heartbeat")
    assert not [f for f in result.findings if "_generate" in f.title and f.severity.value == "significant"], \
        [f.title for f in result.findings]


def test_a_deadline_on_the_clock_is_no_wait_gate() -> None:
    """lerobot 59ab2862..e6f95674 src/lerobot/utils/robot_utils.py `precise_sleep`: `while True: remaining = end -
    time.perf_counter(); if remaining <= 0: break; time.sleep(...)` paces a control loop, it waits for nobody."""
    delay = WORKER.replace('''        async def wait_if_stale(self):
            while True:
                if self.finished <= self.threshold + self.version:
                    break
                await asyncio.sleep(0.01)''', '''        async def wait_if_stale(self):
            end = time.perf_counter() + 0.01
            while True:
                if time.perf_counter() >= end:
                    break
                await asyncio.sleep(0.001)''').replace("import asyncio\n", "import asyncio\n    import time\n", 1)
    removed = delay.replace("                {gate}\n", "")
    files = [{"worker.py": w.replace("{gate}", "await self.wait_if_stale()").replace("{after}", "generate_one_epoch"),
              "main.py": MAIN} for w in (delay, removed)]
    result = flow_result(files[0], files[1])
    assert not [f for f in result.findings if "polling loop" in f.rationale], [f.title for f in result.findings]
