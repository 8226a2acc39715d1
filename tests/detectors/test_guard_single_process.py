"""Distributed-only plumbing is the baseline in a single-process run (detectors/singleproc.py).

Real shape (diamond 54961839..17c77643): `Trainer.run` wraps collection in `if self._rank == 0:` and
loads `broadcast_if_needed(self.train_dataset.state_dict())` (a no-op unless `dist.is_initialized()`);
`BatchSampler.sample` draws from `np.arange(self.rank, n, self.world_size)` with
`weights[self.rank::self.world_size]`; main.py runs one process unless several GPUs are visible."""

from __future__ import annotations

from investigator.detectors import guards
from investigator.detectors.guards import Side
from investigator.detectors.singleproc import single_process_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

UTILS = '''\
import torch.distributed as dist


def broadcast_if_needed(*args):
    objects = list(args)
    if dist.is_initialized():
        dist.broadcast_object_list(objects, src=0)
    return objects
'''

TRAIN_BASE = '''\
from utils import broadcast_if_needed


class Trainer:
    def run(self):
        to_log = []
        n = self.collect()
        to_log += n
        should_test = self.cfg.should and self.epoch % 2 == 0
        self.log(to_log)
        self.save()
'''

TRAIN_CAND = '''\
import torch.distributed as dist

from utils import broadcast_if_needed


class Trainer:
    def run(self):
        to_log = []
        if self._rank == 0:
            n = self.collect()
            to_log += n
        sd, = broadcast_if_needed(self.dataset.state_dict())
        self.dataset.load_state_dict(sd)
        should_test = self._rank == 0 and self.cfg.should and self.epoch % 2 == 0
        self.log(to_log)
        self.save()
        if dist.is_initialized():
            dist.barrier()
'''

SAMPLER_BASE = '''\
import numpy as np


class BatchSampler:
    def sample(self, num_episodes, weights):
        episode_ids = np.random.choice(np.arange(num_episodes), size=self.batch_size, p=weights)
        return episode_ids
'''

SAMPLER_CAND = '''\
import numpy as np


class BatchSampler:
    def sample(self, num_episodes, weights):
        parts = np.arange(self.rank, num_episodes, self.world_size)
        weights = np.array(weights[self.rank::self.world_size])
        episode_ids = np.random.choice(parts, size=self.batch_size, p=weights / weights.sum())
        return episode_ids
'''


def _finding(path: str, bline: int, cline: int) -> Finding:
    locs = [Location(path=path, line=bline, side="baseline"), Location(path=path, line=cline, side="candidate")]
    return Finding(id=f"behavioural_change:{path}", source="behavioural_change", subsystem="trainer",
                   severity=Severity.significant, confidence=0.7, title="Behavioural change", impact="",
                   rationale="", locations=locs, evidence=[Evidence(kind=EvidenceKind.code, summary="", locations=locs)])


def _sides(base: dict[str, str], cand: dict[str, str]) -> dict[str, Side]:
    return {"baseline": Side("baseline", base.get, list(base)), "candidate": Side("candidate", cand.get, list(cand))}


def _reason(path: str, base_text: str, cand_text: str, extra: dict[str, str] | None = None,
            bline: int = 6, cline: int = 9) -> str | None:
    base = {"utils.py": UTILS, path: base_text}
    cand = {"utils.py": UTILS, path: cand_text, **(extra or {})}
    return single_process_reason(_finding(path, bline, cline), _sides(base, cand))


def test_rank0_guards_and_broadcast_are_the_single_process_baseline():
    reason = _reason("trainer.py", TRAIN_BASE, TRAIN_CAND)
    assert reason is not None and "`Trainer.run`" in reason


def test_rank_partition_of_the_sampler_is_every_episode_at_world_size_one():
    reason = _reason("sampler.py", SAMPLER_BASE, SAMPLER_CAND, bline=6, cline=6)
    assert reason is not None and "`BatchSampler.sample`" in reason


def test_a_launch_script_starting_several_processes_keeps_the_severity():
    assert _reason("trainer.py", TRAIN_BASE, TRAIN_CAND,
                   extra={"scripts/train.sh": "torchrun --nproc_per_node 8 src/main.py\n"}) is None
    assert _reason("trainer.py", TRAIN_BASE, TRAIN_CAND,
                   extra={"config/trainer.yaml": "distributed:\n  world_size: 4\n"}) is None
    assert _reason("trainer.py", TRAIN_BASE, TRAIN_CAND,
                   extra={"settings.py": "class Settings:\n    num_gpus: int = 8\n"}) is None
    assert _reason("trainer.py", TRAIN_BASE, TRAIN_CAND,
                   extra={"config/trainer.yaml": "common:\n  devices: 0\n  num_gpus: 1\n"}) is not None


def test_a_change_beside_the_plumbing_keeps_the_severity():
    cand = TRAIN_CAND.replace("        self.save()\n", "        self.save()\n        self.lr = 0.1\n")
    assert _reason("trainer.py", TRAIN_BASE, cand) is None


def test_a_value_that_differs_at_rank_zero_keeps_the_severity():
    base = TRAIN_BASE.replace("self.cfg.should and", "self.cfg.should or")
    assert _reason("trainer.py", base, TRAIN_CAND) is None
    base = SAMPLER_BASE.replace("p=weights)", "p=weights)\n        lr = self.base_lr * 2")
    cand = SAMPLER_CAND.replace("return episode_ids", "lr = self.base_lr * self.world_size\n        return episode_ids")
    assert _reason("sampler.py", base, cand, bline=6, cline=6) is None


def test_the_lowering_reaches_the_finding_through_apply_guards():
    f = _finding("trainer.py", 6, 9)
    base = {"utils.py": UTILS, "trainer.py": TRAIN_BASE}
    cand = {"utils.py": UTILS, "trainer.py": TRAIN_CAND}
    sides = _sides(base, cand)
    _, _, reason, default_off = guards._verdict(f, sides)
    assert reason is None and default_off is not None and "rank" in default_off
