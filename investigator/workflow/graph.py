"""LangGraph orchestration: resolve -> diff -> triage -> analyze (fan-out) -> hypotheses -> rank -> report.

Every node calls a plain function over pydantic models. The heavy, non-serialisable git handle and
change set live in `Resources` (rebuilt from the request on resume), so the graph state stays a
plain record that a checkpointer can persist.
"""

from __future__ import annotations

import gc
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
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.git.changeset import ChangeSet
from investigator.hypotheses import evaluate_hypotheses
from investigator.models import AnalyzerFailure, AnalyzerResult
from investigator.playbooks_lib.schema import PlaybookSet, load_playbooks
from investigator.ranking import rank_findings
from investigator.request import InvestigationRequest
from investigator.scope import apply_scope, import_closure
from investigator.triage import triage_changeset
from investigator.workflow.state import CommitSummary, Investigation, ProgressEvent, RangeSummary, StepTiming

ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class Resources:
    """Per-run objects that are derived from the request and not part of the persisted state."""

    playbooks: PlaybookSet
    progress: ProgressCallback = lambda event: None
    changeset: ChangeSet | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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
        resources.progress(ProgressEvent(step=step, status="started"))
        start = time.perf_counter()
        try:
            result = analyzer.run(_context(state, state.request.output))
            status = "finished"
        except Exception as exc:  # recorded and reported, the rest of the investigation goes on
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
        seconds = time.perf_counter() - start
        result.duration_s = seconds
        detail = f"{len(result.findings)} findings" + (f", {len(result.failures)} failures" if result.failures else "")
        resources.progress(ProgressEvent(step=step, status=status, detail=detail, seconds=seconds))
        return {
            "results": {analyzer_id: result},
            "failures": list(result.failures),
            "timings": [StepTiming(step=step, seconds=seconds, detail=detail)],
        }

    def hypotheses(state: Investigation) -> dict:
        def work() -> dict:
            results = {k: r for k, r in state.results.items() if k != SCOPE}
            findings = [f for r in results.values() for f in r.findings]
            updates = [u for r in results.values() for u in r.hypothesis_updates]
            training_files = [p for r in results.values() for p in r.data.get("training_files", [])]
            findings, out_of_scope = apply_scope(findings, training_files, lambda: _entry_imports(_changeset(state), state.request, training_files))
            ranked = rank_findings(findings, updates)
            records = evaluate_hypotheses(resources.playbooks, state.triage, ranked, updates, state.range is not None)
            return {"findings": ranked, "hypotheses": records, "failures": _unreadable_blobs(resources.changeset),
                    "results": {SCOPE: AnalyzerResult(analyzer=SCOPE, no_effect=out_of_scope)}}

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
        graph.add_node(name, fn)
    graph.add_edge(START, "resolve")
    graph.add_edge("resolve", "diff")
    graph.add_edge("diff", "triage")
    graph.add_edge("triage", "plan")
    graph.add_conditional_edges("plan", fan_out, ["analyze", "hypotheses"])
    graph.add_edge("analyze", "plan")
    graph.add_edge("hypotheses", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=checkpointer)


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
    """Run the whole workflow. InputError propagates (the CLI turns it into exit code 2)."""
    resources = Resources(playbooks=load_playbooks(), progress=progress or (lambda e: None))
    graph = build_graph(resources, checkpointer=checkpointer or InMemorySaver())
    with _cyclic_gc_paused():
        out = graph.invoke(
            Investigation(request=request),
            config={"configurable": {"thread_id": thread_id}, "recursion_limit": 100},
        )
    return Investigation.model_validate(out) if not isinstance(out, Investigation) else out
