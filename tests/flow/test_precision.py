"""Precision on real shapes: findings whose statement is off the learning-signal flow, and path labels.

Each case reproduces a shape read in a public RL repository (generated code, not theirs):
* an episode-return accumulator filled in a base class's rollout and read only by a statistics meter
  that the subclass's `train` logs (rl_games `self.current_shaped_rewards += shaped_rewards`, reported
  as "Reward weights changed", significant) -> no-effect; the same accumulator stored in the
  training buffer stays a finding;
* a `.cpu()` dropped from the TorchScript export copy of a recurrent model (rsl_rl) -> low; the same
  `.cpu()` in the model that trains stays significant;
* a test file's reference implementation of an evaluation metric paired with the product function it
  checks (d3rlpy `metrics/scorer.py` <-> `tests/metrics/test_evaluators.py`) -> never paired, and a
  test moved between test files never reports the product code it inlined (the same d3rlpy range:
  "Done masking removed", critical) -> no-effect; a mask removed from the product code stays;
* an RND optimizer compared with the policy optimizer (rsl_rl) -> each with its own parameters;
* a property `delta` "called" by a GAE local `delta`, a `space.sample()` in a test mock (PufferLib)
  -> not on the flow;
* dozens of low behavioural findings, one per function of a rewritten module -> one per file, every
  function's evidence kept;
* an environment step's tuple unpacking labelled "reward path" (HARL) -> environment; a wandb run id
  labelled "optimizer path" (PufferLib `init_wandb`) -> logging, no finding.
"""

from __future__ import annotations

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import group_low
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity
from tests.detectors.helpers import run_on, src
from tests.flow.test_equivalence import _index, analyse

ROLLOUT = """
    import torch


    class AverageMeter:
        def __init__(self):
            self.values = []

        def update(self, x):
            self.values.append(x)

        def get_mean(self):
            return sum(self.values) / max(1, len(self.values))


    class A2CBase:
        def __init__(self, env, model, optimizer, writer, buffer):
            self.env = env
            self.model = model
            self.optimizer = optimizer
            self.writer = writer
            self.buffer = buffer
            self.reward_scale = 0.1
            self.current_rewards = torch.zeros(8)
            self.game_rewards = AverageMeter()

        def play_steps(self):
            obs = self.env.reset()
            for n in range(16):
                actions = self.model.act(obs)
                obs, rewards, dones, infos = self.env.step(actions)
                shaped_rewards = self.reward_scale * rewards
                self.buffer.store(obs, actions, shaped_rewards, dones)
                self.current_rewards += {acc}
                {extra}
                done_indices = dones.nonzero()
                self.game_rewards.update(self.current_rewards[done_indices])
                self.current_rewards = self.current_rewards * (1 - dones)
            return self.buffer


    class ContinuousA2C(A2CBase):
        def train(self, epoch):
            batch = self.play_steps()
            loss = self.model.loss(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            mean_rewards = self.game_rewards.get_mean()
            self.writer.add_scalar("rewards/step", mean_rewards, epoch)
"""


def _rollout(acc: str, extra: str = "pass") -> dict[str, str]:
    return {"agent.py": ROLLOUT.replace("{acc}", acc).replace("{extra}", extra)}


def test_an_episode_return_accumulator_read_only_by_logging_is_no_effect():
    result = run_on(_rollout("rewards"), _rollout("rewards * 2"), only={"reward_terms"})
    assert result.findings == [], [f.title for f in result.findings]
    quiet = [n for n in result.no_effect if n.source.endswith("reward_terms")]
    assert quiet and "logging" in quiet[0].reason


def test_the_same_accumulator_stored_for_training_stays_a_finding():
    store = "self.buffer.store_returns(self.current_rewards)"
    result = run_on(_rollout("rewards", store), _rollout("rewards * 2", store), only={"reward_terms"})
    assert [f.title for f in result.findings] == ["Reward weights changed"]
    assert result.findings[0].severity is Severity.significant


EXPORT = """
    import copy

    import torch
    from torch import nn


    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = {train_rnn}
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.rnn(x)[0])

        def as_jit(self):
            return _TorchPolicy(self)


    class _TorchPolicy(nn.Module):
        def __init__(self, model):
            super().__init__()
            self.rnn = {export_rnn}
            self.head = copy.deepcopy(model.head)

        def forward(self, x):
            return self.head(self.rnn(x)[0])


    def export(policy, path):
        torch.jit.save(torch.jit.script(policy.as_jit()), path)
"""


def _export(train_rnn: str, export_rnn: str) -> dict[str, str]:
    return {"model.py": EXPORT.replace("{train_rnn}", train_rnn).replace("{export_rnn}", export_rnn)}


