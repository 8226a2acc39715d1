"""LangGraph orchestration: resolve -> diff -> triage -> plan <-> analyze (fan-out) -> probe_plan <-> probe
(fan-out) -> bisect -> verify -> rank -> attribute -> report.

Each node is one method of `Pipeline` over pydantic models; a node's name is also the step it reports
(progress, timings, the report's log), except `analyze` and `probe`, which report `analyze:<analyzer id>`
and `probe:<probe id>` (the probe steps are in `workflow.probing`). The
heavy, non-serialisable git handle and change set live in `Resources` (rebuilt from the request on
resume), so the graph state stays a plain record that a checkpointer can persist.

LangGraph is imported when a graph is built, not with this module: importing the workflow (the CLI,
the report writer's types) does not pay for it.
"""

from __future__ import annotations

import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import investigator.report.writer as report_writer  # module import: the writer imports workflow.state
from investigator.analyzers.base import CPU_TURN, AnalysisContext, Analyzer, all_analyzers
from investigator.bisect.model import Bisection
from investigator.bisect.workflow import promote
from investigator.budget import Outcome, run_with_budget
from investigator.config.switch import absorb_switched_calls
from investigator.detectors.guards import apply_guards
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.git.errors import InputError
from investigator.git.mentions import mentioned
from investigator.hypotheses import HypothesisRecord, Mentions, evaluate_hypotheses, withdraw_contradicted
from investigator.interrupt import Interrupted, InvestigationInterrupted
from investigator.models import AnalyzerFailure, AnalyzerResult, Finding
from investigator.parallel import Helper, kill_helpers
from investigator.playbooks_lib.schema import PlaybookSet, load_playbooks
from investigator.probes.apply import attach_evidence, merge_probe_findings, probe_updates, revise_hypotheses
from investigator.probes.model import ProbeOutcome
from investigator.probes.runner import kill_running
from investigator.ranking import rank_findings
from investigator.report.output import new_run_id
from investigator.request import InvestigationRequest
from investigator.scope import apply_scope, import_closure, training_only_in_examples, unaccounted
from investigator.triage import Triage, triage_changeset
from investigator.verify.node import run_verify, verifications_of
from investigator.verify.rank import apply_verifications
from investigator.workflow import forked, probing
from investigator.workflow.state import (
    CommitSummary,
    Incomplete,
    Investigation,
    ProbePlanItem,
    ProgressEvent,
    RangeSummary,
    StepTiming,
)

if TYPE_CHECKING:
    from langgraph.graph.state import CompiledStateGraph
    from langgraph.types import Durability

    from investigator.git.changeset import ChangeSet
    from investigator.git.prefetch import Prefetch
    from investigator.git.repository import CommitInfo, CommitRange, RepoHandle
    from investigator.git.snapshot import Snapshot

    Graph = CompiledStateGraph[Investigation, None, Investigation, Investigation]

ProgressCallback = Callable[[ProgressEvent], None]

# Node names, in graph order; each is also the step name its progress events and timing carry.
RESOLVE, DIFF, TRIAGE, PLAN, ANALYZE, RANK, REPORT = "resolve", "diff", "triage", "plan", "analyze", "rank", "report"
PROBE_PLAN, PROBE = "probe_plan", "probe"
BISECT = "bisect"  # after the probes: the first bad commit of a confirmed regression (investigator.bisect.workflow)
ATTRIBUTE = "attribute"  # which commit of the range introduced each finding (investigator.attribution)
SCOPE = "scope"  # the rank step's result: findings wholly in tests, docs, examples... as no-effect items
VERIFY = "verify"  # after the probes (--verify): restore the top findings, measure what each recovers (investigator.verify)


class Update(TypedDict, total=False):
    """What a node returns: the fields of `Investigation` it sets (merged by the state's reducers)."""

    range: RangeSummary
    triage: Triage
    planned: list[str]
    skipped: dict[str, str]
    results: dict[str, AnalyzerResult]
    findings: list[Finding]
    hypotheses: list[HypothesisRecord]
    failures: list[AnalyzerFailure]
    timings: list[StepTiming]
    reports: dict[str, str]
    probe_planned: list[ProbePlanItem]
    probe_plan: list[ProbePlanItem]
    probe_not_run: dict[str, str]
    probe_notes: list[str]
    probe_outcomes: list[ProbeOutcome]
    bisection: Bisection | None


def _silent(event: ProgressEvent) -> None:
    """The default progress callback: library callers that pass none see nothing."""


