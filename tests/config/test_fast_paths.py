"""The fast paths give the same answers as the plain definitions they replace."""

from __future__ import annotations

import ast
import itertools
import re
import string
import textwrap

import yaml

from investigator.config.extractors.python import (
    _INERT,
    FieldInfo,
    Value,
    _ModuleVisitor,
    _plain_field,
    _walk,
)
from investigator.config.extractors.structured import _Loader, extract_yaml
from investigator.config.keys import normalise_key, tokens
from investigator.config.matching import RENAME_THRESHOLD, Aliases, _similarity_over, leaf_similarity
from investigator.config.model import ConfigEntry, EntryKind, same_value, value_key
from investigator.config.usage import _WORD, ReadIndex, dead_reason, words_of
from investigator.playbooks_lib import load_playbooks

VALUES = [1, 1.0, True, False, 0, 0.0, None, "x", "1", [1, 2], (1, 2), [1.0, 2], {}, {"a": 1}, {"a": 1.0},
          0.3, float("nan"), 2**2000, 2**2000 + 1]


def _entry(value: object, literal: bool = True) -> ConfigEntry:
    return ConfigEntry(key="k", value=value, path="p.py", line=1, format="python", kind=EntryKind.constant,
                       literal=literal)


def test_value_key_is_equal_exactly_when_same_value_says_so():
    entries = [_entry(v) for v in VALUES] + [_entry("a + b", False), _entry("a+b", False), _entry("f(x)", False)]
    for a, b in itertools.product(entries, repeat=2):
        ka, kb = value_key(a), value_key(b)
        if ka is not None and kb is not None:
            assert (ka == kb) == same_value(a, b), (a.value, b.value)


def test_word_index_finds_the_modules_a_text_scan_finds():
    sources = {f"m{i}.py": textwrap.dedent(src) for i, src in enumerate([
        "x = cfg.num_envs\n", "y = cfg.numEnvs\n", "z = cfg._num_envs\n", "# num_envs in a comment\n",
        "w = cfg['NUM_ENVS']\n", "v = cfg.num_envs_total\n", "u = 1\n",
    ])}
    index = ReadIndex(sources)
    for names in ({"num_envs"}, {"numEnvs"}, {"u"}, {"total"}, {"num-envs"}):
        wanted = {n.lower().replace("-", "_") for n in names}
        pattern = ReadIndex._pattern(wanted)
        assert index._mentioning(wanted) == [p for p, t in sources.items() if pattern.search(t)], names


def test_walk_is_ast_walk_order_with_branch_flags():
    tree = ast.parse(textwrap.dedent("""
        def f(cfg):
            a = 1
            if cfg.x:
                b = g(c=2)
                for i in range(3):
                    d = {"k": i}
            else:
                e: int = 3
            match cfg.y:
                case 1:
                    h = 4
            return [k for k in cfg.z if k]
    """))
    for stmt in tree.body:
        walked = _walk(stmt)
        assert [id(n) for n, _ in walked] == [id(n) for n in ast.walk(stmt) if type(n) not in _INERT]
        conditional = {n.targets[0].id if isinstance(n, ast.Assign) else n.target.id
                       for n, flag in walked if flag and isinstance(n, ast.Assign | ast.AnnAssign)}
        assert conditional == {"b", "d", "e", "h"}


def test_rename_similarity_bound_never_drops_a_pair():
    aliases = Aliases(load_playbooks().aliases())
    leaves = ["lr", "learning_rate", "num_envs", "n_envs", "gamma", "gam", "reward", "rewards", "", "item_3",
              "item_30", "batch_size", "batch", "size_batch", "clip_coef", "workers", "num_workers"]
    for a, b in itertools.product(leaves, repeat=2):
        full = leaf_similarity(a, b, aliases)
        for bonus in (0.0, 0.15):
            fast = _similarity_over(a, b, tokens(a), tokens(b), aliases, RENAME_THRESHOLD - bonus - 1e-9)
            if fast is None:
                assert full + bonus < RENAME_THRESHOLD, (a, b)
            else:
                assert fast == full, (a, b)


