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


def experiment(stem: str, lr: float, interval: int, path: str = "configs") -> dict[str, ConfigEntry]:
    """A YAML experiment file's keys (prefixed with its path, as unread files are)."""
    prefix = f"{path.replace('/', '.')}.{stem}"
    return table(e(f"{prefix}.trainer.lr", lr, f"{path}/{stem}.yaml"),
                 e(f"{prefix}.trainer.checkpoint_interval", interval, f"{path}/{stem}.yaml"),
                 e(f"{prefix}.env.rewards.gem", 0.5, f"{path}/{stem}.yaml"),
                 e(f"{prefix}.name", stem, f"{path}/{stem}.yaml"))


def module(stem: str, n: str, lr: float, interval: int, path: str = "project") -> dict[str, ConfigEntry]:
    """The same experiment as Python classes (`Trainer7`, `Rewards7`): keys by class name."""
    return table(e(f"trainer{n}.lr", lr, f"{path}/{stem}.py"),
                 e(f"trainer{n}.checkpoint_interval", interval, f"{path}/{stem}.py"),
                 e(f"rewards{n}.gem", 0.5, f"{path}/{stem}.py"))


def test_file_of_the_same_stem_pairs_keys_that_no_global_stage_can():
    base = {**experiment("exp_7", 3e-4, 50), **experiment("exp_8", 3e-4, 50)}
    cand = {**module("exp_7", "7", 3e-4, 5), **module("exp_8", "8", 3e-4, 5)}
    got = statuses(match(base, cand))
    assert got[("configs.exp_7.trainer.checkpoint_interval", "trainer7.checkpoint_interval")] == (
        MatchStatus.changed, "file")
    assert got[("configs.exp_7.trainer.lr", "trainer7.lr")] == (MatchStatus.moved, "file")
    assert got[("configs.exp_8.env.rewards.gem", "rewards8.gem")] == (MatchStatus.moved, "file")
    assert got[("configs.exp_8.trainer.checkpoint_interval", "trainer8.checkpoint_interval")][0] is MatchStatus.changed
    assert got[("configs.exp_7.name", None)][0] is MatchStatus.removed  # no partner in the module
    without = statuses(match(base, cand, stages=["exact", "alias", "suffix", "leaf", "rename"]))
    assert all(status in (MatchStatus.removed, MatchStatus.added) for status, _ in without.values())


def test_the_file_stage_runs_before_the_global_equal_value_tie_break():
    """Globally, `checkpoint_interval` 50 has one equal-valued partner: the other experiment's."""
    base = {**experiment("exp_7", 3e-4, 50), **experiment("exp_8", 3e-4, 50)}
    cand = {**module("exp_7", "7", 3e-4, 5), **module("exp_8", "8", 3e-4, 50)}
    got = statuses(match(base, cand))
    assert got[("configs.exp_7.trainer.checkpoint_interval", "trainer7.checkpoint_interval")] == (
        MatchStatus.changed, "file")
    global_only = statuses(match(base, cand, stages=["exact", "alias", "suffix", "leaf", "rename"]))
    assert global_only[("configs.exp_7.trainer.checkpoint_interval", "trainer8.checkpoint_interval")] == (
        MatchStatus.moved, "leaf+value")


def test_unrelated_files_with_the_same_key_names_are_not_paired():
    """Different stems: `exp_7.yaml` and `other_7.py` share every leaf, and still prove nothing."""
    base = {**experiment("exp_7", 3e-4, 50), **experiment("exp_8", 3e-4, 50)}
    cand = {**module("other_7", "7", 3e-4, 5), **module("other_8", "8", 3e-4, 5)}
    got = statuses(match(base, cand))
    assert all(status in (MatchStatus.removed, MatchStatus.added) for status, _ in got.values())


def test_a_stem_shared_by_several_files_pairs_nothing():
    base = {**experiment("exp_7", 3e-4, 50, "configs/a"), **experiment("exp_7", 3e-4, 50, "configs/b")}
    got = statuses(match(base, module("exp_7", "7", 3e-4, 5)))
    assert all(how != "file" for _, how in got.values())
    cand = {**module("exp_7", "7", 3e-4, 5), **module("exp_7", "7b", 3e-4, 5, "other")}
    got = statuses(match(experiment("exp_7", 3e-4, 50), cand))
    assert all(how != "file" for _, how in got.values())


