"""The search's decisions on simulated measurements (in process: the same code the probe runner feeds).

Each case has its contrast: a planted culprit is found and the range without one answers none; a
skipped culprit gives the suspects, a skipped neighbour does not; a flaky seed is replaced; a bad merge
is opened, a good branch is not; the budget stops with what is left.
"""

from __future__ import annotations

import math

import pytest

from investigator.bisect.decide import classify
from investigator.bisect.model import BisectStatus, CommitVerdict
from investigator.bisect.search import BisectOptions, Search
from investigator.metrics.stats import StatOptions
from tests.support.bisect_sim import Simulated, path, ref, sha

FAST = StatOptions(n_boot=400)


def bisect(sim: Simulated, n: int, branch=lambda s: None, **options: object):
    opts = BisectOptions(stats=FAST, **options)  # type: ignore[arg-type]
    return Search(sim, opts, ref, branch).run(path(n), ref(sha(0)), ref(sha(n)), "return")


@pytest.mark.parametrize("culprit", [1, 17, 40, 64])
def test_planted_culprit_among_64_commits_is_found_in_few_rounds(culprit: int) -> None:
    sim = Simulated(culprit, noise=4.0, drop=20.0, seed=culprit)
    b = bisect(sim, 64)
    assert b.status == BisectStatus.FOUND and b.first_bad == sha(culprit), b.notes
    assert b.first_bad_commit is not None and b.first_bad_commit.sha == sha(culprit)
    assert b.rounds <= math.ceil(math.log2(64)) + 1, b.rounds
    assert b.runs == sum(len(s) for call in sim.calls for _, s in call) and b.runs < 64  # far fewer than every commit
    verdicts = {t.sha: t.verdict for t in b.tested}
    assert verdicts[sha(0)] == CommitVerdict.GOOD and verdicts[sha(64)] == CommitVerdict.BAD
    assert all(v == (CommitVerdict.BAD if int(s[4:8]) >= culprit else CommitVerdict.GOOD) for s, v in verdicts.items())
    first_round = sim.calls[0]
    assert sorted(s for s, _ in first_round) == [sha(0), sha(64)] and all(seeds == [1, 2, 3] for _, seeds in first_round)
    assert len(sim.calls[1]) >= 4  # the quartiles (3 commits) at once, with the ends' extra reference seeds


def test_no_regression_is_none_not_a_guess() -> None:
    sim = Simulated(None, noise=4.0, seed=3)
    b = bisect(sim, 64)
    assert b.status == BisectStatus.NO_REGRESSION and b.first_bad is None and b.first_bad_commit is None
    assert {t.sha for t in b.tested} == {sha(0), sha(64)}  # no commit inside was run
    assert "not worse than the good end" in b.notes[0]
    better = bisect(Simulated(None, noise=4.0, drop=-20.0, seed=1, bad={sha(64)}), 8)  # the bad end improved
    assert better.status == BisectStatus.NO_REGRESSION and better.first_bad is None


def test_a_regression_the_full_reference_seeds_do_not_hold_is_none() -> None:
    class LuckyFirstSeeds(Simulated):
        """Seeds 1-3 of the bad end read low; from seed 4 on both ends are alike."""

        def value(self, s: str, seed: int) -> float:
            return super().value(s, seed) - (30.0 if s == sha(16) and seed <= 3 else 0.0)

    b = bisect(LuckyFirstSeeds(None, noise=2.0, seed=5), 16)
    assert b.status == BisectStatus.NO_REGRESSION and b.first_bad is None
    assert "with 6 seeds per end" in b.notes[0]
    ends = {t.position: t.seeds for t in b.tested if t.position in (0, 16)}
    assert ends == {0: 6, 16: 6}


def test_a_smaller_earlier_step_is_named_in_the_notes() -> None:
    class TwoSteps(Simulated):
        def value(self, s: str, seed: int) -> float:
            return super().value(s, seed) - (8.0 if 5 <= int(s[4:8]) < 10 else 0.0)

    b = bisect(TwoSteps(10, noise=2.0, drop=25.0, seed=2), 16)
    assert b.status == BisectStatus.FOUND and b.first_bad == sha(10), b.notes
    partial = next(n for n in b.notes if "smaller, earlier step" in n)
    assert "main000" in partial and "main001" not in partial  # (fake shas: positions 0-9, not 10 on)
    plain = bisect(Simulated(10, noise=2.0, drop=25.0, seed=2), 16)
    assert not any("earlier step" in n for n in plain.notes)