@dataclass
class Resources:
    """Per-run objects that are derived from the request and not part of the persisted state."""

    playbooks: PlaybookSet
    progress: ProgressCallback = _silent
    changeset: ChangeSet | None = None
    repository: RepoHandle | None = None  # opened by `resolve`, or again on resume
    commit_range: CommitRange | None = None  # the resolved refs, with `repository`
    # the CLI's read-ahead of the repository, refs and change set (investigator/git/prefetch.py)
    prefetch: Prefetch | None = None
    # every node's update applied as it completes: what a stopped run still has (see `run_investigation`)
    completed: Investigation | None = None
    stopped: bool = False  # set when the run was interrupted: no further node starts
    probing: probing.ProbeResources = field(default_factory=probing.ProbeResources)
    # analyzer id -> the helper computing it, forked by `plan` for its wave (workflow/forked.py)
    forked: dict[str, Helper] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # parallel analyze nodes of a resumed run may ask for the change set at once
    _changeset_lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, update: Update) -> None:
        """Apply a node's update to `completed` with the state's reducers (merge, append, replace)."""
        with self._lock:
            if self.completed is None or not update:
                return
            done = self.completed
            fields: dict[str, Any] = dict(update)  # replaced, except the fields with a reducer:
            if "results" in update:
                fields["results"] = {**done.results, **update["results"]}
            if "failures" in update:
                fields["failures"] = [*done.failures, *update["failures"]]
            if "timings" in update:
                fields["timings"] = [*done.timings, *update["timings"]]
            for name in ("probe_plan", "probe_outcomes"):
                if name in update:
                    fields[name] = [*getattr(done, name), *update[name]]
            self.completed = self.completed.model_copy(update=fields)  # one assignment: never half-applied

    def snapshot(self) -> Investigation | None:
        """What has completed so far (read under the lock: a node may be recording)."""
        with self._lock:
            return self.completed


def _summary(info: CommitInfo) -> CommitSummary:
    return CommitSummary(ref=info.ref, sha=info.sha, short=info.short, summary=info.summary, author=info.author, date=info.date)


def _parser(snap: Snapshot) -> Callable[[str], Any]:
    return lambda path: snap.python_ast(path)[0]


def _entry_imports(cs: ChangeSet | None, req: InvestigationRequest, training_files: list[str]) -> set[str]:
    """What the training entry imports at either commit (its script: given, or found by config forensics)."""
    if cs is None:
        return set()
    starts = [*training_files, *((e or "").split()[0] for e in (req.baseline_entry, req.candidate_entry) if e)]
    out: set[str] = set()
    for snap in (cs.baseline, cs.candidate):
        out |= import_closure(starts, snap.exists, _parser(snap), snap.paths)
    return out


def _examples_train(cs: ChangeSet | None, reached: set[str]) -> bool:
    """Whether the candidate's training code is all in examples the entry does not reach
    (`scope.training_only_in_examples`)."""
    if cs is None:
        return False
    paths = [p for p in cs.candidate.paths() if p.endswith(".py")]
    cs.candidate.prefetch(paths)
    return training_only_in_examples(paths, cs.candidate.read_text, sorted(p for p in reached if cs.candidate.exists(p)))


def _unreadable_blobs(cs: ChangeSet | None) -> list[AnalyzerFailure]:
    """Files an analyzer wanted but git could not read (a partial clone offline): recorded, since
    each was analysed as absent at that side."""
    if cs is None:
        return []
    return [
        AnalyzerFailure(source="git", path=path, message=f"{side}: {path} could not be read ({reason}); analysed as absent")
        for side, snap in (("baseline", cs.baseline), ("candidate", cs.candidate))
        for path, reason in sorted(snap.unreadable().items())
    ]


def _timeout_result(analyzer_id: str, budget: float) -> AnalyzerResult:
    message = (f"analyzer stopped after {budget:g} s, its time budget (--analyzer-budget): "
               "its results are left out of this report")
    return AnalyzerResult(analyzer=analyzer_id, failures=[AnalyzerFailure(source=analyzer_id, message=message)])


def _crash_result(analyzer_id: str, exc: Exception) -> AnalyzerResult:
    tb = traceback.extract_tb(exc.__traceback__)[-1]
    message = f"analyzer crashed: {exc.__class__.__name__}: {exc} ({Path(tb.filename).name}:{tb.lineno})"
    return AnalyzerResult(analyzer=analyzer_id, failures=[AnalyzerFailure(source=analyzer_id, message=message)])


