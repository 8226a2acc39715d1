"""Branches that no run of the baseline can take: a new configuration key, a new selector value.

Real shapes (HARL 690fb1d9..06d697fb, the HASAC merge): the off-policy runner gains
`if "auto_alpha" in algo_args["algo"] and algo_args["algo"]["auto_alpha"]:` creating an Adam optimizer
for the entropy temperature, a key only the new algorithm's configuration file has ("Optimizer
changed: `-` -> `Adam([_log_alpha])`", significant); `get_num_agents` gains `elif env == "lag":
return envs.n_agents`, a value written nowhere at the baseline ("sampling path", significant).
Negatives: a configuration file of an existing algorithm turning the key on, a value the baseline's
configuration selects, a real change beside the new arm.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.detectors.test_guards import _run
from tests.flow.test_equivalence import _index

RUNNER = '''
import torch


class OffPolicyRunner:
    def __init__(self, algo_args, actor, critic):
        self.algo_args = algo_args
        self.actor = actor
        self.critic = critic
        self.critic_optimizer = torch.optim.Adam(critic.parameters(), lr=algo_args["algo"]["critic_lr"])
{branch}
    def train(self, batch):
        loss = self.critic(batch).pow(2).mean()
        self.critic_optimizer.zero_grad()
        loss.backward()
        self.critic_optimizer.step()
'''
ALPHA = '''        if "auto_alpha" in self.algo_args["algo"].keys() and self.algo_args["algo"]["auto_alpha"]:
            self.log_alpha = torch.zeros(1, requires_grad=True)
            self.alpha_optimizer = torch.optim.Adam([self.log_alpha], lr=self.algo_args["algo"]["alpha_lr"])
'''
TRAIN = '''
import yaml

from runner import OffPolicyRunner


def main(algo, actor, critic):
    algo_args = yaml.safe_load(open(f"configs/{algo}.yaml"))
    runner = OffPolicyRunner(algo_args, actor, critic)
    for batch in range(10):
        runner.train(batch)
'''
HATD3 = "algo:\n  critic_lr: 0.001\n  policy_noise: 0.2\n"
HASAC = "algo:\n  critic_lr: 0.001\n  auto_alpha: true\n  alpha_lr: 0.0003\n"


def _alpha_findings(inv) -> list:
    return [f for f in inv.findings if any(loc.side == "candidate" and loc.path == "runner.py" and loc.line in (12, 13, 14)
                                           for loc in f.locations)]


def test_a_branch_on_a_key_only_new_configuration_files_have_is_opt_in(tmp_path):
    base = {"runner.py": RUNNER.format(branch=""), "train.py": TRAIN, "configs/hatd3.yaml": HATD3}
    cand = {"runner.py": RUNNER.format(branch=ALPHA), "configs/hasac.yaml": HASAC}
    inv = _run(tmp_path, base, cand)
    found = _alpha_findings(inv)
    assert found, [f.title for f in inv.findings]
    assert all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    assert any("no configuration file of the baseline sets `auto_alpha`" in f.rationale
               and "configs/hasac.yaml" in f.rationale for f in found)


def test_a_key_an_existing_configuration_turns_on_keeps_the_severity(tmp_path):
    base = {"runner.py": RUNNER.format(branch=""), "train.py": TRAIN, "configs/hatd3.yaml": HATD3}
    # the existing algorithm's file gains the key: its runs take the new branch
    cand = {"runner.py": RUNNER.format(branch=ALPHA), "configs/hatd3.yaml": HATD3 + "  auto_alpha: true\n  alpha_lr: 0.1\n"}
    inv = _run(tmp_path, base, cand)
    found = _alpha_findings(inv)
    assert found and not all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    # present but off in every existing file: still opt-in
    cand_off = {"runner.py": RUNNER.format(branch=ALPHA), "configs/hatd3.yaml": HATD3 + "  auto_alpha: false\n"}
    inv = _run(tmp_path / "off", base, cand_off)
    found = _alpha_findings(inv)
    assert found and all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]


ENVS = '''
def get_num_agents(env, env_args, envs):
    if env == "smac":
        return env_args["n_agents"]
    elif env == "mamujoco":
        return envs.n_agents
    elif env == "football":
        return envs.n_agents{arm}
'''
LAG_ARM = '\n    elif env == "lag":\n        return envs.n_agents'
SAMPLER = '''
import numpy as np

from envs import get_num_agents


def sample_actions(env_name, env_args, envs, buffer):
    n = get_num_agents(env_name, env_args, envs)
    actions = np.random.choice(envs.n_actions, size=n)
    obs, rewards, dones, infos = envs.step(actions)
    buffer.insert(obs, actions, rewards)
'''


def _sampling(extra_base: dict[str, str] | None = None, arm: str = LAG_ARM, body: str | None = None):
    base = {"envs.py": ENVS.format(arm=""), "sampler.py": SAMPLER, **(extra_base or {})}
    cand_envs = ENVS.format(arm=arm) if body is None else body
    result = analyse(_index(base, {**base, "envs.py": cand_envs}))
    return [f for f in result.findings if "get_num_agents" in f.title]


def test_a_new_arm_for_a_value_the_baseline_never_writes_is_a_new_case_low():
    found = _sampling({"configs/smac.yaml": "env: smac\nn_agents: 3\n"})
    assert len(found) == 1 and found[0].severity is Severity.low, [(f.title, f.severity) for f in found]
    assert "new case for value 'lag'" in found[0].title
    assert "no baseline run selects it" in found[0].rationale


def test_a_value_the_baseline_selects_or_a_changed_arm_keeps_the_severity():
    # a configuration of the baseline selects 'lag': those runs got None before, the number of agents now
    found = _sampling({"configs/lag.yaml": "env: lag\n"})
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
    # the new arm beside a changed arm of an existing value
    changed = ENVS.format(arm=LAG_ARM).replace('return env_args["n_agents"]', 'return env_args["n_agents"] + 1')
    found = _sampling(body=changed)
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
    assert "new case" not in found[0].title


SHAPES = '''
def get_shape_from_act_space(act_space):
    if act_space.__class__.__name__ == "Discrete":
        act_shape = 1
    elif act_space.__class__.__name__ == "Box":
        act_shape = act_space.shape[0]{arm}
    return act_shape


def make_buffer(act_space, size):
    import numpy as np
    return np.zeros((size, get_shape_from_act_space(act_space)))
'''
MULTI = '\n    elif act_space.__class__.__name__ == "MultiDiscrete":\n        act_shape = act_space.shape[0]'
SAMPLER_SHAPES = '''
import numpy as np

from spaces import make_buffer


def collect(env, act_space):
    buffer = make_buffer(act_space, 100)
    idx = np.random.choice(len(buffer), 32)
    obs, rewards, dones, infos = env.step(buffer[idx])
'''
OTHER = 'SPACES = ["Discrete", "Box", "MultiDiscrete"]\n'  # the value is known elsewhere at the baseline


def _shapes(cand: str, base_arm: str = ""):
    base = {"spaces.py": SHAPES.format(arm=base_arm), "collect.py": SAMPLER_SHAPES, "registry.py": OTHER}
    result = analyse(_index(base, {**base, "spaces.py": cand}))
    return [f for f in result.findings if "get_shape_from_act_space" in f.title]


def test_a_new_arm_for_a_value_that_failed_at_the_baseline_is_a_new_case():
    # HARL: `MultiDiscrete` reached no arm and returned an unbound `act_shape`: no working run selected it
    found = _shapes(SHAPES.format(arm=MULTI))
    assert len(found) == 1 and found[0].severity is Severity.low, [(f.title, f.severity) for f in found]
    assert "new case for value 'MultiDiscrete'" in found[0].title
    assert "`act_shape` is read unset" in found[0].rationale


def test_a_chain_whose_fall_through_ran_on_keeps_the_severity():
    # a default before the chain: `MultiDiscrete` ran with `act_shape = 0` at the baseline
    base_default = SHAPES.replace("    if act_space.__class__", "    act_shape = 0\n    if act_space.__class__", 1)
    base = {"spaces.py": base_default.format(arm=""), "collect.py": SAMPLER_SHAPES, "registry.py": OTHER}
    result = analyse(_index(base, {**base, "spaces.py": base_default.format(arm=MULTI)}))
    found = [f for f in result.findings if "get_shape_from_act_space" in f.title]
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


LEGACY = '''
import warnings


def train(model, optimizer, batch, cfg):
    lr_scale = 1.0
    if "legacy_scale" in cfg:
        warnings.warn("legacy_scale is deprecated")
        lr_scale = cfg["legacy_scale"]
{new}    loss = model(batch).mean()
    optimizer.param_groups[0]["lr"] = 1e-3 * lr_scale
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def main(model, optimizer, loader, cfg):
    for batch in loader:
        train(model, optimizer, batch, cfg)
'''
NEW_KEY = '    if "warm_scale" in cfg:\n        lr_scale = lr_scale * cfg["warm_scale"]\n'


def test_a_key_test_present_at_both_commits_is_not_decided_on_one_side():
    # rsl_rl 830fa985..d698b78f: a deprecated `if "rnn_hidden_size" in kwargs:` block at both commits beside a
    # new opt-in branch; deciding the old block on the candidate only left a difference in unchanged code,
    # and the function's finding was lost without a trace
    base = {"train.py": LEGACY.format(new="")}
    result = analyse(_index(base, {"train.py": LEGACY.format(new=NEW_KEY)}))
    found = [f for f in result.findings if "`train`" in f.title]
    assert found and found[0].severity is Severity.low, [(f.title, f.severity) for f in result.findings]
    assert "opt-in" in found[0].title and "warm_scale" in found[0].rationale
