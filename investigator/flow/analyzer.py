"""The `behavioural_change` analyzer: never silent about a change that reaches training.

Every changed statement of a matched function pair is placed on the learning-signal flow of its
commit (`graph.py`). A change no detector (and no configuration finding) already explains is
reported as "Behavioural change in the <place> path", one finding per function, with both
file:line, the hunk, the way its value travels to the sink and a severity from that place:

* reaches the loss / targets / advantages / rewards / optimizer / sampling / environment, or is
  part of a network definition (architecture): significant (never critical: no rule knows what the
  change means, only where it acts);
* its own content says where it acts (a name with the role of an advantage, return, reward, loss)
  but the flow could not be followed to a sink (it stops at a compiled extension, dynamic dispatch,
  no caller found): low, with where the flow stopped;
* reaches only logging, metrics, printing, progress bars, or evaluation-only code: no effect;
* reaches nothing the code shows: no effect, with where the flow stopped.

Formatting, comments, docstrings, moved statements and consistent renames are not changes
(`diff.py`; formatting-only files are excluded through triage). On a large refactor at most
`MAX_SIGNIFICANT` functions stay significant, ranked by their place on the flow; the rest are low.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import posixpath
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from investigator.analyzers.base import AnalysisContext, Analyzer, register_analyzer
from investigator.detectors import codedefault
from investigator.detectors.analyzer import equivalent_paths
from investigator.detectors.configref import default_of
from investigator.detectors.evidence import counterpart, hunk_text, restore_patch
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.newcases import (
    Catalog,
    NewCases,
    asserted_arms,
    compared_values,
    config_reads,
    get_key,
    membership_key,
    unhandled_arms,
)
from investigator.detectors.pairs import PY_SUFFIXES, FunctionPair, PairIndex, SideIndex, shared_pairs
from investigator.detectors.paramattr import parameters_as_attributes
from investigator.detectors.patterns import LOG_SINK_CALL, LOG_SINK_RECEIVER
from investigator.detectors.reach import unreachable_reason
from investigator.detectors.sources import changes_from_changeset
from investigator.flow.abstracted import made_abstract, overridden_everywhere
from investigator.flow.asyncloop import running_loop_spelling
from investigator.flow.bundled import bundled_parameters
from investigator.flow.callables import same_callable
from investigator.flow.carved import carved_arms, carved_from_raise
from investigator.flow.choicearm import Decider, selectors
from investigator.flow.classbody import (
    OTHER_KIND,
    SCALARS,
    class_body_pairs,
    coerced_kind,
    is_class_body,
    renamed_classes,
)
from investigator.flow.constflags import same_truth
from investigator.flow.containers import (
    ContainerChange,
    dropped_readers,
    has_container_yield,
    match,
    read_positions,
    realigned_unpackings,
)
from investigator.flow.declared import declared_types
from investigator.flow.diff import (
    CALLED_AS_FORWARD,
    UnitChange,
    changed_units,
    forward_names,
    module_renames,
    moved_across,
)
from investigator.flow.edits import derived_attributes, known_edit, scalar_parameters
from investigator.flow.evalphase import evaluation_phase_edits
from investigator.flow.explicit import moved_to_callers, removed_self_calls
from investigator.flow.falsequiet import (
    MAX_BY_NAME,
    dispatched_names,
    missing_modules,
    module_read_elsewhere,
    module_readers,
    readers,
    rebound_imports,
    repaired_imports,
    replaces_raise,
    unread_globals,
)
from investigator.flow.fieldclass import carried_fields
from investigator.flow.fieldswitch import describe as describe_fields
from investigator.flow.fieldswitch import field_keywords, field_truth, new_name_field, reads_field_keyword
from investigator.flow.gather import gather_note
from investigator.flow.graph import LearningFlow, Placement, linked_flows
from investigator.flow.groups import grouped_input
from investigator.flow.guardedkw import guarded_keyword_moves
from investigator.flow.handedin import handed_in_call
from investigator.flow.heldattrs import one_side_attributes
from investigator.flow.identityopt import default_truth, identity_calls, identity_hooks
from investigator.flow.inertopt import describe as inert_describe
from investigator.flow.inertopt import inert, new_option_values, stored_only
from investigator.flow.inferred import same_statement_but_inferred
from investigator.flow.inlined import Inlined, call_text, inlined_callees
from investigator.flow.itemattr import item_attribute_spelling
from investigator.flow.keyed import keyed_place
from investigator.flow.kwargsopt import forwarded_unread, key_options
from investigator.flow.kwrename import keyword_renamed
from investigator.flow.layout import GRADIENT_PLACES, Layout, container_relaid, layout, layout_change
from investigator.flow.libapi import api_label, api_reached
from investigator.flow.libkw import library_end
from investigator.flow.liftedopt import (
    default_arguments,
    enclosing_new_options,
    literal_default,
    neutral_option,
    value_reads,
)
from investigator.flow.mbloop import minibatch_count
from investigator.flow.movedconst import moved_constants
from investigator.flow.movedfreeze import freeze_statement, frozen_by_callers
from investigator.flow.netctor import LAYER_CONFIDENCE, rebuilt_network, reconfigured_network
from investigator.flow.newarm import new_arm_arguments
from investigator.flow.newfield import new_field_declared
from investigator.flow.newparam import new_parameter_passed
from investigator.flow.offflags import dead_statement, off_flags
from investigator.flow.optin import (
    ConfigValues,
    Option,
    assumption,
    describe,
    enclosing_class,
    neutral_arguments,
    new_options,
    used_in_arguments,
    used_in_tests,
)
from investigator.flow.orchestration import import_graph
from investigator.flow.overrides import removed_overrides
from investigator.flow.ownsignal import signal_label
from investigator.flow.pairedname import paired_name_rule
from investigator.flow.perfkw import speed_keyword_only
from investigator.flow.plumbing import configuration_helper, helper_fed, is_config_plumbing, only_introspects
from investigator.flow.pusheddown import pushed_down_accessor, removed_default, restated_default
from investigator.flow.randdraw import same_distribution_note
from investigator.flow.registered import registered_reward
from investigator.flow.restore import checkpoint_names, reads_checkpoint
from investigator.flow.roledefault import RoleDefault, role_default
from investigator.flow.rowsum import row_sum_dropped
from investigator.flow.sameparts import PartProbes, part_probes
from investigator.flow.shares import Outcome, outcomes
from investigator.flow.signature import fixed_call
from investigator.flow.symbolic import Effect, Expander, differing, value_text
from investigator.flow.threaded import Threading, method_alias, read_threaded, same_threads, stored_attributes
from investigator.flow.units import RETURN, Unit
from investigator.flow.varforward import unfilled_variadics
from investigator.flow.waitgate import wait_place
from investigator.flow.wiring import (
    device_move,
    device_only,
    injected,
    literal_type_only,
    new_state,
    none_normalised,
    read_in_place,
)
from investigator.flow.wrappers import (
    Assignments,
    adapted_call,
    inline_moved,
    method_by_name,
    moved_parameters,
    moved_values,
    passed_through,
    returned_containers,
)
from investigator.models import (
    AnalyzerFailure,
    AnalyzerResult,
    Evidence,
    EvidenceKind,
    Finding,
    Location,
    NoEffectChange,
    Severity,
    Side,
)
from investigator.pyast import copy_tree, default_values, parameter_defaults, unparse
from investigator.ranking import groups_in_order, merge_places
from investigator.scope import out_of_scope_kind

SOURCE = "behavioural_change"
# places on the flow, most direct influence on the learning signal first (the ranking order)
PATHS = ("loss", "target", "advantage", "reward", "optimizer", "schedule", "sampling", "environment", "architecture",
         "device")
# rank bonus per place (confidence + 0.004 per step): "schedule" sits between the optimizer and sampling, which
# keep the bonus they had before it existed
PLACE_RANK = {"loss": 9, "target": 8, "advantage": 7, "reward": 6, "optimizer": 5, "schedule": 4.5, "sampling": 4,
              "environment": 3, "architecture": 2, "device": 1}
SUBSYSTEM = {"loss": "ppo", "target": "ppo", "advantage": "ppo", "reward": "env", "optimizer": "trainer",
             "schedule": "trainer",
             "sampling": "buffers", "environment": "env", "architecture": "architecture", "device": "device"}
LOW_PATHS = {"device"}  # where a model or tensor lives: rarely what changes learning
MAX_SIGNIFICANT = 8
MAX_HOPS, HOP_PENALTY = 30, 0.0001  # at most 0.003: less than one step between places (0.004)
# why an opt-in finding is low (flow/optin.py); a group of low findings repeats it
OPT_IN_NOTE = (" Low: it changes only runs that turn an option on or select a configuration key or value new in "
               "this range; with the defaults every run computes what the baseline computed: ")
# what an opt-in finding's title says, by kind (see `_opt_in`)
OPT_IN_TITLES = {"off": "opt-in, off by default", "neutral": "new option, neutral at its default",
                 "stored": "new option, stored here: read elsewhere",
                 "alternative": "new alternative, off for every baseline run"}
GROUP_MIN = 3  # low findings of one file grouped into one from this many on
MAX_PLACED_PER_PAIR = 20
# a few statements in one or two hunks of the computation of the learning signal itself are one edit (a recursion
# re-indexed, a mask slice and the forward call beside it), ranked as a small change; more statements, statements
# spread over the function, or a compact edit of an outer place (the same call rewritten in six observation reads of
# an environment, counters added to a status string of a job scheduler: plumbing) keep the rewrite's confidence
SMALL_EDIT, SMALL_EDIT_HUNKS, HUNK_GAP = 6, 2, 7  # SMALL_EDIT: also the one-hunk tier's most statements
SIGNAL_PLACES = frozenset({"loss", "target", "advantage", "reward"})
KNOWN_MEANING_CONFIDENCE = 0.8  # a rule that knows what the change does, as a detector's pattern does
# the title of a known edit (flow/edits.py) by how its description starts, and what it does
EDIT_KINDS = (("operator", "Operator grouping changed"), ("gradient", "Gradient cut changed"),
              ("return", "Return value lost"), ("truth", "Truth test changed"), ("numerical", "Numerical guard removed"),
              ("in-place", "In-place update changed"), ("raw parameter", "Adjusted attribute bypassed"),
              ("comparison bound", "Comparison bound shifted"), ("comparison inverted", "Branch test inverted"),
              ("reduction", "Reduction changed"))
EDIT_MEANINGS = {"Operator grouping changed": "the same operands and operators grouped differently compute another "
                 "value for almost every input; no refactor regroups them",
                 "Gradient cut changed": "the same forward value with another gradient: a term now trained that "
                 "was held fixed, or the reverse",
                 "Return value lost": "the callers now receive None",
                 "Numerical guard removed": "a small constant that kept a division or a log finite where the value "
                 "is 0: without it a zero spread or probability gives inf or NaN",
                 "Truth test changed": "the branch now differs where the value is set but falsy (0, 0.0, False, "
                 "an empty container)",
                 "In-place update changed": "the variable is now set to the operand instead of moved by it, or the "
                 "reverse: a counter no longer counts down (a periodic test on it then holds at every step), a "
                 "running value no longer accumulates, or a value reset each time now accumulates",
                 "Adjusted attribute bypassed": "the method stores the parameter adjusted; reading the raw parameter "
                 "(or the reverse) skips the adjustment wherever it changes the value",
                 "Comparison bound shifted": "the same value tested against the same bound, strict made non-strict or "
                 "the bound moved by a step: the test flips one step earlier or later (an episode's time-out "
                 "overruns, a schedule's switch is a step late)",
                 "Branch test inverted": "the same operands compared by the complementary operator: the branch now "
                 "runs exactly where it did not",
                 "Reduction changed": "a mean and a sum over the same axis differ by that axis's size: a loss or "
                 "target that averaged now totals (or the reverse), rescaling it and its gradient"}
# Work budget per range, counted, not timed: the same range gives the same findings on an idle and on a
# loaded machine (the former 15 s wall-clock budget placed 605 of skrl 1.4.3..2.0.0's 1013 changed
# functions under load, all of them idle). The biggest real release range measured (that one: 1013
# pairs, 84k flow visits, 13 s) stays well inside both caps; `--analyzer-budget` remains the wall-time net.
MAX_PAIRS = 2000  # changed function pairs examined
MAX_FLOW_VISITS = 250_000  # flow statements visited by all placements together
EXPLAIN_SLACK = 2
NEAR_LINES = 25
OUT_OF_SCOPE = re.compile(r"(^|/)(tests?|docs?|examples?|benchmarks?|notebooks?|\.github)/|(^|/)(test_[^/]*|"
                          r"[^/]*_test|conftest)\.py$")


# verdicts whose place on the flow is shown (followed to a sink, or reached through what the code cannot show: an
# instance call, a library's users, a framework calling a registered reward), and those plus the unfollowed ones
FOLLOWED_VERDICTS = ("on", "dispatched", "api", "registered", "keyed", "gated", "minibatch")
PLACED_VERDICTS = (*FOLLOWED_VERDICTS, "unfollowed")


@dataclass
class Placed:
    change: UnitChange
    unit: Unit
    placement: Placement
    path: str | None  # a PATHS label when on the flow (or unfollowed with an own label)
    verdict: str  # on | dispatched | api | registered | keyed | gated | minibatch | unfollowed | logging | evaluation | export | off
    api: str = ""  # verdict "api": the library function whose return the flow reached (flow/libapi.py)
    # verdict "registered": (the registration call, path:line) of the reward function the value is returned by
    registered: tuple[str, str] | None = None
    library: str = ""  # verdict "unfollowed": an edited keyword's value ends in library code (flow/libkw.py)
    role: RoleDefault | None = None  # verdict "unfollowed": a re-valued default named for a learning role (flow/roledefault.py)
    unraised: bool = False  # verdict "unfollowed": it replaces a baseline `raise` (flow/falsequiet.py)
    # verdict "unfollowed": why, in words (the dispatched method whose project body reaches training, flow/falsequiet.py;
    # the project network built with other arguments, flow/netctor.py)
    byname: str = ""


@dataclass
class PairReport:
    pair: FunctionPair
    placed: list[Placed] = field(default_factory=list)
    visits: int = 0  # flow statements visited to place it (the work budget)
    opt_in: str = ""  # every difference is an opt-in option's (flow/optin.py): why it is low
    opt_in_title: str = "opt-in, off by default"  # the title's note for it ("new case for value 'lag'")
    opt_in_partly: str = ""  # options whose branches were left out of a finding that still differs
    container: ContainerChange | None = None  # it yields a container in place of tuples, not all the same values
    fixed_calls: dict[int, str] = field(default_factory=dict)  # id(change) -> why its baseline call raised
    carried: list[tuple[UnitChange, str]] = field(default_factory=list)  # `fixed_calls` on its way from a helper
    grouped: str = ""  # the input read out of groups of a container parameter (flow/groups.py): why it is low
    unreached: str = ""  # a public library class nothing here constructs (`_library_variant`): why it is low


class BehaviouralChangeAnalyzer(Analyzer):
    id = SOURCE
    title = "Behavioural changes on the learning-signal flow"
    order = 50
    cpu_bound = True
    after = ("code_detectors", "config_forensics")  # their findings explain changes first

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        if ctx.changeset is None:
            return False, "no repository (logs-only mode)"
        if not any((c.old_path or c.new_path or "").endswith(PY_SUFFIXES) for c in changes_from_changeset(ctx.changeset)):
            return False, "no Python file changed"
        return True, "Python files changed"

    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        assert ctx.changeset is not None
        changes = changes_from_changeset(ctx.changeset)
        index = shared_pairs(ctx.changeset.baseline, ctx.changeset.candidate, changes, equivalent_paths(ctx))
        return analyse(index, explained_lines(ctx), config_compared(ctx), config_values(ctx))


@dataclass
class Explained:
    """What earlier analyzers already reported: lines they cover, and nearby findings by subsystem."""

    lines: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # (side, path) -> lines
    near: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)  # -> (line, subsystem)
    # lines only no-effect items name: they speak for their own statement, with no slack (see `covers`)
    exact: dict[tuple[str, str], set[int]] = field(default_factory=dict)

    def covers(self, side: str, path: str, lo: int, hi: int, others: set[int] | frozenset[int] = frozenset()) -> bool:
        """A finding's lines cover a statement within `EXPLAIN_SLACK` lines; a no-effect item's only its own
        statement: "moved, not removed" said of `target_q = r + (1 - d) * gamma * next_q` (code/agent.py:155 of
        sac-discrete.pytorch d48f9e10..cf2295cd) is no word about the `next_q = (...).mean(dim=1)` ending two
        lines above it, whose `.mean` -> `.sum` over the action axis was hidden as "explained". Nor does a line
        inside `others` (another changed statement of the same function) explain this one through the slack:
        the finding there (that run's false "Done masking removed" at line 155) is about that statement."""
        exact = self.exact.get((side, path))
        if exact and any(n in exact for n in range(lo, hi + 1)):
            return True
        lines = self.lines.get((side, path))
        if not lines:
            return False
        return any(n in lines for n in range(lo, hi + 1)) or any(
            n in lines and n not in others for n in (*range(lo - EXPLAIN_SLACK, lo), *range(hi + 1, hi + EXPLAIN_SLACK + 1)))

    def same_concern(self, side: str, path: str, line: int, subsystem: str) -> bool:
        """A finding of the same subsystem a few lines away (one edit seen by a detector at another
        of its lines: a schedule rewritten as a `LambdaLR` created above the loop)."""
        return any(abs(n - line) <= NEAR_LINES and s == subsystem for n, s in self.near.get((side, path), []))


def explained_lines(ctx: AnalysisContext) -> Explained:
    """What earlier analyzers' findings and no-effect items already cover."""
    out = Explained()
    for result in ctx.prior.values():
        for items, into in ((result.findings, out.lines), (result.no_effect, out.exact)):
            for item in items:
                for loc in item.locations:
                    if loc.line is not None:
                        end = loc.end_line or loc.line
                        into.setdefault((loc.side, loc.path), set()).update(range(loc.line, end + 1))
        # a low finding (a change toward the textbook form, a likely fix) speaks for its own lines only: it does
        # not make another edit of the same subsystem nearby its concern (rl-starter-files: a low "gradient cut
        # added on values (targets: the textbook form)" 22 lines above hid the PPO entropy bonus's sign flip)
        for f in result.findings:
            for loc in f.locations if f.severity is not Severity.low else ():
                if loc.line is not None:
                    out.near.setdefault((loc.side, loc.path), []).append((loc.line, f.subsystem))
    return out


def config_compared(ctx: AnalysisContext) -> bool:
    """Whether config forensics compared an effective configuration at both commits: then the
    statements that only carry configuration (see flow/plumbing.py) are covered by its comparison."""
    prior = ctx.prior.get("config_forensics")
    if prior is None or any(f.message.startswith("config forensics failed") for f in prior.failures):
        return False
    effective = prior.data.get("effective_config") or {}
    return bool(effective.get("baseline")) and bool(effective.get("candidate"))


def config_values(ctx: AnalysisContext) -> ConfigValues:
    """Config forensics' effective configuration at both commits (for opt-in options, flow/optin.py)."""
    prior = ctx.prior.get("config_forensics")
    data = prior.data if prior is not None else {}
    effective = data.get("effective_config") or {}
    where = data.get("effective_where") or {}
    return ConfigValues(dict(effective.get("baseline") or {}), dict(effective.get("candidate") or {}),
                        dict(where.get("candidate") or {}))


def analyse(index: PairIndex, explained: Explained | None = None, config_compared: bool = False,
            config: ConfigValues | None = None) -> AnalyzerResult:
    """The whole pass over one pair index; never raises for bad input (failures are recorded)."""
    start = time.perf_counter()
    result = AnalyzerResult(analyzer=SOURCE)
    flows = linked_flows(index)
    expanders = {side: Expander(flow.resolver) for side, flow in flows.items()}
    renamed = {p.base.name: p.cand.name for p in index.pairs  # functions renamed in this range
               if p.base and p.cand and p.match == "renamed" and p.base.name != p.cand.name}
    called_as_forward = forward_names([(p.base.name, p.cand.name) for p in index.pairs
                                       if p.base and p.cand and p.match == "renamed"])
    renamed.update(renamed_classes(index))
    explained = explained or Explained()
    reports: list[PairReport] = []
    skipped = examined = visits = 0
    unit_changes: list[list[UnitChange]] = []
    changed = [p for p in index.changed_pairs() if p.base and p.cand]
    candidates = [p.cand for p in changed if p.cand]
    moved = moved_values([(p.base, p.cand) for p in changed if p.base and p.cand], candidates)
    handed = _Handed(moved, Assignments(candidates), flows["candidate"], index.base)
    cases = NewCases(Catalog(index.base.tree.paths(), index.base.texts), Catalog(index.cand.tree.paths(), index.cand.texts))
    containers = container_changes([(p.base, p.cand) for p in changed if p.base and p.cand], expanders, flows["baseline"])
    by_name: dict[str, list[ContainerChange]] = {}
    for change in containers.values():
        by_name.setdefault(change.producer, []).append(change)
    for expander in expanders.values():  # a name two producers share says nothing about which one a loop reads
        expander.producers = {name: found[0] for name, found in by_name.items() if len(found) == 1}
    stored = layout({id(p.base.module): p.base.module.tree for p in changed if p.base}.values(),
                    {id(p.cand.module): p.cand.module.tree for p in changed if p.cand}.values())
    pairs = [*index.changed_pairs(), *class_body_pairs(index)]
    by_module = _module_renames(changed, flows)

    def compute(pair: FunctionPair) -> Outcome:
        """One pair's report and what it recorded (`result`'s items, the statement changes it saw)."""
        out = Outcome(None)
        scratch = AnalyzerResult(analyzer=SOURCE)
        own = _enclosing_renames(by_module, pair.cand) if pair.cand is not None and not pair.cand.is_module else None
        token = CALLED_AS_FORWARD.set(called_as_forward)
        try:
            out.report = _pair_report(pair, index, flows, explained, scratch, expanders,
                                      {**own, **renamed} if own else renamed, config_compared,
                                      out.seen, config or ConfigValues(), handed, cases,
                                      containers.get(id(pair.cand)) if pair.cand is not None else None)
        except RecursionError:
            scratch.failures.append(AnalyzerFailure(source=SOURCE, message=f"code nested too deeply: {pair.describe()}"))
        except Exception as exc:
            scratch.failures.append(AnalyzerFailure(source=SOURCE, message=f"{pair.describe()}: {exc!r}"))
        finally:
            CALLED_AS_FORWARD.reset(token)
        out.no_effect, out.failures = scratch.no_effect, scratch.failures
        return out

    # the pairs shared with a helper process (flow/shares.py), or None: each computed here in turn
    shared = outcomes(pairs, MAX_PAIRS, index, flows, compute, _for_helper, _from_helper)
    for k, pair in enumerate(pairs):
        if examined >= MAX_PAIRS or visits >= MAX_FLOW_VISITS:
            skipped += 1
            continue
        examined += 1
        done = shared[k] if shared is not None and k in shared else compute(pair)
        result.no_effect.extend(done.no_effect)
        result.failures.extend(done.failures)
        unit_changes.extend(done.seen)
        if done.report is not None:
            visits += done.report.visits
            reports.append(done.report)
    if skipped:
        result.failures.append(AnalyzerFailure(source=SOURCE, message=(
            f"flow analysis stopped at its work budget ({examined} changed functions examined, {visits} flow "
            f"statements visited; at most {MAX_PAIRS} and {MAX_FLOW_VISITS}): {skipped} changed functions not placed")))
    counterparts = {(p.base.path, p.base.qualname): p.cand for p in changed if p.base and p.cand}
    reports = _drop_moved(reports, moved_across(unit_changes, counterparts), result, flows)
    findings: list[Finding] = []
    for report in reports:
        for part in _per_place(report):
            finding = _finding(part, index, stored)
            if finding is not None:
                findings.append(finding)
        result.no_effect.extend(_no_effect(report))
    findings.extend(_override_findings(index, flows, explained, result))
    findings = group_same_edit(findings)
    cap_findings(findings)
    # after capping and grouping: not a place on the learning-signal flow (no PATHS label)
    result.findings = group_low(findings) + _missing_module_findings(changed, index)
    result.data = {"functions_placed": len(reports), "findings": len(findings), "pairs_examined": examined,
                   "flow_visits": visits, "functions_not_placed": skipped}
    result.duration_s = time.perf_counter() - start
    return result


def _per_place(report: PairReport) -> list[PairReport]:
    """A script's top level split by the place each change acts on: a module's statements are not one
    computation as a function's are, so an edit of the loss and a migration of the environment set-up in
    the same script are two claims, each judged (and counted, for how diffuse it is) on its own. Real
    shape: cleanrl's SAC script had its entropy-temperature loss edited in a range that also moved every
    script to the gymnasium step API; the loss edit was one of "7 statements" and ranked ninth."""
    fn = report.pair.cand or report.pair.base
    if fn is None or not fn.is_module:
        return [report]
    placed = [p for p in report.placed if p.path and p.verdict in PLACED_VERDICTS]
    places = sorted({p.path for p in placed if p.path})
    if len(places) < 2:
        return [report]
    # places whose statements made the same token edit (`num_envs` -> `local_num_envs` in the observation and
    # the reward buffers) are one change: kept together
    group = {place: place for place in places}

    def root(place: str) -> str:
        while group[place] != place:
            place = group[place]
        return place

    seen: dict[str, str] = {}
    for p in placed:
        for edit in _token_edits(p.change):
            if edit in seen:
                group[root(p.path or "")] = root(seen[edit])
            else:
                seen[edit] = p.path or ""
    parts: dict[str, list[Placed]] = {}
    for p in report.placed:
        if p.path in group:
            parts.setdefault(root(p.path), []).append(p)
    if len(parts) < 2:
        return [report]
    return [replace(report, placed=kept) for _, kept in sorted(parts.items())]


def _token_edits(change: UnitChange) -> set[str]:
    """The token runs a modified statement replaced (`num_envs => local_num_envs`); none for an added or
    deleted statement."""
    if change.base is None or change.cand is None:
        return set()
    a, b = _tokens(change.base.text(400)), _tokens(change.cand.text(400))
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return {" ".join(a[i1:i2]) + " => " + " ".join(b[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"}


def _module_renames(changed: list[FunctionPair], flows: dict[str, LearningFlow]) -> dict[str, dict[str, str]]:
    """The module-level names each changed module renamed consistently, by candidate path (flow/diff.py
    `module_renames`): its functions read them as free variables under the new name. Likewise the locals
    a changed function renamed consistently, by `path:qualname`, for the changed functions nested in it
    (closures read them as free variables)."""
    out: dict[str, dict[str, str]] = {}
    nested = {(p.cand.path, p.cand.qualname) for p in changed if p.cand is not None and "." in p.cand.qualname}
    for pair in changed:
        if pair.base is None or pair.cand is None:
            continue
        if pair.cand.is_module and pair.base.is_module:
            key = pair.cand.path
        elif not pair.cand.is_module and not pair.base.is_module and any(
                path == pair.cand.path and qual.startswith(pair.cand.qualname + ".") for path, qual in nested):
            key = f"{pair.cand.path}:{pair.cand.qualname}"
        else:
            continue
        found = module_renames(pair, flows["baseline"].units(pair.base), flows["candidate"].units(pair.cand))
        if found:
            out[key] = found
    return out


def _enclosing_renames(by_scope: dict[str, dict[str, str]], fn: FunctionInfo) -> dict[str, str]:
    """The renames of the module and of the functions `fn` is nested in (outermost first, inner ones win)."""
    out = dict(by_scope.get(fn.path, {}))
    parts = fn.qualname.split(".")
    for k in range(1, len(parts)):
        out.update(by_scope.get(f"{fn.path}:{'.'.join(parts[:k])}", {}))
    return out


def _for_helper(out: Outcome) -> Outcome:
    """`out` with its report's identity-keyed notes keyed by the change itself (pickled with it)."""
    if out.report is not None and out.report.fixed_calls:
        calls = out.report.fixed_calls
        out.report.fixed_calls = {}
        out.report.carried = [(p.change, calls[id(p.change)]) for p in out.report.placed if id(p.change) in calls]
    return out


def _from_helper(out: Outcome) -> Outcome:
    if out.report is not None and out.report.carried:
        out.report.fixed_calls = {id(change): why for change, why in out.report.carried}
        out.report.carried = []
    return out


def cap_findings(findings: list[Finding]) -> None:
    """Sort the findings and keep at most `MAX_SIGNIFICANT` significant: the first in order, which puts
    a change whose meaning a rule knows (a network built with other arguments, an annotation that
    coerces its default: what a detector's pattern would say) before anonymous ones, then by place on
    the flow, closest to the learning signal first (eight anonymous "environment path" findings of a
    runner refactor demoted rsl_rl's teacher network built with the wrong input size)."""
    findings.sort(key=lambda f: (not f.evidence[0].details.get("known"), PATHS.index(str(f.evidence[0].details["path"])),
                                 -f.confidence))
    # Examples compete for their own seats: most are out of scope (ranking's `scope.apply_scope` files them as no
    # effect unless the entry runs them) and must not demote the library's findings. Real shape: PARL
    # c5a4a771..02a99f68, its examples' PPO scripts took five of the eight seats, and the library's `PPO.learn`
    # (a learning-rate schedule added) went low once examples were analysed.
    in_examples = [f for f in findings if f.locations and all(out_of_scope_kind(loc.path) == "example" for loc in f.locations)]
    seen = {id(f) for f in in_examples}
    for part in ([f for f in findings if id(f) not in seen], in_examples):
        k = 0
        for f in part:
            if f.evidence[0].details.get("built"):
                continue  # low by its place where the flow stopped (flow/ownsignal.py): it takes no seat
            k += 1
            if k > MAX_SIGNIFICANT and f.severity is Severity.significant:
                f.severity = Severity.low
                f.rationale += (f" Low because this range changes {len(part)} functions on the flow: only the "
                                f"{MAX_SIGNIFICANT} closest to the learning signal stay significant.")


def container_changes(pairs: list[tuple[FunctionInfo, FunctionInfo]], expanders: dict[str, Expander],
                      base_flow: LearningFlow) -> dict[int, ContainerChange]:
    """Producers of the range that yield a container where they yielded tuples (flow/containers.py), by
    id of the candidate function, with the positions their baseline consumers read but no field carries."""
    out: dict[int, ContainerChange] = {}
    for base_fn, cand_fn in pairs:
        if not has_container_yield(base_fn, cand_fn):
            continue
        if expanders["baseline"].effects(base_fn) is None:
            continue
        base_yields = expanders["baseline"].yields
        if expanders["candidate"].effects(cand_fn) is None:
            continue
        change = match(base_fn, cand_fn, base_yields, expanders["candidate"].yields, value_text)
        if change is None:
            continue
        dropped = set(range(change.size)) - set(change.positions.values())
        if dropped:
            read = read_positions(base_flow.callers(base_fn), base_fn.name, change.size)
            if read is None:
                change.consumers_known = False
            else:
                change.dropped_read = sorted(dropped & read)
                readers = dropped_readers(base_flow.callers(base_fn), base_fn.name, change.dropped_read, base_flow.units)
                change.dropped_sink = (base_flow.place(readers).sink or "") if readers else None
        out[id(cand_fn)] = change
    return out


def _extended_return(pair: FunctionPair, eb: list[Effect], ec: list[Effect], flow: LearningFlow
                     ) -> NoEffectChange | None:
    """A no-effect item when the function returns the baseline's value extended (`_return_extended`)."""
    if pair.cand is None or not _return_extended(eb, ec, pair.cand, flow):
        return None
    return _no_effect_at_candidate(
        pair, f"Return value extended in `{pair.describe()}`",
        "it returns the baseline's value as the first element of a tuple and every caller unpacks "
        "it: what the callers do with the new element is compared in their own code")


def _tuple_shortened(pair: FunctionPair, eb: list[Effect], ec: list[Effect], base_flow: LearningFlow
                     ) -> NoEffectChange | None:
    """A no-effect item when the only differing effects are the yields, and each candidate yield is
    the baseline's tuple less the same positions, which no consumer of the baseline reads (`for obs,
    _, _, pa, d in storage.generator()`). Real shape: rsl_rl's `RolloutStorage.generator` stopped
    yielding the privileged observations (now inside the observation TensorDict) that distillation's
    loop bound to `_`; it was "Behavioural change in the loss path" (significant)."""
    if pair.base is None or pair.cand is None or not eb or not ec or not _only_yields(eb, ec):
        return None
    base_tuples = _yielded_tuples(pair.base)
    dropped = _dropped_positions(base_tuples, _yielded_tuples(pair.cand))
    if not dropped:
        return None
    size = len(base_tuples[0])
    read = read_positions(base_flow.callers(pair.base), pair.base.name, size)
    if read is None or read & dropped:
        return None
    return _no_effect_at_candidate(
        pair, f"Tuple shortened in `{pair.describe()}`",
        f"it yields the same values less position(s) {', '.join(map(str, sorted(dropped)))} of its "
        f"{size}-tuple, which no consumer of the baseline read (bound to `_`)")


def _only_yields(eb: list[Effect], ec: list[Effect]) -> bool:
    """Every differing effect is a `yield` (the function's output container, not what it computes)."""
    return all(" :: call (yield " in e.text for e in (*eb, *ec))


def _no_effect_at_candidate(pair: FunctionPair, title: str, reason: str) -> NoEffectChange:
    assert pair.cand is not None
    return NoEffectChange(subsystem="other", title=title, reason=reason, source=SOURCE,
                          locations=[Location(path=pair.cand.path, line=pair.cand.lineno, side="candidate")])


def _yielded_tuples(fn: FunctionInfo) -> list[list[str]]:
    """The element texts of each `yield a, b, c` of the function's own body ([] when one is no tuple)."""
    out: list[list[str]] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and node is not fn.node:
            return []  # nested code: its yields are not this function's
        if isinstance(node, ast.Yield | ast.YieldFrom):
            if not isinstance(node, ast.Yield) or not isinstance(node.value, ast.Tuple):
                return []
            out.append([ast.unparse(e) for e in node.value.elts])
    return out


def _dropped_positions(base: list[list[str]], cand: list[list[str]]) -> set[int]:
    """The positions removed from every baseline tuple to give the candidate's (same order), or an
    empty set when the yields do not line up that way."""
    if not base or len(base) != len(cand):
        return set()
    found: set[int] | None = None
    for b, c in zip(base, cand, strict=True):
        if len(c) >= len(b):
            return set()
        kept, j = [], 0
        for k, text in enumerate(b):
            if j < len(c) and text == c[j]:
                kept.append(k)
                j += 1
        if j != len(c):
            return set()
        gone = set(range(len(b))) - set(kept)
        if found is not None and gone != found:
            return set()
        found = gone
    return found or set()


def _same_container(pair: FunctionPair, container: ContainerChange | None, eb: list[Effect], ec: list[Effect]
                    ) -> NoEffectChange | None:
    """A no-effect item when the only differences are yields of the same values in a container."""
    if container is None or pair.cand is None or not container.same_values or not _only_yields(eb, ec):
        return None
    return _no_effect_at_candidate(
        pair, f"Container changed in `{pair.describe()}`",
        f"it {container.describe()}: the same values, which its consumers read by name where they read "
        f"them by position (compared in their own code through that mapping)")


def _drop_moved(reports: list[PairReport], moved: set[int], result: AnalyzerResult,
                flows: dict[str, LearningFlow] | None = None) -> list[PairReport]:
    """Reports without the statements that moved to another changed function; a report left empty
    becomes a no-effect item. A replaced block pairs statements arbitrarily: a change whose sides
    both moved is gone, and one with a single moved side is the other side alone, placed again by
    its own statement. Real shape (PufferLib 9aa817f7..d4d17e69): the `--vector` backend mapping
    moved from `if __name__ == "__main__":` into `train()`, and the diff paired the moved
    `args.vector = pufferlib.vector.Serial` with the new `if args.mode == 'evaluate':`, reported on
    the optimizer path through the moved statement's flow."""
    if not moved:
        return reports
    kept: list[PairReport] = []
    for report in reports:
        before = len(report.placed)
        placed: list[Placed] = []
        for p in report.placed:
            sides = [(s, u) for s, u in (("baseline", p.change.base), ("candidate", p.change.cand)) if u is not None]
            rest = [(s, u) for s, u in sides if id(u.node) not in moved]
            if not rest:
                continue
            if len(rest) < len(sides) and flows is not None:
                side, unit = rest[0]
                change = UnitChange(unit if side == "baseline" else None, unit if side == "candidate" else None)
                placement = flows[side].place([unit], _edited_arguments(change, report.pair))
                report.visits += placement.visited
                p = _classify(change, unit, placement, flows[side])
            placed.append(p)
        report.placed = placed
        gone = before - len(report.placed)
        if gone:
            cand_fn = report.pair.cand or report.pair.base
            assert cand_fn is not None
            result.no_effect.append(NoEffectChange(
                subsystem="other", title=f"Moved code in `{report.pair.describe()}` ({gone} statements)",
                reason="moved, not removed: the same statements (up to names) were deleted from or added to "
                       "another changed function of this range, and compared there",
                locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))
        if report.placed:
            kept.append(report)
    return kept


def group_same_edit(findings: list[Finding]) -> list[Finding]:
    """Findings of different functions whose changed statements made the same edit (same tokens
    removed and added, around the same names, on the same path) are one change in several places:
    rl_games's `has_value_loss` rewritten alike in its continuous and discrete agents, d3rlpy's
    `bootstrap=..., share_encoder=...` dropped from five `_build_network`s. One finding "(N places)"
    keeps every function's location, hunk and flow; a different edit stays its own finding."""
    out: list[Finding] = []
    for copies in groups_in_order(findings, _edit_key):
        merged = merge_places(copies)
        if len(copies) > 1:
            names = [str(c.evidence[0].details["function"]).rsplit(":", 1)[-1] for c in copies]
            merged.rationale += (" The same edit is made in " + ", ".join(f"`{n}`" for n in names)
                                 + ": one change, listed once with every place.")
        out.append(merged)
    return out


def _edit_key(f: Finding) -> tuple | None:
    details = f.evidence[0].details if f.evidence else {}
    edit = details.get("edit")
    return (details.get("path"), f.severity, edit) if edit else None


def edit_signature(changes: list[UnitChange]) -> str:
    """What the changed statements did, independent of where: per statement its kind, the names it
    defines and, for a modified one, each token run removed and added with one token of context on
    each side (a deleted or added statement: its whole text). Sorted, so statement order does not
    matter. Two functions with the same signature made the same edit."""
    forms = []
    for c in changes:
        unit = c.cand or c.base
        assert unit is not None
        defs = ",".join(sorted(unit.defs))
        if c.base is not None and c.cand is not None:
            a, b = _tokens(c.base.text(400)), _tokens(c.cand.text(400))
            ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            edits = [" ".join(a[max(0, i1 - 1):i2 + 1]) + " => " + " ".join(b[max(0, j1 - 1):j2 + 1])
                     for tag, i1, i2, j1, j2 in ops if tag != "equal"]
            forms.append(f"modified [{defs}] " + " | ".join(edits))
        else:
            forms.append(f"{c.kind} [{defs}] {unit.text(400)}")
    return hashlib.blake2s("\n".join(sorted(forms)).encode(), digest_size=8).hexdigest()


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def group_low(findings: list[Finding]) -> list[Finding]:
    """Low findings of one file, `GROUP_MIN` or more, as one finding that keeps every function's
    evidence (hunk, flow, statements): a release rewriting a module's networks or environment
    wrappers gave dozens of low findings, one per function, that buried the rest of the report."""
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        if f.severity is Severity.low and f.locations:
            by_file.setdefault(f.locations[-1].path, []).append(f)
    grouped = {id(f): path for path, group in by_file.items() if len(group) >= GROUP_MIN for f in group}
    out: list[Finding] = []
    for f in findings:
        path = grouped.get(id(f))
        if path is None:
            out.append(f)
        elif f is by_file[path][0]:
            out.append(_group_finding(path, by_file[path]))
    return out


def _group_finding(path: str, group: list[Finding]) -> Finding:
    places = sorted({str(f.evidence[0].details["path"]) for f in group}, key=PATHS.index)
    names = [str(f.evidence[0].details["function"]).rsplit(":", 1)[-1] for f in group]
    first = group[0]
    reasons = sorted({f.rationale.split(" Low because ", 1)[-1] for f in group if " Low because " in f.rationale})
    opt_in = list(dict.fromkeys(f.rationale.split(OPT_IN_NOTE, 1)[-1] for f in group if OPT_IN_NOTE in f.rationale))
    every_opt_in = len(opt_in) > 0 and all(OPT_IN_NOTE in f.rationale for f in group)
    return Finding(
        id=f"{SOURCE}:{path}:group",
        source=SOURCE,
        subsystem=first.subsystem,
        severity=Severity.low,
        confidence=max(f.confidence for f in group),
        title=("Storage layout changed" if all(f.title.startswith("Storage layout changed") for f in group)
               else "Behavioural changes") + f" in {len(group)} functions of `{path}` ({', '.join(places)} paths)"
        + (_group_note(group) if every_opt_in else ""),
        impact=first.impact,
        rationale=(f"No detector explains these changes; each is low on its own (see its evidence): "
                   f"{', '.join(f'`{n}`' for n in names)}." + (f" Low because {reasons[0]}" if reasons else "")
                   + (OPT_IN_NOTE + opt_in[0] if opt_in else "") + _named_rewrites(group)),
        # the file the title names first: a member repeated across files ("(3 places)") may lead elsewhere
        locations=sorted((loc for f in group for loc in f.locations), key=lambda loc: loc.path != path),
        evidence=[e for f in group for e in f.evidence],
        fix="Check that these changes are intended; each function's hunk is in its evidence.",
        patch=None,
    )


def _named_rewrites(group: list[Finding]) -> str:
    """The titles of grouped findings a rule named (not "Behavioural change ..."), with their reason:
    a normaliser update moved to explicit calls stays readable inside its file's group."""
    named = [f"{f.title}: {f.rationale.split(' Low: ', 1)[1]}" for f in group
             if not f.title.startswith("Behavioural change") and " Low: " in f.rationale]
    return "".join(f" {text}" for text in named[:3])


def _group_note(group: list[Finding]) -> str:
    """The title note of a group of opt-in findings: the new values when every one is a new case."""
    values = [re.findall(r"'([^']*)'", f.title.rsplit("(new case for value ", 1)[-1]) for f in group
              if "(new case for value " in f.title]
    if len(values) == len(group):
        shown = ", ".join(f"'{v}'" for v in dict.fromkeys(v for vs in values for v in vs))
        return f" (new case for value {shown})"
    return " (opt-in: new options neutral or off at their defaults)"


def _whole_pair_no_effect(pair: FunctionPair, base_fn: FunctionInfo, cand_fn: FunctionInfo,
                          index: PairIndex) -> NoEffectChange | None:
    """A rewrite of the whole function that changes no run: a case carved before the baseline's error,
    or a base method made abstract where every subclass defines its own."""
    where = [Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")]
    carved = carved_from_raise(base_fn, cand_fn)
    if carved is not None:
        return NoEffectChange(
            subsystem="other", title=f"Case added in `{pair.describe()}`: `{carved}`",
            reason=("a branch inserted before the error the baseline raised: only inputs that raised at the baseline "
                    "take it, every call that returned returns what it did (flow/carved.py)"),
            locations=where, source=SOURCE)
    carriers = pushed_down_accessor(base_fn, cand_fn, index.base, index.cand)
    if carriers is not None:
        return NoEffectChange(
            subsystem="other", title=f"Accessor moved into the subclasses in `{pair.describe()}`",
            reason=("the base method returned an attribute that only the base constructor's constant and "
                    + ", ".join(f"`{c}`" for c in carriers) + " set; it now returns that constant and those "
                    "classes carry the old method: every object returns what it returned (flow/pusheddown.py)"),
            locations=where, source=SOURCE)
    overriders = overridden_everywhere(base_fn, cand_fn, index.base, index.cand)
    if overriders is not None:
        return NoEffectChange(
            subsystem="other", title=f"Overridden in every subclass: `{pair.describe()}`",
            reason=("no code constructs the base class, and every subclass (" + ", ".join(f"`{c}`" for c in overriders)
                    + ") defines the method without calling the base's, at both commits: the changed base method runs "
                    "in no object (flow/abstracted.py)"),
            locations=where, source=SOURCE)
    subclasses = made_abstract(base_fn, cand_fn, index.cand)
    if subclasses is not None:
        return NoEffectChange(
            subsystem="other", title=f"Made abstract in `{pair.describe()}`",
            reason=("the base class's method now raises `NotImplementedError` and every subclass defines its own ("
                    + ", ".join(f"`{c}`" for c in subclasses) + "): what runs is each subclass's method, compared "
                    "where it has a counterpart (flow/abstracted.py)"),
            locations=where, source=SOURCE)
    return None


def _pair_report(pair: FunctionPair, index: PairIndex, flows: dict[str, LearningFlow],
                 explained: Explained, result: AnalyzerResult,
                 expanders: dict[str, Expander], renamed: dict[str, str],
                 config_compared: bool = False, seen: list[list[UnitChange]] | None = None,
                 config: ConfigValues | None = None, handed: _Handed | None = None,
                 cases: NewCases | None = None, container: ContainerChange | None = None) -> PairReport | None:
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None:
        return None  # an added or removed function: recorded per file by `_added_or_removed`
    if OUT_OF_SCOPE.search(cand_fn.path) and out_of_scope_kind(cand_fn.path) != "example":
        return None  # tests, docs, benchmarks: out of the training path (accounted for by `scope.unaccounted`)
    # An example is analysed as any code: a repository's training scripts may be its examples, launched by the entry
    # (OSRL dbe3a1fd..03a45864: `examples/train_all_tasks.py` runs `python examples/train/{}.py`); ranking's scope
    # rule (`scope.apply_scope`) turns a finding the entry neither runs nor loads into a no-effect item.
    fb, fc = flows["baseline"], flows["candidate"]
    whole = _whole_pair_no_effect(pair, base_fn, cand_fn, index)
    if whole is not None:
        result.no_effect.append(whole)
        return None
    attributes: dict[str, str] = {}  # instance attributes renamed in this pair (`self.seq_len` -> `self.seq_length`)
    computed = changed_units(pair, fb.units(base_fn), fc.units(cand_fn), renamed, attributes)
    inlined = inlined_callees(base_fn, cand_fn, computed, flows)
    computed = inlined.changes
    _inlined_notes(pair, inlined, result)
    if seen is not None:
        seen.append(computed)  # where moved statements may have gone (`_drop_moved`)
    owned = _owned_lines(computed)
    changes = [c for c in computed if not _explained(c, explained, owned)]
    recorded = len(result.no_effect)  # a `return None` below with nothing recorded since says why (`_unanalysed`)
    unexplained = len(changes)
    made = _explained_made(computed, changes)
    changes = _without_inferred_sizes(changes, pair, result)
    changes = _without_same_callables(changes, pair, index, expanders, result)
    changes = _without_forwarded_kwargs(changes, pair, index, expanders, result)
    changes = _without_new_arm_arguments(changes, pair, index, expanders, result)
    changes = _without_bundled_reads(changes, pair, result)
    changes = _without_constant_switches(changes, pair, index, result)
    changes = _without_declared_placeholders(changes, pair, result)
    changes = _without_early_placeholders(changes, pair, index, result)
    changes = _without_local_placeholders(changes, pair, result)
    changes = _without_pushed_down(changes, pair, index, result)
    changes = _without_threaded_state(changes, pair, index, result)
    changes = _without_off_branches(changes, pair, index, result)
    changes = _without_evaluation_phase_edits(changes, pair, result)
    changes = _without_compatibility_spellings(changes, pair, result)
    changes = _without_inert_options(changes, pair, index, result)
    changes = _without_carved_arms(changes, pair, result)
    changes = _without_moved_freeze(changes, pair, index, result)
    changes = _without_moved_constants(changes, pair, index, result)
    if config_compared:
        changes = _without_plumbing(changes, pair, index, result)
    defaults = [c for c in changes if _default_changed(c)]
    added_defaults = [c for c in changes if _is_default(c) and c not in defaults]
    changes = [c for c in changes if not _is_default(c)]  # a default added or removed binds no existing caller
    if not changes and not defaults:
        _unanalysed(pair, result, recorded, len(added_defaults), _nothing_left(computed, unexplained, added_defaults))
        return None
    body = is_class_body(base_fn)  # field statements: no effects to compare, every changed one counts
    changes = _plain_fields(changes, body, pair, index, flows["candidate"], config, handed, result)
    moved, passed, inline = (set(), frozenset(), {}) if body or handed is None else handed.names(base_fn, cand_fn)
    handing = len(changes)
    changes = _not_adapted([c for c in changes if not _only_handed_on(c, passed)], base_fn, cand_fn, handed, pair,
                           result)
    if not changes and not defaults:
        _unanalysed(pair, result, recorded, handing, "its changed statements only hand on values another changed "
                    "statement moved (a parameter or local passed on to the same calls): what the values are is "
                    "compared where they are made")
        return None
    realigned = frozenset() if body else realigned_unpackings(base_fn, cand_fn)
    with _probed(base_fn, cand_fn, [] if body else changes, expanders, fb) as probes:
        eb, ec, opt_in, partly, note = _compared(base_fn, cand_fn, changes, body, attributes, expanders,
                                                 (moved, passed, inline), config or ConfigValues(), cases, realigned,
                                                 index, handed)
        unchanged_parts = probes.same_valued(expanders["baseline"].probed, expanders["candidate"].probed)
    if not eb and not ec and not defaults and opt_in:
        result.no_effect.append(_no_effect_at_candidate(
            pair, f"New option(s) at their defaults in `{pair.describe()}` ({len(changes)} statements)", opt_in))
        return None
    eb, ec = (eb, ec) if eb or ec or defaults else _exported_values(pair, changes, expanders, index)
    if not eb and not ec and not defaults:
        result.no_effect.extend(_restructured(pair, changes, expanders, realigned, index))
        return None
    # made by a statement a finding already reports, and by no other changed statement
    eb = [e for e in eb if not (e.stmts & made[0] and not e.stmts & made[2])]
    ec = [e for e in ec if not (e.stmts & made[1] and not e.stmts & made[2])]
    if not eb and not ec and not defaults:
        return None
    same = _same_container(pair, container, eb, ec) or _extended_return(pair, eb, ec, fc) \
        or _tuple_shortened(pair, eb, ec, fb)
    if same is not None:
        result.no_effect.append(same)
        return None
    eb, ec = _without_realigned_return(eb, ec, cand_fn, fc)
    if not eb and not ec and not defaults:
        _unanalysed(pair, result, recorded, len(changes), "the returned tuple only gained elements, each old one in its "
                    "place, and every caller unpacks it by name: the callers' use of the new elements is compared "
                    "in their own code")
        return None
    causes = {s for e in (*eb, *ec) for s in e.stmts}
    causes |= {mine for mine, call in inlined.standins.items() if call in causes}  # a callee's statement, inlined
    causes -= _none_checked_guards(changes)
    causes -= _old_name_rebound(changes, base_fn, cand_fn)
    # a statement whose edited parts compute the same values is no cause of its own (flow/sameparts.py)
    kept = defaults + [c for c in changes if ((c.base is not None and id(c.base.node) in causes)
                                              or (c.cand is not None and id(c.cand.node) in causes))
                       and id(c) not in unchanged_parts]
    changes = kept or _edited_tests_of_returns(changes, eb, ec)
    if not changes:
        # the differing effects come from code changed elsewhere (a callee's own pair)
        _unanalysed(pair, result, recorded, unexplained, "its differing effects come from code changed elsewhere (a "
                    "called function or a moved statement), reported with that code")
        return None
    changes = _only_device_moves(changes, eb, ec) or changes
    reason, unreached = _never_run(base_fn, body, index, flows["baseline"])
    if reason:
        result.no_effect.append(NoEffectChange(
            subsystem="other", title=f"Changed code in `{pair.describe()}` ({len(changes)} statements)",
            reason=reason, locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")],
            source=SOURCE))
        return None
    report = PairReport(pair, opt_in=opt_in, opt_in_partly=partly, opt_in_title=note,
                        container=container, grouped=_grouped_input(base_fn, cand_fn, eb, ec, expanders) or "",
                        unreached=unreached)
    report.fixed_calls = _fixed_calls(changes, flows)
    _place_changes(report, changes, causes, flows, explained, inlined)
    return report


def _restructured(pair: FunctionPair, changes: list[UnitChange], expanders: dict[str, Expander],
                  realigned: frozenset[str], index: PairIndex) -> list[NoEffectChange]:
    """The "same effects" item of a pair whose compared effects agree, unless a changed import binds a name to
    another module: the comparison does not model imports, so it did not show them the same (flow/falsequiet.py;
    the pair is then left unaccounted rather than called restructured)."""
    cand_fn, base_fn = pair.cand, pair.base
    assert cand_fn is not None and base_fn is not None
    # `<module>`'s node leaves the file's top-level imports out (detectors/functions.py): read them in the file
    if rebound_imports(changes, *((f.module.tree if f.is_module else f.node) for f in (base_fn, cand_fn))) \
            or (cand_fn.is_module and expanders["baseline"].module_values_of == base_fn.path
                and expanders["candidate"].module_values_of == cand_fn.path
                and unread_globals(expanders["baseline"].module_values, expanders["candidate"].module_values)
                and module_read_elsewhere(cand_fn.path, index.cand.texts())):
        return []
    wrappers = sorted(expanders["candidate"].passed_through | expanders["baseline"].passed_through)
    return [NoEffectChange(
        subsystem="other", title=f"Restructured code in `{pair.describe()}` ({len(changes)} statements)",
        reason="same effects at both commits once local values are expanded and project helpers inlined "
               "(a named intermediate, an extracted helper, the branch and ternary styles, a `.detach()` inside a "
               "value detached again)"
               + ("; the tuple(s) unpacked from " + ", ".join(f"`{t}`" for t in sorted(realigned))
                  + " gained or lost elements and are read by name" if realigned else "")
               + (f"; {', '.join(f'`{w}`' for w in wrappers)} wraps the environment without changing "
                  "the observations, rewards and done flags it steps and resets (rendering, or the episode "
                  "information in `info`, only)" if wrappers else ""),
        locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE)]


def _exported_values(pair: FunctionPair, changes: list[UnitChange], expanders: dict[str, Expander],
                     index: PairIndex) -> tuple[list[Effect], list[Effect]]:
    """The public top-level values of a module that differ at the two commits, built by a changed statement that
    constructs a project network with other arguments, where another file imports the module: the effects its
    importers read, made by the statements that bind them (flow/falsequiet.py
    `unread_globals`). The comparison of a module's effects sees its globals only where its own functions read
    them; a registry of model constructors read by importers was filed as nothing (jaxrl_m 7e8d8fe0..54ef8acb
    jaxrl_m/vision/bridge_resnet_v1.py:320: `bridge_resnetv1_configs`' `ft.partial(ResNetEncoder, ...)` gained
    `norm='group'`, BatchNorm -> GroupNorm in the encoder, merged into `jaxrl_m.vision.encoders`)."""
    base_fn, cand_fn = pair.base, pair.cand
    xb, xc = expanders["baseline"], expanders["candidate"]
    if base_fn is None or cand_fn is None or not cand_fn.is_module or xb.module_values_of != base_fn.path \
            or xc.module_values_of != cand_fn.path:
        return [], []
    # only a value that builds a project network with other arguments: of other values (a config table read by
    # path, diffuser c26d1d37..7ea42286 config/locomotion.py) the flow could say no more than "reaches no loss",
    # which the comparison did not show; they stay unaccounted (`_restructured`)
    built = {id(c.cand.node) for c in changes if c.base is not None and c.cand is not None
             and reconfigured_network(c.base.node, c.cand.node, base_fn.module, cand_fn.module)}
    names = [n for n in unread_globals(xb.module_values, xc.module_values) if xc.module_stmts.get(n, frozenset()) & built]
    if not names or not module_read_elsewhere(cand_fn.path, index.cand.texts()):
        return [], []
    eb = [Effect(f"{n} = {xb.module_values[n]}", xb.module_stmts.get(n, frozenset())) for n in names]
    ec = [Effect(f"{n} = {xc.module_values[n]}", xc.module_stmts.get(n, frozenset())) for n in names]
    return [e for e in eb if e.stmts], [e for e in ec if e.stmts]


@contextmanager
def _probed(base_fn: FunctionInfo, cand_fn: FunctionInfo, changes: list[UnitChange], expanders: dict[str, Expander],
            fb: LearningFlow) -> Iterator[PartProbes]:
    """The expanders set for one pair's comparison: the edited parts of its changed statements recorded
    (flow/sameparts.py), `isinstance` tests decided at the baseline's declared types (flow/declared.py)."""
    probes = part_probes(changes, base_fn.node, cand_fn.node)
    expanders["baseline"].probes, expanders["candidate"].probes = probes.nodes(0), probes.nodes(1)
    declared = declared_types(base_fn, cand_fn, fb.resolver) if changes else {}
    for expander in expanders.values():
        expander.declared = declared
    try:
        yield probes
    finally:
        for expander in expanders.values():
            expander.probes, expander.probed, expander.declared = frozenset(), {}, {}


def _without_plumbing(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                      result: AnalyzerResult) -> list[UnitChange]:
    """The changes less configuration plumbing (`flow/plumbing.py`), recorded as one no-effect item: only
    when config forensics compared the configuration that plumbing carries."""
    base_fn, cand_fn = pair.base, pair.cand
    assert base_fn is not None and cand_fn is not None
    plumbing = {id(c) for c in changes
                if all(is_config_plumbing(u) for u in (c.base, c.cand) if u is not None)}
    plumbing |= {id(c) for c in changes if c.base is not None and c.cand is not None
                 and helper_fed(c.base, c.cand, index.base, index.cand)}
    if configuration_helper(cand_fn, index.cand) and configuration_helper(base_fn, index.base):
        plumbing |= {id(c) for c in changes if all(only_introspects(u) for u in (c.base, c.cand) if u is not None)}
    if not plumbing:
        return changes
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Configuration plumbing in `{pair.describe()}` ({len(plumbing)} statements)",
        reason="declares, loads or reshapes configuration: the values it carries are compared key by key "
               "by config forensics (see Configuration changes)",
        locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))
    return [c for c in changes if id(c) not in plumbing]


def _explained_made(computed: list[UnitChange], kept: list[UnitChange]) -> tuple[set[int], set[int], set[int]]:
    """The statements deleted (baseline) and added (candidate) that an earlier finding explains, and the
    changed simple statements no finding explains (both sides). An effect only one commit has, made by an
    explained statement and by no unexplained one, is that finding's (its guards are no cause of it).
    Real shape (rsl_rl d38a378b..c49573e4): `if self.max_grad_norm: nn.utils.clip_grad_norm_(...)` added
    inside distillation's loop, reported as "Gradient clipping added" (low: off by default); the new call's
    effect made the loop header above it a cause of "Behavioural change in the loss path"."""
    kept_ids = {id(c) for c in kept}
    gone = [c for c in computed if id(c) not in kept_ids and c.kind != "modified"]
    # simple statements only: a compound's header is a guard of effects it did not make
    unexplained = {id(u.node) for c in kept for u in (c.base, c.cand) if u is not None and not u.header}
    return ({id(c.base.node) for c in gone if c.base is not None and not c.base.header},
            {id(c.cand.node) for c in gone if c.cand is not None and not c.cand.header}, unexplained)


def _without_inferred_sizes(changes: list[UnitChange], pair: FunctionPair, result: AnalyzerResult) -> list[UnitChange]:
    """The changes without statements alike but for a reshape's `-1` size (flow/inferred.py)."""
    same = [c for c in changes if c.base is not None and c.cand is not None
            and same_statement_but_inferred(c.base.node, c.cand.node)]
    return _without_same(changes, same, result, f"Reshape sizes inferred in `{pair.describe()}`",
                         "a `view`/`reshape` size written out at one commit is `-1` at the other, every other size the "
                         "same: the inferred size is the one written out wherever the baseline's call ran, so the "
                         "tensor is the same")


def _without_same(changes: list[UnitChange], same: list[UnitChange], result: AnalyzerResult, title: str,
                  reason: str) -> list[UnitChange]:
    """`changes` without the modified statements a rule found equivalent (`same`), which become one no-effect
    item "<title> (N statements)" located at the first of them."""
    if not same:
        return changes
    first = same[0].cand
    assert first is not None
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"{title} ({len(same)} statements)", reason=reason,
        locations=[Location(path=first.fn.path, line=first.line, side="candidate")], source=SOURCE))
    return [c for c in changes if not any(c is s for s in same)]


def _without_same_callables(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                            expanders: dict[str, Expander], result: AnalyzerResult) -> list[UnitChange]:
    """The changes without statements alike but for a closure factory replaced by a callable class that
    builds the same callable from the same arguments, or the reverse (flow/callables.py)."""
    if pair.base is None or pair.cand is None:
        return changes
    resolvers = (expanders["baseline"].resolver, expanders["candidate"].resolver)
    same = [c for c in changes if c.base is not None and c.cand is not None
            and same_callable(c.base.node, c.cand.node, pair.base, pair.cand, resolvers, (index.base, index.cand))]
    return _without_same(changes, same, result, f"Callable built another way in `{pair.describe()}`",
                         "a closure factory replaced by a callable class (or the reverse): the class's `__call__` "
                         "computes what the closure computed, from the same arguments its constructor stores")


def _without_forwarded_kwargs(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                              expanders: dict[str, Expander], result: AnalyzerResult) -> list[UnitChange]:
    """The changes without calls that only gained the function's own `**kwargs`, handed to a callee that reads out
    of its `**kwargs` only keys no baseline code passes (flow/kwargsopt.py: CleanDiffuser's `self.loss(x0,
    condition)` -> `self.loss(x0, condition, **kwargs)`): what the baseline's callers pass is dropped as before."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or "**" not in "".join(
            ast.unparse(c.cand.node) for c in changes if c.cand is not None):
        return changes
    resolve = expanders["candidate"].resolver.resolve
    same: list[UnitChange] = []
    callees: list[str] = []
    for c in changes:
        if c.base is None or c.cand is None:
            continue
        found = forwarded_unread(c.base.node, c.cand.node, base_fn.node, cand_fn.node, resolve, cand_fn, index.base)
        if found:
            same.append(c)
            callees.append(found)
    return _without_same(changes, same, result, f"`**kwargs` handed on in `{pair.describe()}`",
                         f"the call(s) now hand on the function's `**kwargs` to {', '.join(dict.fromkeys(callees))}, "
                         "which read(s) out of them only keys no code of the baseline passes (new options at their "
                         "defaults); what the baseline's callers pass is dropped there as before")


def _without_new_arm_arguments(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                               expanders: dict[str, Expander], result: AnalyzerResult) -> list[UnitChange]:
    """The changes without calls that only gained arguments for new parameters that only new `match` arms of the
    callee read (flow/newarm.py: PipelineRL's `rl_step(..., seq_parallel_group=...)`, read under the new `case
    "gspo":` alone): no run the baseline could make reads them."""
    cand_fn = pair.cand
    if pair.base is None or cand_fn is None:
        return changes
    resolve = expanders["candidate"].resolver.resolve
    same: list[UnitChange] = []
    shown: list[str] = []
    for c in changes:
        if c.base is None or c.cand is None or not any(isinstance(n, ast.keyword) for n in ast.walk(c.cand.node)):
            continue
        found = new_arm_arguments(c.base.node, c.cand.node, cand_fn, resolve, index.earlier)
        if found:
            same.append(c)
            shown.extend(found)
    return _without_same(changes, same, result, f"Argument for a new arm only in `{pair.describe()}`",
                         "the call(s) now pass " + ", ".join(dict.fromkeys(shown)) + ": new parameter(s) that only "
                         "`case` arms new in this range read; every run the baseline could make takes another arm, "
                         "and the new arm is reported with the callee")


def _without_constant_switches(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                               result: AnalyzerResult) -> list[UnitChange]:
    """The changes without flag assignments that agree once the switches that were constants are read
    as their literal (flow/constflags.py: a dropped `self.has_ppg = False` option)."""
    same: list[tuple[UnitChange, list[str]]] = []
    for c in changes:
        if c.base is not None and c.cand is not None:
            consts = same_truth(c.base.node, c.cand.node, index.base, index.cand)
            if consts:
                same.append((c, consts))
    if not same:
        return changes
    first = same[0][0].cand
    assert first is not None
    constants = sorted({k for _, consts in same for k in consts})
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Flag rewritten without a constant switch in `{pair.describe()}` ({len(same)} statements)",
        reason="the same truth value for every value of the other flags once "
               + ", ".join(f"`{k}`" for k in constants)
               + " (the only store of that attribute in the commit's code, never set by name) is read as its literal",
        locations=[Location(path=first.fn.path, line=first.line, side="candidate")], source=SOURCE))
    return [c for c in changes if not any(c is s for s, _ in same)]


def _without_off_branches(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                          result: AnalyzerResult) -> list[UnitChange]:
    """The changes less those under a branch whose flag every call leaves off, at both commits (flow/offflags.py:
    cleanrl's video recording under `if capture_video and idx == 0:` with `capture_video: bool = False`)."""
    if pair.base is None or pair.cand is None or pair.cand.class_name:
        return changes
    off_b, off_c = off_flags(pair.base, index.base), off_flags(pair.cand, index.cand)
    if not off_b and not off_c:
        return changes
    dead: list[tuple[UnitChange, str]] = []
    for c in changes:
        tests = [dead_statement(u.node, u.fn, off) for u, off in ((c.base, off_b), (c.cand, off_c)) if u is not None]
        if tests and all(tests):
            dead.append((c, tests[-1]))
    if not dead:
        return changes
    first = dead[0][0].cand or dead[0][0].base
    assert first is not None
    flags = sorted((off_b | off_c) & {n.id for _, t in dead for n in ast.walk(ast.parse(t)) if isinstance(n, ast.Name)})
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Changed code under an off flag in `{pair.describe()}` ({len(dead)} statements)",
        reason="it runs only under " + ", ".join(dict.fromkeys(f"`if {t}:`" for _, t in dead))
               + ", and every call of the function leaves " + ", ".join(f"`{f}`" for f in flags)
               + " off (a literal, or a settings field whose default is off): no run of the range takes the branch "
               "unless the command line or configuration turns it on",
        locations=[Location(path=first.fn.path, line=first.line, side="candidate" if first is dead[0][0].cand
                            else "baseline")], source=SOURCE))
    return [c for c in changes if not any(c is d for d, _ in dead)]


def _without_evaluation_phase_edits(changes: list[UnitChange], pair: FunctionPair,
                                    result: AnalyzerResult) -> list[UnitChange]:
    """The changes less conditions edited only in operands read in the evaluation phase alone (flow/evalphase.py:
    coach's `if self.phase != RunPhase.TEST or self.ap.task_parameters.evaluate_only is not None:`)."""
    return _without_same(changes, evaluation_phase_edits(changes), result,
                         f"Condition edited in its evaluation-phase operands in `{pair.describe()}`",
                         "an earlier, unchanged operand decides the condition whenever the run is not in its "
                         "evaluation phase (`phase != TEST or ...`, `phase == EVAL and ...`): the edited operands "
                         "are read only while the policy is evaluated, not while it trains")


def _without_compatibility_spellings(changes: list[UnitChange], pair: FunctionPair,
                                     result: AnalyzerResult) -> list[UnitChange]:
    """The changes less version-compatibility rewrites that compute the same values: a constructor keyword moved into
    a store guarded by `hasattr` (flow/guardedkw.py) and `asyncio.get_event_loop()` / `get_running_loop()` swapped in
    a coroutine (flow/asyncloop.py); real shapes from ms-swift 302b074d..3602360a."""
    moved = guarded_keyword_moves(changes)
    changes = _without_same(changes, moved, result, f"Constructor keyword moved into a `hasattr`-guarded store in "
                            f"`{pair.describe()}`", "the keyword's value is stored, unchanged, into the attribute of "
                            "that name right after construction wherever the object has it; where it has not, the "
                            "baseline's call failed (an unexpected keyword): the same value in every run that ran")
    loops = [c for c in changes if running_loop_spelling(c)]
    return _without_same(changes, loops, result, f"Running loop spelled `get_running_loop()` in `{pair.describe()}`",
                         "inside a coroutine a loop is running: `asyncio.get_event_loop()` returns it, as "
                         "`asyncio.get_running_loop()` does, the same loop at both commits")


def _without_moved_freeze(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                          result: AnalyzerResult) -> list[UnitChange]:
    """The changes less a removed parameter freeze (`for p in X.parameters(): p.requires_grad = False`) whose
    function every caller now runs inside a project freezing context (flow/movedfreeze.py; real shape:
    dreamer-pytorch 36be1da0..e23d09d2 `RSSMRollout.rollout_policy`, now called under `FreezeParameters`)."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or base_fn.is_module:
        return changes
    gone = [c for c in changes if c.cand is None and c.base is not None and freeze_statement(c.base.node)]
    if not gone:
        return changes
    managers = frozen_by_callers(index.cand, cand_fn.name)
    if managers is None:
        return changes
    unit = gone[0].base
    assert unit is not None
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Parameter freeze moved to the callers of `{pair.describe()}` ({len(gone)} statements)",
        reason="the `requires_grad` toggles it dropped are now made by its callers: every call of it runs inside "
               + ", ".join(f"`{m}`" for m in managers[:3])
               + ", a context that freezes parameters on entry (flow/movedfreeze.py)",
        locations=[Location(path=base_fn.path, line=unit.line, side="baseline")], source=SOURCE))
    return [c for c in changes if not any(c is g for g in gone)]


def _without_moved_constants(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                             result: AnalyzerResult) -> list[UnitChange]:
    """The changes of a module pair less its literal constants whose definition moved to another module with the
    same value (flow/movedconst.py; real shape: cosmos-rl 269c96a6..89f2e5b5 `REWARDS = "rewards"` removed from
    `ucxx/data_packer_mixin.py` and `tensor_data_packer.py`, defined once in the new `cosmos_rl/utils/trajectory.py`
    and imported back). A statement the diff paired with a moved constant is kept, alone."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or not base_fn.is_module:
        return changes
    moved = moved_constants(changes, base_fn, cand_fn, index.base, index.cand)
    if not moved:
        return changes
    kept: list[UnitChange] = []
    for c in changes:
        base_moved = c.base is not None and id(c.base.node) in moved
        cand_moved = c.cand is not None and id(c.cand.node) in moved
        if not base_moved and not cand_moved:
            kept.append(c)
        elif c.base is not None and c.cand is not None and base_moved != cand_moved:
            # a replaced block pairs statements arbitrarily: the side that did not move is a change of its own
            kept.append(UnitChange(None, c.cand) if base_moved else UnitChange(c.base, None))
    items = sorted(set(moved.values()), key=lambda m: (m.home, m.name))
    homes = sorted({m.home for m in items})
    how = "imported from there" if all(m.imported for m in items) else \
        "no longer read here" if not any(m.imported for m in items) else "imported from there or no longer read here"
    result.no_effect.append(NoEffectChange(
        subsystem="other",
        title=f"Constants moved between `{cand_fn.path}` and {', '.join(f'`{h}`' for h in homes[:2])}"
              f" ({len(items)}: {', '.join(f'`{m.name}`' for m in items[:4])}{' ...' if len(items) > 4 else ''})",
        reason=f"moved, not changed: {', '.join(f'`{m.name} = {m.value}`' for m in items[:3])}"
               f"{' ...' if len(items) > 3 else ''} are defined with the same values (the same literals, or the same expression of the same library names) in the other module and "
               f"{how} (flow/movedconst.py)",
        locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate"),
                   Location(path=items[0].home, line=1, side=items[0].side)],  # type: ignore[arg-type]
        source=SOURCE))
    return kept


def _without_carved_arms(changes: list[UnitChange], pair: FunctionPair, result: AnalyzerResult) -> list[UnitChange]:
    """The changes less the statements of a new case carved before an error the baseline raised (flow/carved.py
    `carved_arms`): every statement of the arm is added and the `raise` it precedes is the baseline's, so only inputs
    that raised at the baseline take it (ogbench `CubeEnv.__init__`'s new `'octuple'` env type)."""
    cand_fn = pair.cand
    if cand_fn is None or not any(c.kind == "added" for c in changes):
        return changes
    arms = carved_arms(cand_fn)
    if not arms:
        return changes
    added_raise = {id(c.cand.node) for c in changes if c.cand is not None and c.kind == "added"}
    gone: list[UnitChange] = []
    tests: list[str] = []
    for test, ids, raised in arms:
        inside = [c for c in changes if c.cand is not None and id(c.cand.node) in ids]
        if not inside or raised in added_raise or any(c.kind != "added" for c in inside):
            continue
        if any(c.base is not None and id(c.base.node) in ids for c in changes):
            continue
        gone.extend(inside)
        tests.append(test)
    if not gone:
        return changes
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Case added in `{pair.describe()}`: " + ", ".join(f"`{t}`" for t in tests[:3]),
        reason=("a branch inserted before an error the baseline raised: only inputs that raised at the baseline take "
                "it; the function's other changes are compared as usual (flow/carved.py)"),
        locations=[Location(path=cand_fn.path, line=gone[0].cand.line if gone[0].cand else cand_fn.lineno,
                            side="candidate")], source=SOURCE))
    kept = {id(c) for c in gone}
    return [c for c in changes if id(c) not in kept]


def _without_inert_options(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                           result: AnalyzerResult) -> list[UnitChange]:
    """The changes less those that new options at their effective value make the baseline's statement (flow/inertopt.py:
    omnisafe's `reward -= self._penalty_coefficient * cost` with the coefficient 0.0, oat's `torch.float16 if fp16`
    with `fp16=False`), and less the one store of such an option whose reads are all inert there too."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or is_class_body(cand_fn) or cand_fn.is_module:
        return changes
    values = new_option_values(base_fn, cand_fn, index.cand, index.base)
    used: set[str] = set()
    consumed: set[int] = set()  # ids of the units found inert (a candidate unit with the base unit it reproduces)
    # the diff pairs a block's statements by position: a new parameter's default unit can sit beside the baseline
    # statement that the next candidate statement reproduces, so a base unit is looked for by its target too
    spare = {id(c.base): c.base for c in changes if c.base is not None and not c.base.default}
    for c in changes:
        unit = c.cand
        if unit is None or unit.default or unit.header and c.base is not None and not c.base.header:
            continue
        tries = ([c.base] if c.base is not None and not c.base.default else []) + [
            b for b in spare.values() if b is not c.base and _same_target(b.node, unit.node)]
        found: set[str] = set()
        for b in tries:
            if id(b) in consumed:
                continue
            found = inert(b.node, unit.node, values, index.cand, cand_fn.node)
            if found:
                consumed.add(id(b))
                break
        if not found and c.base is None:
            found = inert(None, unit.node, values, index.cand, cand_fn.node)
            option = "" if found else stored_only(unit.node, values)
            found = found or ({option} if option and _reads_inert(cand_fn, option, values, index) else set())
        if found:
            consumed.add(id(unit))
            used |= found
    new_defaults = {u.node.targets[0].id for c in changes for u in (c.cand,) if u is not None and u.default
                    and isinstance(u.node, ast.Assign) and isinstance(u.node.targets[0], ast.Name)} & set(values)

    def settled(u: Unit | None) -> bool:
        return u is None or id(u) in consumed or u.default and isinstance(u.node, ast.Assign) \
            and isinstance(u.node.targets[0], ast.Name) and u.node.targets[0].id in new_defaults

    gone = [c for c in changes if (id(c.cand) in consumed or c.cand is None or c.cand.default)
            and settled(c.base) and settled(c.cand) and not (c.cand is None and c.base is None)
            and (c.cand is not None and id(c.cand) in consumed or c.base is not None and id(c.base) in consumed)]
    if not gone:
        return changes
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"New option(s) at their effective value in `{pair.describe()}` ({len(gone)} "
                                 "statements)",
        reason=inert_describe(used, values) + ": with that value the changed statement(s) compute the baseline's "
               "values (a branch or arm not taken, a term multiplied by 0, a factor 1)",
        locations=[Location(path=cand_fn.path, line=gone[0].cand.line if gone[0].cand else cand_fn.lineno,
                            side="candidate")], source=SOURCE))
    return [c for c in changes if not any(c is g for g in gone)]


def _same_target(a: ast.stmt, b: ast.stmt) -> bool:
    """Two assignments of the same target text."""
    ta = a.targets if isinstance(a, ast.Assign) else [a.target] if isinstance(a, ast.AnnAssign | ast.AugAssign) else []
    tb = b.targets if isinstance(b, ast.Assign) else [b.target] if isinstance(b, ast.AnnAssign | ast.AugAssign) else []
    return bool(ta) and [ast.unparse(t) for t in ta] == [ast.unparse(t) for t in tb]


def _reads_inert(fn: FunctionInfo, option: str, values: dict[str, tuple[object, str]], index: PairIndex) -> bool:
    """Whether every read of the new instance option `self.X` in its class's methods is inert at its value (each
    such statement is the baseline's, or is new and no statement): the store alone then changes nothing."""
    attr = option.split(".", 1)[1]
    klass = fn.class_name
    if not klass:
        return False
    found = False
    for other in fn.module.functions.values():
        if other.class_name != klass or other is fn or not isinstance(other.node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for stmt in ast.walk(other.node):
            if not isinstance(stmt, ast.stmt) or stmt is other.node:
                continue
            # a header's expressions (`with` items are a list of `withitem` nodes)
            compound = [n for k in ("test", "iter", "items", "subject") if hasattr(stmt, k)
                        for n in (getattr(stmt, k) if isinstance(getattr(stmt, k), list) else [getattr(stmt, k)])] \
                if isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith
                              | ast.Match | ast.Try | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else None
            parts = compound if compound is not None else [stmt]
            if any(isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.value, ast.Name)
                   and n.value.id == "self" and isinstance(n.ctx, ast.Load) for p in parts for n in ast.walk(p)):
                found = True
                if compound is not None or not inert(None, stmt, {option: values[option]}):
                    return False  # a test, a loop or a context manager on it: judged nowhere here
    return found


def _without_declared_placeholders(changes: list[UnitChange], pair: FunctionPair,
                                   result: AnalyzerResult) -> list[UnitChange]:
    """The changes without a constructor's removed `self.x: T = None` (or `self.x = None`) placeholders whose
    class body now declares `x: T` instead: a typing move, nothing assigns or reads anything else. Real
    shape (stable-baselines3-contrib v2.7.1..v2.8.0): `MaskableCategoricalDistribution.__init__` dropped
    `self.distribution: Optional[MaskableCategorical] = None` for a class-level `distribution:
    MaskableCategorical` (every method sets it before reading it), "Behavioural change in the sampling
    path" (significant, third of the range). A placeholder dropped with no declaration stays a change."""
    cand_fn = pair.cand
    if cand_fn is None or pair.base is None or cand_fn.name != "__init__" or not cand_fn.class_name:
        return changes
    declared = _declared_attributes(cand_fn.module.tree, cand_fn.class_name.rsplit(".", 1)[-1])
    same = [c for c in changes if c.cand is None and c.base is not None and _none_placeholder(c.base.node) in declared]
    if not same:
        return changes
    first = same[0].base
    assert first is not None
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Attribute placeholder moved into a class annotation in `{pair.describe()}` "
                                 f"({len(same)} statements)",
        reason="the constructor's `self.<attr> = None` became a class-level annotation of the attribute (no "
               "value): every use still reads what a method stores",
        locations=[Location(path=first.fn.path, line=first.line, side="baseline"),
                   Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))
    return [c for c in changes if not any(c is s for s in same)]


def _without_threaded_state(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                            result: AnalyzerResult) -> list[UnitChange]:
    """The changes without statements that only thread `self.X` through a parameter every caller hands it (or
    the reverse), call a method through a local alias, or bind that alias (flow/threaded.py): trl v1.7.0..v1.7.1
    `if self._is_vlm:` -> `if is_vlm:` in a staticmethod `_tokenize`. Changed statements are matched one for one,
    whatever pairs the line diff made, by their parts read under each commit's threading."""
    if not changes or pair.base is None or pair.cand is None:
        return changes
    sides = {"base": (index.base, _threading(index.base)), "cand": (index.cand, _threading(index.cand))}
    stored = stored_attributes(pair.base, pair.cand)
    gone: set[int] = set()
    read: dict[str, dict[str, list[tuple[Unit, bool, dict[tuple[str, str], str]]]]] = {"base": {}, "cand": {}}
    for c in changes:
        for name, unit in (("base", c.base), ("cand", c.cand)):
            if unit is None or unit.default:
                continue
            side, threading = sides[name]
            if method_alias(unit.node, unit.fn, side):
                gone.add(id(unit))
                continue
            if c.moved_under:
                continue  # the same statement under other conditions: not this rule's
            text, changed, dropped = read_threaded(list(unit.parts), unit.fn, threading, stored)  # type: ignore[arg-type]
            read[name].setdefault(f"{type(unit.node).__name__}\n{text}", []).append((unit, changed, dropped))
    for key, olds in read["base"].items():
        for (old, b_read, b_dropped), (new, c_read, c_dropped) in zip(olds, read["cand"].get(key, []), strict=False):
            # equal only once read so, with the arguments left out threaded from the same attributes
            if (b_read or c_read) and _parts_text(old) != _parts_text(new) and same_threads(b_dropped, c_dropped):
                gone.update((id(old), id(new)))
    if not gone:
        return changes
    out: list[UnitChange] = []
    for c in changes:
        b = c.base if c.base is not None and id(c.base) not in gone else None
        n = c.cand if c.cand is not None and id(c.cand) not in gone else None
        if b is c.base and n is c.cand:
            out.append(c)
        elif b is not None or n is not None:
            out.append(UnitChange(b, n))
    result.no_effect.append(_no_effect_at_candidate(
        pair, f"State threaded through arguments in `{pair.describe()}` ({len(changes) - len(out)} statements)",
        "an attribute `self.X` now read as a parameter that every caller hands `self.X` (or the reverse), a method "
        "called through a local alias of it: the same value reaches the same use"))
    return out


def _parts_text(unit: Unit) -> str:
    return "\n".join(ast.dump(p) for p in unit.parts)


def _threading(side: SideIndex) -> Threading:
    """The commit's threaded parameters, shared by every pair of the run (kept on the index's memo)."""
    found = side.memo.get("threaded")
    if not isinstance(found, Threading):
        found = side.memo["threaded"] = Threading(side)
    return found


def _without_early_placeholders(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                                result: AnalyzerResult) -> list[UnitChange]:
    """The changes without a `self.X = None` added at the top of a constructor for an attribute that the class
    already assigned elsewhere: before, a read ahead of that assignment raised AttributeError, so every run that
    did not crash reads what it read. Real shape (stable-baselines v2.8.0..v2.9.0): `KfacOptimizer.__init__` gained
    `self._update_stats_op = None` (an attribute declaration; `apply_stats` sets it before `apply_gradients` reads
    it), "Behavioural change in the optimizer path". Only where that is provable: a class with no base but other
    classes of the project that never bind X, X bound nowhere else in the constructor nor at class level, nothing
    before the placeholder that runs a method or hands `self` on, and no code of either commit naming X in a string
    (`hasattr`, `getattr`, `__dict__` lookups tell an unset attribute from None)."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or cand_fn.name != "__init__" or not cand_fn.class_name \
            or not isinstance(cand_fn.node, ast.FunctionDef):
        return changes
    same = [c for c in changes if c.base is None and c.cand is not None and _early_placeholder(c.cand.node, cand_fn, base_fn, index)]
    if not same:
        return changes
    return _placeholders_filed(
        changes, same, cand_fn, result,
        f"Attribute placeholder added in `{pair.describe()}` ({len(same)} statements)",
        "`self.<attr> = None` added at the top of the constructor for an attribute the class assigns before "
        "reading it: an unset attribute raised AttributeError before, so every run that worked reads the same")


def _placeholders_filed(changes: list[UnitChange], same: list[UnitChange], cand_fn: FunctionInfo,
                        result: AnalyzerResult, title: str, reason: str) -> list[UnitChange]:
    """`changes` without the placeholder statements `same`, filed once as a no-effect item at the first of them
    (shared by the attribute and the local placeholder rules)."""
    first = same[0].cand
    assert first is not None
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=title, reason=reason,
        locations=[Location(path=cand_fn.path, line=first.line, side="candidate")], source=SOURCE))
    return [c for c in changes if not any(c is s for s in same)]


def _without_local_placeholders(changes: list[UnitChange], pair: FunctionPair,
                                result: AnalyzerResult) -> list[UnitChange]:
    """The changes without an added `x = None` that is the first binding of a local the function binds again
    later, outside any loop and any handler that could catch the error: without it, a read of `x` before a later
    binding raised UnboundLocalError, so every run that did not crash reads what it read (the local form of
    `_without_early_placeholders`). Real shape: PipelineRL 67654d79..a77dbd72 pipelinerl/finetune/rl/__init__.py:273
    `policy_loss_total = None` added above `match config.policy_loss:` (each algorithm binds it before the loss
    reads it), "Behavioural change in the loss path", fourth of the range. Inside a loop the placeholder resets
    what an earlier iteration bound, so it stays a change there."""
    cand_fn = pair.cand
    if cand_fn is None or pair.base is None or not isinstance(cand_fn.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return changes
    same = [c for c in changes if c.base is None and c.cand is not None and _local_placeholder(c.cand.node, cand_fn)]
    if not same:
        return changes
    return _placeholders_filed(
        changes, same, cand_fn, result, f"Local placeholder added in `{pair.describe()}` ({len(same)} statements)",
        "`x = None` added as the first binding of a local the function binds before reading it: a read "
        "ahead of that binding raised UnboundLocalError before, so every run that worked reads the same")


_CATCHES_UNBOUND = frozenset({"Exception", "BaseException", "NameError", "UnboundLocalError"})


def _local_placeholder(node: ast.stmt, fn: FunctionInfo) -> bool:
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant) and node.value.value is None):
        return False
    name = node.targets[0].id
    body = fn.node
    assert isinstance(body, ast.FunctionDef | ast.AsyncFunctionDef)
    args = body.args
    if name in {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}:
        return False
    line = node.lineno
    stores: list[int] = []
    for n in _own_nodes(body):
        if isinstance(n, ast.Global | ast.Nonlocal) and name in n.names:
            return False
        if isinstance(n, ast.For | ast.AsyncFor | ast.While) and n.lineno < line <= (n.end_lineno or n.lineno):
            return False  # in a loop: it resets what an earlier iteration bound
        if isinstance(n, ast.Try) and any(
                h.type is None or any(isinstance(t, ast.Name) and t.id in _CATCHES_UNBOUND
                                      for t in ast.walk(h.type)) for h in n.handlers):
            return False  # a handler that may have caught the UnboundLocalError
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store | ast.Del):
            stores.append(n.lineno)
        elif isinstance(n, ast.Name) and n.id == name and n.lineno < line:
            return False  # read above it (a global's name, or a binding the walk did not see)
    return bool(stores) and min(stores) == line and any(ln > line for ln in stores)


def _own_nodes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of a function's body, not of the functions, lambdas, classes and comprehensions nested in it."""
    todo: list[ast.AST] = list(fn.body)
    while todo:
        n = todo.pop()
        yield n
        todo.extend(c for c in ast.iter_child_nodes(n) if not isinstance(c, _OWN_SCOPES))


# nodes with a scope of their own (a comprehension's variable is not the function's local)
_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp,
               ast.GeneratorExp)


def _without_pushed_down(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                         result: AnalyzerResult) -> list[UnitChange]:
    """The changes without a constant default `self.X = C` moved between a base constructor and its subclasses'
    (flow/pusheddown.py; real shape: tensorforce 0.6.1..0.6.2 `Environment.__init__` dropped
    `self._max_episode_timesteps = None`, `OpenAIGym.__init__` now binds it in the branches that inherited it)."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or cand_fn.name != "__init__" or not cand_fn.class_name:
        return changes
    same = [c for c in changes if c.cand is None and c.base is not None
            and removed_default(c.base.node, base_fn, cand_fn, index.cand)]
    same += [c for c in changes if c.base is None and c.cand is not None
             and restated_default(c.cand.node, base_fn, cand_fn, index.base)]
    if not same:
        return changes
    unit = same[0].cand or same[0].base
    assert unit is not None
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Attribute default moved along the class hierarchy in `{pair.describe()}` "
                                 f"({len(same)} statements)",
        reason="`self.<attr> = <constant>` dropped from a base constructor whose subclasses bind it on every path, or "
               "restated in a subclass constructor right after the base constructor that bound the same value: every "
               "object holds the value it held (flow/pusheddown.py)",
        locations=[Location(path=cand_fn.path if same[0].cand else base_fn.path, line=unit.line,
                            side="candidate" if same[0].cand else "baseline")], source=SOURCE))
    return [c for c in changes if not any(c is s for s in same)]


def _early_placeholder(node: ast.stmt, cand_fn: FunctionInfo, base_fn: FunctionInfo, index: PairIndex) -> bool:
    attr = _none_placeholder(node)
    init = cand_fn.node
    if attr is None or not isinstance(init, ast.FunctionDef) or not any(s is node for s in init.body):
        return False
    stores = [n for fn in (cand_fn, base_fn) for n in ast.walk(fn.node) if isinstance(n, ast.Attribute)
              and isinstance(n.value, ast.Name) and n.value.id == "self" and n.attr == attr and isinstance(n.ctx, ast.Store)]
    if len(stores) != 1:
        return False  # the constructor binds it elsewhere too (at either commit)
    for before in init.body[:init.body.index(node)]:
        for n in ast.walk(before):
            if isinstance(n, ast.Call) and (isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                                            and n.func.value.id == "self"
                                            or any(isinstance(a, ast.Name) and a.id == "self" for a in n.args)):
                return False  # a method (or a function handed `self`) may bind it first
    if any(f"'{attr}'" in t or f'"{attr}"' in t for side in (index.base, index.cand) for t in side.texts().values()):
        return False
    base_cls = _class_node(base_fn.module.tree, base_fn.class_name or "")
    if base_cls is None or not _binds_in_methods(base_cls, attr):
        return False  # the class never assigned it: a new attribute, not a declaration
    return _own_bases_silent(base_cls, attr, index, 3)


def _class_node(tree: ast.Module, qualname: str) -> ast.ClassDef | None:
    name = qualname.rsplit(".", 1)[-1]
    return next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name), None)


def _binds_in_methods(cls: ast.ClassDef, attr: str) -> bool:
    return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
               and n.attr == attr and isinstance(n.ctx, ast.Store) for n in ast.walk(cls))


def _own_bases_silent(cls: ast.ClassDef, attr: str, index: PairIndex, depth: int) -> bool:
    """No class-level binding of `attr` in `cls`, and every base is `object` or a class of the project (at the
    baseline) that never binds `attr`, up the hierarchy."""
    if any(isinstance(s, ast.Assign | ast.AnnAssign) and any(isinstance(t, ast.Name) and t.id == attr
                                                            for t in (s.targets if isinstance(s, ast.Assign) else [s.target]))
           for s in cls.body):
        return False
    for b in cls.bases:
        if isinstance(b, ast.Name) and b.id == "object":
            continue
        if not isinstance(b, ast.Name) or depth <= 0:
            return False
        found = [c for path in index.base.class_paths(b.id) for c in index.base.class_nodes(path).get(b.id, [])]
        if len(found) != 1 or _binds_in_methods(found[0], attr) or not _own_bases_silent(found[0], attr, index, depth - 1):
            return False
    return not cls.keywords


def _declared_attributes(tree: ast.Module, class_name: str) -> set[str]:
    """Names a class body declares by annotation alone (`distribution: MaskableCategorical`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {s.target.id for s in node.body
                    if isinstance(s, ast.AnnAssign) and s.value is None and isinstance(s.target, ast.Name)}
    return set()


def _none_placeholder(node: ast.stmt) -> str | None:
    """The attribute of `self.<attr> = None` / `self.<attr>: T = None`, else None."""
    target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0] \
        if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    value = getattr(node, "value", None)
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self" \
            and isinstance(value, ast.Constant) and value.value is None:
        return target.attr
    return None


def _without_bundled_reads(changes: list[UnitChange], pair: FunctionPair, result: AnalyzerResult) -> list[UnitChange]:
    """The changes without statements that read a dropped parameter's value as a field of a new one
    (`obs_t` -> `batch.observations`, flow/bundled.py): the callers' pairs compare what they hand."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None:
        return changes
    both = [c for c in changes if c.base is not None and c.cand is not None]
    if not both:
        return changes
    dropped = _parameter_names(base_fn.node) - _parameter_names(cand_fn.node)
    reading = [c for c in both if c.base is not None
               and any(isinstance(n, ast.Name) and n.id in dropped for n in ast.walk(c.base.node))]
    mapping = bundled_parameters(base_fn.node, cand_fn.node, [(c.base.node, c.cand.node) for c in reading
                                                              if c.base is not None and c.cand is not None])
    if not reading or mapping is None:
        return changes
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Parameters bundled into one object in `{pair.describe()}` ({len(reading)} statements)",
        reason="each dropped parameter is read as a field of a new one, the same field at every use: "
               + ", ".join(f"`{p}` -> `{f}`" for p, f in mapping.items())
               + "; what the callers put into it is compared at the callers",
        locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))
    return [c for c in changes if not any(c is r for r in reading)]


def _parameter_names(node: ast.AST) -> set[str]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    a = node.args
    return {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]}


def _added_move(change: UnitChange) -> bool:
    return change.base is None and change.cand is not None and device_move(change.cand.node) is not None


def _only_device_moves(changes: list[UnitChange], eb: list[Effect], ec: list[Effect]) -> list[UnitChange]:
    """The added device moves (`m.to(device)`, flow/wiring.py) when they are the candidate's only new
    effects and the baseline has none of its own: the other changed statements only name the value
    that is moved (`return M(...)` -> `m = M(...)`; `m.to(device)`; `return m`). Real shape: d3rlpy 2.0's
    builders (`create_value_function`) each move what they build to the device, where 1.x moved the
    whole algorithm's modules after building them. A removed move, or one beside another new effect, is
    not this rule."""
    moves = [c for c in changes if _added_move(c)]
    if not moves or eb or not ec:
        return []
    ids = {id(c.cand.node) for c in moves if c.cand is not None}
    return moves if all(e.stmts & ids for e in ec) else []


def _none_checked_guards(changes: list[UnitChange]) -> set[int]:
    """Edited `if`/`while` tests whose only difference is an `x is not None` (or `x is None`) added to or
    dropped from a top-level `and`: a None check beside a test that raised for None, so every run that
    worked takes the same branch (tianshou: `batch_size > 0 and ...` -> `batch_size is not None and
    batch_size > 0 and ...`, where `None > 0` raised). Any other edited test is a cause of the effects it
    guards (flow/symbolic.py `guard_stmts`), a test rewritten as a whole included: `if use_dropout:` ->
    `if use_dropout is not None:` (a real bug, the second held-out set) or PufferLib's `if const or
    dones[team]:` -> `if const or team in dones:` are not the same condition."""
    out: set[int] = set()
    for change in changes:
        units = [u for u in (change.base, change.cand) if u is not None and isinstance(u.node, ast.If | ast.While)]
        if len(units) != 2:
            continue
        tests = [u.node.test for u in units]  # type: ignore[attr-defined]
        if any(isinstance(t, ast.BoolOp) and not isinstance(t.op, ast.And) for t in tests):
            continue  # in an `or`, a None check widens the condition
        values = [{ast.dump(v): v for v in (t.values if isinstance(t, ast.BoolOp) else [t])} for t in tests]
        kept = values[0].keys() & values[1].keys()
        changed = [v for side in values for k, v in side.items() if k not in kept]
        if kept and changed and all(_none_check(v) for v in changed):
            out |= {id(u.node) for u in units}
    return out


def _none_check(node: ast.expr) -> bool:
    return (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Is | ast.IsNot)
            and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value is None)


def _place_changes(report: PairReport, changes: list[UnitChange], causes: set[int], flows: dict[str, LearningFlow],
                   explained: Explained, inlined: Inlined) -> None:
    """Each changed statement's place on the flow, appended to `report.placed`."""
    last: Placement | None = None
    for k, change in enumerate(changes):
        # a statement paired with an unrelated one (an added line beside a rewritten call) is placed by
        # the side whose statement the differing effects come from
        side = "candidate" if change.cand is not None and (change.base is None or id(change.cand.node) in causes
                                                            or id(change.base.node) not in causes) else "baseline"
        if side == "candidate" and change.base is not None and _lost_return(change) and id(change.base.node) in causes:
            side = "baseline"  # `return make()` -> `make()`: what the callers got is what changed, placed where it went
        unit = change.cand if side == "candidate" else change.base
        assert unit is not None
        flow = flows[side]
        # a big rewrite: beyond MAX_PLACED_PER_PAIR statements the rest share the last placement
        # (the last one computed: the statements placed before may all be another finding's concern)
        if k >= MAX_PLACED_PER_PAIR and last is not None:
            placement = last
        else:
            placement = last = flow.place([unit], _edited_arguments(change, report.pair, flows))
            report.visits += placement.visited
        if change.across is not None and not placement.on_flow:
            placement = _across_placement(change, unit, flow) or placement
        placed = _classify(change, unit, placement, flow)
        if placed.verdict == "off" and side == "candidate" and k < MAX_PLACED_PER_PAIR:
            placed = _replaced_callee_statement(placed, report, inlined, flows["baseline"])
        if placed.path and any(explained.same_concern(side, unit.fn.path, unit.line, SUBSYSTEM[p])
                               for p in {placed.path, "architecture" if flow.in_model_class(unit.fn) else placed.path}):
            continue  # a network's statement near a layer finding is that finding's concern, whatever its sink
        report.placed.append(placed)


def _edited_tests_of_returns(changes: list[UnitChange], eb: list[Effect], ec: list[Effect]) -> list[UnitChange]:
    """Where the differing effect is the function's returned value and no changed statement is among its causes:
    the changed branch tests (`if` / `elif` headers) the returns sit under. The returned value is a conditional
    expression of those tests, while its recorded statements are the returns themselves. Real shape:
    EfficientZero b7cb6293..468bb030, `visit_softmax_temperature_fn`'s `if trained_steps < 0.5 *
    (self.training_steps + self.last_steps):` -> `0.5 * self.training_steps` above unchanged `return 1.0` /
    `return 0.5`: the temperature schedule got no finding and no no-effect item."""
    if not any(e.text.startswith("return ") for e in (*eb, *ec)):
        return []
    return [c for c in changes if c.base is not None and c.cand is not None
            and isinstance(c.base.node, ast.If) and isinstance(c.cand.node, ast.If)]


def _never_run(base_fn: FunctionInfo, body: bool, index: PairIndex, flow: LearningFlow) -> tuple[str | None, str]:
    """(why the function never runs at the baseline, None when it may; why its reachability is unknown though
    nothing here names its class, a public variant of a class the code uses: kept, low)."""
    reason = None if body or api_label(base_fn, index.base) else unreachable_reason(base_fn, index.base)
    if reason and _library_variant(base_fn, index.base, flow):
        return None, reason
    return reason, ""


def _library_variant(fn: FunctionInfo, side: SideIndex, flow: LearningFlow) -> bool:
    """`fn` is a method of a public class (no leading underscore) of a package module (its folder has an
    `__init__.py`, outside tests, docs and examples) that derives from a project class which other code
    names: an algorithm variant a library offers its users, who import and construct it; nothing in the
    repository naming it shows no one runs it. Real shape: oat v0.2.2..v0.2.3, `PPOMultiTurnLearner(PPOLearner)`
    in oat/algorithms/ppo_multiturn.py, its stale `state_ids[i]` index in `learning_step` filed as "class never
    referenced anywhere in the baseline tree". A class deriving only from library or plain bases is not this
    rule (nothing shows it is one of the project's offered variants)."""
    cls = (fn.class_name or "").split(".", 1)[0]
    if not cls or cls.startswith("_") or OUT_OF_SCOPE.search(fn.path) or fn.path.startswith("scripts/"):
        return False
    init = posixpath.join(posixpath.dirname(fn.path), "__init__.py")
    if init not in side.tree.paths():
        return False
    bases = {b for b in flow._class_bases(cls) if b != cls}
    return any(flow._defines_class(b) and any(p != fn.path and not OUT_OF_SCOPE.search(p)
                                              for p, _ in side.mentions(b)) for b in bases)


def _edited_arguments(change: UnitChange, pair: FunctionPair | None = None,
                      flows: dict[str, LearningFlow] | None = None) -> frozenset[str] | None:
    """The arguments of a changed call statement (`f(a, k=1)` -> `f(a, k=2)`) that differ: keyword names, and
    `#<position>` for positional ones; None when the change is not one call statement at both commits with the
    same callee (then every argument is followed). A spread argument added or changed (`super().__init__(...,
    **kwargs)`) names none: it forwards what the callers pass, which for every call the baseline made is what it
    forwarded before (JaxMARL b02b1083..5611552f, eight MPE scenarios' `__init__` gained `**kwargs` in their base
    call: not an environment change).

    A call statement the diff pairs as added, removed or replaced whose very call (same callee, same arguments)
    the other commit's function also makes names none either: the call moved or the lines around it were
    re-aligned, and it hands its callee what it handed before (the order against the statements it moved
    across is `flow/diff.py`'s crossed check). Real shape: PufferLib 9aa817f7..d4d17e69 demo.py:237, the mode
    dispatch re-ordered and `train(args, env_module, make_env)` paired with the removed `if vec == 'serial':`;
    entered through every parameter it was "Behavioural change in the optimizer path: `<module>`" at #1."""
    b, c = change.base, change.cand
    if b is None or c is None or not (isinstance(b.node, ast.Expr) and isinstance(c.node, ast.Expr)):
        return _made_at_the_other_side(change, pair)
    cb, cc = b.node.value, c.node.value
    if not (isinstance(cb, ast.Call) and isinstance(cc, ast.Call)) or ast.dump(cb.func) != ast.dump(cc.func):
        return None
    out: set[str] = set()
    for k in range(max(len(cb.args), len(cc.args))):
        x = ast.dump(cb.args[k]) if k < len(cb.args) else None
        y = ast.dump(cc.args[k]) if k < len(cc.args) else None
        if x != y and not any(isinstance(a[k], ast.Starred) for a in (cb.args, cc.args) if k < len(a)):
            out.add(f"#{k}")
    kb = {k.arg: ast.dump(k.value) for k in cb.keywords if k.arg is not None}
    kc = {k.arg: ast.dump(k.value) for k in cc.keywords if k.arg is not None}
    out.update(name for name in set(kb) | set(kc) if kb.get(name) != kc.get(name))
    return frozenset(out) - _adapted_keywords(cb, cc, b, c, flows)


def _adapted_keywords(cb: ast.Call, cc: ast.Call, b: Unit, c: Unit, flows: dict[str, LearningFlow] | None
                      ) -> frozenset[str]:
    """The keywords of a call at both commits that follow its callee's changed signature: a parameter the
    callee has at one commit only (`optim_factory=...` -> `optim=...` where the base constructor now takes the
    built optimizer). The callee's own pair compares what it does with them; entering it through them placed
    the call on that callee's path. Real shape: d3rlpy v1.1.1..v2.0.2, `DiscreteCQLImpl.__init__`'s
    `super().__init__(..., q_func=q_func, optim=optim, ...)` (factories replaced by built objects):
    "Behavioural change in the optimizer path" at #5 through `DQNImpl.__init__`'s `self._optim = optim`."""
    if flows is None:
        return frozenset()
    named: list[set[str]] = []
    optional: set[str] = set()
    for side, call, unit in (("baseline", cb, b), ("candidate", cc, c)):
        bound = flows[side].bound_callee(call, unit.fn)
        node = bound[0].node if bound is not None else None
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.args.kwarg is not None:
            return frozenset()
        named.append({a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]})
        if side == "candidate":
            optional = {p.arg for p, default in parameter_defaults(node) if default is not None}
    keywords = {k.arg for k in (*cb.keywords, *cc.keywords) if k.arg is not None}
    # a new parameter with a default is an option the call now sets, not a signature it must follow
    # (tests/flow/test_neutral_options.py: rsl_rl's `normalize_advantage=not self.per_mini_batch`)
    return frozenset(keywords - (named[0] & named[1]) - (optional - named[0]))


def _made_at_the_other_side(change: UnitChange, pair: FunctionPair | None) -> frozenset[str] | None:
    """frozenset() when the change's call statement is made, with the same text under the same branch tests,
    as many times by the pair's function at the other commit (re-aligned or moved between statements, not
    added, nor moved into or out of a branch); None otherwise (every argument is followed). Real shape of the
    latter: gpudrive bd618895..f28fb66c, `roadgraph.one_hot_encode_road_point_types()` moved out of `if
    self.config.norm_obs:` (now run for every configuration: a real observation change)."""
    if pair is None or pair.base is None or pair.cand is None:
        return None
    for unit, own, other in ((change.cand, pair.cand, pair.base), (change.base, pair.base, pair.cand)):
        if unit is None or not (isinstance(unit.node, ast.Expr) and isinstance(unit.node.value, ast.Call)):
            continue
        text = ast.dump(unit.node)
        mine = _guarded_calls(own.node, text)
        where = mine.get(id(unit.node))
        if where is None:
            continue
        made = [sum(1 for g in calls.values() if g == where) for calls in (mine, _guarded_calls(other.node, text))]
        if made[1] >= made[0]:
            return frozenset()
    return None


def _guarded_calls(node: ast.AST, text: str) -> dict[int, tuple[str, ...]]:
    """id of each expression statement of `node` whose dump is `text` -> the branch tests it runs under (each
    test's dump and the arm taken), outermost first; nested function and class bodies left out."""
    out: dict[int, tuple[str, ...]] = {}

    def walk(body: list[ast.stmt], guard: tuple[str, ...]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and ast.dump(stmt) == text:
                out[id(stmt)] = guard
            elif isinstance(stmt, ast.If | ast.While):
                test = ast.dump(stmt.test)
                walk(stmt.body, (*guard, "then " + test))
                walk(stmt.orelse, (*guard, "else " + test))
            elif isinstance(stmt, ast.For | ast.AsyncFor):
                walk(stmt.body, (*guard, "for " + ast.dump(stmt.iter)))
                walk(stmt.orelse, (*guard, "for-else " + ast.dump(stmt.iter)))
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                walk(stmt.body, guard)
            elif isinstance(stmt, ast.Try):
                for part in (stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody):
                    walk(part, (*guard, "try"))

    walk(list(getattr(node, "body", [])), ())
    return out


def _across_placement(change: UnitChange, unit: Unit, flow: LearningFlow) -> Placement | None:
    """An attribute statement a moved call now runs across (`flow/diff.py: _crossed_partners`): placed
    from the statements of the called function that read those attributes (the base `init(self)` building
    the critic from `self.ClassCri`, or the grand-base `init` it hands `self` on to), where the order
    decides what they see."""
    assert change.across is not None
    attrs = frozenset(d for d in unit.uses | unit.defs if d.startswith("self."))
    start = _attribute_readers(change.across, attrs, flow, 3)
    return flow.place(start) if start else None


def _attribute_readers(caller: Unit, attrs: frozenset[str], flow: LearningFlow, depth: int) -> list[Unit]:
    """The statements of the functions `caller` calls with `self` (and of those they call with `self`,
    `depth` levels) that read `attrs`."""
    out: list[Unit] = []
    for call in caller.calls:
        callee = flow.resolve(call, caller.fn) or _class_method(call, caller.fn, flow)
        if callee is None or callee.is_module or callee is caller.fn:
            continue
        units = flow.units(callee)
        out.extend(w for w in units if w.uses & attrs)
        if depth > 1:
            for w in units:
                if any(isinstance(x, ast.Name) and x.id == "self" for c in w.calls for x in c.args):
                    out.extend(_attribute_readers(w, attrs, flow, depth - 1))
    return out


def _class_method(call: ast.Call, caller: FunctionInfo, flow: LearningFlow) -> FunctionInfo | None:
    """`Base.method(self, ...)`: the project's `method` of the class named `Base` (the one the caller's
    module imports when several classes have that name)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name) or not func.value.id[:1].isupper():
        return None
    name = func.value.id
    found = [f for path, text in flow.side.texts().items() if path.endswith(".py") and f"class {name}" in text
             for module in [flow.side.module(path)] if module is not None
             for f in module.functions.values() if f.qualname == f"{name}.{func.attr}"]
    if len(found) > 1:
        imported = caller.module.imports.get(name, "").rsplit(".", 1)[0].replace(".", "/")
        found = [f for f in found if imported and f.path.removesuffix(".py").endswith(imported)] \
            or [f for f in found if f.path == caller.path]
    return found[0] if len(found) == 1 else None


def _lost_return(change: UnitChange) -> bool:
    """The statement returned its value at the baseline and computes it without returning it at the
    candidate (a helper that lost its `return`: every caller now gets None)."""
    return change.base is not None and change.cand is not None and RETURN in change.base.defs \
        and RETURN not in change.cand.defs


def _replaced_callee_statement(placed: Placed, report: PairReport, inlined: Inlined, flow: LearningFlow) -> Placed:
    """A callee statement the caller's new code replaces (flow/inlined.py): when the new one reaches
    nothing (it writes another object, which nothing reads), what the old one wrote is gone, so the
    old one's place counts."""
    change = placed.change
    if change.base is None or id(change.base.node) not in inlined.standins:
        return placed
    old = flow.place([change.base])
    report.visits += old.visited
    return _classify(change, change.base, old, flow) if old.on_flow else placed


def _nothing_left(computed: list[UnitChange], unexplained: int, added_defaults: list[UnitChange]) -> str:
    """Why no statement of a changed function is left to place ("" when a finding reports them all)."""
    if not computed:
        return ("no statement computes another value (comments, docstrings, formatting, names renamed consistently, "
                "or independent statements reordered)")
    if unexplained and added_defaults:
        return ("only parameters with defaults were added or removed: a new parameter's default binds no existing "
                "caller, and callers that pass it changed in their own code")
    return ""


def _unanalysed(pair: FunctionPair, result: AnalyzerResult, recorded: int, statements: int, reason: str) -> None:
    """Say why a changed function left the flow analysis without a finding, unless something was recorded for it
    since `recorded` (a no-effect item of a rule that dropped its statements), or no reason is given (a finding
    reports every statement). A changed function does not disappear from the report without a reason."""
    if not reason or len(result.no_effect) > recorded:
        return
    fn = pair.cand or pair.base
    assert fn is not None
    count = f" ({statements} statements)" if statements else ""
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Changed code in `{pair.describe()}`{count}: not placed on the flow", reason=reason,
        locations=[Location(path=fn.path, line=fn.lineno, side="candidate" if pair.cand is not None else "baseline")],
        source=SOURCE))


def _inlined_notes(pair: FunctionPair, inlined: Inlined, result: AnalyzerResult) -> None:
    """A no-effect item for each called function whose body now runs inline (or the reverse),
    compared statement by statement and the same (flow/inlined.py)."""
    cand_fn = pair.cand
    assert cand_fn is not None
    for side, callee, call in inlined.identical:
        moved = "inlined into" if side == "baseline" else "extracted from"
        result.no_effect.append(NoEffectChange(
            subsystem="other", title=f"Code of `{callee.qualname}` {moved} `{pair.describe()}`",
            reason=(f"moved, not added or removed: the {side} calls `{call_text(call)}` ({call.fn.path}:{call.line}); "
                    f"the body of `{callee.qualname}` ({callee.path}:{callee.lineno}), its parameters bound to the "
                    f"call's arguments and its `self` to the object it is called on, reads statement for statement "
                    f"as the code at the other commit"),
            locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate"),
                       Location(path=callee.path, line=callee.lineno, side=side)],  # type: ignore[arg-type]
            source=SOURCE))


