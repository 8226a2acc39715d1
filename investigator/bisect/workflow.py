"""The bisection inside an investigation: when the training-run probe confirmed the regression over a
range of more than one commit, bisect it with the same command, seeds and metric within what is left
of the probe budget; then the findings the first bad commit introduced rank first.

Why here and not in the graph module: the graph node stays a few lines (`Pipeline.bisect`), and this
part is tested without LangGraph.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from investigator.bisect.model import Bisection, BisectStatus
from investigator.models import Evidence, EvidenceKind, Finding
from investigator.probes.builtin.training_run import PROBE_ID
from investigator.probes.model import ProbeOutcome

if TYPE_CHECKING:
    from investigator.git.repository import RepoHandle
    from investigator.workflow.probing import ProbeResources
    from investigator.workflow.state import Investigation

MIN_BUDGET_S = 5.0  # less probe budget than this left: no bisection is started


def should_bisect(inv: Investigation, outcomes: Sequence[ProbeOutcome], budget_left: float) -> str | None:
    """Why not to bisect (None: bisect): not turned off, a confirmed training run, more than one commit
    from the baseline forward to the candidate, a command, and budget left."""
    if not inv.request.bisect:
        return "bisection is turned off (--no-bisect)"
    if not any(o.probe == PROBE_ID and o.decision is not None and o.decision.verdict == "confirmed" for o in outcomes):
        return "the training-run probe did not confirm a regression"
    rng = inv.range
    if rng is None or rng.relation != "baseline is an ancestor of candidate":
        return "the baseline is not an ancestor of the candidate"
    if rng.commits_between < 2:
        return "the range has one commit: it is the first bad commit"
    if budget_left < MIN_BUDGET_S:
        return f"the probe budget is spent ({max(0.0, budget_left):.0f} s left)"
    return None


def run_in_investigation(inv: Investigation, res: ProbeResources, handle: RepoHandle) -> Bisection:
    """The bisection with the investigation's probe environment (checkouts, cache, slots) and setup."""
    from investigator.bisect.report import figure_for
    from investigator.bisect.run import bisect_with, search_options

    assert res.built is not None and res.env is not None and inv.range is not None
    setup = res.built.setup
    assert setup.command is not None
    opts = search_options(setup.seeds, None, None, len(res.env.slots), None, res.budget_left(), setup.primary_metric,
                          setup.options)
    result = bisect_with(handle, res.env, inv.range.baseline.sha, inv.range.candidate.sha, setup.command,
                         setup.primary_metric, opts, setup.steps, setup.options)
    figure = figure_for(result, Path(inv.request.output), inv.run_id or "run")
    return result.model_copy(update={"figure": figure})


def promote(findings: Sequence[Finding], bisection: Bisection | None) -> list[Finding]:
    """The findings introduced by the first bad commit first (their order otherwise kept), each with a
    `bisection` evidence item; ranks renumbered. Unchanged without a found first bad commit."""
    if bisection is None or bisection.status != BisectStatus.FOUND or not bisection.first_bad:
        return list(findings)
    first = bisection.first_bad
    hit = [f for f in findings if f.introduced_by is not None and f.introduced_by.sha == first]
    if not hit:
        return list(findings)
    rest = [f for f in findings if f not in hit]
    short = first[:7]
    out: list[Finding] = []
    for i, original in enumerate([*hit, *rest], start=1):
        f = original.model_copy(deep=True)
        f.rank = i
        if i <= len(hit) and not any(e.kind == EvidenceKind.bisection for e in f.evidence):
            f.evidence.append(Evidence(kind=EvidenceKind.bisection, details={"first_bad": first},
                                       summary=f"bisection: `{short}` is the first bad commit of the range, "
                                               "and this change came in with it"))
        out.append(f)
    return out
