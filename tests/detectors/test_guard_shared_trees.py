"""The guards' `Side` reads the snapshot's already parsed tree of a file (triage and the analyzers
parsed most changed files) instead of parsing it again, and parses the file itself when the snapshot
has none: the same tree either way."""

from __future__ import annotations

import ast

from investigator.detectors.guards import Side

TEXTS = {"a.py": "USE_X = False\nif USE_X:\n    loss = 2 * loss\n", "b.py": "def f(flag=False):\n    return flag\n",
         "bad.py": "def (:\n"}


def _side(parsed=None) -> tuple[Side, list[str]]:
    reads: list[str] = []

    def read(path: str) -> str | None:
        reads.append(path)
        return TEXTS.get(path)

    return Side("candidate", read, sorted(TEXTS), parsed=parsed), reads


def test_the_snapshots_tree_is_used_and_the_text_is_not_read() -> None:
    shared = ast.parse(TEXTS["a.py"])
    side, reads = _side(parsed=lambda path: shared if path == "a.py" else None)
    assert side.tree("a.py") is shared
    assert side.tree("a.py") is shared  # cached on the side
    assert reads == []


def test_a_file_the_snapshot_did_not_parse_is_parsed_here_as_before() -> None:
    side, reads = _side(parsed=lambda path: None)
    plain, _ = _side()
    for path in ("b.py", "bad.py", "missing.py"):
        mine, theirs = side.tree(path), plain.tree(path)
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert ast.dump(mine, include_attributes=True) == ast.dump(theirs, include_attributes=True)
    assert side.tree("bad.py") is None and side.tree("missing.py") is None
    assert "b.py" in reads


def test_a_path_outside_the_side_is_never_taken_from_the_snapshot() -> None:
    shared = ast.parse("x = 1\n")
    side, _ = _side(parsed=lambda path: shared)
    assert side.tree("elsewhere.py") is None
