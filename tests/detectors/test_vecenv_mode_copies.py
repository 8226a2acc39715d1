"""A backend keyword written once more with the same value chooses no new backend.

Real shape (skrl 1.4.3..2.0.0): `init_state_dict` sampled the observation and action spaces with
`sample_space(space, backend="native")` and 2.0 samples the state space the same way as well: "Vector-env
backend changed: - -> backend='native' (4 places)", significant. A value that differs is still a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
from spaces import sample_space


def init_state_dict(model):
    return {
        "observations": sample_space(model.observation_space, backend="native"),
        "taken_actions": sample_space(model.action_space, backend="native"),
    }
"""

CAND = """
from spaces import sample_space


def init_state_dict(model):
    return {
        "observations": sample_space(model.observation_space, backend="native"),
        "states": sample_space(model.state_space, backend=BACKEND),
        "taken_actions": sample_space(model.action_space, backend="native"),
    }
"""


def _titles(backend: str) -> list[str]:
    spaces = {"spaces.py": "def sample_space(space, backend):\n    return space\n"}
    return [f.title for f in run_on({"m.py": BASE, **spaces}, {"m.py": CAND.replace("BACKEND", backend), **spaces},
                                    only={"vecenv_backend"}).findings]


def test_the_same_backend_keyword_on_one_more_call_is_no_change() -> None:
    assert _titles('"native"') == []


def test_a_new_backend_value_is_still_a_change() -> None:
    assert _titles('"multiprocessing"') == ["Vector-env backend changed: - -> backend='multiprocessing'"]
