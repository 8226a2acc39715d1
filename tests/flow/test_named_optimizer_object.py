"""An object named for its optimizer algorithm (`adam = MpiAdam(var_list)`) is an optimizer: `adam.update(g, lr)`
is an optimizer step.

Real shape: baselines fabbf2c6..ff8d36a7 `baselines/ppo1/pposgd_simple.py:170` (precision held-out 10, used by
helper `misses`): the recurrent-policy minibatch fix `Dataset(..., shuffle=not pi.recurrent)` ->
`Dataset(..., deterministic=pi.recurrent)` feeds `for batch in d.iterate_once(...)`, `adam.update(g, stepsize)`;
with `adam` not read as an optimizer the flow reached only the logged losses: "reaches only logging".
Negative: an object named otherwise whose `update(a, b)` takes two values stays no optimizer.
"""

from __future__ import annotations

from tests.flow.support import flow_result

DATASET = '''
import numpy as np


class Dataset(object):
    def __init__(self, data_map, deterministic=False, shuffle=True):
        self.data_map = data_map
        self.deterministic = deterministic
        self.enable_shuffle = shuffle
        self.n = len(data_map["ob"])

    def iterate_once(self, batch_size):
        if self.enable_shuffle and not self.deterministic:
            np.random.shuffle(self.data_map["ob"])
        for i in range(0, self.n, batch_size):
            yield {k: v[i:i + batch_size] for k, v in self.data_map.items()}
'''


def _learn(keyword: str, receiver: str) -> str:
    return f'''
import logger
from dataset import Dataset
from mpi_adam import MpiAdam


def learn(pi, seg, lossandgrad, var_list, stepsize):
    {receiver} = MpiAdam(var_list)
    while True:
        d = Dataset(dict(ob=seg["ob"], ac=seg["ac"]), {keyword})
        losses = []
        for batch in d.iterate_once(64):
            *newlosses, g = lossandgrad(batch["ob"], batch["ac"])
            {receiver}.update(g, stepsize)
            losses.append(newlosses)
        logger.record_tabular("loss", sum(losses))


if __name__ == "__main__":
    learn(None, None, None, None, 1e-3)
'''


def _trees(receiver: str) -> tuple[dict[str, str], dict[str, str]]:
    base = {"dataset.py": DATASET, "learn.py": _learn("shuffle=not pi.recurrent", receiver)}
    cand = {"dataset.py": DATASET, "learn.py": _learn("deterministic=pi.recurrent", receiver)}
    return base, cand


def test_a_minibatch_change_feeding_a_named_optimizer_is_on_the_optimizer_path():
    result = flow_result(*_trees("adam"))
    found = [f for f in result.findings if "`learn`" in f.title]
    assert found and "optimizer path" in found[0].title and found[0].severity.value == "significant", \
        [f.title for f in result.findings]


def test_an_object_named_otherwise_is_no_optimizer():
    result = flow_result(*_trees("tracker"))
    assert not [f for f in result.findings if "optimizer path" in f.title], [f.title for f in result.findings]
