"""Reachability down to branches: a code change inside a branch whose guard is off at both commits
(an effective configuration value, a default nobody overrides) or inside the `__main__` block of a
module that is not the training entry is a no-effect item; unknown guards stay live."""

from __future__ import annotations

from pathlib import Path

from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from investigator.workflow.state import Investigation
from tests.support.gitrepo import commit_files

TRAIN = '''\
from dataclasses import dataclass

import torch
import torch.nn as nn
{imports}

@dataclass
class Config:
    lr: float = 3e-4
    use_rnd: bool = {default}
    epochs: int = 10


def update(cfg, model, opt, loss):
    opt.zero_grad()
    loss.backward()
    if {guard}:
        nn.utils.clip_grad_norm_(model.parameters(), {norm})
    opt.step()


def main():
    cfg = {build}
    model = nn.Linear(4, 2)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for _ in range(cfg.epochs):
        loss = model(torch.zeros(4)).sum()
        update(cfg, model, opt, loss)


if __name__ == "__main__":
    main()
'''


def _train(default: str = "False", guard: str = "cfg.use_rnd", norm: str = "0.5", build: str = "Config()",
           imports: str = "") -> str:
    return TRAIN.format(default=default, guard=guard, norm=norm, build=build, imports=imports)


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str]) -> Investigation:
    repo = tmp_path / "r"
    b = commit_files(repo, base, "base")
    c = commit_files(repo, cand, "cand")
    return run_investigation(InvestigationRequest(repo=str(repo), baseline_commit=b, candidate_commit=c,
                                                  output=tmp_path / "out", formats=["json"]))


def _clip(inv: Investigation) -> list:
    return [f for f in inv.findings if "clip" in f.title.lower()]


def _dead(inv: Investigation) -> list:
    return [n for r in inv.results.values() for n in r.no_effect if "dead branch" in n.reason]


def test_change_under_a_dataclass_flag_off_at_both_commits_is_no_effect(tmp_path):
    inv = _run(tmp_path, {"train.py": _train()}, {"train.py": _train(norm="50.0")})
    assert not _clip(inv)
    dead = _dead(inv)
    assert dead and "clip" in dead[0].title.lower()
    assert "`cfg.use_rnd` = False" in dead[0].reason and "train.py:17" in dead[0].reason  # the guard
    assert "train.py:10" in dead[0].reason  # where the value is set
    assert "at both commits" in dead[0].reason
    # the hypothesis is no longer supported by the dead change
    supported = [u for r in inv.results.values() for u in r.hypothesis_updates if u.status.value == "supported"]
    assert not any("clip" in u.evidence.lower() for u in supported)


def test_same_change_under_a_flag_on_by_default_is_a_finding(tmp_path):
    inv = _run(tmp_path, {"train.py": _train(default="True")}, {"train.py": _train(default="True", norm="50.0")})
    assert _clip(inv) and not _dead(inv)


def test_else_branch_of_a_flag_on_is_dead_and_negation_is_read(tmp_path):
    inv = _run(tmp_path, {"train.py": _train(default="True", guard="not cfg.use_rnd")},
               {"train.py": _train(default="True", guard="not cfg.use_rnd", norm="50.0")})
    assert not _clip(inv) and _dead(inv)


def test_yaml_value_overrides_the_dataclass_default(tmp_path):
    """The effective configuration decides: the YAML the entry loads turns the flag off."""
    build = 'Config(**yaml.safe_load(open("config.yaml")))'
    files = {"train.py": _train(default="True", build=build, imports="import yaml\n"),
             "config.yaml": "lr: 0.0003\nuse_rnd: false\nepochs: 10\n"}
    inv = _run(tmp_path, files, {"train.py": files["train.py"].replace("0.5)", "50.0)")})
    assert not _clip(inv)
    assert _dead(inv) and "config.yaml" in _dead(inv)[0].reason


def test_yaml_value_on_keeps_the_branch_live(tmp_path):
    build = 'Config(**yaml.safe_load(open("config.yaml")))'
    files = {"train.py": _train(default="False", build=build, imports="import yaml\n"),
             "config.yaml": "lr: 0.0003\nuse_rnd: true\nepochs: 10\n"}
    inv = _run(tmp_path, files, {"train.py": files["train.py"].replace("0.5)", "50.0)")})
    assert _clip(inv) and not _dead(inv)


