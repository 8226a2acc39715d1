"""Match configuration keys across two commits whose files, formats and names differ.

Stages, each only over keys still unmatched (the table `STAGES` is the order):
1. exact   : same normalised key path.
2. alias   : same path once every segment is mapped to its playbook alias canonical name.
   flatten : same path once every `.` is read as `_` (`env.name` <-> `env_name`), unique at both sides.
3. suffix  : the longest common trailing path (>= 2 segments) is unique, e.g. a common prefix
             was dropped (`env.game.rewards.gem` ~ `game.rewards.gem`); ties broken by equal value.
   renamed : a file git pairs as renamed: the same key within the file, else the leaf rule, in the pair.
4. file    : a file only the baseline has and the one file of the same stem only the candidate has
             (`exp_70.yaml` -> `exp_70.py`): the leaf rule within the pair, if most keys pair. Before
             the global leaf stage, whose equal-value tie break could pair keys of unrelated files.
5. section : a section whose root or name moved (`algorithm.*` -> `tool.trainer.ppo.*`): the section
             of the other commit that shares most of its leaf names (mutually best), key by leaf.
6. leaf    : same (alias-canonical) leaf name, unique at both sides, or unique with an equal value.
7. rename  : same parent section and similar leaf names (shared tokens / close spelling),
             best pairs first; an equal value adds to the score.
Then each pair is classified: unchanged, moved (same value, new key or file), changed; leftovers
are removed/added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher
from itertools import islice

from investigator.config.keys import normalise_key, normalise_segment, tokens
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

    def segments(self) -> Callable[[str], tuple[str, ...]]:
        """`key` -> its canonical segments; keys without an aliased segment (nearly all) skip the mapping."""
        changing = {seg: canon for seg, canon in self.canonical.items() if seg != canon}

        def segments(key: str) -> tuple[str, ...]:
            parts = key.split(".")
            if changing.keys().isdisjoint(parts):
                return tuple(parts)
            return tuple([changing.get(p, p) for p in parts])

        return segments

    def keys(self) -> Callable[[str], str]:
        """`key` -> `self.key(key)`, fast for keys without an aliased segment."""
        changing = {seg: canon for seg, canon in self.canonical.items() if seg != canon}

        def key(key: str) -> str:
            parts = key.split(".")
            if changing.keys().isdisjoint(parts):
                return key
            return ".".join([changing.get(p, p) for p in parts])

        return key


class _State:
    def __init__(self, base: dict[str, ConfigEntry], cand: dict[str, ConfigEntry], aliases: Aliases,
                 renames: frozenset[tuple[str, str]] = frozenset()) -> None:
        self.renames = renames  # (old path, new path) of the files git pairs as renamed
        self.base = dict(base)
        self.cand = dict(cand)
        self.aliases = aliases
        self.pairs: list[tuple[ConfigEntry, ConfigEntry, str]] = []
        self.all_base, self.all_cand = base, cand  # every key, matched or not (see `_files`)

    def pair(self, bkey: str, ckey: str, how: str) -> None:
        self.pairs.append((self.base.pop(bkey), self.cand.pop(ckey), how))


def _exact(state: _State) -> None:
    for key in [k for k in state.base if k in state.cand]:
        state.pair(key, key, "exact")


def _alias(state: _State) -> None:
    canonical = state.aliases.keys()
    index: dict[str, list[str]] = {}
    for key in state.cand:
        alias = canonical(key)
        bucket = index.get(alias)
        if bucket is None:
            index[alias] = [key]
        else:
            bucket.append(key)
    for key in list(state.base):
        bucket = index.get(canonical(key))
        if bucket is None:
            continue
        hits = [k for k in bucket if k in state.cand]
        if len(hits) == 1:
            state.pair(key, hits[0], "alias")


def _flatten(state: _State) -> None:
    """Segments joined or split (`atari.env.name` <-> `atari.env_name`): the same path once every `.`
    is read as `_`, unique at both commits."""
    index: dict[str, list[str]] = {}
    for key in state.cand:
        index.setdefault(key.replace(".", "_"), []).append(key)
    seen: dict[str, int] = {}
    for key in state.base:
        flat = key.replace(".", "_")
        seen[flat] = seen.get(flat, 0) + 1
    for key in list(state.base):
        flat = key.replace(".", "_")
        hits = index.get(flat)
        if hits and len(hits) == 1 and seen[flat] == 1 and hits[0] in state.cand:
            state.pair(key, hits[0], "flatten")


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
    segments = state.aliases.segments()
    index: dict[tuple[str, ...], dict[str, None]] = {}  # suffix -> live candidate keys, in order
    suffixes: dict[str, list[tuple[str, ...]]] = {}
    longest = 0  # no suffix longer than the longest candidate key can be shared
    for key in state.cand:
        segs = segments(key)
        longest = max(longest, len(segs))
        own = suffixes[key] = [segs[-n:] for n in range(2, len(segs) + 1)]
        for suffix in own:
            bucket = index.get(suffix)
            if bucket is None:
                index[suffix] = {key: None}
            else:
                bucket[key] = None
    base_counts: dict[tuple[str, ...], int] = {}  # only of suffixes some candidate key has
    base_segs = {key: segments(key) for key in state.base}
    for segs in base_segs.values():
        for n in range(2, min(len(segs), longest) + 1):
            suffix = segs[-n:]
            if suffix in index:
                base_counts[suffix] = base_counts.get(suffix, 0) + 1
    groups: dict[tuple[str, ...], _ValueGroups] = {}
    for key in sorted(state.base, key=lambda k: -k.count(".")):
        segs = base_segs[key]
        for n in range(min(len(segs), longest), 1, -1):
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
                for taken in suffixes[choice]:
                    index[taken].pop(choice, None)
                    if taken in groups:
                        groups[taken].remove(choice)
            break


def _by_leaf(keys: dict[str, ConfigEntry], aliases: Aliases) -> dict[str, list[str]]:
    """Alias-canonical leaf -> keys, in order."""
    canonical = aliases.canonical.get
    out: dict[str, list[str]] = {}
    for key in keys:
        leaf = key[key.rfind(".") + 1:]
        leaf = canonical(leaf, leaf)
        bucket = out.get(leaf)
        if bucket is None:
            out[leaf] = [key]
        else:
            bucket.append(key)
    return out


def _leaf_pairs(base: dict[str, ConfigEntry], cand: dict[str, ConfigEntry],
                aliases: Aliases) -> list[tuple[str, str, str]]:
    """(baseline key, candidate key, how) by the leaf rule. A candidate key has one leaf, so the
    leaves are independent: the pairs can be chosen first and applied after."""
    cand_by_leaf = _by_leaf(cand, aliases)
    out: list[tuple[str, str, str]] = []
    for leaf, bkeys in _by_leaf(base, aliases).items():
        hits = cand_by_leaf.get(leaf)
        if not hits:
            continue
        if len(bkeys) == 1:
            choice = _prefer_value(base[bkeys[0]], hits, cand)
            if choice is not None:
                out.append((bkeys[0], choice, "leaf"))
            continue
        group = _ValueGroups(hits, cand)  # several at both sides: only value-identical unique pairs
        for bkey in bkeys:
            same = group.same(base[bkey])
            if len(same) == 1:
                out.append((bkey, same[0], "leaf+value"))
                group.remove(same[0])
    return out


def _leaf(state: _State) -> None:
    for bkey, ckey, how in _leaf_pairs(state.base, state.cand, state.aliases):
        state.pair(bkey, ckey, how)


FILE_PAIR_SHARE = 0.5  # a file pair counts when at least this share of its smaller side's keys pair by leaf


def _stem(path: str) -> str:
    """File name without directory and extension, normalised (`configs/PPO-Atari.yaml` -> `ppo_atari`)."""
    name = path.rsplit("/", 1)[-1]
    return normalise_segment(name.rsplit(".", 1)[0] if "." in name else name)


def _by_path(keys: dict[str, ConfigEntry]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, entry in keys.items():
        bucket = out.get(entry.path)
        if bucket is None:
            out[entry.path] = [key]
        else:
            bucket.append(key)
    return out


def _only_at(keys: dict[str, ConfigEntry], other_files: set[str]) -> dict[str, dict[str, list[str]]]:
    """stem -> path -> unmatched keys, for files that have no entry at the other commit."""
    out: dict[str, dict[str, list[str]]] = {}
    for path, paths_keys in _by_path(keys).items():
        if path not in other_files and not path.startswith("<"):
            out.setdefault(_stem(path), {})[path] = paths_keys
    return out


def _file_relative(key: str, path: str) -> str:
    """`ibc.configs.mlp_mdn.train_eval.batch_size` of `ibc/configs/mlp_mdn.gin` -> `train_eval.batch_size`:
    the key within its file, for files whose keys carry their path."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    prefix = normalise_key(stem.replace("/", ".")) + "."
    return key[len(prefix):] if key.startswith(prefix) else key


