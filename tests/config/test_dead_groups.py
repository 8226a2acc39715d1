"""Dead configuration on a large refactor: grouped by file, summarised, capped, nothing lost."""

from __future__ import annotations

from investigator.config import findings as F
from investigator.config.findings import PER_KEY_MAX, build_outcome
from investigator.config.model import ConfigEntry, EntryKind, EntryPoint, KeyMatch, MatchStatus, SideConfig
from investigator.config.report import MAX_DEAD_FILES, MAX_DEAD_ROWS, MAX_MOVED_KEYS, render
from investigator.config.usage import ReadIndex
from investigator.models import Location, NoEffectChange
from investigator.playbooks_lib import load_playbooks

PLAYBOOKS = load_playbooks()
READS_LR = "def train(cfg):\n    return cfg.lr\n\ntrain({})\n"  # reads `lr` (and nothing else)


def entry(key: str, value: object, path: str, line: int) -> ConfigEntry:
    return ConfigEntry(key=key, value=value, path=path, line=line, format="yaml", kind=EntryKind.file_value)


def removed(path: str, keys: list[str], first_line: int = 1) -> list[KeyMatch]:
    return [KeyMatch(MatchStatus.removed, entry(k, i, path, first_line + i), None) for i, k in enumerate(keys)]


def added(path: str, keys: list[str]) -> list[KeyMatch]:
    return [KeyMatch(MatchStatus.added, None, entry(k, i, path, i + 1)) for i, k in enumerate(keys)]


def outcome(matches: list[KeyMatch], source: str = READS_LR) -> F.Outcome:
    side = SideConfig(entry=EntryPoint())
    reads = (ReadIndex({"train.py": source}), ReadIndex({"train.py": source}))
    return build_outcome(matches, side, side, PLAYBOOKS, reads, ({}, {}), entry_known=True)


def keys_of(path: str, n: int, prefix: str = "exp.env") -> list[str]:
    return [f"{prefix}.k{i:02d}" for i in range(n)]


def test_a_few_dead_keys_of_a_file_stay_one_item_per_key():
    out = outcome(removed("configs/a.yaml", keys_of("configs/a.yaml", PER_KEY_MAX)))
    assert len(out.no_effect) == PER_KEY_MAX
    assert out.no_effect[0].title == "Config `exp.env.k00` = 0 removed from the effective configuration"
    assert out.no_effect[0].reason == "dead configuration, baseline: no code reads `k00` or its section `env`"
    assert [loc.render() for loc in out.no_effect[0].locations] == ["configs/a.yaml:1"]
    assert [g.grouped for g in out.dead] == [False]


def test_one_more_dead_key_makes_the_file_one_grouped_item():
    out = outcome(removed("configs/a.yaml", keys_of("configs/a.yaml", PER_KEY_MAX + 1), first_line=7))
    assert len(out.no_effect) == 1
    item = out.no_effect[0]
    assert item.title == (f"`configs/a.yaml`: {PER_KEY_MAX + 1} keys removed under `exp.env` "
                          f"(`k00`, `k01`, `k02`, … +{PER_KEY_MAX + 1 - 3}), no code reads them")
    assert item.reason.startswith(f"dead configuration: no code reads any of these {PER_KEY_MAX + 1} keys")
    assert "no code reads `k00` or its section `env`" in item.reason
    assert [(loc.path, loc.line, loc.side) for loc in item.locations] == [("configs/a.yaml", 7, "baseline")]
    assert item.source == "config_forensics" and item.subsystem


def test_groups_are_per_file_and_status_and_read_keys_are_not_dead():
    matches = [*removed("configs/a.yaml", keys_of("a", 8)), *added("configs/a.yaml", keys_of("a", 2, "new")),
               *removed("configs/b.yaml", keys_of("b", 7, "b.x")), *removed("configs/b.yaml", ["b.x.lr"])]
    out = outcome(matches)
    assert [(g.baseline_path, g.candidate_path, g.status.value, len(g.matches)) for g in out.dead] == [
        ("configs/a.yaml", None, "removed", 8), (None, "configs/a.yaml", "added", 2),
        ("configs/b.yaml", None, "removed", 7)]
    assert len(out.no_effect) == 1 + 2 + 1  # two groups of more than PER_KEY_MAX, one of two keys
    assert [f.title for f in out.findings] == ["Config `b.x.lr` = 0 removed from the effective configuration"]
    assert out.counts[MatchStatus.removed] == 16 and out.counts[MatchStatus.added] == 2


