"""Real code changes filed as no effect with a false reason (precision_holdout14).

1. A value returned by a function no code of the tree calls (a plugin entry loaded by a dotted path) also
   reaches a progress log on the way: it is not "logging only". slime fb393e59..41014d1f,
   slime/rollout/fully_async_rollout.py:232: the fully-async rollout keeps the surplus groups queued for the
   next rollout (`get_completed_groups(limit=...)`) instead of dropping them; `generate_rollout_fully_async` is
   loaded by `--rollout-function-path`. Filed as "reaches only logging". Negative: a value read only by a log
   line (no return) stays no effect.
2. `obj.m(...)` on a local built from one project class (`dynamics = EnsembleDynamics(...)`) runs that class's
   `m`. OfflineRL-Kit 91e5ac00..e3ce6979, run_example/run_mobile.py:244: MOBILE's `dynamics.train(...,
   max_epochs=args.dynamics_max_epochs)` caps how long the dynamics model trains; read as dynamic dispatch,
   "reach no loss". Negative: a keyword the method only logs stays no effect."""

from __future__ import annotations

from tests.flow.support import flow_result

ROLLOUT = """
import logging
import queue

logger = logging.getLogger(__name__)


class Worker:
    def __init__(self):
        self.output_queue = queue.Queue()

    def get_completed_groups(self, limit=None):
        completed = []
        while True:
            try:
                completed.append(self.output_queue.get_nowait())
            except queue.Empty:
                break
        return completed


def _generate(worker, target):
    collected = {}
    while len(collected) < target:
        for gid, group in worker.get_completed_groups():
            collected[gid] = group
        logger.info("collected %d/%d", len(collected), target)
    return sorted(collected.values())[:target]


def generate_rollout_async(args, worker):
    return _generate(worker, args.rollout_batch_size)
"""

ROLLOUT_KEEP = ROLLOUT.replace("        while True:", "        while limit is None or len(completed) < limit:").replace(
    "worker.get_completed_groups()", "worker.get_completed_groups(limit=target - len(collected))").replace(
    "sorted(collected.values())[:target]", "sorted(collected.values())")


def _items(base: str, cand: str, path: str = "slime/rollout/async_rollout.py"):
    result = flow_result({path: base}, {path: cand})
    return result.findings, result.no_effect


def test_a_returned_rollout_is_not_logging_only() -> None:
    findings, no_effect = _items(ROLLOUT, ROLLOUT_KEEP)
    assert not any("reach only logging" in n.reason for n in no_effect), [n.reason for n in no_effect]
    assert any("sampling" in f.title for f in findings), [f.title for f in findings]


def test_a_value_only_logged_stays_logging() -> None:
    base = ROLLOUT.replace('        logger.info("collected %d/%d", len(collected), target)',
                           '        shown = len(collected) * 100 // target\n        logger.info("progress %d", shown)')
    cand = base.replace("len(collected) * 100 // target", "len(collected) * 1000 // target")
    findings, no_effect = _items(base, cand)
    assert findings == []
    assert any("logging" in n.reason for n in no_effect), [n.reason for n in no_effect]


DYNAMICS = """
import torch


class EnsembleDynamics:
    def __init__(self, model, optim):
        self.model = model
        self.optim = optim

    def train(self, data, logger, max_epochs_since_update=5, max_epochs=None):
        epoch = 0
        while True:
            epoch += 1
            loss = self.model(data).pow(2).mean()
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()
            logger.log(epoch)
            if max_epochs and epoch >= max_epochs:
                break
"""

SCRIPT = """
import argparse
from dynamics import EnsembleDynamics


def train(args=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--dynamics-max-epochs", type=int, default=30)
    args = parser.parse_args()
    model = torch.nn.Linear(3, 3)
    optim = torch.optim.Adam(model.parameters())
    dynamics = EnsembleDynamics(model, optim)
    dynamics.train(data, logger, max_epochs_since_update=5)


if __name__ == "__main__":
    train()
"""


def test_a_method_of_a_locally_built_object_is_followed() -> None:
    cand = SCRIPT.replace("max_epochs_since_update=5)", "max_epochs_since_update=5, max_epochs=args.dynamics_max_epochs)")
    result = flow_result({"dynamics.py": DYNAMICS, "run_example/run_mobile.py": SCRIPT},
                         {"dynamics.py": DYNAMICS, "run_example/run_mobile.py": cand})
    assert any("train" in f.title for f in result.findings), ([f.title for f in result.findings],
                                                             [n.reason for n in result.no_effect])


def test_a_keyword_the_method_only_logs_stays_no_effect() -> None:
    dyn = DYNAMICS.replace("    def train(self, data, logger, max_epochs_since_update=5, max_epochs=None):",
                           "    def train(self, data, logger, max_epochs_since_update=5, max_epochs=None, tag=''):").replace(
        "            logger.log(epoch)", "            logger.log(epoch, tag)")
    cand = SCRIPT.replace("max_epochs_since_update=5)", "max_epochs_since_update=5, tag='mobile')")
    result = flow_result({"dynamics.py": dyn, "run_example/run_mobile.py": SCRIPT},
                         {"dynamics.py": dyn, "run_example/run_mobile.py": cand})
    assert [f for f in result.findings if f.severity.value != "low"] == [], [f.title for f in result.findings]


SAMPLING = """
import torch


def n_step_guided_p_sample(model, x, t, guide, scale=0.1):
    model_mean, model_std = model.p_mean_variance(x, t)
    grad = guide.gradients(x)
    grad = model_std * grad
    return model_mean + scale * grad + model_std * torch.randn_like(x)
"""

PLAN = """
import sampling
from policies import Policy

policy = Policy(None, sample_fn=sampling.n_step_guided_p_sample)
policy.run()
"""

POLICIES = """
class Policy:
    def __init__(self, model, sample_fn):
        self.model = model
        self.sample_kwargs = {"sample_fn": sample_fn}

    def run(self):
        return self.model.sample(**self.sample_kwargs)
"""


def test_a_sampler_passed_as_a_value_is_unfollowed_not_no_effect() -> None:
    cand = SAMPLING.replace("grad = model_std * grad", "grad = model_std ** 2 * grad")
    result = flow_result({"sampling.py": SAMPLING, "plan.py": PLAN, "policies.py": POLICIES},
                         {"sampling.py": cand, "plan.py": PLAN, "policies.py": POLICIES})
    assert any("sampling" in f.title and "n_step_guided_p_sample" in f.title for f in result.findings), (
        [f.title for f in result.findings], [n.reason for n in result.no_effect])


def test_a_sampler_nothing_mentions_stays_no_effect() -> None:
    cand = SAMPLING.replace("grad = model_std * grad", "grad = model_std ** 2 * grad")
    plan = PLAN.replace("sample_fn=sampling.n_step_guided_p_sample", "sample_fn=None")
    result = flow_result({"sampling.py": SAMPLING, "plan.py": plan, "policies.py": POLICIES},
                         {"sampling.py": cand, "plan.py": plan, "policies.py": POLICIES})
    assert [f for f in result.findings if "n_step_guided_p_sample" in f.title] == []
