"""Map a piece of code to a subsystem with the playbooks' `signals` (identifiers, then paths)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from investigator.playbooks_lib.schema import PlaybookSet


_KEYWORD_STATEMENTS = re.compile(r"(^\s*#?\s*|[;{})]\s*|\belse\s+)(return|yield)\b", re.MULTILINE)


def identifier_hits(text: str, playbooks: PlaybookSet | None) -> dict[str, list[str]]:
    """Subsystem -> distinct identifiers of that playbook found in the text (Python's own
    `return` keyword is not the RL "returns")."""
    out: dict[str, list[str]] = {}
    text = _KEYWORD_STATEMENTS.sub(r"\1", text)
    if playbooks is None:
        return out
    for playbook in playbooks:
        regex = playbook.identifier_regex
        if regex is None:
            continue
        found = list(dict.fromkeys(m.group(0) for m in regex.finditer(text)))
        if found:
            out[playbook.subsystem] = found
    return out


def classify(text: str, path: str, playbooks: PlaybookSet | None, default: str) -> str:
    """The subsystem whose identifiers occur most often in `text`; path globs break ties."""
    hits = identifier_hits(text, playbooks)
    if hits:
        best = max(hits.items(), key=lambda kv: (len(kv[1]), _path_bonus(kv[0], path, playbooks)))
        return best[0]
    if playbooks is not None:
        for playbook in playbooks:
            if playbook.matches_path(path):
                return playbook.subsystem
    return default


def _path_bonus(subsystem: str, path: str, playbooks: PlaybookSet | None) -> int:
    playbook = playbooks.get(subsystem) if playbooks else None
    return 1 if playbook and playbook.matches_path(path) else 0
