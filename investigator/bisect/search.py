"""The noise-tolerant search: k-ary rounds over the first-parent path, seeds added where unsure,
skips stepped around, then into the merged branch of a bad merge.

It never runs anything itself: a `Measurer` runs one round (several commits, several seeds each, in
parallel) and says what each seed gave. The probe runner is one measurer (`bisect.measure`), the
benchmark's in-process simulation another, so both go through this same decision code.

Rounds: the ends first (N seeds each; seeds are added while their comparison cannot decide, up to the
cap); no regression between them ends the search with `no_regression` and no first bad commit. Then
each round tests up to `parallel` untested commits at the quantiles of the open interval (lo, hi]
(lo: the last commit decided good before hi, the first decided bad) and adds seeds to the unsure
commits inside it. A commit stays unsure at the seed cap, or is skipped (exit 125, failed build,
every seed failed): the next points step around it, and when such commits are all that is left
between lo and hi the answer is the range (lo, hi] (`ambiguous`), never one of them guessed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from investigator.bisect.decide import classify, ends_regressed, summary
from investigator.bisect.model import Bisection, BisectStatus, CommitVerdict, TestedCommit
from investigator.bisect.path import CommitPath
from investigator.metrics.stats import StatOptions, Verdict
from investigator.models import CommitRef

SeedStatus = Literal["ok", "skip", "failed", "budget"]


@dataclass(frozen=True)
class SeedResult:
    """What one seed of the probe gave at one commit."""

    value: float | None  # the metric (None: the run produced none)
    status: SeedStatus = "ok"  # skip: exit 125 or the checkout/setup failed; budget: not run (budget spent)
    error: str = ""
    wall_s: float = 0.0
    cached: bool = False


class Measurer(Protocol):
    """Runs one round: every (commit, seeds) at once, as parallel as the device pool allows."""

    def measure(self, requests: list[tuple[str, list[int]]], deadline: float | None) -> dict[str, list[SeedResult]]: ...


@dataclass
class BisectOptions:
    seeds: int = 3  # per commit per round
    max_seeds: int = 9  # per commit: past it an undecided commit stays unsure
    confirm_seeds: int = 6  # the last good and the first bad commit are confirmed with this many seeds
    parallel: int = 3  # commits tested per round (3: the quartiles)
    max_runs: int | None = None  # probe runs in all (cached ones included)
    wall_s: float | None = None  # seconds from the start
    higher_is_better: bool = True
    merge_depth: int = 2  # merged branches opened inside each other at most this deep
    stats: StatOptions = field(default_factory=StatOptions)


@dataclass
class _Commit:
    sha: str
    position: int
    round: int
    values: list[float] = field(default_factory=list)
    attempted: int = 0  # seeds run (failed ones included): the next seed number follows
    errors: list[str] = field(default_factory=list)
    skipped_runs: int = 0
    wall_s: float = 0.0
    verdict: CommitVerdict = CommitVerdict.UNSURE
    why: str = ""
    branch_of: str | None = None  # the merge whose branch it is on


class _Stop(Exception):
    """The run or time budget is spent."""


class _NotConfirmed(Exception):
    """The ends' regression did not hold once they had their full reference seeds."""