def test_the_file_path_prefix_of_structured_keys_is_not_repeated():
    keys = [f"configs.group0.exp_0.env.k{i}" for i in range(6)]
    out = outcome(removed("configs/group0/exp_0.yaml", keys))
    assert out.no_effect[0].title.startswith("`configs/group0/exp_0.yaml`: 6 keys removed under `env` (`k0`, ")
    mixed = outcome(removed("configs/group0/exp_0.yaml", [*keys, "configs.group0.exp_0.name"]))
    assert mixed.no_effect[0].title.startswith("`configs/group0/exp_0.yaml`: 7 keys removed (`env.k0`, ")


def test_a_huge_file_is_summarised_by_its_top_level_sections():
    keys = [f"cfg_file.env.k{i:03d}" for i in range(150)] + [f"cfg_file.model.k{i:03d}" for i in range(60)]
    out = outcome(removed("cfg_file.yaml", keys))
    assert out.no_effect[0].title == ("`cfg_file.yaml`: 210 keys removed in sections `env` (150), `model` (60), "
                                      "no code reads them")


def test_every_dead_key_is_kept_in_the_no_effect_items():
    matches = [*removed("configs/a.yaml", keys_of("a", 9)), *removed("configs/b.yaml", ["b.only"])]
    out = outcome(matches)
    assert [(n.locations[0].path, len(n.details.get("keys", [None]))) for n in out.no_effect] == [
        ("configs/a.yaml", 9), ("configs/b.yaml", 1)]
    assert out.no_effect[0].details["keys"] == keys_of("a", 9)
    assert "`b.only`" in out.no_effect[1].title


def test_grouped_items_carry_their_key_list_into_the_json():
    out = outcome([*removed("configs/a.yaml", keys_of("a", 9)), *removed("configs/b.yaml", ["b.only"])])
    grouped, single = out.no_effect
    dumped = grouped.model_dump(mode="json")
    assert dumped["details"]["keys"] == keys_of("a", 9)
    assert dumped["details"]["baseline_path"] == "configs/a.yaml" and dumped["details"]["status"] == "removed"
    assert single.model_dump(mode="json")["details"] == {}  # a per-key item names its key in the title


def test_markdown_lists_big_files_in_one_line_each_with_a_cap():
    matches = [m for i in range(MAX_DEAD_FILES + 3) for m in removed(f"configs/f{i:02d}.yaml", keys_of("x", 6))]
    md = render_of(outcome(matches))
    lines = [line for line in md.splitlines() if line.startswith("- `configs/f")]
    assert len(lines) == MAX_DEAD_FILES
    assert lines[0] == "- `configs/f00.yaml`: 6 keys removed under `exp.env` (`k00`, `k01`, `k02`, … +3), no code reads them"
    assert "- … and 3 more (see `no_effect` in the JSON report)" in md
    assert f"{6 * (MAX_DEAD_FILES + 3)} keys in {MAX_DEAD_FILES + 3} files" in md
    assert "| `exp.env.k00` |" not in md  # no per-key rows for grouped files


def test_markdown_lists_dead_keys_of_small_files_as_rows_while_they_are_few():
    matches = [m for i in range(MAX_DEAD_ROWS) for m in removed(f"configs/f{i:02d}.yaml", [f"s{i}.k"])]
    md = render_of(outcome(matches))
    assert sum(1 for line in md.splitlines() if line.startswith("| `s")) == MAX_DEAD_ROWS
    assert "| `s0.k` | 0 | — (removed) | configs/f00.yaml:1 → — |" in md and "- `configs/f" not in md


def test_markdown_lists_every_file_in_one_line_once_the_rows_would_be_too_many():
    matches = [m for i in range(MAX_DEAD_ROWS + 1) for m in removed(f"configs/f{i:02d}.yaml", [f"s{i}.k", f"s{i}.j"])]
    md = render_of(outcome(matches))
    assert "| `s0.k` |" not in md
    lines = [line for line in md.splitlines() if line.startswith("- `configs/f")]
    assert len(lines) == MAX_DEAD_FILES
    assert lines[0] == "- `configs/f00.yaml`: 2 keys removed under `s0` (`k`, `j`), no code reads them"
    assert "- … and 1 more (see `no_effect` in the JSON report)" in md
    assert len(outcome(matches).no_effect) == 2 * (MAX_DEAD_ROWS + 1)  # small groups: still one item per key


def render_of(out: F.Outcome) -> str:
    side = SideConfig(entry=EntryPoint())
    return render(side, side, out, [], False)


