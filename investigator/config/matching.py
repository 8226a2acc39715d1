"""Match configuration keys across two commits whose files, formats and names differ.

Stages, each only over keys still unmatched (the table `STAGES` is the order):
1. exact   : same normalised key path.
2. alias   : same path once every segment is mapped to its playbook alias canonical name.
3. suffix  : the longest common trailing path (>= 2 segments) is unique, e.g. a common prefix
             was dropped (`env.game.rewards.gem` ~ `game.rewards.gem`); ties broken by equal value.
4. leaf    : same (alias-canonical) leaf name, unique at both sides, or unique with an equal value.
5. rename  : same parent section and similar leaf names (shared tokens / close spelling),
             best pairs first; an equal value adds to the score.
Then each pair is classified: unchanged, moved (same value, new key or file), changed; leftovers
are removed/added.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import SequenceMatcher
from itertools import islice

from investigator.config.keys import normalise_segment, tokens
from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus, same_value, value_key

RENAME_THRESHOLD = 0.62


class Aliases:
    """Segment -> canonical segment, from `PlaybookSet.aliases()` (canonical -> other names)."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.canonical: dict[str, str] = {}
        for canonical, others in (table or {}).items():
            canon = normalise_segment(canonical)
            self.canonical[canon] = canon
            for other in others:
                self.canonical.setdefault(normalise_segment(other), canon)

    def segment(self, seg: str) -> str:
        return self.canonical.get(seg, seg)

    def key(self, key: str) -> str:
        return ".".join(self.segment(s) for s in key.split("."))

    def same(self, a: str, b: str) -> bool:
        return a == b or self.segment(a) == self.segment(b)


class _State:
    def __init__(self, base: dict[str, ConfigEntry], cand: dict[str, ConfigEntry], aliases: Aliases) -> None:
        self.base = dict(base)
        self.cand = dict(cand)
        self.aliases = aliases
        self.pairs: list[tuple[ConfigEntry, ConfigEntry, str]] = []

    def pair(self, bkey: str, ckey: str, how: str) -> None:
        self.pairs.append((self.base.pop(bkey), self.cand.pop(ckey), how))


def _exact(state: _State) -> None:
    for key in [k for k in state.base if k in state.cand]:
        state.pair(key, key, "exact")


def _alias(state: _State) -> None:
    index: dict[str, list[str]] = {}
    for key in state.cand:
        index.setdefault(state.aliases.key(key), []).append(key)
    for key in list(state.base):
        hits = [k for k in index.get(state.aliases.key(key), []) if k in state.cand]
        if len(hits) == 1:
            state.pair(key, hits[0], "alias")


def _prefer_value(entry: ConfigEntry, hits: list[str], cand: dict[str, ConfigEntry]) -> str | None:
    if len(hits) == 1:
        return hits[0]
    same = [h for h in hits if same_value(entry, cand[h])]
    return same[0] if len(same) == 1 else None


class _ValueGroups:
    """Live candidate keys grouped by value, so "which of them has this value" is a lookup, not a scan."""

    def __init__(self, keys: list[str], entries: dict[str, ConfigEntry]) -> None:
        self.entries = entries
        self.by_value: dict[object, dict[str, None]] = {}
        self.odd: dict[str, None] = {}  # values without a hashable key: compared one by one
        self.value_of: dict[str, object] = {}
        for key in keys:
            vk = self.value_of[key] = value_key(entries[key])
            if vk is None:
                self.odd[key] = None
            else:
                self.by_value.setdefault(vk, {})[key] = None

    def same(self, entry: ConfigEntry) -> list[str]:
        """Up to two live keys whose value equals `entry`'s (enough to tell "exactly one")."""
        vk = value_key(entry)
        if vk is None:
            out = [k for bucket in self.by_value.values() for k in bucket if same_value(entry, self.entries[k])]
        else:
            out = list(islice(self.by_value.get(vk, ()), 2))
        if len(out) < 2 and self.odd:
            out.extend(k for k in self.odd if same_value(entry, self.entries[k]))
        return out[:2]

    def remove(self, key: str) -> None:
        vk = self.value_of.pop(key, None)
        if vk is None:
            self.odd.pop(key, None)
        else:
            bucket = self.by_value[vk]
            bucket.pop(key, None)
            if not bucket:
                del self.by_value[vk]


def _suffix(state: _State) -> None:
    canonical = state.aliases.canonical.get

    def segments(key: str) -> tuple[str, ...]:
        parts = key.split(".")
        return tuple(map(canonical, parts, parts))

    index: dict[tuple[str, ...], dict[str, None]] = {}  # suffix -> live candidate keys, in order
    suffixes: dict[str, list[tuple[str, ...]]] = {}
    for key in state.cand:
        segs = segments(key)
        own = suffixes[key] = [segs[-n:] for n in range(2, len(segs) + 1)]
        for suffix in own:
            bucket = index.get(suffix)
            if bucket is None:
                index[suffix] = {key: None}
            else:
                bucket[key] = None
    base_counts: dict[tuple[str, ...], int] = {}
    base_segs = {key: segments(key) for key in state.base}
    for segs in base_segs.values():
        for n in range(2, len(segs) + 1):
            base_counts[segs[-n:]] = base_counts.get(segs[-n:], 0) + 1
    groups: dict[tuple[str, ...], _ValueGroups] = {}
    for key in sorted(state.base, key=lambda k: -k.count(".")):
        segs = base_segs[key]
        for n in range(len(segs), 1, -1):
            suffix = segs[-n:]
            live = index.get(suffix)
            if not live:
                continue
            choice = None
            if base_counts[suffix] == 1 and len(live) == 1:
                choice = next(iter(live))
            else:
                group = groups.get(suffix)
                if group is None:
                    group = groups[suffix] = _ValueGroups(list(live), state.cand)
                same = group.same(state.base[key])
                choice = same[0] if len(same) == 1 else None
            if choice is not None:
                state.pair(key, choice, "suffix")
                for own in suffixes[choice]:
                    index[own].pop(choice, None)
                    if own in groups:
                        groups[own].remove(choice)
            break