def test_a_device_change_in_the_export_copy_is_low():
    result = run_on(_export("nn.LSTM(4, 8)", "copy.deepcopy(model.rnn).cpu()"),
                    _export("nn.LSTM(4, 8)", "copy.deepcopy(model.rnn)"), only={"device_placement"})
    assert [f.title for f in result.findings] == ["Device placement changed"]
    assert result.findings[0].severity is Severity.low
    assert "exports a trained model" in result.findings[0].rationale


def test_the_same_device_change_in_the_trained_model_stays_significant():
    result = run_on(_export("nn.LSTM(4, 8).cpu()", "copy.deepcopy(model.rnn)"),
                    _export("nn.LSTM(4, 8)", "copy.deepcopy(model.rnn)"), only={"device_placement"})
    assert [f.title for f in result.findings] == ["Device placement changed"]
    assert result.findings[0].severity is Severity.significant


METRIC = """
    import numpy as np


    def td_error_scorer(algo, episodes, gamma=0.99):
        total_errors = []
        for episode in episodes:
            for batch in episode.batches():
                values = algo.predict_value(batch.observations, batch.actions)
                next_actions = algo.predict(batch.next_observations)
                next_values = algo.predict_value(batch.next_observations, next_actions)
                mask = (1.0 - np.asarray(batch.terminals)).reshape(-1)
                rewards = np.asarray(batch.rewards).reshape(-1)
                y = rewards + gamma * next_values * mask
                total_errors += ((values - y) ** 2).tolist()
        return float(np.mean(total_errors))
"""
REFERENCE = METRIC.replace("def td_error_scorer(algo, episodes, gamma=0.99):",
                           "def ref_td_error_score(algo, episodes, gamma=0.99):")


def _pairs(base: dict[str, str], cand: dict[str, str]) -> list[tuple[str | None, str | None]]:
    b = MemoryTree({k: src(v) for k, v in base.items()})
    c = MemoryTree({k: src(v) for k, v in cand.items()})
    index = build_pairs(b, c, diff_trees(b, c))
    return [(p.base.path if p.base else None, p.cand.path if p.cand else None) for p in index.pairs]


def test_a_test_files_reference_implementation_never_pairs_with_product_code():
    pairs = _pairs({"pkg/metrics/scorer.py": METRIC, "pkg/other.py": "X = 1\n"},
                   {"pkg/other.py": "X = 2\n", "tests/metrics/test_evaluators.py": REFERENCE})
    assert ("pkg/metrics/scorer.py", "tests/metrics/test_evaluators.py") not in pairs
    assert ("pkg/metrics/scorer.py", None) in pairs  # deleted, not moved into the test


def test_the_same_function_moved_between_product_files_still_pairs():
    pairs = _pairs({"pkg/metrics/scorer.py": METRIC}, {"pkg/metrics/evaluators.py": REFERENCE})
    assert ("pkg/metrics/scorer.py", "pkg/metrics/evaluators.py") in pairs


RUNNER = """
    import torch
    import wandb


    def init_wandb(args):
        return wandb.init(id={run_id}, project=args.project)


    def run(args, envs, policy, optimizer):
        run = init_wandb(args)
        obs = envs.reset()
        for step in range(args.steps):
            actions = policy(obs)
            {unpack} = envs.step(actions)
            rewards = rewards * {scale}
            loss = -(policy.log_prob(obs, actions) * rewards).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log({"loss": loss.item()})
"""
UNPACK = "obs, rewards, dones, infos"


def _runner(run_id: str = "args.exp_name", unpack: str = UNPACK, scale: str = "1.0") -> dict[str, str]:
    text = RUNNER.replace("{run_id}", run_id).replace("{unpack}", unpack).replace("{scale}", scale)
    return {"runner.py": text, "run_all.py": "from runner import run\nrun(ARGS, ENVS, POLICY, OPT)\n"}


def test_an_environment_step_unpacking_is_labelled_environment_not_reward():
    result = analyse(_index(_runner(), _runner(unpack="obs, dones, rewards, infos")))
    assert [f.evidence[0].details["path"] for f in result.findings] == ["environment"]


def test_a_reward_computation_keeps_its_reward_label():
    result = analyse(_index(_runner(), _runner(scale="0.1")))
    assert [f.evidence[0].details["path"] for f in result.findings] == ["reward"]
    assert result.findings[0].severity is Severity.significant


def test_a_wandb_run_id_is_logging_not_the_optimizer_path():
    result = analyse(_index(_runner(), _runner(run_id="args.exp_id or wandb.util.generate_id()")))
    assert result.findings == [], [f.title for f in result.findings]
    assert any("logging" in n.reason for n in result.no_effect)


