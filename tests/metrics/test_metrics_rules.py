"""Every single-run rule on synthetic curves: fires on its signature, stays quiet otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from investigator.metrics.aliases import MetricCatalog
from investigator.metrics.rules import RuleOptions, RunView, compare_rules, rule_by_id, single_run_rules
from investigator.models import OTHER_SUBSYSTEM, SUBSYSTEMS
from investigator.playbooks_lib.schema import load_playbooks
from tests.support.metric_logs import make_curve

S = np.arange(0, 100_000, 1_000)
RISE = make_curve(S, start=0, end=100, noise=2, seed=0)


def view(make_run, curves, steps_per_second=1000.0, primary=None):
    return RunView.of(make_run("r", curves, steps_per_second), MetricCatalog(primary_metric=primary))


def check(rule_id, v, **opts):
    return rule_by_id(rule_id).check(v, RuleOptions(**opts))


def quartered(levels):
    """A curve whose quarter means are exactly `levels`."""
    return np.repeat(np.asarray(levels, dtype=float), len(S) // 4)


def test_metadata_is_complete_and_hypotheses_exist_in_playbooks():
    playbooks = load_playbooks()
    known = {f"{p.subsystem}.{h.id}" for p in playbooks for h in p.hypotheses}
    rules = single_run_rules() + compare_rules()
    ids = [r.meta.id for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        meta = rule.meta
        assert meta.subsystem in (*SUBSYSTEMS, OTHER_SUBSYSTEM)
        assert meta.rationale and meta.fix and meta.title
        for hyp in meta.hypotheses + meta.refuted_when_equivalent:
            assert hyp in known, f"{meta.id} names unknown hypothesis {hyp}"


def test_primary_collapse_quartile_pattern(make_run):
    hit = check(
        "primary_collapse", view(make_run, {"charts/episodic_return": (S, quartered([100, 96, 83, 67]))})
    )
    assert hit is not None and "-4%, -17%, -33%" in hit.summary
    assert check("primary_collapse", view(make_run, {"charts/episodic_return": (S, RISE)})) is None
    # falling but only by 10%: below the collapse threshold
    assert (
        check(
            "primary_collapse", view(make_run, {"charts/episodic_return": (S, quartered([100, 98, 95, 90]))})
        )
        is None
    )


def test_primary_collapse_respects_lower_is_better(make_run):
    rising_loss = quartered([1.0, 1.1, 1.3, 1.6])
    v = view(make_run, {"my/loss": (S, rising_loss)}, primary="my/loss")
    v.primary_higher_is_better = False
    assert check("primary_collapse", v) is not None


def test_flatline(make_run):
    flat = make_curve(S, start=0.0, shape="constant", noise=0.05, seed=1)
    hit = check("primary_flatline", view(make_run, {"charts/episodic_return": (S, flat)}))
    assert hit is not None
    assert check("primary_flatline", view(make_run, {"charts/episodic_return": (S, RISE)})) is None


def test_peak_then_decline(make_run):
    peak = make_curve(S, start=0, end=100, shape="peak", peak_at=0.5, noise=1, seed=2)
    hit = check("primary_peak_decline", view(make_run, {"charts/episodic_return": (S, peak)}))
    assert hit is not None and hit.details["fraction_of_gain_lost"] > 0.3
    assert check("primary_peak_decline", view(make_run, {"charts/episodic_return": (S, RISE)})) is None


def test_entropy_rising_while_reward_falls(make_run):
    entropy_up = make_curve(S, start=0.6, end=1.3, shape="linear")
    falling = make_curve(S, start=0, end=100, shape="peak", peak_at=0.3)
    assert check(
        "entropy_rising",
        view(make_run, {"losses/entropy": (S, entropy_up), "charts/episodic_return": (S, falling)}),
    )
    entropy_down = make_curve(S, start=1.3, end=0.6)
    assert (
        check(
            "entropy_rising",
            view(make_run, {"losses/entropy": (S, entropy_down), "charts/episodic_return": (S, RISE)}),
        )
        is None
    )
    # entropy rising while reward also rises: exploration, not a failure signature
    assert (
        check(
            "entropy_rising",
            view(make_run, {"losses/entropy": (S, entropy_up), "charts/episodic_return": (S, RISE)}),
        )
        is None
    )


def test_entropy_rising_reads_negated_sb3_entropy_loss(make_run):
    entropy_up = make_curve(S, start=0.6, end=1.3, shape="linear")
    falling = make_curve(S, start=0, end=100, shape="peak", peak_at=0.3)
    v = view(make_run, {"train/entropy_loss": (S, -entropy_up), "rollout/ep_rew_mean": (S, falling)})
    assert check("entropy_rising", v) is not None


def test_entropy_collapse(make_run):
    collapsing = 1.4 * np.exp(-S / 3000.0)
    assert check("entropy_collapse", view(make_run, {"losses/entropy": (S, collapsing)})) is not None
    slow = make_curve(S, start=1.4, end=0.6)
    assert check("entropy_collapse", view(make_run, {"losses/entropy": (S, slow)})) is None
    # continuous-action (negative) entropies are not judged
    assert not rule_by_id("entropy_collapse").applicable(
        view(make_run, {"losses/entropy": (S, -1 - S / 1e5)}), RuleOptions()
    )


def test_value_loss_rising(make_run):
    diverging = make_curve(S, start=1.0, end=6.0, shape="linear", noise=0.05, seed=3)
    assert check("value_loss_rising", view(make_run, {"losses/value_loss": (S, diverging)})) is not None
    typical = make_curve(S, start=0.5, end=3.0, shape="peak", peak_at=0.3)  # grows with returns, then settles
    assert check("value_loss_rising", view(make_run, {"losses/value_loss": (S, typical)})) is None


def test_explained_variance_negative(make_run):
    bad = make_curve(S, start=-0.3, shape="constant", noise=0.05, seed=4)
    assert (
        check("explained_variance_negative", view(make_run, {"losses/explained_variance": (S, bad)}))
        is not None
    )
    good = make_curve(S, start=0.0, end=0.9)
    assert (
        check("explained_variance_negative", view(make_run, {"losses/explained_variance": (S, good)})) is None
    )


def test_grad_norm_above_clip_needs_a_clip(make_run):
    norms = make_curve(S, start=2.0, shape="constant", noise=0.1, seed=5)
    v = view(make_run, {"train/grad_norm": (S, norms)})
    assert not rule_by_id("grad_norm_above_clip").applicable(v, RuleOptions())
    assert check("grad_norm_above_clip", v) is None
    hit = check("grad_norm_above_clip", v, grad_clip=0.5)
    assert hit is not None and hit.hlines
    assert (
        check("grad_norm_above_clip", view(make_run, {"train/grad_norm": (S, norms * 0.2)}), grad_clip=0.5)
        is None
    )


def test_kl_collapse(make_run):
    kl = np.where(S < 10_000, 0.02, 0.0)
    assert check("kl_collapse", view(make_run, {"losses/approx_kl": (S, kl)})) is not None
    steady = make_curve(S, start=0.01, shape="constant", noise=0.002, seed=6)
    assert check("kl_collapse", view(make_run, {"losses/approx_kl": (S, np.abs(steady))})) is None


def test_loss_pinned(make_run):
    pinned = np.maximum(1.0, make_curve(S, start=3.0, end=0.2, noise=0.05, seed=7))  # max(free_bits, kl)
    hit = check("loss_pinned", view(make_run, {"world_model/kl_loss": (S, pinned)}))
    assert hit is not None and hit.details["pinned"] == {"world_model/kl_loss": 1.0}
    noisy = make_curve(S, start=3.0, end=0.2, noise=0.05, seed=7)
    assert check("loss_pinned", view(make_run, {"world_model/kl_loss": (S, noisy)})) is None
    constant_coef = np.full(len(S), 0.01)  # a coefficient, not a loss
    assert check("loss_pinned", view(make_run, {"losses/ent_coef": (S, constant_coef)})) is None


def test_lr_constant_and_refutation(make_run):
    constant = np.full(len(S), 3e-4)
    annealed = make_curve(S, start=3e-4, end=0, shape="cosine")
    rule = rule_by_id("lr_constant")
    assert check("lr_constant", view(make_run, {"charts/learning_rate": (S, constant)})) is not None
    assert check("lr_constant", view(make_run, {"charts/learning_rate": (S, annealed)})) is None
    same = [view(make_run, {"charts/learning_rate": (S, annealed)}) for _ in range(2)]
    assert rule.refutes(same[:1], same[1:], RuleOptions()) is not None
    other = [view(make_run, {"charts/learning_rate": (S, constant)})]
    assert rule.refutes(same[:1], other, RuleOptions()) is None


def test_update_time(make_run):
    curves = {"losses/value_loss": (S, make_curve(S, start=1, end=0.1))}
    slow = view(make_run, curves, steps_per_second=1.0)  # 1000 steps between logs: 1000 s per update
    hit = check("update_time", slow)
    assert hit is not None and hit.details["seconds_per_update"] == pytest.approx(1000.0)
    assert check("update_time", view(make_run, curves)) is None
    assert not rule_by_id("update_time").applicable(
        view(make_run, curves, steps_per_second=None), RuleOptions()
    )


def test_ppo_update_ranges(make_run):
    big_kl = make_curve(S, start=0.12, shape="constant", noise=0.01, seed=8)
    hit = check("ppo_update_ranges", view(make_run, {"train/approx_kl": (S, big_kl)}))
    assert hit is not None and "approx_kl" in hit.details["medians"]
    clipped = make_curve(S, start=0.45, shape="constant", noise=0.02, seed=9)
    assert check("ppo_update_ranges", view(make_run, {"losses/clipfrac": (S, clipped)})) is not None
    usual = {"train/approx_kl": (S, np.abs(big_kl) / 10), "losses/clipfrac": (S, clipped / 4)}
    assert check("ppo_update_ranges", view(make_run, usual)) is None


@pytest.mark.parametrize("seed", range(5))
def test_shape_rules_quiet_on_very_noisy_learning_curves(make_run, seed):
    """Noise of a quarter of the final value must not look like a peak, a collapse or a flatline."""
    noisy = make_curve(S[:60], start=0, end=100, noise=25, seed=seed)
    v = view(make_run, {"charts/episodic_return": (S[:60], noisy)})
    for rule in ("primary_peak_decline", "primary_collapse", "primary_flatline"):
        assert check(rule, v) is None, rule