def _analyzer_result(analyzer_id: str, outcome: Outcome[AnalyzerResult], budget: float) -> tuple[AnalyzerResult, str, str]:
    """The result to record for one analyzer's outcome, its progress status, and the detail shown.

    A crash or a timeout is a recorded failure of this analyzer; KeyboardInterrupt or SystemExit
    raised in it is not an analyzer's bug and propagates."""
    if outcome.timed_out:
        return _timeout_result(analyzer_id, budget), "failed", f"timed out after {budget:g} s"
    if outcome.error is not None:
        if not isinstance(outcome.error, Exception):
            raise outcome.error
        result, status = _crash_result(analyzer_id, outcome.error), "failed"
    else:
        assert outcome.value is not None  # the analyzer returned
        result, status = outcome.value, "finished"
    detail = f"{len(result.findings)} findings" + (f", {len(result.failures)} failures" if result.failures else "")
    return result, status, detail


class Pipeline:
    """The nodes of the investigation graph, one method each, over one run's `Resources`."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    # ------------------------------------------------------------------ helpers

    def _timed(self, step: str, work: Callable[[], Update], detail: Callable[[Update], str]) -> Update:
        """Run a step's work between its started/finished progress events, and record its timing."""
        self.resources.progress(ProgressEvent(step=step, status="started"))
        start = time.perf_counter()
        update = work()
        seconds = time.perf_counter() - start
        text = detail(update)
        self.resources.progress(ProgressEvent(step=step, status="finished", detail=text, seconds=seconds))
        update.setdefault("timings", []).append(StepTiming(step=step, seconds=seconds, detail=text))
        return update

    def _open(self, req: InvestigationRequest) -> CommitRange:
        """Open the repository and resolve both refs; kept in `resources` (not persisted state)."""
        prefetch = self.resources.prefetch
        opened = prefetch.open_for(req.repo or "", req.baseline_commit or "", req.candidate_commit) if prefetch else None
        if opened is None:
            repository = open_repository(req.repo or "")
            commit_range = resolve_range(repository, req.baseline_commit or "", req.candidate_commit)
        else:
            repository, commit_range = opened
        self.resources.repository, self.resources.commit_range = repository, commit_range
        return commit_range

    def _changeset(self, state: Investigation) -> ChangeSet | None:
        """The change set of this run; rebuilt from the request when a checkpointed run resumes in a
        fresh process (the git handle and change set are not part of the persisted state)."""
        if self.resources.changeset is not None:
            return self.resources.changeset
        with self.resources._changeset_lock:
            return self._build_changeset(state)

    def _build_changeset(self, state: Investigation) -> ChangeSet | None:
        res = self.resources
        if res.changeset is None and state.range is not None and state.request.repo:
            if res.repository is None or res.commit_range is None:
                self._open(state.request)
            assert res.repository is not None and res.commit_range is not None  # set by `_open`
            read = res.prefetch.take_changeset(res.repository, res.commit_range) if res.prefetch else None
            res.changeset = read if read is not None else build_changeset(res.repository, res.commit_range)
        return res.changeset

    def _context(self, state: Investigation) -> AnalysisContext:
        return AnalysisContext(
            request=state.request,
            changeset=self._changeset(state),
            triage=state.triage,
            playbooks=self.resources.playbooks,
            output_dir=state.request.output,
            prior=dict(state.results),
            figures_dir=f"figures/{state.run_id}" if state.run_id else "figures",
        )

    # ------------------------------------------------------------------ nodes

    def resolve(self, state: Investigation) -> Update:
        """Resolve both refs to commits (nothing to do in logs-only mode)."""
        req = state.request
        if not req.repo:
            return {}

        def work() -> Update:
            rng = self._open(req)
            summary = RangeSummary(baseline=_summary(rng.baseline), candidate=_summary(rng.candidate),
                                   relation=rng.relation, commits_between=rng.commits_between)
            return {"range": summary}

        def detail(u: Update) -> str:
            return f"{u['range'].baseline.short}..{u['range'].candidate.short}, {u['range'].relation}"

        return self._timed(RESOLVE, work, detail)

    def diff(self, state: Investigation) -> Update:
        """Compute the change set between the two commits (always afresh) and its size."""
        summary = state.range
        if summary is None:
            return {}

        def work() -> Update:
            self.resources.changeset = None  # this step always diffs afresh
            cs = self._build_changeset(state)
            assert cs is not None
            return {"range": summary.model_copy(update={
                "files_changed": len(cs.files), "lines_added": cs.lines_added,
                "lines_removed": cs.lines_removed, "diff_seconds": cs.diff_seconds,
            })}

        def detail(u: Update) -> str:
            return f"{u['range'].files_changed} files, +{u['range'].lines_added} -{u['range'].lines_removed}"

        return self._timed(DIFF, work, detail)

    def triage(self, state: Investigation) -> Update:
        """Classify every changed file and map it to its subsystems."""
        cs = self._changeset(state)
        if cs is None:
            return {}

        def work() -> Update:
            t = triage_changeset(cs, self.resources.playbooks)
            return {"triage": t, "failures": list(t.failures)}

        def detail(u: Update) -> str:
            return f"{len(u['triage'].behavioural())} behavioural, {len(u['triage'].no_effect())} without effect"

        return self._timed(TRIAGE, work, detail)

    def plan(self, state: Investigation) -> Update:
        """Choose the next wave: analyzers whose prerequisites are done and that apply now.

        Runs after triage and again after every wave, so an analyzer can depend on what earlier
        analyzers found (its `after` ids are in `ctx.prior` when it runs).
        """
        ctx = self._context(state)
        done = set(state.results) | set(state.skipped)
        wave: list[str] = []
        skipped = dict(state.skipped)
        progressed = True
        while progressed:  # a skip can unblock analyzers that wait for it, in this same plan
            progressed = False
            for analyzer in all_analyzers():
                if analyzer.id in done or analyzer.id in wave or not set(analyzer.after) <= done:
                    continue
                ok, reason = self._applies(analyzer, ctx)
                if ok:
                    wave.append(analyzer.id)
                    continue
                skipped[analyzer.id] = reason
                done.add(analyzer.id)
                progressed = True
                self.resources.progress(ProgressEvent(step=f"{ANALYZE}:{analyzer.id}", status="skipped", detail=reason))
        self._fork(wave, ctx)
        return {"planned": wave, "skipped": skipped}

    def _fork(self, wave: list[str], ctx: AnalysisContext) -> None:
        """Start the helpers that compute the wave's `forked` analyzers beside the others (workflow/forked.py):
        here, before any analyzer of the wave runs, on the context each analyze step builds."""
        chosen = [a for a in all_analyzers() if a.id in wave and a.id not in self.resources.forked]
        for analyzer in forked.to_fork(chosen):
            helper = forked.start(analyzer, ctx)
            if helper is not None:
                self.resources.forked[analyzer.id] = helper

    @staticmethod
    def _applies(analyzer: Analyzer, ctx: AnalysisContext) -> tuple[bool, str]:
        try:
            return analyzer.applies(ctx)
        except Exception as exc:  # an analyzer's own bug must not stop the investigation
            return False, f"applies() failed: {exc}"

    def route(self, state: Investigation) -> list[Any] | str:  # list[Send]: LangGraph reads the hints at run time
        """After a plan: one `analyze` per planned analyzer (run in parallel), or on to ranking."""
        from langgraph.types import Send

        if not state.planned:
            return PROBE_PLAN
        return [Send(ANALYZE, state.model_copy(update={"planned": [aid]})) for aid in state.planned]

    def analyze(self, state: Investigation) -> Update:
        """Run one planned analyzer under its time budget (`investigator.budget`): a crash or a
        timeout is a recorded failure of this analyzer, and the investigation goes on with the others."""
        analyzer_id = state.planned[0]
        analyzer = next(a for a in all_analyzers() if a.id == analyzer_id)
        turn: AbstractContextManager[Any] = CPU_TURN if analyzer.cpu_bound else nullcontext()
        helper = self.resources.forked.pop(analyzer_id, None)
        # computed by a helper (workflow/forked.py): its wait takes no CPU turn; it takes one only to run here
        with turn if helper is None else nullcontext():  # CPU-bound analyzers take turns (`Analyzer.cpu_bound`)
            step = f"{ANALYZE}:{analyzer_id}"
            self.resources.progress(ProgressEvent(step=step, status="started"))
            ctx = self._context(state)
            budget = state.request.analyzer_budget_s
            work: Callable[[], AnalyzerResult] = (
                (lambda: analyzer.run(ctx)) if helper is None else (lambda: forked.result(helper, analyzer, ctx, turn)))
            outcome = run_with_budget(work, budget, analyzer_id)
            result, status, detail = _analyzer_result(analyzer_id, outcome, budget)
            result.duration_s = outcome.seconds
            self.resources.progress(ProgressEvent(step=step, status=status, detail=detail, seconds=outcome.seconds))
            return {
                "results": {analyzer_id: result},
                "failures": list(result.failures),
                "timings": [StepTiming(step=step, seconds=outcome.seconds, detail=detail)],
            }

    def _ranked(self, state: Investigation, outcomes: list[ProbeOutcome]) -> Update:
        """Findings ranked and hypotheses evaluated, with what the probes decided applied.

        Before ranking, code findings in branches that never run at either commit (guards) and
        findings wholly outside the training code (scope) become no-effect items."""
        cs = self._changeset(state)
        guarded = apply_guards(state.results, cs, state.request)
        results = {k: r for k, r in {**state.results, **guarded}.items() if k != SCOPE}
        findings = absorb_switched_calls(merge_probe_findings([f for r in results.values() for f in r.findings], outcomes))
        updates = [u for r in results.values() for u in r.hypothesis_updates] + probe_updates(outcomes)
        training_files = [p for r in results.values() for p in r.data.get("training_files", [])]
        findings, out_of_scope = apply_scope(findings, training_files,
                                             lambda: _entry_imports(self._changeset(state), state.request, training_files),
                                             lambda reached: _examples_train(self._changeset(state), reached))
        # (the bisected first bad commit's findings are promoted by `attribute`, once their commits are known)
        ranked = apply_verifications(rank_findings(attach_evidence(findings, outcomes), updates), verifications_of(results))
        records = evaluate_hypotheses(self.resources.playbooks, state.triage, ranked, updates, state.range is not None,
                                      _mentions(cs))
        records = revise_hypotheses(records, outcomes)
        revised = {**guarded, **withdraw_contradicted(results, ranked)}
        silent = unaccounted(((e.path, e.old_path, e.language, e.subsystem_names[0])
                              for e in (state.triage.behavioural() if state.triage is not None else [])),
                             ranked, [*out_of_scope, *(n for r in {**results, **revised}.values() for n in r.no_effect)],
                             sorted(results))
        return {"findings": ranked, "hypotheses": records, "failures": _unreadable_blobs(self.resources.changeset),
                "results": {**revised, SCOPE: AnalyzerResult(analyzer=SCOPE, no_effect=[*out_of_scope, *silent])}}

    def rank(self, state: Investigation) -> Update:
        """Rank the findings and evaluate the hypotheses, with the probes' decisions applied."""

        def detail(u: Update) -> str:
            return f"{len(u['findings'])} findings, {len(u['hypotheses'])} hypotheses"

        return self._timed(RANK, lambda: self._ranked(state, list(state.probe_outcomes)), detail)

    def attribute(self, state: Investigation) -> Update:
        """Name the commit of the range that introduced each finding (static: git blame, no runs);
        nothing for a one-commit or logs-only range; a git failure is a recorded failure."""
        if state.range is None or state.range.commits_between <= 1 or not state.findings:
            return {}

        skipped: list[str] = []

        def work() -> Update:
            cs = self._changeset(state)
            if cs is None:
                return {}
            from investigator.attribution import attribute_findings

            done = attribute_findings(cs, list(state.findings))
            skipped.extend([done.skipped] if done.skipped else [])
            # the findings the bisected first bad commit introduced rank first (known only now)
            return {"findings": promote(done.findings, state.bisection), "failures": done.failures}

        def detail(u: Update) -> str:
            found = u.get("findings", [])
            return skipped[0] if skipped else f"{sum(1 for f in found if f.introduced_by)} of {len(found)} findings attributed"

        return self._timed(ATTRIBUTE, work, detail)

    # ------------------------------------------------------------------ probes (workflow.probing)

    def probe_plan(self, state: Investigation) -> Update:
        """Plan the next wave of probes (the agent loop): from the static findings first, then from
        what the probes decided; nothing planned ends the loop."""
        req, res = state.request, self.resources.probing
        if req.probes == "none" or state.range is None:
            return {"probe_planned": []}
        wave = 1 + max((p.wave for p in state.probe_plan), default=0)

        def work() -> Update:
            self._build_probing(state)
            assert res.built is not None
            notes = list(res.built.notes)
            if wave == 1 and not probing.any_available(res):
                notes.append("no probe can run here: no adapter (--adapter or investigator_adapter.py), "
                             "no function found without one, no training command (--probe-command)")
                return {"probe_planned": [], "probe_notes": notes}
            if res.preliminary is None:
                prelim = self._ranked(state, [])
                res.preliminary = (prelim["findings"], prelim["hypotheses"])
            done = {p.probe for p in state.probe_plan}
            plan = probing.plan_wave(res, req, done, state.probe_outcomes)
            if req.confirm_expensive:
                plan = probing.confirm_expensive(res, plan)
            items = [ProbePlanItem(probe=p.probe, reason=p.reason, tests_findings=list(p.tests_findings),
                                   expensive=p.expensive, wave=wave) for p in plan.planned]
            ran = done | {p.probe for p in items}  # a probe deferred in one wave and run in a later one ran
            not_run = {k: v for k, v in {**state.probe_not_run, **plan.not_run}.items() if k not in ran}
            return {"probe_planned": items, "probe_plan": items, "probe_not_run": not_run, "probe_notes": notes}

        def detail(u: Update) -> str:
            planned = ", ".join(p.probe for p in u.get("probe_planned", [])) or "nothing"
            return f"wave {wave}: {planned}"

        return self._timed(PROBE_PLAN, work, detail)

    def _build_probing(self, state: Investigation) -> None:
        """The probe setup and environment, once per run (again after a resume in a fresh process)."""
        res = self.resources.probing
        if res.built is None:
            cs = self._changeset(state)
            assert cs is not None and state.range is not None
            commits = {"baseline": state.range.baseline.sha, "candidate": state.range.candidate.sha}
            training = [p for r in state.results.values() for p in r.data.get("training_files", [])]
            probing.build(res, state.request, cs, commits, state.run_id, training)  # type: ignore[arg-type]

    def route_probes(self, state: Investigation) -> list[Any] | str:  # list[Send]
        """After a probe plan: one `probe` per planned probe, or on to ranking."""
        from langgraph.types import Send

        if not state.probe_planned:
            return BISECT
        return [Send(PROBE, state.model_copy(update={"probe_planned": [p]})) for p in state.probe_planned]

    def probe(self, state: Investigation) -> Update:
        """Run one planned probe at both commits and decide (failures are recorded outcomes)."""
        item = state.probe_planned[0]
        step = f"{PROBE}:{item.probe}"
        self.resources.progress(ProgressEvent(step=step, status="started"))
        self._build_probing(state)
        planned = probing.PlannedProbe(item.probe, item.reason, tuple(item.tests_findings), item.expensive)
        outcome, failures = probing.run_probe(self.resources.probing, planned)
        verdict = outcome.decision.verdict if outcome.decision else "failed"
        detail = f"{verdict}" + (f": {outcome.decision.summary}"[:120] if outcome.decision else "")
        status = "failed" if verdict == "failed" else "finished"
        self.resources.progress(ProgressEvent(step=step, status=status, detail=detail, seconds=outcome.wall_s))
        return {"probe_outcomes": [outcome], "failures": failures,
                "timings": [StepTiming(step=step, seconds=outcome.wall_s, detail=verdict)]}

    def bisect(self, state: Investigation) -> Update:
        """After the probes: bisect a regression the training-run probe confirmed (docs/bisect.md)."""
        from investigator.bisect import workflow as bisecting

        res = self.resources.probing
        why_not = bisecting.should_bisect(state, state.probe_outcomes, res.budget_left())
        if why_not is not None or res.env is None or self.resources.repository is None:
            return {}

        def work() -> Update:
            assert self.resources.repository is not None
            return {"bisection": bisecting.run_in_investigation(state, res, self.resources.repository)}

        def detail(u: Update) -> str:
            from investigator.bisect.report import headline

            b = u["bisection"]
            return headline(b).replace("`", "") + f" ({b.runs} runs, {b.rounds} rounds)" if b else ""

        return self._timed(BISECT, work, detail)

    def verify(self, state: Investigation) -> Update:
        """Restore the top findings at the candidate and measure what each recovers (`--verify` only)."""
        if not state.request.verify or state.range is None:
            return {}

        def work() -> Update:
            self._build_probing(state)
            ranked = self._ranked(state, list(state.probe_outcomes))["findings"]
            ctx = self._context(state)
            result = run_verify(state.request, self.resources.probing, ranked, list(state.probe_outcomes), ctx.figures_dir)
            return {"results": {VERIFY: result}, "failures": list(result.failures)}

        return self._timed(VERIFY, work, lambda u: str(u["results"][VERIFY].data.get("detail", "")))

    def report(self, state: Investigation) -> Update:
        """Write the reports in the requested formats."""

        def work() -> Update:
            return {"reports": report_writer.write_reports(state)}

        def detail(u: Update) -> str:
            return ", ".join(u["reports"].values())

        return self._timed(REPORT, work, detail)