PROFILER = """
    import time


    class Profiler:
        def __init__(self):
            self.elapsed = 0.0
            self.prev = {prev}

        @property
        def delta(self):
            ret = self.elapsed - self.prev
            self.prev = self.elapsed
            return ret
"""
GAE = """
    from utils import Profiler


    def scale(r):
        return r * {scale}


    def train(agent, optimizer, rewards, values, dones, gamma=0.99):
        timer = Profiler()
        rewards = list(map(scale, rewards))
        returns = []
        nxt = 0.0
        for t in reversed(range(len(rewards))):
            delta = rewards[t] + gamma * nxt * (1 - dones[t]) - values[t]
            nxt = values[t] + delta
            returns.append(nxt)
        loss = agent.value_loss(returns)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(timer.delta)
"""


def _profiled(prev: str = "0.0", scale: str = "1.0") -> dict[str, str]:
    return {"utils.py": PROFILER.replace("{prev}", prev), "ppo.py": GAE.replace("{scale}", scale),
            "run_all.py": "from ppo import train\ntrain(AGENT, OPT, R, V, D)\n"}


def test_a_property_is_not_called_by_a_local_variable_of_the_same_name():
    result = analyse(_index(_profiled(), _profiled(prev="time.perf_counter()")))
    assert result.findings == [], [f.title for f in result.findings]


def test_a_function_passed_on_as_a_value_is_still_followed():
    result = analyse(_index(_profiled(), _profiled(scale="0.1")))
    assert [f.evidence[0].details["path"] for f in result.findings] == ["loss"]


SPACES = """
    import numpy as np


    class Box:
        def __init__(self, n):
            self.n = n

        def sample(self):
            return np.random.uniform(size=self.n)


    def make_space(n):
        return Box({size})
"""


def _spaces(size: str, user: str) -> dict[str, str]:
    files = {"envs/spaces.py": SPACES.replace("{size}", size), "run_all.py": "import envs.spaces\n"}
    files["tests/test_spaces.py" if user == "test" else "envs/rollout.py"] = (
        "from envs.spaces import make_space\n\n\ndef {name}():\n    batch = make_space(3).sample()\n    return batch\n"
    ).replace("{name}", "mock_observation" if user == "test" else "collect")
    if user != "test":
        files["run_all.py"] = "from envs.rollout import collect\ncollect()\n"
    return files


def test_a_sink_reached_only_in_a_test_file_is_not_training():
    result = analyse(_index(_spaces("n", "test"), _spaces("n + 1", "test")))
    assert result.findings == [], [f.title for f in result.findings]


def test_the_same_sink_in_product_code_is_on_the_flow():
    result = analyse(_index(_spaces("n", "product"), _spaces("n + 1", "product")))
    assert [f.evidence[0].details["path"] for f in result.findings] == ["sampling"]


def _low(path: str, fn: str, severity: Severity = Severity.low) -> Finding:
    loc = Location(path=path, line=10, side="candidate")
    return Finding(id=f"behavioural_change:{path}:{fn}", source="behavioural_change", subsystem="env", severity=severity,
                   confidence=0.7, title=f"Behavioural change in the environment path: `{fn}`",
                   rationale="No detector explains this change. Low because this range changes 30 functions.",
                   locations=[loc], evidence=[Evidence(kind=EvidenceKind.code, summary=fn, hunk=f"+ {fn}",
                                                       details={"path": "environment", "function": f"{path}:{fn}"})])


def test_many_low_findings_of_one_file_become_one_that_keeps_every_functions_evidence():
    findings = [_low("envs/wrappers.py", f"Wrapper{k}.step") for k in range(5)]
    findings += [_low("envs/other.py", "Other.reset"), _low("envs/other.py", "Other.step")]
    findings += [_low("envs/wrappers.py", "Main.step", Severity.significant)]
    out = group_low(findings)
    assert len(out) == 4  # the group, the two of other.py, the significant one
    group = next(f for f in out if f.title.startswith("Behavioural changes in 5 functions of `envs/wrappers.py`"))
    assert group.severity is Severity.low and len(group.evidence) == 5
    assert [e.hunk for e in group.evidence] == [f"+ Wrapper{k}.step" for k in range(5)]
    assert all(f"`Wrapper{k}.step`" in group.rationale for k in range(5))
    assert any(f.severity is Severity.significant and f.title.endswith("`Main.step`") for f in out)


