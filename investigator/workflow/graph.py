"""LangGraph orchestration: resolve -> diff -> triage -> analyze (fan-out) -> hypotheses -> rank -> report.

Every node calls a plain function over pydantic models. The heavy, non-serialisable git handle and
change set live in `Resources` (rebuilt from the request on resume), so the graph state stays a
plain record that a checkpointer can persist.
"""

from __future__ import annotations

import gc
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

import investigator.report.writer as report_writer  # module import: the writer imports workflow.state
from investigator.analyzers.base import CPU_TURN, AnalysisContext, all_analyzers
from investigator.budget import run_with_budget
from investigator.detectors.guards import apply_guards
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.git.changeset import ChangeSet
from investigator.git.errors import InputError
from investigator.hypotheses import evaluate_hypotheses, withdraw_contradicted
from investigator.interrupt import Interrupted, InvestigationInterrupted
from investigator.models import AnalyzerFailure, AnalyzerResult
from investigator.playbooks_lib.schema import PlaybookSet, load_playbooks
from investigator.ranking import rank_findings
from investigator.report.output import new_run_id
from investigator.request import InvestigationRequest
from investigator.scope import apply_scope, import_closure
from investigator.triage import triage_changeset
from investigator.workflow.state import (
    CommitSummary,
    Incomplete,
    Investigation,
    ProgressEvent,
    RangeSummary,
    StepTiming,
)

ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class Resources:
    """Per-run objects that are derived from the request and not part of the persisted state."""

    playbooks: PlaybookSet
    progress: ProgressCallback = lambda event: None
    changeset: ChangeSet | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # every node's update applied as it completes: what a stopped run still has (see `run_investigation`)
    completed: Investigation | None = None
    stopped: bool = False  # set when the run was interrupted: no further node starts
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, update: dict) -> None:
        """Apply a node's update to `completed` with the state's reducers (merge, append, replace)."""
        with self._lock:
            if self.completed is None or not update:
                return
            fields: dict[str, Any] = {}
            for key, value in update.items():
                if key == "results":
                    fields[key] = {**self.completed.results, **value}
                elif key in ("failures", "timings"):
                    fields[key] = [*getattr(self.completed, key), *value]
                else:
                    fields[key] = value
            self.completed = self.completed.model_copy(update=fields)  # one assignment: never half-applied


def _timed(step: str, resources: Resources, fn: Callable[[], dict], detail: Callable[[dict], str] | None = None) -> dict:
    resources.progress(ProgressEvent(step=step, status="started"))
    start = time.perf_counter()
    update = fn()
    seconds = time.perf_counter() - start
    text = detail(update) if detail else ""
    resources.progress(ProgressEvent(step=step, status="finished", detail=text, seconds=seconds))
    update.setdefault("timings", []).append(StepTiming(step=step, seconds=seconds, detail=text))
    return update


SCOPE = "scope"  # the ranking step's result: findings wholly in tests, docs, examples... as no-effect items


def _entry_imports(cs: ChangeSet | None, req: InvestigationRequest, training_files: list[str]) -> set[str]:
    """What the training entry imports at either commit (its script: given, or found by config forensics)."""
    if cs is None:
        return set()
    starts = [*training_files, *((e or "").split()[0] for e in (req.baseline_entry, req.candidate_entry) if e)]
    out: set[str] = set()
    for snap in (cs.baseline, cs.candidate):
        out |= import_closure(starts, snap.exists, lambda p, s=snap: s.python_ast(p)[0])
    return out


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


def _summary(info) -> CommitSummary:
    return CommitSummary(ref=info.ref, sha=info.sha, short=info.short, summary=info.summary, author=info.author, date=info.date)


