"""Off-path code that the flow reached training from through an over-reach, with the real shape of each:

- a viewer's plot handle written as `handle.data = (x, y)` read as a parameter write (the optimizer sink):
  mjlab ebfd43e2..0eda4e73 src/mjlab/viewer/viser_reward_plotter.py:125, which made `ViserViewer.setup` "the
  optimizer path", first of the range;
- what an evaluation's callee stores into an object, followed by that object's class into training's use of other
  instances: RLinf a4b6abe2..8aa19aae rlinf/workers/env/env_worker.py:1162 `EnvWorker.evaluate`'s
  `self.send_to(..., route_key=...)` reached the actor's `torch.randperm` ("the sampling path");
- a play script's environment, wrapped by the class training wraps its own in: mjlab play.py `run_play`'s
  `RslRlVecEnvWrapper(env)` reached the wrapper's `reset` ("the environment path");
- a statistic returned beside the loss (`return final_loss, stats`) and unpacked by the caller into a metrics
  local: PipelineRL 67654d79..a77dbd72 pipelinerl/finetune/rl/__init__.py:368 `rl_step`'s new `kl_new_old`
  metric ("the loss path").

Each with its negative: a soft update's `p.data = ...`, a rollout that sends training data, the training script's
environment and a statistic that sets the learning rate stay significant."""

from __future__ import annotations

from tests.flow.support import flow_findings, flow_result


def _significant(findings):
    return [f for f in findings if f.severity.value in ("critical", "significant")]


def _paths(findings):
    return [f.evidence[0].details.get("path") for f in _significant(findings)]


# -- a plot handle's `.data` is not a parameter ------------------------------------------------------------------

VIEWER = """
    import numpy as np


    class Plotter:
        def __init__(self, names):
            self._plot_handles = {n: None for n in names}
            self._x = np.arange(100)

        def update(self, terms):
            for name, value in terms:
                y_data = np.asarray(value)
                self._plot_handles[name].data = (self._x, y_data)


    class Viewer:
        def __init__(self, env):
            self.env = env
            self.plotter = Plotter(["r"])

        def setup(self, model):
            self.fixed = [b for b in model.bodies if {test}]

        def tick(self):
            terms = [(b, 1.0) for b in self.fixed]
            self.plotter.update(terms)
"""


VIEW_RUN = "from viewer import Viewer\nviewer = Viewer(ENV)\nviewer.setup(MODEL)\nwhile True:\n    viewer.tick()\n"


def test_a_plot_handle_data_tuple_is_not_an_optimizer_write():
    base = {"viewer.py": VIEWER.replace("{test}", "b.dof == 0 and b.parent == 0"), "view.py": VIEW_RUN}
    cand = {"viewer.py": VIEWER.replace("{test}", "b.fixed"), "view.py": VIEW_RUN}
    assert _significant(flow_findings(base, cand)) == []


SOFT = """
    import torch


    class Agent:
        def __init__(self, net, target):
            self.net = net
            self.target = target

        def soft_update(self, tau):
            for p, tp in zip(self.net.parameters(), self.target.parameters()):
                tp.data = {update}
"""


SOFT_RUN = "from agent import Agent\nagent = Agent(NET, TARGET)\nwhile True:\n    agent.soft_update(0.005)\n"


def test_a_soft_update_data_write_stays_on_the_optimizer_path():
    base = {"agent.py": SOFT.replace("{update}", "tau * p.data + (1 - tau) * tp.data"), "run.py": SOFT_RUN}
    cand = {"agent.py": SOFT.replace("{update}", "tau * tp.data + (1 - tau) * p.data"), "run.py": SOFT_RUN}
    assert "optimizer" in _paths(flow_findings(base, cand))


# -- what an evaluation's callee stores is not followed into another instance's use ------------------------------

CHANNEL = """
    class Work:
        def __init__(self, works):
            self._works = list(works)

        def merged(self, other):
            return Work(self._works + other._works)

        def wait_all(self):
            results = [w.result for w in self._works]
            return results


    class Worker:
        def send_to(self, item, route=None):
            works = [item if route is None else (route, item)]
            return Work(works)
"""

ACTOR = """
    import torch


    class Actor:
        def run_training(self, channel):
            batch = channel.recv().wait_all()
            idx = torch.randperm(len(batch))
            loss = self.model(batch[idx]).mean()
            loss.backward()
            self.optimizer.step()
"""

ENV_WORKER = """
    from channel import Worker


    class EnvWorker(Worker):
        def {name}(self, obs):
            results = self.policy(obs)
            self.send_to(results{route})
"""


def _env_files(name: str, route: str) -> dict[str, str]:
    run = (f"from env_worker import EnvWorker\nfrom actor import Actor\nworker = EnvWorker()\nactor = Actor()\n"
           f"while True:\n    worker.{name}(OBS)\n    actor.run_training(CHANNEL)\n")
    return {"channel.py": CHANNEL, "actor.py": ACTOR,
            "env_worker.py": ENV_WORKER.replace("{name}", name).replace("{route}", route), "main.py": run}


def test_an_evaluation_send_does_not_reach_training_through_the_channel_class():
    findings = flow_findings(_env_files("evaluate", ""), _env_files("evaluate", ", route=1"))
    assert _significant(findings) == []


