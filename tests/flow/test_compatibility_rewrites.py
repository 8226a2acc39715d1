"""Version-compatibility rewrites that compute the same values (flow/guardedkw.py, flow/asyncloop.py). Real shapes:
ms-swift 302b074d..3602360a, `get_packed_seq_params` moved `total_tokens=position_ids.numel()` out of
`PackedSeqParams(...)` into `if hasattr(packed, 'total_tokens'): packed.total_tokens = position_ids.numel()`
("Behavioural change in the optimizer path", significant, first of its range), and
`TransformersEngine.infer_async` (a coroutine) queued `asyncio.get_running_loop()` instead of
`asyncio.get_event_loop()` (sampling path, significant, second). Negatives: a different value stored under the guard,
a keyword dropped with no store, and the loop getter swapped outside a coroutine stay reported."""

from __future__ import annotations

import asyncio

from tests.flow.support import flow_findings

PACKED = """
    import torch


    class PackedSeqParams:
        def __init__(self, cu_seqlens, qkv_format="thd", total_tokens=None):
            self.cu_seqlens = cu_seqlens
            self.qkv_format = qkv_format
            self.total_tokens = total_tokens


    def get_packed_seq_params(position_ids):
        cu_seqlens = torch.nonzero(position_ids == 0).flatten()
        packed = PackedSeqParams(cu_seqlens, qkv_format="thd", total_tokens=position_ids.numel())
        return packed


    def train_step(model, optimizer, batch):
        packed = get_packed_seq_params(batch["position_ids"])
        loss = model(batch["input_ids"], packed_seq_params=packed).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    if __name__ == "__main__":
        from setup import make
        model, optimizer, batches = make()
        for batch in batches:
            train_step(model, optimizer, batch)
"""
BUILT = '        packed = PackedSeqParams(cu_seqlens, qkv_format="thd", total_tokens=position_ids.numel())\n'


def _guarded(value: str = "position_ids.numel()") -> str:
    return PACKED.replace(BUILT, '        packed = PackedSeqParams(cu_seqlens, qkv_format="thd")\n'
                                 "        if hasattr(packed, 'total_tokens'):\n"
                                 f"            packed.total_tokens = {value}\n")


ENGINE = """
    import asyncio


    class Engine:
        def __init__(self, model, optimizer, queue):
            self.model = model
            self.optimizer = optimizer
            self._queue = queue

        {async_}def infer_async(self, request):
            queue = asyncio.Queue()
            self._queue.put((request, (queue, asyncio.get_event_loop())))
            return queue

        def train(self, prompts):
            self.infer_async(prompts)
            request, (queue, loop) = self._queue.get()
            samples = self.model.sample(request, loop)
            loss = self.model.loss(samples)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


    if __name__ == "__main__":
        from setup import make
        model, optimizer, queue, prompts = make()
        Engine(model, optimizer, queue).train(prompts)
"""


def _titles(base: str, cand: str, path: str) -> list[tuple[str, str]]:
    return [(f.severity.value, f.title) for f in flow_findings({path: base}, {path: cand})
            if f.source == "behavioural_change"]


def test_a_keyword_moved_into_a_hasattr_guarded_store_is_no_change() -> None:
    assert _titles(PACKED, _guarded(), "utils.py") == []


def test_a_different_value_stored_under_the_guard_stays_reported() -> None:
    titles = _titles(PACKED, _guarded("position_ids.numel() * 2"), "utils.py")
    assert any("get_packed_seq_params" in t for _, t in titles), titles


def test_a_keyword_dropped_without_a_store_stays_reported() -> None:
    cand = PACKED.replace(BUILT, '        packed = PackedSeqParams(cu_seqlens, qkv_format="thd")\n')
    titles = _titles(PACKED, cand, "utils.py")
    assert any("get_packed_seq_params" in t for _, t in titles), titles


def test_the_running_loop_spelled_either_way_in_a_coroutine_is_no_change() -> None:
    base = ENGINE.replace("{async_}", "async ")
    cand = base.replace("asyncio.get_event_loop()", "asyncio.get_running_loop()")
    assert _titles(base, cand, "engine.py") == []


def test_the_loop_getter_swapped_outside_a_coroutine_stays_reported() -> None:
    base = ENGINE.replace("{async_}", "")
    cand = base.replace("asyncio.get_event_loop()", "asyncio.get_running_loop()")
    titles = _titles(base, cand, "engine.py")
    assert any("infer_async" in t for _, t in titles), titles


def test_the_two_getters_return_the_same_loop_inside_a_coroutine() -> None:
    async def both() -> bool:
        return asyncio.get_event_loop() is asyncio.get_running_loop()

    assert asyncio.run(both())