PPO_INIT = """
    import torch.optim as optim


    class PPO:
        def __init__(self, policy, rnd, rnd_cfg, learning_rate=1e-3):
            self.policy = policy
            if rnd_cfg is not None:
                params = rnd.predictor.parameters()
                {rnd}
            self.optimizer = optim.Adam(self.policy.parameters(), lr=learning_rate{ppo})

        def update(self, loss):
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.rnd_optimizer.step()
"""
RND_GET = 'self.rnd_optimizer = optim.Adam(params, lr=rnd_cfg.get("learning_rate", 1e-3))'
RND_POP = 'rnd_lr = rnd_cfg.pop("learning_rate", 1e-3)\n                self.rnd_optimizer = optim.Adam(params, lr=rnd_lr)'


def _ppo(rnd: str, ppo: str = "") -> dict[str, str]:
    return {"ppo.py": PPO_INIT.replace("{rnd}", rnd).replace("{ppo}", ppo)}


def test_an_optimizer_is_compared_with_the_one_of_the_same_parameters():
    result = run_on(_ppo(RND_GET), _ppo(RND_POP), only={"optimizer_ctor"})
    titles = [f.title for f in result.findings]
    assert all("self.policy.parameters()" not in t for t in titles), titles  # never RND -> PPO


def test_a_changed_policy_optimizer_is_still_reported_as_itself():
    result = run_on(_ppo(RND_GET), _ppo(RND_GET, ", eps=1e-5"), only={"optimizer_ctor"})
    assert [f.title for f in result.findings] == [
        "Optimizer changed: `optim.Adam(self.policy.parameters(), lr=learning_rate)` -> "
        "`optim.Adam(self.policy.parameters(), lr=learning_rate, eps=1e-05)`"]


RETURNS = """
    def td_target(rewards, next_values, dones, gamma):
        returns = rewards + gamma * next_values * {mask}
        return returns
"""
TEST_OLD = """
    import numpy as np
    from pkg.returns import td_target


    def test_td_error_scorer():
        rewards, next_values, dones = np.ones(4), np.ones(4), np.zeros(4)
        returns = td_target(rewards, next_values, dones, 0.99)
        assert returns.shape == (4,)
"""
TEST_NEW = """
    import numpy as np


    def test_td_error_scorer():
        rewards, next_values, dones = np.ones(4), np.ones(4), np.zeros(4)
        returns = rewards + 0.99 * next_values
        assert returns.shape == (4,)
"""


def test_a_test_moved_to_another_file_never_reports_the_product_code_it_inlined():
    base = {"pkg/returns.py": RETURNS.replace("{mask}", "(1 - dones)"), "tests/metrics/test_scorer.py": TEST_OLD}
    cand = {"pkg/evaluators.py": "def evaluate(algo):\n    return algo.score()\n", "tests/metrics/test_evaluators.py": TEST_NEW}
    result = run_on(base, cand, only={"done_mask"})  # the scorer module is gone: its line is in the diff
    assert result.findings == [], [f.title for f in result.findings]
    assert any("tests are not training" in n.reason for n in result.no_effect)


def test_the_mask_removed_from_the_product_code_is_still_reported():
    base = {"pkg/returns.py": RETURNS.replace("{mask}", "(1 - dones)"), "tests/metrics/test_scorer.py": TEST_OLD}
    cand = {"pkg/returns.py": RETURNS.replace("{mask}", "1.0"), "tests/metrics/test_scorer.py": TEST_OLD}
    result = run_on(base, cand, only={"done_mask"})
    assert [f.source for f in result.findings] == ["code_detectors.done_mask"]


def test_a_sweep_hyperparameter_read_from_wandb_stays_on_the_optimizer_path():
    sweep = """
        import wandb


        def train(policy, batches):
            lr = wandb.config.get("lr", {lr})
            optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
            for batch in batches:
                loss = policy.loss(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    """
    run = {"run_all.py": "from t import train\ntrain(POLICY, BATCHES)\n"}
    result = analyse(_index({**run, "t.py": sweep.replace("{lr}", "3e-4")}, {**run, "t.py": sweep.replace("{lr}", "1e-3")}))
    assert [f.evidence[0].details["path"] for f in result.findings] == ["optimizer"]


def test_a_group_leads_with_the_file_its_title_names():
    repeated = _low("envs/a.py", "<module>")
    repeated.locations = [Location(path=p, line=10, side="candidate") for p in ("envs/a.py", "envs/b.py")]
    findings = [repeated] + [_low("envs/b.py", f"Wrapper{k}.step") for k in range(3)]
    out = group_low(findings)
    group = next(f for f in out if f.title.startswith("Behavioural changes in"))
    assert group.title.startswith("Behavioural changes in 4 functions of `envs/b.py`"), group.title
    assert group.locations[0].path == "envs/b.py"
