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

from investigator.config.keys import normalise_segment, tokens
from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus, same_value

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


def _suffix(state: _State) -> None:
    index: dict[tuple[str, ...], list[str]] = {}
    for key in state.cand:
        segs = tuple(state.aliases.segment(s) for s in key.split("."))
        for n in range(2, len(segs) + 1):
            index.setdefault(segs[-n:], []).append(key)
    base_counts: dict[tuple[str, ...], int] = {}
    for key in state.base:
        segs = tuple(state.aliases.segment(s) for s in key.split("."))
        for n in range(2, len(segs) + 1):
            base_counts[segs[-n:]] = base_counts.get(segs[-n:], 0) + 1
    for key in sorted(state.base, key=lambda k: -k.count(".")):
        segs = tuple(state.aliases.segment(s) for s in key.split("."))
        for n in range(len(segs), 1, -1):
            hits = [k for k in index.get(segs[-n:], []) if k in state.cand]
            if not hits:
                continue
            choice = _prefer_value(state.base[key], hits, state.cand) if base_counts[segs[-n:]] == 1 else None
            if choice is None and base_counts[segs[-n:]] > 1:
                same = [h for h in hits if same_value(state.base[key], state.cand[h])]
                choice = same[0] if len(same) == 1 else None
            if choice is not None:
                state.pair(key, choice, "suffix")
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
        for bkey in bkeys:  # several at both sides: only value-identical unique pairs
            live = [h for h in hits if h in state.cand]
            same = [h for h in live if same_value(state.base[bkey], state.cand[h])]
            if len(same) == 1:
                state.pair(bkey, same[0], "leaf+value")


def leaf_similarity(a: str, b: str, aliases: Aliases) -> float:
    if aliases.same(a, b):
        return 1.0
    ta, tb = tokens(a), tokens(b)
    jaccard = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    prefix = 1.0 if a.startswith(b) or b.startswith(a) else 0.0
    ratio = SequenceMatcher(None, a, b).ratio()
    return max(jaccard, ratio, 0.8 * prefix)


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
        for b in bkeys:
            for c in ckeys:
                score = leaf_similarity(b.rsplit(".", 1)[-1], c.rsplit(".", 1)[-1], state.aliases)
                if same_value(state.base[b], state.cand[c]):
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
