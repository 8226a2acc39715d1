"""Constructor defaults moved into a `<Class>Config` dataclass, one of them changed on the way.

Real shape (d3rlpy v1.1.1 -> v2.0.2): `class DDPG(AlgoBase)` took `__init__(self, *, batch_size=100,
actor_learning_rate=3e-4, ..., tau=0.005)`; v2 has `@dataclass class DDPGConfig(LearnableConfig)` with
`batch_size: int = 256`, `actor_learning_rate: float = 3e-4`, ... (`gamma: float = 0.99` inherited from
the base config in another module) and `class DDPG(QLearningAlgoBase[DDPGImpl, DDPGConfig])` without
an `__init__`. The default mini-batch size 100 -> 256 was reported nowhere. Negatives: the same
defaults; a config class the baseline already had (compared in its own pair); a class that still
takes the parameter; a config class that carries too few of the parameters (another class's config).
"""

from __future__ import annotations

from investigator.models import Severity
from tests.detectors.helpers import run_on

BASE_ALGO = '''
class AlgoBase:
    def __init__(self, batch_size, gamma):
        self._batch_size = batch_size
        self._gamma = gamma


class DDPG(AlgoBase):
    def __init__(self, *, batch_size=100, actor_learning_rate=3e-4, critic_learning_rate=3e-4,
                 gamma=0.99, tau=0.005, n_critics=1, encoder="default"):
        super().__init__(batch_size=batch_size, gamma=gamma)
        self._actor_learning_rate = actor_learning_rate
        self._critic_learning_rate = critic_learning_rate
        self._tau = tau
        self._n_critics = n_critics
        self._encoder = encoder

    def update(self, batch):
        return batch * self._tau
'''

BASE_CONFIG = '''
import dataclasses


@dataclasses.dataclass()
class LearnableConfig:
    batch_size: int = 256
    gamma: float = 0.99
'''

CAND_ALGO = '''
import dataclasses

from pkg.base import LearnableConfig


@dataclasses.dataclass()
class DDPGConfig(LearnableConfig):
    batch_size: int = {batch}
    actor_learning_rate: float = 3e-4
    critic_learning_rate: float = 3e-4
    tau: float = 0.005
    n_critics: int = 1
    encoder: str = dataclasses.field(default_factory=make_encoder)

    def create(self):
        return DDPG(self)


class DDPG:
    {init}
    def update(self, batch):
        return batch * self._config.tau
'''

NO_INIT = ""
KEEPS_BATCH = '''def __init__(self, config, batch_size=100):
        self._config = config
'''


def _cand(batch: str = "256", init: str = NO_INIT) -> dict[str, str]:
    return {"pkg/algos/ddpg.py": CAND_ALGO.replace("{batch}", batch).replace("{init}", init),
            "pkg/base.py": BASE_CONFIG}


def _hits(result):
    return [f for f in result.findings if f.source.endswith("config_class_defaults")]


def test_a_default_changed_on_the_way_into_the_config_class_is_reported() -> None:
    result = run_on({"pkg/algos/ddpg.py": BASE_ALGO, "pkg/base.py": "X = 1\n"}, _cand(),
                    only={"config_class_defaults"})
    [hit] = _hits(result)
    assert "`batch_size` 100 → 256" in hit.title and "DDPGConfig" in hit.title
    assert hit.severity is Severity.significant
    assert "gamma" not in hit.title  # inherited field, same default 0.99
    paths = {(loc.side, loc.path) for loc in hit.locations}
    assert ("baseline", "pkg/algos/ddpg.py") in paths and ("candidate", "pkg/algos/ddpg.py") in paths


def test_the_same_defaults_are_no_change() -> None:
    result = run_on({"pkg/algos/ddpg.py": BASE_ALGO, "pkg/base.py": "X = 1\n"}, _cand(batch="100"),
                    only={"config_class_defaults"})
    assert not _hits(result)


def test_a_config_class_the_baseline_already_had_is_compared_in_its_own_pair() -> None:
    base = BASE_ALGO + "\n\nclass DDPGConfig:\n    pass\n"
    result = run_on({"pkg/algos/ddpg.py": base, "pkg/base.py": "X = 1\n"}, _cand(), only={"config_class_defaults"})
    assert not _hits(result)


def test_a_class_that_still_takes_the_parameter_keeps_its_default_there() -> None:
    result = run_on({"pkg/algos/ddpg.py": BASE_ALGO, "pkg/base.py": "X = 1\n"}, _cand(init=KEEPS_BATCH),
                    only={"config_class_defaults"})
    assert not _hits(result)


def test_a_config_class_that_carries_few_of_the_parameters_is_another_classes() -> None:
    few = '''
    import dataclasses


    @dataclasses.dataclass()
    class DDPGConfig:
        batch_size: int = 256
        seed: int = 1
        device: str = "cpu"


    class DDPG:
        def __init__(self, config):
            self._config = config
    '''
    result = run_on({"pkg/algos/ddpg.py": BASE_ALGO, "pkg/base.py": "X = 1\n"},
                    {"pkg/algos/ddpg.py": few, "pkg/base.py": "X = 1\n"}, only={"config_class_defaults"})
    assert not _hits(result)
