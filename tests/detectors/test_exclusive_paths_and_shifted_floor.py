"""Set 14's three false criticals (precision_holdout14, all three wrong).

1. An early `return` ends a path: `if self.use_rnn: return self.update_rnn(sample)` followed by the
   feed-forward update is two exclusive paths (xuance a2c27bd8..febfe494, qtran_learner.py:27), not one
   sequence with two backward() calls ("Optimizer step sequence changed: backward x1->x2", critical).
   Negative: a real doubled backward/step on one path stays critical.
2. `max(0, kl - c)` is `max(c, kl)` shifted by a constant (planet 27e776cd..c04226b6, utility.py:211):
   no new clamp. Negative: a clamp added where there was none stays critical.
3. A generic `mask` inside a discounted-return helper the candidate no longer calls, the candidate
   discounting nothing (planet planning.py:46): the return computation was replaced, no mask removed.
   Negative: the helper replaced by an inline discounted recursion without the mask stays critical."""

from __future__ import annotations

from investigator.models import Severity
from tests.detectors.helpers import run_on

RNN_BASE = """
class Learner:
    def update_rnn(self, sample):
        loss = self.rnn_loss(sample)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {}

    def update(self, sample):
        loss = self.loss(sample)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {}
"""

RNN_CAND = """
class Learner:
    def update_rnn(self, sample):
        loss = self.rnn_loss(sample)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {}

    def update(self, sample):
        if self.use_rnn:
            return self.update_rnn(sample)
        loss = self.loss(sample)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {}
"""

DOUBLED = """
class Learner:
    def update_rnn(self, sample):
        loss = self.rnn_loss(sample)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {}

    def update(self, sample):
        if self.use_rnn:
            self.update_rnn(sample)
        loss = self.loss(sample)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {}
"""


TRAIN = """
def train(sample):
    learner = Learner()
    for _ in range(10):
        learner.update(sample)
"""


def _order(cand: str) -> list:
    return run_on({"learner.py": RNN_BASE + TRAIN}, {"learner.py": cand + TRAIN}, only={"grad_order"}).findings


def test_an_early_return_splits_the_paths() -> None:
    found = _order(RNN_CAND)
    assert [f for f in found if f.severity == Severity.critical] == []
    # what changed: recurrent runs reach `update_rnn` (unreached from `update` at the baseline)
    assert [f.title for f in found] == ["Update path added: `update` now runs `Learner.update_rnn` when `self.use_rnn`"]
    assert found[0].severity == Severity.significant


def test_an_update_called_elsewhere_at_the_baseline_is_no_new_update_path() -> None:
    # the dispatch moved from the trainer into `update` (d3rlpy v2.2.0..v2.3.0's `update_alpha`): not dormant
    train = TRAIN.replace("        learner.update(sample)",
                          "        if learner.use_rnn:\n            learner.update_rnn(sample)\n        else:\n"
                          "            learner.update(sample)")
    found = run_on({"learner.py": RNN_BASE + train}, {"learner.py": RNN_CAND + TRAIN}, only={"grad_order"}).findings
    assert not any("Update path added" in f.title for f in found), [f.title for f in found]


def test_a_guard_that_raises_is_no_skipped_update() -> None:
    # PufferLib 73aaa5a8..cb116bca: `if self.done_training(): raise RuntimeError(...)` added before the update
    cand = RNN_BASE.replace("    def update(self, sample):\n",
                            "    def update(self, sample):\n        if self.done():\n            raise RuntimeError('done')\n")
    assert _order(cand) == []


def test_a_path_reached_at_both_commits_is_no_new_update_path() -> None:
    base = RNN_BASE.replace("        loss = self.loss(sample)", "        if self.use_rnn:\n            return self.update_rnn(sample)\n        loss = self.loss(sample)", 1)
    found = run_on({"learner.py": base + TRAIN}, {"learner.py": RNN_CAND + TRAIN}, only={"grad_order"}).findings
    assert found == []


def test_a_branch_that_falls_through_still_doubles_the_update() -> None:
    found = _order(DOUBLED)
    assert any(f.severity == Severity.critical and "x1->x2" in f.title for f in found)