def build_graph(resources: Resources, checkpointer: Any | None = None):
    """Compile the StateGraph; `resources` is closed over by the nodes."""

    def _open(req: InvestigationRequest):  # noqa: ANN202 - CommitRange
        """Open the repository and resolve both refs; kept in `resources` (not persisted state)."""
        handle = open_repository(req.repo or "")
        rng = resolve_range(handle, req.baseline_commit or "", req.candidate_commit)
        resources.extra["handle"], resources.extra["range"] = handle, rng
        return rng

    def resolve(state: Investigation) -> dict:
        req = state.request
        if not req.repo:
            return {}

        def work() -> dict:
            rng = _open(req)
            return {
                "range": RangeSummary(
                    baseline=_summary(rng.baseline),
                    candidate=_summary(rng.candidate),
                    relation=rng.relation,
                    commits_between=rng.commits_between,
                )
            }

        return _timed("resolve", resources, work, lambda u: f"{u['range'].baseline.short}..{u['range'].candidate.short}, {u['range'].relation}")

    changeset_lock = threading.Lock()  # parallel analyze nodes of a resumed run may ask at once

    def _changeset(state: Investigation) -> ChangeSet | None:
        """The change set of this run; rebuilt from the request when a checkpointed run resumes in a
        fresh process (the git handle and change set are not part of the persisted state)."""
        if resources.changeset is not None:
            return resources.changeset
        with changeset_lock:
            return _build_changeset(state)

    def _build_changeset(state: Investigation) -> ChangeSet | None:
        if resources.changeset is None and state.range is not None and state.request.repo:
            if "handle" not in resources.extra:
                _open(state.request)
            resources.changeset = build_changeset(resources.extra["handle"], resources.extra["range"])
        return resources.changeset

    def diff(state: Investigation) -> dict:
        if state.range is None:
            return {}

        def work() -> dict:
            resources.changeset = None  # this step always diffs afresh
            cs = _build_changeset(state)
            assert cs is not None
            rng = state.range.model_copy(
                update={
                    "files_changed": len(cs.files),
                    "lines_added": cs.lines_added,
                    "lines_removed": cs.lines_removed,
                    "diff_seconds": cs.diff_seconds,
                }
            )
            return {"range": rng}

        return _timed("diff", resources, work, lambda u: f"{u['range'].files_changed} files, +{u['range'].lines_added} -{u['range'].lines_removed}")

    def triage(state: Investigation) -> dict:
        if _changeset(state) is None:
            return {}

        def work() -> dict:
            t = triage_changeset(resources.changeset, resources.playbooks)  # type: ignore[arg-type]
            return {"triage": t, "failures": list(t.failures)}

        return _timed("triage", resources, work, lambda u: f"{len(u['triage'].behavioural())} behavioural, {len(u['triage'].no_effect())} without effect")

    def _context(state: Investigation, output_dir: Path) -> AnalysisContext:
        return AnalysisContext(
            request=state.request,
            changeset=_changeset(state),
            triage=state.triage,
            playbooks=resources.playbooks,
            output_dir=output_dir,
            prior=dict(state.results),
            figures_dir=f"figures/{state.run_id}" if state.run_id else "figures",
        )

    def plan(state: Investigation) -> dict:
        """Choose the next wave: analyzers whose prerequisites are done and that apply now.

        Runs after triage and again after every wave, so an analyzer can depend on what earlier
        analyzers found (its `after` ids are in `ctx.prior` when it runs).
        """
        ctx = _context(state, state.request.output)
        done = set(state.results) | set(state.skipped)
        wave: list[str] = []
        skipped = dict(state.skipped)
        progressed = True
        while progressed:  # a skip can unblock analyzers that wait for it, in this same plan
            progressed = False
            for analyzer in all_analyzers():
                if analyzer.id in done or analyzer.id in wave or not set(getattr(analyzer, "after", ())) <= done:
                    continue
                try:
                    ok, reason = analyzer.applies(ctx)
                except Exception as exc:  # an analyzer's own bug must not stop the investigation
                    ok, reason = False, f"applies() failed: {exc}"
                if ok:
                    wave.append(analyzer.id)
                else:
                    skipped[analyzer.id] = reason
                    done.add(analyzer.id)
                    progressed = True
                    resources.progress(ProgressEvent(step=f"analyze:{analyzer.id}", status="skipped", detail=reason))
        return {"planned": wave, "skipped": skipped}

    def fan_out(state: Investigation) -> list[Send] | str:
        if not state.planned:
            return "hypotheses"
        return [Send("analyze", state.model_copy(update={"planned": [aid]})) for aid in state.planned]

    def analyze(state: Investigation) -> dict:
        analyzer_id = state.planned[0]
        analyzer = next(a for a in all_analyzers() if a.id == analyzer_id)
        step = f"analyze:{analyzer_id}"
        turn = CPU_TURN if getattr(analyzer, "cpu_bound", False) else nullcontext()
        with turn:  # CPU-bound analyzers take turns; the others run alongside (see `Analyzer`)
            return _run_analyzer(analyzer, analyzer_id, step, state)

    def _run_analyzer(analyzer: Any, analyzer_id: str, step: str, state: Investigation) -> dict:
        """Run one analyzer under its time budget (`investigator.budget`): a crash or a timeout is a
        recorded failure of this analyzer, and the investigation goes on with the others."""
        resources.progress(ProgressEvent(step=step, status="started"))
        ctx = _context(state, state.request.output)
        budget = state.request.analyzer_budget_s
        outcome = run_with_budget(lambda: analyzer.run(ctx), budget, analyzer_id)
        status = "finished"
        if outcome.timed_out:
            result = AnalyzerResult(analyzer=analyzer_id, failures=[AnalyzerFailure(
                source=analyzer_id,
                message=f"analyzer stopped after {budget:g} s, its time budget (--analyzer-budget): "
                        "its results are left out of this report")])
            status = "failed"
        elif outcome.error is not None:
            exc = outcome.error
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not an analyzer's bug
                raise exc
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            result = AnalyzerResult(
                analyzer=analyzer_id,
                failures=[
                    AnalyzerFailure(
                        source=analyzer_id,
                        message=f"analyzer crashed: {exc.__class__.__name__}: {exc} ({Path(tb.filename).name}:{tb.lineno})",
                    )
                ],
            )
            status = "failed"
        else:
            result = outcome.value  # type: ignore[assignment]
        seconds = outcome.seconds
        result.duration_s = seconds
        detail = f"{len(result.findings)} findings" + (f", {len(result.failures)} failures" if result.failures else "")
        if outcome.timed_out:
            detail = f"timed out after {budget:g} s"
        resources.progress(ProgressEvent(step=step, status=status, detail=detail, seconds=seconds))
        return {
            "results": {analyzer_id: result},
            "failures": list(result.failures),
            "timings": [StepTiming(step=step, seconds=seconds, detail=detail)],
        }

    def hypotheses(state: Investigation) -> dict:
        def work() -> dict:
            # Code findings in branches that never run at either commit become no-effect items.
            guarded = apply_guards(state.results, _changeset(state), state.request)
            results = {k: r for k, r in {**state.results, **guarded}.items() if k != SCOPE}
            findings = [f for r in results.values() for f in r.findings]
            updates = [u for r in results.values() for u in r.hypothesis_updates]
            training_files = [p for r in results.values() for p in r.data.get("training_files", [])]
            findings, out_of_scope = apply_scope(findings, training_files, lambda: _entry_imports(_changeset(state), state.request, training_files))
            ranked = rank_findings(findings, updates)
            records = evaluate_hypotheses(resources.playbooks, state.triage, ranked, updates, state.range is not None)
            revised = {**guarded, **withdraw_contradicted(results, ranked)}
            return {"findings": ranked, "hypotheses": records, "failures": _unreadable_blobs(resources.changeset),
                    "results": {**revised, SCOPE: AnalyzerResult(analyzer=SCOPE, no_effect=out_of_scope)}}

        return _timed("rank", resources, work, lambda u: f"{len(u['findings'])} findings, {len(u['hypotheses'])} hypotheses")

    def report(state: Investigation) -> dict:
        return _timed("report", resources, lambda: {"reports": report_writer.write_reports(state)}, lambda u: ", ".join(u["reports"].values()))

    graph = StateGraph(Investigation)
    for name, fn in [
        ("resolve", resolve),
        ("diff", diff),
        ("triage", triage),
        ("plan", plan),
        ("analyze", analyze),
        ("hypotheses", hypotheses),
        ("report", report),
    ]:
        graph.add_node(name, _recorded(fn, resources))
    graph.add_edge(START, "resolve")
    graph.add_edge("resolve", "diff")
    graph.add_edge("diff", "triage")
    graph.add_edge("triage", "plan")
    graph.add_conditional_edges("plan", fan_out, ["analyze", "hypotheses"])
    graph.add_edge("analyze", "plan")
    graph.add_edge("hypotheses", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer)


