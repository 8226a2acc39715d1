"""Bounds of what is parsed: YAML alias expansion, Python nesting, unreadable content; each unit
says exactly why it gave up, and ordinary files are unaffected."""

from __future__ import annotations

import time

import pytest
import yaml

from investigator.config.analyzer import _known_matches, _unknown_at
from investigator.config.collect import SideData
from investigator.config.extractors.base import ExtractError, LimitError
from investigator.config.extractors.structured import (
    MAX_EXPANDED_NODES,
    expanded_size,
    extract_yaml,
    load_documents,
)
from investigator.config.model import ConfigEntry, EntryKind, KeyMatch, MatchStatus
from investigator.content import decode_text, is_binary, unreadable_reason
from investigator.pyast import NOT_ANALYSED, TooComplexError, compile_source, parse_python, parse_tree
from tests.test_hostile_inputs import LFS_POINTER, alias_bomb


def test_alias_bomb_is_refused_in_linear_time():
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"expands to 12,345,679,021 nodes"):
        extract_yaml("c.yaml", alias_bomb(levels=9))
    with pytest.raises(LimitError):
        load_documents("ok: 1\n---\n" + alias_bomb(levels=7))  # any document of a stream
    assert time.perf_counter() - start < 2


def test_aliases_that_stay_small_are_read_with_their_values():
    text = "base: &b {lr: 0.1, gamma: 0.99}\nppo:\n  <<: *b\n  lr: 0.2\nsac: *b\n"
    parsed = extract_yaml("c.yaml", text)
    values = {e.key: e.value for e in parsed.entries}
    assert values["ppo.lr"] == 0.2 and values["ppo.gamma"] == 0.99 and values["sac.lr"] == 0.1
    assert expanded_size(yaml.compose(text)) < 50
    # a 4-level "bomb" expands to 12,345 nodes: well under the bound, read like any document
    assert expanded_size(yaml.compose(alias_bomb(levels=4))) < MAX_EXPANDED_NODES
    assert len(load_documents(alias_bomb(levels=4))[0]["a4"]) == 10


def test_recursive_alias_is_a_limit_not_a_crash():
    with pytest.raises(LimitError, match="recursive alias"):
        extract_yaml("c.yaml", "a: &a [1, *a]\n")


def test_yaml_syntax_error_is_a_parse_error_not_a_limit():
    with pytest.raises(ExtractError) as info:
        extract_yaml("c.yaml", "a:\n\tb: 1\n")
    assert not isinstance(info.value, LimitError)


@pytest.mark.parametrize("source", ["x = " + "+".join(["a"] * 100_000), "y = a" + ".b" * 50_000])
def test_deep_python_is_not_analysed_not_a_syntax_error(source):
    tree, error = parse_python(source)
    assert tree is None and error.startswith(NOT_ANALYSED) and "nested too deeply" in error
    assert compile_source(source) is None
    with pytest.raises(SyntaxError):  # every caller that handles SyntaxError handles it
        parse_tree(source)


def test_real_syntax_errors_and_null_bytes_still_say_so():
    assert parse_python("def f(:\n")[1].startswith("does not parse: SyntaxError at line 1")
    assert parse_python("x = 1\0\n")[1].startswith("does not parse")
    assert parse_python("x = (1 +\n 2)\n")[1] is None


def test_oversized_source_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr("investigator.pyast.MAX_SOURCE_CHARS", 100)
    with pytest.raises(TooComplexError, match="too large"):
        parse_tree("x = 1\n" * 50)
    assert compile_source("x = 1\n" * 50) is None


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (None, "missing"),
        (LFS_POINTER.encode(), "git-LFS pointer"),
        (b"a: 1\n\0", "binary"),
        (b"a: 1\n" * 100, "too large"),
    ],
)
def test_unreadable_reasons(data, why):
    assert why in unreadable_reason(data, max_bytes=300)


def test_plain_text_is_readable():
    assert unreadable_reason(b"version: 2\nlr: 0.1\n", max_bytes=300) is None
    assert unreadable_reason("lr: caf\xe9\n".encode("latin-1"), max_bytes=300) is None


def _entry(key: str, path: str, value: object) -> ConfigEntry:
    return ConfigEntry(key=key, raw_key=key, value=value, path=path, line=1, format="yaml", kind=EntryKind.file_value)


def test_keys_of_a_file_unread_at_one_side_are_unknown_there():
    base, cand = SideData(sha="b"), SideData(sha="c")
    cand.failures.append(("conf/a.yaml", "YAML does not parse"))
    base.unreadable["data/same.json"] = ("too large", b"1")
    cand.unreadable["data/same.json"] = ("too large", b"1")
    unknown = _unknown_at(base, cand)
    assert unknown == {"baseline": {}, "candidate": {"conf/a.yaml": "YAML does not parse"}}
    matches = [
        KeyMatch(MatchStatus.removed, _entry("lr", "conf/a.yaml", 0.1), None),
        # the unread file overrode a default that now shows through: unknown too, not "changed"
        KeyMatch(MatchStatus.changed, _entry("gamma", "conf/a.yaml", 0.9), _entry("gamma", "defaults.py", 0.99)),
        KeyMatch(MatchStatus.changed, _entry("seed", "conf/b.yaml", 1), _entry("seed", "conf/b.yaml", 2)),
        KeyMatch(MatchStatus.added, None, _entry("tau", "conf/b.yaml", 0.005)),
    ]
    kept, hidden = _known_matches(matches, unknown)
    assert [m.key for m in kept] == ["seed", "tau"] and hidden == {"conf/a.yaml": 2}


def test_changed_unreadable_file_is_unknown_at_its_side():
    base, cand = SideData(sha="b"), SideData(sha="c")
    base.unreadable["big.yaml"] = ("too large", b"1")
    cand.unreadable["big.yaml"] = ("too large", b"2")
    assert _unknown_at(base, cand) == {"baseline": {"big.yaml": "too large"}, "candidate": {"big.yaml": "too large"}}


def test_utf16_text_is_text_and_nul_bytes_are_not():
    data = "\ufefftrainer:\n  lr: 0.1\n".encode("utf-16-le")
    assert unreadable_reason(data, max_bytes=300) is None
    assert decode_text(data) == "trainer:\n  lr: 0.1\n"
    assert is_binary(b"a\0b") and not is_binary(b"plain")
    assert decode_text("\ufeffx = 1\n".encode()) == "x = 1\n"  # a UTF-8 byte-order mark is dropped
