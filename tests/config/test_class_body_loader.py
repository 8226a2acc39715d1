"""A config file loaded in a class body that the entry reads, and the script named `main.py` as entry.

Real shape (dreamerv3 ec433ce..e3f0224): `dreamerv3/main.py:main()` imports the agent module inside the
function (`from . import agent as agt`) and reads `agt.Agent.configs['defaults']`, a class attribute the
class body loads from `configs.yaml`; the candidate loads `configs.yaml` in `main()` itself and moves the
agent keys under `agent:`. The retune (`batch_length` 65 -> 64, Atari 64 -> 96 px, 30 no-ops, DMC
repeat 1) gave no finding: the entry detected was `example.py:main()` at the baseline and
`plot.py:main()` at the candidate (the function name `main` counted as a training word and the root
scripts are shallower), and the class-body loader was never seen.
Negatives: a class no reached code reads loads nothing for the entry; a script named for training
still ranks first; a root script's `main()` alone does not outrank `pkg/main.py`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.config.entry import detect
from investigator.config.model import ConfigEntry, EntryKind, KeyMatch, MatchStatus
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.config.helpers import side_of
from tests.support.gitrepo import commit_files

BASE_MAIN = '''\
    import pathlib
    import sys

    folder = pathlib.Path(__file__).parent
    sys.path.insert(0, str(folder.parent))

    import embodied


    def main(argv=None):
        from . import agent as agt
        parsed, other = embodied.Flags(configs=["defaults"]).parse_known(argv)
        config = embodied.Config(agt.Agent.configs["defaults"])
        for name in parsed.configs:
            config = config.update(agt.Agent.configs[name])
        config = embodied.Flags(config).parse(other)
        embodied.run.train(config, make_env(config), config.batch_length, config.dyn)


    def make_env(config):
        suite, task = config.task.split("_", 1)
        return embodied.envs.load(suite, task, **config.env[suite])


    if __name__ == "__main__":
        main()
    '''
BASE_AGENT = '''\
    import pathlib

    import yaml


    class Agent:
        configs = yaml.safe_load((pathlib.Path(__file__).parent / "configs.yaml").read_text())

        def __init__(self, config):
            self.config = config
    '''
BASE_CONFIGS = """\
defaults:
  seed: 0
  batch_size: 16
  batch_length: 65
  env:
    atari: {size: [64, 64], repeat: 4, noops: 0}
    dmc: {size: [64, 64], repeat: 2}
  dyn:
    rssm: {deter: 8192, hidden: 1024, winit: normal}

atari:
  task: atari_pong
  run: {steps: 5.1e7}
"""
CAND_MAIN = '''\
    import pathlib
    import sys

    folder = pathlib.Path(__file__).parent
    sys.path.insert(0, str(folder.parent))

    import elements
    import yaml

    import embodied


    def main(argv=None):
        from .agent import Agent
        print(Agent.banner)
        configs = yaml.safe_load((folder / "configs.yaml").read_text())
        parsed, other = elements.Flags(configs=["defaults"]).parse_known(argv)
        config = elements.Config(configs["defaults"])
        for name in parsed.configs:
            config = config.update(configs[name])
        config = elements.Flags(config).parse(other)
        embodied.run.train(config, make_env(config), config.batch_length, config.agent.dyn)


    def make_env(config):
        suite, task = config.task.split("_", 1)
        return embodied.envs.load(suite, task, **config.env[suite])


    if __name__ == "__main__":
        main()
    '''
CAND_AGENT = '''\
    class Agent:
        banner = "agent"

        def __init__(self, config):
            self.config = config
    '''
CAND_CONFIGS = """\
defaults:
  seed: 0
  batch_size: 16
  batch_length: 64
  env:
    atari: {size: [96, 96], repeat: 4, noops: 30}
    dmc: {size: [64, 64], repeat: 1}
  agent:
    dyn:
      rssm: {deter: 8192, hidden: 1024, winit: trunc_normal_in}

atari:
  task: atari_pong
  run: {steps: 5.1e7}
