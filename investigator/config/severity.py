"""Severity of a configuration change, from the playbooks' config-key rules.

Learning-dynamics keys take their rule's severity. Interval keys (checkpoint/eval/log) are low
unless the candidate does the thing at least `FREQUENCY_FACTOR` times more often (a smaller
interval, or a larger frequency for `*_freq`/`*_per_*` spellings), which is a throughput cost.
Keys no rule covers are low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus
from investigator.models import OTHER_SUBSYSTEM, Severity
from investigator.playbooks_lib.schema import ConfigKeyRule, Playbook, PlaybookSet, key_sections

FREQUENCY_FACTOR = 5.0
# Interval spellings where a larger number means *more often* (a rate, not a period).
RATE_SPELLING = re.compile(r"(freq|frequency|per_|rate|hz)", re.IGNORECASE)


@dataclass
class Verdict:
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


def _max_dots(items) -> int | None:  # noqa: ANN001 - a `re._parser` subpattern
    """Most `.` characters a parsed pattern can consume, or None when unbounded or not analysable."""
    total = 0
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            total += arg == 46
        elif name in ("NOT_LITERAL", "ANY"):
            total += 1
        elif name == "IN":
            if any(str(o) != "LITERAL" and not (str(o) == "CATEGORY" and str(a) in _DOTLESS) and str(o) != "RANGE"
                   for o, a in arg):
                return None  # a negated or unusual class may match `.`
            total += any((str(o) == "LITERAL" and a == 46) or (str(o) == "RANGE" and a[0] <= 46 <= a[1])
                         for o, a in arg)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            inner = _max_dots(sub)
            if inner is None:
                return None
            if inner:
                if high >= 65535:  # MAXREPEAT
                    return None
                total += high * inner
        elif name == "SUBPATTERN":
            inner = _max_dots(arg[-1])
            if inner is None:
                return None
            total += inner
        elif name == "BRANCH":
            counts = [_max_dots(alt) for alt in arg[1]]
            if any(c is None for c in counts):
                return None
            total += max(counts, default=0)
        elif name == "AT" and str(arg) in ("AT_BOUNDARY", "AT_NON_BOUNDARY"):
            continue
        else:
            return None  # anchors, lookarounds, group references: not analysed
    return total


_DOTLESS = frozenset({"CATEGORY_DIGIT", "CATEGORY_WORD", "CATEGORY_SPACE", "CATEGORY_LINEBREAK"})


def _tail_segments(pattern: str) -> int | None:
    """For `(^|\\.)BODY$` patterns: how many trailing key segments decide whether it matches.

    Such a pattern matches a key exactly when BODY spans one of the key's dotted suffixes; if BODY
    can consume at most d dots, the last d + 1 segments decide. None when the pattern has another shape.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        items = list(_parser.parse(pattern, re.IGNORECASE))
    except Exception:  # noqa: BLE001 - any surprise: no shortcut, plain search
        return None
    if len(items) < 2 or str(items[-1][0]) != "AT" or str(items[-1][1]) != "AT_END":
        return None
    op, arg = items[0]
    if str(op) == "BRANCH":  # `(?:^|\\.)`
        head = [items[0]]
    elif str(op) == "SUBPATTERN" and not arg[1] and not arg[2]:  # `(^|\\.)`
        head = list(arg[-1])
    else:
        return None
    if len(head) != 1 or str(head[0][0]) != "BRANCH":
        return None
    alts = sorted(repr([(str(o), str(a)) for o, a in alt]) for alt in head[0][1][1])
    if alts != sorted([repr([("AT", "AT_BEGINNING")]), repr([("LITERAL", "46")])]):
        return None
    dots = _max_dots(items[1:-1])
    return None if dots is None else dots + 1


