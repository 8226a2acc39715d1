"""A reward callable's returned tensor is the reward, even when its score is also printed.

Real shape (hiyouga/EasyR1 bfeb4d5, verl/workers/reward/custom.py:57 `CustomRewardManager.__call__`, held-out 9
`easyr1-reward-scores-prompt-and-response`, used): `score = self.compute_score(response_str, ground_truth)` ->
`self.compute_score(sequences_str, ground_truth)` (prompt + response scored), then `reward_tensor[i, last] = score`,
`print("[score]", score)` and `return reward_tensor`. The manager is built in `main.py` and called as
`self.reward_fn(batch)` by a trainer that receives it, so no caller of `__call__` is found: the print was the only
sink seen and the bug was filed under "its values reach only logging". Negatives: a value that is only printed
stays logging; a callable whose class is not named for a learning quantity (a progress meter) keeps the stop.
"""

from __future__ import annotations

from tests.flow.support import flow_result

MANAGER = """
    import torch


    class {cls}:
        def __init__(self, tokenizer, compute_score):
            self.tokenizer = tokenizer
            self.compute_score = compute_score

        def __call__(self, data):
            out = torch.zeros_like(data["responses"], dtype=torch.float32)
            for i in range(len(data["responses"])):
                prompt_ids = data["prompts"][i]
                response_ids = data["responses"][i]
                text = self.tokenizer.decode(torch.cat((prompt_ids, response_ids)))
                response_str = self.tokenizer.decode(response_ids)
                score = self.compute_score({scored}, data["answer"][i])
                {store}
                print("[score]", score)
            return out
"""

MAIN = """
    from manager import {cls}


    def main(tokenizer, compute_score, trainer_cls):
        fn = {cls}(tokenizer, compute_score)
        trainer = trainer_cls(reward_fn=fn)
        trainer.fit()


    if __name__ == "__main__":
        main(None, None, None)
"""


def _titles(cls: str, store: str = "out[i, -1] = score") -> list[str]:
    files = [{"manager.py": MANAGER.format(cls=cls, scored=scored, store=store), "main.py": MAIN.format(cls=cls)}
             for scored in ("response_str", "text")]
    result = flow_result(files[0], files[1])
    return [f"{f.severity.value}: {f.title}" for f in result.findings]


def test_the_score_written_into_a_reward_managers_returned_tensor_is_the_reward_path() -> None:
    titles = _titles("CustomRewardManager")
    assert any("reward path" in t and "CustomRewardManager.__call__" in t for t in titles), titles


def test_a_score_that_is_only_printed_stays_logging() -> None:
    assert _titles("CustomRewardManager", store="pass") == []


def test_a_callable_not_named_for_a_learning_quantity_keeps_the_stop() -> None:
    titles = _titles("ProgressMeter")
    assert not any("reward path" in t for t in titles), titles