def _compared(base_fn: FunctionInfo, cand_fn: FunctionInfo, changes: list[UnitChange], body: bool,
              attributes: dict[str, str], expanders: dict[str, Expander],
              names: tuple[set[str], frozenset[str], dict[str, ast.expr]], config: ConfigValues,
              cases: NewCases | None, realigned: frozenset[str], index: PairIndex, handed: _Handed | None
              ) -> tuple[list[Effect], list[Effect], str, str, str]:
    """The effects that differ, with unpackings whose length changed read by name and opt-in branches,
    new options and configuration reads at their defaults left out (`_differences`, `_at_defaults`):
    (eb, ec, opt-in reason, partly, title note)."""
    moved, passed, inline = names
    for expander in expanders.values():
        expander.unpack_by_name = realigned
    if not body:
        expanders["baseline"].held_attributes = one_side_attributes(base_fn, cand_fn, set(attributes))
        expanders["candidate"].held_attributes = one_side_attributes(cand_fn, base_fn, set(attributes.values()))
    try:
        effects_b, eb, ec, bound = _differences(base_fn, cand_fn, changes, body, attributes, expanders, moved, passed,
                                                inline)
        alternative = ""
        deciders = None if body or not (eb or ec) else _selector_deciders(base_fn, cand_fn)
        if deciders is not None:
            # a selector that gained alternatives the baseline's assertion rejected (flow/choicearm.py): both sides
            # again with the arms no baseline value takes left out, and kept so for the comparisons that follow
            expanders["baseline"].selector, expanders["candidate"].selector = deciders
            again = _differences(base_fn, cand_fn, changes, body, attributes, expanders, moved, passed, inline)
            if again[0] is not None and {s for e in (*again[1], *again[2]) for s in e.stmts} \
                    < {s for e in (*eb, *ec) for s in e.stmts}:
                alternative = deciders[1].describe()
                if not again[1] and not again[2]:
                    return eb, ec, alternative, "", OPT_IN_TITLES["alternative"]
                effects_b, eb, ec, bound = again
            else:
                for expander in expanders.values():
                    expander.selector = None
        eb, ec, opt_in, partly, note = _at_defaults(base_fn, cand_fn, expanders["candidate"], effects_b, eb, ec,
                                                    index, config, handed, bound, passed, cases)
        if alternative and opt_in:
            return eb, ec, f"{alternative}; {opt_in}", partly, note
        return eb, ec, opt_in, "; ".join(x for x in (alternative, partly) if x), note
    finally:
        for expander in expanders.values():
            expander.unpack_by_name = frozenset()
            expander.held_attributes = frozenset()
            expander.selector = None


