"""The `config_forensics` analyzer: effective configuration at both commits, across formats, diffed."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from investigator.analyzers.base import AnalysisContext, Analyzer, register_analyzer
from investigator.config.collect import ParseCache, SideData, SnapshotLike, collect
from investigator.config.effective import build_side, launch_command, overridden_defaults
from investigator.config.entry import ResolvedEntry, pyproject_scripts, resolve
from investigator.config.extractors import extractor_for
from investigator.config.findings import SOURCE, build_outcome
from investigator.config.matching import Aliases, match, pair_code_renames
from investigator.config.model import ConfigEntry, EntryKind, KeyMatch, MatchStatus, SideConfig
from investigator.config.report import render
from investigator.config.switch import caused_by, find_switch, switch_finding
from investigator.models import AnalyzerFailure, AnalyzerResult, Finding, NoEffectChange, ReportSection
from investigator.playbooks_lib.schema import PlaybookSet


@dataclass
class ConfigComparison:
    """Both sides extracted and compared (also what tests and the benchmark inspect)."""

    base_side: SideData
    cand_side: SideData
    base: SideConfig
    cand: SideConfig
    targets: tuple[dict[str, str], dict[str, str]]
    effective: list[KeyMatch]
    other: list[KeyMatch]
    primary_is_other: bool  # at least one side had no effective configuration (lower confidence)


def compare_configs(baseline: SnapshotLike, candidate: SnapshotLike, playbooks: PlaybookSet,
            baseline_entry: str | None = None, candidate_entry: str | None = None,
            same_code: Iterable[str] = (), renames: frozenset[tuple[str, str]] = frozenset()) -> ConfigComparison:
    """`same_code`: modules (same path at both commits) whose code triage found identical up to line
    layout; the candidate takes their extraction from the baseline while no entry is followed."""
    cache: ParseCache = {}
    base_side = collect(baseline, cache)
    reusable = {path: parsed for path in same_code if (parsed := base_side.parsed.get(path)) is not None}
    cand_side = collect(candidate, cache, reusable)
    cand_side.read_cache = base_side.read_cache  # unchanged modules are read-indexed once
    sides = []
    prefer: str | None = None  # the script detected at the baseline: preferred at the candidate
    launch_in: str | None = None  # the launch script whose command runs the entry at the baseline
    resolved_base: ResolvedEntry | None = None
    for side, snapshot, spec in ((base_side, baseline, baseline_entry), (cand_side, candidate, candidate_entry)):
        scripts = pyproject_scripts(snapshot.read_bytes("pyproject.toml"))
        resolved = resolve_safely(side, spec, scripts, prefer)
        built = build_safely(side, resolved, launch_in)
        if resolved.starts and side.reused and _takes_from(built[0], side.reused):
            # followed code took values from a module with the baseline's lines: parse the candidate's
            side = cand_side = collect(candidate, cache)
            cand_side.read_cache = base_side.read_cache
            resolved = resolve_safely(side, spec, scripts, prefer)
            built = build_safely(side, resolved, launch_in)
        sides.append(built)
        resolved_base = resolved_base or resolved
        launch_in = built[0].launch
        if not spec and not candidate_entry and resolved.how.startswith("detected"):
            prefer = resolved.script
    if resolved_base is not None and sides[0][0].launch is None and (there := sides[1][0].launch) is not None \
            and launch_command(base_side, resolved_base, there) is not None:
        sides[0] = build_safely(base_side, resolved_base, there)  # the candidate's launch script, run at both
    (base, tb), (cand, tc) = sides
    for data, config in ((base_side, base), (cand_side, cand)):
        # the files the effective configuration was built from are loaded, whatever names them
        data.loads.known.update(e.path for e in config.effective.values())
        data.loads.known.update(e.path for shadowed in config.shadowed.values() for e in shadowed)
    aliases = Aliases(playbooks.aliases())
    for old, new in renames:
        # a run-time config file git pairs as renamed keeps its runs: its keys are neither a deleted file's
        # nor a new file's that no run used (`_renamed_files` pairs them; ibc 5e89df66..2c9202e5)
        if old in base.runtime_files and new in cand.runtime_files:
            base.runtime_files.setdefault(new, base.runtime_files[old])
            cand.runtime_files.setdefault(old, cand.runtime_files[new])
    primary_is_other = not base.effective or not cand.effective
    other: list[KeyMatch]
    if not base.effective and not cand.effective:
        effective, other = match(base.other, cand.other, aliases, renames=renames), []
    elif not cand.effective:  # one side's entry could not be followed: compare with all its config
        cand.entry.notes.append("no effective configuration; compared with all configuration at this commit")
        rest, kept = _kept_outside(cand.other, base.other, base.effective)
        effective = match(base.effective, rest, aliases, renames=renames)
        other = match(kept, {k: cand.other[k] for k in kept}, aliases, renames=renames)
    elif not base.effective:
        base.entry.notes.append("no effective configuration; compared with all configuration at this commit")
        rest, kept = _kept_outside(base.other, cand.other, cand.effective)
        effective = match(rest, cand.effective, aliases, renames=renames)
        other = match({k: base.other[k] for k in kept}, kept, aliases, renames=renames)
    else:
        effective = match(base.effective, cand.effective, aliases, renames=renames)
        other = match(base.other, cand.other, aliases, renames=renames)
    effective = pair_code_renames(effective, base_side.reads.reads, cand_side.reads.reads)
    _mark_overridden(base_side, base, cand_side, cand, [*effective, *other])
    return ConfigComparison(base_side, cand_side, base, cand, (tb, tc), effective, other, primary_is_other)


def _kept_outside(whole: dict[str, ConfigEntry], outside: dict[str, ConfigEntry],
                  effective: dict[str, ConfigEntry]) -> tuple[dict[str, ConfigEntry], dict[str, ConfigEntry]]:
    """Split the configuration of the side whose entry could not be followed (`whole`, all of it) into
    what is compared with the other side's effective configuration and what the other side still has,
    unchanged and outside its entry's reach (same key, file and value in `outside`, not in `effective`):
    the other side's entry merely reaches less of it, nothing was removed or added. The kept entries are
    returned from `outside` (to be matched as other configuration). Real shape (imitation): a launch
    script added for the BC entry gave the candidate an effective configuration, and an unchanged
    script's command running another module (`reward_type="DiscrimNet"`) became two critical "removed
    from the effective configuration" findings."""
    rest: dict[str, ConfigEntry] = {}
    kept: dict[str, ConfigEntry] = {}
    for key, entry in whole.items():
        there = outside.get(key)
        if there is not None and key not in effective and there.path == entry.path \
                and there.value == entry.value and there.literal == entry.literal:
            kept[key] = there
        else:
            rest[key] = entry
    return rest, kept


