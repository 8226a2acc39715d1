from __future__ import annotations

import pytest

from investigator.models import SUBSYSTEMS, Severity
from investigator.playbooks_lib.schema import PlaybookError, load_playbooks


def test_every_subsystem_has_a_valid_playbook():
    playbooks = load_playbooks()
    assert set(playbooks.playbooks) == set(SUBSYSTEMS)
    for pb in playbooks:
        assert len(pb.hypotheses) >= 3
        assert pb.signals.paths or pb.signals.identifiers
        for h in pb.hypotheses:
            assert h.statement and h.supports and h.refutes and h.fix


def test_config_rules_rank_learning_dynamics_above_intervals():
    playbooks = load_playbooks()
    assert playbooks.config_rule_for("trainer.learning_rate")[1].severity == Severity.critical
    assert playbooks.config_rule_for("env.rewards.gem")[0].subsystem == "env"
    pb, rule = playbooks.config_rule_for("trainer.checkpoint_interval")
    assert pb.subsystem == "checkpointing" and rule.severity == Severity.low and rule.kind == "interval"
    assert playbooks.config_rule_for("project.description") is None


def test_invalid_playbook_is_rejected_with_its_name(tmp_path):
    (tmp_path / "bad.yaml").write_text("subsystem: trainer\ntitle: t\ndescription: d\nsignals: {}\nhypotheses: []\n")
    with pytest.raises(PlaybookError, match="bad.yaml"):
        load_playbooks(tmp_path)


def test_unknown_subsystem_is_rejected(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "subsystem: rocket\ntitle: t\ndescription: d\nsignals: {}\nhypotheses:\n"
        + "".join(f"  - {{id: h{i}, statement: s, supports: s, refutes: r, severity: low, fix: f}}\n" for i in range(3))
    )
    with pytest.raises(PlaybookError, match="unknown subsystem"):
        load_playbooks(tmp_path)


def _playbook(identifiers: list[str], paths: list[str] | None = None):
    from investigator.playbooks_lib.schema import Playbook

    hypotheses = [{"id": f"h{i}", "statement": "s", "supports": "s", "refutes": "r", "severity": "low", "fix": "f"} for i in range(3)]
    return Playbook.model_validate({"subsystem": "ppo", "title": "t", "description": "d",
                                    "signals": {"identifiers": identifiers, "paths": paths or []}, "hypotheses": hypotheses})


def test_keywords_are_not_identifiers_in_code_but_are_in_config():
    pb = _playbook([r"\b(lambda|for|yield|returns?)\b"])
    code = "f = lambda x: x\nfor i in y:\n    yield i\nreturn z\n"
    assert pb.identifier_hits(code, "python") == []
    assert pb.identifier_hits("returns = lambda_returns(x)\n", "python") == ["returns"]
    assert pb.identifier_hits(code, "yaml") == ["for", "lambda", "return", "yield"]
    assert pb.identifier_hits(code, "native") == ["lambda", "yield"]  # C has a `for` and a `return`, no `lambda`
    assert pb.identifier_hits(code) == ["for", "lambda", "return", "yield"]  # qualified names: no filter


def test_soft_keywords_count_only_where_they_are_names():
    pb = _playbook([r"\b(match|case|type)\b"])
    statement = "match command:\n    case [x]:\n        pass\ntype Alias = list[int]\n"
    names = "match = re.match(p, s)\ncase = cases[0]\nprint(type(x))\ntype = 'a'\n"
    assert pb.identifier_hits(statement, "python") == []
    assert pb.identifier_hits(names, "python") == ["case", "match", "type"]
    assert pb.identifier_hits(statement, "yaml") == ["case", "match", "type"]


def test_identifier_hits_search_in_place_and_limit_examples():
    pb = _playbook([r"\bgamma\w*\b"])
    text = "xgamma = 1\ngamma_a = 2\ngamma_b = 3\n"
    start = text.index("gamma_a") + 2
    assert pb.identifier_hits(text, "python", start) == ["gamma_b"]  # `\b` sees the real neighbour: no "mma_a"
    assert pb.identifier_hits(text, "python", 0, text.index("gamma_b")) == ["gamma_a"]
    many = "\n".join(f"gamma_{i} = {i}" for i in range(20))
    assert len(pb.identifier_hits(many, "python")) == 5 and len(pb.identifier_hits(many, "python", limit=7)) == 7


