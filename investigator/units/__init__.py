"""Units: every detector, metric rule, config extractor and analyzer, with its metadata.

`registry` discovers them by package and validates their metadata at load; `docs` renders them
(`investigate explain`, the generated tables in docs/detectors.md and docs/metrics.md:
`python -m investigator.units docs`).
"""

from investigator.units.registry import (
    Kind,
    Unit,
    UnitError,
    UnitMeta,
    all_units,
    get_unit,
    kinds,
    load,
    unit_ids,
)

__all__ = ["Kind", "Unit", "UnitError", "UnitMeta", "all_units", "get_unit", "kinds", "load", "unit_ids"]
