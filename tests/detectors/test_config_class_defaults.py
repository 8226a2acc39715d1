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


# --- defaults that are built objects, fields made by a registration helper's field maker ---------------
# Real shape (d3rlpy v1.1.1 -> v2.0.2): `AWAC(actor_optim_factory=AdamFactory(weight_decay=1e-4))` became
# `actor_optim_factory: OptimizerFactory = make_optimizer_field()` of `AWACConfig`, the maker bound by
# `register, make_optimizer_field = generate_config_registration(OptimizerFactory, lambda: AdamFactory())`;
# `DiscreteSAC`'s Adam `eps=1e-4` went the same way, and `TD3PlusBC(scaler="standard")` became the
# inherited `observation_scaler` (default None) beside `action_scaler` and `reward_scaler`.

BASE_OPTIM = '''
class AdamFactory:
    def __init__(self, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        self._kwargs = dict(betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
'''

BASE_AWAC = '''
from pkg.optimizers import AdamFactory


class AWAC:
    def __init__(self, *, actor_learning_rate=3e-4, actor_optim_factory={actor}, critic_optim_factory=AdamFactory(),
                 encoder_factory="default", batch_size=1024, scaler={scaler}, action_scaler=None,
                 reward_scaler=None):
        self._actor_learning_rate = actor_learning_rate
        self._actor_optim_factory = actor_optim_factory
        self._critic_optim_factory = critic_optim_factory
        self._encoder_factory = encoder_factory
        self._batch_size = batch_size
        self._scaler = scaler
        self._action_scaler = action_scaler
        self._reward_scaler = reward_scaler
'''

CAND_REGISTRY = '''
import dataclasses


def generate_config_registration(base_cls, default_factory=None):
    registry = {}

    def register(cls):
        registry[cls.__name__] = cls

    if default_factory is None:

        def make_field():
            return dataclasses.field(metadata={"registry": registry})

    else:

        def make_field():
            return dataclasses.field(metadata={"registry": registry}, default_factory=default_factory)

    return register, make_field


def generate_optional_config_generation(base_cls):
    def register(cls):
        pass

    def make_field():
        return dataclasses.field(metadata={}, default=None)

    return register, make_field
'''

CAND_OPTIM = '''
import dataclasses

from pkg.registry import generate_config_registration


@dataclasses.dataclass()
class OptimizerFactory:
    pass


@dataclasses.dataclass()
class AdamFactory(OptimizerFactory):
    betas: tuple = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0
    amsgrad: bool = False


register_optimizer_factory, make_optimizer_field = generate_config_registration(
    OptimizerFactory, {factory}
)
(
    register_scaler,
    make_scaler_field,
) = generate_optional_config_generation(object)
'''

CAND_AWAC = '''
import dataclasses

from pkg.optimizers import make_optimizer_field, make_scaler_field


@dataclasses.dataclass()
class LearnableConfig:
    batch_size: int = 1024
    observation_scaler: object = make_scaler_field()
    action_scaler: object = make_scaler_field()
    reward_scaler: object = make_scaler_field()
    {extra}


@dataclasses.dataclass()
class AWACConfig(LearnableConfig):
    actor_learning_rate: float = 3e-4
    actor_optim_factory: object = make_optimizer_field()
    critic_optim_factory: object = make_optimizer_field()
    encoder_factory: object = dataclasses.field(default_factory=lambda: DefaultEncoderFactory())

    def create(self):
        return AWAC(self)


class AWAC:
    def __init__(self, config):
        self._config = config
'''


def _built(actor: str = "AdamFactory(weight_decay=1e-4)", scaler: str = "None",
           factory: str = "lambda: AdamFactory()", extra: str = "") -> object:
    base = {"pkg/optimizers.py": BASE_OPTIM,
            "pkg/awac.py": BASE_AWAC.replace("{actor}", actor).replace("{scaler}", scaler),
            "pkg/registry.py": "X = 1\n"}
    cand = {"pkg/optimizers.py": CAND_OPTIM.replace("{factory}", factory), "pkg/registry.py": CAND_REGISTRY,
            "pkg/awac.py": CAND_AWAC.replace("{extra}", extra)}
    return run_on(base, cand, only={"config_class_defaults"})


def test_an_optimizer_factory_default_built_with_other_arguments_is_compared_argument_by_argument() -> None:
    [hit] = _hits(_built())
    assert "`actor_optim_factory` AdamFactory(weight_decay=0.0001) → AdamFactory() (weight_decay 0.0001 → 0)" \
        in hit.title
    assert hit.severity is Severity.significant and hit.subsystem == "trainer"
    assert "critic_optim_factory" not in hit.title and "encoder_factory" not in hit.title
    paths = {(loc.side, loc.path) for loc in hit.locations}
    assert ("baseline", "pkg/awac.py") in paths and ("candidate", "pkg/awac.py") in paths


def test_an_argument_left_out_is_read_as_the_class_default_at_each_commit() -> None:
    [hit] = _hits(_built(actor="AdamFactory(eps=1e-4)"))
    assert "(eps 0.0001 → 1e-08)" in hit.title


def test_the_same_built_default_is_no_change() -> None:
    assert not _hits(_built(actor="AdamFactory()"))
    assert not _hits(_built(actor="AdamFactory(weight_decay=0)"))  # explicit value equal to the class default


def test_a_maker_whose_helper_is_given_no_default_factory_is_not_compared() -> None:
    assert not _hits(_built(factory="None"))


def test_a_parameter_carried_by_its_one_qualified_field_is_compared_there() -> None:
    [hit] = _hits(_built(actor="AdamFactory()", scaler="'standard'"))
    assert "`scaler` → `observation_scaler` 'standard' → None" in hit.title
    assert hit.severity is Severity.significant and hit.subsystem == "normalization"


def test_a_parameter_with_several_qualified_fields_is_not_paired() -> None:
    extra = "state_scaler: object = make_scaler_field()"
    assert not _hits(_built(actor="AdamFactory()", scaler="'standard'", extra=extra))
