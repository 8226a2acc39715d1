"""Detector findings whose statement is off the learning-signal flow: logging, evaluation, export.

A detector knows a bug pattern by its shape: `x += shaped_rewards` reads as a reward term, a
removed `.cpu()` as a device change. Whether the statement matters for training is where its value
goes, which the flow (`graph.py`) answers. Real shapes: rl_games's `self.current_shaped_rewards +=
shaped_rewards` is an episode-return accumulator read only by a statistics meter and TensorBoard
("Reward weights changed", significant); d3rlpy's `.cpu()` calls were in the float conversion of
losses returned for logging ("Device placement changed", significant); rsl_rl's TorchScript export
copy of a recurrent model dropped a `.cpu()` (export is not training).

The rule, conservative: a finding is judged only when every location it names is a statement of a
function the flow can read. When every such statement's value reaches only logging, metrics,
printing or evaluation-only code, and the search ended before its visit limit, the finding becomes
a no-effect item. (The search over-approximates: by names, without kill sets, a call's result
carrying its arguments on even when the callee cannot be read, so ending without a real sink means
none the code shows is reachable.) When every statement lies in export code (named like export: `as_jit`, `export_onnx`,
`_OnnxPolicy`, or a class only export code instantiates), or in export and logging code, the finding
is lowered to low. Anything else, including a value that reaches no sink the code shows, is left as
the detector reported it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.detectors.pairs import PY_SUFFIXES, PairIndex, enclosing_function
from investigator.flow.graph import LearningFlow, linked_flows
from investigator.scope import out_of_scope_kind

# Work budget per range, counted (flow statements visited), not timed, so that the same range is judged
# alike on an idle and on a loaded machine: findings left unjudged keep their severity.
MAX_VISITS = 60_000  # skrl 1.4.3..2.0.0 (480 findings judged) needs 17k (4 s of CPU)
QUIET = ("logging", "evaluation")


@dataclass
class OffPath:
    """How a finding is off the flow: `no_effect` (only logging/evaluation) or `low` (export)."""

    verdict: str
    reason: str


class FlowCheck:
    """Judges detector findings against both commits' flows (built lazily, shared by findings)."""

    def __init__(self, index: PairIndex) -> None:
        self.index = index
        self._flows: dict[str, LearningFlow] = {}
        self.visits = 0  # flow statements visited so far (the work budget)

    def flow(self, side: str) -> LearningFlow:
        if not self._flows:
            self._flows = linked_flows(self.index)
        return self._flows[side]

    def judge(self, locations: list[tuple[str, tuple[str, int]]]) -> OffPath | None:
        """`locations`: (side, (path, line)) of the finding. None: on the flow, or not decided."""
        if not locations or self.visits >= MAX_VISITS:
            return None
        try:
            verdicts = [self._verdict(side, path, line) for side, (path, line) in locations]
        except RecursionError:
            verdicts = [None]
        if any(v is None for v in verdicts):
            return None
        # a comment line holds no value to follow: the change is on the other side (code commented out, rlgraph
        # 70b14a64..428fc136 rlgraph/agents/agent.py:572: `_write_rewards_summary`, only a summary writer, turned
        # into a comment)
        kinds = {v for v in verdicts if v is not None and v != "comment"}
        if not kinds:
            return None
        if kinds <= set(QUIET):
            where = " and ".join(sorted(kinds))
            return OffPath("no_effect", f"the changed statement's value reaches only {where} code "
                                        f"(followed on the learning-signal flow), not the learning signal")
        if "export" in kinds:
            return OffPath("low", "the changed statement is in code that exports a trained model (TorchScript, "
                                  "ONNX), not in training")
        return None

    def _verdict(self, side: str, path: str, line: int) -> str | None:
        """export | logging | evaluation | comment (a comment line), or None (on the flow, or not decided)."""
        if not path.endswith(PY_SUFFIXES) or out_of_scope_kind(path):
            return None  # tests, examples, docs: the scope rule moves them, recording their severity
        flow = self.flow(side)
        module = flow.side.module(path)
        if module is not None and 0 < line <= len(module.lines) and module.lines[line - 1].lstrip().startswith("#"):
            return "comment"
        fn = enclosing_function(module, line) if module is not None else None
        if fn is None:
            return None
        if flow.export_only(fn):
            return "export"
        unit = flow.unit_at(fn, line)
        node = fn.node
        if unit is None and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and line == node.lineno \
                and flow.units(fn):
            start = list(flow.units(fn))  # the whole definition (deleted or commented out): all it computes
        elif unit is None:
            return None
        else:
            start = [unit]
        placement = flow.place(start)
        self.visits += placement.visited
        if placement.sink in QUIET and placement.complete:
            return placement.sink
        return None
