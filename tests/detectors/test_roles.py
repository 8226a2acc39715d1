"""Roles read from names: a role is a word of the name, not any substring (real shape: cleanrl's
`args.num_iterations` read as a PPO ratio, so a loop count was labelled "loss path")."""

from __future__ import annotations

import pytest

from investigator.detectors.roles import role


@pytest.mark.parametrize("name", ["ratio", "ratios", "logratio", "prob_ratio", "clip_ratio", "importance_ratio"])
def test_ratio_names_are_ratios(name: str) -> None:
    assert role(name) == "ratio"


@pytest.mark.parametrize("name", ["num_iterations", "iteration", "exploration_noise", "exploration_fraction",
                                  "duration", "generation", "configuration"])
def test_words_ending_in_ration_are_not_ratios(name: str) -> None:
    assert role(name) != "ratio"


@pytest.mark.parametrize("name", ["reward", "rewards", "ep_rew", "totalreward", "r_t"])
def test_reward_names_are_rewards(name: str) -> None:
    assert role(name) == "rewards"


@pytest.mark.parametrize("name", ["rewind_steps", "rewrite", "rewire_graph"])
def test_rewind_and_rewrite_are_not_rewards(name: str) -> None:
    assert role(name) != "rewards"
