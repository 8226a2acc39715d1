"""absl flag defaults are configuration, and a second training script is a run of its own.

Real shape (implicit_q_learning dc92fa5..09d7002): `train_finetune.py` raised its flag default
`flags.DEFINE_integer('replay_buffer_size', ...)` (None, i.e. `max_steps` = 1e6, -> 2000000). absl
`DEFINE_*` defaults were not read as settings at all, and `train_offline.py` (as likely an entry) was the one
followed, so the finetune script's flags were never compared: no finding.
Negatives: a rival script outside training scope (an example) and `config_flags.DEFINE_config_file` (a
config file path, followed as such) give no setting; a non-absl `DEFINE_*` call is no flag.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from investigator.config.extractors.python import absl_flag
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

SCRIPT = '''\
    from absl import app, flags
    from ml_collections import config_flags

    FLAGS = flags.FLAGS
    flags.DEFINE_string("env_name", "halfcheetah-expert-v2", "Environment name.")
    flags.DEFINE_integer("batch_size", {batch}, "Mini batch size.")
    flags.DEFINE_integer("max_steps", int(1e6), "Number of training steps.")
    config_flags.DEFINE_config_file("config", "{config}", "Training configuration.", lock_config=False)


    def main(_):
        learner = make_learner(FLAGS.config, FLAGS.max_steps)
        for step in range(FLAGS.max_steps):
            learner.update(FLAGS.batch_size)


    if __name__ == "__main__":
        app.run(main)
    '''


def _script(batch: int = 256, config: str = "configs/mujoco_config.py") -> str:
    return SCRIPT.replace("{batch}", str(batch)).replace("{config}", config)


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _base() -> dict[str, str]:
    return {"train_offline.py": _script(), "train_finetune.py": _script(config="configs/finetune_config.py"),
            "examples/train_toy.py": _script()}


def test_a_flag_retune_of_a_second_training_script_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _base(), {"train_finetune.py": _script(batch=512, config="configs/finetune_config.py")})
    titles = [f.title for f in result.findings]
    assert any("train_finetune.batch_size" in t and "256" in t and "512" in t for t in titles), titles
    found = next(f for f in result.findings if "batch_size" in f.title)
    assert found.severity.value == "significant", found  # a run of its own: capped like a run-time file


def test_a_flag_retune_of_the_entry_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _base(), {"train_offline.py": _script(batch=512)})
    assert any("batch_size" in f.title and "512" in f.title for f in result.findings), [f.title for f in result.findings]


def test_an_example_training_script_is_no_run_of_its_own(tmp_path: Path) -> None:
    result = _run(tmp_path, _base(), {"examples/train_toy.py": _script(batch=512)})
    assert not [f for f in result.findings if "batch_size" in f.title], [f.title for f in result.findings]


def test_absl_flag_declarations() -> None:
    def call(text: str) -> tuple[str, object] | None:
        node = ast.parse(text).body[0].value  # type: ignore[attr-defined]
        found = absl_flag(node, ast.unparse(node.func))
        return (found[0], ast.literal_eval(found[1])) if found else None

    assert call('flags.DEFINE_integer("batch_size", 256, "help")') == ("batch_size", 256)
    assert call('absl.flags.DEFINE_float(name="lr", default=3e-4, help="")') == ("lr", 3e-4)
    assert call('DEFINE_boolean("tqdm", True, "bar")') == ("tqdm", True)
    assert call('registry.DEFINE_integer("x", 1, "not absl")') is None
    assert call('flags.DEFINE_integer(name, 1, "computed name")') is None


# One `run.py` per agent in folders of different depth (bsuite 0.3.2..0.3.3: the detected entry was
# `bsuite/baselines/random/run.py`; `bsuite/baselines/jax/boot_dqn/run.py` changed
# `flags.DEFINE_integer('num_ensemble', 20 -> 1)` and got no finding: it was neither the entry nor a rival, and
# its flag collided with the same flag of `baselines/tf/boot_dqn/run.py` in the "other" configuration).
RUN = '''\
    from absl import app, flags

    FLAGS = flags.FLAGS
    flags.DEFINE_integer("num_ensemble", {n}, "Size of ensemble.")


    def run():
        agent = make_agent(num_ensemble=FLAGS.num_ensemble)
        for episode in range(100):
            agent.update()


    if __name__ == "__main__":
        app.run(run)
    '''


def _runs(n_jax: int = 20) -> dict[str, str]:
    return {"suite/baselines/random/run.py": RUN.replace("{n}", "1"),
            "suite/baselines/jax/boot_dqn/run.py": RUN.replace("{n}", str(n_jax)),
            "suite/baselines/tf/boot_dqn/run.py": RUN.replace("{n}", "20"),
            "suite/baselines/jax/boot_dqn/plot.py": RUN.replace("{n}", "20")}


def test_a_flag_retune_of_a_same_named_script_in_a_deeper_folder_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _runs(), {"suite/baselines/jax/boot_dqn/run.py": RUN.replace("{n}", "1")})
    found = [f for f in result.findings if "num_ensemble" in f.title]
    assert len(found) == 1 and "jax.boot_dqn.run.num_ensemble" in found[0].title and "20" in found[0].title, \
        [f.title for f in result.findings]


def test_a_flag_retune_of_a_script_named_otherwise_stays_off_the_entry(tmp_path: Path) -> None:
    result = _run(tmp_path, _runs(), {"suite/baselines/jax/boot_dqn/plot.py": RUN.replace("{n}", "1")})
    assert not [f for f in result.findings if "num_ensemble" in f.title], [f.title for f in result.findings]
