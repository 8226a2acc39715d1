"""The noeffect rules narrowed to the objects and arguments they are about (narrow, twentieth session).

Each rule that made the flow follow more (tests/flow/test_noeffect_reasons.py keeps the precision set 12 seats
they were written from) also followed noise on real ranges; each test here is the noise shape, with the
positive shape beside it:
* a call statement the diff pairs as added whose same call the other commit makes (moved, re-aligned) seeds
  nothing through its parameters (PufferLib 9aa817f7..d4d17e69 demo.py's mode dispatch); a new call does;
* a field stored on an object then handed whole to a function reaches the callee's readers of that field (or of
  the object whole), not every reader of the object (the same range's `args.exp_name`);
* a configuration class's field is read off objects that can be that configuration, not any object's
  attribute of that name;
* a parameter renamed at its position reads as the baseline's, and a list the baseline declared takes the
  `else` arm of an `isinstance` test against a project class (d3rlpy d6dca78c..3f459e65 `LearnableBase.fitter`);
* methods renamed under a base's new template method pair within their own classes, and an override whose work
  moved into the hook the base now calls is no removed override (the same range's `create_impl`);
* a base-constructor call's keywords that follow the base's changed signature are not entered (d3rlpy
  v1.1.1..v2.0.2 `DiscreteCQLImpl.__init__`).
"""

from __future__ import annotations

from investigator.flow.overrides import removed_overrides
from tests.flow.support import described_pairs, flow_result, pair_index

# -- an added call statement --------------------------------------------------------------------------------

TRAINER = """
import torch


def train(args):
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for _ in range(args.steps):
        loss = (model(torch.ones(4)) * args.scale).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()


def evaluate(args):
    print(args.lr)
"""
DEMO = """
import argparse
import trainer

parser = argparse.ArgumentParser()
parser.add_argument("--mode", default="train")
args = parser.parse_args()
args.lr, args.steps, args.scale = 0.1, 10, 1.0
{dispatch}
"""
MOVED_FROM = """
if args.mode == "train":
    args.workers = 2
    args.track = False
    trainer.train(args)
elif args.mode == "evaluate":
    trainer.evaluate(args)
"""
MOVED_TO = """
if args.mode == "train":
    trainer.train(args)
    args.workers = 2
    args.track = False
elif args.mode == "evaluate":
    trainer.evaluate(args)
"""
NEW_CALL = """
if args.mode == "train":
    args.workers = 2
    args.track = False
    trainer.train(args)
elif args.mode == "evaluate":
    trainer.evaluate(args)
    trainer.train(args)
"""


def test_call_statement_made_at_both_commits_seeds_no_callee_parameter():
    """PufferLib 9aa817f7..d4d17e69 demo.py:237: the mode dispatch re-ordered, `train(args, env_module,
    make_env)` paired by the diff as an added statement; entered through every parameter it was "Behavioural change
    in the optimizer path: `<module>`" at #1. The same call at both commits hands `train` what it handed before
    (the fields it moved across are ones `train` never reads)."""
    base = {"trainer.py": TRAINER, "demo.py": DEMO.format(dispatch=MOVED_FROM)}
    cand = {"trainer.py": TRAINER, "demo.py": DEMO.format(dispatch=MOVED_TO)}
    result = flow_result(base, cand)
    assert not result.findings, [f.title for f in result.findings]
    assert any("trainer.train(args)" in n.title for n in result.no_effect)


def test_new_call_statement_still_enters_the_callee():
    """The positive: a call the baseline never made (training after evaluation) runs the callee's loss."""
    base = {"trainer.py": TRAINER, "demo.py": DEMO.format(dispatch=MOVED_FROM)}
    cand = {"trainer.py": TRAINER, "demo.py": DEMO.format(dispatch=NEW_CALL)}
    findings = flow_result(base, cand).findings
    assert any("path: `<module>`" in f.title for f in findings), [f.title for f in findings]


GUARDED_CALL = """
if args.mode == "train":
    args.workers = 2
    trainer.train(args)
"""
OUT_OF_BRANCH = """
trainer.train(args)
if args.mode == "train":
    args.workers = 2
"""


def test_call_statement_moved_out_of_its_branch_still_enters_the_callee():
    """The positive: the same call at both commits, moved out of the branch that guarded it, now runs in every
    mode (gpudrive bd618895..f28fb66c gpudrive/env/env_torch.py:857, `roadgraph.one_hot_encode_road_point_types()`
    moved out of `if self.config.norm_obs:`: a real observation change, kept at #1)."""
    base = {"trainer.py": TRAINER, "demo.py": DEMO.format(dispatch=GUARDED_CALL)}
    cand = {"trainer.py": TRAINER, "demo.py": DEMO.format(dispatch=OUT_OF_BRANCH)}
    findings = flow_result(base, cand).findings
    assert any("path: `<module>`" in f.title for f in findings), [f.title for f in findings]


