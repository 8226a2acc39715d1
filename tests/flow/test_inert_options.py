"""New options whose effective value at the candidate reproduces the baseline (flow/inertopt.py).

Real shapes (precision held-out 12, noise class N2): omnisafe 89717ba9..15603dd7
`omnisafe/common/buffer/offpolicy_buffer.py:110` (`reward -= self._penalty_coefficient * cost` with the new
`penalty_coefficient: float = 0.0`, and `omnisafe/algorithms/off_policy/ddpg.py:131` passing
`penalty_coefficient=self._cfgs.algo_cfgs.get('penalty_coefficient', 0.0)`); oat v0.2.2..v0.2.3
`oat/learners/dap.py:50` (`fp16=args.fp16`, a settings field defaulting to False, to `LLM(..., fp16=False)`) and
`oat/model.py:267` (`torch.bfloat16 if bf16 else torch.float16 if fp16 else "auto"`). Negatives: the same shapes
with a coefficient some caller sets to 0.5, a configuration file that sets the key, a dtype option on by default.
"""

from __future__ import annotations

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees
from tests.flow.support import flow_result, src

BUFFER = """
class Buffer:
    def __init__(self, size, penalty_coefficient: float = {default}):
        self.data = {{'reward': [0.0] * size, 'cost': [0.0] * size}}
        self._ptr = 0
{store}
    def store(self, reward, cost):
        self.data['reward'][self._ptr] = reward
        self.data['cost'][self._ptr] = cost
{penalty}        self._ptr += 1

    def sample(self):
        return self.data
"""
STORE = "        self._penalty_coefficient: float = penalty_coefficient\n"
PENALTY = "        self.data['reward'][self._ptr] -= self._penalty_coefficient * self.data['cost'][self._ptr]\n"
ALGO = """
from buffer import Buffer


class Algo:
    def __init__(self, cfgs, model, optimizer):
        self.cfgs = cfgs
        self.model = model
        self.optimizer = optimizer
        self.buf = Buffer(cfgs.size{arg})

    def learn(self, env):
        obs, reward, cost = env.step(self.model(env.obs))
        self.buf.store(reward, cost)
        data = self.buf.sample()
        loss = (self.model(obs) - data['reward'][0]) ** 2
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
"""


def _trees(default: str = "0.0", arg: str = "", extra: dict[str, str] | None = None):
    base = {"buffer.py": BUFFER.format(default="0.0", store="", penalty="").replace(
        ", penalty_coefficient: float = 0.0", ""), "algo.py": ALGO.format(arg="")}
    cand = {"buffer.py": BUFFER.format(default=default, store=STORE, penalty=PENALTY), "algo.py": ALGO.format(arg=arg)}
    cand.update(extra or {})
    return base, cand


def _titles(base, cand):
    result = flow_result(base, cand)
    return [f.title for f in result.findings], [n.title + " | " + n.reason for n in result.no_effect]


def test_zero_coefficient_term_is_no_effect():
    """omnisafe: the new penalty term at coefficient 0.0 and its store are no change; the caller passing the
    configuration read with the same fallback is none either."""
    base, cand = _trees(arg=", penalty_coefficient=cfgs.get('penalty_coefficient', 0.0)")
    findings, no_effect = _titles(base, cand)
    assert not [t for t in findings if "Buffer" in t or "Algo" in t], findings
    assert any("`self._penalty_coefficient`, effective value `0.0`" in n for n in no_effect), no_effect
    assert any("Algo.__init__" in n and "callee's own default" in n for n in no_effect), no_effect


def test_coefficient_set_by_a_caller_stays_a_finding():
    """The same term with a caller that passes 0.5: the reward changes in that run."""
    base, cand = _trees(arg=", penalty_coefficient=0.5")
    findings, _ = _titles(base, cand)
    assert any("Buffer.store" in t for t in findings), findings


def test_coefficient_set_by_a_configuration_file_stays_a_finding():
    """The caller reads the key with the same fallback, but a configuration file sets it."""
    base, cand = _trees(arg=", penalty_coefficient=cfgs.get('penalty_coefficient', 0.0)",
                        extra={"configs/algo.yaml": "size: 100\npenalty_coefficient: 0.5\n"})
    findings, no_effect = _titles(base, cand)
    assert any("Buffer.store" in t for t in findings), findings
    assert not any("callee's own default" in n or "effective value" in n for n in no_effect), no_effect


