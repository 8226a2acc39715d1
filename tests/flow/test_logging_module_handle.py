"""The logging module itself handed back (`import wandb; wandb.init(...); return wandb`) is a logging handle.

Real shape (PufferLib ac69f82c..2f9b68e0): `init_wandb` changed from `return wandb.init(id=args.exp_name
or ...)` to `wandb.init(id=id or ...)` then `return wandb`, and the module, handed to the trainer, made
"Behavioural change in the optimizer path". Negative: a function handing back a value that is not a
logging module stays on the flow."""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.support import pair_index

RUNNER = """
import torch


def init_run(args):
    import wandb
{body}


def run(args, envs, policy, optimizer):
    handle = init_run(args)
    trainer = make_trainer(policy, optimizer, handle)
    obs = envs.reset()
    for step in range(args.steps):
        loss = trainer.loss(obs)
        trainer.optimizer.zero_grad()
        loss.backward()
        trainer.optimizer.step()
"""

BASE = "    return wandb.init(id=args.exp_name, project=args.project)"
CAND = "    wandb.init(id=args.exp_id, project=args.project)\n    return {returned}"


def _titles(returned: str) -> list[str]:
    files = {"run_all.py": "from runner import run\nrun(ARGS, ENVS, POLICY, OPT)\n"}
    base = {**files, "runner.py": RUNNER.format(body=BASE)}
    cand = {**files, "runner.py": RUNNER.format(body=CAND.format(returned=returned))}
    return [f.title for f in analyse(pair_index(base, cand)).findings]


def test_the_logging_module_handed_back_is_logging() -> None:
    assert _titles("wandb") == []


def test_another_value_handed_back_stays_on_the_flow() -> None:
    assert any("init_run" in t for t in _titles("args.scale * 2"))


MAKER = """
import torch


def {maker}(args, name):
    return {made}


def run(args, envs, policy, optimizer):
    handle = None
{made_here}
    trainer = make_trainer(policy, optimizer, handle)
    obs = envs.reset()
    for step in range(args.steps):
        loss = trainer.loss(obs)
        trainer.optimizer.zero_grad()
        loss.backward()
        trainer.optimizer.step()
"""


def _maker_titles(maker: str, made: str) -> list[str]:
    """PufferLib 9aa817f7..d4d17e69, demo.py: `train` gained `if args.track: args.wandb = init_wandb(...)`, handed
    to the trainer factory with `wandb=args.wandb`."""
    files = {"run_all.py": "from runner import run\nrun(ARGS, ENVS, POLICY, OPT)\n"}
    base = {**files, "runner.py": MAKER.format(maker=maker, made=made, made_here="")}
    here = f"    if args.track:\n        handle = {maker}(args, 'ppo')"
    cand = {**files, "runner.py": MAKER.format(maker=maker, made=made, made_here=here)}
    return [f.title for f in analyse(pair_index(base, cand)).findings]


def test_a_handle_made_by_a_function_named_for_a_logger_is_logging() -> None:
    assert _maker_titles("init_wandb", "wandb.init(project=name, config=vars(args))") == []
    assert _maker_titles("make_writer", "SummaryWriter(args.log_dir)") == []


def test_a_value_made_by_another_function_stays_on_the_flow() -> None:
    assert any("run" in t for t in _maker_titles("init_scaler", "args.scale * 2")), \
        _maker_titles("init_scaler", "args.scale * 2")
