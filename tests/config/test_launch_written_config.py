"""Configuration a launch script writes and hands to the program, and parsers built from several classes.

Real case (Online-RLHF 523e31dd..c5f1d276, precision set 19): `run_loop.sh` ran
`run_dpo.py --learning_rate 5e-7 --lr_scheduler_type cosine ...`; the candidate writes the same values
into `dpo_config.yaml` with a here-document (`cat <<EOT > dpo_config.yaml ... EOT`) and runs
`run_dpo.py dpo_config.yaml`, whose `H4ArgumentParser((ScriptArguments, DPOConfig, ModelConfig))` reads
it. The report had `learning_rate` = 5e-07 and `len_penalty` = 0 (a field still declared, default 0)
"removed from the effective configuration" as two criticals, and `bf16` (flag -> yaml) as significant.
A second script added beside the first (`run_loop2.sh`) made the launch command ambiguous.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.config.extractors.launch import extract_launch, heredocs
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.config.helpers import effective_of, values
from tests.support.gitrepo import commit_files

TRAIN = '''\
    from dataclasses import dataclass, field
    from typing import Optional

    from transformers import HfArgumentParser, TrainingArguments


    @dataclass
    class ScriptArguments:
        learning_rate: Optional[float] = field(default=5e-7)
        len_penalty: Optional[float] = field(default=0)
        choose_type: Optional[str] = field(default="max_random")


    if __name__ == "__main__":
        parser = HfArgumentParser(ScriptArguments)
        script_args = parser.parse_args_into_dataclasses()[0]
        training_args = TrainingArguments(learning_rate=script_args.learning_rate, bf16=True)
        print(script_args.len_penalty, script_args.choose_type, training_args)
    '''

# the fields the library's config class now takes are no longer declared; the parser gets a tuple of classes
TRAIN_TUPLE = '''\
    from dataclasses import dataclass, field
    from typing import Optional

    from alignment import H4ArgumentParser
    from trl import DPOConfig


    @dataclass
    class ScriptArguments:
        len_penalty: Optional[float] = field(default=0)
        choose_type: Optional[str] = field(default="max_random")


    if __name__ == "__main__":
        parser = H4ArgumentParser((ScriptArguments, DPOConfig))
        script_args, training_args = parser.parse()
        print(script_args.len_penalty, script_args.choose_type, training_args.learning_rate)
    '''

FLAGS = '''\
    #!/bin/bash
    run_iteration() {
        local model_path=$1
        python train.py --model_name_or_path $model_path --learning_rate 5e-7 --choose_type max_min
    }
    run_iteration base
    '''

WRITTEN = '''\
    #!/bin/bash
    run_iteration() {
        local model_path=$1
        cat <<EOT > dpo_config.yaml
    model_name_or_path: $model_path
    learning_rate: 5.0e-7
    choose_type: max_min
    bf16: true
    EOT

        python train.py dpo_config.yaml
    }
    run_iteration base
    '''


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _titles(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings]


def _about(result: AnalyzerResult, key: str) -> list[str]:
    return [t for t in _titles(result) if f"`{key}`" in t]


def test_config_classes_handed_to_a_parser_in_a_tuple_are_built():
    config, _ = effective_of({"train.py": TRAIN_TUPLE})
    assert values(config) == {"len_penalty": 0, "choose_type": "max_random"}


def test_field_still_declared_beside_a_tuple_parser_is_no_finding(tmp_path):
    result = _run(tmp_path, {"train.py": TRAIN}, {"train.py": TRAIN_TUPLE})
    assert not _about(result, "len_penalty"), _titles(result)


def test_field_removed_from_its_only_declaration_is_still_reported(tmp_path):
    gone = textwrap.dedent(TRAIN_TUPLE).replace("    len_penalty: Optional[float] = field(default=0)\n", "") \
        .replace("script_args.len_penalty, ", "")
    result = _run(tmp_path, {"train.py": TRAIN}, {"train.py": gone})
    assert any("removed" in t for t in _about(result, "len_penalty")), _titles(result)


def test_heredoc_config_handed_to_the_command_is_its_configuration():
    text = textwrap.dedent(WRITTEN)
    docs = heredocs("run.sh", text)
    assert [(d.target, d.line) for d in docs] == [("dpo_config.yaml", 4)]
    by_key = {e.key: e for e in docs[0].entries}
    assert by_key["learning_rate"].value == 5e-7 and by_key["learning_rate"].line == 6
    assert not by_key["model_name_or_path"].literal  # `$model_path` is expanded by the shell
    [command] = extract_launch("run.sh", text).data  # type: ignore[misc]
    assert command.script == "train.py" and {e.key for e in command.files} == set(by_key)
    quoted = text.replace("<<EOT", "<<'EOT'")
    assert {e.key: e.literal for e in heredocs("run.sh", quoted)[0].entries}["model_name_or_path"]


def test_heredoc_not_handed_to_the_command_is_not_applied():
    text = textwrap.dedent(WRITTEN).replace("python train.py dpo_config.yaml", "python train.py other.yaml")
    assert extract_launch("run.sh", text).data == []  # no option, no config file handed: nothing applied
    shell_text = textwrap.dedent(WRITTEN).replace("dpo_config.yaml\n", "notes.txt\n", 1)
    assert heredocs("run.sh", shell_text) == []  # not a structured config file
    unterminated = textwrap.dedent(WRITTEN).replace("EOT\n\n", "\n")
    assert heredocs("run.sh", unterminated) == []  # the rest of the script is no document


def test_flags_moved_into_a_written_yaml_with_the_same_values_are_identical(tmp_path):
    result = _run(tmp_path, {"train.py": TRAIN, "run.sh": FLAGS}, {"train.py": TRAIN_TUPLE, "run.sh": WRITTEN})
    for key in ("learning_rate", "choose_type", "len_penalty", "model_name_or_path"):
        assert not _about(result, key), _titles(result)
    assert not any("bf16" in t for t in _titles(result)), _titles(result)  # `TrainingArguments(bf16=True)` -> yaml


def test_a_written_yaml_that_changes_a_value_is_a_change_at_its_line(tmp_path):
    changed = WRITTEN.replace("learning_rate: 5.0e-7", "learning_rate: 1.0e-6")
    result = _run(tmp_path, {"train.py": TRAIN, "run.sh": FLAGS}, {"train.py": TRAIN_TUPLE, "run.sh": changed})
    [lr] = [f for f in result.findings if "`learning_rate`" in f.title]
    assert lr.title.endswith("5e-07 → 1e-06") and lr.severity.value == "critical"
    cand = lr.location_at("candidate")
    assert cand is not None and (cand.path, cand.line) == ("run.sh", 6)


def test_a_second_launch_script_beside_the_first_keeps_the_first_run(tmp_path):
    second = FLAGS.replace("5e-7", "1e-6")
    result = _run(tmp_path, {"train.py": TRAIN, "run.sh": FLAGS}, {"run2.sh": second})
    assert not _about(result, "learning_rate"), _titles(result)
    assert not _about(result, "choose_type"), _titles(result)
    # the first script's own change is still found with the second beside it
    result = _run(tmp_path / "changed", {"train.py": TRAIN, "run.sh": FLAGS},
                  {"run.sh": FLAGS.replace("5e-7", "2e-7"), "run2.sh": second})
    assert any(t.endswith("5e-07 → 2e-07") for t in _about(result, "learning_rate")), _titles(result)


# -- library `TrainingArguments` defaults ----------------------------------------------------------

TRAIN_WARMUP = textwrap.dedent(TRAIN).replace(
    "    choose_type: Optional[str] = field(default=\"max_random\")\n",
    "    choose_type: Optional[str] = field(default=\"max_random\")\n    warmup_steps: Optional[int] = field(default=100)\n"
    "    seed: Optional[int] = field(default=7)\n").replace(
    "print(script_args.len_penalty,", "print(script_args.warmup_steps, script_args.seed, script_args.len_penalty,")


def test_a_setting_left_to_the_library_arguments_class_takes_its_default(tmp_path):
    """Online-RLHF: `warmup_steps` 100 in the repository's dataclass, then left to trl's `DPOConfig` (0)."""
    result = _run(tmp_path, {"train.py": TRAIN_WARMUP, "run.sh": FLAGS}, {"train.py": TRAIN_TUPLE, "run.sh": WRITTEN})
    [warmup] = _about(result, "warmup_steps")
    assert "implicit default 0" in warmup, _titles(result)
    [seed] = _about(result, "seed")
    assert "implicit default 42" in seed


def test_a_setting_equal_to_the_library_default_is_identical(tmp_path):
    zero = TRAIN_WARMUP.replace("default=100", "default=0").replace("default=7", "default=42")
    result = _run(tmp_path, {"train.py": zero, "run.sh": FLAGS}, {"train.py": TRAIN_TUPLE, "run.sh": WRITTEN})
    assert not _about(result, "warmup_steps") and not _about(result, "seed"), _titles(result)


def test_library_defaults_need_the_library_class_and_a_trainer_key():
    from investigator.config.library_args import library_argument_default, training_arguments_class

    assert training_arguments_class("trl.DPOConfig") == "DPOConfig"
    assert training_arguments_class("trl.ModelConfig") is None  # model settings, not a TrainingArguments
    assert training_arguments_class("mylib.DPOConfig") is None
    assert library_argument_default("warmup_steps", {"DPOConfig"}) is not None
    assert library_argument_default("training_arguments.warmup_steps", {"DPOConfig"}) is not None
    assert library_argument_default("env.seed", {"DPOConfig"}) is None  # an environment's seed
    assert library_argument_default("learning_rate", {"DPOConfig"}) is None  # trl overrides it in some releases
    assert library_argument_default("warmup_steps", set()) is None  # no library class built