def test_literal_prefixes_are_derived_or_refused():
    from investigator.playbooks_lib.schema import literal_prefixes

    assert literal_prefixes(r"\b(std|gain)\s*=") == {"std", "gain"}
    assert literal_prefixes(r"\bclip_grad_(norm|value)_\b") == {"clip_grad_norm_", "clip_grad_value_"}
    assert literal_prefixes(r"\badvantages?\b") == {"advantage", "advantages"}
    assert literal_prefixes(r"\.to\(dtype") == {".to(dtype"}
    for refused in (r"(?i)relu", r"\w+_coef", r"(?<=x)y", r"s?", r"a|\d", r"[^x]y"):
        assert literal_prefixes(refused) is None, refused


def _reference_hits(pb, text: str, language: str) -> list[str]:
    """identifier_hits without the literal prefilter (a plain finditer), for comparison."""
    from investigator.playbooks_lib.schema import _SOFT_KEYWORDS, IDENTIFIER_KEYWORDS, _opens_statement

    keywords = IDENTIFIER_KEYWORDS.get(language, frozenset())
    hits: list[str] = []
    for m in pb.identifier_regex.finditer(text):
        word = m.group()
        if word in keywords or (language == "python" and word in _SOFT_KEYWORDS and _opens_statement(text, m.start(), m.end())):
            continue
        if word not in hits:
            hits.append(word)
        if len(hits) == 5:
            break
    return sorted(hits)


def test_prefilter_finds_what_the_plain_regex_finds():
    from pathlib import Path

    from investigator.demo import generator

    templates = sorted((Path(generator.__file__).parent / "templates").glob("*.py"))
    texts = [p.read_text() for p in templates]
    texts += [t.replace("\n", " ") for t in texts]  # other neighbours for `\b`
    texts += ["lr_scheduler.step() lr=3 xlr F.relu(x) torch.nn.functional.gelu(h) def step(self, actions)",
              "rewards: {gem: 1}\ndevice: cpu\nreturn: 1\nwriter.flush() tb_writer.close()"]
    for pb in load_playbooks():
        assert pb._identifier_prefilter is not None, pb.subsystem  # every shipped playbook gets the fast path
        for text in texts:
            for language in ("python", "yaml"):
                assert pb.identifier_hits(text, language) == _reference_hits(pb, text, language), (pb.subsystem, text[:40])


def test_path_globs_match_like_fnmatch():
    import fnmatch

    playbooks = load_playbooks()
    paths = ["rlproj/ppo.py", "src/Models/Net.py", "a/b/train_x.py", "pkg/sub0/module_1.py", "configs/env/arena.yaml",
             "x/init.py", "init.py", "deep/sim/a/b.py", "README.md", "scripts/save_ckpt.py"]
    for path in paths:
        expected = {pb.subsystem: next(g for g in pb.signals.paths if fnmatch.fnmatch(path.lower(), g))
                    for pb in playbooks if any(fnmatch.fnmatch(path.lower(), g) for g in pb.signals.paths)}
        assert playbooks.matching_globs(path) == expected, path
        for pb in playbooks:
            assert pb.matches_path(path) == expected.get(pb.subsystem), (path, pb.subsystem)


def test_identifiers_do_not_match_builtins_or_ubiquitous_words():
    """An identifier signal that matches `len`, `max`, `device` or `self` would map nearly every file
    (`def forward` is meant: the name alone is not)."""
    import builtins
    import keyword

    words = [w for w in dir(builtins) if w.islower() and not w.startswith("_")] + keyword.kwlist + [
        "self", "x", "y", "data", "device", "item", "value", "values", "loss", "output", "step",
        "std", "close", "flush", "width", "depth", "size", "index", "result", "config", "cfg", "model",
        "advanced", "promote_types", "stage2",
    ]  # fmt: skip
    for pb in load_playbooks():
        for word in words:
            for text in (word, f"{word} = {word}({word})", f"def {word}(self):\n    return {word}\n"):
                assert pb.identifier_hits(text, "python") == [], (pb.subsystem, text)


def test_bad_identifier_pattern_is_named(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "subsystem: trainer\ntitle: t\ndescription: d\nsignals: {identifiers: ['\\bok\\b', '(unclosed']}\nhypotheses:\n"
        + "".join(f"  - {{id: h{i}, statement: s, supports: s, refutes: r, severity: low, fix: f}}\n" for i in range(3))
    )
    with pytest.raises(PlaybookError, match=r"(?s)bad.yaml.*'\(unclosed' does not compile"):
        load_playbooks(tmp_path)