def test_flag_flipping_between_commits_is_the_finding(tmp_path):
    inv = _run(tmp_path, {"train.py": _train(default="False")}, {"train.py": _train(default="True", norm="50.0")})
    assert any("use_rnd" in f.title for f in inv.findings)
    assert _clip(inv) and not _dead(inv)  # live at the candidate: the body change is not hidden either


def test_unknown_flags_are_live(tmp_path):
    """A command-line option, an environment variable: the value is chosen at run time."""
    for guard, imports in (('os.environ.get("USE_RND")', "import os\n"), ("ARGS.use_rnd", "import argparse\n"
                           "P = argparse.ArgumentParser()\nP.add_argument('--use_rnd', action='store_true')\n"
                           "ARGS = P.parse_args()\n")):
        inv = _run(tmp_path / guard[:3], {"train.py": _train(guard=guard, imports=imports)},
                   {"train.py": _train(guard=guard, imports=imports, norm="50.0")})
        assert _clip(inv) and not _dead(inv), guard


def test_function_default_never_overridden_is_dead_and_overridden_is_live(tmp_path):
    train = _train(guard="use_rnd").replace("def update(cfg, model, opt, loss):",
                                            "def update(cfg, model, opt, loss, use_rnd=False):")
    inv = _run(tmp_path / "a", {"train.py": train}, {"train.py": train.replace("0.5)", "50.0)")})
    assert not _clip(inv) and "update() parameter `use_rnd`" in _dead(inv)[0].reason
    passed = train.replace("update(cfg, model, opt, loss)\n", "update(cfg, model, opt, loss, use_rnd=True)\n")
    inv = _run(tmp_path / "b", {"train.py": passed}, {"train.py": passed.replace("0.5)", "50.0)")})
    assert _clip(inv) and not _dead(inv)


def test_module_constant_off_is_dead(tmp_path):
    train = _train(guard="USE_RND", imports="USE_RND = False\n")
    inv = _run(tmp_path, {"train.py": train}, {"train.py": train.replace("0.5)", "50.0)")})
    assert not _clip(inv) and "`USE_RND` = False (train.py:5)" in _dead(inv)[0].reason


PLAY = '''\
import torch
import torch.nn as nn


def clip(model, opt, loss):
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), {norm})
    opt.step()


if __name__ == "__main__":
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr={lr})
    clip(model, opt, model(torch.zeros(4)).sum())
'''


def test_main_block_of_a_module_that_is_not_the_entry_is_no_effect(tmp_path):
    base = {"train.py": _train(default="True"), "tools/play.py": PLAY.format(norm="0.5", lr="0.1")}
    inv = _run(tmp_path, base, {"tools/play.py": PLAY.format(norm="0.5", lr="0.5")})
    assert not [f for f in inv.findings if any(loc.path == "tools/play.py" and loc.line and loc.line > 10
                                               for loc in f.locations)]
    dead = [n for n in _dead(inv) if "__main__" in n.reason]
    assert dead and "not the training entry point (`train.py`)" in dead[0].reason


def test_main_block_of_the_entry_is_still_analysed(tmp_path):
    train = _train(default="True").replace("    main()\n", "    torch.manual_seed(1)\n    main()\n")
    inv = _run(tmp_path, {"train.py": train}, {"train.py": train.replace("manual_seed(1)", "manual_seed(2)")})
    assert not [n for n in _dead(inv) if "__main__" in n.reason]


def test_mode_selectors_and_launch_script_values_are_live(tmp_path):
    """`algo == "sac"` selects a mode users switch per run; an example launch command is one run."""
    train = _train(guard='cfg.algo == "sac"').replace("    epochs: int = 10\n", '    epochs: int = 10\n    algo: str = "ppo"\n')
    inv = _run(tmp_path / "a", {"train.py": train}, {"train.py": train.replace("0.5)", "50.0)")})
    assert _clip(inv) and not _dead(inv)
    imports = ("import argparse\nP = argparse.ArgumentParser()\nP.add_argument('--use_rnd', type=eval, default=True)\n"
               "ARGS = P.parse_args()\n")
    train = _train(guard="ARGS.use_rnd", imports=imports)
    files = {"train.py": train, "run.sh": "python train.py --use_rnd False\n"}
    inv = _run(tmp_path / "b", files, {"train.py": train.replace("0.5)", "50.0)")})
    data = inv.results["config_forensics"].data
    keys = [k for k in data["effective_where"]["baseline"] if k.endswith("use_rnd")]
    assert any(data["effective_where"]["baseline"][k].startswith("run.sh") for k in keys)  # the launch command set it: one run among many
    assert _clip(inv) and not _dead(inv)