def moved(n: int, across: bool = True) -> list[KeyMatch]:
    return [KeyMatch(MatchStatus.moved, entry(f"old.k{i}", i, "a.yaml", i + 1),
                     entry(f"new.k{i}", i, "a.py" if across else "a.yaml", i + 1), "leaf") for i in range(n)]


def test_renamed_keys_are_listed_when_few_and_counted_by_file_when_many():
    few = render_of(outcome(moved(MAX_MOVED_KEYS)))
    assert "Renamed with the same value: `old.k0` → `new.k0`, " in few
    many = render_of(outcome(moved(MAX_MOVED_KEYS + 1)))
    assert (f"Same value under a new key: {MAX_MOVED_KEYS + 1} keys; {MAX_MOVED_KEYS + 1} moved to another file "
            f"(`a.yaml` → `a.py` ({MAX_MOVED_KEYS + 1}))." in many)
    within = render_of(outcome(moved(MAX_MOVED_KEYS + 1, across=False)))
    assert f"{MAX_MOVED_KEYS + 1} renamed within their file" in within and "another file" not in within


def test_identical_keys_nothing_reads_verify_nothing():
    def same(key: str) -> KeyMatch:
        return KeyMatch(MatchStatus.unchanged, entry(key, 0.1, "a.yaml", 1), entry(key, 0.1, "a.yaml", 1), "exact")

    read = outcome([same("trainer.lr")])
    assert [v.what for v in read.verified] == ["trainer.lr 0.1 identical"] and read.hypotheses
    unread = outcome([same("trainer.lr")], source="def unused():\n    pass\n")
    assert unread.verified == [] and unread.hypotheses == [] and unread.no_effect == []
    assert unread.counts[MatchStatus.unchanged] == 1


def test_built_models_take_the_defaults_of_fields_not_given():
    loc = F._built(Location, {"path": "a.yaml", "line": 3, "side": "baseline"}, {"path", "line", "side"})
    assert loc == Location(path="a.yaml", line=3, side="baseline") and loc.end_line is None
    item = F._built(NoEffectChange, {"subsystem": "env", "title": "t", "reason": "r"}, {"subsystem", "title", "reason"})
    assert item == NoEffectChange(subsystem="env", title="t", reason="r")
    assert item.locations == [] and item.locations is not F._built(
        NoEffectChange, {"subsystem": "env", "title": "t", "reason": "r"}, {"subsystem", "title", "reason"}).locations


def test_a_changed_group_names_the_two_files_and_shows_the_values():
    def changed(i: int) -> KeyMatch:
        return KeyMatch(MatchStatus.changed, entry(f"configs.exp.trainer.k{i}", 50, "configs/exp.yaml", i + 3),
                        entry(f"trainer7.k{i}", 5, "project/exp.py", i + 10), "file")

    one = outcome([changed(0)])
    assert one.no_effect[0].title == "Config `configs.exp.trainer.k0 → trainer7.k0` changed: 50 → 5"
    md = render_of(outcome([changed(i) for i in range(MAX_DEAD_ROWS + 1)]))
    assert ("- `configs/exp.yaml` → `project/exp.py`: 41 keys changed value under `trainer` "
            "(`k0` 50 → 5, `k1` 50 → 5, `k2` 50 → 5, … +38), no code reads them") in md
    many = outcome([changed(i) for i in range(PER_KEY_MAX + 1)])
    assert [(loc.path, loc.line, loc.side) for loc in many.no_effect[0].locations] == [
        ("configs/exp.yaml", 3, "baseline"), ("project/exp.py", 10, "candidate")]


def test_other_configuration_lists_changed_values_before_keys_that_came_or_went():
    side = SideConfig(entry=EntryPoint())
    gone = removed("configs/a.yaml", keys_of("a", 50))
    changed = [KeyMatch(MatchStatus.changed, entry("x.lr", 0.1, "configs/z.yaml", 3), entry("x.lr", 0.2, "z.py", 4))]
    md = render(side, side, outcome([]), [*gone, *changed], False)
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `x.lr` | 0.1 | 0.2 |")
    assert "51 keys differ (1 changed value, 50 removed or added); first 40 shown, changed values first" in md
    assert len(rows) == 40


def test_the_count_line_says_what_was_compared():
    side = SideConfig(entry=EntryPoint())
    assert "\nEffective configuration: 0 changed" in render(side, side, outcome([]), [], False)
    without_entry = render(side, side, outcome([]), [], True)
    assert "\nConfiguration compared: 0 changed" in without_entry and "Effective configuration:" not in without_entry