def test_nonzero_default_stays_a_finding():
    base, cand = _trees(default="0.5")
    findings, _ = _titles(base, cand)
    assert any("Buffer.store" in t for t in findings), findings


MODEL = """
import torch


class LLM(torch.nn.Module):
    def __init__(self, path, bf16=True{param}):
        super().__init__()
        torch_dtype = {dtype}
        self.model = load(path, torch_dtype=torch_dtype)

    def forward(self, x):
        return self.model(x)
"""
LEARNER = """
import torch
from model import LLM


def train(args, batch):
    model = LLM(args.pretrain, bf16=args.bf16{arg})
    optimizer = torch.optim.Adam(model.parameters())
    loss = model(batch).mean()
    loss.backward()
    optimizer.step()
"""
ARGS = """
from dataclasses import dataclass


@dataclass
class Args:
    pretrain: str = "gpt2"
    bf16: bool = True
{field}"""


def _precision(fp16_default: str, field_default: str):
    base = {"model.py": MODEL.format(param="", dtype='torch.bfloat16 if bf16 else "auto"'),
            "learner.py": LEARNER.format(arg=""), "args.py": ARGS.format(field="")}
    cand = {"model.py": MODEL.format(param=f", fp16={fp16_default}",
                                     dtype='torch.bfloat16 if bf16 else torch.float16 if fp16 else "auto"'),
            "learner.py": LEARNER.format(arg=", fp16=args.fp16"),
            "args.py": ARGS.format(field=f"    fp16: bool = {field_default}\n")}
    b = MemoryTree({k: src(v) for k, v in base.items()})
    c = MemoryTree({k: src(v) for k, v in cand.items()})
    return b, c


def test_half_precision_arm_of_an_off_option_is_no_effect():
    """oat: the float16 arm under the new `fp16=False`, every caller passing a settings field defaulting to False."""
    b, c = _precision("False", "False")
    result = run_detectors(b, c, diff_trees(b, c))
    assert not [f for f in result.findings if f.title.startswith("Precision changed")], [f.title for f in result.findings]
    assert any("new option `fp16`, effective value `False`" in n.reason for n in result.no_effect), \
        [n.reason for n in result.no_effect]


def test_half_precision_option_on_by_a_field_stays_a_finding():
    """The settings field turns it on: the callers pass True, the float16 arm can run."""
    b, c = _precision("False", "True")
    result = run_detectors(b, c, diff_trees(b, c))
    assert any(f.title.startswith("Precision changed") for f in result.findings), [f.title for f in result.findings]


def _new_case(cand_extra: dict[str, str]):
    from investigator.flow.analyzer import analyse
    from tests.flow.test_equivalence import _index
    from tests.flow.test_new_cases import ENVS, LAG_ARM, SAMPLER

    base = {"envs.py": ENVS.format(arm=""), "sampler.py": SAMPLER, "configs/config.yaml": "env: smac  # [smac]\n"}
    cand = {**base, "envs.py": ENVS.format(arm=LAG_ARM), **cand_extra}
    result = analyse(_index(base, cand))
    return [f for f in result.findings if "get_num_agents" in f.title]


def test_a_value_named_only_in_a_configuration_comment_or_a_file_name_is_new():
    """jumanji 1f38fe66..ea23c441 (`jumanji/training/setup_train.py:97`, `if cfg.env.name in {"lbf"}:`): the range
    lists the new environment in the comment of `configs/config.yaml` (`- env: snake  # [..., lbf, ...]`) and in
    the documentation site's navigation (`environments/lbf.md`); neither selects it, the new `env/lbf.yaml` does."""
    from investigator.models import Severity

    found = _new_case({"configs/config.yaml": "env: smac  # [smac, lag]\n",
                       "mkdocs.yml": "nav:\n  - Lag: environments/lag.md\n"})
    assert len(found) == 1 and found[0].severity is Severity.low and "new case for value 'lag'" in found[0].title, \
        [(f.title, f.severity) for f in found]