def test_a_flag_reassigned_under_a_condition_is_live(tmp_path):
    """`cfg.use_rnd = False` then `if ...: cfg.use_rnd = True`: the effective value is one of two."""
    train = _train(build="Config()\n    cfg.use_rnd = False\n    if cfg.epochs > 100:\n        cfg.use_rnd = True")
    inv = _run(tmp_path, {"train.py": train}, {"train.py": train.replace("0.5)", "50.0)")})
    assert _clip(inv) and not _dead(inv)


def _changeset(tmp_path: Path, base: dict[str, str], cand: dict[str, str]):
    from investigator.git import build_changeset, open_repository, resolve_range

    repo = tmp_path / "r"
    b, c = commit_files(repo, base, "base"), commit_files(repo, cand, "cand")
    handle = open_repository(str(repo))
    return build_changeset(handle, resolve_range(handle, b, c))


def _finding(kind: str, path: str, line: int, source: str = "behaviour.flow"):
    from investigator.models import Evidence, EvidenceKind, Finding, Location

    locs = [Location(path=path, line=line, side="baseline"), Location(path=path, line=line, side="candidate")]
    return Finding(id=f"x:{kind}", source=source, subsystem="ppo", severity="critical", confidence=0.9, title="t",
                   locations=locs, evidence=[Evidence(kind=EvidenceKind(kind), summary="s", locations=locs)])


def test_any_analyzers_code_finding_is_judged_and_config_findings_never_are(tmp_path):
    """The rule runs over every analyzer's results; the user's given entry is used when config
    forensics published none; a configuration finding is the flag change itself and stays."""
    from investigator.detectors.guards import apply_guards
    from investigator.models import AnalyzerResult
    from investigator.request import InvestigationRequest

    files = {"train.py": _train(default="True"), "tools/play.py": PLAY.format(norm="0.5", lr="0.1")}
    cs = _changeset(tmp_path, files, {"tools/play.py": PLAY.format(norm="0.5", lr="0.5")})
    results = {"flow": AnalyzerResult(analyzer="flow", findings=[_finding("code", "tools/play.py", 13),
                                                                 _finding("config", "tools/play.py", 13)])}
    assert apply_guards(results, cs) == {}  # no entry known: the `__main__` block may be the one run
    request = InvestigationRequest(repo=str(tmp_path / "r"), baseline_commit="HEAD~1", baseline_entry="train.py",
                                   candidate_entry="train.py --epochs 3")
    changed = apply_guards(results, cs, request)["flow"]
    assert [f.evidence[0].kind.value for f in changed.findings] == ["config"]
    assert changed.no_effect[0].source == "behaviour.flow" and changed.no_effect[0].details["was"] == "critical"
    # a line of a function body outside the `__main__` block stays live
    assert apply_guards({"flow": AnalyzerResult(analyzer="flow", findings=[_finding("code", "tools/play.py", 7)])},
                        cs, request) == {}


NESTED = '''\
import torch
import torch.nn as nn
import yaml


def update(cfg, model, opt, loss):
    loss.backward()
    if cfg["{section}"]["enabled"]:
        nn.utils.clip_grad_norm_(model.parameters(), {norm})
    opt.step()


def main():
    cfg = yaml.safe_load(open("config.yaml"))
    model = nn.Linear(4, 2)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for _ in range(10):
        update(cfg, model, opt, model(torch.zeros(4)).sum())


if __name__ == "__main__":
    main()
'''


def test_nested_dict_flags_are_told_apart_by_their_section(tmp_path):
    """`cfg["rnd"]["enabled"]` is `rnd.enabled`, not `symmetry.enabled`."""
    config = "lr: 0.0003\nrnd:\n  enabled: false\nsymmetry:\n  enabled: true\n"
    for section, dead in (("rnd", True), ("symmetry", False)):
        train = NESTED.format(section=section, norm="{norm}")
        inv = _run(tmp_path / section, {"train.py": train.format(norm="0.5"), "config.yaml": config},
                   {"train.py": train.format(norm="50.0")})
        assert bool(_dead(inv)) is dead and bool(_clip(inv)) is not dead, section
        if dead:
            assert "config.yaml:3" in _dead(inv)[0].reason


