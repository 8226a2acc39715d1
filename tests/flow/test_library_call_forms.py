"""Gymnasium's wrapper lookup and `torch.load`'s `weights_only` are the same calls as before.

Real shapes: stable-baselines3 v2.3.2..v2.4.0 replaced `getattr(env_i, attr_name)` by
`env_i.get_wrapper_attr(attr_name)` in `DummyVecEnv.get_attr` / `env_method` and the subprocess worker
(three of the top five, "Behavioural change in the sampling/environment path", significant);
stable-baselines3 v2.2.1..v2.3.0 added `weights_only=True` / `weights_only=False` to its `th.load` calls
(the range's only two findings, significant). Negatives: another attribute looked up, another file loaded,
`load_state_dict(..., strict=False)` (which changes what is loaded)."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = """
import torch


def env_attr(envs, name):
    return [getattr(env, name) for env in envs]


def train(policy, optimizer, envs, path):
    policy.load_state_dict(torch.load(path, map_location="cpu"))
    scale = env_attr(envs, "reward_scale")[0]
    for obs, target in envs[0].batches():
        pred = policy(obs)
        loss = ((pred - target * scale) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    model = make_policy()
    train(model, torch.optim.Adam(model.parameters()), make_envs(), "model.pt")
"""


def _loud(cand: str) -> list[str]:
    found = flow_findings({"train.py": TRAIN}, {"train.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_wrapper_lookup_is_the_same_call() -> None:
    cand = TRAIN.replace("getattr(env, name)", "env.get_wrapper_attr(name)")
    assert _loud(cand) == []


def test_a_weights_only_load_is_the_same_call() -> None:
    cand = TRAIN.replace('map_location="cpu")', 'map_location="cpu", weights_only=True)')
    assert _loud(cand) == []


def test_another_attribute_is_a_change() -> None:
    cand = TRAIN.replace("getattr(env, name)", "env.get_wrapper_attr('gamma')")
    assert any("env_attr" in t for t in _loud(cand)), _loud(cand)


def test_another_file_or_a_lenient_state_dict_is_a_change() -> None:
    cand = TRAIN.replace('torch.load(path, map_location="cpu")', 'torch.load("best.pt", map_location="cpu", weights_only=True)')
    assert _loud(cand), _loud(cand)
    cand = TRAIN.replace('map_location="cpu"))', 'map_location="cpu"), strict=False)')
    assert _loud(cand), _loud(cand)