def _mark_overridden(base_side: SideData, base: SideConfig, cand_side: SideData, cand: SideConfig,
                     matches: list[KeyMatch]) -> None:
    """`SideConfig.overridden` for the field defaults whose value changed (only those: finding every
    construction of a class reads the whole tree), under the baseline's key at both sides."""
    pairs = [(m.baseline, m.candidate) for m in matches if m.status is MatchStatus.changed]
    changed = [(b, c) for b, c in pairs if b is not None and c is not None
               and b.kind is EntryKind.field_default and c.kind is EntryKind.field_default]
    if changed:
        base.overridden = overridden_defaults(base_side, [(b.key, b) for b, _ in changed])
        cand.overridden = overridden_defaults(cand_side, [(b.key, c) for b, c in changed])


MAIN_SCRIPT = "`__main__` script"


def unrelated_entries(comparison: ConfigComparison, baseline_entry: str | None, candidate_entry: str | None,
                      renames: frozenset[tuple[str, str]] = frozenset()) -> str | None:
    """Why the two effective configurations belong to unrelated scripts, else None: both entries were
    detected (none given) as `__main__` scripts, they are different files, neither file exists at the
    other commit and git does not pair them as a rename, so
    no script could be followed at both (real shape: d3rlpy v1.1.1 -> v2.0.2 replaced every example;
    `examples/atari/train_bc.py` was compared with `examples/multi_step_training.py` and its keys came
    and went as significant changes)."""
    if baseline_entry or candidate_entry:
        return None
    b, c = comparison.base.entry, comparison.cand.entry
    if not b.how.startswith("detected") or not c.how.startswith("detected") or not b.script or not c.script \
            or b.script == c.script or (b.script, c.script) in renames:
        return None
    if not all(MAIN_SCRIPT in entry.how for entry in (b, c)):
        return None  # a Hydra entry migrated to a recipe script is one training run configured anew
    if b.script in comparison.cand_side.program.modules or c.script in comparison.base_side.program.modules:
        return None
    return (f"the training entries detected at the two commits are different scripts and neither exists at the "
            f"other commit (baseline `{b.script}`, candidate `{c.script}`): the effective configurations of two "
            f"unrelated scripts are compared; give `--baseline-entry` / `--candidate-entry` to compare one")