# ---- options off by default: a branch that only a declared default keeps off ---------------------
# The real shape (rsl_rl v2.2.2..v2.2.3): PPO gains `normalize_advantage_per_mini_batch=False`, the
# constructor is called with `**alg_cfg` (so a config may set it), and the update gains
# `if self.normalize_advantage_per_mini_batch:` around a per-minibatch normalisation.

PPO_SRC = '''\
import torch


class PPO:
    def __init__(self, policy, lr=3e-4{param}):
        self.policy = policy
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
{assign}
    def update(self, obs, actions, advantages, old_logp):
        logp = self.policy.log_prob(obs, actions)
{branch}        ratio = torch.exp(logp - old_logp)
        loss = -(ratio * advantages).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
'''
RUNNER_SRC = '''\
import yaml

from ppo import PPO
from policy import Policy


def main():
    alg_cfg = yaml.safe_load(open("alg.yaml"))
    algo = PPO(Policy(), **alg_cfg)
    for batch in range(100):
        algo.update(*batch)


if __name__ == "__main__":
    main()
'''
BRANCH = ("        if self.per_minibatch:\n"
          "            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)\n")


def _ppo(default: str | None) -> str:
    if default is None:
        return PPO_SRC.format(param="", assign="", branch="")
    return PPO_SRC.format(param=f", per_minibatch={default}", assign="        self.per_minibatch = per_minibatch\n",
                          branch=BRANCH)


def _normalisation(inv: Investigation) -> list:
    return [f for f in inv.findings
            if any(loc.side == "candidate" and loc.path == "ppo.py" and loc.line in (11, 12, 13) for loc in f.locations)]


def test_new_option_off_by_default_is_low_not_dropped(tmp_path):
    base = {"ppo.py": _ppo(None), "train.py": RUNNER_SRC, "alg.yaml": "lr: 0.0003\n", "policy.py": "class Policy: ...\n"}
    inv = _run(tmp_path, base, {"ppo.py": _ppo("False")})
    found = _normalisation(inv)
    assert found, [f.title for f in inv.findings]
    assert all(f.severity.value == "low" for f in found)
    assert "by default it does not" in found[0].rationale and "`self.per_minibatch` = False" in found[0].rationale
    assert not _dead(inv)  # a config may still set it: a finding, not a no-effect item


def test_new_option_on_by_default_keeps_its_severity(tmp_path):
    base = {"ppo.py": _ppo(None), "train.py": RUNNER_SRC, "alg.yaml": "lr: 0.0003\n", "policy.py": "class Policy: ...\n"}
    inv = _run(tmp_path, base, {"ppo.py": _ppo("True")})
    found = _normalisation(inv)
    assert found and any(f.severity.value != "low" for f in found), [(f.title, f.severity) for f in found]


SCRIPT = '''\
import argparse

import torch
import torch.nn as nn


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=3e-4)
    parser.add_argument("--gamma", type=float, default=0.99)
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    q_network = nn.Linear(4, 2)
    target_network = nn.Linear(4, 2)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)
    for global_step in range(1000):
        obs, next_obs = torch.zeros(4), torch.zeros(4)
        reward, done = torch.zeros(()), torch.zeros(())
        with torch.no_grad():
            td_target = reward + args.gamma * target_network(next_obs).max() * (1 - done)
        loss = ((q_network(obs).max() - td_target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''


def test_a_guessed_entry_among_equal_standalone_scripts_leaves_the_others_live(tmp_path):
    """Real shape: a repository of single-file algorithms, each training under its own `__main__` guard
    (cleanrl). The detected entry is one of many equals (`dqn.py` before `sac.py` by spelling only):
    the done mask removed from another script's TD target is a finding, not a dead branch."""
    base = {"algos/dqn.py": SCRIPT, "algos/sac.py": SCRIPT}
    inv = _run(tmp_path, base, {"algos/sac.py": SCRIPT.replace(" * (1 - done)", "")})
    found = [f for f in inv.findings if any(loc.path == "algos/sac.py" for loc in f.locations)]
    assert found and not [n for n in _dead(inv) if "__main__" in n.reason], [n.reason for n in _dead(inv)]


def test_a_script_that_is_less_likely_the_entry_stays_dead(tmp_path):
    """The same script beside one named for training (`train.py`): the guess is not among equals, so
    the other script's `__main__` block is off the training path."""
    base = {"train.py": _train(default="True"), "algos/sac.py": SCRIPT}
    inv = _run(tmp_path, base, {"algos/sac.py": SCRIPT.replace(" * (1 - done)", "")})
    assert not [f for f in inv.findings if any(loc.path == "algos/sac.py" for loc in f.locations)]
    dead = [n for n in _dead(inv) if "__main__" in n.reason]
    assert dead and "not the training entry point (`train.py`)" in dead[0].reason


GAE_SCRIPT = '''\
import argparse

