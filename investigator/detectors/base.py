"""Detector metadata, the registry, and the shared feature-comparison machinery.

A detector is one module under `investigator/detectors/rules/` that defines a `Detector`
subclass with its `meta` (the unit registry, `investigator.units`, finds it there). Most detectors extract comparable
*features* from the inlined walk of a function at both commits (`FeatureDetector`): a change is
a multiset difference, and an identical non-empty feature set is a verified item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from pydantic import field_validator

from investigator import budget
from investigator.detectors import codedefault
from investigator.detectors.flow import Flow, Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.moved import (
    changed_in_hooks,
    handed_in,
    moved_hit,
    moved_into_callees,
    moved_into_callers,
    moved_into_hooks,
    moved_into_siblings,
)
from investigator.detectors.pairs import FunctionPair, PairIndex, SideIndex, build_pairs
from investigator.flow.depends import UnitCache, dependencies_unchanged
from investigator.flow.offpath import FlowCheck
from investigator.models import SUBSYSTEMS, Severity
from investigator.units.registry import UnitMeta, load

if TYPE_CHECKING:
    from investigator.playbooks_lib.schema import PlaybookSet


class DetectorMeta(UnitMeta):
    """What a detector looks for, why it matters, and what to do about it."""

    subsystem: str
    severity: Severity
    rationale: str
    fix: str
    confidence: float = 0.8
    restore_patch: bool = True  # the usual fix is to restore the baseline code
    keywords: str | None = None  # regex: unchanged files mentioning it are read for verification
    generic: bool = False  # a catch-all; a specific finding at the same place supersedes it
    refutes_when_verified: bool = False  # its hypotheses are purely about code: "identical" refutes them
    costs_anywhere: bool = False  # its harm is the statement's own cost (a device sync): logging code is not exempt

    @field_validator("subsystem")
    @classmethod
    def _checklist_subsystem(cls, value: str) -> str:
        """A detector's finding belongs to one of the checklist's subsystems (not "other")."""
        if value not in SUBSYSTEMS:
            raise ValueError(f"unknown subsystem {value!r}; expected one of {', '.join(SUBSYSTEMS)}")
        return value


@dataclass
class Hit:
    """One change a detector found (turned into a Finding or a NoEffectChange by the analyzer)."""

    title: str
    summary: str
    base: tuple[str, int] | None
    cand: tuple[str, int] | None
    pair: FunctionPair | None = None
    severity: Severity | None = None
    confidence: float | None = None
    subsystem: str | None = None
    fix: str | None = None
    details: dict[str, object] = field(default_factory=dict)
    no_effect_reason: str | None = None  # decided by the detector itself (e.g. comment at both sides)
    restore: tuple[FunctionInfo | None, FunctionInfo | None] | None = None  # functions a patch restores
    patch: str | None = None  # an explicit restoring patch (otherwise built from `restore`)
    base_anchor: tuple[str, int] | None = None  # call site in the analysed function (inlined sites)
    cand_anchor: tuple[str, int] | None = None
    meta: DetectorMeta | None = None
    # Every differing feature's statement (side, (path, line)): the flow judges all of them, so that a hit
    # whose first feature is a logged statistic but another one is on the learning signal keeps its severity.
    changed_sites: list[tuple[str, tuple[str, int]]] = field(default_factory=list)


@dataclass
class Verified:
    what: str
    where: str


@dataclass
class DetectorOutput:
    hits: list[Hit] = field(default_factory=list)
    verified: list[Verified] = field(default_factory=list)


class DetectorContext:
    """Everything detectors share within one investigation (built once)."""

    def __init__(self, pairs: PairIndex, playbooks: PlaybookSet | None = None) -> None:
        self.pairs = pairs
        self.playbooks = playbooks
        self.flows = {"baseline": Flow(pairs.base), "candidate": Flow(pairs.cand)}
        self.flows["baseline"].link(self.flows["candidate"], pairs.counterpart)
        self.flows["candidate"].link(self.flows["baseline"], pairs.counterpart)
        self._unchanged: dict[str, list[FunctionPair]] = {}
        self.too_deep: set[str] = set()
        self._sizes: dict[int, int] = {}
        self.units = UnitCache()  # statement units for the dependency check of verified items
        self._flow_check: FlowCheck | None = None
        self._memos: dict[str, dict] = {}

    def memo(self, name: str) -> dict:
        """A cache named `name`, shared by every detector of this investigation (per-pair or per-name answers that
        several detectors ask for: moved code's homes, template hooks, calls at the baseline)."""
        return self._memos.setdefault(name, {})

    @property
    def flow_check(self) -> FlowCheck:
        """Both commits' learning-signal flows, to judge whether a hit's statement reaches training."""
        if self._flow_check is None:
            self._flow_check = FlowCheck(self.pairs)
        return self._flow_check

    @classmethod
    def from_trees(cls, base, cand, changes, playbooks=None, equivalent=()) -> DetectorContext:
        return cls(build_pairs(base, cand, changes, equivalent), playbooks)

    def pair_size(self, pair: FunctionPair) -> int:
        """Lines of the candidate function (cached): verification prefers the widest view."""
        key = id(pair)
        if key not in self._sizes:
            self._sizes[key] = (pair.cand.end_lineno - pair.cand.lineno) if pair.cand else 0
        return self._sizes[key]

    def side(self, side: str) -> SideIndex:
        return self.pairs.base if side == "baseline" else self.pairs.cand

    def sites(self, fn: FunctionInfo | None) -> list[Site]:
        if fn is None:
            return []
        budget.check()  # per function walked: an analyzer past its time budget stops here
        try:
            return self.flows[fn.side].sites(fn)
        except RecursionError:  # pathological nesting: analyse nothing there rather than crash
            self.too_deep.add(f"{fn.path}:{fn.qualname}")
            return []

    def unchanged_pairs(self, keywords: str | None, limit: int = 15) -> list[FunctionPair]:
        """Function pairs from unchanged Python files that mention `keywords` (for verification).

        Up to `limit` files: verification wants one wide function per detector (`_verify` tries the
        12 largest pairs), and every file scanned here is parsed at both commits."""
        if not keywords:
            return []
        if keywords not in self._unchanged:
            pattern = re.compile(keywords)
            equivalent = self.pairs.equivalent  # behaviour-identical changed files count as unchanged
            changes = [c for c in self.pairs.changes if c.new_path not in equivalent]
            changed = {c.new_path for c in changes} | {c.old_path for c in changes}
            out: list[FunctionPair] = []
            files = 0
            for path, text in self.pairs.cand.texts().items():
                if path in changed or not path.endswith(".py") or not pattern.search(text):
                    continue
                base_mod = self.pairs.base.module(equivalent.get(path, path))
                cand_mod = self.pairs.cand.module(path)
                if not base_mod or not cand_mod:
                    continue
                for qual, fn in cand_mod.functions.items():
                    if qual in base_mod.functions:
                        out.append(FunctionPair(base_mod.functions[qual], fn, "unchanged"))
                files += 1
                if files >= limit:
                    break
            self._unchanged[keywords] = out
        return self._unchanged[keywords]


def cancel_matching(only_base: list[Feature], only_cand: list[Feature],
                    base_key: Callable[[Feature], Hashable | None],
                    cand_key: Callable[[Feature], Hashable]) -> tuple[list[Feature], list[Feature]]:
    """Features of the two sides that agree once read another way cancel one for one: each baseline
    feature (in order) takes an unmatched candidate feature with its key (`base_key` None: it takes none);
    the candidate features taken, the first of each key, go too. What is left is still a change."""
    remaining = Counter(cand_key(f) for f in only_cand)
    kept_base = []
    for f in only_base:
        key = base_key(f)
        if key is not None and remaining[key] > 0:
            remaining[key] -= 1
        else:
            kept_base.append(f)
    matched = Counter(cand_key(f) for f in only_cand) - remaining
    kept_cand = []
    for f in only_cand:
        if matched[cand_key(f)] > 0:
            matched[cand_key(f)] -= 1
        else:
            kept_cand.append(f)
    return kept_base, kept_cand


class Detector:
    meta: ClassVar[DetectorMeta]

    def run(self, ctx: DetectorContext) -> DetectorOutput:
        hits: list[Hit] = []
        for pair in ctx.pairs.pairs:
            if pair.base is not None and pair.cand is not None and pair.changed:
                hits.extend(self.check_pair(pair, ctx))
        return self.finish(hits, ctx)

    @property
    def per_pair(self) -> bool:
        """Whether `run` is `check_pair` over each changed pair, then `finish`: the engine may then
        check the pairs in two processes (detectors/split.py). A detector that overrides `run` runs whole."""
        return type(self).run is Detector.run

    def finish(self, hits: list[Hit], ctx: DetectorContext) -> DetectorOutput:
        """The output from the hits of every changed pair, in pair order: with no hit at all, a
        verified item (the widest view of the compared and of unchanged pairs)."""
        out = DetectorOutput(hits=hits)
        if not hits:  # "verified identical" only when this detector saw no change at all
            checked = [p for p in ctx.pairs.pairs if p.base is not None and p.cand is not None]
            verified = self._verify([*checked, *ctx.unchanged_pairs(self.meta.keywords)], ctx)
            if verified is not None:
                out.verified.append(verified)
        return out

    def _verify(self, pairs: list[FunctionPair], ctx: DetectorContext) -> Verified | None:
        """One verified item: the widest view (the function whose inlined walk covers most)."""
        ranked = sorted(pairs, key=ctx.pair_size, reverse=True)
        for pair in ranked[:12]:
            what = self.verify_pair(pair, ctx)
            if what and pair.cand is not None:
                return Verified(what, f"`{pair.cand.qualname}` ({pair.cand.path}:{pair.cand.lineno})")
        return None

    def check_pair(self, pair: FunctionPair, ctx: DetectorContext) -> list[Hit]:
        return []

    def _stored_parameters(self, pair, ctx, base, cand, only_base, only_cand):
        """Fourth pass: each side read with `self.<attribute>` as the parameter the method has just stored in it
        (detectors/paramattr.py `stored_parameters`); the features that then agree cancel."""
        from investigator.detectors.paramattr import stored_parameters
        from investigator.detectors.patterns import STORED_PARAMETERS

        memo = ctx.__dict__.setdefault("_stored_parameters", {})  # once per pair, not per detector
        if id(pair) not in memo:
            memo[id(pair)] = (stored_parameters(pair.base), stored_parameters(pair.cand))
        names_b, names_c = memo[id(pair)]
        if not names_b and not names_c:
            return only_base, only_cand
        read = []
        for fn, feats, names in ((pair.base, base, names_b), (pair.cand, cand, names_c)):
            if not names:
                read.append(feats)
                continue
            token = STORED_PARAMETERS.set((id(fn), names))
            try:
                read.append(self.features(ctx.sites(fn), fn, ctx))
            finally:
                STORED_PARAMETERS.reset(token)
        if len(read[0]) != len(base) or len(read[1]) != len(cand):
            return only_base, only_cand
        key = {id(f): r.key for f, r in zip(base + cand, read[0] + read[1], strict=True)}
        return cancel_matching(only_base, only_cand, lambda f: key[id(f)], lambda f: key[id(f)])

    def verify_pair(self, pair: FunctionPair, ctx: DetectorContext) -> str | None:
        return None


@dataclass(frozen=True)
class Feature:
    key: tuple[Hashable, ...]  # (kind, details...): detectors filter on key[0]
    site: Site
    text: str  # how it reads in a report


class FeatureDetector(Detector):
    """Compare a multiset of features extracted from both sides of each changed pair.

    With `set_semantics` the comparison is over distinct keys: what is present matters, not how
    many statements express it (a branch merged into a conditional expression is the same code)."""

    set_semantics: ClassVar[bool] = False

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        raise NotImplementedError

    def applicable(self, pair: FunctionPair, ctx: DetectorContext) -> bool:
        return True

    def check_pair(self, pair: FunctionPair, ctx: DetectorContext) -> list[Hit]:
        if not self.applicable(pair, ctx):
            return []
        base = self.features(ctx.sites(pair.base), pair.base, ctx)  # type: ignore[arg-type]
        cand = self.features(ctx.sites(pair.cand), pair.cand, ctx)  # type: ignore[arg-type]
        only_base, only_cand = multiset_diff(base, cand)
        only_base, only_cand = _through_changed_callee(only_base, ctx), _through_changed_callee(only_cand, ctx)
        if self.set_semantics:
            keys_b, keys_c = {f.key for f in base}, {f.key for f in cand}
            only_base = [f for f in only_base if f.key not in keys_c]
            only_cand = [f for f in only_cand if f.key not in keys_b]
        if only_base and only_cand:
            only_base, only_cand = self._same_code(pair, ctx, base, cand, only_base, only_cand)
        if only_base and only_cand:
            only_base, only_cand = self._parameter_attributes(pair, ctx, base, only_base, only_cand)
        if only_base and only_cand:
            only_base, only_cand = self._stored_parameters(pair, ctx, base, cand, only_base, only_cand)
        # a literal that became a configuration read with that literal as its code default: kept apart,
        # judged against the configuration before ranking (detectors/codedefault.py)
        only_base, only_cand, neutral_b, neutral_c, keys = codedefault.split(only_base, only_cand)
        hits = []
        if neutral_b:
            hits = self.describe(pair, base, cand, neutral_b, neutral_c, ctx)
            for hit in hits:
                hit.details[codedefault.AT_CODE_DEFAULT] = keys
        only_base, moved, homes = moved_into_callees(self, pair, ctx, base, only_base)
        hits += [moved_hit(self.meta.title, pair, moved, homes)] if moved else []
        only_base, moved, homes = moved_into_callers(self, pair, ctx, only_base)
        hits += [moved_hit(self.meta.title, pair, moved, homes, caller=True)] if moved else []
        only_base, moved, homes = moved_into_siblings(self, pair, ctx, only_base)
        hits += [moved_hit(self.meta.title, pair, moved, homes, sibling=True)] if moved else []
        only_base, moved, homes = moved_into_hooks(self, pair, ctx, only_base)
        hits += [moved_hit(self.meta.title, pair, moved, homes, hook=True)] if moved else []
        only_base, moved, homes = handed_in(self, pair, ctx, only_base)
        hits += [moved_hit(self.meta.title, pair, moved, homes, handed=True)] if moved else []
        if not only_base and not only_cand:
            return hits
        if only_base and not only_cand:
            only_cand = changed_in_hooks(self, pair, ctx, only_base)
        return self.describe(pair, base, cand, only_base, only_cand, ctx) + hits

    def _same_code(self, pair, ctx, base, cand, only_base, only_cand):
        """Second pass without parameter binding: a feature whose own code is unchanged and differs
        only through what a caller passes in (configuration plumbing) is not this detector's change."""
        from investigator.detectors.patterns import SUBSTITUTE_BINDINGS

        token = SUBSTITUTE_BINDINGS.set(False)
        try:
            raw_b = self.features(ctx.sites(pair.base), pair.base, ctx)
            raw_c = self.features(ctx.sites(pair.cand), pair.cand, ctx)
        finally:
            SUBSTITUTE_BINDINGS.reset(token)
        if len(raw_b) != len(base) or len(raw_c) != len(cand):
            return only_base, only_cand
        raw_key = {id(f): r.key for f, r in zip(base + cand, raw_b + raw_c, strict=True)}
        return cancel_matching(only_base, only_cand, lambda f: raw_key[id(f)], lambda f: raw_key[id(f)])

    def _parameter_attributes(self, pair, ctx, base, only_base, only_cand):
        """Third pass: the baseline read with the parameters the candidate replaced by the instance
        attributes every caller passed (detectors/paramattr.py); the features that then agree cancel."""
        from investigator.detectors.paramattr import attribute_parameters
        from investigator.detectors.patterns import PARAMETER_ATTRIBUTES

        memo = ctx.__dict__.setdefault("_parameter_attributes", {})  # once per pair, not per detector
        if id(pair) not in memo:
            memo[id(pair)] = attribute_parameters(pair, ctx.pairs.base)
        names = memo[id(pair)]
        if not names:
            return only_base, only_cand
        token = PARAMETER_ATTRIBUTES.set((id(pair.base), names))
        try:
            read = self.features(ctx.sites(pair.base), pair.base, ctx)
        finally:
            PARAMETER_ATTRIBUTES.reset(token)
        if len(read) != len(base):
            return only_base, only_cand
        as_read = {id(f): r.key for f, r in zip(base, read, strict=True)}
        return cancel_matching(only_base, only_cand, lambda f: as_read.get(id(f)), lambda f: f.key)

    def verify_pair(self, pair: FunctionPair, ctx: DetectorContext) -> str | None:
        if not self.applicable(pair, ctx):
            return None
        base = self.features(ctx.sites(pair.base), pair.base, ctx)  # type: ignore[arg-type]
        if not base:
            return None
        cand = self.features(ctx.sites(pair.cand), pair.cand, ctx)  # type: ignore[arg-type]
        same = (
            {f.key for f in base} == {f.key for f in cand}
            if self.set_semantics
            else Counter(f.key for f in base) == Counter(f.key for f in cand)
        )
        if not same:
            return None
        if not dependencies_unchanged(base, cand, ctx.units):
            return None  # the same text, but a statement it depends on changed (flow/depends.py)
        return self.verified_text(base)

    def verified_text(self, features: list[Feature]) -> str:
        shown = "; ".join(dict.fromkeys(f.text for f in features[:4]))
        return f"{self.meta.title}: `{shown}` identical at both commits"

    def describe(
        self,
        pair: FunctionPair,
        base: list[Feature],
        cand: list[Feature],
        only_base: list[Feature],
        only_cand: list[Feature],
        ctx: DetectorContext,
    ) -> list[Hit]:
        return [feature_hit(self.meta.title + " changed", pair, only_base, only_cand)]


def _through_changed_callee(features: list[Feature], ctx: DetectorContext) -> list[Feature]:
    """The one-sided features less those whose own statement is unchanged code reached only through another changed
    function inlined on the way (`f -> g (changed) -> h -> leaf`, the leaf's function the same at both commits):
    the difference is in what `g` now calls, which `g`'s own pair compares; the analysed function did not change it.
    Real shape: RLinf a4b6abe2..8aa19aae rlinf/workers/rollout/hf/async_huggingface_worker.py:82,
    `AsyncMultiStepRolloutWorker._generate` drops `await self.wait_if_stale()`; its callee `generate_one_epoch`
    now calls the scheduler's `recv` directly, so the walk from `_generate` reaches, within its inlining depth,
    `workers = sorted(workers, ...)` of the unchanged rlinf/scheduler/worker/worker.py:1589: "Environment/worker
    count computation changed" (#8, low, mis-described) in place of the removed staleness gate."""
    if not features:
        return features
    memo = ctx.memo("changed_functions")
    if not memo:
        for p in ctx.pairs.pairs:
            for fn in (p.base, p.cand):
                if fn is not None:
                    memo[id(fn)] = (fn, p.changed)
    out: list[Feature] = []
    for f in features:
        chain: tuple[FunctionInfo, ...] = getattr(f.site, "chain", ()) or ()
        if len(chain) >= 3:
            leaf, middle = chain[-1], chain[1:-1]
            known = memo.get(id(leaf))
            leaf_changed = known[1] if known is not None and known[0] is leaf else \
                ctx.pairs.change_for(leaf.path, leaf.side) is not None
            if not leaf_changed and any((k := memo.get(id(g))) is not None and k[0] is g and k[1] for g in middle):
                continue
        out.append(f)
    return out


def multiset_diff(base: Iterable[Feature], cand: Iterable[Feature]) -> tuple[list[Feature], list[Feature]]:
    """Features on one side only, counting repeats.

    Repeated features are paired at the same position in their function first (an unchanged line
    pairs with itself), then in order, so the one left over sits on the edited line.
    """
    base, cand = list(base), list(cand)

    def offset(f: Feature) -> int:
        return f.site.line - f.site.fn.lineno

    by_key: dict[object, list[int]] = {}
    for i, f in enumerate(cand):
        by_key.setdefault(f.key, []).append(i)
    used: set[int] = set()
    matched_base: set[int] = set()
    for j, f in enumerate(base):  # pass 1: same key at the same offset
        for i in by_key.get(f.key, ()):
            if i not in used and offset(cand[i]) == offset(f):
                used.add(i)
                matched_base.add(j)
                break
    for j, f in enumerate(base):  # pass 2: same key anywhere, in order
        if j in matched_base:
            continue
        for i in by_key.get(f.key, ()):
            if i not in used:
                used.add(i)
                matched_base.add(j)
                break
    only_base = [f for j, f in enumerate(base) if j not in matched_base]
    only_cand = [f for i, f in enumerate(cand) if i not in used]
    return only_base, only_cand


def site_loc(site: Site | None) -> tuple[str, int] | None:
    return (site.path, site.line) if site is not None else None


def fn_loc(fn: FunctionInfo | None) -> tuple[str, int] | None:
    return (fn.path, fn.lineno) if fn is not None else None


CALLED_FROM = "candidate_reached_by"  # evidence detail: "path:line > ... > path:line" per candidate-only feature


def feature_hit(
    title: str,
    pair: FunctionPair,
    only_base: list[Feature],
    only_cand: list[Feature],
    **kwargs: object,
) -> Hit:
    """A hit located at the first differing feature on each side (function start otherwise).

    When the candidate has several differing features, the one at the same position relative to
    its function as the baseline's is taken (an edited line, not an older line of the same shape).
    """
    b = only_base[0].site if only_base else None
    c = only_cand[0].site if only_cand else None
    if b is not None and len(only_cand) > 1:
        offset = b.line - b.fn.lineno
        c = min((f.site for f in only_cand), key=lambda site: (abs(site.line - site.fn.lineno - offset), site.line))
    parts = []
    if only_base:
        parts.append("baseline: " + "; ".join(dict.fromkeys(f"`{f.text}`" for f in only_base[:3])))
    if only_cand:
        parts.append("candidate: " + "; ".join(dict.fromkeys(f"`{f.text}`" for f in only_cand[:3])))
    summary = kwargs.pop("summary", None) or " -> ".join(parts) or title
    if any(f.site.calls for f in only_cand):
        # How each candidate-only feature is reached from the analysed function: the calls that inlined
        # it, outermost first, then its own line. The reachability rules judge a callee's change by
        # those calls: a call behind an option that is off by default keeps it off (guards.py).
        details = dict(kwargs.pop("details", None) or {})  # type: ignore[call-overload]
        details[CALLED_FROM] = list(dict.fromkeys(
            " > ".join(f"{p}:{n}" for p, n in (*f.site.calls, (f.site.path, f.site.line))) for f in only_cand))
        kwargs["details"] = details
    if only_base and not only_cand and pair.base is not None and all(
            not f.site.calls and f.site.path == pair.base.path for f in only_base):
        # Only removed features, each written in the function itself: the reachability rules judge a
        # removal by these lines (removed code that never ran at the baseline removes nothing, guards.py).
        details = dict(kwargs.pop("details", None) or {})  # type: ignore[call-overload]
        details.setdefault("removed_lines", sorted({f.site.line for f in only_base}))
        kwargs["details"] = details
    return Hit(
        title=title,
        summary=str(summary),
        base=site_loc(b),
        cand=site_loc(c),
        pair=pair,
        restore=restore_functions(pair, b, c),
        base_anchor=b.anchor if b is not None else None,
        cand_anchor=c.anchor if c is not None else None,
        changed_sites=list(dict.fromkeys(
            [*(("baseline", (f.site.path, f.site.line)) for f in only_base),
             *(("candidate", (f.site.path, f.site.line)) for f in only_cand)])),
        **kwargs,  # type: ignore[arg-type]
    )


def restore_functions(
    pair: FunctionPair, b: Site | None, c: Site | None
) -> tuple[FunctionInfo | None, FunctionInfo | None]:
    """Which functions a restoring patch should replace: the ones the differing sites live in."""
    base_fn = b.fn if b is not None else pair.base
    cand_fn = c.fn if c is not None else pair.cand
    return base_fn, cand_fn


# -- registry -----------------------------------------------------------------------------------
_REGISTRY: dict[str, Detector] = {}  # id -> the registry's instance (filled on first use)


def all_detectors() -> list[Detector]:
    """Every detector under `rules/` (imported once by the unit registry), by id."""
    if not _REGISTRY:
        for unit in load("detector"):
            _REGISTRY[unit.id] = unit.obj  # type: ignore[assignment]
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_detector(detector_id: str) -> Detector:
    all_detectors()
    return _REGISTRY[detector_id]
