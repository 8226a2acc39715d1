"""Type-only statements, process barriers, narrowed protocol checks and new settings fields at their defaults.

Real shapes (precision held-out set 7, fourteenth session): tianshou `obs = cast(np.ndarray, obs)` and
`isinstance(x, BatchProtocol)` -> `isinstance(x, Batch)`; trlx `self.accelerator.wait_for_everyone()` in a save
method and a removed class annotation `store: ILQLRolloutStorage`; cleanrl's `Args` gaining `num_envs: int = 1` with
`SyncVectorEnv([make_env(seed, 0)])` -> `SyncVectorEnv([make_env(seed + i, i) for i in range(args.num_envs)])`.
Each was a significant finding; each negative keeps a real change."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = """
    import torch
    from typing import cast
    import numpy as np


    def update(model, optimizer, batch):
        obs = batch.obs
        loss = model(obs).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    model = torch.nn.Linear(3, 1)
    update(model, torch.optim.Adam(model.parameters()), load())
"""


def test_a_cast_of_a_name_to_itself_is_no_change() -> None:
    cand = TRAIN.replace("obs = batch.obs\n", "obs = batch.obs\n        obs = cast(np.ndarray, obs)\n")
    assert flow_findings({"train.py": TRAIN}, {"train.py": cand}) == []


def test_a_cast_around_a_read_is_the_read() -> None:
    cand = TRAIN.replace("obs = batch.obs\n", "obs = cast(np.ndarray, batch.obs)\n")
    assert flow_findings({"train.py": TRAIN}, {"train.py": cand}) == []


def test_a_cast_of_another_value_is_a_change() -> None:
    cand = TRAIN.replace("obs = batch.obs\n", "obs = batch.obs\n        obs = cast(np.ndarray, batch.next_obs)\n")
    assert flow_findings({"train.py": TRAIN}, {"train.py": cand})


ACCELERATED = TRAIN.replace("def update(model, optimizer, batch)", "def update(model, optimizer, batch, accelerator)") \
    .replace("loss.backward()", "accelerator.backward(loss)").replace("load())", "load(), Accelerator())")


def test_a_process_barrier_is_no_change() -> None:
    cand = ACCELERATED.replace("optimizer.zero_grad()\n", "optimizer.zero_grad()\n        accelerator.wait_for_everyone()\n")
    assert flow_findings({"train.py": ACCELERATED}, {"train.py": cand}) == []


def test_another_call_on_the_same_object_still_counts() -> None:
    cand = ACCELERATED.replace("optimizer.zero_grad()\n", "optimizer.zero_grad()\n        accelerator.free_memory()\n")
    assert flow_findings({"train.py": ACCELERATED}, {"train.py": cand})


PROTOCOL = """
    from typing import Protocol

    import torch


    class BatchProtocol(Protocol):
        obs: object


    class Batch(BatchProtocol):
        def __init__(self, obs):
            self.obs = obs
{extra}

    def update(model, optimizer, batch):
        obs = batch.obs.obs if isinstance(batch.obs, BatchProtocol) else batch.obs
        loss = model(obs).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    model = torch.nn.Linear(3, 1)
    update(model, torch.optim.Adam(model.parameters()), load())
"""


def test_an_isinstance_check_narrowed_to_the_only_implementer_of_a_protocol_is_no_change() -> None:
    base = PROTOCOL.format(extra="")
    cand = base.replace("isinstance(batch.obs, BatchProtocol)", "isinstance(batch.obs, Batch)")
    assert flow_findings({"batch.py": base}, {"batch.py": cand}) == []


def test_with_two_implementers_the_narrowed_check_is_a_change() -> None:
    other = "\n\n    class LazyBatch(BatchProtocol):\n        obs = None\n"
    base = PROTOCOL.format(extra=other)
    cand = base.replace("isinstance(batch.obs, BatchProtocol)", "isinstance(batch.obs, Batch)")
    assert flow_findings({"batch.py": base}, {"batch.py": cand})


TRAINER = """
    import torch
    from base import BaseTrainer


    class Trainer(BaseTrainer):
        store: RolloutStorage
        {field}

        def learn(self, model, optimizer):
            for batch in self.store:
                loss = model(batch).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()


    model = torch.nn.Linear(3, 1)
    Trainer().learn(model, torch.optim.Adam(model.parameters()))
"""
BASE_TRAINER = """
    class BaseTrainer:
        def __init__(self):
            self.store = []
