"""Canonical metric names and the tags projects use for them.

Why: the same quantity is `charts/episodic_return` in CleanRL, `rollout/ep_rew_mean` in
Stable-Baselines3, `env/reward` or `overview/reward` elsewhere; rules speak canonical names and this
catalog finds the tag in each run. Users add their own mapping (request.metric_aliases); a user's
mapping always wins. Some tags carry the negated quantity (SB3's `train/entropy_loss` is minus the
entropy), so an alias has a sign.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field


class MetricSpec(BaseModel):
    name: str
    title: str
    higher_is_better: bool | None  # None: no direction (entropy, losses): "changed", never "regression"
    aliases: list[str] = Field(default_factory=list)
    negated_aliases: list[str] = Field(default_factory=list)  # tags holding minus this metric


CATALOG: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in [
        MetricSpec(
            name="return",
            title="episodic return",
            higher_is_better=True,
            aliases=[
                "charts/episodic_return",
                "rollout/ep_rew_mean",
                "env/reward",
                "overview/reward",
                "episodic_return",
                "episode_return",
                "ep_rew_mean",
                "episode_reward",
                "train/episode_reward",
                "charts/episode_reward",
                "reward/mean",
                "mean_reward",
                "avg_return",
                "average_return",
                "returns/mean",
                "return",
                "reward",
                "eval/mean_reward",
                "eval/episodic_return",
            ],
        ),
        MetricSpec(
            name="episode_length",
            title="episode length",
            higher_is_better=None,
            aliases=[
                "charts/episodic_length",
                "rollout/ep_len_mean",
                "episode_length",
                "ep_len_mean",
                "env/episode_length",
                "episodic_length",
                "eval/mean_ep_length",
            ],
        ),
        MetricSpec(
            name="success_rate",
            title="success rate",
            higher_is_better=True,
            aliases=[
                "rollout/success_rate",
                "eval/success_rate",
                "charts/success_rate",
                "success_rate",
                "env/success_rate",
                "success",
            ],
        ),
        MetricSpec(
            name="entropy",
            title="policy entropy",
            higher_is_better=None,
            aliases=[
                "losses/entropy",
                "policy/entropy",
                "train/entropy",
                "loss/entropy",
                "entropy",
                "losses/entropy_loss_abs",
            ],
            negated_aliases=["train/entropy_loss", "entropy_loss"],
        ),
        MetricSpec(
            name="value_loss",
            title="value loss",
            higher_is_better=None,
            aliases=[
                "losses/value_loss",
                "train/value_loss",
                "loss/value",
                "loss/value_loss",
                "value_loss",
                "critic_loss",
                "losses/critic_loss",
                "v_loss",
                "vf_loss",
            ],
        ),
        MetricSpec(
            name="policy_loss",
            title="policy loss",
            higher_is_better=None,
            aliases=[
                "losses/policy_loss",
                "train/policy_gradient_loss",
                "train/policy_loss",
                "loss/policy",
                "policy_loss",
                "pg_loss",
                "actor_loss",
                "losses/pg_loss",
            ],
        ),
        MetricSpec(
            name="approx_kl",
            title="approximate KL",
            higher_is_better=None,
            aliases=["losses/approx_kl", "train/approx_kl", "policy/approx_kl", "approx_kl", "approxkl"],
        ),
        MetricSpec(
            name="kl_loss",
            title="KL loss term",
            higher_is_better=None,
            aliases=["world_model/kl_loss", "loss/kl", "losses/kl_loss", "kl_loss", "model/kl", "wm/kl"],
        ),
        MetricSpec(
            name="clip_fraction",
            title="clip fraction",
            higher_is_better=None,
            aliases=[
                "losses/clipfrac",
                "train/clip_fraction",
                "clipfrac",
                "clip_fraction",
                "policy/clipfrac",
            ],
        ),
        MetricSpec(
            name="explained_variance",
            title="explained variance",
            higher_is_better=True,
            aliases=[
                "losses/explained_variance",
                "train/explained_variance",
                "explained_variance",
                "value/explained_variance",
            ],
        ),
        MetricSpec(
            name="grad_norm",
            title="gradient norm",
            higher_is_better=None,
            aliases=[
                "losses/grad_norm",
                "train/grad_norm",
                "grad_norm",
                "gradient_norm",
                "optim/grad_norm",
                "global_grad_norm",
                "train/gradient_norm",
                "grad/norm",
            ],
        ),
        MetricSpec(
            name="learning_rate",
            title="learning rate",
            higher_is_better=None,
            aliases=[
                "charts/learning_rate",
                "train/learning_rate",
                "optim/lr",
                "train/lr",
                "learning_rate",
                "lr",
            ],
        ),
        MetricSpec(
            name="sps",
            title="steps per second",
            higher_is_better=True,
            aliases=[
                "charts/SPS",
                "time/fps",
                "perf/sps",
                "overview/sps",
                "performance/sps",
                "sps",
                "fps",
                "steps_per_second",
                "env_steps_per_second",
                "throughput",
            ],
        ),
    ]
}


def normalise(tag: str) -> str:
    """Lower-case, unify separators: `Charts/Episodic-Return` and `charts_episodic_return` meet."""
    return re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_")


class Resolved(BaseModel):
    """Where a canonical metric lives in one run."""

    canonical: str
    tag: str
    sign: float = 1.0
    source: str = "builtin"  # builtin | user | primary


class MetricCatalog:
    """Resolves canonical names to tags, user mapping first, then built-in aliases in order."""

    def __init__(self, user_aliases: Mapping[str, str] | None = None, primary_metric: str | None = None):
        self.user_aliases = dict(user_aliases or {})
        self.primary_metric = primary_metric

    def spec(self, canonical: str) -> MetricSpec:
        known = CATALOG.get(canonical)
        if known is not None:
            return known
        higher = True if canonical == self.primary_name else None
        return MetricSpec(name=canonical, title=canonical, higher_is_better=higher)

    @property
    def primary_name(self) -> str:
        """Canonical name of the primary metric ("return" unless the user named another)."""
        if not self.primary_metric:
            return "return"
        if self.primary_metric in CATALOG:
            return self.primary_metric
        if self.primary_metric in self.user_aliases:
            return self.user_aliases[self.primary_metric]
        for spec in CATALOG.values():  # a tag with a known meaning keeps it (and its direction)
            if _match(spec.aliases, {normalise(self.primary_metric): self.primary_metric}, set()):
                return spec.name
        return self.primary_metric

    def adopt_default_primary(self, tag_lists: Iterable[Iterable[str]]) -> str | None:
        """Without a user choice, fall back from `return` to `success_rate` when no run logs a return."""
        if self.primary_metric:
            return None
        resolved = [self.resolve(tags) for tags in tag_lists]
        if any("return" in r for r in resolved):
            return None
        for fallback in ("success_rate",):
            if any(fallback in r for r in resolved):
                self.primary_metric = fallback
                return fallback
        return None

    def resolve(self, tags: Iterable[str]) -> dict[str, Resolved]:
        tags = list(tags)
        found: dict[str, Resolved] = {}
        by_exact = set(tags)
        for user_tag, canonical in self.user_aliases.items():
            if user_tag in by_exact and canonical not in found:
                found[canonical] = Resolved(canonical=canonical, tag=user_tag, source="user")
        primary = self.primary_metric
        if primary and primary not in CATALOG and primary in by_exact and self.primary_name not in found:
            # the user named this exact tag: it wins over the built-in order for its canonical name
            found[self.primary_name] = Resolved(canonical=self.primary_name, tag=primary, source="primary")
        norm: dict[str, str] = {}
        for tag in tags:
            norm.setdefault(normalise(tag), tag)
        claimed = {r.tag for r in found.values()}
        for spec in CATALOG.values():
            if spec.name in found:
                continue
            hit = _match(spec.aliases, norm, claimed)
            sign = 1.0
            if hit is None:
                hit = _match(spec.negated_aliases, norm, claimed)
                sign = -1.0
            if hit is not None:
                found[spec.name] = Resolved(canonical=spec.name, tag=hit, sign=sign)
                claimed.add(hit)
        return found


def _match(aliases: list[str], norm: dict[str, str], claimed: set[str]) -> str | None:
    """Exact (normalised) match first, then a tag whose trailing path components equal the alias
    (`agent_0/charts/episodic_return` is `charts/episodic_return`; `env/shaped_reward` is not `reward`)."""
    for alias in aliases:
        tag = norm.get(normalise(alias))
        if tag is not None and tag not in claimed:
            return tag
    for alias in aliases:
        key = normalise(alias)
        for tag in norm.values():
            parts = tag.split("/")
            if tag not in claimed and any(
                normalise("/".join(parts[k:])) == key for k in range(1, len(parts))
            ):
                return tag
    return None
