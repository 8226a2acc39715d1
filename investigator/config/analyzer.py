"""The `config_forensics` analyzer: effective configuration at both commits, across formats, diffed."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from investigator.analyzers.base import AnalysisContext, register_analyzer
from investigator.config.collect import ParseCache, SideData, SnapshotLike, collect
from investigator.config.effective import build_side
from investigator.config.entry import pyproject_scripts, resolve
from investigator.config.extractors import extractor_for
from investigator.config.findings import SOURCE, build_outcome
from investigator.config.matching import Aliases, match
from investigator.config.model import KeyMatch, SideConfig
from investigator.config.report import render
from investigator.models import AnalyzerFailure, AnalyzerResult, ReportSection
from investigator.playbooks_lib.schema import PlaybookSet


@dataclass
class Comparison:
    """Both sides extracted and compared (also what tests and the benchmark inspect)."""

    base_side: SideData
    cand_side: SideData
    base: SideConfig
    cand: SideConfig
    targets: tuple[dict[str, str], dict[str, str]]
    effective: list[KeyMatch]
    other: list[KeyMatch]
    primary_is_other: bool  # at least one side had no effective configuration (lower confidence)


def compare(baseline: SnapshotLike, candidate: SnapshotLike, playbooks: PlaybookSet,
            baseline_entry: str | None = None, candidate_entry: str | None = None,
            same_code: Iterable[str] = ()) -> Comparison:
    """`same_code`: modules (same path at both commits) whose code triage found identical up to line
    layout; the candidate takes their extraction from the baseline while no entry is followed."""
    cache: ParseCache = {}
    base_side = collect(baseline, cache)
    reusable = {path: parsed for path in same_code if (parsed := base_side.parsed.get(path)) is not None}
    cand_side = collect(candidate, cache, reusable)
    cand_side.read_cache = base_side.read_cache  # unchanged modules are read-indexed once
    sides = []
    for side, snapshot, spec in ((base_side, baseline, baseline_entry), (cand_side, candidate, candidate_entry)):
        scripts = pyproject_scripts(snapshot.read_bytes("pyproject.toml"))
        resolved = resolve(side, spec, scripts)
        built = build_side(side, resolved)
        if resolved.starts and side.reused and _takes_from(built[0], side.reused):
            # followed code took values from a module with the baseline's lines: parse the candidate's
            side = cand_side = collect(candidate, cache)
            cand_side.read_cache = base_side.read_cache
            resolved = resolve(side, spec, scripts)
            built = build_side(side, resolved)
        sides.append(built)
    (base, tb), (cand, tc) = sides
    aliases = Aliases(playbooks.aliases())
    primary_is_other = not base.effective or not cand.effective
    if not base.effective and not cand.effective:
        effective, other = match(base.other, cand.other, aliases), []
    elif not cand.effective:  # one side's entry could not be followed: compare with all its config
        cand.entry.notes.append("no effective configuration; compared with all configuration at this commit")
        effective, other = match(base.effective, cand.other, aliases), []
    elif not base.effective:
        base.entry.notes.append("no effective configuration; compared with all configuration at this commit")
        effective, other = match(base.other, cand.effective, aliases), []
    else:
        effective, other = match(base.effective, cand.effective, aliases), match(base.other, cand.other, aliases)
    return Comparison(base_side, cand_side, base, cand, (tb, tc), effective, other, primary_is_other)


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


class ConfigForensics:
    """Publishes `data["effective_config"]`: {"baseline"|"candidate": {key: literal value}}."""

    id = SOURCE
    title = "Config forensics"
    cpu_bound = True  # pure Python: takes turns with the other CPU-bound analyzers (see analyzers.base)

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
            comparison = compare(cs.baseline, cs.candidate, ctx.playbooks, req.baseline_entry, req.candidate_entry,
                                 same_code=_same_code(ctx))
        except Exception as exc:  # noqa: BLE001 - recorded, the investigation goes on without this part
            result.failures.append(AnalyzerFailure(source=self.id, message=f"config forensics failed: "
                                                   f"{type(exc).__name__}: {exc}"))
            result.duration_s = time.perf_counter() - start
            return result
        failed: dict[tuple[str, str], list[str]] = {}
        for label, side in (("baseline", comparison.base_side), ("candidate", comparison.cand_side)):
            for path, message in side.failures:
                failed.setdefault((path, message), []).append(label)
        for (path, message), labels in failed.items():
            result.failures.append(AnalyzerFailure(source=self.id, path=path,
                                                   message=f"{' and '.join(labels)} {path}: {message}"))
        for label, config, given in (("baseline", comparison.base, req.baseline_entry),
                                     ("candidate", comparison.cand, req.candidate_entry)):
            if given and config.entry.how != "given":
                result.failures.append(AnalyzerFailure(
                    source=self.id, message=f"{label} entry `{given}` not found; used {config.entry.describe()}"))
        outcome = build_outcome(comparison.effective, comparison.base, comparison.cand, ctx.playbooks,
                                (comparison.base_side.reads, comparison.cand_side.reads), comparison.targets,
                                entry_known=not comparison.primary_is_other,
                                read_candidate=cs.candidate.read_text)
        result.findings = outcome.findings
        result.no_effect = outcome.no_effect
        result.verified = outcome.verified
        result.hypothesis_updates = outcome.hypotheses
        # For later analyzers (the metric analyzer reads the configured gradient clip from here).
        result.data["effective_config"] = {
            label: {key: entry.value for key, entry in config.effective.items() if entry.literal}
            for label, config in (("baseline", comparison.base), ("candidate", comparison.cand))
        }
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
