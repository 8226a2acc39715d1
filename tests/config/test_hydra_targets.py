"""End to end: a Hydra section instantiated through `_target_` is live configuration."""

from __future__ import annotations

import pytest

from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from tests.support.gitrepo import commit_files

TRAIN = '''\
import hydra
from hydra.utils import instantiate


@hydra.main(config_path="conf", config_name="config")
def main(cfg):
    model = build()
    optimizer = instantiate(cfg.optimizer, params=model.parameters())
    for epoch in range(cfg.trainer.epochs):
        optimizer.step()


if __name__ == "__main__":
    main()
'''

CONFIG = "optimizer:\n  _target_: {target}\n  lr: {lr}\ntrainer:\n  epochs: 4\n"

SCHEDULES = "class Cosine:\n    def __init__(self, params, lr):\n        self.lr = lr\n"


@pytest.mark.parametrize("target", ["torch.optim.Adam", "rlpkg.schedules.Cosine"])
def test_learning_rate_of_an_instantiated_target_section_is_a_finding(tmp_path, target):
    repo = tmp_path / "r"
    files = {"train.py": TRAIN, "rlpkg/__init__.py": "", "rlpkg/schedules.py": SCHEDULES}
    base = commit_files(repo, {**files, "conf/config.yaml": CONFIG.format(target=target, lr="0.0003")}, "base")
    cand = commit_files(repo, {"conf/config.yaml": CONFIG.format(target=target, lr="0.003")}, "cand")
    inv = run_investigation(InvestigationRequest(repo=str(repo), baseline_commit=base, candidate_commit=cand,
                                                 output=tmp_path / "out", formats=["json"]))
    lr = [f for f in inv.findings if "optimizer.lr" in f.title]
    assert lr and lr[0].severity.value == "critical"
    assert not any("optimizer.lr" in n.title for r in inv.results.values() for n in r.no_effect)


def test_section_of_a_repository_target_nobody_instantiates_or_names_is_dead(tmp_path):
    repo = tmp_path / "r"
    train = TRAIN.replace("optimizer = instantiate(cfg.optimizer, params=model.parameters())",
                          "optimizer = make_optimizer(model)\n    print(cfg.optimizer)")
    files = {"train.py": train, "rlpkg/__init__.py": "", "rlpkg/schedules.py": SCHEDULES}
    config = CONFIG.format(target="rlpkg.schedules.Cosine", lr="{lr}")
    base = commit_files(repo, {**files, "conf/config.yaml": config.format(lr="0.0003")}, "base")
    cand = commit_files(repo, {"conf/config.yaml": config.format(lr="0.003")}, "cand")
    inv = run_investigation(InvestigationRequest(repo=str(repo), baseline_commit=base, candidate_commit=cand,
                                                 output=tmp_path / "out", formats=["json"]))
    assert not any("optimizer.lr" in f.title for f in inv.findings)
    dead = [n for r in inv.results.values() for n in r.no_effect if "optimizer.lr" in n.title]
    assert dead and "_target_" in dead[0].reason
