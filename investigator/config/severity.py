"""Severity of a configuration change, from the playbooks' config-key rules.

Learning-dynamics keys take their rule's severity. Interval keys (checkpoint/eval/log) are low
unless the candidate does the thing at least `FREQUENCY_FACTOR` times more often (a smaller
interval, or a larger frequency for `*_freq`/`*_per_*` spellings), which is a throughput cost.
A learning-dynamics key inside an evaluation section (`eval.temperature`) is low: it sets how the
trained policy is measured, not how it learns. Keys no rule covers are low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus
from investigator.models import OTHER_SUBSYSTEM, Severity
from investigator.playbooks_lib.keyrules import key_sections
from investigator.playbooks_lib.schema import ConfigKeyRule, Playbook, PlaybookSet

FREQUENCY_FACTOR = 5.0
# Interval spellings where a larger number means *more often* (a rate, not a period).
RATE_SPELLING = re.compile(r"(freq|frequency|per_|rate|hz)", re.IGNORECASE)


@dataclass
class KeyVerdict:
    subsystem: str
    severity: Severity
    rule: ConfigKeyRule | None
    playbook: Playbook | None
    why: str

    @property
    def hypothesis(self) -> str | None:
        if self.rule and self.rule.hypothesis and self.playbook:
            return f"{self.playbook.subsystem}.{self.rule.hypothesis}"
        return None

    @property
    def learning_dynamics(self) -> bool:
        return self.rule is not None and self.rule.kind == "learning_dynamics"


def _number(entry: ConfigEntry | None) -> float | None:
    if entry is None or not entry.literal or isinstance(entry.value, bool):
        return None
    return float(entry.value) if isinstance(entry.value, int | float) else None


def frequency_ratio(match: KeyMatch) -> float | None:
    """How many times more often the candidate acts (>1: more often), for numeric intervals."""
    old, new = _number(match.baseline), _number(match.candidate)
    if old is None or new is None or old <= 0 or new <= 0:
        return None
    key = (match.candidate or match.baseline).key  # type: ignore[union-attr]
    return new / old if RATE_SPELLING.search(key.rsplit(".", 1)[-1]) else old / new


_LEAF_SUBSYSTEMS: dict[int, tuple[PlaybookSet, dict[str, str]]] = {}


def _leaf_memo(playbooks: PlaybookSet) -> dict[str, str]:
    held = _LEAF_SUBSYSTEMS.get(id(playbooks))
    if held is None or held[0] is not playbooks:
        if len(_LEAF_SUBSYSTEMS) >= 16:
            _LEAF_SUBSYSTEMS.clear()
        held = _LEAF_SUBSYSTEMS[id(playbooks)] = (playbooks, {})
    return held[1]


def subsystem_for(key: str, playbooks: PlaybookSet) -> str:
    """Fallback subsystem for a key no rule covers: the playbook whose identifiers mention it."""
    leaf = key.rsplit(".", 1)[-1]
    memo = _leaf_memo(playbooks)
    if leaf not in memo:
        memo[leaf] = next((playbook.subsystem for playbook in playbooks
                           if (regex := playbook.identifier_regex) is not None and regex.search(leaf)),
                          OTHER_SUBSYSTEM)
    return memo[leaf]


def rule_for(key: str, playbooks: PlaybookSet) -> tuple[Playbook, ConfigKeyRule] | None:
    """The playbook rule for a key (precedence: `playbooks_lib.keyrules`); a Hydra `x._target_`
    key falls back to the rule for `x`."""
    hit = playbooks.config_rule_for(key)
    if hit is None and key.endswith("._target_"):
        hit = playbooks.config_rule_for(key.rsplit(".", 1)[0])
    return hit


def judge(match: KeyMatch, playbooks: PlaybookSet) -> KeyVerdict:
    cand, base = match.candidate, match.baseline
    hit = rule_for(cand.key, playbooks) if cand is not None else None
    if hit is None and base is not None:
        hit = rule_for(base.key, playbooks)
    if hit is None:
        return KeyVerdict(subsystem_for((cand or base).key, playbooks), Severity.low, None, None,  # type: ignore[union-attr]
                       "no playbook rule covers this key")
    playbook, rule = hit
    if rule.kind == "interval":
        ratio = frequency_ratio(match) if match.status is MatchStatus.changed else None
        if ratio is not None and ratio >= FREQUENCY_FACTOR:
            return KeyVerdict(playbook.subsystem, Severity.significant, rule, playbook,
                           f"{ratio:g}x more frequent: throughput overhead")
        return KeyVerdict(playbook.subsystem, Severity.low, rule, playbook, "interval change (overhead only)")
    if rule.kind == "learning_dynamics" and (section := evaluation_section(match)) is not None:
        return KeyVerdict(playbook.subsystem, Severity.low, rule, playbook,
                          f"inside the evaluation section `{section}`: how the policy is measured, not how it learns")
    if rule.kind == "learning_dynamics" and (leaf := evaluation_leaf(match)) is not None:
        return KeyVerdict(playbook.subsystem, Severity.low, rule, playbook,
                          f"the key `{leaf}` names evaluation: how the policy is measured, not how it learns")
    if rule.kind == "learning_dynamics" and filter_patterns(match):
        return KeyVerdict(playbook.subsystem, Severity.low, rule, playbook,
                          "a regular-expression filter (which keys to log or show), not a learning quantity")
    if match.status is MatchStatus.changed and negligible_count_change(match):
        return KeyVerdict(playbook.subsystem, Severity.low, rule, playbook,
                          f"{rule.kind} key (rule `{rule.describe()}`), a count changed by under "
                          f"1/{NEGLIGIBLE_SHARE:,} of its value")
    return KeyVerdict(playbook.subsystem, rule.severity, rule, playbook, f"{rule.kind} key (rule `{rule.describe()}`)")


# Sections (by name or first `_` word, see `key_sections`) that configure evaluation runs only.
EVALUATION_SECTIONS = frozenset({"eval", "evaluation", "evaluator", "evaluate", "evaluating"})


def evaluation_section(match: KeyMatch) -> str | None:
    """The evaluation section enclosing the key at either side (None: none). Real shape: OpenRLHF
    openrlhf/cli/train_ppo_ray.py (HEAD) has `--rollout.n_samples_per_prompt` (the GRPO group size of
    training, line 414) beside `--eval.n_samples_per_prompt` and `--eval.temperature` (lines 537-539): the
    same leaf names, the eval ones only change how the trained policy is scored."""
    for entry in (match.candidate, match.baseline):
        if entry is not None:
            found = sorted(key_sections(entry.key) & EVALUATION_SECTIONS)
            if found:
                return found[0]
    return None


def evaluation_leaf(match: KeyMatch) -> str | None:
    """The key's own name, when one of its `_` words names evaluation (`num_evaluation_samples`, `n_eval_episodes`,
    `eval_batch_size`); None otherwise. Real shape: rl-swarm e1b2de80..22bb5475, the data manager's
    `num_evaluation_samples` = 0 dropped with the experiment it configured: "removed", significant by the
    environment-composition rule `num_?*`, beside `num_train_samples` (the training data, still significant)."""
    for entry in (match.candidate, match.baseline):
        if entry is not None:
            leaf = entry.key.rsplit(".", 1)[-1].lower()
            if EVALUATION_SECTIONS & set(leaf.split("_")):
                return leaf
    return None


# `^log_.*`, `score|length$`, `train/.*_loss`: a value anchored or wildcarded like a regular expression
_REGEX_VALUE = re.compile(r"^\^|(?<!\\)\$$|\.\*")


def filter_patterns(match: KeyMatch) -> bool:
    """Every value present is a string written as a regular expression: a filter of what is logged or
    shown, never a learning quantity (learning-dynamics values are numbers, flags and names).
    Real shape: dreamerv3 e3f0224 dropped `run.log_keys_max: '^$'` (the keys whose maximum is logged);
    the reward-cap rule `?*_max` read its removal as a critical reward change."""
    values = [e.value for e in (match.baseline, match.candidate) if e is not None]
    return bool(values) and all(isinstance(v, str) and _REGEX_VALUE.search(v) for v in values)


NEGLIGIBLE_SHARE = 10_000  # a whole-number setting moved by at most 1/10000 of itself trains the same


def negligible_count_change(match: KeyMatch) -> bool:
    """Both values whole numbers (a count of steps, a buffer size) and the change at most
    1/`NEGLIGIBLE_SHARE` of the baseline's: `num_steps` 1000000 -> 1000001 changes no run's learning.
    Real shape: pytorch-soft-actor-critic (0a7b9e5..f480391) set `--num_steps` from 1000000 to 1000001 so
    that the last evaluation runs, the range's first finding, critical. Floats are never negligible
    (`gamma` 0.999 -> 0.9999 is a tenfold horizon), nor a change of a small count (2048 -> 2049)."""
    old, new = match.baseline, match.candidate
    if old is None or new is None or not old.literal or not new.literal:
        return False
    a, b = old.value, new.value
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, int) or not isinstance(b, int) or a == b:
        return False
    return abs(b - a) * NEGLIGIBLE_SHARE <= abs(a)
