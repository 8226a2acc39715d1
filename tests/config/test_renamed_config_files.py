"""A config file git pairs as renamed (and edited) keeps its runs: its changed values are findings, and it
pairs with the file git pairs it with, never with an unrelated new file of the same name.

Real shape (ibc 5e89df66..2c9202e5): `configs/*.gin` moved into per-task folders and retuned
(`pixel_mse.gin` -> `pushing_pixels/pixel_mse_best.gin`, R084: `train_eval.batch_size` 64 -> 128, image size
180x240 added); the added keys were filed "a new config file: no effect", and `configs/mlp_mdn.gin` was paired
by stem with the new, unrelated `d4rl/mlp_mdn.gin` (git pairs it with `pushing_states/mlp_mdn_best.gin`).
Negative: a deleted file and an added one git does not pair stay a deleted and a new file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

TRAIN = '''\
    from absl import app, flags
    import gin

    from agent import JaxDQNAgent

    flags.DEFINE_multi_string("gin_files", [], "gin files")
    FLAGS = flags.FLAGS


    def main(unused_argv):
        gin.parse_config_files_and_bindings(FLAGS.gin_files, bindings=[])
        agent = JaxDQNAgent()
        agent.train()


    if __name__ == "__main__":
        app.run(main)
'''
AGENT = '''\
    import gin


    @gin.configurable
    class JaxDQNAgent:
        def __init__(self, gamma=0.9, batch_size=32, update_period=1, num_iterations=10, hidden=64, lr=1e-3,
                     target_update=100, epsilon=0.1, image_height=84, seed=0):
            self.gamma = gamma
            self.batch_size = batch_size
            self.update_period = update_period
            self.num_iterations = num_iterations

        def train(self):
            for _ in range(self.num_iterations):
                print(self.gamma * self.update_period * self.batch_size)
'''
CONFIG = '''\
    JaxDQNAgent.gamma = 0.99
    JaxDQNAgent.batch_size = 32
    JaxDQNAgent.update_period = 4
    JaxDQNAgent.num_iterations = 30
    JaxDQNAgent.hidden = 256
    JaxDQNAgent.lr = 0.0003
    JaxDQNAgent.target_update = 1000
    JaxDQNAgent.epsilon = 0.05
    JaxDQNAgent.seed = 0
'''
UNRELATED = '''\
    JaxDQNAgent.gamma = 0.95
    JaxDQNAgent.batch_size = 512
    JaxDQNAgent.num_iterations = 7
'''


def _run(tmp_path: Path, candidate: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    files = {"train.py": TRAIN, "agent.py": AGENT, "configs/dqn.gin": CONFIG}
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in files.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v is not None else None for k, v in candidate.items()},
                     "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _renamed(config: str) -> str:
    return (config.replace("batch_size = 32", "batch_size = 128")
            + "    JaxDQNAgent.image_height = 180\n")


def test_a_renamed_and_retuned_config_file_reports_its_changed_and_added_values(tmp_path: Path) -> None:
    result = _run(tmp_path, {"configs/dqn.gin": None, "configs/pushing/dqn_best.gin": _renamed(CONFIG),
                             "configs/d4rl/dqn.gin": UNRELATED})
    titles = [f.title for f in result.findings]
    batch = [f for f in result.findings if "batch_size" in f.title or "batch_size" in str(f.evidence)]
    assert batch, titles
    where = {loc.path for f in batch for loc in f.locations}
    assert "configs/pushing/dqn_best.gin" in where and "configs/d4rl/dqn.gin" not in where, (titles, where)
    assert any("32 → 128" in f.title or "32 → 128" in str(f.evidence) for f in batch), titles
    # the unrelated new file of the same name is never the renamed file's partner
    assert not any("512" in f.title or "0.99 → 0.95" in f.title for f in result.findings), titles
    # the key the renamed file gained reaches the runs that used the old one: not "a new config file"
    assert not any("image_height" in n.title and "new config file" in n.reason for n in result.no_effect), \
        [n.title for n in result.no_effect]


def test_a_deleted_file_and_an_unrelated_new_one_stay_deleted_and_new(tmp_path: Path) -> None:
    result = _run(tmp_path, {"configs/dqn.gin": None, "configs/d4rl/dqn_x.gin": UNRELATED})
    loud = [f.title for f in result.findings if f.severity.value in ("critical", "significant")]
    assert not any("0.99 → 0.95" in t or "32 → 512" in t for t in loud), loud
