"""propose_command: a training-command template from the entry script's parser, read statically."""

from __future__ import annotations

import shlex

from investigator.probes.command import propose_command
from investigator.probes.runner import command_argv

CLEANRL_ARGPARSE = '''\
import argparse
from distutils.util import strtobool

def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exp-name", type=str, default="ppo")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cuda", type=lambda x: bool(strtobool(x)), default=True, nargs="?", const=True)
    parser.add_argument("--track", action="store_true")
    parser.add_argument("--total-timesteps", type=int, default=500000)
    parser.add_argument("--num-steps", type=int, default=128)
    parser.add_argument("--log-dir", "-l", default="runs")
    return parser.parse_args()
'''
TYRO = '''\
from dataclasses import dataclass
import tyro

@dataclass
class Args:
    exp_name: str = "ppo"
    seed: int = 1
    cuda: bool = True
    total_timesteps: int = 500000
    num_steps: int = 128

if __name__ == "__main__":
    args = tyro.cli(Args)
'''
PYRALLIS = '''\
from dataclasses import dataclass
import pyrallis

@dataclass
class TrainConfig:
    device: str = "cuda"
    seed: int = 0
    max_timesteps: int = int(1e6)
    checkpoints_path: str = None
    log_dir: str = "logs"

@pyrallis.wrap()
def train(config: TrainConfig):
    pass
'''
DOTTED = '''\
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--env", required=True)
parser.add_argument("--train.seed", type=int, default=1)
parser.add_argument("--train.device", type=str, default="cuda")
parser.add_argument("--train.num-steps", type=int, default=1000)
parser.add_argument("--train.output-dir", default="out")
'''


def test_argparse_flags_as_written() -> None:
    p = propose_command(CLEANRL_ARGPARSE, "ppo.py")
    assert p is not None and p.style == "argparse"
    assert p.template == "{python} ppo.py --seed {seed} --total-timesteps {steps} --log-dir {logdir}"
    assert p.missing == ["device"] and p.usable
    assert "`--cuda` is a GPU switch" in p.describe()  # not `--cuda cpu`: left at its default
    argv = command_argv(p.template, {"python": "py", "seed": "3", "steps": "1000", "logdir": "/l", "device": "cpu"})
    assert argv == ["py", "ppo.py", "--seed", "3", "--total-timesteps", "1000", "--log-dir", "/l"]


def test_tyro_dataclass_without_logdir_is_not_usable() -> None:
    p = propose_command(TYRO, "cleanrl/ppo.py")
    assert p is not None and p.style == "tyro"
    assert p.template == "{python} cleanrl/ppo.py --seed {seed} --total-timesteps {steps}"  # not the rollout length
    assert not p.usable and p.missing == ["logdir", "device"]
    assert "no log-dir flag found, so logs cannot be compared" in p.describe()
    assert "num_steps" not in p.template and "--num-steps" not in p.describe()


def test_pyrallis_and_dotted_flags() -> None:
    p = propose_command(PYRALLIS, "algorithms/iql.py")
    assert p is not None and p.style == "pyrallis"
    assert p.flags == {"seed": "--seed", "steps": "--max_timesteps", "logdir": "--log_dir", "device": "--device"}
    assert p.template.endswith("--device {device}") and p.missing == []
    d = propose_command(DOTTED, "demo dir/train.py")
    assert d is not None
    assert shlex.split(d.template)[1] == "demo dir/train.py"  # quoted
    assert d.flags == {"seed": "--train.seed", "steps": "--train.num-steps", "logdir": "--train.output-dir",
                       "device": "--train.device"}
    text = d.describe()
    assert "`--train.num-steps` taken as the step budget" in text and "required option(s) not filled: `--env`" in text


def test_nothing_to_propose() -> None:
    assert propose_command("import sys\nprint(sys.argv)\n", "t.py") is None
    assert propose_command("def broken(:\n", "t.py") is None
    only_other = "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float)\n"
    assert propose_command(only_other, "t.py") is None
    no_seed = "import argparse\np = argparse.ArgumentParser()\np.add_argument('--logdir')\np.add_argument('--verbose', action='store_true')\n"
    q = propose_command(no_seed, "t.py")
    assert q is not None and q.usable and q.missing == ["seed", "steps", "device"]
    assert "no seed flag found, so the seeds of a side are not distinct runs" in q.describe()
