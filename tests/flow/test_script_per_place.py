"""A script's top level is split by place: a one-statement loss edit in a script whose environment set-up also
changed is its own finding, not one of "N statements" of the whole script (real shape: cleanrl's SAC
entropy-temperature loss `-log_alpha.exp()` -> `-log_alpha` in a range that moved every script to the gymnasium
step API: the loss edit ranked ninth, behind scripts with fewer changed statements)."""

from __future__ import annotations

from tests.flow.support import flow_findings

SCRIPT = """
    import gym
    import torch


    if __name__ == "__main__":
        envs = gym.vector.SyncVectorEnv([lambda: gym.make("Pendulum-v1") for _ in range(4)])
        log_alpha = torch.zeros(1, requires_grad=True)
        a_optimizer = torch.optim.Adam([log_alpha], lr=1e-3)
        obs = envs.reset()
        for step in range(1000):
            actions = envs.action_space.sample()
            next_obs, rewards, dones, infos = envs.step(actions)
            log_pi = torch.randn(4)
            alpha_loss = (-log_alpha.exp() * (log_pi - 1.0)).mean()
            a_optimizer.zero_grad()
            alpha_loss.backward()
            a_optimizer.step()
            obs = next_obs
"""

ENV_MIGRATION = [
    ("obs = envs.reset()", "obs, _ = envs.reset(seed=1)"),
    ("next_obs, rewards, dones, infos = envs.step(actions)",
     "next_obs, rewards, terminations, truncations, infos = envs.step(actions)"),
    ("for _ in range(4)]", "for _ in range(8)]"),
    ("actions = envs.action_space.sample()", "actions = envs.action_space.sample() * 0.5"),
]


def _migrated(text: str) -> str:
    for old, new in ENV_MIGRATION:
        text = text.replace(old, new)
    return text


def test_a_loss_edit_in_a_migrated_script_is_its_own_finding() -> None:
    cand = _migrated(SCRIPT).replace("-log_alpha.exp()", "-log_alpha")
    found = flow_findings({"sac.py": SCRIPT}, {"sac.py": cand})
    loss = [f for f in found if "loss path" in f.title]
    assert len(loss) == 1, [f.title for f in found]
    assert "statements" not in loss[0].title, loss[0].title
    assert loss[0].confidence >= 0.7
    assert any("loss path" not in f.title for f in found), [f.title for f in found]


def test_a_function_is_still_one_finding() -> None:
    body = SCRIPT.replace('if __name__ == "__main__":', "def main():") + '\n\n    if __name__ == "__main__":\n        main()\n'

    cand = _migrated(body).replace("-log_alpha.exp()", "-log_alpha")
    found = flow_findings({"sac.py": body}, {"sac.py": cand})
    assert len(found) == 1, [f.title for f in found]
    assert "statements" in found[0].title


BUFFERS = """
    import torch


    if __name__ == "__main__":
        num_envs, local_num_envs = 8, 4
        net = torch.nn.Linear(3, 1)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        for step in range(100):
            rewards = torch.rand(num_envs)
            obs = torch.rand(num_envs, 3)
            target = rewards + 0.99 * net(obs).squeeze(-1).detach()
            loss = (net(obs).squeeze(-1) - target).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def test_one_edit_made_at_two_places_of_a_script_stays_one_finding() -> None:
    cand = BUFFERS.replace("torch.rand(num_envs", "torch.rand(local_num_envs")
    found = flow_findings({"train.py": BUFFERS}, {"train.py": cand})
    assert len(found) == 1, [f.title for f in found]
    assert "2 statements" in found[0].title