def _renames(ctx: AnalysisContext) -> frozenset[tuple[str, str]]:
    """(old path, new path) of the files git pairs as renamed in the range."""
    if ctx.changeset is None:
        return frozenset()
    return frozenset((f.old_path, f.new_path) for f in ctx.changeset.files
                     if f.old_path and f.new_path and f.old_path != f.new_path)


def _fold_switch(ctx: AnalysisContext, comparison: ConfigComparison, findings: list[Finding]) -> list[Finding]:
    """When the entry now runs another experiment function (`switch.find_switch`), the per-key
    findings set inside either function become one finding for the switch (the keys its evidence)."""
    b, c = comparison.base.entry, comparison.cand.entry
    switch = find_switch(comparison.base_side, comparison.cand_side, (b.script, b.function), (c.script, c.function),
                         _renames(ctx),
                         [(e.path, e.line) for e in comparison.base.effective.values()],
                         [(e.path, e.line) for e in comparison.cand.effective.values()])
    if switch is None:
        return findings
    folded = [f for f in findings if caused_by(f, switch)]
    kept = [f for f in findings if not caused_by(f, switch)]
    return [switch_finding(switch, folded, ctx.changeset), *kept]


def _not_compared(findings: list[Finding], why: str) -> NoEffectChange:
    """One no-effect item for the settings of two unrelated entry scripts: what differs between two
    programs that never ran at the same commit says nothing about a run that changed (the keys stay
    listed in its details; the configuration section shows both sides)."""
    keys = [str(e.details.get("key")) for f in findings for e in f.evidence[:1] if e.details.get("key")]
    locations = [loc for f in findings[:1] for loc in f.locations]
    return NoEffectChange(
        subsystem="config", source=SOURCE, locations=locations,
        title=f"Effective configuration of two unrelated entry scripts ({len(findings)} differing keys) not compared",
        reason=why, details={"keys": keys, "titles": [f.title for f in findings]})


def resolve_safely(side: SideData, spec: str | None, scripts: dict[str, str],
                   prefer: str | None = None) -> ResolvedEntry:
    """`resolve`, or no entry when detecting it fails: the failure is recorded, the comparison goes on
    with all configuration of that commit."""
    try:
        return resolve(side, spec, scripts, prefer)
    except Exception as exc:
        side.failures.append(("<entry>", f"entry detection failed ({type(exc).__name__}: {exc}); "
                                         "all configuration of this commit compared"))
        return ResolvedEntry(spec=spec, how="none", notes=["entry detection failed"])


def build_safely(side: SideData, resolved: ResolvedEntry,
                 launch_in: str | None = None) -> tuple[SideConfig, dict[str, str]]:
    """`build_side`, or, when following the entry fails, all configuration of the commit compared as
    "other" (lower confidence): one side's failure is recorded and never loses the whole analysis."""
    try:
        return build_side(side, resolved, launch_in)
    except Exception as exc:
        if not resolved.starts and resolved.hydra is None:
            raise
        side.failures.append(("<entry>", f"following the entry failed ({type(exc).__name__}: {exc}); "
                                         "all configuration of this commit compared"))
        return build_side(side, ResolvedEntry(spec=resolved.spec, how="none",
                                              notes=[*resolved.notes, "following the entry failed"]))


def _takes_from(config: SideConfig, paths: list[str]) -> bool:
    """Whether any entry of the effective configuration (winning, shadowed or replaced) comes from `paths`.

    A reused module holds no configured value of its own, but code followed into it can still set
    some (assignments, builder defaults, keyword arguments), and those carry its lines."""
    wanted = set(paths)
    entries = [*config.effective.values(), *config.replaced.values(),
               *(e for shadowed in config.shadowed.values() for e in shadowed)]
    return any(e.path in wanted for e in entries)


SAME_CODE_KINDS = ("formatting", "comments")  # triage kinds whose bytecode is identical up to line layout


