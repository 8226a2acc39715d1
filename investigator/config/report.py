"""The "Configuration changes" report section (markdown)."""

from __future__ import annotations

from investigator.config.findings import DeadGroup, Judged, Outcome
from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus, SideConfig
from investigator.models import SUBSYSTEMS

MAX_OTHER_ROWS = 40
MAX_DEAD_FILES = 40  # one-line summaries of dead keys (one per file and status) shown
MAX_DEAD_ROWS = 40  # dead keys listed one per row (files with few of them)
MAX_MOVED_KEYS = 20  # renamed keys listed one by one up to this many, else counted by file
MAX_MOVED_FILES = 10
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


def _dead(groups: list[DeadGroup]) -> list[str]:
    """Dead keys: a table row per key while they are few; otherwise one line per file (capped) for
    files with many, or for all files once the rows would pass `MAX_DEAD_ROWS`.

    Every key stays in the JSON report (`no_effect`, one item per file or per key)."""
    total = sum(len(g.matches) for g in groups)
    files = {path for g in groups for path in (g.baseline_path, g.candidate_path) if path}
    lines = [f"\n**No behavioural effect (configured, but no code reads it)**: {total:,} "
             f"key{'s' if total != 1 else ''} in {len(files):,} file{'s' if len(files) != 1 else ''}."]
    rows = [m for g in groups if not g.grouped for m in g.matches]
    by_file = [g for g in groups if g.grouped] if len(rows) <= MAX_DEAD_ROWS else groups
    if by_file:
        lines.append("")
        lines.extend(f"- {g.title()}" for g in by_file[:MAX_DEAD_FILES])
        more = len(by_file) - MAX_DEAD_FILES
        if more > 0:
            lines.append(f"- … and {more:,} more (see `no_effect` in the JSON report)")
    if rows and len(rows) <= MAX_DEAD_ROWS:
        lines.append(f"\n{HEADER}")
        lines.extend(_row(m) for m in rows)
    return lines


def _moved(moved: list[KeyMatch]) -> str:
    """Keys renamed with the same value: listed when few, else counted by file (a format migration
    moves thousands)."""
    if len(moved) <= MAX_MOVED_KEYS:
        return "\nRenamed with the same value: " + ", ".join(
            f"`{m.baseline.key}` → `{m.candidate.key}`" for m in moved) + "."  # type: ignore[union-attr]
    by_file: dict[tuple[str, str], int] = {}
    for m in moved:
        pair = (m.baseline.path, m.candidate.path)  # type: ignore[union-attr]
        by_file[pair] = by_file.get(pair, 0) + 1
    across = [(pair, n) for pair, n in by_file.items() if pair[0] != pair[1]]
    shown = ", ".join(f"`{b}` → `{c}` ({n:,})" for (b, c), n in across[:MAX_MOVED_FILES])
    more = f", … and {len(across) - MAX_MOVED_FILES:,} more file pairs" if len(across) > MAX_MOVED_FILES else ""
    within = sum(n for pair, n in by_file.items() if pair[0] == pair[1])
    parts = []
    if across:
        parts.append(f"{sum(n for _, n in across):,} moved to another file ({shown}{more})")
    if within:
        parts.append(f"{within:,} renamed within their file")
    return f"\nSame value under a new key: {len(moved):,} keys; " + "; ".join(parts) + "."


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
    live = [j for j in outcome.judged if j.match.status in (MatchStatus.changed, MatchStatus.removed,
                                                            MatchStatus.added)]
    counts = outcome.counts
    label = "Configuration compared" if primary_is_other else "Effective configuration"
    lines.append(
        f"\n{label}: {counts[MatchStatus.changed]} changed, {counts[MatchStatus.removed]} removed, "
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
    if outcome.identical_defaults:
        shown = ", ".join(f"`{m.key}` {m.key_entry.render_value()} ({d.where})"
                          for m, d in outcome.identical_defaults[:MAX_MOVED_KEYS])
        more = len(outcome.identical_defaults) - MAX_MOVED_KEYS
        lines.append(f"\nSet at one commit only, to the other commit's implicit default (identical): {shown}"
                     + (f", … and {more:,} more" if more > 0 else "") + ".")
    if outcome.dead:
        lines.extend(_dead(outcome.dead))
    if outcome.moved:
        lines.append(_moved(outcome.moved))
    # values that changed say more than keys that came or went (a migration removes and adds thousands)
    rank = {MatchStatus.changed: 0, MatchStatus.removed: 1, MatchStatus.added: 1}
    other_changes = sorted((m for m in other if m.status in rank), key=lambda m: rank[m.status])
    if other_changes and not primary_is_other:
        n_changed = sum(1 for m in other_changes if m.status is MatchStatus.changed)
        lines.append(
            f"\n**Other configuration (outside the entry's reach)**: {len(other_changes)} keys differ"
            + f" ({n_changed} changed value, {len(other_changes) - n_changed} removed or added)"
            + (f"; first {MAX_OTHER_ROWS} shown, changed values first" if len(other_changes) > MAX_OTHER_ROWS else "")
            + f".\n\n{HEADER}"
        )
        lines.extend(_row(m) for m in other_changes[:MAX_OTHER_ROWS])
    return "\n".join(lines)