"""


def test_a_removed_annotation_of_an_attribute_the_class_reads_is_no_change() -> None:
    base = {"trainer.py": TRAINER.format(field=""), "base.py": BASE_TRAINER}
    cand = {"trainer.py": TRAINER.format(field="").replace("        store: RolloutStorage\n", ""),
            "base.py": BASE_TRAINER}
    assert flow_findings(base, cand) == []


SCRIPT = """
    from dataclasses import dataclass

    import gymnasium as gym
    import torch


    @dataclass
    class Args:
        env_id: str = "Hopper-v4"
        seed: int = 1
        {field}
        learning_rate: float = 3e-4


    def make_env(env_id, seed, idx):
        def thunk():
            env = gym.make(env_id)
            env.action_space.seed(seed)
            return env
        return thunk


    args = Args()
    envs = gym.vector.SyncVectorEnv({envs})
    obs, _ = envs.reset(seed=args.seed)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    for step in range(1000):
        actions = model(torch.as_tensor(obs))
        obs, rewards, terminations, truncations, infos = envs.step(actions.detach().numpy())
        loss = (model(torch.as_tensor(obs)) - torch.as_tensor(rewards)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
ONE = "[make_env(args.env_id, args.seed, 0)]"
MANY = "[make_env(args.env_id, args.seed + i, i) for i in range(args.num_envs)]"


def test_a_new_field_read_at_its_default_is_the_baseline_code() -> None:
    base = SCRIPT.format(field="", envs=ONE)
    cand = SCRIPT.format(field="num_envs: int = 1", envs=MANY)
    assert flow_findings({"sac.py": base}, {"sac.py": cand}) == []


def test_a_new_field_whose_default_differs_from_the_baseline_is_a_change() -> None:
    base = SCRIPT.format(field="", envs=ONE)
    cand = SCRIPT.format(field="num_envs: int = 2", envs=MANY)
    assert flow_findings({"sac.py": base}, {"sac.py": cand})


def test_a_changed_default_of_an_existing_field_is_a_change() -> None:
    base = SCRIPT.format(field="num_envs: int = 1", envs=MANY)
    cand = SCRIPT.format(field="num_envs: int = 2", envs=MANY)
    assert flow_findings({"sac.py": base}, {"sac.py": cand})


VIDEO = """
    from dataclasses import dataclass

    import gymnasium as gym
    import torch


    @dataclass
    class Args:
        env_id: str = "Breakout-v5"
        capture_video: bool = {capture}
        learning_rate: float = 3e-4


    def make_env(env_id, idx, capture_video, run_name):
        def thunk():
            if capture_video and idx == 0:
                env = gym.make(env_id{mode})
                env = gym.wrappers.RecordVideo(env, f"videos/{{run_name}}")
            else:
                env = gym.make(env_id)
            env = gym.wrappers.RecordEpisodeStatistics(env)
{dup}            env = gym.wrappers.ClipReward(env)
            return env
        return thunk


    args = Args()
    envs = gym.vector.SyncVectorEnv([make_env(args.env_id, i, args.capture_video, "run") for i in range(4)])
    obs, _ = envs.reset(seed=1)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    for step in range(1000):
        actions = model(torch.as_tensor(obs))
        obs, rewards, terminations, truncations, infos = envs.step(actions.detach().numpy())
        loss = (model(torch.as_tensor(obs)) - torch.as_tensor(rewards)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
DUP = """            if capture_video:
                if idx == 0:
                    env = gym.wrappers.RecordVideo(env, f"videos/{run_name}")
"""


def _video(capture: str, mode: str, dup: str) -> str:
    return VIDEO.format(capture=capture, mode=mode, dup=dup)


def test_video_capture_under_a_flag_every_call_leaves_off_is_no_change() -> None:
    base = _video("False", "", DUP)
    cand = _video("False", ', render_mode="rgb_array"', "")
    assert flow_findings({"ppo_atari.py": base}, {"ppo_atari.py": cand}) == []


def test_the_same_edit_under_a_flag_on_by_default_is_a_change() -> None:
    base = _video("True", "", DUP.replace("RecordVideo", "TimeLimit"))
    cand = _video("True", "", "")
    assert flow_findings({"ppo_atari.py": base}, {"ppo_atari.py": cand})


def test_an_edit_outside_the_off_branch_is_a_change() -> None:
    base = _video("False", "", "")
    cand = base.replace("env = gym.wrappers.ClipReward(env)", "env = gym.wrappers.ClipReward(env, -2, 2)")
    assert flow_findings({"ppo_atari.py": base}, {"ppo_atari.py": cand})


def test_another_scripts_own_function_of_that_name_does_not_count() -> None:
    """cleanrl: every script defines its own `make_env`; another script's `make_env(..., True, ...)` is not a call
    of this one."""
    other = VIDEO.replace("capture_video: bool = {capture}", "capture_video: bool = True").format(
        capture="True", mode="", dup="")
    base = _video("False", "", DUP)
    cand = _video("False", ', render_mode="rgb_array"', "")
    assert flow_findings({"ppo_atari.py": base, "ppo.py": other}, {"ppo_atari.py": cand, "ppo.py": other}) == []
