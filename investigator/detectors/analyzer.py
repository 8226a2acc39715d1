"""The `code_detectors` analyzer: behavioural code changes found by AST-level detectors."""

from __future__ import annotations

from investigator.analyzers.base import AnalysisContext, Analyzer, register_analyzer
from investigator.detectors.base import all_detectors
from investigator.detectors.engine import python_changed, run_detectors
from investigator.detectors.native import native_changes
from investigator.detectors.sources import changes_from_changeset
from investigator.models import AnalyzerResult


class CodeDetectorsAnalyzer(Analyzer):
    id = "code_detectors"
    title = "Code-change detectors"
    order = 40
    cpu_bound = True  # pure Python: takes turns with the other CPU-bound analyzers (see analyzers.base)

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        if ctx.changeset is None:
            return False, "no repository (logs-only mode)"
        changes = changes_from_changeset(ctx.changeset)
        if not python_changed(changes) and not native_changes(changes):
            return False, "no Python or native source file changed"
        return True, "Python or native source files changed"

    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        assert ctx.changeset is not None
        changes = changes_from_changeset(ctx.changeset)
        return run_detectors(
            ctx.changeset.baseline, ctx.changeset.candidate, changes, ctx.playbooks, equivalent=equivalent_paths(ctx)
        )


# triage kinds that guarantee identical behaviour (bytecode/AST-equal up to docstrings)
EQUIVALENT_KINDS = frozenset({"rename", "formatting", "comments", "docstring"})


def equivalent_paths(ctx: AnalysisContext) -> set[str]:
    """Changed Python files that triage classified as behaviour-identical (candidate paths)."""
    if ctx.triage is None:
        return set()
    return {
        e.path for e in ctx.triage.entries
        if e.change_kind in EQUIVALENT_KINDS and e.language == "python"
    }


ANALYZER = register_analyzer(CodeDetectorsAnalyzer())
all_detectors()  # import the rule modules with the analyzer, not on its first run