FIELD_TRAINER = TRAINER.replace("def evaluate(args):", """def setup_logging(args):
    print(args.exp_name)


def evaluate(args):""")
FIELD_DEMO = """
import argparse
import trainer

parser = argparse.ArgumentParser()
args = parser.parse_args()
args.lr, args.steps, args.scale = 0.1, 10, 1.0
args.exp_name = {name}
trainer.setup_logging(args)
trainer.train(args)
"""


def test_field_stored_then_object_handed_on_reaches_readers_of_that_field():
    """PufferLib 9aa817f7..d4d17e69 demo.py:233: `args.exp_name = args.wandb.id` removed, then `train(args, ...)`;
    entered through the whole `args` parameter, `train`'s `clean_pufferl.create(..., wandb=args.wandb)` put the
    run's name on the optimizer path. Only the logging set-up reads `args.exp_name`."""
    base = {"trainer.py": FIELD_TRAINER, "demo.py": FIELD_DEMO.format(name='"a"')}
    cand = {"trainer.py": FIELD_TRAINER, "demo.py": FIELD_DEMO.format(name='"b"')}
    result = flow_result(base, cand)
    assert not result.findings, [f.title for f in result.findings]


def test_field_stored_then_object_handed_on_to_its_reader_is_followed():
    """The positive: the field the callee reads (`args.scale`, in the loss) is followed into it."""
    demo = FIELD_DEMO.replace("args.exp_name = {name}", "args.scale = {name}")
    base = {"trainer.py": FIELD_TRAINER, "demo.py": demo.format(name="1.0")}
    cand = {"trainer.py": FIELD_TRAINER, "demo.py": demo.format(name="2.0")}
    findings = flow_result(base, cand).findings
    assert any("path: `<module>`" in f.title for f in findings), [f.title for f in findings]


EDITED_CALL = """
import trainer


class Args:
    def __init__(self):
        self.lr, self.steps, self.scale = 0.1, 10, 1.0


def main():
    trainer.train_with(Args(), scale={scale})


if __name__ == "__main__":
    main()
"""
TRAIN_WITH = TRAINER + """

def train_with(args, scale):
    args.scale = scale
    train(args)
"""


def test_edited_argument_of_a_call_at_both_sides_still_enters_the_callee():
    """The positive shape (EfficientZero's base-constructor keyword, tests/flow/test_noeffect_reasons.py): the same
    call at both commits with one keyword edited enters the callee through that parameter."""
    base = {"trainer.py": TRAIN_WITH, "run.py": EDITED_CALL.format(scale="1.0")}
    cand = {"trainer.py": TRAIN_WITH, "run.py": EDITED_CALL.format(scale="2.0")}
    findings = flow_result(base, cand).findings
    assert any("path: `main`" in f.title for f in findings), [f.title for f in findings]


# -- a configuration class's field read off objects that can be it --------------------------------------------

GAME_CONFIG = """
class BaseConfig:
    def __init__(self, max_moves):
        self.max_moves = max_moves


class GameConfig(BaseConfig):
    def __init__(self):
        super().__init__(max_moves={moves})


game_config = GameConfig()
"""
BOARD = """
import numpy as np


class Board:
    def __init__(self, config, engine):
        self.config = config
        self.engine = engine

    def run(self):
        moves = 0
        while moves < self.{holder}.max_moves:
            action = np.random.choice(4)
            self.engine.step(action)
            moves += 1
"""
PLAY = """
from game.config import game_config
from game.board import Board
from game.engine import Engine

Board(game_config, Engine()).run()
"""
ENGINE = """
class Engine:
    def __init__(self):
        self.max_moves = 9

    def step(self, action):
        return action
"""


def _board_trees(holder: str) -> tuple[dict[str, str], dict[str, str]]:
    common = {"game/__init__.py": "", "game/board.py": BOARD.format(holder=holder), "game/engine.py": ENGINE,
              "train.py": PLAY}
    return ({**common, "game/config.py": GAME_CONFIG.format(moves=100)},
            {**common, "game/config.py": GAME_CONFIG.format(moves=50)})


def test_config_field_read_off_another_object_of_that_name_is_not_followed():
    """The field `max_moves` of a configuration class read by name anywhere: `self.engine.max_moves` of a board
    (an object no configuration is handed to, in a module that never names the class) is another value."""
    base, cand = _board_trees("engine")
    result = flow_result(base, cand)
    assert not result.findings, [f.title for f in result.findings]


def test_config_field_read_off_a_config_named_object_is_followed():
    """The positive shape: `self.config.max_moves` (EfficientZero's `DataWorker.run`) reads the configuration."""
    base, cand = _board_trees("config")
    findings = flow_result(base, cand).findings
    assert [f.title for f in findings] == [
        "Behavioural change in the training schedule (loop count): `GameConfig.__init__`"], [f.title for f in findings]