def _renamed_files(state: _State) -> None:
    """Pair the keys of a config file git pairs as renamed (by content similarity) with those of its new
    name: the same key within the file first, then the leaf rule within the pair. Git's pairing decides
    which new file an old one became, never the name alone: a renamed and edited file keeps its runs, so
    its changed values are changes (not a deleted file and a new one no run used), and an unrelated new
    file of the same name is not its partner. Real shape: ibc 5e89df66..2c9202e5 moved `configs/*.gin`
    into per-task folders and retuned them (`pixel_mse.gin` -> `pushing_pixels/pixel_mse_best.gin`, R084:
    `train_eval.batch_size` 64 -> 128, `conv_mlpmse.target_height` 180); `configs/mlp_mdn.gin` was paired
    with the new `d4rl/mlp_mdn.gin` by stem, while git pairs it with `pushing_states/mlp_mdn_best.gin`."""
    if not state.renames or not state.base or not state.cand:
        return
    base_files, cand_files = _by_path(state.base), _by_path(state.cand)
    every_base = {e.path for e in state.all_base.values()}
    every_cand = {e.path for e in state.all_cand.values()}
    for old, new in sorted(state.renames):
        bkeys, ckeys = base_files.get(old), cand_files.get(new)
        if not bkeys or not ckeys or old in every_cand or new in every_base:
            continue
        by_rel = {_file_relative(k, new): k for k in ckeys}
        left_base: dict[str, ConfigEntry] = {}
        for bkey in bkeys:
            ckey = by_rel.pop(_file_relative(bkey, old), None)
            if ckey is not None and ckey in state.cand:
                state.pair(bkey, ckey, "renamed file")
            else:
                left_base[bkey] = state.base[bkey]
        left_cand = {k: state.cand[k] for k in by_rel.values() if k in state.cand}
        for bkey, ckey, _ in _leaf_pairs(left_base, left_cand, state.aliases):
            state.pair(bkey, ckey, "renamed file")


