"""Analyzers: independent, registered units that turn a change set into evidence.

Adding an analyzer is adding a module `investigator/analyzers/<name>.py` or
`investigator/<stage>/analyzer.py` with a subclass of `Analyzer` that calls `register_analyzer`: the unit registry
(`investigator.units`) imports it.
"""

from investigator.analyzers.base import (
    AnalysisContext,
    Analyzer,
    AnalyzerLike,
    all_analyzers,
    register_analyzer,
)

__all__ = ["AnalysisContext", "Analyzer", "AnalyzerLike", "all_analyzers", "register_analyzer"]