def _selector_deciders(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> tuple[Decider, Decider] | None:
    """The (baseline, candidate) deciders of the pair's class when its asserted selector gained alternatives
    (flow/choicearm.py), or None."""
    if not (base_fn.class_name and cand_fn.class_name):
        return None
    found = selectors(enclosing_class(base_fn), enclosing_class(cand_fn))
    if found is None:
        return None
    return Decider(found[0], base_fn.path), Decider(found[1], cand_fn.path)


def _fixed_calls(changes: list[UnitChange], flows: dict[str, LearningFlow]) -> dict[int, str]:
    """The changes whose baseline statement made a call that cannot bind to its callee, made to fit
    at the candidate (flow/signature.py): id(change) -> why the baseline's call raised."""
    resolvers = {side: flows[side].resolver for side in ("baseline", "candidate")}
    out: dict[int, str] = {}
    for change in changes:
        if change.base is not None and change.cand is not None and change.base.calls:
            why = fixed_call(change.base.calls, change.base.fn, change.cand.calls, change.cand.fn, resolvers)
            if why:
                out[id(change)] = why
    return out


def _differences(base_fn: FunctionInfo, cand_fn: FunctionInfo, changes: list[UnitChange], body: bool,
                 attributes: dict[str, str], expanders: dict[str, Expander], moved: set[str], passed: frozenset[str],
                 inline: dict[str, ast.expr]) -> tuple[list[Effect] | None, list[Effect], list[Effect], dict[str, ast.expr]]:
    """(baseline effects, effects at the baseline only, at the candidate only, parameters bound to the
    baseline's moved values); when a side is too large to compare, every changed statement counts."""
    # a result container is read as its first field only where it is new: one the baseline returned too
    # is compared whole (a changed second field stays a change)
    unwrap = body or not (returned_containers(base_fn) & returned_containers(cand_fn))
    # a parameter dropped for the instance attribute every caller passed is that attribute (detectors/paramattr.py)
    params = {} if body else parameters_as_attributes(base_fn, cand_fn, base_fn.module.index)
    effects_b = None if body else expanders["baseline"].effects(base_fn, attributes, capture=frozenset(moved),
                                                               unwrap=unwrap, bound=params or None)
    bound = {k: v for k, v in expanders["baseline"].captured.items() if k in moved} if moved else {}
    bound.update(inline)
    if not body:
        for old, new in _renamed_positionals(base_fn, cand_fn, rebinding=True).items():
            bound.setdefault(new, ast.Name(id=old, ctx=ast.Load()))
    effects_c = None if body else expanders["candidate"].effects(cand_fn, bound=bound, passed=passed, unwrap=unwrap)
    if effects_b is None or effects_c is None:
        return effects_b, [Effect("", frozenset(id(c.base.node) for c in changes if c.base))], \
            [Effect("", frozenset(id(c.cand.node) for c in changes if c.cand))], bound
    eb, ec = differing(effects_b, effects_c)
    crossed = [c for c in changes if c.crossed]
    if not eb and not ec and crossed:
        # the same effects in another order: a statement moved across one that reads or writes what it
        # touches through an object (`self.ClassCri = ...` after the base `init(self)` that reads it)
        return effects_b, [Effect("moved", frozenset(id(c.base.node) for c in crossed if c.base))], \
            [Effect("moved", frozenset(id(c.cand.node) for c in crossed if c.cand))], bound
    return effects_b, *_without_assertions(eb, ec), bound


def _renamed_positionals(base_fn: FunctionInfo, cand_fn: FunctionInfo, rebinding: bool = False) -> dict[str, str]:
    """Baseline parameter -> the candidate's parameter at the same position under a name the baseline's
    parameters do not have (`episodes` -> `dataset`): every caller's argument binds to it as before, so the
    candidate is read with the baseline's name; with `rebinding`, only those whose old name the candidate
    assigns again (the widened parameter's dispatch; a plain rename, `observations` -> `obs`, is compared as the
    pairing reads it, tests/flow/test_grouped_input.py). Real shape: d3rlpy d6dca78c..3f459e65, `LearnableBase.fitter(self,
    episodes: List[Episode], ...)` -> `fitter(self, dataset: Union[List[Episode], MDPDataset], ...)` with
    `if isinstance(dataset, MDPDataset): episodes = dataset.episodes else: episodes = dataset`: the list the
    callers handed takes the `else` arm (flow/declared.py), the same episodes as before; it was a
    significant "optimizer path" finding at #2."""
    b, c = base_fn.node, cand_fn.node
    if not (isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef) and isinstance(c, ast.FunctionDef | ast.AsyncFunctionDef)):
        return {}
    bp = [a.arg for a in [*b.args.posonlyargs, *b.args.args]]
    cp = [a.arg for a in [*c.args.posonlyargs, *c.args.args]]
    out = {x: y for x, y in zip(bp, cp, strict=False) if x != y and y not in bp and x not in cp}
    if rebinding and out:
        stored = {n.id for n in ast.walk(c) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        out = {x: y for x, y in out.items() if x in stored}
    return out


def _old_name_rebound(changes: list[UnitChange], base_fn: FunctionInfo, cand_fn: FunctionInfo) -> set[int]:
    """The added statements `old = new` that bind a renamed parameter's old name to it (`episodes = dataset` in
    `fitter(self, dataset, ...)` that was `fitter(self, episodes, ...)`): the old name holds what it held, the
    caller's argument; the statement is no cause of the differing effects its value flows through (d3rlpy
    d6dca78c..3f459e65 `LearnableBase.fitter`, `_renamed_positionals`)."""
    renamed = _renamed_positionals(base_fn, cand_fn)
    out: set[int] = set()
    for c in changes:
        node = c.cand.node if c.base is None and c.cand is not None else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Name) and renamed.get(node.targets[0].id) == node.value.id:
            out.add(id(node))
    return out