def test_a_rollout_send_still_reaches_training():
    findings = flow_findings(_env_files("rollout", ""), _env_files("rollout", ", route=1"))
    assert _significant(findings), "the rollout's data is what the actor trains on"


# -- a play script's environment is the play's object ------------------------------------------------------------

WRAPPER = """
    class VecEnvWrapper:
        def __init__(self, env, clip=None):
            self.env = env
            self.clip = clip
            self.env.reset()

        def reset(self):
            obs, extras = self.env.reset()
            return obs

        def step(self, actions):
            obs, rew, done, info = self.env.step(actions)
            return obs, rew, done, info
"""

SCRIPT = """
    import gymnasium as gym
    from wrapper import VecEnvWrapper


    def run_{role}(task, cfg):
        env = gym.make(task, render_mode={mode})
        env = VecEnvWrapper(env, clip=cfg.clip)
        {tail}


    if __name__ == "__main__":
        run_{role}("Task-v0", CFG)
"""
PLAY_TAIL = "policy = load_policy(cfg.checkpoint)\n        Viewer(env, policy).run()"
TRAIN_TAIL = "runner = Runner(env, cfg)\n        runner.learn(cfg.iterations)"


def _script(role: str, mode: str) -> dict[str, str]:
    tail = PLAY_TAIL if role == "play" else TRAIN_TAIL
    return {"wrapper.py": WRAPPER,
            f"{role}.py": SCRIPT.replace("{role}", role).replace("{mode}", mode).replace("{tail}", tail)}


def test_a_play_script_environment_change_is_not_training():
    findings = flow_findings(_script("play", '"human"'), _script("play", '"rgb_array"'))
    assert _significant(findings) == []


def test_the_training_script_environment_change_stays_on_the_environment_path():
    findings = flow_findings(_script("train", '"human"'), _script("train", '"rgb_array"'))
    assert "environment" in _paths(findings)


# -- a statistic returned beside the loss is the caller's metrics --------------------------------------------------

STEP = """
    import torch


    def rl_step(model, batch, config):
        log_ratio = model(batch.obs) - batch.old_logprobs
        ratio = torch.exp(log_ratio)
        approx_kl = {kl}
        loss = -(torch.clamp(ratio, 1 - config.eps, 1 + config.eps) * batch.adv).mean()
        stats = {"loss": loss.item(), "kl": approx_kl.mean().item()}
        return loss, stats


    def train(model, optimizer, loader, config):
        rl_metrics = []
        for batch in loader:
            loss, this_step_rl_metrics = rl_step(model, batch, config)
            rl_metrics.append(this_step_rl_metrics)
            {use}
            loss.backward()
            optimizer.step()
        print(rl_metrics)


    if __name__ == "__main__":
        train(MODEL, OPTIMIZER, LOADER, CONFIG)
"""


def _step(kl: str, use: str = "pass") -> dict[str, str]:
    return {"rl.py": STEP.replace("{kl}", kl).replace("{use}", use)}


def test_a_statistic_returned_beside_the_loss_does_not_reach_the_loss():
    findings = flow_findings(_step("ratio - 1 - log_ratio"), _step("0.5 * log_ratio ** 2"))
    assert "loss" not in _paths(findings)


def test_a_statistic_that_sets_the_learning_rate_stays_on_the_flow():
    use = "optimizer.param_groups[0]['lr'] = config.lr / max(this_step_rl_metrics['kl'], 1.0)"
    findings = flow_findings(_step("ratio - 1 - log_ratio", use), _step("0.5 * log_ratio ** 2", use))
    assert _significant(findings), "the statistic sets the learning rate"


# -- a local placeholder ahead of its first binding --------------------------------------------------------------

LOSS = """
    import torch


    def rl_step(model, batch, config):
        ratio = torch.exp(model(batch.obs) - batch.old_logprobs)
        {placeholder}
        match config.policy_loss:
            case "ppo":
                policy_loss = torch.min(ratio * batch.adv, torch.clamp(ratio, 0.8, 1.2) * batch.adv)
            case "reinforce":
                policy_loss = ratio.detach() * batch.logp * batch.adv
            case _:
                raise ValueError(config.policy_loss)
        {late}
        policy_loss_total = -policy_loss.mean()
        final_loss = policy_loss_total + config.value_coef * batch.value_loss
        return final_loss


    def train(model, optimizer, loader, config):
        for batch in loader:
            loss = rl_step(model, batch, config)
            loss.backward()
            optimizer.step()


    if __name__ == "__main__":
        train(MODEL, OPTIMIZER, LOADER, CONFIG)
"""


def _loss(placeholder: str = "", late: str = "") -> dict[str, str]:
    return {"rl.py": LOSS.replace("{placeholder}", placeholder).replace("{late}", late)}


def test_a_local_placeholder_before_its_first_binding_is_no_change():
    result = flow_result(_loss(), _loss("policy_loss_total = None"))
    assert _significant(result.findings) == []
    assert any("placeholder" in n.title for n in result.no_effect)


def test_a_none_that_overwrites_a_bound_local_stays_a_change():
    late = "policy_loss = None if config.freeze else policy_loss"
    findings = flow_findings(_loss(), _loss(late=late))
    assert "loss" in _paths(findings)
    findings = flow_findings(_loss("policy_loss = ratio"), _loss("policy_loss = ratio", late="policy_loss = None"))
    assert _significant(findings), "the None now reaches the loss"
