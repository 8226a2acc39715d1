"""A class whose name its module still binds did not move to a same-named class of another module.

Real shape (PufferLib 73aaa5a8..cb116bca): `registry/atari.py`'s `class Policy` became
`Policy = pufferlib.models.Convolutional` (the body moved into `models.py` as `Convolutional`), and
`registry/magent.py` gained a `class Policy` of its own, a copy edited for MAgent. The matcher paired
`atari.py:Policy.__init__` with `magent.py:Policy.__init__` by qualified name, and the init-gain
detector reported "Initialisation call removed" across the two environments. Negative: a class that
left its module (the name is no longer bound there) still pairs with the same-named class elsewhere."""

from __future__ import annotations

from tests.detectors.helpers import run_on
from tests.flow.support import pair_index

ATARI_BASE = """
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self, env, framestack, hidden_size=512):
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(framestack, 32, 8, stride=4),
            nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, hidden_size),
        )
        nn.init.orthogonal_(self.network[0].weight, 1.41)
        self.actor = nn.Linear(hidden_size, env.n)
        self.value = nn.Linear(hidden_size, 1)
"""

ATARI_CAND = """
import models

Policy = models.Convolutional
"""

MODELS_CAND = """
import torch.nn as nn


class Convolutional(nn.Module):
    def __init__(self, env, framestack, flat_size, hidden_size=512):
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(framestack, 32, 8, stride=4),
            nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(flat_size, hidden_size),
        )
        nn.init.orthogonal_(self.network[0].weight, 1.41)
        self.actor = nn.Linear(hidden_size, env.n)
        self.value = nn.Linear(hidden_size, 1)
"""

MAGENT_CAND = """
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self, env, hidden_size=256):
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(5, 32, 3),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 9 * 9, hidden_size),
        )
        self.actor = nn.Linear(hidden_size, env.n)
        self.value = nn.Linear(hidden_size, 1)
"""

BASE = {"atari.py": ATARI_BASE, "models.py": "import torch.nn as nn\n", "magent.py": "import torch.nn as nn\n"}
CAND = {"atari.py": ATARI_CAND, "models.py": MODELS_CAND, "magent.py": MAGENT_CAND}


def _pairs(base: dict[str, str], cand: dict[str, str]) -> dict[str, str]:
    index = pair_index(base, cand)
    return {
        f"{p.base.path}:{p.base.qualname}": f"{p.cand.path}:{p.cand.qualname}"
        for p in index.pairs if p.base is not None and p.cand is not None
    }


def test_a_class_its_module_still_binds_pairs_with_the_body_it_became() -> None:
    pairs = _pairs(BASE, CAND)
    assert pairs.get("atari.py:Policy.__init__") == "models.py:Convolutional.__init__"


def test_no_initialisation_finding_across_two_environments() -> None:
    titles = [f.title for f in run_on(BASE, CAND, only={"init_gain"}).findings]
    assert not any("removed" in t for t in titles), titles


def test_a_class_that_left_its_module_still_pairs_by_name() -> None:
    cand = {"atari.py": "import models\n", "models.py": "import torch.nn as nn\n", "magent.py": ATARI_BASE}
    pairs = _pairs(BASE, cand)
    assert pairs.get("atari.py:Policy.__init__") == "magent.py:Policy.__init__"


def test_a_real_change_in_the_body_it_became_is_still_reported() -> None:
    cand = dict(CAND, **{"models.py": MODELS_CAND.replace("nn.init.orthogonal_(self.network[0].weight, 1.41)\n", "")})
    titles = [f.title for f in run_on(BASE, cand, only={"init_gain"}).findings]
    assert any("removed" in t for t in titles), titles


HELPER_BASE = """
import torch.nn as nn


def layer_init(layer, std=1.41):
    nn.init.orthogonal_(layer.weight, std)
    return layer


class Policy(nn.Module):
    def __init__(self, env, hidden_size=512):
        super().__init__()
        self.actor = layer_init(nn.Linear(hidden_size, env.n), std=0.01)
"""

HELPER_CAND = """
import torch.nn as nn
import pkg.pytorch


class Policy(nn.Module):
    def __init__(self, env, hidden_size=512):
        super().__init__()
        self.actor = pkg.pytorch.layer_init(nn.Linear(hidden_size, env.n), std=0.01)
"""

PYTORCH = """
import torch.nn as nn


def layer_init(layer, std=1.41):
    nn.init.orthogonal_(layer.weight, std)
    return layer
"""


def test_a_helper_called_through_its_dotted_module_is_read_like_the_local_one() -> None:
    """`pkg.pytorch.layer_init(...)` after `import pkg.pytorch` is inlined like a local helper."""
    base = {"pkg/policy.py": HELPER_BASE, "pkg/pytorch.py": "import torch\n"}
    cand = {"pkg/policy.py": HELPER_CAND, "pkg/pytorch.py": PYTORCH}
    titles = [f.title for f in run_on(base, cand, only={"init_gain"}).findings]
    assert not any("removed" in t for t in titles), titles


def test_a_dotted_helper_that_no_longer_initialises_is_reported() -> None:
    base = {"pkg/policy.py": HELPER_BASE, "pkg/pytorch.py": "import torch\n"}
    cand = {"pkg/policy.py": HELPER_CAND, "pkg/pytorch.py": PYTORCH.replace("nn.init.orthogonal_(layer.weight, std)", "pass")}
    titles = [f.title for f in run_on(base, cand, only={"init_gain"}).findings]
    assert any("removed" in t for t in titles), titles