def _without_assertions(eb: list[Effect], ec: list[Effect]) -> tuple[list[Effect], list[Effect]]:
    """The differing effects less `assert` checks (flow/diff.py `_without_checks`): an assertion added
    or dropped changes no value training uses. Kept when the other side raises instead (`assert c`
    and `if not c: raise E` are one check, compared as such)."""
    if any(" :: raise " in e.text for e in (*eb, *ec)):
        return eb, ec
    checks_b = [e for e in eb if " :: check " in e.text]
    checks_c = [e for e in ec if " :: check " in e.text]
    if checks_b and checks_c:
        # checks on both sides that differ: a value that changed reaches an assertion both commits make
        # (a prioritized replay's sampled mass reaching the sum tree's `assert 0 <= prefixsum <= ...`)
        return eb, ec
    return [e for e in eb if e not in checks_b], [e for e in ec if e not in checks_c]


@dataclass
class _Handed:
    """Values moved from a method into its callers over the range, and the candidate's call
    resolution for signatures that changed (flow/wrappers.py)."""

    moved: dict[str, set[str]]  # parameter name -> texts of the values moved to callers
    candidates: Assignments  # the single assignments of the range's changed candidate functions
    flow: LearningFlow | None = None  # the candidate's flow (its resolver)
    base_index: Any = None  # the baseline's SideIndex
    _inits: dict[str, FunctionInfo | None] = field(default_factory=dict)

    def resolve(self, call: ast.Call, fn: FunctionInfo) -> FunctionInfo | None:
        """The project function a candidate call runs; a class call is its class's `__init__`."""
        assert self.flow is not None
        found = self.flow.resolver.resolve(call, fn)
        name = call.func.id if isinstance(call.func, ast.Name) else \
            call.func.attr if isinstance(call.func, ast.Attribute) else ""
        if found is not None or not name[:1].isupper():
            return found
        if name not in self._inits:
            inits = [f for f in self.flow.side.find_defs("__init__")
                     if f.class_name and f.class_name.rsplit(".", 1)[-1] == name]
            self._inits[name] = inits[0] if len(inits) == 1 else None
        return self._inits[name]

    def resolve_adapted(self, call: ast.Call, fn: FunctionInfo) -> FunctionInfo | None:
        """`resolve`, else the method of that name a call on an object of unknown class runs, when every
        project method of that name takes the same parameters (flow/wrappers.py `method_by_name`)."""
        assert self.flow is not None
        return self.resolve(call, fn) or method_by_name(call, self.flow.side, fn)

    def names(self, base_fn: FunctionInfo, cand_fn: FunctionInfo
              ) -> tuple[set[str], frozenset[str], dict[str, ast.expr]]:
        """(new parameters read as the baseline's local value, names only handed on to calls, new
        parameters bound to a moved value the baseline computed inline)."""
        if not self.moved:
            return set(), frozenset(passed_through(base_fn, cand_fn)), {}
        moved = moved_parameters(base_fn, cand_fn, self.candidates)
        inline = inline_moved(base_fn, cand_fn, self.moved, moved)
        return moved, frozenset(passed_through(base_fn, cand_fn, self.moved) - moved - set(inline)), inline