# -- a parameter renamed at its position; a list declared, a project class tested ------------------------------

FITTER = """
from typing import List, Union

import torch

from lib.dataset import Episode, MDPDataset


class Learner:
    def __init__(self):
        self.model = torch.nn.Linear(4, 1)
        self.opt = torch.optim.Adam(self.model.parameters())

    def fit(self, {param}, n_epochs: int = 1):
{head}
        for _ in range(n_epochs):
            for ep in episodes:
                loss = self.model(ep.obs).sum()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
"""
DATASET = """
class Episode:
    def __init__(self, obs):
        self.obs = obs


class MDPDataset:
    def __init__(self, episodes):
        self.episodes = episodes
"""
WIDENED = """        if isinstance(dataset, MDPDataset):
            episodes = dataset.episodes
        else:
            episodes = {other}"""


RUN = """
import torch

from lib.dataset import Episode
from lib.learner import Learner

Learner().fit([Episode(torch.ones(4)) for _ in range(8)])
"""


def _fit_trees(other: str) -> tuple[dict[str, str], dict[str, str]]:
    common = {"lib/__init__.py": "", "lib/dataset.py": DATASET, "run.py": RUN}
    return ({**common, "lib/learner.py": FITTER.format(param="episodes: List[Episode]", head="")},
            {**common, "lib/learner.py": FITTER.format(param="dataset: Union[List[Episode], MDPDataset]",
                                                       head=WIDENED.format(other=other))})


def test_widened_parameter_renamed_takes_the_old_arm():
    """d3rlpy d6dca78c..3f459e65 d3rlpy/base.py:444: `fitter(self, episodes: List[Episode], ...)` ->
    `fitter(self, dataset: Union[List[Episode], MDPDataset], ...)` with an `isinstance` dispatch; the callers'
    list takes the `else` arm, the same episodes: it was "Behavioural change in the optimizer path" at #2."""
    base, cand = _fit_trees("dataset")
    findings = flow_result(base, cand).findings
    assert not [f for f in findings if "Learner.fit" in f.title], [f.title for f in findings]


def test_widened_parameter_with_a_changed_old_arm_is_a_change():
    """The negative: the `else` arm the callers' list takes now keeps half the episodes."""
    base, cand = _fit_trees("dataset[: len(dataset) // 2]")
    findings = flow_result(base, cand).findings
    assert any("Learner.fit" in f.title for f in findings), [f.title for f in findings]


# -- methods renamed under a template method -------------------------------------------------------------------

ALGO = """
from impls import {cls}Impl
from base import LearnableBase


class {cls}(LearnableBase):
    def __init__(self, lr, gamma):
        self._lr = lr
        self._gamma = gamma

    def {name}(self, observation_shape, action_size):
        self._impl = {cls}Impl(
            observation_shape=observation_shape,
            action_size=action_size,
            learning_rate=self._lr,
{extra}        )
        self._impl.build()
"""
GAMMA = "            gamma=self._gamma,\n"
TEMPLATE_BASE = """
class LearnableBase:
    def fit(self, shape, size):
        self.create_impl(shape, size)

    def create_impl(self, shape, size):
        raise NotImplementedError
"""
TEMPLATE_CAND = """
class LearnableBase:
    def fit(self, shape, size):
        self.create_impl(shape, size)

    def create_impl(self, shape, size):
        if self._impl:
            print("rebuilding")
        self.{hook}(shape, size)
"""
IMPLS = "class AImpl:\n    pass\n\n\nclass BImpl:\n    pass\n"


def test_renames_paired_round_a_cycle_are_paired_within_their_classes():
    """d3rlpy d6dca78c..3f459e65: every algorithm's `create_impl` renamed `_create_impl`; the renames paired across
    classes round a cycle (`DQN.create_impl` -> `DiscreteCQL._create_impl`, ...), each pair comparing two
    algorithms' constructors (significant "optimizer path" findings at #5-#7). Here `A`'s old body is closer to
    `B`'s new one; each class's own rename is accepted all the same and wins."""
    base = {"base.py": TEMPLATE_BASE, "impls.py": IMPLS,
            "algos/a.py": ALGO.format(cls="A", name="create_impl", extra=GAMMA),
            "algos/b.py": ALGO.format(cls="B", name="create_impl", extra="")}
    cand = {"base.py": TEMPLATE_CAND.format(hook="_create_impl"), "impls.py": IMPLS,
            "algos/a.py": ALGO.format(cls="A", name="_create_impl", extra=""),
            "algos/b.py": ALGO.format(cls="B", name="_create_impl", extra=GAMMA)}
    pairs = dict(described_pairs(base, cand))
    assert pairs.get("algos/a.py:A.create_impl -> algos/a.py:A._create_impl") == "renamed", pairs
    assert pairs.get("algos/b.py:B.create_impl -> algos/b.py:B._create_impl") == "renamed", pairs


