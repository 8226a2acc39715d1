"""A time-out test whose bound moved by a step, in a task whose `is_done` is called by its base class from a
vector env the training library steps (the flow stops there). Real shape: OmniIsaacGymEnvs 7d08cd3 (bug
re-applied), omniisaacgymenvs/tasks/anymal.py:268 `AnymalTask.is_done`: `time_out = self.progress_buf >=
self.max_episode_length - 1` -> `time_out = self.progress_buf > self.max_episode_length`, filed as no effect."""

from __future__ import annotations

import ast

from investigator.flow.edits import known_edit
from tests.flow.support import flow_findings

BASE_TASK = """
    class RLTask:
        def post_physics_step(self):
            self.progress_buf[:] += 1
            self.get_observations()
            self.calculate_metrics()
            self.is_done()
            return self.obs_buf, self.rew_buf, self.reset_buf, self.extras
"""

TASK = """
    import torch
    from rl_task import RLTask


    class AnymalTask(RLTask):
        def get_observations(self):
            self.obs_buf[:] = torch.cat((self.commands, self.actions), dim=-1)
            return {"anymal": {"obs_buf": self.obs_buf}}

        def pre_physics_step(self, actions):
            reset_env_ids = self.reset_buf.nonzero(as_tuple=False).squeeze(-1)
            if len(reset_env_ids) > 0:
                self.reset_idx(reset_env_ids)
            self.actions[:] = actions.clone()

        def reset_idx(self, env_ids):
            self.commands[env_ids] = torch.rand(len(env_ids), 3)
            self.reset_buf[env_ids] = 0
            self.progress_buf[env_ids] = 0

        def calculate_metrics(self):
            self.fallen_over = self._anymals.is_knee_below_threshold(threshold=0.1)

        def is_done(self):
            time_out = self.progress_buf >= self.max_episode_length - 1
            self.reset_buf[:] = time_out | self.fallen_over
"""

ENV = """
    class VecEnvRLGames:
        def step(self, actions):
            self._task.pre_physics_step(actions)
            self._obs, self._rew, self._resets, self._extras = self._task.post_physics_step()
            return self._obs, self._rew, self._resets, self._extras
"""

TRAIN = """
    from anymal import AnymalTask
    from vec_env import VecEnvRLGames

    task_map = {"Anymal": AnymalTask}


    def main(runner, name):
        env = VecEnvRLGames()
        env.set_task(task_map[name]())
        runner.run(env)
"""


def _titles(task: str) -> list[str]:
    base = {"rl_task.py": BASE_TASK, "anymal.py": TASK, "vec_env.py": ENV, "train.py": TRAIN}
    cand = {**base, "anymal.py": task}
    return [f"{f.severity.value}: {f.title}" for f in flow_findings(base, cand)]


def test_time_out_bound_shifted_is_significant() -> None:
    found = _titles(TASK.replace(">= self.max_episode_length - 1", "> self.max_episode_length"))
    assert any(t.startswith("significant: Comparison bound shifted in the environment path: `AnymalTask.is_done`")
               for t in found), found


def test_other_edit_of_a_non_episode_flag_stays_low_or_silent() -> None:
    task = TASK.replace("            time_out = self.progress_buf >= self.max_episode_length - 1\n",
                        "            time_out = self.progress_buf >= self.max_episode_length - 1\n"
                        "            far = self.progress_buf >= self.max_episode_length - 1\n")
    cand = task.replace("far = self.progress_buf >= self.max_episode_length - 1",
                        "far = self.progress_buf > self.max_episode_length")
    base = {"rl_task.py": BASE_TASK, "anymal.py": task, "vec_env.py": ENV, "train.py": TRAIN}
    found = [f"{f.severity.value}: {f.title}" for f in flow_findings(base, {**base, "anymal.py": cand})]
    assert not any(t.startswith("significant") for t in found), found


def test_bound_shift_shapes() -> None:
    def edit(a: str, b: str) -> str | None:
        return known_edit([ast.parse(a).body[0]], [ast.parse(b).body[0]])

    assert edit("t = p >= n - 1", "t = p > n")
    assert edit("t = p < n", "t = p <= n")
    assert edit("t = p > n - 1", "t = p > n")
    assert not edit("t = p > n", "t = p < n")  # a direction flipped: no step shift
    assert not edit("t = p > n", "t = q > n")
    assert not edit("t = p > n", "t = p > m")