class _Stopped(Exception):
    pass


class _RecordedNode:
    """A node as LangGraph calls it: refuses to start once the run was stopped, and records its
    update in `resources.completed` as soon as it returns."""

    def __init__(self, fn: Callable[[Investigation], Update], resources: Resources) -> None:
        self.fn, self.resources = fn, resources
        self.__name__ = getattr(fn, "__name__", "node")

    def __call__(self, state: Investigation) -> Update:
        if self.resources.stopped:
            raise _Stopped("the investigation was interrupted")
        update = self.fn(state)
        self.resources.record(update)
        return update


def build_graph(resources: Resources, checkpointer: Any | None = None) -> Graph:
    """Compile the StateGraph over a `Pipeline` of `resources`."""
    from langgraph.graph import END, START, StateGraph

    pipeline = Pipeline(resources)
    graph = StateGraph(Investigation)
    nodes = {RESOLVE: pipeline.resolve, DIFF: pipeline.diff, TRIAGE: pipeline.triage, PLAN: pipeline.plan,
             ANALYZE: pipeline.analyze, PROBE_PLAN: pipeline.probe_plan, PROBE: pipeline.probe,
             BISECT: pipeline.bisect, VERIFY: pipeline.verify, RANK: pipeline.rank, ATTRIBUTE: pipeline.attribute,
             REPORT: pipeline.report}
    for name, fn in nodes.items():
        graph.add_node(name, _RecordedNode(fn, resources))
    graph.add_edge(START, RESOLVE)
    graph.add_edge(RESOLVE, DIFF)
    graph.add_edge(DIFF, TRIAGE)
    graph.add_edge(TRIAGE, PLAN)
    graph.add_conditional_edges(PLAN, pipeline.route, [ANALYZE, PROBE_PLAN])
    graph.add_edge(ANALYZE, PLAN)
    graph.add_conditional_edges(PROBE_PLAN, pipeline.route_probes, [PROBE, BISECT])
    graph.add_edge(PROBE, PROBE_PLAN)
    graph.add_edge(BISECT, VERIFY)
    graph.add_edge(VERIFY, RANK)
    graph.add_edge(RANK, ATTRIBUTE)
    graph.add_edge(ATTRIBUTE, REPORT)
    graph.add_edge(REPORT, END)
    return graph.compile(checkpointer=checkpointer)


