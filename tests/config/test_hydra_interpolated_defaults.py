"""Hydra defaults lists that name options through another entry, end to end.

Real shape: mtrl f7f8ddcf..e282c3f5 `config/config.yaml` (Hydra 1.0) composes `- setup: metaworld`,
`- experiment: ${defaults.0.setup}`, `- agent/components: ${defaults.0.setup}_actor`; none of those options was
composed (`config/experiment/${defaults.0.setup}.yaml` not found), so a changed value in them was never compared.
The candidate also added `config/experiment/metaworld.yaml`, which the baseline's composition named but lacked: the
baseline run so composed could not start, so its keys (and values interpolated from them) change no trained run.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

MAIN = '''\
    import hydra


    @hydra.main(config_path="config", config_name="config")
    def launch(cfg):
        agent = build(cfg.agent.actor.num_layers, cfg.agent.actor.lr)
        agent.train(cfg.experiment.num_train_steps, cfg.agent.mask.num_eval_episodes)


    if __name__ == "__main__":
        launch()
    '''
CONFIG = '''\
    defaults:
      - setup: metaworld
      - experiment: ${defaults.0.setup}
      - agent/components: ${defaults.0.setup}_actor
    seed: 1
    '''
ACTOR = '''\
    # @package _group_
    actor:
      num_layers: 3
      lr: 0.0003
    mask:
      num_eval_episodes: ${experiment.num_eval_episodes}
    '''
EXPERIMENT = "# @package _group_\nnum_train_steps: 1000000\nnum_eval_episodes: 10\n"


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _files(**extra: str) -> dict[str, str]:
    files = {"main.py": MAIN, "config/config.yaml": CONFIG, "config/setup/metaworld.yaml": "save_dir: logs\n",
             "config/agent/components/metaworld_actor.yaml": ACTOR,
             "config/agent/components/hipbmdp_actor.yaml": ACTOR.replace("num_layers: 3", "num_layers: 4")}
    files.update(extra)
    return files


def test_changed_value_in_an_interpolated_option_is_a_finding(tmp_path):
    files = _files(**{"config/experiment/metaworld.yaml": EXPERIMENT})
    changed = textwrap.dedent(ACTOR).replace("lr: 0.0003", "lr: 0.003")
    result = _run(tmp_path, files, {"config/agent/components/metaworld_actor.yaml": changed})
    hits = [f for f in result.findings if "actor.lr" in f.title]
    assert hits and hits[0].severity.value in ("critical", "significant"), [f.title for f in result.findings]


def test_option_file_the_baseline_lacked_changes_no_trained_run(tmp_path):
    result = _run(tmp_path, _files(), {"config/experiment/metaworld.yaml": EXPERIMENT})
    loud = [f.title for f in result.findings if f.severity.value in ("critical", "significant")]
    assert not any("experiment." in t or "num_eval_episodes" in t for t in loud), loud
    assert any("num_train_steps" in n.title and "fails to start" in n.reason for n in result.no_effect)


def test_option_file_present_at_both_commits_is_still_compared(tmp_path):
    files = _files(**{"config/experiment/metaworld.yaml": EXPERIMENT})
    fewer = EXPERIMENT.replace("1000000", "500000")
    result = _run(tmp_path, files, {"config/experiment/metaworld.yaml": fewer})
    assert any("num_train_steps" in f.title for f in result.findings), [f.title for f in result.findings]
