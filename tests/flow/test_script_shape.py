"""A single-file CleanRL-style script: the whole update step is module-level code under
`if __name__ == "__main__":`; a one-line loss edit there is reported, a logging edit is not."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from investigator.models import Severity

SCRIPT = textwrap.dedent('''
    import numpy as np
    import torch
    import torch.optim as optim

    from agent import Agent

    if __name__ == "__main__":
        envs = make_envs()
        agent = Agent(envs)
        optimizer = optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
        next_obs, _ = envs.reset(seed=1)
        for iteration in range(1, 100):
            for step in range(128):
                with torch.no_grad():
                    action, logprob, _, value = agent.get_action_and_value(next_obs)
                next_obs, reward, term, trunc, infos = envs.step(action.cpu().numpy())
            b_inds = np.arange(512)
            for epoch in range(4):
                np.random.shuffle(b_inds)
                for start in range(0, 512, 128):
                    mb_inds = b_inds[start:start + 128]
                    _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])
                    ratio = (newlogprob - b_logprobs[mb_inds]).exp()
                    pg_loss = torch.max(-b_advantages[mb_inds] * ratio, -b_advantages[mb_inds] * torch.clamp(ratio, 0.8, 1.2)).mean()
                    v_loss = 0.5 * ((newvalue.view(-1) - b_returns[mb_inds]) ** 2).mean()
                    loss = pg_loss - 0.01 * entropy.mean() + v_loss * 0.5
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            print("iteration", iteration, "value loss", v_loss.item())
''').lstrip()


def _run(old: str, new: str):
    assert old in SCRIPT
    base, cand = MemoryTree({"ppo.py": SCRIPT}), MemoryTree({"ppo.py": SCRIPT.replace(old, new)})
    return analyse(build_pairs(base, cand, diff_trees(base, cand)))


def test_value_loss_edit_in_a_script_is_a_loss_path_change():
    result = _run("v_loss = 0.5 * ((newvalue", "v_loss = 2.0 * ((newvalue")
    assert len(result.findings) == 1
    f = result.findings[0]
    assert f.severity is Severity.significant and f.evidence[0].details["path"] == "loss"
    assert f.evidence[0].details["sink"] == "loss" and "loss.backward()" in f.evidence[0].details["flow"]


def test_print_edit_in_a_script_is_no_effect():
    result = _run('print("iteration", iteration, "value loss", v_loss.item())',
                  'print(f"it={iteration} v={v_loss.item():.3f} pg={pg_loss.item():.3f}")')
    assert not result.findings
    assert [n for n in result.no_effect if "logging" in n.reason]


def test_device_selection_is_low_and_layer_construction_is_architecture():
    files = {
        "model.py": textwrap.dedent('''
            import torch.nn as nn

            def activation(name):
                if name == "elu":
                    return nn.ELU(inplace=True)
                return nn.ReLU(inplace=True)
        ''').lstrip(),
        "ppo.py": SCRIPT.replace("agent = Agent(envs)", "agent = Agent(envs, activation('elu')).to(pick_device())")
        + textwrap.dedent('''

            def pick_device():
                gpus = [int(g) for g in visible.split(",")]
                return f"cuda:{gpus[0]}"
        '''),
    }
    cand = dict(files)
    cand["model.py"] = files["model.py"].replace("nn.ELU(inplace=True)", "nn.ELU(inplace=False)")
    cand["ppo.py"] = files["ppo.py"].replace("int(g) for g", "int(g.strip()) for g")
    base, new = MemoryTree(files), MemoryTree(cand)
    result = analyse(build_pairs(base, new, diff_trees(base, new)))
    by_path = {f.evidence[0].details["path"]: f for f in result.findings}
    assert set(by_path) == {"architecture", "device"}
    assert by_path["architecture"].severity is Severity.significant
    assert by_path["device"].severity is Severity.low