def run_investigation(
    request: InvestigationRequest,
    progress: ProgressCallback | None = None,
    checkpointer: Any | None = None,
    thread_id: str = "cli",
    confirm: probing.ConfirmCallback | None = None,
    resume: bool = False,
    prefetch: Prefetch | None = None,
) -> Investigation:
    """Run the whole workflow. InputError propagates (the CLI turns it into exit code 2).

    `resume` (the service's workers, with a durable `checkpointer`): when `thread_id` has a checkpoint,
    the run goes on from it (`request` is then the one checkpointed) and the steps it finished are not
    run again; a thread whose graph had already ended returns its final state. Each step is then
    persisted before the next starts (durability "sync"), so a crash loses at most the running steps.

    What finished is never thrown away: on SIGINT/SIGTERM (`Interrupted`, or KeyboardInterrupt) the
    completed steps are written as a partial report marked incomplete and `InvestigationInterrupted`
    carries it to the caller; an internal error does the same and propagates with `partial_reports`
    attached; reports that cannot be written after the analysis go to a temporary directory (`error`).

    `prefetch` (the CLI): the repository, refs and change set being read in the background since before
    the imports (`investigator.git.prefetch`); the resolve and diff steps take them when they match.
    """
    if checkpointer is None:
        from langgraph.checkpoint.memory import InMemorySaver

        checkpointer = InMemorySaver()
    resources = Resources(playbooks=load_playbooks(), progress=progress or _silent, prefetch=None if resume else prefetch)
    resources.probing.confirm = confirm
    graph = build_graph(resources, checkpointer=checkpointer)
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 100}
    initial: Investigation | None = Investigation(request=request, run_id=new_run_id())
    resources.completed = initial
    if resume:
        saved, pending = _checkpointed(graph, config)
        if saved is not None and not pending:
            return saved  # the graph had ended: only its outcome was not recorded
        if saved is not None:
            initial, resources.completed = None, saved  # LangGraph goes on from the checkpoint
    try:
        out = _invoke_interruptibly(graph, initial, config, confirm, "sync" if resume else None)
    except (Interrupted, KeyboardInterrupt) as exc:
        resources.stopped = True
        kill_running()  # probe jobs run in their own sessions: they would outlive the CLI
        kill_helpers()  # forked analysis helpers (investigator.parallel)
        stop = Interrupted.from_exception(exc)
        raise InvestigationInterrupted(stop.signum, _partial_report(resources, f"interrupted by {stop.name}")) from None
    except InputError:
        raise
    except Exception as exc:
        resources.stopped = True
        kill_running()
        kill_helpers()
        done = resources.snapshot()
        steps = {t.step for t in done.timings} if done else set()
        if isinstance(exc, OSError) and RANK in steps and done is not None:  # the output failed after the check (disk full)
            return _write_elsewhere(done, exc)
        if steps:  # an internal error: keep what finished; the CLI names the partial report
            partial = _partial_report(resources, f"stopped by an internal error ({exc.__class__.__name__})")
            exc.partial_reports = dict(partial.reports)  # type: ignore[attr-defined]
        raise
    return Investigation.model_validate(out) if not isinstance(out, Investigation) else out