class Search:
    """One bisection. `refs(sha, via_merge)` names commits; `branch(merge)` is a merge's branch path."""

    def __init__(self, measurer: Measurer, opts: BisectOptions, refs: Callable[[str, str | None], CommitRef],
                 branch: Callable[[str], CommitPath | None] = lambda sha: None) -> None:
        self.measurer, self.opts, self.refs, self.branch = measurer, opts, refs, branch
        self.commits: dict[str, _Commit] = {}
        self.runs = self.cached_runs = self.rounds = 0
        self.notes: list[str] = []
        self.ends: set[str] = set()  # the good and bad ends: the references every commit is compared with
        self.partial: Bisection | None = None  # what was measured when the search was stopped by an exception
        self.start = time.monotonic()
        self.deadline = self.start + opts.wall_s if opts.wall_s is not None else None

    # ------------------------------------------------------------------ running rounds

    def _round(self, want: list[tuple[_Commit, int]]) -> None:
        """Run `n` more seeds at each commit (trimmed to the run budget); _Stop when nothing fits or time is up."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise _Stop("the time budget (--budget) was spent")
        left = None if self.opts.max_runs is None else self.opts.max_runs - self.runs
        requests: list[tuple[_Commit, list[int]]] = []
        for commit, n in want:
            n = n if left is None else min(n, left - sum(len(s) for _, s in requests))
            if n <= 0:
                break
            requests.append((commit, list(range(commit.attempted + 1, commit.attempted + n + 1))))
        if not requests:
            raise _Stop("the run budget (--max-runs) was spent")
        self.rounds += 1
        results = self.measurer.measure([(c.sha, s) for c, s in requests], self.deadline)
        spent = False
        for commit, _ in requests:
            got = results.get(commit.sha, [])
            for seed_result in got:
                if seed_result.status == "budget":
                    spent = True
                    continue
                self._record(commit, seed_result)
            commit.attempted += sum(1 for r in got if r.status != "budget")
        if spent:
            raise _Stop("the time budget (--budget) was spent")

    def _record(self, commit: _Commit, r: SeedResult) -> None:
        self.runs += 1
        self.cached_runs += r.cached
        commit.wall_s += r.wall_s
        if r.status == "ok" and r.value is not None and math.isfinite(r.value):
            commit.values.append(float(r.value))
        elif r.status == "skip":
            commit.skipped_runs += 1
            commit.errors.append(r.error or "skipped")
        else:
            commit.errors.append(r.error or "no metric in its logs")

    def _commit(self, sha: str, position: int, branch_of: str | None = None) -> _Commit:
        if sha not in self.commits:
            self.commits[sha] = _Commit(sha=sha, position=position, round=self.rounds + 1, branch_of=branch_of)
        return self.commits[sha]

    # ------------------------------------------------------------------ the ends

    def _ends(self, good: _Commit, bad: _Commit) -> Verdict:
        """Measure both ends, adding seeds while their comparison cannot decide; the verdict."""
        o = self.opts
        self._round([(good, o.seeds), (bad, o.seeds)])
        while True:
            for end, name in ((good, "good"), (bad, "bad")):  # nothing at all: the command fails there
                if not end.values or (len(end.values) < o.stats.min_seeds and end.attempted >= o.max_seeds):
                    raise _EndFailed(name, end)
            verdict = ends_regressed(good.values, bad.values, o.higher_is_better, o.stats).verdict
            if verdict in (Verdict.regression, Verdict.equivalent, Verdict.improvement):
                return verdict
            grow = [(end, o.seeds) for end in (good, bad) if end.attempted < o.max_seeds]
            if not grow:
                return verdict
            self._round(grow)

    # ------------------------------------------------------------------ the interval

    def _decide(self, commit: _Commit, good: list[float], bad: list[float]) -> None:
        if not commit.values:
            if commit.attempted and (commit.skipped_runs or commit.attempted >= self.opts.seeds):
                commit.verdict, commit.why = CommitVerdict.SKIPPED, commit.errors[0] if commit.errors else "no metric"
            return
        commit.verdict, commit.why = classify(commit.values, good, bad, self.opts.higher_is_better, self.opts.stats,
                                              final=commit.attempted >= self.opts.max_seeds)

    def _open(self, commit: _Commit) -> bool:
        """Unsure and still below the seed cap: worth more seeds."""
        return commit.verdict == CommitVerdict.UNSURE and commit.attempted < self.opts.max_seeds

    def _bounds(self, path: CommitPath) -> tuple[int, int]:
        """(lo, hi): the first commit decided bad on `path`, and the last decided good before it."""
        verdicts = [self.commits[s].verdict if s in self.commits else None for s in path.shas]
        verdicts[0] = CommitVerdict.GOOD  # the good end, or where a merged branch forked
        hi = next(i for i, v in enumerate(verdicts) if v == CommitVerdict.BAD)
        lo = max(i for i, v in enumerate(verdicts[:hi]) if v == CommitVerdict.GOOD)
        return lo, hi

    def _pick(self, path: CommitPath, lo: int, hi: int, k: int) -> list[int]:
        """Up to `k` untested positions in (lo, hi), each the nearest to one of the k quantiles
        (a skipped or unsure commit at a quantile: its nearest untested neighbour instead)."""
        free = [p for p in range(lo + 1, hi) if path.shas[p] not in self.commits]
        picked: list[int] = []
        for j in range(1, k + 1):
            ideal = lo + (hi - lo) * j / (k + 1)
            options = [p for p in free if p not in picked]
            if options:
                picked.append(min(options, key=lambda p: (abs(p - ideal), p)))
        return sorted(set(picked), key=lambda p: abs(p - (lo + hi) / 2))  # the middle first (trimmed last)

    def _narrow(self, path: CommitPath, good: list[float], bad: list[float], branch_of: str | None) -> tuple[int, int]:
        """Rounds until nothing open is left in (lo, hi); the final bounds."""
        while True:
            lo, hi = self._bounds(path)
            inside = [self.commits[s] for s in path.shas[lo + 1:hi] if s in self.commits]
            reseed = [c for c in inside if self._open(c)]
            new = self._pick(path, lo, hi, max(1, self.opts.parallel - len(reseed)))
            want = [(self._commit(path.shas[p], p, branch_of), self.opts.seeds) for p in new]
            want += [(c, self.opts.seeds) for c in reseed]
            if not want:  # converged: confirm the pair that decides the answer with more seeds
                want = [(c, self.opts.confirm_seeds - c.attempted) for c in self._boundary(path, lo, hi)]
            if not want:
                return lo, hi
            # the references every verdict rests on get `confirm_seeds` too, alongside the first points
            topped = [(c, self.opts.confirm_seeds - c.attempted) for s in sorted(self.ends)
                      if (c := self.commits[s]).attempted < self.opts.confirm_seeds]
            self._round([*want, *topped])
            if topped:  # the regression must hold with the references' full seeds, or there is none
                verdict = ends_regressed(good, bad, self.opts.higher_is_better, self.opts.stats).verdict
                if verdict != Verdict.regression:
                    raise _NotConfirmed(verdict)
            for c, _ in want:
                self._decide(c, good, bad)

    def _boundary(self, path: CommitPath, lo: int, hi: int) -> list[_Commit]:
        """The last good and the first bad commit when measured with fewer than `confirm_seeds`
        seeds (the ends are the references, never re-decided): one wrong verdict among the commits
        the search steered by ends up at this pair, and more seeds there undo it."""
        pair = [self.commits.get(path.shas[p]) for p in (lo, hi) if p > 0 and path.shas[p] not in self.ends]
        return [c for c in pair if c is not None and c.attempted < self.opts.confirm_seeds]

    # ------------------------------------------------------------------ the whole bisection

    def run(self, path: CommitPath, good_ref: CommitRef, bad_ref: CommitRef, metric: str) -> Bisection:
        result = Bisection(good=good_ref, bad=bad_ref, metric=metric, higher_is_better=self.opts.higher_is_better,
                           status=BisectStatus.FAILED, commits_in_range=len(path) - 1)
        good, bad = self._commit(path.shas[0], 0), self._commit(path.shas[-1], len(path) - 1)
        self.ends = {good.sha, bad.sha}
        try:
            verdict = self._ends(good, bad)
            good.verdict, bad.verdict = CommitVerdict.GOOD, CommitVerdict.BAD
            if verdict != Verdict.regression:
                self._no_regression(result, good, bad)
            else:
                try:
                    self._localise(result, path, good, bad)
                except _NotConfirmed:
                    self._no_regression(result, good, bad, f"with {self.opts.confirm_seeds} seeds per end ")
        except _EndFailed as failed:
            failed.end.verdict = CommitVerdict.SKIPPED
            result.status = BisectStatus.FAILED
            result.notes.append(failed.message())
        except _Stop as stop:
            result.status = BisectStatus.BUDGET
            result.notes.append(f"stopped: {stop}")
            self._budget_suspects(result, path)
        except BaseException as exc:  # a signal (or a bug): what was measured is kept for a partial report
            result.status = BisectStatus.BUDGET
            result.notes.append(f"stopped before the end ({exc.__class__.__name__}): the runs so far")
            self._budget_suspects(result, path)
            self.partial = self._finish(result)
            raise
        return self._finish(result)

    def _no_regression(self, result: Bisection, good: _Commit, bad: _Commit, again: str = "") -> None:
        result.status = BisectStatus.NO_REGRESSION
        cmp = ends_regressed(good.values, bad.values, self.opts.higher_is_better, self.opts.stats)
        result.notes.append(f"the bad end is not worse than the good end {again}({cmp.verdict.value}: {cmp.reason}; "
                            f"IQM {cmp.baseline_iqm:.4g} -> {cmp.candidate_iqm:.4g} over {len(good.values)} and "
                            f"{len(bad.values)} seeds): no first bad commit")

    def _localise(self, result: Bisection, path: CommitPath, good: _Commit, bad: _Commit) -> None:
        lo, hi = self._narrow(path, good.values, bad.values, None)
        self._monotonic_note(path, hi)
        self._partial_note(path, hi)
        if hi - lo > 1:
            result.status = BisectStatus.AMBIGUOUS
            result.suspects = path.shas[lo + 1:hi + 1]
            result.notes.append(f"{hi - lo - 1} commit(s) between the last good and the first bad could not be "
                                "decided (skipped or unsure): the first bad commit is one of the suspects")
            return
        first, via = self._into_merges(path.shas[hi], good.values, bad.values, self.opts.merge_depth, None)
        result.status = BisectStatus.FOUND
        result.first_bad = first
        result.first_bad_commit = self.refs(first, via)

    def _into_merges(self, sha: str, good: list[float], bad: list[float], depth: int,
                     via: str | None) -> tuple[str, str | None]:
        """The first bad commit inside the branch `sha` merged (when it is a bad merge), recursively."""
        branch = self.branch(sha) if depth > 0 else None
        if branch is None:
            return sha, via
        outer = via or sha
        head = self._commit(branch.shas[-1], len(branch) - 1, outer)  # its fork is taken as good (see path.py)
        self._round([(head, self.opts.seeds)])
        self._decide(head, good, bad)
        while self._open(head):
            self._round([(head, self.opts.seeds)])
            self._decide(head, good, bad)
        if head.verdict != CommitVerdict.BAD:
            self.notes.append(f"the merged branch's head {head.sha[:7]} is {head.verdict.value}: "
                              f"the merge {sha[:7]} itself is the first bad commit")
            return sha, via
        lo, hi = self._narrow(branch, good, bad, outer)
        if hi - lo > 1:
            self.notes.append(f"inside the branch merged by {sha[:7]}, {hi - lo - 1} commit(s) could not be decided: "
                              f"reporting the merge; suspects in the branch: "
                              + ", ".join(s[:7] for s in branch.shas[lo + 1:hi + 1]))
            return sha, via
        return self._into_merges(branch.shas[hi], good, bad, depth - 1, outer)

    def _monotonic_note(self, path: CommitPath, hi: int) -> None:
        later_good = [s for s in path.shas[hi + 1:] if s in self.commits and self.commits[s].verdict == CommitVerdict.GOOD]
        if later_good:
            self.notes.append(f"not monotone: {', '.join(s[:7] for s in later_good)} measured good after the first bad "
                              "commit (a fix and a regression again, or noise): the first bad commit is reported")

    def _partial_note(self, path: CommitPath, hi: int) -> None:
        """Commits before the first bad one measured between the ends: a smaller, earlier step."""
        between = [c for s in path.shas[1:hi] if (c := self.commits.get(s)) is not None and c.why.startswith("between")]
        if between:
            self.notes.append("measured between the ends before the first bad commit (a smaller, earlier step of the "
                              "regression?): " + ", ".join(f"{c.sha[:7]} ({c.verdict.value})" for c in between))

    def _budget_suspects(self, result: Bisection, path: CommitPath) -> None:
        if path.shas[-1] in self.commits and self.commits[path.shas[-1]].verdict == CommitVerdict.BAD:
            lo, hi = self._bounds(path)
            result.suspects = path.shas[lo + 1:hi + 1]

    def _finish(self, result: Bisection) -> Bisection:
        tested = []
        for c in sorted(self.commits.values(), key=lambda c: (c.branch_of is not None, c.position)):
            if c.attempted == 0:
                continue
            note = "" if c.verdict in (CommitVerdict.GOOD, CommitVerdict.BAD) else c.why
            if c.errors and c.values:
                note = f"{len(c.errors)} of {c.attempted} seeds failed ({c.errors[0]})" + (f"; {note}" if note else "")
            if c.verdict == CommitVerdict.UNSURE and c.attempted >= self.opts.max_seeds:
                note = f"unsure after {c.attempted} seeds: {c.why}"
            if c.branch_of:
                note = f"in the branch merged by {c.branch_of[:7]}" + (f"; {note}" if note else "")
            tested.append(TestedCommit(sha=c.sha, commit=self.refs(c.sha, c.branch_of), position=c.position,
                                       seeds=c.attempted, summary=summary(c.values, self.opts.stats), verdict=c.verdict,
                                       wall_s=round(c.wall_s, 3), round=c.round if c.attempted else 0, note=note))
        return result.model_copy(update={"tested": tested, "runs": self.runs, "cached_runs": self.cached_runs,
                                         "rounds": self.rounds, "wall_s": round(time.monotonic() - self.start, 3),
                                         "notes": [*result.notes, *self.notes]})


class _EndFailed(Exception):
    def __init__(self, name: str, end: _Commit) -> None:
        super().__init__(name)
        self.name, self.end = name, end

    def message(self) -> str:
        why = self.end.errors[0] if self.end.errors else "no metric"
        return f"no metric at the {self.name} end {self.end.sha[:7]} after {self.end.attempted} seed(s): {why}"
