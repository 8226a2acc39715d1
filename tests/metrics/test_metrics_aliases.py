"""Metric naming: built-in aliases across frameworks, user mappings, arbitrary primary metrics."""

from __future__ import annotations

import pytest

from investigator.metrics.aliases import MetricCatalog


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("charts/episodic_return", "return"),
        ("rollout/ep_rew_mean", "return"),
        ("env/reward", "return"),
        ("overview/reward", "return"),
        ("losses/entropy", "entropy"),
        ("charts/SPS", "sps"),
        ("time/fps", "sps"),
        ("losses/value_loss", "value_loss"),
        ("train/approx_kl", "approx_kl"),
        ("losses/clipfrac", "clip_fraction"),
        ("train/explained_variance", "explained_variance"),
        ("charts/learning_rate", "learning_rate"),
        ("rollout/ep_len_mean", "episode_length"),
        ("eval/success_rate", "success_rate"),
        ("agent_0/charts/episodic_return", "return"),  # trailing components match
        ("Charts/Episodic-Return", "return"),  # case and separators normalised
    ],
)
def test_builtin_aliases(tag, canonical):
    resolved = MetricCatalog().resolve([tag, "unrelated/thing"])
    assert resolved[canonical].tag == tag


def test_sb3_entropy_loss_is_negated_entropy():
    resolved = MetricCatalog().resolve(["train/entropy_loss"])
    assert resolved["entropy"].sign == -1.0


def test_no_false_suffix_match():
    resolved = MetricCatalog().resolve(["env/shaped_reward_gem", "foo/lr_scale"])
    assert "return" not in resolved and "learning_rate" not in resolved


def test_user_alias_wins_over_builtin():
    resolved = MetricCatalog({"my/score": "return"}).resolve(["my/score", "charts/episodic_return"])
    assert resolved["return"].tag == "my/score" and resolved["return"].source == "user"


def test_primary_metric_may_name_any_tag():
    catalog = MetricCatalog(primary_metric="heart.get")
    assert catalog.primary_name == "heart.get"
    assert catalog.resolve(["heart.get", "charts/episodic_return"])["heart.get"].tag == "heart.get"
    assert catalog.spec("heart.get").higher_is_better is True


def test_primary_metric_through_user_alias():
    catalog = MetricCatalog({"eval/score": "score"}, primary_metric="eval/score")
    assert catalog.primary_name == "score"
    assert catalog.resolve(["eval/score"])["score"].tag == "eval/score"


def test_canonical_primary_and_default():
    assert MetricCatalog(primary_metric="success_rate").primary_name == "success_rate"
    assert MetricCatalog().primary_name == "return"


def test_primary_tag_with_known_meaning_keeps_canonical_name_and_wins():
    catalog = MetricCatalog(primary_metric="rollout/ep_rew_mean")
    assert catalog.primary_name == "return"
    resolved = catalog.resolve(["charts/episodic_return", "rollout/ep_rew_mean"])
    assert resolved["return"].tag == "rollout/ep_rew_mean"


def test_default_primary_falls_back_to_success_rate():
    catalog = MetricCatalog()
    assert catalog.adopt_default_primary([["eval/success_rate", "losses/entropy"]]) == "success_rate"
    assert catalog.primary_name == "success_rate"
    with_return = MetricCatalog()
    assert with_return.adopt_default_primary([["charts/episodic_return", "eval/success_rate"]]) is None
    assert with_return.primary_name == "return"