def _leaf(state: _State) -> None:
    cand_by_leaf: dict[str, list[str]] = {}
    for key in state.cand:
        cand_by_leaf.setdefault(state.aliases.segment(key.rsplit(".", 1)[-1]), []).append(key)
    base_by_leaf: dict[str, list[str]] = {}
    for key in state.base:
        base_by_leaf.setdefault(state.aliases.segment(key.rsplit(".", 1)[-1]), []).append(key)
    for leaf, bkeys in base_by_leaf.items():
        hits = [k for k in cand_by_leaf.get(leaf, []) if k in state.cand]
        if not hits:
            continue
        if len(bkeys) == 1:
            choice = _prefer_value(state.base[bkeys[0]], hits, state.cand)
            if choice is not None:
                state.pair(bkeys[0], choice, "leaf")
            continue
        group = _ValueGroups(hits, state.cand)  # several at both sides: only value-identical unique pairs
        for bkey in bkeys:
            same = group.same(state.base[bkey])
            if len(same) == 1:
                state.pair(bkey, same[0], "leaf+value")
                group.remove(same[0])


def leaf_similarity(a: str, b: str, aliases: Aliases) -> float:
    if aliases.same(a, b):
        return 1.0
    ta, tb = tokens(a), tokens(b)
    jaccard = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    prefix = 1.0 if a.startswith(b) or b.startswith(a) else 0.0
    ratio = SequenceMatcher(None, a, b).ratio()
    return max(jaccard, ratio, 0.8 * prefix)


def _similarity_over(a: str, b: str, ta: set[str], tb: set[str], aliases: Aliases, floor: float) -> float | None:
    """`leaf_similarity(a, b)`, or None when it is certainly below `floor` (the costly
    `SequenceMatcher` ratio is skipped when even its upper bound, from the lengths, cannot reach it)."""
    if aliases.same(a, b):
        return 1.0
    union = ta | tb
    jaccard = len(ta & tb) / len(union) if union else 0.0
    prefix = 1.0 if a.startswith(b) or b.startswith(a) else 0.0
    total = len(a) + len(b)
    bound = 2.0 * min(len(a), len(b)) / total if total else 1.0
    if max(jaccard, bound, 0.8 * prefix) < floor:
        return None
    return max(jaccard, SequenceMatcher(None, a, b).ratio(), 0.8 * prefix)


def _rename(state: _State) -> None:
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for key in state.base:
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        groups.setdefault(state.aliases.segment(parent.rsplit(".", 1)[-1]), ([], []))[0].append(key)
    for key in state.cand:
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        group = state.aliases.segment(parent.rsplit(".", 1)[-1])
        if group in groups:
            groups[group][1].append(key)
    for bkeys, ckeys in groups.values():
        if not ckeys or len(bkeys) * len(ckeys) > 4000:
            continue
        scored = []
        cleaves = [(c, c.rsplit(".", 1)[-1]) for c in ckeys]
        ctokens = {leaf: tokens(leaf) for _, leaf in cleaves}
        for b in bkeys:
            lb = b.rsplit(".", 1)[-1]
            tb = tokens(lb)
            for c, lc in cleaves:
                bonus = 0.15 if same_value(state.base[b], state.cand[c]) else 0.0
                score = _similarity_over(lb, lc, tb, ctokens[lc], state.aliases,
                                         RENAME_THRESHOLD - bonus - 1e-9)  # margin: never skip a keeper
                if score is None:
                    continue
                if bonus:
                    score += 0.15
                if score >= RENAME_THRESHOLD:
                    scored.append((score, b, c))
        for _, b, c in sorted(scored, reverse=True):
            if b in state.base and c in state.cand:
                state.pair(b, c, "rename")


STAGES: list[tuple[str, Callable[[_State], None]]] = [
    ("exact", _exact),
    ("alias", _alias),
    ("suffix", _suffix),
    ("leaf", _leaf),
    ("rename", _rename),
]


def classify(b: ConfigEntry, c: ConfigEntry, how: str) -> KeyMatch:
    if not same_value(b, c):
        return KeyMatch(MatchStatus.changed, b, c, how)
    if b.key != c.key or b.path != c.path:
        return KeyMatch(MatchStatus.moved, b, c, how)
    return KeyMatch(MatchStatus.unchanged, b, c, how)


def match(base: dict[str, ConfigEntry], cand: dict[str, ConfigEntry], aliases: Aliases | None = None,
          stages: list[str] | None = None) -> list[KeyMatch]:
    """Pair and classify the keys of two configurations (baseline, candidate)."""
    state = _State(base, cand, aliases or Aliases())
    for name, stage in STAGES:
        if stages is None or name in stages:
            stage(state)
    out = [classify(b, c, how) for b, c, how in state.pairs]
    out.extend(KeyMatch(MatchStatus.removed, e, None) for e in state.base.values())
    out.extend(KeyMatch(MatchStatus.added, None, e) for e in state.cand.values())
    out.sort(key=lambda m: m.key)
    return out
