"""Set `Finding.introduced_by`: the commit of the range after which a finding's lines are the candidate's.

Why this order of work: the lines of all findings are grouped per file and direction first, so each
file is blamed once (one git process) whatever the number of findings in it; the blames run a few
at a time (the work is in git, not in Python). A finding is attributed only from what blame
answers; when its lines did not change in the range, or blame fails, it stays unattributed (None),
and a git failure is a recorded `AnalyzerFailure`, never an exception out of the step.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from investigator.attribution.blame import Blamed, BlameError, BlameRequest, blame, blame_full
from investigator.attribution.config_value import leaf_key, value_origin
from investigator.attribution.history import HistoryError, RangeHistory
from investigator.attribution.targets import Targets, is_config, targets_for
from investigator.git.changeset import ChangeSet
from investigator.models import AnalyzerFailure, CommitRef, Finding

SOURCE = "attribution"
_WORKERS = 4
_MAX_DESCENT = 4  # nested merges followed into their branches


@dataclass
class Attribution:
    """What the step returns: the findings (attributed where possible), its failures, its time."""

    findings: list[Finding]
    failures: list[AnalyzerFailure] = field(default_factory=list)
    attributed: int = 0
    blames: int = 0
    seconds: float = 0.0
    skipped: str | None = None  # why nothing was attributed (a one-commit range...)


@dataclass(frozen=True)
class _Answer:
    commit: str
    via_merge: str | None
    also: frozenset[str] = frozenset()  # other commits of the range that changed the same lines/places
    widened: bool = False
    notes: tuple[str, ...] = ()


def _run_blames(cs: ChangeSet, requests: set[BlameRequest]) -> tuple[dict[BlameRequest, Blamed], list[AnalyzerFailure]]:
    results: dict[BlameRequest, Blamed] = {}
    failures: list[AnalyzerFailure] = []

    def one(req: BlameRequest) -> tuple[BlameRequest, Blamed | str]:
        try:
            return req, blame_full(cs.handle, req)
        except BlameError as exc:
            return req, str(exc)

    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        for req, got in pool.map(one, sorted(requests, key=lambda r: (r.path, r.reverse, r.end))):
            if isinstance(got, str):
                failures.append(AnalyzerFailure(source=SOURCE, path=req.path, message=got))
            else:
                results[req] = got
    return results, failures


def _requests(history: RangeHistory, targets: list[Targets]) -> list[BlameRequest]:
    """One blame request per place; places on the same file and direction (of all findings) share one."""
    merged: dict[tuple[str, bool], set[int]] = {}
    for t in targets:
        key = _key(t)
        merged.setdefault(key, set()).update(t.forward or t.reverse)
    requests = {key: BlameRequest(key[0], frozenset(lines), key[1], history.baseline, history.candidate)
                for key, lines in merged.items()}
    return [requests[_key(t)] for t in targets]


def _key(t: Targets) -> tuple[str, bool]:
    return (t.forward_path or "", False) if t.forward else (t.reverse_path or "", True)


def _forward(history: RangeHistory, blamed: dict[int, str], lines: frozenset[int]) -> _Answer | None:
    """The last commit of the range that changed the finding's candidate lines (None: none did)."""
    shas = {blamed[n] for n in lines if n in blamed and history.in_range(blamed[n])}
    if not shas:
        return None
    last = history.later(shas)
    return _Answer(last, history.via_merge(last), frozenset(shas - {last}))


def _reverse(history: RangeHistory, blamed: dict[int, str], lines: frozenset[int],
             req: BlameRequest) -> _Answer | None:
    """The first-parent commit that removed the finding's baseline lines, descending into a merge."""
    removers = {history.successor(blamed[n]) for n in lines if n in blamed and blamed[n] != history.candidate}
    found = {r for r in removers if r}
    if not found:
        return None
    last = history.later(found)
    answer = _descend(history, last, req, lines, depth=0)
    return _Answer(answer.commit, answer.via_merge, frozenset(found - {last}))


def _descend(history: RangeHistory, merge: str, req: BlameRequest, lines: frozenset[int], depth: int) -> _Answer:
    """A removal by a first-parent merge came from its merged branch: blame in reverse along the
    branch (when the baseline is its ancestor, so the baseline's line numbers hold there). The
    branch is blamed once for all the lines `req` asks of the file (cached), whatever the place."""
    if depth >= _MAX_DESCENT or not history.is_merge(merge):
        return _Answer(merge, None)
    for parent in history.commits[merge].parents[1:]:
        if not history.in_range(parent) or not history.is_ancestor(history.baseline, parent):
            continue
        side = BlameRequest(req.path, req.lines, True, history.baseline, parent)
        blamed = _side_blame(history, side)
        path = history.first_parent_path(history.baseline, parent)
        last_seen = {blamed[n] for n in lines if n in blamed}
        if not last_seen or parent in last_seen:  # still there at the branch tip: the merge removed it
            continue
        removers = {path[path.index(s) + 1] for s in last_seen if s in path and path.index(s) + 1 < len(path)}
        if removers:
            inner = _descend(history, history.later(removers), side, lines, depth + 1)
            return _Answer(inner.commit, merge)
    return _Answer(merge, None)


def _side_blame(history: RangeHistory, req: BlameRequest) -> dict[int, str]:
    key = (req.path, req.lines, req.end)
    if key not in history.memo:
        try:
            history.memo[key] = blame(history.handle, req)
        except BlameError:
            history.memo[key] = {}
    return history.memo[key]


