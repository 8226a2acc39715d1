from investigator.config.matching import Aliases, leaf_similarity, match
from investigator.config.model import ConfigEntry, EntryKind, MatchStatus


def e(key, value, path="a.yaml", line=1, literal=True):
    return ConfigEntry(key=key, value=value, path=path, line=line, format="yaml", kind=EntryKind.file_value,
                       literal=literal)


def table(*entries):
    return {x.key: x for x in entries}


def statuses(matches):
    return {(m.baseline.key if m.baseline else None, m.candidate.key if m.candidate else None): (m.status, m.how)
            for m in matches}


def test_exact_unchanged_changed_moved():
    got = statuses(match(table(e("a.lr", 1e-3), e("a.gamma", 0.99), e("a.seed", 1)),
                         table(e("a.lr", 1e-3), e("a.gamma", 0.9), e("a.seed", 1.0, path="b.py"))))
    assert got[("a.lr", "a.lr")] == (MatchStatus.unchanged, "exact")
    assert got[("a.gamma", "a.gamma")][0] is MatchStatus.changed
    assert got[("a.seed", "a.seed")][0] is MatchStatus.moved  # same value (1 == 1.0), new file


def test_alias_match_from_playbooks():
    aliases = Aliases({"num_workers": ["rollout_workers", "n_workers"]})
    got = statuses(match(table(e("t.num_workers", 8)), table(e("t.rollout_workers", 1)), aliases))
    assert got[("t.num_workers", "t.rollout_workers")] == (MatchStatus.changed, "alias")
    got = statuses(match(table(e("t.num_workers", 8)), table(e("t.rollout_workers", 1)),
                         stages=["exact", "alias", "suffix", "leaf"]))
    assert ("t.num_workers", "t.rollout_workers") not in got  # without the alias they stay apart


def test_suffix_match_when_prefix_dropped_and_value_breaks_ties():
    got = statuses(match(table(e("env.game.rewards.gem", 0.2)), table(e("game.rewards.gem", 0.3))))
    assert got[("env.game.rewards.gem", "game.rewards.gem")] == (MatchStatus.changed, "suffix")
    got = statuses(match(table(e("old.x.lr", 0.1)), table(e("p.x.lr", 0.2), e("q.x.lr", 0.1))))
    assert got[("old.x.lr", "q.x.lr")][0] is MatchStatus.moved


def test_leaf_match_unique_only():
    got = statuses(match(table(e("trainer.batch_size", 64)), table(e("ppo.batch_size", 128))))
    assert got[("trainer.batch_size", "ppo.batch_size")] == (MatchStatus.changed, "leaf")
    ambiguous = statuses(match(table(e("trainer.seed", 1)), table(e("env.seed", 2), e("model.seed", 3))))
    assert ambiguous[("trainer.seed", None)][0] is MatchStatus.removed  # ambiguous: no guess


def test_rename_within_section():
    got = statuses(match(table(e("trainer.checkpoint_interval", 50)),
                         table(e("trainer.checkpoint_every", 5), e("trainer.other_flag", True))))
    assert got[("trainer.checkpoint_interval", "trainer.checkpoint_every")] == (MatchStatus.changed, "rename")
    got = statuses(match(table(e("trainer.lr", 0.1)), table(e("trainer.momentum", 0.9))))
    assert got[("trainer.lr", None)][0] is MatchStatus.removed  # dissimilar names are not paired
    assert got[(None, "trainer.momentum")][0] is MatchStatus.added


def test_null_distinct_from_missing_and_from_number():
    got = statuses(match(table(e("t.clip", None)), table(e("t.clip", 0.5))))
    assert got[("t.clip", "t.clip")][0] is MatchStatus.changed
    got = statuses(match(table(e("t.clip", None)), table()))
    assert got[("t.clip", None)][0] is MatchStatus.removed


def test_expression_text_compared_verbatim():
    got = statuses(match(table(e("n", "2 * n", literal=False)), table(e("n", "2*n", literal=False))))
    assert got[("n", "n")][0] is MatchStatus.unchanged
    got = statuses(match(table(e("n", "2", literal=False)), table(e("n", "2"))))
    assert got[("n", "n")][0] is MatchStatus.changed  # literal "2" vs expression `2`


def test_leaf_similarity():
    aliases = Aliases({"ent_coef": ["entropy_coef"]})
    assert leaf_similarity("ent_coef", "entropy_coef", aliases) == 1.0
    assert leaf_similarity("lr", "gamma", aliases) < 0.5
