"""A hard target-network copy replaced by a Polyak update whose rate defaults to 1 is the same copy at the
default (real shape: cleanrl 019bff00..5e49edd5, `dqn.py` and `dqn_atari.py` gained `--tau` with
`default=1.` and `target_network.load_state_dict(q_network.state_dict())` became
`for tp, qp in zip(target_network.parameters(), q_network.parameters()): tp.data.copy_(args.tau * qp.data +
(1.0 - args.tau) * tp.data)`: a false critical "Target-network update changed" and a significant "Network
sync removed"). Negatives: another default rate, a configuration that sets the rate, a copy removed."""

from __future__ import annotations

from types import SimpleNamespace

from investigator.detectors.engine import run_detectors
from investigator.detectors.guards import apply_guards
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.models import AnalyzerResult

SCRIPT = '''\
import argparse

import torch


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=2.5e-4)
    parser.add_argument("--target-network-frequency", type=int, default=500)
{option}    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    q_network = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)
    target_network = torch.nn.Linear(4, 2)
    target_network.load_state_dict(q_network.state_dict())
    for global_step in range(10000):
        obs, next_obs, rewards, dones = torch.randn(32, 4), torch.randn(32, 4), torch.randn(32), torch.zeros(32)
        with torch.no_grad():
            target_max, _ = target_network(next_obs).max(dim=1)
            td_target = rewards + 0.99 * target_max * (1 - dones)
        old_val = q_network(obs).max(dim=1)[0]
        loss = torch.nn.functional.mse_loss(td_target, old_val)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if global_step % args.target_network_frequency == 0:
{update}
'''
HARD = "            target_network.load_state_dict(q_network.state_dict())\n"
SOFT = ("            for target_network_param, q_network_param in zip(target_network.parameters(), "
        "q_network.parameters()):\n"
        "                target_network_param.data.copy_(\n"
        "                    args.tau * q_network_param.data + (1.0 - args.tau) * target_network_param.data\n"
        "                )\n")
OPTION = '    parser.add_argument("--tau", type=float, default={tau})\n'

BASE = SCRIPT.format(option="", update=HARD)


def _cand(tau: str = "1.") -> str:
    return SCRIPT.format(option=OPTION.format(tau=tau), update=SOFT)


def _run(base: dict[str, str], cand: dict[str, str]) -> AnalyzerResult:
    b, c = MemoryTree(base), MemoryTree(cand)
    result = run_detectors(b, c, diff_trees(b, c), only={"target_network", "strict_load"})
    revised = apply_guards({"code_detectors": result}, SimpleNamespace(baseline=b, candidate=c))
    return revised.get("code_detectors", result)


def _titles(result: AnalyzerResult) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in result.findings]


def test_a_blend_at_rate_one_replacing_a_hard_copy_is_no_effect() -> None:
    result = _run({"dqn.py": BASE}, {"dqn.py": _cand()})
    assert _titles(result) == []
    items = [n for n in result.no_effect if "Target-network" in n.title]
    assert items and "identical at the code default" in items[0].reason, result.no_effect


def test_a_blend_at_another_default_rate_is_still_a_changed_update() -> None:
    titles = _titles(_run({"dqn.py": BASE}, {"dqn.py": _cand("0.005")}))
    assert "critical: Target-network update changed" in titles, titles
    assert not any("Network sync removed" in t for t in titles), titles


def test_a_configuration_that_sets_another_rate_keeps_the_finding() -> None:
    script = "python dqn.py --tau 0.01 --learning-rate 2.5e-4\n"
    result = _run({"dqn.py": BASE, "run.sh": script}, {"dqn.py": _cand(), "run.sh": script})
    assert any("Target-network update changed" in t for t in _titles(result)), _titles(result)


def test_a_removed_copy_is_still_reported() -> None:
    cand = BASE.replace(HARD, "            pass\n")
    titles = _titles(_run({"dqn.py": BASE}, {"dqn.py": cand}))
    assert any("Target-network update removed" in t or "Network sync removed" in t for t in titles), titles
