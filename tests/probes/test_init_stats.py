"""init_stats: a head gain changed in the project's init is confirmed as head_gain_changed; a
refactor of the init helper is refuted (bitwise identical); building the networks in another order
is inconclusive (other values, same statistics); decide() on hand-built statistics: resized and
renamed layers, a changed bias constant, a hidden-layer scheme change, a failed side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from investigator.probes.builtin.init_stats import InitStatsProbe, compare, distribution_changed
from investigator.probes.model import ProbeRun, ProbeStatus
from tests.probes.helpers import setup_for
from tests.probes.model_project import AGENT, BASELINE, edit, run_candidates

HELPERS = AGENT.replace('''def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer
''', '''def _weights(layer, gain):
    nn.init.orthogonal_(layer.weight, gain)


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    _weights(layer, std)
    layer.bias.data.fill_(bias_const)
    return layer
''')
CRITIC, ACTOR = AGENT.index("        self.critic = "), AGENT.index("        self.actor_mean = ")
LOGSTD = AGENT.index("        self.actor_logstd")
REORDERED = AGENT[:CRITIC] + AGENT[ACTOR:LOGSTD] + AGENT[CRITIC:ACTOR] + AGENT[LOGSTD:]


def _statuses(decision: Any) -> dict[str, str]:
    return {u.hypothesis: u.status.value for u in decision.hypothesis_updates}


def test_head_gain_confirmed_refactor_refuted_reorder_inconclusive(tmp_path: Path) -> None:
    head = edit(BASELINE, "agent.py", "layer_init(nn.Linear(hidden, act_dim), std=0.01)", "layer_init(nn.Linear(hidden, act_dim), std=1.0)")
    assert HELPERS != AGENT and REORDERED != AGENT
    results = run_candidates(InitStatsProbe(), tmp_path, [head, {**BASELINE, "agent.py": HELPERS}, {**BASELINE, "agent.py": REORDERED}])
    (gain, runs), (same, _), (order, _) = results
    assert all(r.ok for _, rs in results for r in rs), [r.error for _, rs in results for r in rs]
    assert runs[0].result["tensors"]["actor_mean.4.weight"]["head"] is True
    assert runs[0].result["tensors"]["actor_mean.2.weight"]["head"] is False
    assert gain.verdict == "confirmed", gain.summary
    assert "actor_mean.4.weight std 0.0" in gain.summary and "→ 0.1" in gain.summary  # 0.01 → 1.0 gain
    assert _statuses(gain) == {"init.head_gain_changed": "supported", "architecture.layer_sizes_changed": "refuted"}
    assert same.verdict == "refuted", same.summary
    assert "all 13 parameters are identical" in same.summary
    assert set(_statuses(same).values()) == {"refuted"} and len(_statuses(same)) == 4
    assert order.verdict == "inconclusive", order.summary
    assert "construction order or RNG use changed" in order.summary
    assert _statuses(order) == {"architecture.layer_sizes_changed": "refuted"}


def _t(shape: list[int], mean: float, std: float, h: str, head: bool = False, param: bool = True) -> dict[str, Any]:
    n = 1
    for d in shape:
        n *= d
    return {"shape": shape, "dtype": "float32", "hash": h, "mean": mean, "std": std, "min": mean - std, "max": mean + std,
            "numel": n, "param": param, "head": head}


def _r(**tensors: dict[str, Any]) -> dict[str, Any]:
    return {"tensors": {k.replace("__", "."): v for k, v in tensors.items()}}


def test_resized_layers_support_layer_sizes_and_renames_do_not() -> None:
    base = _r(body__0__weight=_t([64, 8], 0, 0.5, "a"), body__0__bias=_t([64], 0, 0, "z"), head__weight=_t([2, 64], 0, 0.01, "h", True))
    wider = _r(body__0__weight=_t([128, 8], 0, 0.5, "b"), body__0__bias=_t([128], 0, 0, "z2"), head__weight=_t([2, 128], 0, 0.01, "h2", True))
    d = compare("init_stats", base, wider)
    assert d.verdict == "confirmed" and "body.0.weight 64x8 → 128x8" in d.summary
    assert _statuses(d) == {"architecture.layer_sizes_changed": "supported"}
    renamed = _r(trunk__0__weight=_t([64, 8], 0, 0.5, "a"), trunk__0__bias=_t([64], 0, 0, "z"), head__weight=_t([2, 64], 0, 0.01, "h", True))
    r = compare("init_stats", base, renamed)
    assert r.verdict == "inconclusive" and "renamed" in r.summary and r.hypothesis_updates == []


def test_bias_constant_and_hidden_scheme_changes() -> None:
    base = _r(l__weight=_t([64, 64], 0, 0.18, "a"), l__bias=_t([64], 0.0, 0.0, "z"), b__count=_t([1], 3, 0, "c", param=False))
    bias = compare("init_stats", base, _r(l__weight=_t([64, 64], 0, 0.18, "a"), l__bias=_t([64], 0.1, 0.0, "y"),
                                          b__count=_t([1], 4, 0, "d", param=False)))
    assert bias.verdict == "confirmed" and "l.bias constant 0 → 0.1" in bias.summary and "buffers differ: b.count" in bias.summary
    assert _statuses(bias) == {"init.bias_init_changed": "supported", "architecture.layer_sizes_changed": "refuted"}
    scheme = compare("init_stats", base, _r(l__weight=_t([64, 64], 0, 0.072, "k"), l__bias=_t([64], 0.0, 0.0, "z"),
                                            b__count=_t([1], 3, 0, "c", param=False)))
    assert _statuses(scheme)["init.init_scheme_changed"] == "supported"


def test_sampling_noise_of_small_tensors_is_not_a_change() -> None:
    # a 1x32 head redrawn: std differs by 15%, within the noise of 32 draws; a 100x gain is not
    assert not distribution_changed(_t([1, 32], 0.0, 0.17, "a"), _t([1, 32], 0.02, 0.2, "b"))
    assert distribution_changed(_t([1, 32], 0.0, 0.17, "a"), _t([1, 32], 0.0, 0.0017, "b"))
    assert distribution_changed(_t([256, 256], 0.0, 0.088, "a"), _t([256, 256], 0.0, 0.0625, "b"))  # gain sqrt(2) → 1


def test_failed_side_is_a_failed_decision() -> None:
    ok = ProbeRun(probe="init_stats", side="baseline", commit="b", status=ProbeStatus.ok, result=_r())
    bad = ProbeRun(probe="init_stats", side="candidate", commit="c", status=ProbeStatus.memory, error="used more than 4096 MB")
    decision = InitStatsProbe().decide([ok], [bad], setup_for("", ""))
    assert decision.verdict == "failed" and "candidate: used more than 4096 MB" in decision.summary
