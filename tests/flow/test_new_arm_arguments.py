"""An argument added to a call for a new parameter of the callee that only a new `match` arm reads changes no run the
baseline could make: a run that selects the new arm runs new code, reported in the callee.

Real shape (PipelineRL 67654d79..a77dbd72, `pipelinerl/finetune_loop.py:681`, precision held-out 18, noise class N2,
significant #3): `rl_step(..., rl_config)` became `rl_step(..., rl_config, seq_parallel_group=seq_parallel_group)`;
`rl_step` gained `seq_parallel_group=None`, read only under the new `case "gspo":` of `match config.policy_loss:`.
Negatives: the parameter also read outside the new arm, an arm the baseline had, a value the baseline's function
spells elsewhere."""

from __future__ import annotations

from tests.flow.support import flow_findings

RL = """
    import torch


    def rl_step(model, batch, config, stats{param}):
        ratio = model(batch["obs"]) / batch["old"]
{stats}
        match config.policy_loss:
            case "ppo":
                loss = -torch.min(ratio * batch["adv"], torch.clamp(ratio, 0.8, 1.2) * batch["adv"])
            case "reinforce":
                loss = -ratio.detach() * batch["adv"]{reinforce}
{arm}
            case _:
                raise ValueError(config.policy_loss)
        return loss.mean(){tail}
"""
# a callee too large to inline into its caller (rl_step is 200 lines): the caller's statement is compared as a call
STATS = "\n".join(f'        stats["s{i}"] = ratio.mean().item() * {i}' for i in range(64))
GSPO = """            case "gspo":
                loss = -torch.all_reduce(ratio * batch["adv"], group=group)"""
TRAIN = """
    import torch

    from rl import rl_step


    def worker(config, group, batches):
        model = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(model.parameters())
        for batch in batches:
            loss = rl_step(model, batch, config, {{}}{call})
            loss.backward()
            optimizer.step()


    if __name__ == "__main__":
        worker(load_config(), make_group(), load())
"""


def _titles(reinforce: str = "", tail: str = "", base_arm: str = "") -> list[str]:
    base = {"rl.py": RL.format(stats=STATS, param="", arm=base_arm.replace(", group=group", ""), reinforce="", tail=""),
            "train.py": TRAIN.format(call="")}
    cand = {"rl.py": RL.format(stats=STATS, param=", group=None", arm=GSPO, reinforce=reinforce, tail=tail),
            "train.py": TRAIN.format(call=", group=group")}
    return [f.title for f in flow_findings(base, cand) if f.severity.value != "low" and "train" in str(f.locations)]


def test_an_argument_only_a_new_match_arm_reads_changes_no_baseline_run() -> None:
    assert _titles() == []


def test_an_argument_also_read_outside_the_new_arm_is_a_change() -> None:
    assert _titles(tail=" if group is None else torch.all_reduce(loss.mean(), group=group)")


def test_an_argument_read_in_an_arm_the_baseline_had_is_a_change() -> None:
    assert _titles(base_arm=GSPO)


def test_a_value_the_baseline_selected_another_way_keeps_its_arm_old() -> None:
    """The baseline's `if` chain (here a check on the value) spells "gspo": a `match` arm for it is no new arm."""
    assert _titles(base_arm='            case "ppo2" if config.policy_loss != "gspo":\n                loss = ratio')