def _ref(history: RangeHistory, answer: _Answer) -> CommitRef:
    via = answer.via_merge if answer.via_merge != answer.commit else None
    return history.ref(answer.commit, via)


def _with_note(finding: Finding, note: str) -> Finding:
    """A note on the attribution goes into the finding's first evidence item (details), not a new item."""
    if not finding.evidence:
        return finding
    first = finding.evidence[0]
    details = {**first.details, "attribution": note}
    return finding.model_copy(update={"evidence": [first.model_copy(update={"details": details}), *finding.evidence[1:]]})


def _combine(history: RangeHistory, answers: list[_Answer]) -> _Answer:
    """Several places of one finding: it is there once all of them are, after the last one's commit."""
    last = history.later({a.commit for a in answers})
    chosen = next(a for a in answers if a.commit == last)
    also = frozenset({a.commit for a in answers} | {c for a in answers for c in a.also}) - {last}
    notes = tuple(dict.fromkeys(n for a in answers for n in a.notes))
    return _Answer(chosen.commit, chosen.via_merge, also, any(a.widened for a in answers), notes)


def _note(answer: _Answer) -> str | None:
    """Why the attribution is not the only possible reading, for the finding's evidence details."""
    notes = []
    if answer.also:
        others = ", ".join(sorted(c[:7] for c in answer.also))
        notes.append(f"its lines were also changed by {others}; attributed to the last change, {answer.commit[:7]}")
    if answer.widened:
        notes.append("traced from the change nearest the finding's lines")
    return "; ".join([*notes, *answer.notes]) or None


def _answer(history: RangeHistory, t: Targets, req: BlameRequest, blamed: Blamed) -> _Answer | None:
    answer = _reverse(history, blamed.lines, t.reverse, req) if req.reverse else _forward(history, blamed.lines, t.forward)
    if answer is not None and t.widened:
        return _Answer(answer.commit, answer.via_merge, answer.also, True)
    return answer


def _config_value(cs: ChangeSet, history: RangeHistory, finding: Finding, t: Targets, blamed: Blamed,
                  answer: _Answer) -> _Answer | None:
    """For a configuration value set on one candidate line: the commit that changed the value."""
    leaf = leaf_key(finding)
    text = cs.candidate.read_text(t.forward_path or "") if t.forward_path else None
    if not leaf or text is None or len(t.forward) != 1:
        return answer
    lines = text.splitlines()
    n = next(iter(t.forward))
    if not 0 < n <= len(lines):
        return answer
    origin = value_origin(history, blamed, answer.commit, lines, n - 1, leaf)
    if origin.commit is None:
        return None
    if origin.commit == answer.commit and origin.note is None:
        return answer
    notes = (origin.note,) if origin.note else ()
    return _Answer(origin.commit, history.via_merge(origin.commit), frozenset(), answer.widened, notes)


def attribute_findings(cs: ChangeSet, findings: list[Finding]) -> Attribution:
    """Attribute every finding of a multi-commit range to the commit that introduced it.

    Never raises for what git or the repository does (a timeout, a vanished object, a bug here): the
    findings come back unattributed with the reason as a recorded failure."""
    start = time.perf_counter()
    try:
        return _attribute(cs, findings, start)
    except Exception as exc:  # attribution is an extra: the report is written without it
        failure = AnalyzerFailure(source=SOURCE, message=f"attribution stopped: {exc.__class__.__name__}: {exc}")
        return Attribution(findings, failures=[failure], seconds=time.perf_counter() - start)


def _attribute(cs: ChangeSet, findings: list[Finding], start: float) -> Attribution:
    rng = cs.range
    if not rng.relation.startswith("baseline is an ancestor"):
        return Attribution(findings, skipped=f"not attributed: {rng.relation}")
    if rng.commits_between <= 1:
        return Attribution(findings, skipped="one commit in the range")
    try:
        history = RangeHistory.load(cs.handle, rng.baseline.sha, rng.candidate.sha)
    except HistoryError as exc:
        failure = AnalyzerFailure(source=SOURCE, message=f"cannot list the commits of the range: {exc}")
        return Attribution(findings, failures=[failure], seconds=time.perf_counter() - start)
    targets = [targets_for(cs, f) for f in findings]  # by position: two findings may share an id
    order = [(k, i) for k, ts in enumerate(targets) for i in range(len(ts))]
    shared = _requests(history, [targets[k][i] for k, i in order])  # one blame per file and direction
    requests: list[list[BlameRequest]] = [[] for _ in targets]
    for (k, _), req in zip(order, shared, strict=True):
        requests[k].append(req)
    results, failures = _run_blames(cs, {r for rs in requests for r in rs})
    out: list[Finding] = []
    for k, f in enumerate(findings):
        answers = []
        for t, req in zip(targets[k], requests[k], strict=True):
            answer = _answer(history, t, req, results[req]) if req in results else None
            if answer is not None and is_config(f) and not req.reverse:
                answer = _config_value(cs, history, f, t, results[req], answer)
            if answer is not None:
                answers.append(answer)
        if not answers:
            out.append(f)
            continue
        answer = _combine(history, answers)
        updated = f.model_copy(update={"introduced_by": _ref(history, answer)})
        note = _note(answer)
        out.append(_with_note(updated, note) if note else updated)
    attributed = sum(1 for f in out if f.introduced_by is not None)
    return Attribution(out, failures, attributed, len(results) + len(failures), time.perf_counter() - start)