"""
SCRIPT = '''\
    import json


    def main():
        print(json.dumps({"figure": 1}))


    if __name__ == "__main__":
        main()
    '''


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _base() -> dict[str, str]:
    return {"pkg/__init__.py": "", "pkg/main.py": BASE_MAIN, "pkg/agent.py": BASE_AGENT,
            "pkg/configs.yaml": BASE_CONFIGS, "example.py": SCRIPT}


def test_a_retune_of_a_config_loaded_in_a_class_body_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _base(), {"pkg/main.py": CAND_MAIN, "pkg/agent.py": CAND_AGENT,
                                      "pkg/configs.yaml": CAND_CONFIGS, "example.py": None, "plot.py": SCRIPT})
    titles = [f.title for f in result.findings]
    for key, old, new in (("defaults.batch_length", "65", "64"), ("defaults.env.atari.size", "[64, 64]", "[96, 96]"),
                          ("defaults.env.atari.noops", "0", "30"), ("defaults.env.dmc.repeat", "2", "1")):
        assert any(f"`{key}`" in t and old in t and new in t for t in titles), (key, titles)
    assert not any("seed" in t or "batch_size" in t for t in titles), titles


def test_a_class_body_loader_no_reached_code_reads_is_not_the_entrys(tmp_path: Path) -> None:
    main = BASE_MAIN.replace('agt.Agent.configs["defaults"]', '{"seed": 0}').replace(
        "config.update(agt.Agent.configs[name])", "config.update({})")
    base = {**_base(), "pkg/main.py": main}
    result = _run(tmp_path, base, {"pkg/configs.yaml": BASE_CONFIGS.replace("batch_length: 65", "batch_length: 64")})
    assert not [f for f in result.findings if f.severity.value != "low"], [f.title for f in result.findings]


def test_a_main_function_alone_does_not_outrank_a_main_script() -> None:
    files = {"pkg/__init__.py": "", "pkg/main.py": BASE_MAIN, "pkg/agent.py": BASE_AGENT, "example.py": SCRIPT,
             "plot.py": SCRIPT}
    assert detect(side_of(files)).script == "pkg/main.py"
    # a script named for training still ranks first, and a root `run.py` above a deeper `main.py`
    assert detect(side_of({**files, "scripts/train.py": SCRIPT})).script == "scripts/train.py"
    assert detect(side_of({**files, "run.py": SCRIPT})).script == "run.py"


def test_a_ruamel_loader_binds_a_document_whose_sections_are_picked() -> None:
    from investigator.config.loading import loaded_names, picked_sections
    text = "configs = yaml.YAML(typ='safe').load(text)\nconfig = configs['defaults']\nconfig.update(configs[name])\n"
    assert loaded_names(text) == {"configs"}
    assert picked_sections(text) == frozenset({"defaults"})
    # a document bound in another module's class body, read through the class here
    assert picked_sections("c = agt.Agent.configs['defaults']\nc.update(agt.Agent.configs[name])\n",
                           {"configs"}) == frozenset({"defaults"})
    assert picked_sections("c = agt.Agent.configs['defaults']\n") is None  # no section picked at run time


def _removed(key: str, value: object) -> KeyMatch:
    entry = ConfigEntry(key=key, value=value, path="pkg/configs.yaml", line=3, format="yaml", kind=EntryKind.file_value)
    return KeyMatch(MatchStatus.removed, entry, None)


def test_a_regular_expression_filter_is_no_reward_cap() -> None:
    """dreamerv3 e3f0224 dropped `run.log_keys_max: '^$'`: the reward-cap rule `?*_max` made it critical."""
    from investigator.config.severity import judge
    from investigator.playbooks_lib import load_playbooks
    playbooks = load_playbooks()
    for value in ("^$", "^log_inventory.*", "train/.*_loss$"):
        assert judge(_removed("defaults.run.log_keys_max", value), playbooks).severity.value == "low", value
    # a number, a name or a plain path under the same rule keeps its severity
    assert judge(_removed("env.reward_max", 10.0), playbooks).severity.value == "critical"
    assert judge(_removed("env.episode_max", "/dev/null"), playbooks).severity.value == "critical"
    assert judge(_removed("env.reward_max", "inf"), playbooks).severity.value == "critical"


def test_a_count_and_a_flag_are_never_one_renamed_key() -> None:
    from investigator.config.matching import Aliases, match
    from investigator.playbooks_lib import load_playbooks

    def entry(key: str, value: object) -> ConfigEntry:
        return ConfigEntry(key=key, value=value, path="c.yaml", line=1, format="yaml", kind=EntryKind.file_value)

    aliases = Aliases(load_playbooks().aliases())
    found = match({"multicpu.run.num_envs": entry("multicpu.run.num_envs", 8)},
                  {"defaults.run.remote_envs": entry("defaults.run.remote_envs", False)}, aliases)
    assert sorted(m.status.value for m in found) == ["added", "removed"], found
    # a renamed count keeps its pairing (unset on one side is no other kind)
    found = match({"run.num_envs": entry("run.num_envs", 8)}, {"run.envs": entry("run.envs", 16)}, aliases)
    assert [m.status for m in found] == [MatchStatus.changed], found