class _Stopped(Exception):  # noqa: N818 - ends the abandoned graph of an interrupted run
    pass


def _recorded(fn: Callable[[Investigation], dict], resources: Resources) -> Callable[[Investigation], dict]:
    def node(state: Investigation) -> dict:
        if resources.stopped:
            raise _Stopped("the investigation was interrupted")
        update = fn(state)
        resources.record(update)
        return update

    node.__name__ = getattr(fn, "__name__", "node")
    return node


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one investigation.

    An investigation allocates millions of short-lived objects (ASTs, config entries, models) and few
    reference cycles; automatic full collections would re-scan all of them again and again (measured:
    a third of the run on a large refactor). Reference counting still frees memory; the collector's
    previous state is restored afterwards and picks up any cycles on its next pass.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_investigation(
    request: InvestigationRequest,
    progress: ProgressCallback | None = None,
    checkpointer: Any | None = None,
    thread_id: str = "cli",
) -> Investigation:
    """Run the whole workflow. InputError propagates (the CLI turns it into exit code 2).

    What finished is never thrown away: on SIGINT/SIGTERM (`Interrupted`, or KeyboardInterrupt) the
    completed steps are written as a partial report marked incomplete and `InvestigationInterrupted`
    carries it to the caller; an internal error does the same and propagates with `partial_reports`
    attached; reports that cannot be written after the analysis go to a temporary directory (`error`).
    """
    resources = Resources(playbooks=load_playbooks(), progress=progress or (lambda e: None))
    graph = build_graph(resources, checkpointer=checkpointer or InMemorySaver())
    initial = Investigation(request=request, run_id=new_run_id())
    resources.completed = initial
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": 100}
    try:
        with _cyclic_gc_paused():
            out = _invoke_interruptibly(graph, initial, config)
    except (Interrupted, KeyboardInterrupt) as exc:
        resources.stopped = True
        stop = Interrupted.from_exception(exc)
        raise InvestigationInterrupted(stop.signum, _partial_report(resources, f"interrupted by {stop.name}")) from None
    except InputError:
        raise
    except Exception as exc:
        resources.stopped = True
        with resources._lock:
            done = resources.completed
        steps = {t.step for t in done.timings} if done else set()
        if isinstance(exc, OSError) and "rank" in steps:  # the output failed after the check (disk full)
            return _write_elsewhere(done, exc)
        if steps:  # an internal error: keep what finished; the CLI names the partial report
            partial = _partial_report(resources, f"stopped by an internal error ({exc.__class__.__name__})")
            exc.partial_reports = dict(partial.reports)  # type: ignore[attr-defined]
        raise
    return Investigation.model_validate(out) if not isinstance(out, Investigation) else out


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