def _field_name(unit: Unit | None) -> str | None:
    node = unit.node if unit is not None else None
    target = node.target if isinstance(node, ast.AnnAssign) else \
        node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    return target.id if isinstance(target, ast.Name) else None


def _without_unread_fields(changes: list[UnitChange], pair: FunctionPair, flow: LearningFlow,
                           result: AnalyzerResult) -> list[UnitChange]:
    """Class-body changes without the fields removed at the candidate that no candidate code reads
    (`.F`, `'F'`): what the field carried was read by code that changed too, compared there (real
    shape: CORL's CQL `critic_layers: int = 3` removed with the network it sized, now built with its
    three layers written out). A removed field something still reads, and every other change, stay."""
    kept: list[UnitChange] = []
    gone: list[str] = []
    texts: dict[str, str] | None = None
    for c in changes:
        name = _field_name(c.base) if c.cand is None else None
        if name is not None:
            texts = texts if texts is not None else flow.side.texts()
            read = re.compile(rf"\.{re.escape(name)}\b|['\"]{re.escape(name)}['\"]")
            if not any(p.endswith(PY_SUFFIXES) and name in t and read.search(t) for p, t in texts.items()):
                gone.append(name)
                continue
        kept.append(c)
    if gone:
        cand_fn = pair.cand or pair.base
        assert cand_fn is not None
        result.no_effect.append(NoEffectChange(
            subsystem="other", title=f"Fields removed from `{pair.describe()}`: " + ", ".join(f"`{g}`" for g in gone),
            reason="no code of the candidate reads them: where they were read, the reading code changed as well "
                   "and is compared there",
            locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))
    return kept


def _without_carried_fields(changes: list[UnitChange], pair: FunctionPair, result: AnalyzerResult) -> list[UnitChange]:
    """Class-body changes without the fields of a class turned into a dataclass that carry what the
    baseline class held the same way (flow/fieldclass.py). A baseline statement paired with such a
    field (`TYPE: ClassVar[str] = 'qr'` -> `n_quantiles: int = 32`) stays, as a removal."""
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None or not isinstance(base_fn.node, ast.ClassDef) \
            or not isinstance(cand_fn.node, ast.ClassDef):
        return changes
    carried = carried_fields(base_fn.node, cand_fn.node, base_fn.module.tree)
    if not carried:
        return changes
    kept: list[UnitChange] = []
    gone: dict[str, str] = {}
    for c in changes:
        name = _field_name(c.cand)
        if name is None or name not in carried:
            kept.append(c)
            continue
        gone[name] = carried[name]
        if c.base is not None and _field_name(c.base) != name:
            kept.append(UnitChange(c.base, None))
    if gone:
        result.no_effect.append(NoEffectChange(
            subsystem="other", title=f"`{pair.describe()}` turned into a dataclass: "
                                     + ", ".join(f"`{g}`" for g in gone) + " carried over",
            reason="each field holds what the baseline class held the same way: " + "; ".join(
                f"`{g}`: {why}" for g, why in gone.items())
                + ("; what fills a field without a default is compared in its own code (the code that builds the "
                   "instance)" if any("property" in why for why in gone.values()) else ""),
            locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))
    return kept


def _plain_fields(changes: list[UnitChange], body: bool, pair: FunctionPair, index: PairIndex, flow: LearningFlow,
                  config: ConfigValues | None, handed: _Handed | None, result: AnalyzerResult) -> list[UnitChange]:
    """Class-body changes without the fields that only carry a value to code compared elsewhere."""
    if not body:
        return changes
    changes = _without_carried_fields(changes, pair, result)
    changes = _without_unread_fields(changes, pair, flow, result)
    changes = _without_neutral_fields(changes, pair, index, config or ConfigValues(), handed, result)
    return _without_new_settings_fields(changes, pair, index, config or ConfigValues(), result)


def _without_new_settings_fields(changes: list[UnitChange], pair: FunctionPair, index: PairIndex,
                                 config: ConfigValues, result: AnalyzerResult) -> list[UnitChange]:
    """Class-body changes without the declarations of new settings fields (flow/newfield.py), or of new field
    switches of the class (flow/optin.py `_field_options`: dopamine's flax `inputs_preprocessed: bool = False`), that
    no configuration sets to another value: the changed statements reading them are compared with the field at its
    default (cleanrl's `num_envs: int = 1` in `Args`, read as `range(args.num_envs)`)."""
    if pair.base is None:
        return changes
    side = codedefault.TreeSide(index.cand.tree, config.candidate, config.where)
    kept: list[UnitChange] = []
    gone: list[str] = []
    switches = new_options(pair.base, pair.cand) if pair.cand is not None else {}  # flax/dataclass field switches
    for c in changes:
        node = c.cand.node if c.cand is not None else None
        value = node.value if isinstance(node, ast.AnnAssign | ast.Assign) else None
        name = _field_name(c.cand) if c.base is None else None
        if name is None or c.cand is None or value is None or not (
                new_field_declared(c.cand, pair.base.module.tree) or name in switches
                or new_name_field(index.base, index.cand, name)):
            kept.append(c)
            continue
        found = codedefault.configured(side, name, ast.unparse(value), c.cand.fn.path)
        if not found[0]:
            kept.append(c)
            continue
        gone.append(f"`{name}` ({found[1]})")
    _fields_left_out(result, pair, gone, "read at their defaults",
                     "new fields of a settings class without base classes: the changed statements that read them are "
                     "compared with each at its default, which no configuration overrides: ")
    return kept


def _fields_left_out(result: AnalyzerResult, pair: FunctionPair, gone: list[str], how: str, why: str) -> None:
    """One no-effect entry for the fields a class-body change was left without (none when `gone` is empty)."""
    if not gone:
        return
    cand_fn = pair.cand or pair.base
    assert cand_fn is not None
    result.no_effect.append(NoEffectChange(
        subsystem="other", title=f"Fields added to `{pair.describe()}`, {how}", reason=why + "; ".join(gone),
        locations=[Location(path=cand_fn.path, line=cand_fn.lineno, side="candidate")], source=SOURCE))


def _without_neutral_fields(changes: list[UnitChange], pair: FunctionPair, index: PairIndex, config: ConfigValues,
                            handed: _Handed | None, result: AnalyzerResult) -> list[UnitChange]:
    """Class-body changes without the fields new at the candidate whose every read is an argument
    handed to a callee whose parameter default is the field's default, which no configuration sets
    otherwise (real shape: CORL's CQL `q_n_hidden_layers: int = 3`, read only as
    `FullyConnectedQFunction(..., config.q_n_hidden_layers)` whose new `n_hidden_layers` defaults to
    3). A field read anywhere else (`reward_scale: float = 5.0` handed to a parameter defaulting to
    1.0, an arithmetic use) stays a change."""
    if handed is None or handed.flow is None:
        return changes
    kept: list[UnitChange] = []
    gone: list[str] = []
    side = codedefault.TreeSide(index.cand.tree, config.candidate, config.where)
    for c in changes:
        name = _field_name(c.cand) if c.base is None else None
        node = c.cand.node if c.cand is not None else None
        value = node.value if isinstance(node, ast.AnnAssign | ast.Assign) else None
        if name is None or c.cand is None or not isinstance(value, ast.Constant | ast.UnaryOp):
            kept.append(c)
            continue
        default = ast.unparse(value)
        found = codedefault.configured(side, name, default, c.cand.fn.path)
        if not found[0] or not _only_handed_as_default(name, default, handed):
            kept.append(c)
            continue
        gone.append(f"`{name}` ({found[1]})")
    _fields_left_out(result, pair, gone, "neutral at their defaults",
                     "every read hands the field to a callee whose parameter default is the field's default: at the "
                     "code default the callee receives its own default: ")
    return kept


def _only_handed_as_default(name: str, default: str, handed: _Handed) -> bool:
    """Every read of `.<name>` in the candidate's Python code is a call argument (keyword or
    positional) whose parameter in the resolved callee defaults to `default`; at least one read."""
    assert handed.flow is not None
    side = handed.flow.side
    read = re.compile(rf"\.{re.escape(name)}\b")
    reads = 0
    for path, text in side.texts().items():
        if not path.endswith(PY_SUFFIXES) or name not in text or not read.search(text):
            continue
        module = side.module(path)
        if module is None:
            return False
        total = sum(1 for n in ast.walk(module.tree) if isinstance(n, ast.Attribute) and n.attr == name)
        neutral = 0
        for fn in module.functions.values():
            for call in (n for n in ast.walk(fn.node) if isinstance(n, ast.Call)):
                args = [(a, k, None) for k, a in enumerate(call.args)] + [(kw.value, None, kw.arg) for kw in call.keywords]
                for arg, position, keyword in args:
                    if isinstance(arg, ast.Attribute) and arg.attr == name and \
                            _callee_default(handed, call, fn, position, keyword) == default:
                        neutral += 1
        if neutral < total:
            return False  # a read that is not such an argument (or one counted in nested functions twice)
        reads += total
    return reads > 0


def _callee_default(handed: _Handed, call: ast.Call, fn: FunctionInfo, position: int | None,
                    keyword: str | None) -> str | None:
    """The literal default (as text) of the callee parameter an argument binds, None when unknown."""
    callee = handed.resolve(call, fn)
    node = callee.node if callee is not None else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    if positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    defaults = default_values(node)
    name = positional[position].arg if position is not None and position < len(positional) else keyword
    value = defaults.get(name or "")
    if not isinstance(value, ast.Constant | ast.UnaryOp):
        return None
    return ast.unparse(value)


def _not_adapted(changes: list[UnitChange], base_fn: FunctionInfo, cand_fn: FunctionInfo, handed: _Handed | None,
                 pair: FunctionPair, result: AnalyzerResult) -> list[UnitChange]:
    """The changes without the calls that only follow a callee's changed signature (a no-effect item
    names them: the callee's own pair compares what it does with the new arguments)."""
    changes = _not_handed_in(changes, base_fn, cand_fn, pair, result)
    if handed is None or handed.flow is None or handed.base_index is None:
        return changes
    kept: list[tuple[UnitChange, str | None]] = []
    adapted: list[tuple[UnitChange, str | None]] = []
    for c in changes:
        callee = adapted_call(c.base.node, c.cand.node, cand_fn, handed.resolve_adapted, handed.base_index) \
            if c.base is not None and c.cand is not None else None
        (adapted if callee else kept).append((c, callee))
    if adapted:
        names = sorted({str(name) for _, name in adapted})
        result.no_effect.append(NoEffectChange(
            subsystem="other", title=f"Calls adapted to changed signatures in `{pair.describe()}` ({len(adapted)} statements)",
            reason="the arguments follow the changed parameters of " + ", ".join(f"`{n}`" for n in names)
                   + "; what the callee does with them is compared in its own code",
            locations=[Location(path=cand_fn.path, line=c.cand.line, side="candidate") for c, _ in adapted[:1] if c.cand],
            source=SOURCE))
    return [c for c, _ in kept]


def _not_handed_in(changes: list[UnitChange], base_fn: FunctionInfo, cand_fn: FunctionInfo, pair: FunctionPair,
                   result: AnalyzerResult) -> list[UnitChange]:
    """The changes without calls of a handed-in callable that only follow its calling convention
    (flow/handedin.py): a no-effect item names the callable."""
    kept: list[UnitChange] = []
    names: list[str] = []
    first: UnitChange | None = None
    for c in changes:
        name = handed_in_call(c.base.node, c.cand.node, base_fn, cand_fn) if c.base and c.cand else None
        if name is None:
            kept.append(c)
            continue
        names.append(name)
        first = first or c
    if first is not None and first.cand is not None:
        result.no_effect.append(NoEffectChange(
            subsystem="other", title=f"Calls adapted to a handed-in callable in `{pair.describe()}` ({len(names)} statements)",
            reason="the calls of " + ", ".join(f"`{n}`" for n in sorted(set(names))) + " (a parameter: the callers choose "
                   "the code it runs) only pass arguments by keyword, keep the same results, or take a packing the "
                   "callers now build; what the callable computes and what the callers hand in are compared there",
            locations=[Location(path=cand_fn.path, line=first.cand.line, side="candidate")], source=SOURCE))
    return kept


def _only_handed_on(change: UnitChange, passed: frozenset[str]) -> bool:
    """A statement that differs only by handing on one of `passed` to its calls."""
    if not passed or change.base is None or change.cand is None:
        return False
    cand = change.cand.node
    stripped = _StripHanded(passed).visit(copy_tree(cand))
    return ast.unparse(stripped) == ast.unparse(change.base.node)


class _StripHanded(ast.NodeTransformer):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node.args = [a for a in node.args if not (isinstance(a, ast.Name) and a.id in self.names)]
        node.keywords = [k for k in node.keywords if not (isinstance(k.value, ast.Name) and k.value.id in self.names)]
        return node


