"""Advantages handed to the trainer under a field name, through a queue the flow cannot follow.

Real shape (PipelineRL 67654d79..a77dbd72, pipelinerl/finetune/rl/__init__.py:467, precision held-out 18, used):
`populate_rl_data` computes each sample's advantage in a nested `calculate_advantages(row)` applied over a data
frame (`df.apply(calculate_advantages, axis=1)`); the group-mean baseline became the leave-one-out mean
`(group_sum - r_i) / (n - 1)`. The advantages are written back into the records with `for i, entry in
enumerate(dataset): entry["advantages"] = advantages_list[i]`, the records go out on the preprocessor's
`output_queue.put(...)`, and the trainer's `rl_step` reads `advantages = batch.advantages[:, 1:]` into the policy
loss. Filed low at #16 / #21: "no statement that uses its value was found" / "could not be followed to training".

Negatives: a field the trainer never reads keeps the stop (low); a value only stored into a metrics dict that is
logged stays logging; a loop over a container whose target is rebound writes nothing into the items.
"""

from __future__ import annotations

from investigator.flow.units import units_of
from tests.flow.support import flow_result, pair_index

PREPROCESS = """
    import numpy as np
    import pandas as pd


    def populate_rl_data(dataset, config):
        df = pd.DataFrame(dataset)
        grouped = df.groupby("group_id").agg(reward_sum=("reward", "sum"), reward_count=("reward", "count"),
                                             reward_std=("reward", "std")).reset_index()
        df = pd.merge(df, grouped, on="group_id", how="left")

        def calculate_advantages(row):
            {baseline}
            return (row["reward"] - mean) / (np.nan_to_num(row["reward_std"]) + 1e-4)

        df["{field}"] = df.apply(calculate_advantages, axis=1)
        values = df["{field}"].tolist()
        for i, entry in enumerate(dataset):
            entry["{field}"] = values[i]
        return dataset


    def run_preprocessing_loop(reader, output_queue, config):
        for chunk in reader.read():
            dataset = populate_rl_data(chunk, config)
            output_queue.put(dataset)
"""

GROUP_MEAN = 'mean = row["reward_sum"] / row["reward_count"]'
LEAVE_ONE_OUT = 'mean = (row["reward_sum"] - row["reward"]) / (row["reward_count"] - 1)'

TRAINER = """
    import torch


    def rl_step(model, batch, optimizer):
        logprobs = model(batch.input_ids)
        advantages = batch.advantages[:, 1:]
        loss = -(logprobs[:, :-1] * advantages).mean()
        loss.backward()
        optimizer.step()
"""


def _findings(field: str = "advantages", trainer: str = TRAINER):
    files = [{"preprocess.py": PREPROCESS.replace("{baseline}", b).replace("{field}", field), "trainer.py": trainer}
             for b in (GROUP_MEAN, LEAVE_ONE_OUT)]
    result = flow_result(files[0], files[1])
    return result


def test_an_advantage_field_read_by_the_loss_past_a_queue_is_significant() -> None:
    result = _findings()
    hits = [f for f in result.findings if "calculate_advantages" in f.title]
    assert hits and hits[0].severity.value == "significant", [(f.severity.value, f.title) for f in result.findings]
    assert "advantage" in hits[0].title
    assert "`advantages`" in hits[0].rationale and "batch.advantages" in hits[0].rationale


def test_a_field_no_training_code_reads_keeps_the_stop() -> None:
    """The same records stored under a field only a dashboard reads: the flow stopped, nothing reads it in training."""
    result = _findings(field="adv_debug")
    hits = [f for f in result.findings if "calculate_advantages" in f.title]
    assert all(f.severity.value == "low" for f in hits), [(f.severity.value, f.title) for f in hits]
    assert not any("read" in f.rationale and "by name" in f.rationale for f in hits)


def test_a_field_read_only_for_logging_by_the_trainer_keeps_the_stop() -> None:
    logged = """
        import logging


        def rl_step(model, batch, optimizer):
            logging.info("mean advantage %s", batch.advantages.mean())
            loss = model(batch.input_ids).mean()
            loss.backward()
            optimizer.step()
    """
    result = _findings(trainer=logged)
    hits = [f for f in result.findings if "calculate_advantages" in f.title]
    assert all(f.severity.value == "low" for f in hits), [(f.severity.value, f.title) for f in hits]


LOOPS = """
    def write_back(dataset, values):
        for i, entry in enumerate(dataset):
            entry["advantages"] = values[i]
        return dataset


    def rebound(dataset, values):
        for entry in dataset:
            entry = {"advantages": values}
        return dataset


    def zipped(keys, dataset, values):
        for key, entry in zip(keys, dataset):
            entry[key] = values
        return dataset
"""


def test_a_store_through_a_loop_target_writes_the_walked_container() -> None:
    index = pair_index({"m.py": LOOPS}, {"m.py": LOOPS})
    module = index.cand.module("m.py")
    assert module is not None
    defs = {name: [u.defs for u in units_of(module.functions[name])] for name in ("write_back", "rebound", "zipped")}
    assert any("dataset" in d and "entry" in d for d in defs["write_back"])
    # `entry = {...}` rebinds the target: the container's items are untouched
    assert not any("dataset" in d and "entry" in d for d in defs["rebound"])
    assert any("dataset" in d and "entry" in d for d in defs["zipped"])