def test_a_file_that_exists_at_both_commits_is_not_paired_by_stem():
    kept = e("configs.exp_7.seed", 1, "configs/exp_7.yaml")
    base = {**experiment("exp_7", 3e-4, 50), **experiment("exp_8", 3e-4, 50), kept.key: kept}
    cand = {**module("exp_7", "7", 3e-4, 5), **module("exp_8", "8", 3e-4, 50), kept.key: kept}
    got = statuses(match(base, cand))
    assert not any(k and k.startswith("trainer7.") and how == "file" for (_, k), (_, how) in got.items())
    assert got[("configs.exp_8.trainer.lr", "trainer8.lr")] == (MatchStatus.moved, "file")


def test_files_of_the_same_stem_sharing_few_leaves_are_not_paired():
    base = {**experiment("exp_7", 3e-4, 50), **experiment("exp_8", 3e-4, 50)}
    cand = table(e("model7.width", 64, "project/exp_7.py"), e("model7.depth", 2, "project/exp_7.py"),
                 e("model7.act", "relu", "project/exp_7.py"), e("trainer7.lr", 1e-3, "project/exp_7.py"),
                 e("trainer8.lr", 1e-3, "project/exp_8.py"))
    got = statuses(match(base, cand))
    exp_7 = {how for (b, _), (_, how) in got.items() if b and b.startswith("configs.exp_7.")}
    assert "file" not in exp_7  # 1 of its 4 keys pairs by leaf: below FILE_PAIR_SHARE
    assert got[("configs.exp_8.trainer.lr", "trainer8.lr")] == (MatchStatus.changed, "file")  # 1 of 1


def test_a_deleted_file_and_an_added_one_of_another_name_with_mostly_other_values_stay_apart():
    # pymarl 3c35115..c971afd: envs/sc1.yaml deleted, envs/sc2_beta.yaml added beside the kept envs/sc2.yaml
    sc1 = [e("envs.sc1.env", "sc1", "envs/sc1.yaml"), e("envs.sc1.env_args.map_name", "m5v5", "envs/sc1.yaml"),
           e("envs.sc1.env_args.move_amount", 5, "envs/sc1.yaml"), e("envs.sc1.env_args.step_mul", 5, "envs/sc1.yaml"),
           e("envs.sc1.env_args.reward_win", 200, "envs/sc1.yaml")]
    kept = [e("envs.sc2.t_max", 10, "envs/sc2.yaml")]
    beta = [e("envs.sc2_beta.env", "sc2", "envs/sc2_beta.yaml"), e("envs.sc2_beta.env_args.map_name", "3m", "envs/sc2_beta.yaml"),
            e("envs.sc2_beta.env_args.move_amount", 2, "envs/sc2_beta.yaml"),
            e("envs.sc2_beta.env_args.step_mul", 8, "envs/sc2_beta.yaml"),
            e("envs.sc2_beta.env_args.reward_win", 200, "envs/sc2_beta.yaml")]
    got = statuses(match(table(*sc1, *kept), table(*kept, *beta)))
    assert not any(b and c and b.startswith("envs.sc1") for b, c in got), got
    assert got[("envs.sc1.env_args.map_name", None)][0] is MatchStatus.removed
    assert got[(None, "envs.sc2_beta.env_args.map_name")][0] is MatchStatus.added


def test_a_tree_re_rooted_in_a_new_file_keeping_most_values_stays_paired():
    old = [e("trainer.ppo.clip_coef", 0.2, "configs/exp.yaml"), e("trainer.ppo.lr", 3e-4, "configs/exp.yaml"),
           e("trainer.ppo.epochs", 4, "configs/exp.yaml")]
    new = [e("tool.trainer.ppo.clip_coef", 0.2, "project/config.py"), e("tool.trainer.ppo.lr", 1e-3, "project/config.py"),
           e("tool.trainer.ppo.epochs", 4, "project/config.py")]
    got = statuses(match(table(*old), table(*new)))
    assert got[("trainer.ppo.lr", "tool.trainer.ppo.lr")][0] is MatchStatus.changed
    assert got[("trainer.ppo.clip_coef", "tool.trainer.ppo.clip_coef")][0] is MatchStatus.moved