def _checkpointed(graph: Graph, config: Any) -> tuple[Investigation | None, bool]:
    """The state checkpointed for the thread of `config` (None: no checkpoint) and whether steps
    are still to run."""
    snapshot = graph.get_state(config)
    values = snapshot.values
    if not values:
        return None, False
    if not isinstance(values, Investigation):
        values = Investigation.model_validate({k: v for k, v in dict(values).items() if k in Investigation.model_fields})
    return values, bool(snapshot.next)


def _write_elsewhere(inv: Investigation, exc: OSError) -> Investigation:
    """The analysis finished but its reports could not be written: keep them in a new temporary
    directory rather than lose the work; `error` says where (the CLI prints it and exits 2)."""
    fallback = Path(tempfile.mkdtemp(prefix="investigator-reports-"))
    reports = report_writer.write_reports(inv, out_dir=fallback)
    reason = exc.strerror or str(exc)
    return inv.model_copy(
        update={
            "reports": reports,
            "error": f"the reports could not be written to {inv.request.output} ({reason}); written to {fallback} instead",
        }
    )


def _invoke_with_confirmation(graph: Graph, initial: Investigation | None, config: Any,
                              confirm: probing.ConfirmCallback | None, durability: Durability | None = None) -> Any:
    """`graph.invoke` (`initial` None: from the thread's checkpoint), resumed after each confirmation
    interrupt (expensive probes) with the answer of `confirm` (no callback: nothing is approved)."""
    from langgraph.types import Command

    out = graph.invoke(initial, config=config, durability=durability)
    while isinstance(out, dict) and out.get("__interrupt__"):
        asked = out["__interrupt__"][0].value
        approved = confirm(list(asked.get("expensive", []))) if confirm is not None else []
        out = graph.invoke(Command(resume=approved), config=config, durability=durability)
    return out