def _opt_in(base_fn: FunctionInfo, cand_fn: FunctionInfo, expander: Expander, effects_b: list[Effect] | None,
            eb: list[Effect], ec: list[Effect], config: ConfigValues, bound: dict[str, ast.expr] | None = None,
            passed: frozenset[str] = frozenset(), cases: NewCases | None = None, index: PairIndex | None = None
            ) -> tuple[list[Effect], list[Effect], str, str, str]:
    """The differences left with the candidate's new opt-in options at their defaults (flow/optin.py:
    branches on them not taken, arguments they decide read as the callee's own default) and the
    branches only a new configuration key or selector value takes not taken (detectors/newcases.py),
    and why: (eb, ec, opt-in reason when nothing else differs, what was left out when something does,
    the title's note: `OPT_IN_TITLES` or "new case for value ..."). An option a configuration turns on
    (see `ConfigValues.verdict`) is not assumed off."""
    plain = OPT_IN_TITLES["off"]
    if effects_b is None or not (eb or ec):
        return eb, ec, "", "", plain
    options = new_options(base_fn, cand_fn)
    notes: list[str] = []
    for attr, option in list(options.items()):
        keep, note = config.verdict(option)
        if keep:
            del options[attr]
        else:
            notes.append(note)
    handed = used_in_arguments(cand_fn, options)
    used = {**used_in_tests(cand_fn, options), **handed}
    silent = frozenset(a for a in options if any(e.text.endswith(f":: store self.{a}") or f":: store self.{a} " in e.text
                                                 for e in ec))
    base_tests = {ast.unparse(n.test) for n in ast.walk(base_fn.node) if isinstance(n, ast.If)}
    new_tests = _new_case_tests(cand_fn, cases, base_tests)
    arms = unhandled_arms(base_fn.node, cand_fn.node)
    arm_tests = [n.test for n in ast.walk(cand_fn.node) if isinstance(n, ast.If) and ast.unparse(n.test) in arms]
    fields: dict[str, str] = {}  # new settings fields read in a decided test (flow/fieldswitch.py)
    asserted = asserted_arms(base_fn.node, cand_fn.node)
    assert_tests = [n.test for n in cand_fn.node.body if isinstance(n, ast.If) and ast.unparse(n.test) in asserted] \
        if isinstance(cand_fn.node, ast.FunctionDef | ast.AsyncFunctionDef) else []
    keyworded = index is not None and reads_field_keyword(cand_fn.node, index.base, index.cand)
    if not used and not silent and not new_tests and not arm_tests and not assert_tests and not keyworded and (
            index is None or not _field_tests_reached(cand_fn, expander, index)):
        return eb, ec, "", "", plain
    by_option = assumption(options, cand_fn.path, cand_fn.class_name) if options else None

    memo: dict[int, dict[str, tuple[str, object]]] = {}  # the functions' configuration reads (held alive by `fn`)

    def truth(test: ast.expr, fn: FunctionInfo) -> bool | None:
        decided = by_option(test, fn) if by_option is not None else None
        if decided is None and cases is not None and ast.unparse(test) not in base_tests:
            # a test the baseline has too is decided alike at both: not here
            decided = cases.truth(test, reads=_reads_of(fn, memo))
        if decided is None and index is not None:
            decided = _field_decided(test, index, fields)
        if decided is None and fn is cand_fn and assert_tests and ast.unparse(test) in asserted:
            return True  # the baseline asserted it: its runs take this arm
        return False if decided is None and fn is cand_fn and ast.unparse(test) in arms else decided

    arguments = _rewrites(options, cand_fn, expander, index if keyworded else None, fields)
    effects_c = expander.effects(cand_fn, assume=truth, silent=frozenset(options), bound=bound, passed=passed,
                                 unwrap=not (returned_containers(base_fn) & returned_containers(cand_fn)),
                                 arguments=arguments)
    if effects_c is None:
        return eb, ec, "", "", plain
    eb2, ec2 = differing(effects_b, effects_c)
    before = {s for e in (*eb, *ec) for s in e.stmts}
    if {s for e in (*eb2, *ec2) for s in e.stmts} >= before:
        return eb, ec, "", "", plain  # the options' branches explain none of the differing statements
    shown = [options[a] for a in sorted({*used, *silent})]
    parts = [f"the option(s) {describe(shown)} are new and their defaults keep the baseline's behaviour"
             + (" (an argument they decide is, at their defaults, the callee's own default)" if handed else "")
             + "; " + "; ".join(dict.fromkeys(notes))] if shown else []
    if fields:
        parts.append(f"the new settings field(s) {describe_fields(fields)} decide the branches they are tested in "
                     "(no configuration or code sets them)")
    if new_tests and cases is not None:
        read = all(ast.unparse(t) in cases.read_tests for t in new_tests)  # decided by configured values alone
        parts.append(f"the branch(es) {', '.join(f'`if {ast.unparse(t)}:`' for t in new_tests[:3])} run only for "
                     + ("values no configuration file gives: " if read else "what no run of the baseline selects: ")
                     + "; ".join(dict.fromkeys(cases.describe(t) for t in new_tests)))
    parts.extend(dict.fromkeys(arms[ast.unparse(t)] for t in arm_tests))
    parts.extend(dict.fromkeys(asserted[ast.unparse(t)] for t in assert_tests))
    why = "; ".join(parts)
    values = _values_of(new_tests, cases) if cases is not None and not shown else set()
    if not shown:
        values |= {v for t in arm_tests for v in (compared_values(t) or ([], False))[0]}
    kind = OPT_IN_TITLES["neutral" if handed else "off" if used else "stored"] if shown \
        else OPT_IN_TITLES["off"] if fields and not new_tests and not arm_tests else plain
    title = "new case for value " + ", ".join(f"'{v}'" for v in sorted(values)) if values and not any(
        membership_key(n) or get_key(n) for t in new_tests for n in ast.walk(t) if isinstance(n, ast.expr)) else kind
    if not eb2 and not ec2:
        return eb, ec, why, "", title
    return eb2, ec2, "", why, plain


def _rewrites(options: dict[str, Option], cand_fn: FunctionInfo, expander: Expander, index: PairIndex | None,
              fields: dict[str, str]) -> Callable[[ast.Call, FunctionInfo], ast.Call] | None:
    """How `_opt_in` reads calls: keyword arguments decided by the options at their defaults (flow/optin.py), then,
    with `index` (the function passes a new settings field as a keyword argument), those fields at their defaults
    (flow/fieldswitch.py `field_keywords`, recording them in `fields`)."""
    first = neutral_arguments(options, cand_fn.path, cand_fn.class_name, expander.resolver) if options else None
    if index is None:
        return first
    then = field_keywords(index.base, index.cand, fields)
    return then if first is None else (lambda call, fn: then(first(call, fn), fn))


def _field_decided(test: ast.expr, index: PairIndex, fields: dict[str, str]) -> bool | None:
    """The truth of a test on new settings fields at their defaults (flow/fieldswitch.py), recording in `fields` the
    fields it read; None when they do not decide it."""
    found = field_truth(test, index.base, index.cand)
    if found is None:
        return None
    fields.update(found[1])
    return found[0]


_FIELD_DEPTH = 2  # calls followed from the analysed function to a test on a new settings field


def _field_tests_reached(fn: FunctionInfo, expander: Expander, index: PairIndex, depth: int = 0,
                         seen: set[int] | None = None) -> bool:
    """Whether `fn`, or a project function it calls (up to `_FIELD_DEPTH` calls deep), tests a new settings field
    that its default decides (flow/fieldswitch.py): only then is the function expanded once more with them."""
    seen = seen if seen is not None else set()
    if id(fn.node) in seen:
        return False
    seen.add(id(fn.node))
    calls: list[ast.Call] = []
    for n in ast.walk(fn.node):
        if isinstance(n, ast.If | ast.IfExp | ast.While) and field_truth(n.test, index.base, index.cand) is not None:
            return True
        if isinstance(n, ast.Call):
            calls.append(n)
    if depth >= _FIELD_DEPTH:
        return False
    for call in calls:
        callee = expander.resolver.resolve(call, fn)
        if callee is not None and _field_tests_reached(callee, expander, index, depth + 1, seen):
            return True
    return False


def _new_case_tests(fn: FunctionInfo, cases: NewCases | None, base_tests: set[str]) -> list[ast.expr]:
    """The branch tests new to `fn` (not in `base_tests`) that only a new configuration key or selector
    value satisfies."""
    if cases is None:
        return []
    reads = _reads_of(fn)
    return [n.test for n in ast.walk(fn.node) if isinstance(n, ast.If) and ast.unparse(n.test) not in base_tests
            and cases.truth(n.test, reads=reads) is not None]


def _reads_of(fn: FunctionInfo, memo: dict[int, dict[str, tuple[str, object]]] | None = None
              ) -> dict[str, tuple[str, object]]:
    """The locals of `fn` bound once from a configuration read (detectors/newcases.py `config_reads`): a branch on
    one of them is decided by every value the configuration gives the key."""
    if memo is None:
        return config_reads(fn.node)
    if id(fn.node) not in memo:
        memo[id(fn.node)] = config_reads(fn.node)
    return memo[id(fn.node)]


def _values_of(tests: list[ast.expr], cases: NewCases) -> set[str]:
    """The new selector values the tests compare with."""
    out: set[str] = set()
    for t in tests:
        for node in ast.walk(t):
            found = compared_values(node) if isinstance(node, ast.expr) else None
            out.update(v for v in (found[0] if found else []) if v in cases.values)
    return out


def _at_defaults(base_fn: FunctionInfo, cand_fn: FunctionInfo, expander: Expander, effects_b: list[Effect] | None,
                 eb: list[Effect], ec: list[Effect], index: PairIndex, config: ConfigValues, handed: _Handed | None,
                 bound: dict[str, ast.expr], passed: frozenset[str], cases: NewCases | None
                 ) -> tuple[list[Effect], list[Effect], str, str, str]:
    """The differences left with new options, new configuration keys or values and configuration reads
    at their defaults: (eb, ec, why nothing is left, what was left out, the title's note) (`_opt_in`,
    then `_at_callee_defaults`)."""
    eb, ec, opt_in, partly, note = _opt_in(base_fn, cand_fn, expander, effects_b, eb, ec, config, bound, passed, cases,
                                           index)
    if not (eb or ec) or effects_b is None or opt_in:
        return eb, ec, opt_in, partly, note
    eb, ec, why, full = _at_callee_defaults(base_fn, cand_fn, expander, effects_b, eb, ec, index, config, handed,
                                            bound, passed)
    if full:
        return eb, ec, why, partly, OPT_IN_TITLES["neutral"]
    kept = _at_new_parameter_defaults(base_fn, cand_fn, expander, effects_b, bound, passed, index.base) \
        or _at_identity_hooks(base_fn, cand_fn, expander, effects_b, bound, passed)
    if kept:
        return [], [], kept, partly, OPT_IN_TITLES["neutral"]
    return eb, ec, opt_in, "; ".join(x for x in (partly, why) if x), note


