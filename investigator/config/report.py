"""The "Configuration changes" report section (markdown)."""

from __future__ import annotations

from investigator.config.findings import Judged, Outcome
from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus, SideConfig
from investigator.models import SUBSYSTEMS

MAX_OTHER_ROWS = 40
MAX_VALUE_CHARS = 90


def _cell(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _value(entry: ConfigEntry | None, status: MatchStatus, side: str) -> str:
    if entry is None:
        return "— (removed)" if side == "candidate" and status is MatchStatus.removed else "— (not set)"
    return _cell(entry.render_value())


def _where(match: KeyMatch, place: ConfigEntry | None = None) -> str:
    b = match.baseline.where() if match.baseline else "—"
    c = match.candidate.where() if match.candidate else f"— (section at {place.where()})" if place else "—"
    return f"{b} → {c}"


def _key(match: KeyMatch) -> str:
    if match.baseline and match.candidate and match.baseline.key != match.candidate.key:
        return f"`{match.baseline.key}` → `{match.candidate.key}`"
    return f"`{match.key}`"


def _row(match: KeyMatch, place: ConfigEntry | None = None) -> str:
    return (f"| {_key(match)} | {_value(match.baseline, match.status, 'baseline')} | "
            f"{_value(match.candidate, match.status, 'candidate')} | {_cell(_where(match, place))} |")


HEADER = "| key | baseline | candidate | where (baseline → candidate) |\n|---|---|---|---|"


def render(base: SideConfig, cand: SideConfig, outcome: Outcome, other: list[KeyMatch],
           primary_is_other: bool) -> str:
    lines = [
        f"**Entry analysed.** Baseline: {base.entry.describe()}. Candidate: {cand.entry.describe()}.",
    ]
    for side, config in (("baseline", base), ("candidate", cand)):
        for note in config.entry.notes:
            lines.append(f"- note ({side}): {note}")
    if primary_is_other:
        lines.append("\nThe entry point's configuration could not be followed at every commit; where it could not, "
                     "all configuration found at that commit was compared (lower confidence).")
    judged = [j for j in outcome.judged if j.match.status in (MatchStatus.changed, MatchStatus.removed,
                                                              MatchStatus.added)]
    live = [j for j in judged if j.dead is None]
    counts = {s: sum(1 for j in outcome.judged if j.match.status is s) for s in MatchStatus}
    lines.append(
        f"\nEffective configuration: {counts[MatchStatus.changed]} changed, {counts[MatchStatus.removed]} removed, "
        f"{counts[MatchStatus.added]} added, {counts[MatchStatus.moved]} moved with the same value, "
        f"{counts[MatchStatus.unchanged]} unchanged."
    )
    by_subsystem: dict[str, list[Judged]] = {}
    for j in live:
        by_subsystem.setdefault(j.verdict.subsystem, []).append(j)
    order = [*SUBSYSTEMS, *sorted(set(by_subsystem) - set(SUBSYSTEMS))]
    for subsystem in order:
        rows = by_subsystem.get(subsystem)
        if not rows:
            continue
        lines.append(f"\n**{subsystem}**\n\n{HEADER}")
        lines.extend(_row(j.match, j.place) for j in sorted(rows, key=lambda j: (-j.verdict.severity.weight, j.match.key)))
    dead = [j for j in judged if j.dead is not None]
    if dead:
        lines.append(f"\n**No behavioural effect (configured, but no code reads it)**\n\n{HEADER}")
        lines.extend(_row(j.match) for j in dead)
    moved = [j.match for j in outcome.judged if j.match.status is MatchStatus.moved
             and j.match.baseline and j.match.candidate and j.match.baseline.key != j.match.candidate.key]
    if moved:
        lines.append("\nRenamed with the same value: " + ", ".join(
            f"`{m.baseline.key}` → `{m.candidate.key}`" for m in moved[:20]) + ("…" if len(moved) > 20 else "") + ".")  # type: ignore[union-attr]
    other_changes = [m for m in other if m.status in (MatchStatus.changed, MatchStatus.removed, MatchStatus.added)]
    if other_changes and not primary_is_other:
        lines.append(
            f"\n**Other configuration (outside the entry's reach)**: {len(other_changes)} keys differ"
            + (f"; first {MAX_OTHER_ROWS} shown" if len(other_changes) > MAX_OTHER_ROWS else "")
            + f".\n\n{HEADER}"
        )
        lines.extend(_row(m) for m in other_changes[:MAX_OTHER_ROWS])
    return "\n".join(lines)