def _invoke_interruptibly(graph: Graph, initial: Investigation | None, config: Any,
                          confirm: probing.ConfirmCallback | None = None, durability: Durability | None = None) -> Any:
    """`graph.invoke` in a worker thread while this thread waits in short, interruptible steps.

    Why: a signal raises in the main thread, but LangGraph's executor then waits for every running
    analyzer of the wave before the exception gets out (measured: 20 s for a 20 s analyzer). Waiting
    here instead, the signal is handled at once; the abandoned graph stops at its next node
    (`Resources.stopped`), and the CLI exits without waiting for it.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["out"] = _invoke_with_confirmation(graph, initial, config, confirm, durability)
        except BaseException as exc:
            box["exc"] = exc

    worker = threading.Thread(target=target, name="investigation", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if "exc" in box:
        raise box["exc"]
    return box["out"]


def _mentions(cs: ChangeSet | None) -> Mentions | None:
    """Asks git which hypotheses' subjects the code mentions at either commit (candidate first)."""
    if cs is None:
        return None
    commits = [cs.range.candidate.sha, cs.range.baseline.sha]
    return lambda patterns: mentioned(cs.handle, commits, patterns)


def _unfinished_analyzers(inv: Investigation) -> list[str]:
    done = set(inv.results) | set(inv.skipped)
    try:
        return [a.id for a in all_analyzers() if a.id not in done]
    except Exception:
        return sorted(set(inv.planned) - done)