class _RuleIndex:
    """`PlaybookSet.config_rule_for` with the patterns compiled once and answers memoised.

    Same answer as the playbook method: among matching rules the highest severity wins, the first
    one (playbook order, then rule order) among equals; rules are numbered in that preference order
    and the lowest-numbered match is the answer. A `(^|\\.)...$` pattern's answer depends only on
    the key's last few segments (`_tail_segments`), so which rules match is memoised per tail
    length and tail: keys differ, their leaves repeat.
    """

    _MAX_MEMO = 200_000

    def __init__(self, playbooks: PlaybookSet) -> None:
        rules = [(playbook, rule) for playbook in playbooks for rule in playbook.signals.config_keys]
        order = sorted(range(len(rules)), key=lambda i: (-rules[i][1].severity.weight, i))
        self.rules = [rules[i] for i in order]
        groups: dict[int | None, list[tuple[int, re.Pattern[str]]]] = {}
        for position, (_, rule) in enumerate(self.rules):
            groups.setdefault(_tail_segments(rule.pattern), []).append(
                (position, re.compile(rule.pattern, re.IGNORECASE)))
        self.groups = list(groups.items())  # (tail length or None for the whole key, rules)
        self.memo: dict[tuple[int | None, str], int] = {}
        self.subsystems: dict[str, str] = {}
        self.section_names = [playbook.section_names for playbook, _ in self.rules]

    def rule(self, key: str) -> tuple[Playbook, ConfigKeyRule] | None:
        mask = 0
        parts = key.split(".") if "\n" not in key else None
        memo = self.memo
        for tail, regexes in self.groups:
            probe = key if tail is None or parts is None else ".".join(parts[-tail:])
            found = memo.get((tail, probe))
            if found is None:
                found = 0
                for position, regex in regexes:
                    if regex.search(probe):
                        found |= 1 << position
                if len(memo) >= self._MAX_MEMO:
                    memo.clear()
                memo[(tail, probe)] = found
            mask |= found
        if not mask:
            return None
        first = (mask & -mask).bit_length() - 1
        if mask == 1 << first:
            return self.rules[first]
        sections = key_sections(key)  # several rules match: one whose playbook's section encloses the key
        position, rest = first, mask
        while rest:
            if sections & self.section_names[position]:
                return self.rules[position]
            rest &= rest - 1
            position = (rest & -rest).bit_length() - 1
        return self.rules[first]


_INDEXES: dict[int, tuple[PlaybookSet, _RuleIndex]] = {}


def _index(playbooks: PlaybookSet) -> _RuleIndex:
    held = _INDEXES.get(id(playbooks))
    if held is None or held[0] is not playbooks:
        if len(_INDEXES) >= 16:
            _INDEXES.clear()
        held = _INDEXES[id(playbooks)] = (playbooks, _RuleIndex(playbooks))
    return held[1]


def subsystem_for(key: str, playbooks: PlaybookSet) -> str:
    """Fallback subsystem for a key no rule covers: the playbook whose identifiers mention it."""
    leaf = key.rsplit(".", 1)[-1]
    memo = _index(playbooks).subsystems
    if leaf not in memo:
        memo[leaf] = next((playbook.subsystem for playbook in playbooks
                           if (regex := playbook.identifier_regex) is not None and regex.search(leaf)),
                          OTHER_SUBSYSTEM)
    return memo[leaf]


def rule_for(key: str, playbooks: PlaybookSet) -> tuple[Playbook, ConfigKeyRule] | None:
    index = _index(playbooks)
    hit = index.rule(key)
    if hit is None and key.endswith("._target_"):
        hit = index.rule(key.rsplit(".", 1)[0])
    return hit


def judge(match: KeyMatch, playbooks: PlaybookSet) -> Verdict:
    cand, base = match.candidate, match.baseline
    hit = rule_for(cand.key, playbooks) if cand is not None else None
    if hit is None and base is not None:
        hit = rule_for(base.key, playbooks)
    if hit is None:
        return Verdict(subsystem_for((cand or base).key, playbooks), Severity.low, None, None,  # type: ignore[union-attr]
                       "no playbook rule covers this key")
    playbook, rule = hit
    if rule.kind == "interval":
        ratio = frequency_ratio(match) if match.status is MatchStatus.changed else None
        if ratio is not None and ratio >= FREQUENCY_FACTOR:
            return Verdict(playbook.subsystem, Severity.significant, rule, playbook,
                           f"{ratio:g}x more frequent: throughput overhead")
        return Verdict(playbook.subsystem, Severity.low, rule, playbook, "interval change (overhead only)")
    return Verdict(playbook.subsystem, rule.severity, rule, playbook, f"{rule.kind} key (rule `{rule.pattern}`)")