def test_a_value_an_existing_configuration_selects_keeps_the_severity():
    from investigator.models import Severity

    found = _new_case({"configs/config.yaml": "env: lag  # [smac, lag]\n"})
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


PENALTY_MODEL = """
import torch


class KLPenalty(torch.nn.Module):
    def __init__(self, ref_model, coeff=0.1{param}):
        super().__init__()
        self.use_deepspeed = {value}
        self.coeff = coeff
        self.ref = load(ref_model)
        if self.use_deepspeed:
            self.ref = wrap(self.ref)

    def forward(self, logits, obs):
        return self.coeff * (logits - self.ref(obs))
"""
REWARD = """
from penalty import KLPenalty


class NLPReward:
    def __init__(self, env, ref_model{param}):
        kl_config = {{"ref_model": ref_model{key}}}
        self.kl = KLPenalty(**kl_config)

    def __call__(self, env, logits, obs):
        return env.reward - self.kl(logits, obs)
"""
RUNNER = """
import torch
from reward import NLPReward


def train(env, policy, optimizer, cfg):
    reward_fn = NLPReward(env, **cfg["reward_class"]["args"])
    obs = env.reset()
    logits = policy(obs)
    loss = -(reward_fn(env, logits, obs) * logits).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _lifted(yaml_value: str, default: str = "True"):
    base = {"penalty.py": PENALTY_MODEL.format(param="", value="True"),
            "reward.py": REWARD.format(param="", key=""), "runner.py": RUNNER,
            "configs/nlp_ppo.yaml": "reward_class:\n  args:\n    ref_model: gpt2\n"}
    cand = {"penalty.py": PENALTY_MODEL.format(param=f", use_deepspeed: bool = {default}", value="use_deepspeed"),
            "reward.py": REWARD.format(param=f", use_deepspeed: bool = {default}",
                                       key=', "use_deepspeed": use_deepspeed'),
            "runner.py": RUNNER,
            "configs/nlp_ppo.yaml": f"reward_class:\n  args:\n    ref_model: gpt2\n    use_deepspeed: {yaml_value}\n"}
    return _titles(base, cand)


def test_constant_lifted_into_a_parameter_handed_through_a_dict_is_no_effect():
    """openrl v0.1.8..v0.1.9 (`openrl/envs/nlp/rewards/kl_penalty.py:37`, `openrl/rewards/nlp_reward.py:27`):
    `self.use_deepspeed = True` became the new parameter `use_deepspeed: bool = True`, handed by `NLPReward` (its
    own new `use_deepspeed: bool = True`) through `kl_config = {..., "use_deepspeed": use_deepspeed}` and
    `KLPenalty(**kl_config)`; the run's configuration file sets `use_deepspeed: true`, the default."""
    findings, no_effect = _lifted("true")
    assert not [t for t in findings if "KLPenalty" in t or "NLPReward" in t], findings
    assert any("KLPenalty.__init__" in n and "effective value `True`" in n for n in no_effect), no_effect
    assert any("NLPReward.__init__" in n and "of `**kl_config`" in n for n in no_effect), no_effect


def test_constant_lifted_into_a_parameter_a_configuration_turns_off_stays_a_finding():
    """The configuration file sets the new option to another value: the wrapped model changes for that run."""
    findings, _ = _lifted("false")
    assert any("KLPenalty.__init__" in t for t in findings), findings


def test_an_option_read_in_a_with_header_is_judged_without_failing():
    """rl_games 1f50845a..b43ab729 and skrl 1.4.3..2.0.0 (`A2CBase.__init__`, the wrappers' `__init__`): a class
    whose other method reads the new option in a `with` header, whose items are a list, failed the whole pair
    ("cannot create weak reference to 'list' object"). A read in a header is judged nowhere: the store stays."""
    base, cand = _trees()
    cand["buffer.py"] += "\n    def scaled(self):\n        with scaling(self._penalty_coefficient):\n" \
                         "            return self.data\n"
    result = flow_result(base, cand)
    assert not result.failures, [f.message for f in result.failures]
    assert not any("Buffer.__init__" in n.title and "effective value" in n.reason for n in result.no_effect)
