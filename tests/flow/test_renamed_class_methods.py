"""A class renamed in its file keeps its methods: same-named methods pair even when one was rewritten, and the
new name at a call site is no change of its own (`detectors/pairs.renamed_class_methods`,
`flow/classbody.renamed_classes`).

Real case: loco-mujoco 6626776a..3a0b1528 (precision set 19): `MyoSuiteHumanoid(LocoEnv)` in
`myosuite_humanoid.py` became `MyoSkeleton(LocoEnv)` in `myoskeleton.py` (git: a renamed file) and its
`_add_actuators` was rewritten (per-joint force limits `ctrlrange=[-max_force, max_force]` in place of the affine
position actuators, gain 500, bias -250). The rewritten method found no partner by body similarity (added + deleted),
and the range's only finding was `mdp = MyoSuiteHumanoid(...)` -> `mdp = MyoSkeleton(...)` in `generate`.
"""

from __future__ import annotations

from investigator.flow.classbody import renamed_classes
from tests.flow.support import flow_findings, pair_index

BASE = """
import numpy as np

from base import LocoEnv


class OldHumanoid(LocoEnv):
    def __init__(self, **kwargs):
        xml_handle = self._load()
        xml_handle = self._add_actuators(xml_handle)
        super().__init__(xml_handle, **kwargs)

    def _load(self):
        handle = make_handle("humanoid.xml")
        handle.compile()
        return handle

    def _has_fallen(self, obs):
        height = obs[0]
        return height < 0.6 or height > 1.6

    def _add_actuators(self, xml_handle):
        joints = xml_handle.find_all("joint")
        for joint in joints:
            if "pelvis" not in joint.name:
                xml_handle.actuator.add("general", joint=joint.name, ctrlrange=[-1.0, 1.0], gainprm=[500.0])
        return xml_handle

    @staticmethod
    def generate(task="walk", **kwargs):
        mdp = OldHumanoid(**kwargs)
        return mdp
"""

NEW_ACTUATORS = """    def _add_actuators(self, xml_handle):
        max_joint_forces = dict(hip_flexion=200, knee_angle=200, ankle_angle=200, elbow_flex=80, neck=50)
        joints = xml_handle.find_all("joint")
        for joint in joints:
            if "pelvis" not in joint.name:
                max_force = max_joint_forces[joint.name] if joint.name in max_joint_forces.keys() else 50
                xml_handle.actuator.add("general", joint=joint.name, ctrlrange=[-max_force, max_force])
        return xml_handle
"""

ENV = """
class LocoEnv:
    def __init__(self, xml_handle, **kwargs):
        self.model = xml_handle

    def step(self, action):
        return self.model.simulate(action)
"""

MAIN = """
from humanoid import NewHumanoid

env = NewHumanoid.generate()
obs = env.step(0)
"""


def _rewritten(text: str) -> str:
    start = text.index("    def _add_actuators")
    end = text.index("    @staticmethod")
    return text[:start] + NEW_ACTUATORS + "\n" + text[end:]


CAND = _rewritten(BASE).replace("OldHumanoid", "NewHumanoid")


def _trees(cand: str) -> tuple[dict[str, str], dict[str, str]]:
    return ({"humanoid.py": BASE, "base.py": ENV, "main.py": MAIN.replace("NewHumanoid", "OldHumanoid")},
            {"humanoid.py": cand, "base.py": ENV, "main.py": MAIN})


def test_a_renamed_class_pairs_its_rewritten_method_and_its_call_sites_are_no_change() -> None:
    index = pair_index(*_trees(CAND))
    pairs = {(p.base.qualname, p.cand.qualname) for p in index.pairs if p.base and p.cand}
    assert ("OldHumanoid._add_actuators", "NewHumanoid._add_actuators") in pairs
    assert renamed_classes(index) == {"OldHumanoid": "NewHumanoid"}
    titles = [f.title for f in flow_findings(*_trees(CAND))]
    assert any("NewHumanoid._add_actuators" in t for t in titles), titles
    assert not any("generate" in t for t in titles), titles


def test_a_new_class_with_another_base_is_no_rename() -> None:
    cand = CAND.replace("class NewHumanoid(LocoEnv):", "class NewHumanoid(object):")
    assert "OldHumanoid" not in renamed_classes(pair_index(*_trees(cand)))
    titles = [f.title for f in flow_findings(*_trees(cand))]
    assert any("generate" in t for t in titles), titles


def test_shared_method_names_whose_bodies_all_differ_are_no_rename() -> None:
    """Two unrelated classes of one base swapped in a file share `__init__` and a hook name, not their code."""
    other = """
class NewHumanoid(LocoEnv):
    def __init__(self, **kwargs):
        super().__init__(make_handle("quadruped.xml"), n_legs=4)

    def _has_fallen(self, obs):
        return bool(np.any(obs[3:7] < -0.2))

    def _add_actuators(self, xml_handle):
        return xml_handle.with_motors(gear=150)

    @staticmethod
    def generate(task="walk", **kwargs):
        return NewHumanoid(task=task)
"""
    cand = BASE[:BASE.index("class OldHumanoid")] + other.lstrip("\n")
    index = pair_index(*_trees(cand))
    assert "OldHumanoid" not in renamed_classes(index)
    pairs = {(p.base.qualname, p.cand.qualname) for p in index.pairs if p.base and p.cand}
    assert ("OldHumanoid._add_actuators", "NewHumanoid._add_actuators") not in pairs


