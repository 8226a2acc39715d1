"""Config-key rules of the playbooks: dotted key globs and the one precedence between rules.

A playbook's `signals.config_keys` rule names the keys it covers as dotted globs (`clip_coef`,
`lr_?*`, `rewards.*`). A glob of N segments matches a normalised key path whose last N segments
match it segment by segment, case-insensitively; a key with fewer segments never matches. Within a
segment `*` stands for any run (possibly empty) of letters, digits and `_`, and `?` for exactly one
of them (so `?*` is "at least one"); neither ever matches `.`. Everything else is literal.

Precedence, when rules of several playbooks match one key (`rule_for`):
1. a rule of a playbook whose section encloses the key (`Signals.sections`, see `key_sections`):
   `env.max_steps` is an episode length, `trainer.max_steps` a training budget;
2. then a rule that names the key exactly (a glob without `*` or `?`) over one that matches it by a
   wildcard: `noop_max` is a no-op start count (env preprocessing), not a reward cap `?*_max`;
   `num_workers` a worker count (vecenv), not an environment composition `num_?*`;
3. then the most severe rule;
4. then the first declared (playbooks in subsystem order, rules in file order).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from investigator.playbooks_lib.schema import ConfigKeyRule, Playbook

_SEGMENT = re.compile(r"[A-Za-z0-9_*?]+")


def glob_problem(glob: str) -> str | None:
    """Why `glob` is not a valid key glob (None when it is)."""
    segments = glob.split(".")
    bad = next((s for s in segments if not _SEGMENT.fullmatch(s)), None)
    if bad is None:
        return None
    if not bad:
        return f"key glob {glob!r} has an empty segment"
    return f"key glob {glob!r}: segment {bad!r} may hold only letters, digits, `_`, `*` and `?`"


class KeyGlob(NamedTuple):
    """One compiled glob: its segment count and the regular expression it stands for."""

    segments: int
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, glob: str) -> KeyGlob:
        body = "".join(r"\w*" if char == "*" else r"\w" if char == "?" else re.escape(char) for char in glob)
        return cls(glob.count(".") + 1, re.compile(body, re.IGNORECASE))

    def tail(self, parts: Sequence[str]) -> str | None:
        """The part of a key split at `.` this glob is matched against (None: too few segments)."""
        return ".".join(parts[-self.segments :]) if len(parts) >= self.segments else None

    def matches(self, parts: Sequence[str]) -> bool:
        probe = self.tail(parts)
        return probe is not None and self.regex.fullmatch(probe) is not None


def key_sections(key_path: str) -> set[str]:
    """The sections enclosing a config key, lower case, each also by its first `_` word
    (`env_config.max_steps` -> {"env_config", "env"})."""
    parts = key_path.lower().split(".")[:-1]
    return {name for part in parts for name in (part, part.split("_", 1)[0]) if name}


class RuleHit(NamedTuple):
    playbook: Playbook
    rule: ConfigKeyRule


class _TailGroup:
    """The globs of one segment count: which rules match is decided by the key's last `tail`
    segments alone, so the answer is memoised per tail (keys differ, their leaves repeat)."""

    MAX_MEMO = 200_000

    def __init__(self, tail: int) -> None:
        self.tail = tail
        self.globs: list[tuple[int, re.Pattern[str]]] = []  # (rule position, compiled glob)
        self.memo: dict[str, int] = {}

    def add(self, position: int, glob: KeyGlob) -> None:
        self.globs.append((position, glob.regex))

    def mask(self, parts: Sequence[str]) -> int:
        """Bit i set when rule i has a glob of this group matching the key split into `parts`."""
        if len(parts) < self.tail:
            return 0
        probe = ".".join(parts[-self.tail :])
        found = self.memo.get(probe)
        if found is None:
            found = 0
            for position, regex in self.globs:
                if regex.fullmatch(probe):
                    found |= 1 << position
            if len(self.memo) >= self.MAX_MEMO:
                self.memo.clear()
            self.memo[probe] = found
        return found


class KeyRules:
    """Every config-key rule of a playbook set, with the precedence of the module docstring."""

    def __init__(self, playbooks: Iterable[Playbook]) -> None:
        declared = [RuleHit(playbook, rule) for playbook in playbooks for rule in playbook.signals.config_keys]
        # Numbered by preference without sections: most severe first, then declaration order.
        order = sorted(range(len(declared)), key=lambda i: (-declared[i].rule.severity.weight, i))
        self.rules = [declared[i] for i in order]
        groups: dict[int, _TailGroup] = {}
        for position, hit in enumerate(self.rules):
            for glob in hit.rule.globs:
                groups.setdefault(glob.segments, _TailGroup(glob.segments)).add(position, glob)
        self.groups = list(groups.values())

    def _mask(self, key: str) -> int:
        parts = key.split(".")
        mask = 0
        for group in self.groups:
            mask |= group.mask(parts)
        return mask

    def rule_for(self, key: str) -> RuleHit | None:
        """The rule for a normalised key path (precedence: module docstring), or None."""
        mask = self._mask(key)
        if not mask:
            return None
        first = (mask & -mask).bit_length() - 1
        if mask == 1 << first:
            return self.rules[first]
        sections = key_sections(key)
        lowered = key.lower()
        best, best_rank = first, (-1, -1)
        rest = mask
        while rest:  # positions in severity, then declaration order: the first of the highest rank wins
            position = (rest & -rest).bit_length() - 1
            hit = self.rules[position]
            rank = (bool(sections & hit.playbook.section_names), names_exactly(hit.rule.literal_keys, lowered))
            if rank > best_rank:
                best, best_rank = position, rank
            rest &= rest - 1
        return self.rules[best]


def names_exactly(literals: frozenset[str], lowered_key: str) -> bool:
    """Whether one of a rule's wildcard-free globs (lower case) is the key's tail (`lowered_key` lower case)."""
    return any(lowered_key == literal or lowered_key.endswith("." + literal) for literal in literals)
