"""Config-key rules: glob syntax, the one precedence, and agreement with the regexes they replaced."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from investigator.models import Severity
from investigator.playbooks_lib import load_playbooks
from investigator.playbooks_lib.keyrules import KeyGlob, KeyRules, glob_problem, key_sections
from investigator.playbooks_lib.schema import ConfigKeyRule, PlaybookSet

FIXTURES = Path(__file__).parent / "fixtures" / "key_rules"


def _lines(name: str) -> list[str]:
    text = (FIXTURES / name).read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _reference_rule(playbooks: PlaybookSet, key: str) -> tuple[object, ConfigKeyRule] | None:
    """The precedence spelled out plainly: in-section first, then a rule naming the key exactly, then the
    most severe, then the first declared."""
    sections = key_sections(key)
    parts = key.lower().split(".")
    best = None
    for playbook in playbooks:
        in_section = bool(sections & playbook.section_names)
        for rule in playbook.signals.config_keys:
            if rule.matches(key):
                exact = any("*" not in g and "?" not in g and ".".join(parts[-(g.count(".") + 1):]) == g.lower()
                            for g in rule.keys)
                rank = (in_section, exact, rule.severity.weight)
                if best is None or rank > best[0]:
                    best = (rank, (playbook, rule))
    return best[1] if best else None


def test_every_glob_rule_matches_the_keys_its_old_regex_matched():
    """The playbooks' globs were translated from `(^|\\.)...$` regexes: on real key names (and a few
    edge shapes: `lr_`, `_lr`, `x._max`, a bare `rewards`) each rule matches exactly the same keys.
    Rules added since (the other algorithm families' key roles) follow the translated ones in each file."""
    playbooks = load_playbooks()
    old: dict[str, list[str]] = {}
    for line in _lines("regex_rules.tsv"):
        subsystem, pattern = line.split("\t")
        old.setdefault(subsystem, []).append(pattern)
    pairs: list[tuple[str, ConfigKeyRule]] = []
    for playbook in playbooks:
        patterns = old.pop(playbook.subsystem, [])
        pairs += zip(patterns, playbook.signals.config_keys[:len(patterns)], strict=True)
    assert not old and len(pairs) == 49
    corpus = _lines("key_corpus.txt")
    matched = 0
    for pattern, rule in pairs:
        regex = re.compile(pattern, re.IGNORECASE)
        for key in corpus:
            expected = regex.search(key) is not None
            assert rule.matches(key) == expected, (pattern, rule.keys, key)
            matched += expected
    assert matched > 150  # the corpus exercises the rules, not only their misses


def test_the_rule_index_agrees_with_the_plain_precedence():
    playbooks = load_playbooks()
    words = ["lr", "rewards", "reward", "env", "num_envs", "init", "max", "gain", "x", "seed", "item_3",
             "objects", "map", "Rewards", "trainer", "checkpoint_interval", "max_steps", "env_config",
             "noop_max", "num_workers", "Reward_Clip", "replay", "alpha", "size"]
    keys = [".".join(parts) for n in range(1, 4) for parts in itertools.product(words, repeat=n)]
    keys += _lines("key_corpus.txt")
    for key in keys:
        assert playbooks.config_rule_for(key) == _reference_rule(playbooks, key), key


@pytest.mark.parametrize(("glob", "key", "matches"), [
    ("clip_coef", "clip_coef", True),
    ("clip_coef", "ppo.clip_coef", True),  # a glob matches the key's last segments, at any depth
    ("clip_coef", "PPO.Clip_Coef", True),  # case-insensitively
    ("clip_coef", "clip_coef.x", False),
    ("clip_coef", "my_clip_coef", False),  # whole segments only
    ("clip_eps*", "clip_eps", True),  # `*` may be empty
    ("clip_eps*", "algo.clip_epsilon", True),
    ("clip_eps*", "clip_eps.x", False),  # ... and never crosses a `.`
    ("clip_eps*", "clip_eps-x", False),  # ... nor anything but letters, digits and `_`
    ("?*_lr", "actor_lr", True),
    ("?*_lr", "_lr", False),  # `?*`: at least one character
    ("rewards.*", "env.rewards.gem", True),
    ("rewards.*", "rewards", False),  # a key with fewer segments than the glob
    ("rewards.*", "rewards.gem.extra", False),
])
def test_glob_syntax(glob, key, matches):
    assert KeyGlob.compile(glob).matches(key.split(".")) is matches


@pytest.mark.parametrize(("glob", "problem"), [
    ("lr", None), ("*.x?", None), ("a..b", "empty segment"), ("lr(", "may hold only"), ("a.b/c", "may hold only"),
    ("", "empty segment"),
])
def test_glob_problems_are_named(glob, problem):
    found = glob_problem(glob)
    assert (found is None) if problem is None else (problem in found)


def test_section_severity_then_declaration_order_decide_between_rules():
    playbooks = load_playbooks()
    env = playbooks.get("env")
    trainer = playbooks.get("trainer")
    assert env is not None and trainer is not None
    rules = KeyRules([env, trainer])
    hit = rules.rule_for("env.max_steps")
    assert hit is not None and hit.playbook.subsystem == "env"  # the enclosing section wins
    hit = rules.rule_for("max_steps")  # no section: both significant, so the first declared (env)
    assert hit is not None and hit.playbook.subsystem == "env" and hit.rule.severity is Severity.significant
    hit = KeyRules([trainer, env]).rule_for("max_steps")
    assert hit is not None and hit.playbook.subsystem == "trainer"
    assert rules.rule_for("project.description") is None


def test_a_rule_naming_the_key_exactly_beats_a_wildcard_one():
    """`noop_max` is a no-op start count, not a reward cap (`?*_max`); `num_workers` a worker count, not an
    environment composition (`num_?*`); an enclosing section still comes first."""
    playbooks = load_playbooks()

    def role(key: str) -> tuple[str, str | None]:
        hit = playbooks.config_rule_for(key)
        assert hit is not None, key
        return hit[0].subsystem, hit[1].hypothesis

    assert role("noop_max") == ("env", "preprocessing_changed")
    assert role("env.noop_max") == ("env", "preprocessing_changed")  # both env rules in section: the exact one
    assert role("coin_max") == ("env", "reward_terms_changed")  # the wildcard alone still decides
    assert role("num_workers") == ("vecenv", "env_count_changed")
    assert role("num_agents") == ("env", "env_composition_changed")
    assert role("env.num_workers") == ("env", "env_composition_changed")  # the enclosing section first


def test_prefixed_update_ratio_keys_are_update_ratio_and_logging_intervals_are_not():
    """mbrl-lib `mbpo_ant.yaml`: `num_sac_updates_per_step: 20 -> 1` with `sac_updates_every_steps: 1 -> 20`
    (twenty SAC updates per step became one every twenty steps); the second key was low."""
    playbooks = load_playbooks()
    for key in ("overrides.sac_updates_every_steps", "num_sac_updates_per_step", "critic_update_every",
                "update_every_steps", "actor_gradient_steps"):
        hit = playbooks.config_rule_for(key)
        assert hit is not None and hit[1].hypothesis == "update_ratio_changed", key
    for key in ("log_every_steps", "eval_every_steps", "save_every_steps"):
        hit = playbooks.config_rule_for(key)
        assert hit is None or hit[1].hypothesis != "update_ratio_changed", key