def _files(state: _State) -> None:
    """Pair a file that only the baseline has with the one file of the same stem that only the
    candidate has (`configs/exp_70.yaml` -> `project/config/exp_70.py`), key by key within the pair.

    A migration that changes a file's format usually keeps its name, while the keys get new prefixes
    (`trainer.x` -> `Trainer70.x`) that the global stages cannot pair when many files share leaf names.
    Within the pair, the leaf stage's rule applies (unique leaf, or unique with an equal value). The
    stem must be unique among such files at both commits, and at least `FILE_PAIR_SHARE` of the smaller
    file's keys must pair; otherwise nothing is paired (two unrelated files proves nothing).
    """
    if not state.base or not state.cand:
        return
    # files with an entry at one commit only (deleted, added or renamed), by stem
    only_base = _only_at(state.base, {e.path for e in state.all_cand.values()})
    if not only_base:
        return
    only_cand = _only_at(state.cand, {e.path for e in state.all_base.values()})
    renamed = {p for pair in state.renames for p in pair}  # git paired these (`_renamed_files`)
    for stem, files in only_base.items():
        if renamed.intersection(files) or renamed.intersection(only_cand.get(stem, ())):
            continue
        others = only_cand.get(stem)
        if len(files) != 1 or others is None or len(others) != 1:
            continue
        ((_, bkeys),), ((_, ckeys),) = files.items(), others.items()
        pairs = _leaf_pairs({k: state.base[k] for k in bkeys}, {k: state.cand[k] for k in ckeys}, state.aliases)
        if len(pairs) < FILE_PAIR_SHARE * min(len(bkeys), len(ckeys)):
            continue
        for bkey, ckey, _ in pairs:
            state.pair(bkey, ckey, "file")


