"""Gin configuration files are read by configuration forensics (`extractors/gin.py`).

Real shape (dopamine 7ec9c15..a9911ec, precision held-out 7): `train.py` loads the gin files named by
`--gin_files` (`gin.parse_config_files_and_bindings(FLAGS.gin_files, ...)`), and a retune in
`dqn_lunarlander.gin` (`Runner.num_iterations = 30 -> 125`) was no finding at all."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.config.extractors import extractor_for
from investigator.config.extractors.gin import extract_gin
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

GIN = """\
# Hyperparameters for a DQN LunarLander agent.
import dopamine.jax.agents.dqn.dqn_agent
include 'agents/base.gin'

LUNAR_SHAPE = (8, 1)
JaxDQNAgent.observation_shape = %LUNAR_SHAPE
JaxDQNAgent.network = @networks.ClassicControlDQNNetwork
JaxDQNAgent.gamma = 0.99  # discount
JaxDQNAgent.update_period = 4
create_optimizer.learning_rate = 0.001
eval/Runner.num_iterations = 30
dopamine.runner.Runner.training_steps = 4000
Runner.schedule = {
    'kind': 'linear',   # a value over lines
    'steps': [1, 2],
}
"""


def test_bindings_macros_references_and_includes_are_read_with_their_lines() -> None:
    assert extractor_for("agents/dqn/configs/dqn.gin") is not None
    parsed = extract_gin("agents/dqn.gin", GIN)
    got = {e.key: (e.value, e.literal, e.line) for e in parsed.entries}
    assert got["jax_dqn_agent.gamma"] == (0.99, True, 8)
    assert got["create_optimizer.learning_rate"] == (0.001, True, 10)
    assert got["lunar_shape"] == ((8, 1), True, 5)
    assert got["jax_dqn_agent.observation_shape"] == ("%LUNAR_SHAPE", False, 6)
    assert got["jax_dqn_agent.network"] == ("@networks.ClassicControlDQNNetwork", False, 7)
    assert got["eval.runner.num_iterations"] == (30, True, 11)
    assert got["runner.training_steps"] == (4000, True, 12)  # the configurable's module path dropped
    assert got["runner.schedule"] == ({"kind": "linear", "steps": [1, 2]}, True, 13)
    assert parsed.data == ["agents/base.gin"]
    assert len(parsed.entries) == 9  # the import and include lines are no bindings


def test_lines_gin_does_not_bind_are_skipped_not_fatal() -> None:
    parsed = extract_gin("x.gin", "this is not gin\nA.b = \nA.c = [1, 2\n")
    assert [e.key for e in parsed.entries] == ["a.b", "a.c"]
    assert [e.literal for e in parsed.entries] == [False, False]


TRAIN = '''\
    from absl import app, flags
    import gin

    from agent import JaxDQNAgent

    flags.DEFINE_multi_string("gin_files", [], "gin files")
    FLAGS = flags.FLAGS


    def main(unused_argv):
        {load}
        agent = JaxDQNAgent()
        agent.train()


    if __name__ == "__main__":
        app.run(main)
'''
AGENT = '''\
    import gin


    @gin.configurable
    class JaxDQNAgent:
        def __init__(self, gamma=0.9, update_period=1, num_iterations=10):
            self.gamma = gamma
            self.update_period = update_period
            self.num_iterations = num_iterations

        def train(self):
            for _ in range(self.num_iterations):
                print(self.gamma * self.update_period)
'''
CONFIG = '''\
    JaxDQNAgent.gamma = 0.99
    JaxDQNAgent.update_period = 4
    JaxDQNAgent.num_iterations = 30
'''
LOAD = "gin.parse_config_files_and_bindings(FLAGS.gin_files, bindings=[])"


def _run(tmp_path: Path, load: str, change: dict[str, str]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    files = {"train.py": TRAIN.replace("{load}", load), "agent.py": AGENT,
             "configs/dqn_lunarlander.gin": CONFIG}
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in files.items()}, "baseline")
    gin = textwrap.dedent(CONFIG)
    for old, new in change.items():
        gin = gin.replace(old, new)
    c = commit_files(repo, {"configs/dqn_lunarlander.gin": gin}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def test_a_retune_in_a_gin_file_the_entry_loads_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, LOAD, {"gamma = 0.99": "gamma = 0.9", "num_iterations = 30": "num_iterations = 125"})
    titles = {f.title: f.severity.value for f in result.findings}
    gamma = [t for t in titles if "gamma" in t and "0.99 → 0.9" in t]
    assert gamma and titles[gamma[0]] in ("critical", "significant"), titles
    assert any("num_iterations" in t and "30 → 125" in t for t in titles), titles


def test_a_gin_file_no_code_loads_is_no_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, "print(FLAGS.gin_files)", {"gamma = 0.99": "gamma = 0.9"})
    assert not any("gamma" in f.title for f in result.findings if f.severity.value != "low"), \
        [f.title for f in result.findings]


RUNNER = '''\
    import gin


    def load_gin_configs(gin_files, gin_bindings):
        gin.parse_config_files_and_bindings(gin_files, bindings=gin_bindings, skip_unknown=False)
'''
TRAIN_VIA_HELPER = '''\
    from absl import app, flags

    import run_experiment
    from agent import JaxDQNAgent

    flags.DEFINE_multi_string("gin_files", [], "gin files")
    FLAGS = flags.FLAGS


    def main(unused_argv):
        run_experiment.load_gin_configs(FLAGS.gin_files, [])
        JaxDQNAgent().train()


    if __name__ == "__main__":
        app.run(main)
'''


def test_a_function_handed_to_a_runner_is_followed_and_a_new_gin_file_is_a_new_experiment(tmp_path: Path) -> None:
    """dopamine's shape: `app.run(main)` runs `main`, which loads the gin files through a helper module;
    the range retunes one gin file and adds the gin files of a new agent. The retune is a finding; the
    new files (no baseline run used them) are not."""
    repo = tmp_path / "repo"
    files = {"train.py": TRAIN_VIA_HELPER, "run_experiment.py": RUNNER, "agent.py": AGENT,
             "configs/dqn_lunarlander.gin": CONFIG}
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in files.items()}, "baseline")
    c = commit_files(repo, {"configs/dqn_lunarlander.gin": textwrap.dedent(CONFIG).replace("= 30", "= 125"),
                            "configs/rainbow.gin": "JaxDQNAgent.gamma = 0.5\nJaxDQNAgent.update_period = 8\n"},
                     "candidate")
    result = analyse(repo, b, c, tmp_path / "out")
    titles = [f.title for f in result.findings]
    assert any("num_iterations" in t and "30 → 125" in t for t in titles), titles
    assert not any("rainbow" in t for t in titles), titles


def test_only_module_functions_handed_to_a_call_become_the_entry_function() -> None:
    from investigator.config.entry import resolve
    from tests.config.helpers import side_of

    script = '''\
        from absl import app

        def main(argv):
            return argv

        if __name__ == "__main__":
            args = [1]
            print(args)
            app.run(main)
    '''
    side = side_of({"train.py": script})
    assert resolve(side, None).starts == [("train.py", "main")]
    side = side_of({"train.py": script.replace("app.run(main)", "app.run(args)")})
    assert resolve(side, None).starts == [("train.py", None)]
