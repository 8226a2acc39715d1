"""A call site removed so that a project function is no longer invoked anywhere."""

from __future__ import annotations

import ast

from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, Hit
from investigator.detectors.classify import classify
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.models import Severity
from investigator.pyast import call_name, last_name


def _direct_calls(fn: FunctionInfo) -> list[ast.Call]:
    return [n for n in ast.walk(fn.node) if isinstance(n, ast.Call)]


class CallRemovedDetector(Detector):
    meta = DetectorMeta(
        id="call_removed",
        title="Function no longer invoked",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "When the last call site of a function disappears, its behaviour (a schedule, an "
            "initialisation, a wrapper, a statistics update) silently stops while the code remains."
        ),
        fix="Restore the call at its baseline place, or delete the function if dropping it is intended.",
        confidence=0.6,
        generic=True,
    )

    def check_pair(self, pair: FunctionPair, ctx: DetectorContext) -> list[Hit]:
        assert pair.base is not None and pair.cand is not None
        base_flow = ctx.flows["baseline"]
        cand_calls = {last_name(name) for _, _, name in _walk_calls(ctx.sites(pair.cand))}
        hits: list[Hit] = []
        seen: set[str] = set()
        for call in _direct_calls(pair.base):
            callee = base_flow.resolve(call, pair.base)
            if callee is None or callee is pair.base or callee.qualname in seen:
                continue
            seen.add(callee.qualname)
            later = ctx.pairs.later(callee)
            if later is None:
                later = next((f for f in ctx.pairs.cand.find_defs(callee.name) if f.qualname == callee.qualname), None)
            name = later.name if later else callee.name
            if callee.name == "__call__":  # an object called (`self.transform(x)`): what is called is its name
                name = last_name(call_name(call)) or name
            if name in cand_calls:
                continue
            if later is not None and ctx.pairs.cand.references(name, skip=[(later.path, later.lineno, later.end_lineno)]):
                continue  # still referenced (called elsewhere, passed as a callback)
            if later is None and ctx.pairs.cand.references(name):
                continue
            status = "deleted" if later is None else f"still defined at {later.path}:{later.lineno}"
            hits.append(
                Hit(
                    title=f"`{callee.qualname}` is no longer called ({status})",
                    summary=f"baseline calls `{call_name(call)}(...)` in `{pair.base.qualname}`; "
                    f"no call or reference remains at the candidate",
                    base=(pair.base.path, call.lineno),
                    cand=None,
                    pair=pair,
                    subsystem=classify(callee.source(), callee.path, ctx.playbooks, self.meta.subsystem),
                    # a deleted function is usually a deliberate removal; a dead one is a silent drop
                    severity=Severity.low if later is None else None,
                    confidence=0.45 if later is None else None,
                    details={"callee": callee.qualname},
                    restore=(pair.base, pair.cand),
                )
            )
        return hits


def _walk_calls(sites):
    for site in sites:
        if isinstance(site.node, ast.Call):
            yield site, site.node, call_name(site.node)