def test_patterns_that_do_not_combine_or_compile_are_named(tmp_path):
    hypotheses = "".join(f"  - {{id: h{i}, statement: s, supports: s, refutes: r, severity: low, fix: f}}\n" for i in range(3))
    head = "subsystem: trainer\ntitle: t\ndescription: d\n"
    (tmp_path / "dup.yaml").write_text(head + "signals: {identifiers: ['(?P<a>x)', '(?P<a>y)']}\nhypotheses:\n" + hypotheses)
    with pytest.raises(PlaybookError, match="(?s)dup.yaml.*do not combine"):
        load_playbooks(tmp_path)
    (tmp_path / "dup.yaml").unlink()
    (tmp_path / "rule.yaml").write_text(head + "signals: {config_keys: [{keys: ['lr('], severity: low}]}\nhypotheses:\n" + hypotheses)
    with pytest.raises(PlaybookError, match=r"(?s)rule.yaml.*key glob 'lr\(': segment 'lr\(' may hold only"):
        load_playbooks(tmp_path)
    (tmp_path / "rule.yaml").write_text(head + "signals: {config_keys: [{keys: ['a..b'], severity: low}]}\nhypotheses:\n" + hypotheses)
    with pytest.raises(PlaybookError, match=r"(?s)rule.yaml.*key glob 'a\.\.b' has an empty segment"):
        load_playbooks(tmp_path)


@pytest.mark.parametrize(("key", "subsystem", "hypothesis"), [
    ("env.max_steps", "env", "episode_length_changed"),
    ("env_config.max_steps", "env", "episode_length_changed"),
    ("environment.max_steps", "env", "episode_length_changed"),
    ("trainer.max_steps", "trainer", "total_steps_changed"),
    ("max_steps", "trainer", "total_steps_changed"),  # no enclosing section: severity, then declaration order
    ("env.lr", "trainer", "learning_rate_changed"),  # a section never picks a rule that does not match
])
def test_the_rule_of_the_enclosing_section_wins_when_several_match(key, subsystem, hypothesis):
    from investigator.config.severity import rule_for

    playbooks = load_playbooks()
    playbook, rule = playbooks.config_rule_for(key)
    assert (playbook.subsystem, rule.hypothesis) == (subsystem, hypothesis)
    assert rule_for(key, playbooks) == (playbook, rule)  # the memoised index agrees


def test_checks_name_registered_units():
    from investigator.units import unit_ids

    named = {name for pb in load_playbooks() for h in pb.hypotheses for name in h.checks}
    assert named and named <= unit_ids()


def test_a_check_naming_no_unit_is_a_load_error(tmp_path):
    hypotheses = "".join(
        f"  - {{id: h{i}, statement: s, supports: s, refutes: r, severity: low, fix: f, checks: [{check}]}}\n"
        for i, check in enumerate(["gae_index", "config_forensics", "gae_index_shift"])
    )
    (tmp_path / "ppo.yaml").write_text(f"subsystem: ppo\ntitle: t\ndescription: d\nsignals: {{}}\nhypotheses:\n{hypotheses}")
    with pytest.raises(PlaybookError, match=r"ppo: hypothesis h2 checks 'gae_index_shift', which is no unit id \(did you mean gae_index\?\)"):
        load_playbooks(tmp_path)
    (tmp_path / "ppo.yaml").write_text((tmp_path / "ppo.yaml").read_text().replace("gae_index_shift", "final_performance"))
    assert [h.checks for h in load_playbooks(tmp_path).get("ppo").hypotheses][2] == ["final_performance"]


def test_short_word_globs_match_at_word_boundaries_only():
    """`*amp*` (AMP mixed precision) mapped OSRL's `examples/eval/eval_bc.py` to device (dbe3a1fd..03a45864):
    a glob of a 1-3 letter word matches where the word starts or ends a word of the path (so `catalog`, `logits`
    still match `*log*`)."""
    playbooks = load_playbooks()
    hits = {"amp_utils.py": "device", "train/use_amp.py": "device", "x/AmpScaler.py": "device", "x/useAmp.py": "device",
            "utils/logger.py": "logging", "rl/mappo.py": "ppo", "algos/maa2c.py": "ppo", "isaacgymenvs/cfg/x.yaml": "env",
            "ppo2.py": "ppo", "cfg/HumanoidAMPPPOLowGP.yaml": "ppo", "rl/vec_env.py": "vecenv"}
    for path, subsystem in hits.items():
        assert subsystem in playbooks.matching_globs(path), path
    misses = {"examples/eval/eval_bc.py": "device", "src/sampler.py": "device", "x/sampling_utils.py": "device",
              "charts/blogpost.py": "logging", "utils/pylogger.py": "logging", "selfplay/opponent.py": "ppo",
              "linear_support.py": "ppo", "common/ivecenv.py": "vecenv"}
    for path, subsystem in misses.items():
        assert subsystem not in playbooks.matching_globs(path), path
        pb = playbooks.get(subsystem)
        assert pb is not None and pb.matches_path(path) is None, path