def test_skipped_commits_around_the_culprit_give_suspects_containing_it() -> None:
    skip = {sha(p) for p in (9, 10, 11)}
    b = bisect(Simulated(10, noise=3.0, drop=20.0, skip=skip), 16)
    assert b.status == BisectStatus.AMBIGUOUS and b.first_bad is None
    assert sha(10) in b.suspects and set(b.suspects) <= {sha(p) for p in (9, 10, 11, 12)}
    assert {t.sha for t in b.tested if t.verdict == CommitVerdict.SKIPPED} & skip
    assert all("exited 125" in t.note for t in b.tested if t.verdict == CommitVerdict.SKIPPED)
    # a skipped commit that is not next to the culprit is stepped around: the answer stays exact
    b = bisect(Simulated(10, noise=3.0, drop=20.0, skip={sha(8)}), 16)
    assert b.status == BisectStatus.FOUND and b.first_bad == sha(10)


def test_a_flaky_seed_is_replaced_by_more_seeds() -> None:
    sim = Simulated(5, noise=3.0, drop=20.0, fail={sha(p): {2} for p in range(1, 9)})
    b = bisect(sim, 8)
    assert b.status == BisectStatus.FOUND and b.first_bad == sha(5)
    flaky = {t.position: t for t in b.tested if 0 < t.position < 8}
    for p in (4, 5):  # the pair the answer rests on: seeds added past the failed one
        assert flaky[p].seeds == 6 and len(flaky[p].summary.values) == 5, flaky[p]
    assert all(f"1 of {t.seeds} seeds failed (seed 2: exit code 1: boom)" in t.note for t in flaky.values())
    assert all(t.verdict != CommitVerdict.SKIPPED for t in flaky.values())


def test_a_bad_merge_is_opened_and_the_branch_commit_named() -> None:
    merge = sha(6)
    branch = path(4, branch="feat")  # fork + 4 branch commits; the 3rd lowers the metric
    sim = Simulated(6, noise=3.0, drop=20.0, bad={sha(p, "feat") for p in (3, 4)})
    b = bisect(sim, 9, branch=lambda s: branch if s == merge else None)
    assert b.status == BisectStatus.FOUND and b.first_bad == sha(3, "feat")
    assert b.first_bad_commit is not None and b.first_bad_commit.via_merge == merge
    inside = [t for t in b.tested if t.commit.via_merge == merge]
    assert inside and all("merged by" in t.note for t in inside)
    # the branch's head is good: the merge itself made the difference
    sim = Simulated(6, noise=3.0, drop=20.0)
    b = bisect(sim, 9, branch=lambda s: branch if s == merge else None)
    assert b.first_bad == merge and b.first_bad_commit is not None and b.first_bad_commit.via_merge is None
    assert any("the merge" in n and "itself" in n for n in b.notes)


def test_budget_stops_with_the_suspects_left() -> None:
    b = bisect(Simulated(40, noise=3.0, drop=20.0), 64, max_runs=25)
    assert b.status == BisectStatus.BUDGET and b.runs <= 25 and b.first_bad is None
    assert sha(40) in b.suspects and len(b.suspects) < 64
    assert any("--max-runs" in n for n in b.notes)
    assert bisect(Simulated(40, noise=3.0, drop=20.0), 64, max_runs=200).status == BisectStatus.FOUND


def test_an_end_without_metric_fails_clearly() -> None:
    b = bisect(Simulated(3, skip={sha(0)}), 8)
    assert b.status == BisectStatus.FAILED and b.first_bad is None
    assert "no metric at the good end" in b.notes[0] and "exited 125" in b.notes[0]


def test_classify_against_both_ends() -> None:
    good, bad = [100.0, 101.0, 99.0, 100.5], [80.0, 81.0, 79.0, 80.5]
    assert classify([100.2, 99.4, 100.9], good, bad, True, FAST)[0] == CommitVerdict.GOOD
    assert classify([80.2, 79.4, 80.9], good, bad, True, FAST)[0] == CommitVerdict.BAD
    assert classify([90.2, 89.4, 90.9], good, bad, True, FAST)[0] == CommitVerdict.UNSURE  # in between
    assert classify([70.0, 110.0, 90.0], good, bad, True, FAST)[0] == CommitVerdict.UNSURE  # too noisy
    assert classify([100.0, 99.0], good, bad, True, FAST)[0] == CommitVerdict.UNSURE  # too few seeds
    # at the seed cap a commit between the ends takes the verdict of the end whose third of the gap it is in
    near_good, middle = [94.0, 93.5, 94.5], [90.2, 89.4, 90.9]
    assert classify(near_good, good, bad, True, FAST)[0] == CommitVerdict.UNSURE
    verdict, why = classify(near_good, good, bad, True, FAST, final=True)
    assert verdict == CommitVerdict.GOOD and "next to the good end" in why
    assert classify([85.5, 86.0, 85.0], good, bad, True, FAST, final=True)[0] == CommitVerdict.BAD
    assert classify(middle, good, bad, True, FAST, final=True)[0] == CommitVerdict.UNSURE  # a partial regression
    # lower is better (a loss): the directions swap
    assert classify([80.2, 79.4, 80.9], bad, good, False, FAST)[0] == CommitVerdict.GOOD
