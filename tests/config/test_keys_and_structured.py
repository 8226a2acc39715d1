import math

import pytest

from investigator.config.extractors import ExtractError, extractor_for
from investigator.config.extractors.structured import extract_json, extract_toml, extract_yaml
from investigator.config.keys import class_segment, normalise_key
from investigator.config.model import EntryKind


def by_key(parsed):
    return {e.key: e for e in parsed.entries}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Trainer.Learning-Rate", "trainer.learning_rate"),
        ("cfg.trainer.lr", "trainer.lr"),
        ("self.args.batchSize", "batch_size"),
        ("cfg", "cfg"),  # a lone container name is kept (it is the key)
        (["env", "numEnvs"], "env.num_envs"),
    ],
)
def test_normalise_key(raw, expected):
    assert normalise_key(raw) == expected


def test_class_segment():
    assert class_segment("PPOConfig") == "ppo"
    assert class_segment("TrainerSettings") == "trainer"
    assert class_segment("Config") == ""
    assert class_segment("Network") == "network"


def test_yaml_leaves_lines_null_and_target():
    parsed = extract_yaml("c.yaml", "defaults:\n  - x: y\nopt:\n  lr: 3.0e-4\n  clip: null\n  flag: yes\n"
                                    "sched:\n  _target_: a.B\n  steps: 0x10\nempty: {}\nlist: [1, 2]\ninf: .inf\n")
    entries = by_key(parsed)
    assert "defaults" not in entries and not any(k.startswith("defaults") for k in entries)
    assert entries["opt.lr"].value == 3e-4 and entries["opt.lr"].line == 4
    assert entries["opt.clip"].value is None and entries["opt.clip"].literal  # null kept, not missing
    assert "opt.missing" not in entries
    assert entries["opt.flag"].value is True
    assert entries["sched._target_"].kind is EntryKind.target and entries["sched._target_"].value == "a.B"
    assert entries["sched.steps"].value == 16
    assert entries["empty"].value == {} and entries["list"].value == [1, 2]
    assert math.isinf(entries["inf"].value)
    assert parsed.data["defaults"] == [{"x": "y"}]


def test_yaml_package_header():
    parsed = extract_yaml("c.yaml", "# @package _global_\na: 1\n")
    assert parsed.package == "_global_"
    assert extract_yaml("d.yaml", "a: 1\n").package is None


def test_yaml_broken_raises():
    with pytest.raises(ExtractError):
        extract_yaml("bad.yaml", "a: [1, 2\n")


def test_json_lines_and_broken():
    parsed = extract_json("c.json", '{\n  "trainer": {\n    "lr": 0.001,\n    "clip": null\n  }\n}\n')
    entries = by_key(parsed)
    assert entries["trainer.lr"].value == 0.001 and entries["trainer.lr"].line == 3
    assert entries["trainer.clip"].value is None
    with pytest.raises(ExtractError):
        extract_json("bad.json", '{"a": 1')
    # a trailing comma reads as lenient loaders (ujson) read it: configuration, not a parse failure
    assert by_key(extract_json("lenient.json", '{"a": 1,}'))["a"].value == 1


def test_toml_sections_lines_and_pyproject_filter():
    text = '[trainer]\nlr = 3e-4\n\n[trainer.opt]\nbetas = [0.9, 0.99]\n'
    entries = by_key(extract_toml("cfg.toml", text))
    assert entries["trainer.lr"].value == 3e-4 and entries["trainer.lr"].line == 2
    assert entries["trainer.opt.betas"].line == 5
    pyproject = '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n[tool.trainer]\nlr = 1\n'
    keys = set(by_key(extract_toml("pyproject.toml", pyproject)))
    assert keys == {"tool.trainer.lr"}
    with pytest.raises(ExtractError):
        extract_toml("bad.toml", "a = = 1")


def test_extractor_registry_by_suffix_and_ignored_paths():
    assert extractor_for("configs/a.yml").id == "yaml"
    assert extractor_for("x/y.py").id == "python"
    assert extractor_for("cfg.toml").id == "toml"
    assert extractor_for(".github/workflows/ci.yml") is None
    assert extractor_for("package.json") is None
    assert extractor_for("README.md") is None
    assert extractor_for("pkg/tests/test_config.py") is None and extractor_for("tests/data/c.yaml") is None
    assert extractor_for("third_party/lib/x.py") is None and extractor_for("proto/a_pb2.py") is None
    assert extractor_for("contest/config.yaml").id == "yaml"  # only whole test folders are skipped


def test_yaml_merge_keys_bring_values_and_local_keys_win():
    text = "base: &b\n  lr: 0.1\n  gamma: 0.9\nppo:\n  <<: *b\n  lr: 0.2\n"
    entries = extract_yaml("c.yaml", text).entries
    ppo = {e.key: e.value for e in entries if e.key.startswith("ppo.")}
    last = {}
    for e in entries:
        last[e.key] = e.value  # later entries override earlier ones, as in composition
    assert set(ppo) == {"ppo.lr", "ppo.gamma"} and last["ppo.lr"] == 0.2 and last["ppo.gamma"] == 0.9