CLAMP_BASE = """
import tensorflow as tf

def compute_losses(posterior, prior, free_nats=None):
    loss = divergence(posterior, prior)
    if free_nats is not None:
        loss = tf.maximum(tf.cast(free_nats, tf.float32), loss)
    return tf.reduce_mean(loss)
"""

CLAMP_SHIFTED = """
import tensorflow as tf

def compute_losses(posterior, prior, free_nats=None):
    loss = divergence(posterior, prior)
    if free_nats is not None:
        loss = tf.maximum(0.0, loss - float(free_nats))
    return tf.reduce_mean(loss)
"""

NO_CLAMP = """
import tensorflow as tf

def compute_losses(posterior, prior, free_nats=None):
    loss = divergence(posterior, prior)
    return tf.reduce_mean(loss)
"""

NEW_CLAMP = """
import tensorflow as tf

def compute_losses(posterior, prior, free_nats=None):
    loss = divergence(posterior, prior)
    loss = tf.maximum(0.0, loss - 3.0)
    return tf.reduce_mean(loss)
"""


def _clamp(base: str, cand: str) -> list:
    return run_on({"utility.py": base}, {"utility.py": cand}, only={"loss_clamp"}).findings


def test_a_shifted_floor_is_the_same_clamp() -> None:
    assert _clamp(CLAMP_BASE, CLAMP_SHIFTED) == []


def test_a_clamp_added_stays_critical() -> None:
    found = _clamp(NO_CLAMP, NEW_CLAMP)
    assert any(f.severity == Severity.critical and "clamped" in f.title for f in found)


def test_a_floor_removed_is_still_reported() -> None:
    assert any("floor removed" in f.title for f in _clamp(CLAMP_BASE, NO_CLAMP))


PLAN_BASE = """
import tensorflow as tf

def discounted_return(reward, length, discount):
    timestep = tf.range(reward.shape[1])
    mask = tf.cast(timestep[None, :] < length[:, None], tf.float32)
    return_ = tf.scan(lambda agg, cur: cur + discount * agg, mask * reward)
    return tf.stop_gradient(return_)

def plan(cell, objective_fn, state, horizon, discount=0.99):
    length = tf.ones([10], dtype=tf.int32) * horizon
    reward = objective_fn(state)
    return_ = discounted_return(reward, length, discount)[:, 0]
    return tf.nn.top_k(return_, 10)
"""

PLAN_SUM = """
import tensorflow as tf

def discounted_return(reward, length, discount):
    timestep = tf.range(reward.shape[1])
    mask = tf.cast(timestep[None, :] < length[:, None], tf.float32)
    return_ = tf.scan(lambda agg, cur: cur + discount * agg, mask * reward)
    return tf.stop_gradient(return_)

def plan(cell, objective_fn, state, horizon):
    return_ = objective_fn(state)
    return tf.nn.top_k(return_, 10)
"""

PLAN_UNMASKED = """
import tensorflow as tf

def discounted_return(reward, length, discount):
    timestep = tf.range(reward.shape[1])
    mask = tf.cast(timestep[None, :] < length[:, None], tf.float32)
    return_ = tf.scan(lambda agg, cur: cur + discount * agg, mask * reward)
    return tf.stop_gradient(return_)

def plan(cell, objective_fn, state, horizon, discount=0.99):
    reward = objective_fn(state)
    return_ = tf.scan(lambda agg, cur: cur + discount * agg, reward)[:, 0]
    return tf.nn.top_k(return_, 10)
"""


def _plan(cand: str) -> list:
    return run_on({"planning.py": PLAN_BASE}, {"planning.py": cand}, only={"done_mask"}).findings


def test_a_replaced_return_helper_is_no_mask_removal() -> None:
    assert [f for f in _plan(PLAN_SUM) if "Done masking removed" in f.title] == []


def test_a_mask_dropped_from_a_return_still_computed_stays_critical() -> None:
    found = _plan(PLAN_UNMASKED)
    assert any(f.severity == Severity.critical and "Done masking removed" in f.title for f in found)
