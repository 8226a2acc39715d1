"""Which probes a user asked for: `auto`, `none`, or known probe ids (the CLI and the service check alike)."""

from __future__ import annotations


def probe_selection(text: str) -> str:
    """`auto`, `none`, or the ids normalised (`training-run` -> `training_run`, duplicates dropped); ValueError
    naming the unknown ids and the known ones otherwise."""
    selection = str(text).strip().lower()
    if selection in ("auto", "none"):
        return selection
    from investigator.units.registry import load

    known = {u.id for u in load("probe")}
    ids = [p.strip().replace("-", "_") for p in selection.split(",") if p.strip()]
    unknown = [p for p in ids if p not in known]
    if not ids or unknown:
        raise ValueError(f"unknown probe id {', '.join(unknown) or repr(text)}; "
                         f"expected auto, none or ids among {', '.join(sorted(known))}")
    return ",".join(dict.fromkeys(ids))
