"""An option new to one class is off by default even when another class has an option of that name.

Real shape (rsl_rl d38a378b..c49573e4): the distillation algorithm gains `max_grad_norm: float |
None = None` and `if self.max_grad_norm: clip_grad_norm_(...)`, while PPO has had `max_grad_norm=1.0`
all along. The clipping runs only for runs that configure it: low ("off unless configured"), not
"Gradient clipping added", significant.
"""

from __future__ import annotations

from tests.detectors.test_guards import RUNNER_SRC, _ppo, _run

DISTILL = '''\
import torch
import torch.nn as nn


class Distillation:
    def __init__(self, student, lr=1e-3{param}):
        self.student = student
        self.optimizer = torch.optim.Adam(student.parameters(), lr=lr)
{assign}
    def update(self, obs, teacher_actions):
        loss = ((self.student(obs) - teacher_actions) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
{clip}        self.optimizer.step()
'''
PPO_WITH_NORM = _ppo(None).replace("lr=3e-4", "lr=3e-4, max_grad_norm=1.0").replace(
    "        self.policy = policy\n", "        self.policy = policy\n        self.max_grad_norm = max_grad_norm\n").replace(
    "        loss.backward()\n", "        loss.backward()\n"
                                "        torch.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)\n")
RUNNER = RUNNER_SRC.replace("from ppo import PPO", "from ppo import PPO\nfrom distill import Distillation").replace(
    "    algo = PPO(Policy(), **alg_cfg)\n",
    "    algo = PPO(Policy(), **alg_cfg) if alg_cfg.get('ppo') else Distillation(Policy(), **alg_cfg)\n")


def _distill(param: str = "", assign: str = "", clip: str = "") -> str:
    return DISTILL.format(param=param, assign=assign, clip=clip)


GUARDED = ("        if self.max_grad_norm:\n"
           "            nn.utils.clip_grad_norm_(self.student.parameters(), self.max_grad_norm)\n")


def _base() -> dict[str, str]:
    return {"ppo.py": PPO_WITH_NORM, "distill.py": _distill(), "train.py": RUNNER, "alg.yaml": "lr: 0.0003\n",
            "policy.py": "class Policy: ...\n"}


def _clip(inv) -> list:
    return [f for f in inv.findings if any(loc.path == "distill.py" and loc.side == "candidate" for loc in f.locations)
            and "clip" in f.title.lower()]


def test_new_option_of_one_class_off_by_default_is_low_though_another_class_has_that_option(tmp_path):
    cand = _distill(", max_grad_norm=None", "        self.max_grad_norm = max_grad_norm\n", GUARDED)
    inv = _run(tmp_path, _base(), {"distill.py": cand})
    found = _clip(inv)
    assert found, [f.title for f in inv.findings]
    assert all(f.severity.value == "low" for f in found), [(f.title, f.severity) for f in found]
    assert "`self.max_grad_norm` = None" in found[0].rationale


def test_option_the_class_had_before_turned_off_by_default_keeps_its_severity(tmp_path):
    base = {**_base(), "distill.py": _distill(", max_grad_norm=1.0", "        self.max_grad_norm = max_grad_norm\n",
                                              "        nn.utils.clip_grad_norm_(self.student.parameters(), "
                                              "self.max_grad_norm)\n")}
    cand = _distill(", max_grad_norm=None", "        self.max_grad_norm = max_grad_norm\n", GUARDED)
    inv = _run(tmp_path, base, {"distill.py": cand})
    touched = [f for f in inv.findings if any(loc.path == "distill.py" for loc in f.locations)]
    assert touched and any(f.severity.value != "low" for f in touched), [(f.title, f.severity) for f in touched]


def test_new_option_on_by_default_keeps_its_severity(tmp_path):
    cand = _distill(", max_grad_norm=1.0", "        self.max_grad_norm = max_grad_norm\n", GUARDED)
    inv = _run(tmp_path, _base(), {"distill.py": cand})
    found = _clip(inv)
    assert found and any(f.severity.value != "low" for f in found), [(f.title, f.severity) for f in found]