def _override_trees(hook: str) -> tuple[dict[str, str], dict[str, str]]:
    """`A.create_impl` removed; `A._create_impl` added with another body (no pair): the base's template calls
    `self.<hook>`."""
    other = ALGO.format(cls="A", name="_create_impl", extra=GAMMA).replace(
        "        self._impl.build()\n", "        self._impl.build()\n        self._impl.to('cpu')\n        "
        "self._impl.eval()\n        self._impl.reset(self._lr)\n        print(self._impl)\n")
    base = {"base.py": TEMPLATE_BASE, "impls.py": IMPLS,
            "algos/a.py": ALGO.format(cls="A", name="create_impl", extra="").replace(
                "learning_rate=self._lr", "lr=self._lr * 2")}
    cand = {"base.py": TEMPLATE_CAND.format(hook=hook), "impls.py": IMPLS, "algos/a.py": other}
    return base, cand


def test_override_moved_into_the_hook_its_base_now_calls_is_not_removed():
    """d3rlpy d6dca78c..3f459e65 d3rlpy/algos/td3.py:168: `TD3.create_impl` (paired with no method) was "Method
    override removed ... in the optimizer path" at #4, while `LearnableBase.create_impl` now calls
    `self._create_impl(...)`, which `TD3` defines."""
    base, cand = _override_trees("_create_impl")
    assert not [r for r in removed_overrides(pair_index(base, cand)) if r.method.qualname == "A.create_impl"]


def test_override_removed_where_the_base_calls_no_hook_of_the_class_stays():
    """The negative: the base's method calls a hook the class does not define (`self._build`)."""
    base, cand = _override_trees("_build")
    assert [r.inherited for r in removed_overrides(pair_index(base, cand))
            if r.method.qualname == "A.create_impl"] == ["LearnableBase.create_impl"]


# -- a base-constructor call adapted to the base's changed signature ------------------------------------------

IMPL_BASE = """
class QImpl:
    def __init__(self, learning_rate, optim_factory, gamma):
        self._optim = optim_factory.create(learning_rate)
        self._gamma = gamma

    def update(self, loss):
        self._optim.zero_grad()
        (loss * self._gamma).backward()
        self._optim.step()


class CQLImpl(QImpl):
    def __init__(self, learning_rate, optim_factory, gamma, alpha):
        super().__init__(learning_rate=learning_rate, optim_factory=optim_factory, gamma={gamma})
        self._alpha = alpha
"""
IMPL_CAND = """
class QImpl:
    def __init__(self, optim, gamma):
        self._optim = optim
        self._gamma = gamma

    def update(self, loss):
        self._optim.zero_grad()
        (loss * self._gamma).backward()
        self._optim.step()


class CQLImpl(QImpl):
    def __init__(self, optim, gamma, alpha):
        super().__init__(optim=optim, gamma={gamma})
        self._alpha = alpha
"""
IMPL_USE = """
import torch
from impl import CQLImpl


def train(net, batches):
    impl = CQLImpl({args}, gamma=0.99, alpha=1.0)
    for x in batches:
        impl.update(net(x).sum())
"""


def _impl_trees(gamma: str) -> tuple[dict[str, str], dict[str, str]]:
    return ({"impl.py": IMPL_BASE.format(gamma="gamma"),
             "train.py": IMPL_USE.format(args="1e-3, torch.optim.Adam")},
            {"impl.py": IMPL_CAND.format(gamma=gamma), "train.py": IMPL_USE.format(args="torch.optim.Adam")})


def test_base_constructor_call_adapted_to_the_base_signature_is_not_entered():
    """d3rlpy v1.1.1..v2.0.2 d3rlpy/algos/torch/cql_impl.py:264: `super().__init__(..., learning_rate=...,
    optim_factory=...)` -> `super().__init__(..., optim=optim)`, the base constructor now taking the built
    optimizer: entered through `optim` it was "Behavioural change in the optimizer path: `DiscreteCQLImpl.__init__`"
    at #5. The keywords follow the base's changed parameters, compared in the base's own pair."""
    base, cand = _impl_trees("gamma")
    findings = flow_result(base, cand).findings
    assert not [f for f in findings if "CQLImpl.__init__" in f.title], [f.title for f in findings]


def test_base_constructor_call_with_an_edited_kept_keyword_is_entered():
    """The positive: a keyword both signatures take (`gamma`) edited in the same call is followed."""
    base, cand = _impl_trees("gamma * 0.5")
    findings = flow_result(base, cand).findings
    assert any("CQLImpl.__init__" in f.title for f in findings), [f.title for f in findings]
