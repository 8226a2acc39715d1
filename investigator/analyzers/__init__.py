"""Analyzers: independent, registered units that turn a change set into evidence.

Adding an analyzer is adding a module with a subclass of `Analyzer` that calls `register_analyzer`,
and listing the module in `ANALYZER_MODULES` so it is imported.
"""

from investigator.analyzers.base import (
    ANALYZER_MODULES,
    AnalysisContext,
    Analyzer,
    AnalyzerLike,
    all_analyzers,
    register_analyzer,
)

__all__ = ["ANALYZER_MODULES", "AnalysisContext", "Analyzer", "AnalyzerLike", "all_analyzers", "register_analyzer"]