BUFFER = """
import numpy as np


class {name}:
    def __init__(self, size, gamma):
        self.size = size
        self.gamma = gamma
        self.rewards = np.zeros((size, 1), dtype=np.float32)
        self.dones = np.zeros((size, 1), dtype=np.float32)

    def get_mean_rewards(self):
        return float(np.mean(self.rewards))

    def __len__(self):
        return int(self.size)

    def sample(self, batch_size):
{sample}
"""

SAMPLE = """        idx = np.random.randint(0, self.size, batch_size)
        end = self.dones[idx] > 0
        returns = self.rewards[idx] + self.gamma * (1 - end) * self.rewards[(idx + 1) % self.size]
        return returns, end
"""


def test_a_method_whose_body_moved_into_a_subclass_keeps_that_partner() -> None:
    """HARL (tuned set, harl-huber-loss): `OffPolicyBuffer` became the abstract `OffPolicyBufferBase` (git: a renamed
    file) whose `sample` is `pass`, the body now in `OffPolicyBufferEP.sample` of a new file: paired by name first,
    the n-step return read as removed ("Done flag no longer includes dones", significant)."""
    base = {"buffer.py": BUFFER.replace("{name}", "Buffer").replace("{sample}", SAMPLE)}
    cand = {"buffer.py": BUFFER.replace("{name}", "BufferBase").replace("{sample}", "        pass\n"),
            "buffer_ep.py": "import numpy as np\n\nfrom buffer import BufferBase\n\n\nclass BufferEP(BufferBase):\n"
                            "    def sample(self, batch_size):\n" + SAMPLE}
    pairs = {(p.base.qualname, p.cand.qualname) for p in pair_index(base, cand).pairs if p.base and p.cand}
    assert ("Buffer.sample", "BufferBase.sample") not in pairs
    assert ("Buffer.sample", "BufferEP.sample") in pairs


NET = """
import torch.nn as nn


class {name}(nn.Module):
{init}
    def forward_tail(self, core_output):
        values = self.critic_linear(core_output)
        logits = self.dist_linear(core_output)
        return values, logits

    def forward(self, obs, rnn_states):
        x = self.forward_head(obs)
        x, new_states = self.forward_core(x, rnn_states)
        values, logits = self.forward_tail(x)
        return values, logits, new_states
"""

INLINE_INIT = """    def __init__(self, obs_size, hidden, n_actions):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 8, stride=4)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2)
        self.conv3 = nn.Conv2d(64, 64, 3, stride=1)
        self.fc = nn.Linear(64 * 7 * 7, hidden)
        self.act = nn.ELU()
        if hidden > 256:
            self.core = nn.LSTM(hidden, hidden)
        else:
            self.core = nn.GRU(hidden, hidden)
        self.critic_linear = nn.Linear(hidden, 1)
        self.dist_linear = nn.Linear(hidden, n_actions)
"""

ENCODERS = """import torch.nn as nn


class ConvEncoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 8, stride=4)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2)
        self.conv3 = nn.Conv2d(64, 64, 3, stride=1)


class Head(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc = nn.Linear(64 * 7 * 7, hidden)
        self.act = nn.ELU()


class Core(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.size = hidden
        if hidden > 256:
            self.core = nn.LSTM(hidden, hidden)
        else:
            self.core = nn.GRU(hidden, hidden)
"""

COMPOSED_INIT = """    def __init__(self, encoder, core, n_actions):
        super().__init__()
        self.encoder = encoder
        self.core = core
        self.critic_linear = nn.Linear(core.size, 1)
        self.dist_linear = nn.Linear(core.size, n_actions)
"""


def test_a_method_that_shrank_because_its_body_went_to_new_classes_is_not_paired_by_name() -> None:
    """sample-factory (tuned set, sf-entropy-sign): `ActorCritic` became `_ActorCritic` taking an encoder and a core
    built by new classes of `model_utils.py`; its `__init__` kept 17 % of its tokens. Paired by name, the moved
    `nn.ELU()` read as "Nonlinearity changed: elu -> -" and the constructor as a 35-statement change."""
    base = {"model.py": NET.replace("{name}", "ActorCritic").replace("{init}", INLINE_INIT)}
    cand = {"model.py": NET.replace("{name}", "_ActorCritic").replace("{init}", COMPOSED_INIT),
            "model_utils.py": ENCODERS}
    pairs = {(p.base.qualname, p.cand.qualname) for p in pair_index(base, cand).pairs if p.base and p.cand}
    assert ("ActorCritic.__init__", "_ActorCritic.__init__") not in pairs
    assert ("ActorCritic.forward_tail", "_ActorCritic.forward_tail") in pairs
