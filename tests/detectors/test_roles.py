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


@pytest.mark.parametrize("name", ["done_mask", "masks", "not_done_mask", "episode_mask", "dones"])
def test_episode_masks_are_dones(name: str) -> None:
    assert role(name) == "dones"


@pytest.mark.parametrize("name", ["img_mask", "current_img_mask", "frame_mask", "temporal_mask", "patch_mask",
                                  "video_mask", "image_masks", "depth_mask"])
def test_image_and_frame_masks_are_not_dones(name: str) -> None:
    """lerobot 59ab2862..e6f95674 pi05/memory.py: a VLA's memory attention masks read as a done flag."""
    assert role(name) is None


@pytest.mark.parametrize("name", ["_group_obs_term_history_buffer", "_group_obs_term_names", "_term_cfgs", "term_name",
                                  "obs_term_dim", "x_term", "_reset_term_last_triggered_step_id"])
def test_a_manager_or_summand_term_is_not_a_done_flag(name: str) -> None:
    """mjlab ebfd43e2..0eda4e73 observation_manager.py: an observation term's history buffer, indexed per term name,
    read as a done flag ("Time indexing changed in the return computation", significant)."""
    assert role(name) is None


def test_a_reward_term_is_a_reward() -> None:
    assert role("reward_term") == "rewards"


@pytest.mark.parametrize("name", ["term", "next_term", "is_term", "term_mask", "term_flags", "_term_dones", "terminated"])
def test_term_alone_still_names_an_episode_end(name: str) -> None:
    assert role(name) == "dones"


@pytest.mark.parametrize("name", ["close_to_wall_mask", "slowdown_mask", "possession_mask", "valid_mask",
                                  "success_mask"])
def test_a_mask_named_for_a_selection_is_no_done_flag(name: str) -> None:
    """VMAS 659c3906..e28625bb football.py: a scripted opponent's steering masks read as done masks (critical)."""
    assert role(name) is None


@pytest.mark.parametrize("name", ["masks", "mask", "b_masks", "mb_masks", "next_masks", "masks_t", "bad_masks",
                                  "reset_mask", "alive_mask", "env_mask", "rollout_masks"])
def test_a_mask_named_for_the_rollout_stays_a_done_flag(name: str) -> None:
    assert role(name) == "dones"


@pytest.mark.parametrize("name", ["timeout_mask", "trunc_mask"])
def test_a_truncation_mask_stays_a_truncation(name: str) -> None:
    assert role(name) == "truncations"