SECTION_SHARE = 0.5  # sections pair when their shared leaves are at least this share of the smaller one
SECTION_MIN_SHARED = 2
SECTION_FANOUT = 64  # a leaf in more candidate sections than this does not propose partners


def _sections(keys: dict[str, ConfigEntry], canonical: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """parent section -> {alias-canonical leaf: key}, for the still unmatched keys."""
    out: dict[str, dict[str, str]] = {}
    for key in keys:
        cut = key.rfind(".")
        parent, leaf = (key[:cut], key[cut + 1:]) if cut >= 0 else ("", key)
        out.setdefault(parent, {})[canonical(leaf)] = key
    return out


_DIGITS = re.compile(r"\d+")


def _digitless(path: str) -> str:
    """A section path with its numbers left out: `hyperparams.trpo.ant_v3` and `hyperparams.trpo.ant_v4` agree."""
    return _DIGITS.sub("", path)


def _best_partner(scores: dict[str, tuple[int, int, int, int]]) -> str | None:
    """The best-scored section, None when there is none or a tie for first."""
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def _shared_leaf_counts(leaves: Iterable[str], by_leaf: dict[str, list[str]]) -> dict[str, int]:
    """Candidate section -> how many of `leaves` it holds too."""
    counts: dict[str, int] = {}
    for leaf in leaves:
        parents = by_leaf.get(leaf, ())
        if len(parents) > SECTION_FANOUT:
            continue  # `name`, `enabled`: in every section, they tell none apart (and would be quadratic)
        for cp in parents:
            counts[cp] = counts.get(cp, 0) + 1
    return counts


def _section(state: _State) -> None:
    """Pair whole sections whose root or name moved (`algorithm.*` -> `tool.trainer.ppo.*`), by structure.

    A baseline section and a candidate section pair when they share at least `SECTION_MIN_SHARED` leaf
    names, and at least `SECTION_SHARE` of the smaller one's, and each is the other's best partner
    (most shared leaves, then most equal values among them, then a partner in the same file; a tie
    pairs nothing). Within the pair, keys pair by leaf. This is what tells `algorithm.learning_rate`
    from `rnd_cfg.learning_rate` when both moved under new names with the same value, which neither
    the suffix nor the leaf stage can. The same-file preference: rl-baselines3-zoo v2.3.0..v2.4.0
    renamed the `LunarLanderContinuous-v2` section to `-v3` in `ddpg.yml` and `td3.yml`, whose two
    sections hold the same values, so each old section tied between the two new ones and four
    "N keys removed" plus four "N keys added" findings filled the top five.

    Before all of these, a partner whose path is the section's own apart from its digits (`Ant-v3` ->
    `Ant-v4`, a new version of the same environment): rl-baselines3-zoo v2.2.1..v2.3.0 renamed six MuJoCo
    sections `-v3` -> `-v4` in each `hyperparams/<algo>.yml`, every one merging one `<<: *defaults` anchor,
    so every old section tied between the six new ones (or, where the defaults gained keys, preferred the one
    new section that kept a key of its own) and "39 keys removed" / "39 keys added" filled the top five."""
    if not state.base or not state.cand:
        return
    canonical = state.aliases.segment
    base_sections = _sections(state.base, canonical)
    cand_sections = _sections(state.cand, canonical)
    by_leaf: dict[str, list[str]] = {}
    for parent, leaves in cand_sections.items():
        for leaf in leaves:
            by_leaf.setdefault(leaf, []).append(parent)

    def score(bp: str, cp: str) -> tuple[int, int, int, int] | None:
        b, c = base_sections[bp], cand_sections[cp]
        shared = b.keys() & c.keys()
        if len(shared) < SECTION_MIN_SHARED or len(shared) < SECTION_SHARE * min(len(b), len(c)):
            return None
        equal = sum(1 for leaf in shared if same_value(state.base[b[leaf]], state.cand[c[leaf]]))
        same_file = all(state.base[b[leaf]].path == state.cand[c[leaf]].path for leaf in shared)
        return int(_digitless(bp) == _digitless(cp)), len(shared), equal, int(same_file)

    base_best: dict[str, str] = {}
    cand_scores: dict[str, dict[str, tuple[int, int, int, int]]] = {}
    for bp, leaves in base_sections.items():
        if len(leaves) < SECTION_MIN_SHARED:
            continue
        counts = _shared_leaf_counts(leaves, by_leaf)
        scores = {cp: sc for cp, n in counts.items() if n >= SECTION_MIN_SHARED and (sc := score(bp, cp)) is not None}
        for cp, sc in scores.items():
            cand_scores.setdefault(cp, {})[bp] = sc
        choice = _best_partner(scores)
        if choice is not None:
            base_best[bp] = choice
    for bp, cp in base_best.items():
        if _best_partner(cand_scores.get(cp, {})) != bp:
            continue
        b, c = base_sections[bp], cand_sections[cp]
        for leaf in sorted(b.keys() & c.keys()):
            if b[leaf] in state.base and c[leaf] in state.cand:
                state.pair(b[leaf], c[leaf], "section")


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
                if _other_kind(state.base[b], state.cand[c]):
                    continue
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


def _value_kind(entry: ConfigEntry) -> str | None:
    """bool / number / text / list / mapping of a literal value; None when unset or not a literal."""
    value = entry.value
    if not entry.literal or value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _other_kind(b: ConfigEntry, c: ConfigEntry) -> bool:
    """Both values literal and of different kinds (a count and a flag): two settings, never one renamed.
    Real shape: dreamerv3 e3f0224 paired `multicpu.run.num_envs: 8` with the new `run.remote_envs: False`
    (both under a `run` section, sharing the token `envs`) as one key changed 8 -> false."""
    kb, kc = _value_kind(b), _value_kind(c)
    return kb is not None and kc is not None and kb != kc


STAGES: list[tuple[str, Callable[[_State], None]]] = [
    ("exact", _exact),
    ("renamed file", _renamed_files),
    ("alias", _alias),
    ("flatten", _flatten),
    ("suffix", _suffix),
    ("file", _files),
    ("section", _section),
    ("leaf", _leaf),
    ("rename", _rename),
]


def classify(b: ConfigEntry, c: ConfigEntry, how: str) -> KeyMatch:
    if not same_value(b, c):
        return KeyMatch(MatchStatus.changed, b, c, how)
    if b.key != c.key or b.path != c.path:
        return KeyMatch(MatchStatus.moved, b, c, how)
    return KeyMatch(MatchStatus.unchanged, b, c, how)


_BY_PLACE = {"suffix", "section", "leaf", "rename"}  # pairs made by where a key sits, not by its full name
CROSS_FILE_SAME_SHARE = 0.5  # a deleted file's keys pair into an added file of another name when this share keep their value


def _unrelated_files(state: _State) -> None:
    """Unpair the keys of a file the range deletes from those of a file it adds under another name when
    most of them differ in value: two configurations of one schema, not one file moved.

    The suffix, section and leaf stages pair keys across files so that a tree re-rooted in a new file
    (`configs/exp.yaml` `trainer.ppo.clip_coef` -> `project/config.py` `tool.trainer.ppo.clip_coef`) is
    compared key by key; such a migration keeps most values. Real shape (pymarl 3c35115..c971afd): the
    StarCraft 1 settings `envs/sc1.yaml` were deleted and `envs/sc2_beta.yaml` added beside the kept
    `envs/sc2.yaml`; `env_args.map_name` and twelve more keys of the two schemas paired by suffix, "13 keys
    changed value" (`env` "sc1" -> "sc2", `map_name`, `move_amount`...), significant in the top five. Both
    files keep their own keys: removed with the one, added with the other. Keys paired by their full
    name, files of the same name (`_files`) and keys whose file exists at both commits are left as paired."""
    base_files = {e.path for e in state.all_base.values()}
    cand_files = {e.path for e in state.all_cand.values()}
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (b, c, how) in enumerate(state.pairs):
        if how not in _BY_PLACE or b.path == c.path or b.path in cand_files or c.path in base_files:
            continue
        if b.path.startswith("<") or c.path.startswith("<") or _stem(b.path) == _stem(c.path):
            continue
        groups.setdefault((b.path, c.path), []).append(i)
    drop: set[int] = set()
    for members in groups.values():
        same = sum(1 for i in members if same_value(state.pairs[i][0], state.pairs[i][1]))
        if same < CROSS_FILE_SAME_SHARE * len(members):
            drop.update(members)
    if not drop:
        return
    for i in sorted(drop):
        b, c, _ = state.pairs[i]
        state.base[b.key] = b
        state.cand[c.key] = c
    state.pairs = [p for i, p in enumerate(state.pairs) if i not in drop]


def match(base: dict[str, ConfigEntry], cand: dict[str, ConfigEntry], aliases: Aliases | None = None,
          stages: list[str] | None = None, renames: frozenset[tuple[str, str]] = frozenset()) -> list[KeyMatch]:
    """Pair and classify the keys of two configurations (baseline, candidate); `renames`: (old path, new
    path) of the files git pairs as renamed in the range."""
    state = _State(base, cand, aliases or Aliases(), renames)
    for name, stage in STAGES:
        if stages is None or name in stages:
            stage(state)
    _unrelated_files(state)
    out = [classify(b, c, how) for b, c, how in state.pairs]
    out.extend(KeyMatch(MatchStatus.removed, e, None) for e in state.base.values())
    out.extend(KeyMatch(MatchStatus.added, None, e) for e in state.cand.values())
    out.sort(key=lambda m: m.key)
    return out


def pair_code_renames(matches: list[KeyMatch], reads_base: Callable[[str], bool],
                      reads_cand: Callable[[str], bool]) -> list[KeyMatch]:
    """Pair a key removed and a key added in the same section of the same file when the code renamed
    the setting with it: the old name is read at the baseline only and the new one at the candidate only
    (`use_popart` -> `use_valuenorm` in every config file and in the code that reads it). Exactly one of
    each in the section, or nothing is paired."""
    removed: dict[tuple[str, str], list[int]] = {}
    added: dict[tuple[str, str], list[int]] = {}
    for i, m in enumerate(matches):
        entry = m.baseline if m.status is MatchStatus.removed else m.candidate if m.status is MatchStatus.added else None
        if entry is None:
            continue
        bucket = removed if m.status is MatchStatus.removed else added
        bucket.setdefault((entry.path, entry.parent), []).append(i)
    if not removed or not added:
        return matches
    out = list(matches)
    drop: set[int] = set()
    for where, gone in removed.items():
        new = added.get(where)
        if len(gone) != 1 or new is None or len(new) != 1:
            continue
        b, c = matches[gone[0]].baseline, matches[new[0]].candidate
        assert b is not None and c is not None
        old_leaf, new_leaf = b.leaf, c.leaf
        if reads_base(old_leaf) and reads_cand(new_leaf) and not reads_cand(old_leaf) and not reads_base(new_leaf):
            out[gone[0]] = classify(b, c, "code rename")
            drop.add(new[0])
    return [m for i, m in enumerate(out) if i not in drop] if drop else matches
