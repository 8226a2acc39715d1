"""Diff-level analyzer: what changed where, what cannot change behaviour, what stayed untouched.

It never turns "a file in a subsystem changed" into a finding (that is a static signal, docs/domain.md,
Evidence kinds). Its findings are diff-level facts that break training outright: a Python module that
parsed at the baseline and no longer parses at the candidate.
"""

from __future__ import annotations

import time
from collections import defaultdict

from investigator.analyzers.base import AnalysisContext, Analyzer, register_analyzer
from investigator.models import (
    AnalyzerResult,
    Evidence,
    EvidenceKind,
    Finding,
    Location,
    NoEffectChange,
    ReportSection,
    Severity,
    VerifiedItem,
)

_KIND_REASONS = {
    "rename": "pure rename: identical content at a new path",
    "formatting": "formatting only: the parsed content (Python AST / YAML / JSON data) is identical",
    "comments": "comments only: the parsed content is identical, only comments changed",
    "docstring": "docstrings only: the code is identical apart from documentation strings",
    "documentation": "documentation file",
}


class DiffOverviewAnalyzer(Analyzer):
    id = "diff_overview"
    title = "Diff overview"
    order = 10  # planning and report order among analyzers (analyzers.units)
    cpu_bound = True  # pure Python: takes turns with the other CPU-bound analyzers (see analyzers.base)

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        if ctx.changeset is None or ctx.triage is None:
            return False, "no repository given"
        return True, f"{len(ctx.changeset.files)} changed files"

    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        start = time.perf_counter()
        assert ctx.changeset is not None and ctx.triage is not None
        result = AnalyzerResult(analyzer=self.id)
        for entry in ctx.triage.no_effect():
            locations = [Location(path=entry.path, side="candidate")]
            if entry.old_path:
                locations.insert(0, Location(path=entry.old_path, side="baseline"))
            result.no_effect.append(
                NoEffectChange(
                    subsystem="other",
                    title=f"{entry.old_path + ' -> ' if entry.old_path else ''}{entry.path}",
                    reason=_KIND_REASONS[entry.change_kind],
                    locations=locations,
                    source=self.id,
                )
            )
        touched = ctx.triage.touched()
        for playbook in ctx.playbooks:
            if touched.get(playbook.subsystem, 0) == 0:
                result.verified.append(
                    VerifiedItem(
                        subsystem=playbook.subsystem,
                        what=f"{playbook.title}: no behavioural change in code mapped to this subsystem",
                        how="static diff and triage by playbook signals (paths, identifiers)",
                        source=self.id,
                        whole_subsystem=True,
                    )
                )
        result.findings.extend(self._parse_breakages(ctx, result))
        result.sections.append(self._overview_section(ctx))
        result.duration_s = time.perf_counter() - start
        return result

    def _parse_breakages(self, ctx: AnalysisContext, result: AnalyzerResult) -> list[Finding]:
        """A module that parsed at the baseline and does not at the candidate breaks every import of it."""
        findings = []
        assert ctx.triage is not None
        for entry in ctx.triage.entries:
            new_err = entry.parse_errors.get("candidate")
            if new_err is None or "baseline" in entry.parse_errors or entry.status == "added":
                continue
            subsystem = entry.subsystem_names[0] if entry.subsystem_names[0] != "other" else "trainer"
            findings.append(
                Finding(
                    id=f"{self.id}:syntax:{entry.path}",
                    source=self.id,
                    subsystem=subsystem,
                    severity=Severity.significant,
                    confidence=0.9,
                    title=f"`{entry.path}` no longer parses at the candidate",
                    impact=("Any code path importing this module fails at import time." if entry.language == "python"
                            else "Any code that loads this file fails when it reads it."),
                    rationale=f"The baseline version parses; the candidate {new_err}.",
                    locations=[
                        Location(path=entry.old_path or entry.path, side="baseline"),
                        Location(path=entry.path, line=_error_line(new_err), side="candidate"),
                    ],
                    evidence=[Evidence(kind=EvidenceKind.code, summary=f"candidate {new_err}")],
                    fix="Fix the syntax error (or revert the file to the baseline version).",
                )
            )
        return findings

    def _overview_section(self, ctx: AnalysisContext) -> ReportSection:
        assert ctx.triage is not None
        by_subsystem: dict[str, list[str]] = defaultdict(list)
        for entry in ctx.triage.behavioural():
            for name in entry.subsystem_names:
                by_subsystem[name].append(entry.path)
        lines = ["| subsystem | changed files (behavioural) | examples |", "|---|---|---|"]
        for name, paths in sorted(by_subsystem.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            examples = ", ".join(f"`{p}`" for p in paths[:4]) + (f" (+{len(paths) - 4})" if len(paths) > 4 else "")
            lines.append(f"| {name} | {len(paths)} | {examples} |")
        kinds: dict[str, int] = defaultdict(int)
        for entry in ctx.triage.entries:
            kinds[entry.change_kind] += 1
        lines.append("")
        lines.append("Change kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ".")
        return ReportSection(id="change_overview", title="Change overview (triage)", markdown="\n".join(lines), order=80)


def _error_line(message: str) -> int | None:
    marker = " at line "
    if marker in message:
        tail = message.split(marker, 1)[1].split(":", 1)[0]
        return int(tail) if tail.isdigit() else None
    return None


register_analyzer(DiffOverviewAnalyzer())