def _new_flag_parameters(base_fn: FunctionInfo, cand_fn: FunctionInfo, side: Any = None) -> dict[str, object]:
    """Parameters the candidate's function gained with a literal default, never reassigned in it (or only
    in the one branch that tests it, when no code of the commit passes another value: `neutral_option`):
    name -> that default."""
    def params(fn: FunctionInfo) -> dict[str, ast.expr | None]:
        node = fn.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return {}
        return {p.arg: d for p, d in parameter_defaults(node)}

    old, new = params(base_fn), params(cand_fn)
    stored = {n.id for n in ast.walk(cand_fn.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return {name: d.value for name, d in new.items()
            if name not in old and isinstance(d, ast.Constant)
            and (name not in stored or side is not None and _set_in_its_branch(cand_fn.node, name)
                 and neutral_option(side, cand_fn, name, d))}


def _set_in_its_branch(node: ast.AST, name: str) -> bool:
    """Whether the parameter is tested by exactly one `if`, and assigned only inside that `if`: jaxrl's
    `if grads is None: grads, aux = grad_fn(self.params)` (the test runs before any store)."""
    tests = [n for n in ast.walk(node) if isinstance(n, ast.If | ast.IfExp | ast.While)
             and any(isinstance(x, ast.Name) and x.id == name for x in ast.walk(n.test))]
    if len(tests) != 1 or not isinstance(tests[0], ast.If):
        return False
    inside = {id(x) for x in ast.walk(tests[0])}
    return all(id(x) in inside for x in ast.walk(node)
               if isinstance(x, ast.Name) and x.id == name and isinstance(x.ctx, ast.Store))


def _at_new_parameter_defaults(base_fn: FunctionInfo, cand_fn: FunctionInfo, expander: Expander,
                               effects_b: list[Effect], bound: dict[str, ast.expr], passed: frozenset[str],
                               base_side: Any = None) -> str:
    """Why nothing differs once the branches on parameters the function gained take their defaults (`if
    normalize_advantage:` around the baseline's unchanged normalisation, `normalize_advantage: bool = True`):
    every caller the baseline had calls it without the argument; a caller that passes another value is new
    code, compared at that caller. Real shape (rsl_rl): `RolloutStorage.compute_returns` gained that
    parameter, its new caller passes `not normalize_advantage_per_mini_batch`, False by default. '' when
    something still differs, or no such test."""
    # a closure reads its enclosing functions' new options too (brax's `train.minibatch_step`), and a new
    # option read as a value is its default there (a lifted constant; flow/liftedopt.py)
    side = expander.resolver.side
    options = {**enclosing_new_options(base_fn, cand_fn, side),
               **{k: v for k, v in _new_literal_parameters(base_fn, cand_fn).items()
                  if neutral_option(side, cand_fn, k, v)}}
    flags = {**{k: v.value for k, v in options.items() if isinstance(v, ast.Constant)},
             **_new_flag_parameters(base_fn, cand_fn, side)}
    # a local read out of `**kwargs` by a key no baseline code passes (CleanDiffuser's `weighted_regression_tensor =
    # kwargs.get(..., None)`, flow/kwargsopt.py)
    keyed = key_options(base_fn.node, cand_fn.node, base_side) if base_side is not None else {}
    flags = {**keyed, **flags}
    if not flags and not options:
        return ""

    def truth(test: ast.expr, fn: FunctionInfo) -> bool | None:
        # `p`, `not p`, and (dopamine's `preprocess_fn=None`) `p is None` / `p is not None` / `p == <literal>`
        return default_truth(test, flags) if fn is cand_fn else None

    tests = [n.test for n in ast.walk(cand_fn.node) if isinstance(n, ast.If) and default_truth(n.test, flags) is not None]
    used = sorted({n.id for t in tests for n in ast.walk(t) if isinstance(n, ast.Name) and n.id in flags}
                  | value_reads(cand_fn, set(options)))
    if not used:
        return ""
    bound = {**{n: options[n] for n in used if n in options and n not in bound}, **bound}
    # a new identity hook's own store is no effect: its calls are compared as the identity (flow/identityopt.py)
    hooks = frozenset(identity_hooks(base_fn, cand_fn, expander.resolver.resolve, expander.resolver.side)) \
        if cand_fn.name == "__init__" else frozenset()
    effects_c = expander.effects(cand_fn, assume=truth, bound=bound, passed=passed, silent=hooks,
                                 unwrap=not (returned_containers(base_fn) & returned_containers(cand_fn)),
                                 arguments=default_arguments(expander.resolver.resolve, options) if options else None)
    # an `assert` beside the option checks it, computes nothing (as in the first comparison, `_differences`)
    if effects_c is None or any(_without_log_calls(e) for e in _without_assertions(*differing(effects_b, effects_c))):
        return ""
    return ("new option(s) " + ", ".join(f"`{n}`" + (f" (default `{ast.unparse(options[n])}`)" if n in options else
                                                      f" (read out of `**kwargs`, default `{keyed[n]!r}`; no code of "
                                                      "the baseline passes the key)" if n in keyed else "")
                                         for n in used)
            + ": the parameter(s) the function (or the function enclosing it) gained take their defaults for "
            "every call that does not pass them, which is every call the baseline made, and the defaults reproduce "
            "the baseline's computation (a constant lifted into a parameter, a branch not taken, an argument equal "
            "to the callee's own default); a caller that passes another value is compared at that caller")


def _new_literal_parameters(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> dict[str, ast.expr]:
    """Parameters the candidate's function gained with a literal default (`min_learning_rate: float = 1e-5`),
    never reassigned in it: name -> the default expression."""
    node, old = cand_fn.node, base_fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or \
            not isinstance(old, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    before = {p.arg for p, _ in parameter_defaults(old)}
    stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return {p.arg: d for p, d in parameter_defaults(node)
            if d is not None and p.arg not in before and p.arg not in stored and literal_default(d)}


_LOG_EFFECT = re.compile(r" :: call ([\w.]+)\(")


def _without_log_calls(effects: list[Effect]) -> list[Effect]:
    """The effects less bare calls to a logger or `print` (dopamine's new `logging.info('\t preprocess_fn: %s',
    preprocess_fn)` beside the option it logs): a log line is no value training reads."""
    out = []
    for e in effects:
        found = _LOG_EFFECT.search(e.text)
        callee = found.group(1) if found else ""
        receiver, _, method = callee.rpartition(".")
        if found and LOG_SINK_CALL.match(method) and (not receiver and method in ("print", "pprint")
                                                       or receiver and LOG_SINK_RECEIVER.search(receiver)):
            continue
        out.append(e)
    return out


def _at_identity_hooks(base_fn: FunctionInfo, cand_fn: FunctionInfo, expander: Expander, effects_b: list[Effect],
                       bound: dict[str, ast.expr], passed: frozenset[str]) -> str:
    """Why nothing differs once the class's new hooks that default to the identity function are read as it
    (flow/identityopt.py); '' when something still differs, or the class has no such hook."""
    hooks = identity_hooks(base_fn, cand_fn, expander.resolver.resolve, expander.resolver.side)
    code = ast.unparse(cand_fn.node) if hooks else ""
    used = sorted(h for h in hooks if f"self.{h}(" in code)
    if not used:
        return ""
    effects_c = expander.effects(cand_fn, bound=bound, passed=passed, arguments=identity_calls(hooks, cand_fn),
                                 unwrap=not (returned_containers(base_fn) & returned_containers(cand_fn)))
    if effects_c is None or any(differing(effects_b, effects_c)):
        return ""
    return ("the hook(s) " + ", ".join(f"`self.{h}` (default `{ast.unparse(hooks[h])}`)" for h in used)
            + " are new and default to a function that returns its argument: every run that does not pass them, "
            "every run the baseline could make, computes the baseline's values")


def _at_callee_defaults(base_fn: FunctionInfo, cand_fn: FunctionInfo, expander: Expander, effects_b: list[Effect], eb: list[Effect],
                        ec: list[Effect], index: PairIndex, config: ConfigValues, handed: _Handed | None,
                        bound: dict[str, ast.expr] | None, passed: frozenset[str]
                        ) -> tuple[list[Effect], list[Effect], str, bool]:
    """The differences left when each configuration read handed to a callee whose parameter default
    is the read's code default is left out (detectors/codedefault.py `callee_default_arguments`):
    (eb, ec, why, whether nothing differs any more). Real shape (CORL's CQL `train`):
    `FullyConnectedQFunction(state_dim, action_dim, config.orthogonal_init, config.q_n_hidden_layers)`
    with `q_n_hidden_layers: int = 3` and a new parameter `n_hidden_layers: int = 3`. A key that a
    configuration sets to another value keeps the argument."""
    side = codedefault.TreeSide(index.cand.tree, config.candidate, config.where)
    said: dict[tuple[str, str], tuple[bool, str]] = {}

    def judge(key: str, default: str) -> bool:
        if (key, default) not in said:
            said[(key, default)] = codedefault.configured(side, key, default, cand_fn.path)
        return said[(key, default)][0]

    resolve = handed.resolve if handed is not None and handed.flow is not None else expander.resolver.resolve
    rewrite = codedefault.callee_default_arguments(resolve, default_of, judge)
    effects_c = expander.effects(cand_fn, bound=bound, passed=passed, arguments=rewrite,
                                 unwrap=not (returned_containers(base_fn) & returned_containers(cand_fn)))
    used = [text for neutral, text in said.values() if neutral]
    if effects_c is None or not used:
        return eb, ec, "", False
    eb2, ec2 = differing(effects_b, effects_c)
    before = {s for e in (*eb, *ec) for s in e.stmts}
    if {s for e in (*eb2, *ec2) for s in e.stmts} >= before:
        return eb, ec, "", False
    why = ("configuration reads handed to callees whose parameter defaults are their code defaults (at the code "
           "default the callee receives its own default): " + "; ".join(dict.fromkeys(used)))
    if not eb2 and not ec2:
        return eb, ec, why, True
    return eb2, ec2, why, False


def _without_realigned_return(eb: list[Effect], ec: list[Effect], cand_fn: FunctionInfo, flow: LearningFlow
                              ) -> tuple[list[Effect], list[Effect]]:
    """The differing effects less the returned tuple when the candidate's is the baseline's with elements
    inserted (each baseline element the same value, in the same order) and every caller found at the
    candidate unpacks it into as many names: each old value reaches the name it reached, and what the
    callers do with the new elements is compared in their own code. Real shape (PufferLib 9aa817f7..d4d17e69):
    `load_config` returned `(pkg_name, config, env_module, make_env, make_policy)` and now returns
    `(wandb_name, pkg_name, ...)` to `wandb_name, pkg, args, env_module, make_env, make_policy =
    load_config(parser)` ("Behavioural change in the optimizer path"). `_return_extended` is the case where
    the return is the only differing effect and the baseline's value is the first element."""
    rb = [e for e in eb if e.text.startswith("return (")]
    rc = [e for e in ec if e.text.startswith("return (")]
    if len(rb) != 1 or len(rc) != 1:
        return eb, ec
    old, new = _tuple_elements(rb[0].text[len("return "):]), _tuple_elements(rc[0].text[len("return "):])
    if old is None or new is None or len(new) <= len(old) or not _subsequence(old, new):
        return eb, ec
    callers = flow.callers(cand_fn)
    if not callers or not all(isinstance(u.node, ast.Assign) and len(u.node.targets) == 1
                              and isinstance(u.node.targets[0], ast.Tuple) and len(u.node.targets[0].elts) == len(new)
                              and not any(isinstance(t, ast.Starred) for t in u.node.targets[0].elts) for u in callers):
        return eb, ec
    return [e for e in eb if e is not rb[0]], [e for e in ec if e is not rc[0]]


def _tuple_elements(text: str) -> list[str] | None:
    """The top-level elements of a parenthesised tuple's text (effect texts hold digest names such as
    `value@81b3`, which no parser reads); None when the text is not one tuple."""
    if not (text.startswith("(") and text.endswith(")")):
        return None
    out: list[str] = []
    depth, quote, start = 0, "", 1
    for k, ch in enumerate(text):
        if quote:
            if ch == quote and text[k - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and k != len(text) - 1:
                return None  # `(a)(b)`: not one tuple
        elif ch == "," and depth == 1:
            out.append(text[start:k].strip())
            start = k + 1
    last = text[start:-1].strip()
    if last:
        out.append(last)
    return out if len(out) > 1 else None


def _subsequence(old: list[str], new: list[str]) -> bool:
    it = iter(new)
    return all(any(o == n for n in it) for o in old)


def _return_extended(eb: list[Effect], ec: list[Effect], cand_fn: FunctionInfo, flow: LearningFlow) -> bool:
    """The only effect that differs is the returned value, which gained elements after the baseline's
    value (`return loss` -> `return loss, conservative_loss`), and every caller found at the candidate
    unpacks the tuple (`loss, extra = self.compute_loss(...)`): the first element is the same value.
    Real shape: d3rlpy 2.0's discrete CQL returns its conservative term for logging. A caller that
    keeps the whole tuple (`loss = f(...)`) gets another value: not this rule."""
    if len(eb) != 1 or len(ec) != 1:
        return False
    b, c = eb[0].text, ec[0].text
    if not b.startswith("return ") or not c.startswith(f"return ({b[len('return '):]}, "):
        return False
    callers = flow.callers(cand_fn)
    return bool(callers) and all(isinstance(u.node, ast.Assign) and len(u.node.targets) == 1
                                 and isinstance(u.node.targets[0], ast.Tuple) for u in callers)


def _formed_target(unit: Unit, label: str | None) -> str | None:
    """"target" for a statement whose own content is a TD target (`r + gamma * (1 - done) * next_v`,
    `flow/ownsignal.td_target_form`) where the followed flow names a place after the target (sampling,
    environment, architecture): what the statement computes is the target, wherever its value is seen to go
    next. Real shape (DeepRL `RainbowAgent.step`, held-out 4, used): `atoms_next = rewards + discount ** n_step *
    (1 - terminals) * atoms` -> `discount * ...` went on through the in-place C51 projection the flow does not
    follow and was placed by the loop's `self.replay.sample()` (the sampling path), tied with a removed
    `config.n_step = 3` of the range and ranked fourth. Places before the target (the loss) are kept."""
    if label is None or label not in PATHS or PATHS.index(label) <= PATHS.index("target"):
        return label
    return "target" if signal_label(unit) == "target" else label


def _gated_or_own(change: UnitChange, unit: Unit, placement: Placement, flow: LearningFlow, own: str | None
                  ) -> Placed | None:
    """A polling wait added or removed, placed where what it holds back acts (flow/waitgate.py); a minibatch loop's
    count whose training call the flow cannot follow (flow/mbloop.py); else a statement with its own place
    (`_own_placed`); else None."""
    waited = wait_place(unit, flow) if placement.sink is None else None
    if waited is not None:
        return Placed(change, unit, waited[0], waited[0].sink, "gated", byname=waited[1])
    minibatch = minibatch_count(change.base, change.cand, flow) if placement.sink is None else None
    if minibatch is not None:
        return Placed(change, unit, placement, "sampling", "minibatch", byname=minibatch)
    return _own_placed(change, unit, placement, flow, own) if own else None


def _own_placed(change: UnitChange, unit: Unit, placement: Placement, flow: LearningFlow, own: str) -> Placed:
    """A statement whose own content names its place, where the flow stopped: an instance's call (dispatched), a
    registered reward function (flow/registered.py), or unfollowed."""
    if called_instance(unit, placement, flow):
        return Placed(change, unit, placement, own, "dispatched")
    registered = registered_reward(placement, flow, own)
    if registered is None and (keyed := keyed_place(placement, flow, OUT_OF_SCOPE)) is not None:
        return Placed(change, unit, placement, own, "keyed", byname=keyed.text())
    return Placed(change, unit, placement, own, "registered" if registered else "unfollowed", registered=registered)


def _called_from_outside(change: UnitChange, unit: Unit, placement: Placement, flow: LearningFlow) -> Placed | None:
    """The value is returned by a function that code outside the repository calls for training: a library's public
    learning-signal API (flow/libapi.py), or a reward function registered with a framework (flow/registered.py)."""
    api = api_reached(placement, flow)
    if api is not None:
        return Placed(change, unit, placement, api[0], "api", api[1].qualname)
    registered = registered_reward(placement, flow)
    if registered is not None:
        return Placed(change, unit, placement, "reward", "registered", registered=registered)
    keyed = keyed_place(placement, flow, OUT_OF_SCOPE)
    if keyed is not None:
        return Placed(change, unit, placement, placement.built_place or keyed.placement.sink, "keyed",
                      byname=keyed.text())
    return None


def _classify(change: UnitChange, unit: Unit, placement: Placement, flow: LearningFlow) -> Placed:
    # a statement that differs only in a `device=` argument changes where a tensor lives (flow/wiring.py)
    own = "device" if device_only(change) or _added_move(change) else unit.own if unit.own in PATHS else None
    if flow.export_only(unit.fn):
        return Placed(change, unit, placement, None, "export")
    arch = flow.in_model_class(unit.fn)
    if placement.on_flow:
        # a network's computation whose value the flow followed out of the network to a sink (`return
        # td_sum` of `compute_error`, read by the algorithm's `loss.backward()`) acts on that sink's path.
        # The network's definition (`__init__`: layers, sizes, modes) stays architecture: the flow from a
        # layer to a sink goes through whichever method calls it, over-approximated (rsl_rl's teacher MLP
        # read as "the environment path" through the student's `act`)
        left = arch and unit.fn.name != "__init__" and bool(placement.chain) \
            and not flow.in_model_class(placement.chain[-1].fn)
        label = own or (None if left else "architecture" if arch else None) or (
            "schedule" if loop_count(placement.chain) else placement.sink)
        return Placed(change, unit, placement, _formed_target(unit, label), "on")
    if replaces_raise(change):
        # the branch used to fail and now runs: where its result goes next is not what changed (flow/falsequiet.py)
        return Placed(change, unit, placement, placement.built_place or _trained_class_place(unit, flow), "unfollowed",
                      unraised=True)
    if placement.sink in ("logging", "evaluation") and placement.returned_by:
        # logged (or scored by a function named like evaluation) on the way, and returned to a caller the tree does
        # not show (a plugin entry loaded by a path, a rollout handing its reward to the trainer): not "logging
        # only" nor "evaluation only" (flow/graph.py `_handed_up`)
        return Placed(change, unit, placement, placement.built_place,
                      "unfollowed" if placement.built_place else "off")
    if placement.sink in ("logging", "evaluation"):
        return Placed(change, unit, placement, None, placement.sink)
    if arch and _unread_attribute_store(change, flow):
        return Placed(change, unit, placement, None, "off")
    if arch:
        return Placed(change, unit, placement, own or "architecture", "on")
    gated_or_own = _gated_or_own(change, unit, placement, flow, own)
    if gated_or_own is not None:
        return gated_or_own
    outside = _called_from_outside(change, unit, placement, flow)
    if outside is not None:
        return outside
    if placement.built_place:
        # the flow stopped, but on its way the value builds the learning signal (flow/ownsignal.py): never silent
        return Placed(change, unit, placement, placement.built_place, "unfollowed")
    library = library_end(change, flow) if change.base is not None and change.cand is not None else ""
    if library:
        # a keyword whose value ends in library code: unverifiable here, not no effect (flow/libkw.py)
        return Placed(change, unit, placement, _trained_class_place(unit, flow), "unfollowed", library=library)
    role = role_default(unit, change.base is not None and change.base.default, flow) if _default_changed(change) else None
    if role is not None:
        # a hyperparameter's default the flow could not follow, that some call takes: never "no effect"
        return Placed(change, unit, placement, role.place, "unfollowed", role=role)
    byname = _by_name_place(placement, flow)
    if byname is not None:
        return Placed(change, unit, placement, byname[0], "unfollowed", byname=byname[1])
    network = reconfigured_network(change.base.node, change.cand.node, change.base.fn.module, change.cand.fn.module) \
        if change.base is not None and change.cand is not None and placement.sink is None else None
    if network:
        # a project network built with other arguments where the flow lost the object (a registry of
        # constructors read by name, flow/netctor.py `reconfigured_network`): its architecture changed
        stops = "; ".join(placement.stops) or "no statement of the repository uses the built object"
        return Placed(change, unit, placement, "architecture", "unfollowed", byname=(
            f"It constructs the project network `{network}` with other arguments: what that network computes "
            f"changes wherever this is built from; the flow could not follow the built object to training "
            f"({stops})."))
    return Placed(change, unit, placement, None, "off")


def _by_name_place(placement: Placement, flow: LearningFlow) -> tuple[str, str] | None:
    """The place and words for a change whose flow stopped at a method called on an object of unknown class
    (dynamic dispatch) while the repository defines that method by name and its body, followed, reaches a
    training sink (flow/falsequiet.py): the stop does not show the value goes nowhere. Real shape: AReaL
    19fec3bd..4aef98d8 areal/trainer/rl_trainer.py `sm.on_version_recovered(...)`."""
    for name in dispatched_names(placement.stops):
        defs = [f for f in flow.side.find_defs(name) if not OUT_OF_SCOPE.search(f.path)]
        if not defs or len(defs) > MAX_BY_NAME:
            continue
        start = [u for f in defs for u in flow.units(f)]
        if not start:
            continue
        there = flow.place(start)
        if there.on_flow and there.sink in PATHS:
            where = ", ".join(f"`{f.qualname}` ({f.path}:{f.lineno})" for f in defs)
            return str(there.sink), (f"Its value goes into `{name}(...)`, called on an object whose class the code "
                                     f"does not show; the repository's method of that name, {where}, reaches the "
                                     f"{there.sink} sink: {there.describe()}.")
    return None


def _trained_class_place(unit: Unit, flow: LearningFlow) -> str:
    """The place of a library-facing edit in `unit`'s class: the optimizer where the class builds an optimizer
    or a loss (the library trains it: what it reads of the object sets how), else its architecture."""
    fn = unit.fn
    if fn.class_name:
        for other in fn.module.functions.values():
            if other.class_name == fn.class_name and any(u.own in ("optimizer", "loss") for u in flow.units(other)):
                return "optimizer"
    return "architecture"


# calls whose value is a plain value (not a registered layer, parameter or buffer of a network)
_PLAIN_VALUE_CALLS = frozenset({"int", "float", "bool", "str", "tuple", "list", "dict", "set", "len", "max", "min"})


def _unread_attribute_store(change: UnitChange, flow: LearningFlow) -> bool:
    """`self.<attr> = <plain value>` added, removed or re-valued in a network class where no file of the
    commit reads `<attr>`: a store nobody reads (stable-baselines3-contrib removed `self.step = 0` from
    `BatchRenorm.__init__`, whose counter is `self.steps`; read as an architecture change). A layer,
    parameter or tensor built by a call registers with the network even unread (its parameters, its state
    dict): not this rule. Both sides, where both exist, store the same attribute."""
    stored = {_plain_store(u.node) for u in (change.base, change.cand) if u is not None}
    if len(stored) != 1:
        return False
    attr = stored.pop()
    return attr is not None and not flow.attribute_read(attr)


def _plain_store(node: ast.stmt) -> str | None:
    """The attribute of `self.<attr> = <value>` whose value calls nothing but builtins of plain values."""
    if not (isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None):
        return None
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if len(targets) != 1 or not (isinstance(targets[0], ast.Attribute) and isinstance(targets[0].value, ast.Name)
                                 and targets[0].value.id == "self"):
        return None
    if any(isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in _PLAIN_VALUE_CALLS)
           for n in ast.walk(node.value)):
        return None
    return targets[0].attr


def loop_count(chain: list[Unit]) -> bool:
    """The value reaches its sink only by setting how many times a loop runs: the first loop header on
    the way is a counted loop (`for epoch in trange(config.num_epochs)`, `for _ in range(n)`, `while
    step < total_steps`) that the value enters through its count, and nothing before it is a sink.
    Such a change is a training-length / schedule change (CORL SAC-N `num_epochs` 250 -> 3000 was "the
    sampling path", named after the replay-buffer sample inside the epoch loop)."""
    for k, u in enumerate(chain[:-1]):
        if u.sink is not None:
            return False
        node = u.node
        if isinstance(node, ast.For | ast.AsyncFor):
            counted = _counted(node.iter)
            return counted is not None and k > 0 and bool(_leaves(chain[k - 1].defs) & _names(counted)) \
                and _index_selects_nothing(node)
        if isinstance(node, ast.While):
            return k > 0 and isinstance(node.test, ast.Compare) and bool(_leaves(chain[k - 1].defs) & _names(node.test))
    return False


def _index_selects_nothing(loop: ast.For | ast.AsyncFor) -> bool:
    """The loop counts repetitions: its index (or a value computed from it, one assignment deep) never
    selects data by subscript (`self.actor[agent_id]`, `idx[i * mb:(i + 1) * mb]`); reading it in a
    test or a log line (`if epoch % eval_every == 0: wandb.log({"epoch": epoch})`) is fine. A loop
    whose index selects data iterates over things (agents, minibatches), not over training time."""
    names = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    for _ in range(2):  # `start = i * mb` then `x[start:stop]`
        for node in ast.walk(loop):
            if isinstance(node, ast.Assign) and any(isinstance(n, ast.Name) and n.id in names
                                                    for n in ast.walk(node.value)):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return not any(isinstance(n, ast.Name) and n.id in names
                   for sub in ast.walk(loop) if isinstance(sub, ast.Subscript) for n in ast.walk(sub.slice))


def _counted(iterable: ast.expr) -> ast.expr | None:
    """The count expression of `range(n)`, `trange(n)`, `tqdm(range(n))` (the call's arguments), else None."""
    if not isinstance(iterable, ast.Call):
        return None
    func = iterable.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name.endswith("range") and iterable.args:
        return ast.Tuple(list(iterable.args), ast.Load())
    if name == "tqdm" and iterable.args:
        return _counted(iterable.args[0])
    return None


def _names(node: ast.AST) -> set[str]:
    """The names and attribute names `node` reads (`config.num_epochs` reads `config` and `num_epochs`)."""
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node) if isinstance(n, ast.Name | ast.Attribute)}


def _leaves(defs: frozenset[str]) -> set[str]:
    """What a unit defines, by last name (`self.num_epochs` -> `num_epochs`: a field read as `config.num_epochs`)."""
    return {d.rsplit(".", 1)[-1] for d in defs}


def called_instance(unit: Unit, placement: Placement, flow: LearningFlow) -> bool:
    """The flow reached the `return` of a `__call__` whose class the project uses: it runs when an
    instance is called (`slicer(episode, end)`), dynamic dispatch the flow cannot follow to its call
    site (real shape: d3rlpy's trajectory slicer computing returns-to-go). A value its own content
    places on the learning signal is then as much on the flow as a network's `forward`."""
    fn = unit.fn
    if fn.name != "__call__" or not fn.class_name:
        return False
    if f"no caller of `{fn.qualname}` found in the {flow.side.side} tree" not in placement.stops:
        return False  # the flow stopped elsewhere (an extension, an unresolved call): still unfollowed
    cls = fn.class_name.rsplit(".", 1)[-1]
    return any(not OUT_OF_SCOPE.search(path) for path, _ in flow.side.mentions(cls))


def _is_default(change: UnitChange) -> bool:
    return any(u is not None and u.default for u in (change.base, change.cand))


def _default_changed(change: UnitChange) -> bool:
    """The same parameter's default value changed (`alpha=2.5` -> `alpha=0.25`): callers that do not
    pass it get another value. A default added or removed changes no existing call."""
    b, c = change.base, change.cand
    return b is not None and c is not None and b.default and c.default and b.defs == c.defs


def _explained(change: UnitChange, explained: Explained,
               owned: dict[tuple[str, str], set[int]] | None = None) -> bool:
    return any(unit is not None and explained.covers(side, unit.fn.path, unit.line, unit.end_line,
                                                     (owned or {}).get((side, unit.fn.path), set())
                                                     - set(range(unit.line, unit.end_line + 1)))
               for unit, side in ((change.base, "baseline"), (change.cand, "candidate")))


def _owned_lines(changes: list[UnitChange]) -> dict[tuple[str, str], set[int]]:
    """(side, path) -> the lines of the changed statements of one pair (`Explained.covers`' `others`)."""
    out: dict[tuple[str, str], set[int]] = {}
    for c in changes:
        for unit, side in ((c.base, "baseline"), (c.cand, "candidate")):
            if unit is not None:
                out.setdefault((side, unit.fn.path), set()).update(range(unit.line, unit.end_line + 1))
    return out


def _flow_text(best: Placed, label: str) -> str:
    """Where the finding's best statement sits on the learning-signal flow, in words."""
    place = best.placement.describe()
    if best.verdict == "on" and best.placement.on_flow and label == "schedule":
        return (f"Its value sets how many times a training loop runs (a training-length or schedule change), "
                f"whose body reaches the {best.placement.sink} sink: {place}.")
    elif best.verdict == "on" and best.placement.on_flow and label == "target" != best.placement.sink \
            and best.unit.own != "target" and signal_label(best.unit) == "target":
        return (f"Its own content is a TD target (a reward plus a discounted bootstrap term); its value is then "
                f"seen to reach the {best.placement.sink} sink: {place}.")
    elif best.verdict == "on" and best.placement.on_flow:
        return f"Its value reaches the {best.placement.sink} sink: {place}."
    elif best.verdict == "dispatched":
        return (f"Its own content places it in the {label} path and its value is returned by "
                f"`{best.unit.fn.qualname}`, which runs when an instance is called (dynamic dispatch: the "
                f"call site is not shown).")
    elif best.verdict == "api":
        return (f"Its value is returned by `{best.api or best.unit.fn.qualname}`, a public {label} function that "
                f"nothing in this repository calls: its callers are the library's users, whose training it is part of.")
    elif best.verdict == "registered" and best.registered is not None:
        call, where = best.registered
        way = " -> ".join(f"`{u.text(70)}` ({u.fn.path}:{u.line})" for u in best.placement.built)
        what = f"Its value builds the reward a reward function returns ({way})" if way else \
            f"Its own content places it in the reward `{best.unit.fn.qualname}` returns"
        return (f"{what}; `{call}` ({where}) registers that function with the training framework, which calls it "
                "for the reward the policy is trained on (the framework's call is not in this repository).")
    elif best.verdict in ("keyed", "gated", "minibatch") and best.byname:
        return best.byname
    elif best.verdict == "on":
        return (f"It is part of the network `{best.unit.fn.class_name}`; the flow into the loss goes through "
                f"`nn.Module.__call__` (dynamic dispatch), which the code does not show.")
    if best.library:
        return (f"It edits {best.library}: what that code does with the value cannot be read here "
                f"(unverifiable, not no effect).")
    if best.verdict == "unfollowed" and best.role is not None:
        return best.role.text()
    if best.unraised:
        return (f"It replaces a `raise` of the baseline: that branch used to stop with an error and now runs "
                f"`{best.unit.text(90)}`, whose work could not be followed to training here.")
    if best.byname:
        return best.byname
    stops = "; ".join(best.placement.stops) or "no statement that uses its value was found"
    built = best.placement.built
    if built and best.unit.own != label:
        way = " -> ".join(f"`{u.text(70)}` ({u.fn.path}:{u.line})" for u in built)
        return (f"Its value builds the {label} computation ({way}), but the flow could not be followed further to "
                f"training: {stops}.")
    return f"Its own content places it in the {label} path, but the flow could not be followed to training: {stops}."


def _unfollowed_severity(best: Placed, on: list[Placed], followed: list[Placed], severity: Severity,
                         edit: tuple[str, str] | None, title: str, qualname: str
                         ) -> tuple[Severity, tuple[str, str] | None, str]:
    """A change the flow could not follow to training is low, unless its edit is a known slip in a value that
    builds the learning signal, or it re-values a default named for a learning role that some call takes
    (flow/roledefault.py: titled by its keys, old -> new; significant at most)."""
    if best.role is not None and best.verdict == "unfollowed":
        return severity, None, _role_title([p for p in on if p.role is not None], qualname, len(on))
    if not followed and not (edit and best.placement.built):
        return Severity.low, None, title
    return severity, edit, title


def _role_title(placed: list[Placed], qualname: str, n: int) -> str:
    """"Hyperparameter default(s) changed in `f`: `name` old -> new, ..." for the re-valued defaults named for a
    learning role (flow/roledefault.py); other changed statements of the function counted after them."""
    shown = []
    for p in placed[:3]:
        b, c = p.change.base, p.change.cand
        old = unparse(b.node.value, 30) if b is not None and isinstance(b.node, ast.Assign) else "?"
        new = unparse(c.node.value, 30) if c is not None and isinstance(c.node, ast.Assign) else "?"
        shown.append(f"`{p.role.name if p.role else '?'}` {old} -> {new}")
    more = n - len(shown)
    return (f"Hyperparameter default{'s' if len(placed) > 1 else ''} changed in `{qualname}`: " + ", ".join(shown)
            + (f" (+{more} more statement{'s' if more > 1 else ''})" if more > 0 else ""))


def _end_line(unit: Unit | None, loc: tuple[str, int] | None) -> int | None:
    """The last line of a statement (or a block's header) written over several lines: a call whose edited
    argument sits on a line below its first is inside the span the evidence shows; None for one line or a
    location that is not the unit's own."""
    if unit is None or loc is None or loc != (unit.fn.path, unit.line):
        return None
    return unit.end_line if unit.end_line > unit.line else None


def _hops(placed: Placed) -> int:
    """Statements a placed change's value travels to its sink (MAX_HOPS when not followed there)."""
    return min(len(placed.placement.chain), MAX_HOPS) if placed.verdict == "on" else MAX_HOPS


def _line_diff(base_fn: FunctionInfo | None, cand_fn: FunctionInfo | None) -> difflib.SequenceMatcher[str] | None:
    """The diff of the pair's code lines (blank and comment lines left out), None without two functions; computed
    once per finding for both small-change tiers (`_one_hunk`, `_local_edit`)."""
    if base_fn is None or cand_fn is None:
        return None
    return difflib.SequenceMatcher(None, _code_lines(base_fn), _code_lines(cand_fn), autojunk=False)


def _one_hunk(base_fn: FunctionInfo | None, cand_fn: FunctionInfo | None,
              matcher: difflib.SequenceMatcher[str] | None) -> bool:
    """The function's code (blank and comment lines left out) differs in one place: one hunk of a unified
    diff with git's three lines of context. A bug fix is typically one such edit of a few statements, while
    a refactor of the same size touches several places of the function. Real shapes (held-out 4, used):
    keras-rl `SequentialMemory.sample` (4 statements: window-aware index draws reverted to `0`/`1`) and
    TF-Agents `TFUniformReplayBuffer._get_next` (5 statements: batch offsets added after the modulo instead
    of before) ranked at 0.55 below one-statement refactors of other functions, fourth."""
    if matcher is None or base_fn is None or cand_fn is None or is_class_body(base_fn) or is_class_body(cand_fn):
        return False  # a configuration class's fields are settings of their own, one hunk or not (CORL `TrainConfig`)
    if len(list(matcher.get_grouped_opcodes(3))) != 1:
        return False
    return _local_edit(matcher)


def _local_edit(matcher: difflib.SequenceMatcher[str]) -> bool:
    """A local edit of an otherwise unchanged function, not a rewrite of a short one (skrl 2.0's `act` methods:
    23 of 24 lines new, one hunk): it touches no more lines than it leaves unchanged."""
    ops = matcher.get_opcodes()
    same = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    return max(sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag != "equal"),
               sum(j2 - j1 for tag, _, _, j1, j2 in ops if tag != "equal")) <= same


def _code_lines(fn: FunctionInfo) -> list[str]:
    lines = fn.module.lines[fn.lineno - 1:fn.end_lineno]
    return [t for t in (line.strip() for line in lines) if t and not t.startswith("#")]


MAX_STATEMENT_LOCATIONS = 12  # changed statements a function's finding points at beside its lead


def _statement_locations(on: list[Placed], lead: list[Location]) -> list[Location]:
    """Each changed statement of a function's finding as a location (the candidate line; a removed one's
    baseline line), beside the lead's: a finding that bundles changes at several places must let a reader
    find every one. Real shape (LightZero `train_muzero_with_gym_env`): a removed epsilon-greedy block
    (`collect_kwargs['epsilon'] = epsilon_greedy_fn(...)`) was merged into the function's finding led by an
    intervening loop-count edit 15 lines below, and appeared only as "(3 more)"."""
    seen: set[tuple[str, str, int | None]] = {(loc.side, loc.path, loc.line) for loc in lead}
    out: list[Location] = []
    for placed in on:
        side: Side = "candidate" if placed.change.cand else "baseline"
        unit = placed.change.cand or placed.change.base
        if unit is None or (side, unit.fn.path, unit.line) in seen or len(out) >= MAX_STATEMENT_LOCATIONS:
            continue
        seen.add((side, unit.fn.path, unit.line))
        out.append(Location(path=unit.fn.path, line=unit.line, side=side,
                            end_line=unit.end_line if unit.end_line > unit.line else None))
    return out


def _finding(report: PairReport, index: PairIndex, stored: Layout | None = None) -> Finding | None:
    pair = report.pair
    on = [p for p in report.placed if p.verdict in PLACED_VERDICTS and p.path]
    if not on:
        return None
    followed = [p for p in on if p.verdict in FOLLOWED_VERDICTS]
    chosen = followed or on
    # the closest place to the learning signal, then the fewest statements to its sink (the loss itself
    # before a count three assignments away from the same loss)
    best = min(chosen, key=lambda p: (PATHS.index(p.path or "architecture"), _hops(p)))
    label = best.path or "architecture"
    # a change the flow could not follow to training is low, unless its edit is a known slip (below)
    severity = Severity.significant if label not in LOW_PATHS and not report.opt_in else Severity.low
    way, fields = annotation_change([p.change for p in on])
    if way == "fix":
        severity = Severity.low  # toward the form the default already has: a likely fix
    launcher = orchestration_only(report.pair, index)
    severity = Severity.low if launcher else severity  # set-up code training never imports (flow/orchestration.py)
    wiring = _wiring_note([_wiring(p.change, pair, index) for p in on])
    rewrite = _known_rewrite(report, on, index, label)
    # where a value is made moved, not what it is (flow/wiring.py); a rewrite a rule reads (flow/gather.py, explicit.py)
    severity = Severity.low if wiring or rewrite else severity
    call_fixes = [report.fixed_calls.get(id(p.change)) for p in on]
    call_fixed = all(call_fixes)
    if call_fixed:
        severity = Severity.low  # the baseline's statement could not run: a likely fix
    n = len(on)
    # a one-hunk edit (recall7) or a small edit of a learning-signal place (rank6) is one change; every changed
    # statement of the function counts (a block rewritten around a few statements on the flow is a rewrite)
    lines = _line_diff(pair.base, pair.cand) if n > 3 else None  # top-level code (no function pair): no line diff
    small = (len(report.placed) <= SMALL_EDIT and label in SIGNAL_PLACES and _hunks(report.placed) <= SMALL_EDIT_HUNKS
             and (lines is None or _local_edit(lines)))  # a short function rewritten whole is a rewrite
    one_hunk = n <= SMALL_EDIT and _one_hunk(pair.base, pair.cand, lines)
    confidence = 0.7 if n <= 3 or one_hunk or small else 0.55 if n <= 10 else 0.4
    if pair.match in ("moved", "renamed"):
        confidence *= 0.85 + 0.15 * pair.similarity
    # a value that travels fewer statements to its sink acts more directly (breaks ties between places)
    hops = _hops(best)
    confidence = _place_confidence(confidence, label, hops)
    # lead with the statements in the best place (the loss before the optimizer...), then in order
    on = sorted(on, key=lambda p: (p is not best, PATHS.index(p.path or "architecture"), p.verdict != "on"))
    base_fn, cand_fn = pair.base, pair.cand
    assert base_fn is not None and cand_fn is not None
    change = best.change
    cand_loc = (change.cand.fn.path, change.cand.line) if change.cand else None
    base_loc = (change.base.fn.path, change.base.line) if change.base else None
    if cand_loc is None and base_loc is not None:
        cand_loc = counterpart(index, base_loc, "baseline", cand_fn, base_fn)
    if base_loc is None and cand_loc is not None:
        base_loc = counterpart(index, cand_loc, "candidate", base_fn, cand_fn)
    sided: tuple[tuple[Side, tuple[str, int] | None], ...] = (("baseline", base_loc), ("candidate", cand_loc))
    ends = {"baseline": _end_line(change.base, base_loc), "candidate": _end_line(change.cand, cand_loc)}
    locations = [Location(path=p, line=ln, side=s, end_line=ends[s]) for s, loc in sided if loc for p, ln in [loc]]
    # every changed statement in the evidence (the finding's own locations stay the lead's: guards, groups and
    # explained lines read those)
    shown = [*locations, *_statement_locations(on, locations)]
    where = pair.describe()
    statements = "; ".join(_change_text(p.change) for p in on[:3]) + (f"; ... ({n - 3} more)" if n > 3 else "")
    flow_text = _flow_text(best, label)
    others = sorted({p.path for p in on if p.path and p.path != label})
    restored = _restored(best)
    path_name = "training schedule (loop count)" if label == "schedule" else f"{label} path"
    where_in = f"checkpoint restore (then the {path_name})" if restored else f"the {path_name}"
    title = f"Behavioural change in {where_in}: `{(cand_fn.qualname)}`" + (f" ({n} statements)" if n > 1 else "")
    impact = (f"Changes what a run resumed from a checkpoint restores (`{restored}` is a loaded checkpoint); the "
              f"restored value then acts on the {label} path." if restored
              else "Changes how long training runs: how many times a training loop iterates." if label == "schedule"
              else f"Changes what the {label} computation receives or produces during training.")
    rationale = (f"No detector explains this change. {flow_text} Severity follows from that place on the "
                 f"learning-signal flow, not from a known bug pattern"
                 + (f"; other changed statements here act on the {', '.join(others)} path(s)" if others else "") + ".")
    title, confidence, rationale, known = _rebuilt(on, label, cand_fn.qualname, title, confidence, rationale)
    title, severity, rationale = _annotated(report, on, stored, label, cand_fn.qualname, title, severity, rationale,
                                            launcher, f"`{cand_fn.qualname}`" + (f" ({n} statements)" if n > 1 else ""))
    edit = None if known or severity is not Severity.significant else _known_edit(on, label)
    severity, edit, title = _unfollowed_severity(best, on, followed, severity, edit, title, cand_fn.qualname)
    if edit:
        known, confidence = True, _place_confidence(KNOWN_MEANING_CONFIDENCE, label, hops)
        title = f"{edit[0]} in the {path_name}: `{cand_fn.qualname}`" + (f" ({n} statements)" if n > 1 else "")
        rationale += f" The edit is a known one: {edit[1]} ({EDIT_MEANINGS[edit[0]]})."
        if not followed:
            rationale += (f" Significant although the flow stops: a known slip in a value that builds the {label} "
                          f"computation.")
    rationale += wiring
    if report.unreached:
        severity = Severity.low
        rationale += (f" Low, reachability unknown: {report.unreached}, but it is a public class of the package "
                      f"deriving from one the code uses: a variant its users construct, not dead code.")
    if all(_added_move(p.change) for p in on):
        rationale += (" Low: the new statements only move a value this function builds to a device: where it lives, not "
                      "what it computes (a module the baseline moved elsewhere, e.g. with its owner, or ran where it "
                      "was made).")
    title, rationale = (rewrite[0], rationale + f" Low: {rewrite[1]}.") if rewrite else (title, rationale)
    if call_fixed:
        title = f"Call now fits its callee's signature in the {label} path: `{cand_fn.qualname}`"
        rationale += f" Low: {call_fixes[0]}: a likely fix."
    if way == "fix":
        title = f"Field annotations now agree with their defaults in the {label} path: `{cand_fn.qualname}` ({fields})"
        rationale += (" Low: each changed annotation now coerces its default to the default's own type, which the "
                      "baseline's did not (a parser building the class from a config file turned the value into "
                      "another type there): a change toward the consistent form, a likely fix.")
    elif way == "break":
        # a known meaning, not only a place: the value a config parser builds is no longer the default's type
        confidence = KNOWN_MEANING_CONFIDENCE
        title = f"Field annotation coerces its default to another type in the {label} path: `{cand_fn.qualname}` ({fields})"
        rationale += (" Each changed annotation no longer agrees with its literal default's type (it did at the "
                      "baseline): a parser that builds the class from a config file or the command line (pyrallis, "
                      "pydantic, OmegaConf structured configs) converts the value to the annotated type, e.g. a "
                      "learning rate 3e-05 annotated `bool` becomes `True` (1.0).")
    fid = f"{SOURCE}:{(cand_loc or base_loc or (cand_fn.path, 0))[0]}:{(cand_loc or base_loc or ('', 0))[1]}"
    return Finding(
        id=fid,
        source=SOURCE,
        subsystem="checkpointing" if restored else SUBSYSTEM[label],
        severity=severity,
        confidence=confidence,
        title=title,
        impact=impact,
        rationale=rationale,
        locations=locations,
        evidence=[Evidence(
            kind=EvidenceKind.code,
            summary=statements,
            locations=shown,
            hunk=hunk_text(index, base_loc, cand_loc, base_fn, cand_fn),
            details={"path": label, "function": where, "match": pair.match, "flow": best.placement.describe(),
                     "sink": best.placement.sink, "stops": best.placement.stops,
                     "built": not followed and bool(best.placement.built),
                     "statements": [_change_text(p.change) for p in on[:10]],
                     "places": sorted({p.path for p in on if p.path}),
                     "known": known or way == "break",  # a rule knows what it does: ranked before anonymous ones
                     "edit": edit_signature([p.change for p in on]),
                     **_removed_lines(on)},
        )],
        fix="Check that this change is intended; if not, restore the baseline statement(s) (patch attached).",
        patch=restore_patch(index, base_fn, cand_fn),
    )


MAX_OVERRIDES = 20  # removed overrides placed per range (each is one flow search)


def _override_findings(index: PairIndex, flows: dict[str, LearningFlow], explained: Explained,
                       result: AnalyzerResult) -> list[Finding]:
    """A method override removed from a class that stays (flow/overrides.py), placed where the removed
    method's value went at the baseline: its callers now get the inherited method's."""
    out: list[Finding] = []
    flow = flows["baseline"]
    for removed in removed_overrides(index)[:MAX_OVERRIDES]:
        fn = removed.method
        if OUT_OF_SCOPE.search(fn.path) or explained.covers("baseline", fn.path, fn.lineno, fn.end_lineno):
            continue
        units = flow.units(fn)
        start = [u for u in units if RETURN in u.defs] or units
        if not start:
            continue
        placement = flow.place(start)
        placed = _classify(UnitChange(start[0], None), start[0], placement, flow)
        title = f"Method override removed: `{fn.qualname}` (objects now run the inherited `{removed.inherited}`)"
        base_loc = (fn.path, fn.lineno)
        if placed.verdict not in PLACED_VERDICTS or not placed.path:
            result.no_effect.append(NoEffectChange(
                subsystem="other", title=title,
                reason=(f"the removed method's value reaches only {placed.verdict} code" if placed.verdict in
                        ("logging", "evaluation") else "no caller of the removed method found on the training flow"),
                locations=[Location(path=fn.path, line=fn.lineno, side="baseline")], source=SOURCE))
            continue
        label = placed.path
        followed = placed.verdict != "unfollowed"
        severity = Severity.significant if followed and label not in LOW_PATHS else Severity.low
        cand_loc = counterpart(index, base_loc, "baseline", None, None)
        locations = [Location(path=fn.path, line=fn.lineno, end_line=fn.end_lineno, side="baseline")]
        if cand_loc is not None:
            locations.append(Location(path=cand_loc[0], line=cand_loc[1], side="candidate"))
        flow_text = _flow_text(placed, label)
        out.append(Finding(
            id=f"{SOURCE}:{fn.path}:{fn.lineno}:override",
            source=SOURCE,
            subsystem=SUBSYSTEM[label],
            severity=severity,
            confidence=_place_confidence(0.7, label, _hops(placed)),
            title=title + f" in the {label} path",
            impact=f"Every call of `{fn.name}` on these objects now computes what the base class computes: changes "
                   f"what the {label} computation receives during training.",
            rationale=(f"`{fn.qualname}` was deleted while its class stays and still derives from a class that "
                       f"provides `{fn.name}`. {flow_text} Severity follows from that place on the learning-signal "
                       "flow, not from a known bug pattern."),
            locations=locations,
            evidence=[Evidence(
                kind=EvidenceKind.code, summary=f"removed override `{fn.qualname}` ({fn.end_lineno - fn.lineno + 1} lines)",
                locations=locations, hunk=hunk_text(index, base_loc, cand_loc, None, None),
                details={"path": label, "function": f"{fn.path}:{fn.qualname}", "match": "deleted",
                         "flow": placement.describe(), "sink": placement.sink, "stops": placement.stops,
                         "statements": [f"removed `{u.text(60)}`" for u in units[:10]], "places": [label],
                         "known": False, "inherited": removed.inherited})],
            fix=f"Check that this change is intended; if not, restore `{fn.qualname}` (the baseline's method).",
        ))
    return out


def _missing_module_findings(changed: list[FunctionPair], index: PairIndex) -> list[Finding]:
    """A name a file's top-level code imported from a module of the repository that now comes from a module the
    candidate tree does not have (flow/falsequiet.py `missing_modules`): the import fails or the name is `None`.
    Significant where another file reads the name (it breaks there), low otherwise."""
    out: list[Finding] = []
    base_paths, cand_paths = frozenset(index.base.tree.paths()), frozenset(index.cand.tree.paths())
    for pair in changed:
        b, c = pair.base, pair.cand
        if b is None or c is None or not c.is_module or OUT_OF_SCOPE.search(c.path):
            continue
        for name, old, new in missing_modules(b.module.tree, c.module.tree, base_paths, cand_paths):
            package = posixpath.splitext(c.path)[0].removesuffix("/__init__").replace("/", ".")
            read = readers(name, package, index.cand.texts(), c.path)[:3]
            line = next((n.lineno for n in ast.walk(c.module.tree) if isinstance(n, ast.Constant) and n.value == new
                         or isinstance(n, ast.ImportFrom | ast.Import) and any(
                             a.name == name or a.asname == name for a in n.names)), c.lineno)
            locations = [Location(path=c.path, line=line, side="candidate")] + [
                Location(path=p, line=n, side="candidate") for p, n in read]
            where = ", ".join(f"{p}:{n}" for p, n in read)
            out.append(Finding(
                id=f"{SOURCE}:{c.path}:{name}:missing-module", source=SOURCE, subsystem="other",
                severity=Severity.significant if read else Severity.low, confidence=0.7,
                title=f"`{name}` now imported from a module missing from the repository: `{new}` (was `{old}`)",
                impact=(f"At the candidate `{name}` cannot be imported from `{new}` (the tree has no such module): "
                        f"the import fails, or the code that catches the error leaves `{name}` unset or `None`"
                        + (f", and the code that reads it ({where}) breaks." if read else ".")),
                rationale=(f"`{c.path}` bound `{name}` to `{old}` at the baseline and binds it to `{new}` at the "
                           "candidate; no file of the candidate tree provides that module. Imports are not part of "
                           "the statement comparison, so this is reported from the import itself."),
                locations=locations,
                evidence=[Evidence(kind=EvidenceKind.code, summary=f"`{name}`: `{old}` -> `{new}` (absent)",
                                   locations=locations,
                                   details={"function": f"{c.path}:{c.qualname}", "name": name,
                                            "baseline_module": old, "candidate_module": new,
                                            "readers": [f"{p}:{n}" for p, n in read]})],
                fix=f"Import `{name}` from a module the repository has (the baseline's `{old}`), or add `{new}`."))
    return out + _repaired_import_findings(base_paths, cand_paths, index)


DEPENDENCY_FILES = re.compile(r"(^|/)(requirements[^/]*\.txt|setup\.py|setup\.cfg|pyproject\.toml|"
                              r"environment[^/]*\.ya?ml|Pipfile)$")


def _declared(index: PairIndex) -> str:
    """The text of the baseline's dependency declarations (requirements, setup, pyproject, conda files)."""
    tree = index.base.tree
    return "\n".join(tree.read_text(p) or "" for p in tree.paths() if DEPENDENCY_FILES.search(p))


def _repaired_import_findings(base_paths: frozenset[str], cand_paths: frozenset[str],
                              index: PairIndex) -> list[Finding]:
    """A name a changed file's top-level code imported at the baseline from a module neither the tree nor a
    declared dependency provides, under an old name of the repository's own package, now imported from the
    repository's module (flow/falsequiet.py `repaired_imports`): the baseline file failed at import, the
    candidate loads. Read per changed file, not per function pair: a file whose top level is only imports has
    no `<module>` pair. Significant where another file imports the module (it failed with it), low otherwise."""
    out: list[Finding] = []
    declared: str | None = None
    for change in index.changes:
        if (change.old_path is None or change.new_path is None or not change.new_path.endswith(".py")
                or OUT_OF_SCOPE.search(change.new_path)):
            continue
        bm, cm = index.base.module(change.old_path), index.cand.module(change.new_path)
        if bm is None or cm is None:
            continue
        if declared is None:
            declared = _declared(index)
        found = repaired_imports(bm.tree, cm.tree, base_paths, cand_paths, declared)
        if found:
            out.extend(_repaired_import_finding(change.new_path, cm.tree, found, index))
    return out


def _repaired_import_finding(path: str, tree: ast.AST, found: list[tuple[str, str, str]],
                             index: PairIndex) -> list[Finding]:
    """The findings of `_repaired_import_findings` for one file."""
    read = module_readers(path, index.cand.texts())[:3]
    where = ", ".join(f"{p}:{n}" for p, n in read)
    out: list[Finding] = []
    for name, old, new in found:
        line = next((n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom | ast.Import)
                     and any(a.name == name or a.asname == name or a.name == new for a in n.names)), 1)
        locations = [Location(path=path, line=line, side="candidate")] + [
            Location(path=p, line=n, side="candidate") for p, n in read]
        out.append(Finding(
            id=f"{SOURCE}:{path}:{name}:repaired-import", source=SOURCE, subsystem="other",
            severity=Severity.significant if read else Severity.low, confidence=0.6,
            title=f"`{name}` now imported from the repository's `{new}` (was `{old}`, a module the repository "
                  "does not have)",
            impact=(f"At the baseline `{path}` imported `{old}`, which neither the tree nor a declared dependency "
                    "provides: unless an installed package supplied it, the file failed at import"
                    + (f", and so did the code that imports it ({where})" if read else "")
                    + ". At the candidate it imports the repository's module, so that code now loads and runs."),
            rationale=(f"`{old}` has the path of the repository's own `{new}` under another package name (an old "
                       "name left behind); imports are not part of the statement comparison, so this is reported "
                       "from the import itself."),
            locations=locations,
            evidence=[Evidence(kind=EvidenceKind.code, summary=f"`{name}`: `{old}` (absent) -> `{new}`",
                               locations=locations,
                               details={"function": f"{path}:<module>", "name": name,
                                        "baseline_module": old, "candidate_module": new,
                                        "readers": [f"{p}:{n}" for p, n in read]})],
            fix=f"Confirm which runs the baseline results came from: with `{old}` missing they could not run."))
    return out