def _same_code(ctx: AnalysisContext) -> list[str]:
    """Python modules at the same path whose change triage classified as layout or comments only."""
    if ctx.triage is None:
        return []
    return [e.path for e in ctx.triage.entries
            if e.change_kind in SAME_CODE_KINDS and e.language == "python" and e.status == "modified"
            and e.old_path in (None, e.path)]


SIDES = ("baseline", "candidate")


def _unknown_at(base: SideData, cand: SideData) -> dict[str, dict[str, str]]:
    """Side -> {path: why} of the files whose content is unknown at that side: they did not parse
    there, or were not read (binary, git-LFS pointer, too large) while they changed between the
    commits. A file unread and identical at both sides changed nothing and is left out."""
    unknown: dict[str, dict[str, str]] = {label: dict(side.failures) for label, side in zip(SIDES, (base, cand), strict=True)}
    for label, side, other in (("baseline", base, cand), ("candidate", cand, base)):
        for path, (why, digest) in side.unreadable.items():
            twin = other.unreadable.get(path)
            if twin is None or twin[1] != digest:
                unknown[label][path] = why
        # a file of the other commit that lies in a submodule here: its content is in another repository
        for sub in side.submodules:
            inside = f"{sub.rstrip('/')}/"
            for path in [*other.parsed, *other.unreadable, *(p for p, _ in other.failures)]:
                if path.startswith(inside) and path not in unknown[label]:
                    unknown[label][path] = f"inside submodule `{sub}`, whose content is in another repository"
    return unknown


def _known_matches(matches: list[KeyMatch], unknown: dict[str, dict[str, str]]) -> tuple[list[KeyMatch], dict[str, int]]:
    """The matches whose both sides are known, and the number of keys left out per unknown file.

    A key whose entry comes from a file that could not be read at the other commit is unknown there:
    not removed, not added, and not changed to whatever value a file read there happens to give it
    (the unread file may have overridden that value too)."""
    kept: list[KeyMatch] = []
    hidden: dict[str, int] = {}
    for m in matches:
        path = (m.baseline.path if m.baseline is not None and m.baseline.path in unknown["candidate"] else
                m.candidate.path if m.candidate is not None and m.candidate.path in unknown["baseline"] else None)
        if path is None:
            kept.append(m)
        else:
            hidden[path] = hidden.get(path, 0) + 1
    return kept, hidden


MAX_ALIKE_FAILURES = 3  # more files failing alike at both commits than this are listed as one failure


def _failures(source: str, unknown: dict[str, dict[str, str]], hidden: dict[str, int]) -> list[AnalyzerFailure]:
    """One failure per unreadable file (both sides named when both fail alike), saying which of its
    keys were left uncompared."""
    failed: dict[tuple[str, str], list[str]] = {}
    for label in SIDES:
        for path, message in unknown[label].items():
            failed.setdefault((path, message), []).append(label)
    out: list[AnalyzerFailure] = []
    # Files that fail alike at both commits hide nothing the other commit reads: many of them (a folder of
    # specs in a format this reader does not accept) are one recorded line, not one per file.
    alike: dict[str, list[str]] = {}
    for (path, message), labels in failed.items():
        if len(labels) == len(SIDES) and not path.startswith("<"):
            alike.setdefault(message.split(":", 1)[0], []).append(path)
    grouped = {path for paths in alike.values() if len(paths) > MAX_ALIKE_FAILURES for path in paths}
    for reason, paths in alike.items():
        if len(paths) > MAX_ALIKE_FAILURES:
            out.append(AnalyzerFailure(source=source, message=(
                f"baseline and candidate: {len(paths)} files fail alike ({reason}), their keys not compared: "
                f"{', '.join(sorted(paths)[:3])}, ...")))
    for (path, message), labels in failed.items():
        if path in grouped and len(labels) == len(SIDES):
            continue
        text = f"{' and '.join(labels)} {path}: {message}"
        if hidden.get(path) and len(labels) == 1:
            count = hidden[path]
            text += (f"; {count} key{'s' if count != 1 else ''} it sets {'are' if count != 1 else 'is'} unknown at the "
                     f"{labels[0]} and not compared")
        where = None if path.startswith("<") else path  # `<entry>`, `<key …>`: not a file
        out.append(AnalyzerFailure(source=source, path=where, message=text))
    return out


