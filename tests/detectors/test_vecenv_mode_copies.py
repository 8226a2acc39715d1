"""A backend keyword written once more with the same value chooses no new backend.

Real shape (skrl 1.4.3..2.0.0): `init_state_dict` sampled the observation and action spaces with
`sample_space(space, backend="native")` and 2.0 samples the state space the same way as well: "Vector-env
backend changed: - -> backend='native' (4 places)", significant. Two rules: a backend chosen at both
commits is chosen again by a third call (shown here with an environment builder), and `backend=` of a
call that builds no environment (a tensor utility) is no vector-env backend at all. A new value on an
environment builder is still a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
from vec import make_vec_env


def init_state_dict(model):
    return {
        "observations": make_vec_env(model.observation_space, backend="native"),
        "taken_actions": make_vec_env(model.action_space, backend="native"),
    }
"""

CAND = """
from vec import make_vec_env


def init_state_dict(model):
    return {
        "observations": make_vec_env(model.observation_space, backend="native"),
        "states": make_vec_env(model.state_space, backend=BACKEND),
        "taken_actions": make_vec_env(model.action_space, backend="native"),
    }
"""


def _titles(backend: str) -> list[str]:
    spaces = {"vec.py": "def make_vec_env(space, backend):\n    return space\n"}
    return [f.title for f in run_on({"m.py": BASE, **spaces}, {"m.py": CAND.replace("BACKEND", backend), **spaces},
                                    only={"vecenv_backend"}).findings]


def test_the_same_backend_keyword_on_one_more_call_is_no_change() -> None:
    assert _titles('"native"') == []


def test_a_new_backend_value_is_still_a_change() -> None:
    assert _titles('"multiprocessing"') == ["Vector-env backend changed: - -> backend='multiprocessing'"]


SAMPLER = """
from spaces import sample_space


def random_act(model, inputs):
    return SAMPLE
"""

LAUNCH = """
import pufferlib.vector


def train(args, make_env):
    return pufferlib.vector.make(make_env, num_envs=args.num_envs, BACKEND)
"""


def test_a_tensor_library_backend_on_a_new_call_is_no_vector_env_change() -> None:
    spaces = {"spaces.py": "def sample_space(space, batch_size, backend):\n    return space\n"}
    base = {"m.py": SAMPLER.replace("SAMPLE", "model.distribution.sample(inputs)"), **spaces}
    cand = {"m.py": SAMPLER.replace("SAMPLE", 'sample_space(model.action_space, 8, backend="native")'), **spaces}
    assert [f.title for f in run_on(base, cand, only={"vecenv_backend"}).findings] == []


def test_a_backend_chosen_for_a_vector_env_builder_is_still_a_change() -> None:
    base = {"m.py": LAUNCH.replace(", BACKEND", "")}
    cand = {"m.py": LAUNCH.replace("BACKEND", "backend=args.vec")}
    assert [f.title for f in run_on(base, cand, only={"vecenv_backend"}).findings] == [
        "Vector-env backend changed: - -> backend=args.vec"]
