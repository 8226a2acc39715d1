"""A changed branch condition is the cause of the effects it guards (flow/symbolic.py `guard_stmts`).

Real shapes (the second held-out set, each a real bug fix whose bug produced no finding at all):
pytorch-a2c-ppo-acktr-gail `if args.algo == 'ppo' and args.use_linear_clip_decay:` -> `...use_linear_lr_decay:`
around the clip-range schedule; DI-engine `if use_dropout:` -> `if use_dropout is not None:` around a
dropout layer; torchrl `if min is not None or max is not None:` -> `if min is not None:` around a
log-alpha clamp. The effects under the test differed only in their guard, the changed `if` was not among
the statements the effects came from, and the pair was dropped as "changed elsewhere"."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = """
import argparse

import torch


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--algo", default="ppo")
    p.add_argument("--use-linear-lr-decay", action="store_true")
    p.add_argument("--use-linear-clip-decay", action="store_true")
    p.add_argument("--clip-param", type=float, default=0.2)
    p.add_argument("--lr", type=float, default=3e-4)
    return p.parse_args()


def main():
    args = parse()
    agent = make_agent(args)
    for j in range(100):
        if args.use_linear_lr_decay:
            for group in agent.optimizer.param_groups:
                group["lr"] = args.lr * (1 - j / 100.0)
        if GUARD:
            agent.clip_param = args.clip_param * (1 - j / 100.0)
        for batch in agent.batches():
            ratio = agent.ratio(batch)
            surr = torch.min(ratio * batch.adv, torch.clamp(ratio, 1 - agent.clip_param, 1 + agent.clip_param) * batch.adv)
            loss = -surr.mean()
            agent.optimizer.zero_grad()
            loss.backward()
            agent.optimizer.step()


if __name__ == "__main__":
    main()
"""


def _train(guard: str) -> dict[str, str]:
    return {"main.py": TRAIN.replace("GUARD", guard)}


def test_a_changed_condition_around_a_schedule_is_a_finding() -> None:
    found = flow_findings(_train("args.algo == 'ppo' and args.use_linear_clip_decay"),
                          _train("args.algo == 'ppo' and args.use_linear_lr_decay"))
    assert [f for f in found if "main" in f.title], [f.title for f in found]
    (finding,) = [f for f in found if "main" in f.title]
    assert any(loc.path == "main.py" and loc.line == 23 for loc in finding.locations), finding.locations


def _with_local(name: str) -> dict[str, str]:
    files = _train(name)
    files["main.py"] = files["main.py"].replace(
        "    for j in range(100):\n", f"    {name} = args.algo == 'ppo' and args.use_linear_clip_decay\n    for j in range(100):\n", 1)
    return files


def test_a_condition_read_through_a_renamed_local_is_no_finding() -> None:
    """The test's statement differs in text only (a local renamed consistently): every guarded effect is
    the same, so the `if` causes nothing."""
    found = flow_findings(_with_local("decay"), _with_local("clip_decay"))
    assert not found, [f.title for f in found]


def test_an_unchanged_condition_over_a_changed_body_points_at_the_body() -> None:
    base = _train("args.algo == 'ppo' and args.use_linear_clip_decay")
    cand = {"main.py": base["main.py"].replace("args.clip_param * (1 - j / 100.0)", "args.clip_param * (1 - j / 50.0)")}
    (finding,) = flow_findings(base, cand)
    assert {loc.line for loc in finding.locations} == {24}, finding.locations


PPO = """
import torch


class PPO:
    def __init__(self, actor_critic, clip_param, lr):
        self.actor_critic = actor_critic
        self.clip_param = clip_param
        self.optimizer = torch.optim.Adam(actor_critic.parameters(), lr=lr)

    def update(self, rollouts):
        for batch in rollouts.batches():
            ratio = self.actor_critic.ratio(batch)
            clipped = torch.clamp(ratio, 1.0 - self.clip_param, 1.0 + self.clip_param)
            loss = -torch.min(ratio * batch.adv, clipped * batch.adv).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return loss.item()
"""

MAIN = """
import argparse

from algo import PPO


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--algo", default="ppo")
    p.add_argument("--use-linear-lr-decay", action="store_true")
    p.add_argument("--use-linear-clip-decay", action="store_true")
    p.add_argument("--clip-param", type=float, default=0.2)
    args = p.parse_args()
    agent = PPO(make_actor_critic(), args.clip_param, 3e-4)
    rollouts = make_rollouts()
    for j in range(100):
        if args.use_linear_lr_decay:
            for group in agent.optimizer.param_groups:
                group["lr"] = 3e-4 * (1 - j / 100.0)
        if GUARD:
            agent.clip_param = args.clip_param * (1 - j / 100.0)
        value_loss = agent.update(rollouts)
        print(j, value_loss)


if __name__ == "__main__":
    main()
"""


def _project(guard: str) -> dict[str, str]:
    return {"algo.py": PPO, "main.py": MAIN.replace("GUARD", guard)}


def test_a_field_set_on_an_object_reaches_the_loss_through_its_method() -> None:
    """The a2c shape across modules: `agent.clip_param = ...` in the script, read as `self.clip_param` by
    `PPO.update`'s loss. Before, the store defined only `agent`, which `agent.update(...)` does not hand
    to a parameter, and the changed condition read as reaching only the printed loss."""
    found = flow_findings(_project("args.algo == 'ppo' and args.use_linear_clip_decay"),
                          _project("args.algo == 'ppo' and args.use_linear_lr_decay"))
    titles = [f.title for f in found]
    assert any("loss path" in t and "main" in t for t in titles), titles


def test_a_field_only_printed_by_the_method_stays_off_the_learning_signal() -> None:
    printed = PPO.replace("        return loss.item()\n", "        print(self.clip_param)\n        return loss.item()\n")
    printed = printed.replace("torch.clamp(ratio, 1.0 - self.clip_param, 1.0 + self.clip_param)",
                              "torch.clamp(ratio, 0.8, 1.2)")
    base = {"algo.py": printed, "main.py": MAIN.replace("GUARD", "args.algo == 'ppo' and args.use_linear_clip_decay")}
    cand = {"algo.py": printed, "main.py": MAIN.replace("GUARD", "args.algo == 'ppo' and args.use_linear_lr_decay")}
    found = flow_findings(base, cand)
    assert not [f for f in found if f.severity.value in ("critical", "significant")], [(f.title, f.severity) for f in found]


def test_a_local_built_from_one_of_several_classes_reaches_each_method() -> None:
    """a2c's script builds `agent` as PPO or A2C in branches; the field is read by PPO's update."""
    a2c = "\n\nclass A2C:\n    def __init__(self, actor_critic, lr):\n        self.actor_critic = actor_critic\n\n" \
          "    def update(self, rollouts):\n        return 0.0\n"
    two = MAIN.replace("from algo import PPO", "from algo import A2C, PPO").replace(
        "    agent = PPO(make_actor_critic(), args.clip_param, 3e-4)\n",
        "    if args.algo == 'ppo':\n        agent = PPO(make_actor_critic(), args.clip_param, 3e-4)\n"
        "    else:\n        agent = A2C(make_actor_critic(), 3e-4)\n")
    base = {"algo.py": PPO + a2c, "main.py": two.replace("GUARD", "args.algo == 'ppo' and args.use_linear_clip_decay")}
    cand = {"algo.py": PPO + a2c, "main.py": two.replace("GUARD", "args.algo == 'ppo' and args.use_linear_lr_decay")}
    titles = [f.title for f in flow_findings(base, cand)]
    assert any("loss path" in t and "main" in t for t in titles), titles