import torch


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--gae", type=bool, default=GAE_DEFAULT)
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    rewards, values, dones = torch.zeros(8), torch.zeros(8), torch.zeros(8)
    next_value, next_done = torch.zeros(()), torch.zeros(())
    if args.gae:
        advantages = torch.zeros_like(rewards)
        lastgaelam = 0
        for t in reversed(range(8)):
            if t == 7:
                nextnonterminal = 1.0 - next_done
                nextvalues = next_value
            else:
                nextnonterminal = 1.0 - dones[t + 1]
                nextvalues = values[t + 1]
            delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
            advantages[t] = lastgaelam = delta + args.gamma * 0.95 * nextnonterminal * lastgaelam
        returns = advantages + values
    else:
        returns = torch.zeros_like(rewards)
        for t in reversed(range(8)):
            if t == 7:
                nextnonterminal = 1.0 - next_done
                next_return = next_value
            else:
                nextnonterminal = 1.0 - dones[t + 1]
                next_return = returns[t + 1]
            returns[t] = rewards[t] + args.gamma * nextnonterminal * next_return
        advantages = returns - values
    loss = (advantages ** 2).mean() + (returns ** 2).mean()
    loss.backward()
'''


def _gae_only(text: str) -> str:
    """The candidate of a 'reduce code redundancy' commit: the GAE branch kept, the plain-returns one removed."""
    head, rest = text.split("\n    if args.gae:\n")
    gae, plain = rest.split("\n    else:\n", 1)
    tail = plain[plain.index("\n    loss = "):]
    return head + "\n" + "\n".join(line[4:] for line in gae.split("\n")) + tail


def test_a_rival_scripts_own_option_default_makes_its_removed_branch_dead(tmp_path):
    """Real shape (cleanrl, a held-out range): in one of many standalone scripts the `else:` of
    `if args.gae:` (plain returns, masked too) was removed while `--gae` defaults to True; the detected
    entry is another script, whose configuration says nothing about this one's `--gae`."""
    script = GAE_SCRIPT.replace("GAE_DEFAULT", "True")
    base = {"algos/dqn.py": SCRIPT, "algos/ppg.py": script}
    inv = _run(tmp_path, base, {"algos/ppg.py": _gae_only(script)})
    assert not [f for f in inv.findings if f.severity.name == "critical"], [f.title for f in inv.findings]
    # the option dropped with the branch (the script moved to another argument parser)
    dropped = _gae_only(script).replace('    parser.add_argument("--gae", type=bool, default=True)\n', "")
    inv = _run(tmp_path / "dropped", base, {"algos/ppg.py": dropped})
    assert not [f for f in inv.findings if f.severity.name == "critical"], [f.title for f in inv.findings]


def test_a_rival_scripts_branch_that_ran_by_default_is_still_reported(tmp_path):
    script = GAE_SCRIPT.replace("GAE_DEFAULT", "False")
    base = {"algos/dqn.py": SCRIPT, "algos/ppg.py": script}
    inv = _run(tmp_path, base, {"algos/ppg.py": _gae_only(script)})
    assert [f for f in inv.findings if any(loc.path == "algos/ppg.py" for loc in f.locations)]


def test_a_rival_scripts_option_is_found_by_its_destination_name(tmp_path):
    """`args.gae` read from `add_argument("--use-gae", dest="gae", default=True)`: the option reader the
    configuration extractor uses (config/options.py) names the destination, not the flag spelling."""
    script = GAE_SCRIPT.replace('"--gae", type=bool, default=GAE_DEFAULT',
                                '"--use-gae", dest="gae", type=bool, default=True')
    base = {"algos/dqn.py": SCRIPT, "algos/ppg.py": script}
    inv = _run(tmp_path, base, {"algos/ppg.py": _gae_only(script)})
    assert not [f for f in inv.findings if f.severity.name == "critical"], [f.title for f in inv.findings]
    off = script.replace("default=True", "default=False")
    inv = _run(tmp_path / "off", {"algos/dqn.py": SCRIPT, "algos/ppg.py": off}, {"algos/ppg.py": _gae_only(off)})
    assert [f for f in inv.findings if any(loc.path == "algos/ppg.py" for loc in f.locations)]