class ConfigForensics(Analyzer):
    """Publishes `data["effective_config"]`: {"baseline"|"candidate": {key: literal value}}."""

    id = SOURCE
    title = "Config forensics"
    order = 20
    cpu_bound = True  # pure Python: takes turns with the other CPU-bound analyzers (see analyzers.base)
    # computed in a helper process beside the code detectors (workflow/forked.py): later steps read only its
    # result (its parse cache is its own; snapshot trees are only peeked at; unreadable blobs are carried back)
    forked = True

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        if ctx.changeset is None:
            return False, "no repository (logs-only mode)"
        for snapshot in (ctx.changeset.baseline, ctx.changeset.candidate):
            if any(extractor_for(p) is not None for p in snapshot.paths()):
                return True, "configuration files or Python sources present"
        return False, "no configuration files or Python sources at either commit"

    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        start = time.perf_counter()
        result = AnalyzerResult(analyzer=self.id)
        cs = ctx.changeset
        if cs is None:
            return result
        req = ctx.request
        try:
            comparison = compare_configs(cs.baseline, cs.candidate, ctx.playbooks, req.baseline_entry, req.candidate_entry,
                                 same_code=_same_code(ctx), renames=_renames(ctx))
        except Exception as exc:
            result.failures.append(AnalyzerFailure(source=self.id, message=f"config forensics failed: "
                                                   f"{type(exc).__name__}: {exc}"))
            result.duration_s = time.perf_counter() - start
            return result
        unknown = _unknown_at(comparison.base_side, comparison.cand_side)
        effective, hidden = _known_matches(comparison.effective, unknown)
        other, hidden_other = _known_matches(comparison.other, unknown)
        for path, count in hidden_other.items():
            hidden[path] = hidden.get(path, 0) + count
        result.failures.extend(_failures(self.id, unknown, hidden))
        for label, config, given in (("baseline", comparison.base, req.baseline_entry),
                                     ("candidate", comparison.cand, req.candidate_entry)):
            if given and config.entry.how != "given":
                result.failures.append(AnalyzerFailure(
                    source=self.id, message=f"{label} entry `{given}` not found; used {config.entry.describe()}"))
        outcome = build_outcome(effective, comparison.base, comparison.cand, ctx.playbooks,
                                (comparison.base_side.reads, comparison.cand_side.reads), comparison.targets,
                                entry_known=not comparison.primary_is_other,
                                read_candidate=cs.candidate.read_text)
        for key, message in outcome.failures:
            result.failures.append(AnalyzerFailure(source=self.id, message=f"config key `{key}`: {message}"))
        result.findings = outcome.findings
        unrelated = unrelated_entries(comparison, req.baseline_entry, req.candidate_entry, _renames(ctx))
        result.no_effect = outcome.no_effect
        if unrelated and result.findings:
            result.no_effect.append(_not_compared(result.findings, unrelated))
            result.findings = []
        elif not comparison.primary_is_other:
            result.findings = _fold_switch(ctx, comparison, result.findings)
        result.verified = outcome.verified
        result.hypothesis_updates = outcome.hypotheses
        # For later analyzers (the metric analyzer reads the configured gradient clip from here).
        result.data["effective_config"] = {
            label: {key: entry.value for key, entry in config.effective.items() if entry.literal}
            for label, config in (("baseline", comparison.base), ("candidate", comparison.cand))
        }
        # For the branch-reachability rule (detectors/guards.py): where each value is set, which keys
        # are expressions, and the entry script whose `__main__` block is on the training path.
        sides = (("baseline", comparison.base), ("candidate", comparison.cand))
        result.data["effective_where"] = {
            label: {key: entry.where() for key, entry in config.effective.items() if entry.literal} for label, config in sides}
        result.data["effective_computed"] = {
            label: sorted(key for key, entry in config.effective.items() if not entry.literal) for label, config in sides}
        result.data["entry_script"] = {label: config.entry.script for label, config in sides}
        result.data["entry_rivals"] = {label: config.entry.rivals for label, config in sides}
        # For ranking's scope rule: files the training entry is, reaches or loads are on the training path.
        result.data["training_files"] = sorted(comparison.base.training_files | comparison.cand.training_files)
        # Every dead key, by file: the full list behind the grouped `no_effect` items.
        result.sections.append(ReportSection(
            id="config_changes", title="Configuration changes", order=40,
            markdown=render(comparison.base, comparison.cand, outcome, comparison.other,
                            comparison.primary_is_other)))
        result.duration_s = time.perf_counter() - start
        return result


ANALYZER = register_analyzer(ConfigForensics())