def _ranked_so_far(resources: Resources, inv: Investigation) -> dict[str, Any]:
    """The findings of the finished analyzers, ranked, with their hypotheses (pure and fast); the raw
    findings alone if ranking fails."""
    findings = [f for r in inv.results.values() for f in r.findings]
    update: dict[str, Any] = {"findings": findings}
    try:
        updates = [u for r in inv.results.values() for u in r.hypothesis_updates]
        ranked = rank_findings(findings, updates)
        update["findings"] = ranked
        update["hypotheses"] = evaluate_hypotheses(resources.playbooks, inv.triage, ranked, updates, inv.range is not None)
        update["results"] = {**inv.results, **withdraw_contradicted(inv.results, ranked)}
    except Exception:
        pass
    return update


def _partial_report(resources: Resources, reason: str) -> Investigation:
    """What completed before a stop (`reason`), ranked and written as a report marked incomplete.

    Nothing is written when no step had finished. This never raises an ordinary exception (a signal
    can land anywhere, even inside an import): a report that cannot be written leaves `reports`
    empty and says why in `error`; a second signal while writing propagates.
    """
    inv = resources.snapshot()
    assert inv is not None  # set before the graph starts
    finished = [t.step for t in inv.timings]
    update: dict[str, Any] = {
        "incomplete": Incomplete(reason=reason, finished_steps=finished, unfinished_analyzers=_unfinished_analyzers(inv))
    }
    if RANK not in finished:
        update.update(_ranked_so_far(resources, inv))
    inv = inv.model_copy(update=update)
    if finished:
        try:
            inv = inv.model_copy(update={"reports": report_writer.write_reports(inv)})
        except Exception as exc:
            inv = inv.model_copy(update={"reports": {}, "error": f"{exc.__class__.__name__}: {exc}"})
    return inv