def test_pattern_helper_is_word_bounded():
    assert ReadIndex._pattern({"num_envs"}).search("cfg.numEnvs")
    assert not re.search(ReadIndex._pattern({"num_envs"}), "cfg.num_envs_total")


def test_words_of_ascii_text_are_the_regex_words():
    texts = ["cfg.num_envs+x[1]-y\t#z\nA_b9 c", string.printable, "x\x1cy\x1dz\x1e\x1fw\x0bv\x0cu",
             "naïve_x — y…z", "ÄBC.déf", ""]
    for text in texts:
        assert words_of(text) == frozenset(_WORD.findall(text.casefold())), text


def test_dead_reason_reads_only_the_leaf_its_section_and_the_target():
    index = ReadIndex({"m.py": "def main(cfg):\n    return cfg.optim\n\nmain(1)\n"})
    assert dead_reason("_target_", index) == "no code reads `_target_`"
    assert dead_reason("sched._target_", index) == "no code reads `sched`"
    assert dead_reason("a.sched._target_", index) == "no code reads `sched` or its section `a`"
    assert dead_reason("optim._target_", index) is None and dead_reason("optim.lr", index) is None
    assert dead_reason("x.y.z.lr", index) == "no code reads `lr` or its section `z`"
    assert dead_reason("lr", index) == "no code reads `lr`"


def test_alias_key_helpers_agree_with_the_plain_mapping():
    aliases = Aliases(load_playbooks().aliases())
    segments, key = aliases.segments(), aliases.keys()
    for parts in itertools.product(["num_workers", "rollout_workers", "lr", "learning_rate", "x", ""], repeat=3):
        raw = ".".join(parts)
        assert key(raw) == aliases.key(raw)
        assert segments(raw) == tuple(aliases.segment(s) for s in raw.split("."))


def test_memoised_yaml_tags_are_the_safe_loaders():
    text = "a: 1\nb: 1.5\nc: yes\nd: ~\ne: '1'\nf: 0x1f\ng: .inf\nh: 2001-01-01\ni: text\nj: [1, 'x', null]\n"
    for _ in range(2):  # the second pass reads the memo
        plain = yaml.compose(text, Loader=yaml.SafeLoader)
        memo = yaml.compose(text, Loader=_Loader)
        tags = [(k.tag, v.tag) for k, v in plain.value]
        assert tags == [(k.tag, v.tag) for k, v in memo.value]
        assert [n.tag for n in plain.value[-1][1].value] == [n.tag for n in memo.value[-1][1].value]


def test_structured_keys_normalised_by_prefix_are_normalise_key():
    text = "cfg:\n  Trainer:\n    learningRate: 1\n    '': 2\nconfig: 3\nself:\n  x: 4\nEnv-Name:\n  numEnvs: 5\n"
    parsed = extract_yaml("c.yaml", text)
    assert [e.key for e in parsed.entries] == [normalise_key(e.raw_key.split(".")) for e in parsed.entries]
    assert {e.key for e in parsed.entries} == {"trainer.learning_rate", "trainer", "config", "x", "env_name.num_envs"}


def test_plain_field_fast_path_is_the_general_path():
    """`x: T = <constant>` skips the general path; everything it excludes still takes it."""
    source = textwrap.dedent('''
        from dataclasses import dataclass
        from typing import ClassVar

        @dataclass
        class C:
            a: int = 5
            b: float = 1e-3
            c: str = "x"
            d: bool = True
            e: object = None
            f: bytes = b"x"
            g: complex = 1j
            h: int = ...
            _p: int = 1
            model_config: dict = None
            k: ClassVar = 3
            m: typing.ClassVar = 4
            n: "Other" = 2
            o: int = -1
    ''')
    tree = ast.parse(source)
    cls = tree.body[-1]
    visitor = _ModuleVisitor("m.py")
    plain = [_plain_field(stmt) for stmt in cls.body]
    assert [f.name for f in plain if f] == ["a", "b", "c", "d", "e"]
    for stmt, fast in zip(cls.body, plain, strict=True):
        if fast is not None:
            assert fast == visitor._general_field(stmt)
        assert visitor._field(stmt) == visitor._general_field(stmt)
    assert plain[0] == FieldInfo(name="a", line=7, values=[Value((), 5, True, 7)], nested="int")