def _invoke_interruptibly(graph: Any, initial: Investigation, config: dict) -> Any:
    """`graph.invoke` in a worker thread while this thread waits in short, interruptible steps.

    Why: a signal raises in the main thread, but LangGraph's executor then waits for every running
    analyzer of the wave before the exception gets out (measured: 20 s for a 20 s analyzer). Waiting
    here instead, the signal is handled at once; the abandoned graph stops at its next node
    (`Resources.stopped`), and the CLI exits without waiting for it.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["out"] = graph.invoke(initial, config=config)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["exc"] = exc

    worker = threading.Thread(target=target, name="investigation", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if "exc" in box:
        raise box["exc"]
    return box["out"]


def _partial_report(resources: Resources, reason: str) -> Investigation:
    """What completed before a stop (`reason`), ranked and written as a report marked incomplete.

    Nothing is written when no step had finished. This never raises an ordinary exception (a signal
    can land anywhere, even inside an import): a report that cannot be written leaves `reports`
    empty and says why in `error`; a second signal while writing propagates.
    """
    with resources._lock:
        inv = resources.completed
    assert inv is not None  # set before the graph starts
    finished = [t.step for t in inv.timings]
    done = set(inv.results) | set(inv.skipped)
    try:
        unfinished = [a.id for a in all_analyzers() if a.id not in done]
    except Exception:  # noqa: BLE001 - e.g. the signal interrupted an analyzer module's import
        unfinished = sorted(set(inv.planned) - done)
    update: dict[str, Any] = {
        "incomplete": Incomplete(reason=reason, finished_steps=finished, unfinished_analyzers=unfinished)
    }
    if "rank" not in finished:
        findings = [f for r in inv.results.values() for f in r.findings]
        update["findings"] = findings
        try:  # rank what the finished analyzers found (pure and fast)
            updates = [u for r in inv.results.values() for u in r.hypothesis_updates]
            ranked = rank_findings(findings, updates)
            update["findings"] = ranked
            update["hypotheses"] = evaluate_hypotheses(resources.playbooks, inv.triage, ranked, updates, inv.range is not None)
            update["results"] = {**inv.results, **withdraw_contradicted(inv.results, ranked)}
        except Exception:  # noqa: BLE001 - the partial report still lists the raw findings
            pass
    inv = inv.model_copy(update=update)
    if finished:
        try:
            inv = inv.model_copy(update={"reports": report_writer.write_reports(inv)})
        except Exception as exc:  # noqa: BLE001 - reported by the CLI in its one line
            inv = inv.model_copy(update={"reports": {}, "error": f"{exc.__class__.__name__}: {exc}"})
    return inv
