"""A new branch on a local read from the configuration (`getattr(cfg, "K", d)`, `cfg.get("K", d)`) that every value
the configuration files set for `K`, and the read's fallback, leave untaken: no run of the commit's configuration
takes it (noise class N2, "new option whose default reproduces the baseline").

Real shape (precision set 16, RAGEN 1ddbded2..24b36d76 `ragen/llm_agent/ctx_manager.py:244`):
`max_k = getattr(self.config.agent_proxy, "max_context_window", None)` then
`if max_k is not None and isinstance(max_k, int) and max_k > 0: env_output['history'] = env_output['history'][-max_k:]`
with `config/base.yaml` gaining `max_context_window: -1`: "Behavioural change in the sampling path (4 statements)",
whose only real statement was the reward read `i.get('reward', 0.0)` beside it. Negatives: a configuration file that
sets the key to 8 (the branch is taken), a fallback that takes it, and the real statement beside the off branch.
"""

from __future__ import annotations

from tests.flow.support import flow_result

CTX = '''
class ContextManager:
    def __init__(self, config, tokenizer):
        self.config = config
        self.tokenizer = tokenizer

    def get_lm_inputs(self, env_outputs):
        rows = []
        for env_output in env_outputs:
{window}            rows.append(self.tokenizer(env_output['history']))
        scores = [[i{reward} for i in e['history']] for e in env_outputs]
        return rows, scores
'''
WINDOW = '''            max_k = getattr(self.config.agent_proxy, "max_context_window", {fallback})
            if max_k is not None and isinstance(max_k, int) and max_k > 0:
                env_output['history'] = env_output['history'][-max_k:]
'''
TRAIN = '''
from ctx import ContextManager


def train(config, tokenizer, policy, optimizer, envs):
    ctx = ContextManager(config, tokenizer)
    rows, scores = ctx.get_lm_inputs(envs.rollout(policy))
    loss = policy.loss(rows, scores)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''
BASE_YAML = "agent_proxy:\n  max_turn: 5\n"


def _result(value: str | None, fallback: str = "None", reward: str = "['reward']"):
    yaml = BASE_YAML + (f"  max_context_window: {value}\n" if value is not None else "")
    base = {"ctx.py": CTX.format(window="", reward="['reward']"), "train.py": TRAIN, "config/base.yaml": BASE_YAML}
    cand = {"ctx.py": CTX.format(window=WINDOW.format(fallback=fallback), reward=reward), "train.py": TRAIN,
            "config/base.yaml": yaml}
    return flow_result(base, cand)


def _run(value: str | None, fallback: str = "None", reward: str = "['reward']"):
    result = _result(value, fallback, reward)
    return [(f.title, f.severity.value, " ".join(s for e in f.evidence for s in e.details.get("statements", [])))
            for f in result.findings if "get_lm_inputs" in f.title] + [
        (n.title, "none", n.reason) for n in result.no_effect if "get_lm_inputs" in n.title]


def test_window_off_at_every_configured_value_is_not_significant():
    """RAGEN: `max_context_window: -1` and the fallback None both leave `max_k > 0` false."""
    found = _run("-1")
    assert all(sev != "significant" for _, sev, _ in found), found
    why = [f.rationale for f in _result("-1").findings if "get_lm_inputs" in f.title]
    assert any("`max_context_window` is read with the fallback None and set to -1" in w for w in why), why


def test_window_key_absent_with_off_fallback_is_not_significant():
    found = _run(None)
    assert all(sev != "significant" for _, sev, _ in found), found


def test_window_on_in_a_configuration_file_stays_significant():
    """A file that sets the window to 8 truncates every history: a real change."""
    found = _run("8")
    assert any(sev == "significant" for _, sev, _ in found), found


def test_window_on_by_its_fallback_stays_significant():
    """No file sets the key and the fallback is 4: every run truncates."""
    found = _run(None, fallback="4")
    assert any(sev == "significant" for _, sev, _ in found), found


def test_real_statement_beside_the_off_branch_is_kept_alone():
    """RAGEN's reward read `i.get('reward', 0.0)` beside the off window stays, without the window's statements."""
    found = _run("-1", reward=".get('reward', 0.0)")
    assert any(sev == "significant" for _, sev, _ in found), found
    assert not any("max_k" in stmts for _, sev, stmts in found if sev == "significant"), found


def test_data_read_is_not_a_configuration_read():
    """`mask = batch.get("token_mask")`: a key of data (a library may fill it), not of a configuration file: the new
    branch on it stays a change."""
    base = {"ctx.py": CTX.format(window="", reward="['reward']"), "train.py": TRAIN, "config/base.yaml": BASE_YAML}
    window = '''            mask = env_output.get("token_mask")
            if mask is not None:
                env_output['history'] = env_output['history'][-2:]
'''
    cand = {"ctx.py": CTX.format(window=window, reward="['reward']"), "train.py": TRAIN, "config/base.yaml": BASE_YAML}
    found = [f.severity.value for f in flow_result(base, cand).findings if "get_lm_inputs" in f.title]
    assert "significant" in found, found