def _grouped_input(base_fn: FunctionInfo, cand_fn: FunctionInfo, eb: list[Effect], ec: list[Effect],
                   expanders: dict[str, Expander]) -> str | None:
    """Why the differing effects read the same input out of groups of a container (flow/groups.py)."""
    base_cls, cand_cls = base_fn.class_name, cand_fn.class_name
    if not cand_cls or not base_cls:
        return None
    cand_init = cand_fn.module.functions.get(f"{cand_cls}.__init__")
    base_init = base_fn.module.functions.get(f"{base_cls}.__init__")
    resolver = expanders["baseline"].resolver
    return grouped_input(base_fn, cand_fn, base_init, cand_init, eb, ec,
                         lambda method: resolver.inherited(base_fn.module, base_cls, method))


def _known_rewrite(report: PairReport, on: list[Placed], index: PairIndex, label: str) -> tuple[str, str] | None:
    """(title, reason) when every changed statement is a rewrite a rule reads: minibatches gathered by an
    index array (flow/gather.py), calls of the class's own method moved to its users (flow/explicit.py),
    the input read out of groups of a container (flow/groups.py)."""
    pair = report.pair
    base_fn, cand_fn = pair.base, pair.cand
    if base_fn is None or cand_fn is None:
        return None
    if report.grouped:
        return f"Input read out of observation groups in the {label} path: `{cand_fn.qualname}`", report.grouped
    gathered = gather_note(base_fn.node, cand_fn.node,
                           [u for p in on for u in (p.change.base, p.change.cand) if u is not None])
    if gathered:
        return f"Minibatches gathered by index array in the {label} path: `{cand_fn.qualname}`", gathered
    cls = cand_fn.class_name
    methods = removed_self_calls([(p.change.base, p.change.cand) for p in on]) if cls else set()
    defined = all(f"{cls}.{m}" in cand_fn.module.functions for m in methods)
    moved = moved_to_callers(index.base, index.cand, cls, methods, defined) if cls and methods else None
    if moved:
        return f"Calls moved out of `{cand_fn.qualname}` into explicit calls by its users ({label} path)", moved
    random = same_distribution_note([p.change for p in on])  # flow/randdraw.py (MinAtar "Fast random")
    if random:
        what = "Random draws rewritten, same distributions" if random[0] == "draws" else "Random generator object changed"
        return f"{what} in the {label} path: `{cand_fn.qualname}`", random[1]
    return None


def _wiring(change: UnitChange, pair: FunctionPair, index: PairIndex | None = None) -> str | None:
    """Why a changed statement only moves where a value is made (flow/wiring.py) or only renames a library
    keyword (flow/kwrename.py), else None."""
    if pair.base is not None and pair.cand is not None and (
            why := injected(change, pair.base, pair.cand, index.cand if index is not None else None)
            or read_in_place(change, pair.base, pair.cand)):
        return why
    if change.base is not None and change.cand is not None and (
            why := row_sum_dropped(change.base.node, change.cand.node)):
        return why
    if (why := new_state(change, index.base if index is not None else None) or literal_type_only(change)
            or keyword_renamed(change)) is not None:
        return why
    if index is not None and (why := new_parameter_passed(change, index.base, index.cand)) is not None:
        return why
    if index is not None and (why := unfilled_variadics(change, index.cand)) is not None:
        return why  # flow/varforward.py (serl `ChunkingWrapper.reset(**kwargs)`)
    if (why := speed_keyword_only(change)) is not None:
        return why  # flow/perfkw.py (prime-rl `pin_memory=True`)
    if (why := paired_name_rule(change, pair.base, pair.cand)) is not None:
        return why  # flow/pairedname.py (alpha-zero-general `save_checkpoint`/`load_checkpoint` `*.h5`)
    if (why := item_attribute_spelling(change)) is not None:
        return why  # flow/itemattr.py (habitat-lab `config["scene"] = ...` -> `config.scene = ...`)
    if change.kind != "modified" and none_normalised(change.base or change.cand):  # type: ignore[arg-type]
        return ("it stores None into a key only where the key is missing or None already: `.get()` and a "
                "parameter defaulting to None read the same value at both commits (only a test of the key's "
                "presence differs)")
    return None


def _hunks(on: list[Placed]) -> int:
    """How many diff hunks the changed statements fall in (statements at most `HUNK_GAP` lines apart share one, as
    git's three lines of context join them), the larger count of the two sides."""
    counts = []
    for side in ("base", "cand"):
        spans = sorted((u.line, max(u.line, u.end_line)) for p in on if (u := getattr(p.change, side)) is not None)
        hunks, end = 0, -HUNK_GAP - 1
        for start, stop in spans:
            hunks += start - end > HUNK_GAP
            end = max(end, stop)
        counts.append(hunks)
    return max(counts)


def _place_confidence(base: float, label: str, hops: int) -> float:
    """A finding's confidence from its place on the flow: closer to the learning signal first, then fewer
    statements between the change and its sink (at most 0.95)."""
    return round(min(0.95, base + PLACE_RANK[label] * 0.004 - hops * HOP_PENALTY), 4)


def _known_edit(on: list[Placed], label: str) -> tuple[str, str] | None:
    """(kind, what) for a small change (at most 3 statements) whose statement in the finding's place is an edit
    whose meaning is known by its form (flow/edits.py): a regrouping or a gradient cut toggled. A small edit
    of a kind a reviewer knows as a textbook slip ranks before anonymous changes of the same place."""
    # statements only moved (run after another now, or under other conditions) are no edits of their own: an
    # edit merged with a later reordering of the same function keeps its meaning (MARL-Algorithms runner.py:84)
    if len([p for p in on if not (p.change.crossed or p.change.moved_under)]) > 3:
        return None
    for p in on:
        base, cand = p.change.base, p.change.cand
        if p.path != label or base is None or cand is None:
            continue
        scalars = scalar_parameters(base.fn.node) & scalar_parameters(cand.fn.node)
        derived = derived_attributes(cand.fn.node)
        derived = {k: v for k, v in derived_attributes(base.fn.node).items() if derived.get(k) == v}
        if what := known_edit(base.parts, cand.parts, scalars, derived):
            return next(kind for prefix, kind in EDIT_KINDS if what.startswith(prefix)), what
    return None


def _rebuilt(on: list[Placed], label: str, qualname: str, title: str, confidence: float, rationale: str
             ) -> tuple[str, float, str, bool]:
    """A network's `__init__` building the same project network class with other arguments (flow/netctor.py):
    the layers detector's meaning and confidence, for up to 3 changed statements."""
    if label != "architecture" or len(on) > 3:
        return title, confidence, rationale, False
    # the diff may pair the rebuilt statement with a neighbour (a removed local above it): any two sides count
    bases = [p.change.base for p in on if p.change.base is not None]
    cands = [p.change.cand for p in on if p.change.cand is not None and p.change.cand.fn.name == "__init__"]
    for b, c in ((b, c) for b in bases for c in cands):
        callee = rebuilt_network(b.node, c.node, c.fn.module)
        if callee:
            return (f"Network built with other arguments in the architecture path: `{qualname}` (`{callee}(...)`)",
                    max(confidence, LAYER_CONFIDENCE),
                    rationale + f" `{callee}` is a network class of this project: other arguments to its constructor "
                    f"change what the network computes (input or output size, depth, layer types), as a changed "
                    f"layer size does.", True)
    return title, confidence, rationale, False


def _wiring_note(notes: list[str | None]) -> str:
    """The rationale's sentence when every changed statement only moves where a value is made, else ""."""
    return " Low: " + "; ".join(dict.fromkeys(str(n) for n in notes)) + "." if notes and all(notes) else ""


def _annotated(report: PairReport, on: list[Placed], stored: Layout | None, label: str, qualname: str, title: str,
               severity: Severity, rationale: str, launcher: str = "", what: str = "") -> tuple[str, Severity, str]:
    """The finding's title, severity and reason with what the range's rules say about it: experiment
    orchestration code (flow/orchestration.py), a container yielded in place of tuples, a storage
    layout change, new options at their defaults and new keys or values."""
    if launcher:
        title = f"Behavioural change in experiment-orchestration code (not training): {what}"
        rationale += f" Low: {launcher}."
    if report.container is not None:
        rationale += f" It {report.container.describe()}."
    relaid = _layout_of(report, on, stored)
    if relaid is not None:
        sink = report.container.dropped_sink if report.container is not None else None
        title, severity, rationale = _relaid(title, severity, rationale, label if sink is None else sink, qualname,
                                             stored, *relaid)
    if report.opt_in:
        title += f" ({report.opt_in_title})"
        rationale += f"{OPT_IN_NOTE}{report.opt_in}."
    elif report.opt_in_partly:
        rationale += (f" Changes behind new options at their defaults, or new configuration keys or values, are not "
                      f"counted here: {report.opt_in_partly}.")
    return title, severity, rationale


def _layout_of(report: PairReport, on: list[Placed], stored: Layout | None) -> tuple[set[str], set[str]] | None:
    """(removed, added) attributes when the function's changes only re-arrange storage (flow/layout.py):
    every changed statement, or the container it now yields in place of tuples, is about them."""
    if stored is None:
        return None
    relaid = layout_change([(p.change.base.node if p.change.base else None, p.change.cand.node if p.change.cand else None)
                            for p in on], stored)
    c = report.container
    if relaid is None and c is not None:
        dropped = c.dropped_read if c.consumers_known else sorted(set(range(c.size)) - set(c.positions.values()))
        relaid = container_relaid(c.unmatched, [c.elements[k] for k in dropped if k < len(c.elements)], stored)
    return relaid


def _relaid(title: str, severity: Severity, rationale: str, label: str, qualname: str, stored: Layout | None,
            removed: set[str], added: set[str]) -> tuple[str, Severity, str]:
    """A storage layout change's title, severity and reason (flow/layout.py)."""
    assert stored is not None
    moved = stored.describe(removed, added)
    where = title.split("Behavioural change in ", 1)[-1].split(": `", 1)[0]
    title = f"Storage layout changed in {where}: `{qualname}` ({moved})"
    rationale += (f" Every changed statement reads or writes storage the range re-arranged ({moved}): the values "
                  f"are kept under another layout; the code does not show whether they are the same values.")
    if label in GRADIENT_PLACES:
        rationale += f" They reach the {label}, so the severity stays."
        return title, severity, rationale
    reallocated = added - stored.added
    if reallocated:  # buffers allocated anew: where their readers go is not narrowed here (flow/layout.py)
        rationale += (f" Buffers are allocated in another arrangement ({', '.join(f'`{a}`' for a in sorted(reallocated))}): "
                      f"the severity stays; what is written into them is compared where it is written.")
        return title, severity, rationale
    reach = f"the {label} path" if label else "no sink the code shows (at the baseline, their readers' values went nowhere else)"
    rationale += f" Low: the stored values reach {reach}, not the loss, a target or an advantage (what shapes the gradient)."
    return title, Severity.low, rationale


def orchestration_only(pair: FunctionPair, index: PairIndex) -> str:
    """Why the pair's code runs only where experiments are set up or launched, at both commits
    (flow/orchestration.py); '' when it may run in training."""
    reasons = []
    for fn, side in ((pair.base, index.base), (pair.cand, index.cand)):
        if fn is None:
            continue
        reason = import_graph(side).orchestration_only(fn.path)
        if reason is None:
            return ""
        reasons.append(reason)
    return reasons[-1] if reasons else ""


def _removed_lines(on: list[Placed]) -> dict[str, list[int]]:
    """When every placed statement was removed (none added or rewritten): the baseline lines that
    ran them, for the dead-branch rule (`detectors/guards.py`): removed code that never ran at the
    baseline changes nothing. A removed `if`/`while` header stands for its body's first line (the
    header does nothing but choose whether that body runs)."""
    units = [p.change.base for p in on if p.change.cand is None]
    if not units or len(units) != len(on):
        return {}
    lines = {u.node.body[0].lineno if isinstance(u.node, ast.If | ast.While) else u.line for u in units if u}
    return {"removed_lines": sorted(lines)}


def _restored(best: Placed) -> str:
    """The checkpoint name the best statement reads its value from, '' when none (flow/restore.py)."""
    names = checkpoint_names(best.unit.fn)
    used = sorted(names & best.unit.uses) if names else []
    return used[0] if used and reads_checkpoint(best.unit.node, names) else ""


def _literal_kind(value: ast.expr | None) -> str | None:
    """The scalar type of a field default written as a literal (`3e-5`, `int(1e6)`, `-1`), else None."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
        value = value.operand
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in SCALARS:
        return value.func.id
    if isinstance(value, ast.Constant) and type(value.value).__name__ in SCALARS:
        return type(value.value).__name__
    return None


def _agrees(kind: str, literal: str) -> bool:
    return kind == literal or (kind == "float" and literal == "int")  # `x: float = 3` stays a number


def annotation_change(changes: list[UnitChange]) -> tuple[str, str]:
    """When every change is a class-body field whose annotation alone changed, and each moves the same
    way relative to its literal default's type: ("fix", fields) from an annotation that coerces the
    default to another type (`policy_lr: bool = 3e-5`: a parser building the class from a config file
    makes it `True`) to one that agrees with it (`float`); ("break", fields) for the reverse. ("", "")
    otherwise. Real shape: CORL's CQL `policy_lr`/`qf_lr` annotated `bool`, fixed in a later commit."""
    names: list[str] = []
    ways: set[str] = set()
    for c in changes:
        b, n = (c.base.node if c.base else None), (c.cand.node if c.cand else None)
        if not (is_class_body(c.base.fn) if c.base else False) or not isinstance(b, ast.AnnAssign) \
                or not isinstance(n, ast.AnnAssign) or not isinstance(n.target, ast.Name) \
                or ast.dump(b.target) != ast.dump(n.target) or b.value is None or n.value is None \
                or ast.dump(b.value) != ast.dump(n.value):
            return "", ""
        literal = _literal_kind(n.value)
        kb, kc = coerced_kind(b.annotation), coerced_kind(n.annotation)
        if literal is None or OTHER_KIND in (kb, kc) or _agrees(kb, literal) == _agrees(kc, literal):
            return "", ""
        ways.add("fix" if _agrees(kc, literal) else "break")
        names.append(n.target.id)
    if len(ways) != 1:
        return "", ""
    return ways.pop(), ", ".join(f"`{x}`" for x in names)


def _no_effect(report: PairReport) -> list[NoEffectChange]:
    out: list[NoEffectChange] = []
    pair = report.pair
    for verdict, reason in (
        ("logging", "its values reach only logging, metrics, printing or progress reporting, not the learning signal"),
        ("evaluation", "its values reach only evaluation-only code"),
        ("export", "it is code that exports a trained model (TorchScript, ONNX), not training"),
        ("off", "its values reach no loss, target, reward, optimizer, sampling or environment step as far as the "
                "code can be read"),
    ):
        group = [p for p in report.placed if p.verdict == verdict]
        if not group:
            continue
        stops = sorted({s for p in group for s in p.placement.stops})
        unit = group[0].unit
        out.append(NoEffectChange(
            subsystem="logging" if verdict == "logging" else "other",
            title=f"Changed code in `{pair.describe()}`: " + "; ".join(_change_text(p.change) for p in group[:2])
            + (f" (+{len(group) - 2} more)" if len(group) > 2 else ""),
            reason=reason + (f" (flow stops: {'; '.join(stops[:3])})" if stops else ""),
            locations=[Location(path=unit.fn.path, line=unit.line,
                                side="candidate" if group[0].change.cand is not None else "baseline")],
            source=SOURCE,
        ))
    return out


def _change_text(change: UnitChange, width: int = 70) -> str:
    if change.base and change.cand and change.moved_under:
        return f"`{change.cand.text(width)}` {change.moved_under}"
    if change.base and change.cand:
        old, new = change.base.text(400), change.cand.text(400)
        cut = 0
        while cut < min(len(old), len(new)) and old[cut] == new[cut]:
            cut += 1
        if cut > width // 2:  # show where they differ, not a prefix they share
            start = max(0, cut - width // 3)
            old, new = "..." + old[start:], "..." + new[start:]
        return f"`{_clip(old, width)}` -> `{_clip(new, width)}`"
    if change.cand:
        return f"added `{change.cand.text(60)}`"
    assert change.base is not None
    return f"removed `{change.base.text(60)}`"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


ANALYZER = register_analyzer(BehaviouralChangeAnalyzer())
