"""Wiring edits of real later commits that outranked a real regression (flow/wiring.py), and the cap.

Real shapes (rsl_rl, "Restructure rollout storage" and "Separates the logging functionality from the
runner", read against their diffs): the rollout storage built by the runner and handed to the
algorithm's constructor instead of `self.storage = None` + `alg.init_storage(...)`; `else:
cfg["rnd_cfg"] = None` added to a resolver; `self.num_steps_per_env = self.cfg["num_steps_per_env"]`
dropped for `range(self.cfg["num_steps_per_env"])`; `device=tensor.device` added to a constructor;
a project network built with another input size ranked as an anonymous architecture change.
Each rule has a negative twin that is a real change and keeps its severity."""

from __future__ import annotations

import ast
import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import MAX_SIGNIFICANT, analyse, cap_findings
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _findings(base: dict[str, str], cand: dict[str, str]) -> list[Finding]:
    for text in [*base.values(), *cand.values()]:
        ast.parse(_src(text))  # a fixture that does not parse would give no finding for the wrong reason
    b = MemoryTree({k: _src(v) for k, v in base.items()})
    c = MemoryTree({k: _src(v) for k, v in cand.items()})
    return analyse(build_pairs(b, c, diff_trees(b, c))).findings


def _of(found: list[Finding], name: str) -> Finding:
    hits = [f for f in found if f"`{name}`" in f.title]
    assert len(hits) == 1, [f.title for f in found]
    return hits[0]


# ---- placeholder replaced by an injected value ------------------------------------------------------

ALGO = """
    import torch


    class Storage:
        def __init__(self, n):
            self.obs = torch.zeros(n, 4)

        def batches(self):
            yield self.obs


    class Algo:
        def __init__(self, policy, lr=1e-3):
            self.policy = policy
            self.optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
            STORE

        INIT_STORAGE

        def update(self):
            for obs in self.storage.batches():
                loss = self.policy(obs).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


    def train(policy, n):
        BUILD
        for _ in range(10):
            alg.update()
"""
SETTER = """def init_storage(self, n):
            self.storage = Storage(n)"""


def _algo(store: str, setter: str, build: str, params: str = "policy, lr=1e-3") -> dict[str, str]:
    text = ALGO.replace("STORE", store).replace("INIT_STORAGE", setter).replace("BUILD", build)
    return {"algo.py": text.replace("policy, lr=1e-3", params)}


def test_placeholder_replaced_by_a_constructor_parameter_is_low():
    base = _algo("self.storage = None  # set later", SETTER, "alg = Algo(policy)\n        alg.init_storage(n)")
    cand = _algo("self.storage = storage", "", "alg = Algo(policy, Storage(n))", "policy, storage, lr=1e-3")
    init = _of(_findings(base, cand), "Algo.__init__")
    assert init.severity is Severity.low and "placeholder" in init.rationale, init.rationale
    back = _of(_findings(cand, base), "Algo.__init__")  # the reverse edit is the same wiring
    assert back.severity is Severity.low and "placeholder" in back.rationale, back.rationale


def test_a_placeholder_nothing_fills_is_a_real_value():
    # no setter at the baseline: None *was* the storage there (the update loop never ran)
    base = _algo("self.storage = None", "", "alg = Algo(policy)")
    cand = _algo("self.storage = storage", "", "alg = Algo(policy, Storage(n))", "policy, storage, lr=1e-3")
    init = _of(_findings(base, cand), "Algo.__init__")
    assert init.severity is Severity.significant and "placeholder" not in init.rationale


# ---- a missing key normalised to None -----------------------------------------------------------------

RESOLVE = """
    def resolve(cfg):
        if TEST:
            cfg["bonus"]["weight"] *= 0.5
        ELSE
        return cfg


    def train(model, optimizer, data, cfg):
        cfg = resolve(cfg)
        for x in data:
            loss = model(x).mean()
            if cfg.get("bonus") is not None:
                loss = loss + cfg["bonus"]["weight"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _resolve(test: str, orelse: str = "") -> dict[str, str]:
    return {"train.py": RESOLVE.replace("TEST", test).replace("ELSE", orelse)}


def test_key_set_to_none_only_where_missing_or_none_is_low():
    for test in ('"bonus" in cfg and cfg["bonus"] is not None', 'cfg.get("bonus") is not None', '"bonus" in cfg'):
        found = _findings(_resolve(test), _resolve(test, 'else:\n            cfg["bonus"] = None'))
        f = _of(found, "resolve")
        assert f.severity is Severity.low and "missing or None" in f.rationale, (test, f.rationale)


def test_key_set_to_none_where_it_may_hold_a_value_is_a_change():
    # `if cfg.get(k):` is false for an empty dict, which the else arm now replaces by None
    found = _findings(_resolve('cfg.get("bonus")'), _resolve('cfg.get("bonus")', 'else:\n            cfg["bonus"] = None'))
    assert _of(found, "resolve").severity is Severity.significant
    # a value other than None in the same arm is a real default
    test = '"bonus" in cfg and cfg["bonus"] is not None'
    found = _findings(_resolve(test), _resolve(test, 'else:\n            cfg["bonus"] = {"weight": 1.0}'))
    assert _of(found, "resolve").severity is Severity.significant


# ---- an attribute copy read in place ------------------------------------------------------------------

RUNNER = """
    class Runner:
        def __init__(self, env, alg, cfg):
            self.env = env
            self.alg = alg
            self.cfg = cfg
            COPY

        def learn(self):
            obs = self.env.reset()
            for _ in range(STEPS):
                actions = self.alg.act(obs)
                obs, rewards, dones, infos = self.env.step(actions)


    def main(env, alg, cfg):
        Runner(env, alg, cfg).learn()
"""


def _runner(copy: str, steps: str) -> dict[str, str]:
    return {"runner.py": RUNNER.replace("COPY", copy).replace("STEPS", steps)}


def test_attribute_copy_read_in_place_is_low():
    base = _runner('self.num_steps = self.cfg["num_steps"]', "self.num_steps")
    cand = _runner("", 'self.cfg["num_steps"]')
    found = _findings(base, cand)
    assert found, "the removed copy and the loop header are changed statements"
    for f in found:
        assert f.severity is Severity.low and "same value" in f.rationale, f.rationale


def test_attribute_copy_replaced_by_another_value_is_a_change():
    base = _runner('self.num_steps = self.cfg["num_steps"]', "self.num_steps")
    cand = _runner("", 'self.cfg["num_eval_steps"]')
    found = _findings(base, cand)
    assert any(f.severity is Severity.significant for f in found), [(f.title, f.severity) for f in found]


# ---- device placement only ----------------------------------------------------------------------------

PAD = """
    import torch


    def pad(x, n):
        out = torch.zeros(n, x.shape[1]ARGS)
        out[: x.shape[0]] = x
        return out


    def train(model, optimizer, data, n):
        for x in data:
            loss = model(pad(x, n)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def test_device_argument_only_is_the_device_path():
    found = _findings({"t.py": PAD.replace("ARGS", "")}, {"t.py": PAD.replace("ARGS", ", device=x.device")})
    f = _of(found, "pad")
    assert f.severity is Severity.low and "device path" in f.title, f.title


def test_device_argument_beside_another_change_keeps_its_place():
    found = _findings({"t.py": PAD.replace("ARGS", "")}, {"t.py": PAD.replace("ARGS", ", device=x.device").replace(
        "torch.zeros(", "torch.ones(")})
    f = _of(found, "pad")
    assert f.severity is Severity.significant and "device path" not in f.title, f.title


# ---- the significant cap --------------------------------------------------------------------------------

def _finding(k: int, path: str, severity: Severity, known: bool = False, file: str | None = None) -> Finding:
    return Finding(id=f"f{k}", source="behavioural_change", subsystem="env", severity=severity, confidence=0.7,
                   title=f"f{k}", evidence=[Evidence(kind=EvidenceKind.code, summary="",
                                                     details={"path": path, "known": known})],
                   locations=[Location(path=file, line=1, side="candidate")] if file else [])


def test_a_change_with_a_known_meaning_keeps_its_significant_slot():
    found = [_finding(k, "environment", Severity.significant) for k in range(MAX_SIGNIFICANT + 1)]
    found.append(_finding(99, "architecture", Severity.significant, known=True))
    cap_findings(found)
    known = next(f for f in found if f.id == "f99")
    assert known.severity is Severity.significant and found[0] is known
    assert sum(f.severity is Severity.significant for f in found) == MAX_SIGNIFICANT


def test_anonymous_findings_beyond_the_cap_are_low_in_place_order():
    found = [_finding(99, "architecture", Severity.significant)]
    found += [_finding(k, "environment", Severity.significant) for k in range(MAX_SIGNIFICANT)]
    cap_findings(found)
    last = next(f for f in found if f.id == "f99")
    assert found[-1] is last and last.severity is Severity.low and "stay significant" in last.rationale
    assert all(f.severity is Severity.significant for f in found[:-1])


def test_examples_do_not_take_the_librarys_significant_seats():
    """PARL c5a4a771..02a99f68: once examples were analysed, the PPO example scripts (out of scope unless the entry
    runs them) took the seats and the library's `PPO.learn` went low."""
    found = [_finding(k, "loss", Severity.significant, file=f"examples/algo{k}/train.py") for k in range(MAX_SIGNIFICANT)]
    found.append(_finding(99, "optimizer", Severity.significant, file="parl/algorithms/ppo.py"))
    cap_findings(found)
    assert all(f.severity is Severity.significant for f in found)


def test_examples_compete_among_themselves_for_seats():
    found = [_finding(k, "loss", Severity.significant, file=f"examples/algo{k}/train.py") for k in range(MAX_SIGNIFICANT + 1)]
    cap_findings(found)
    assert sum(f.severity is Severity.significant for f in found) == MAX_SIGNIFICANT
    library = [_finding(k, "loss", Severity.significant, file=f"lib/algo{k}.py") for k in range(MAX_SIGNIFICANT)]
    library.append(_finding(99, "optimizer", Severity.significant, file="examples/train.py"))
    cap_findings(library)  # a library file beside an example: the example is not counted among the library's
    assert all(f.severity is Severity.significant for f in library)


# ---- a network built with other arguments ---------------------------------------------------------------

NETWORKS = {
    "pkg/__init__.py": "",
    "pkg/networks/__init__.py": "from .mlp import MLP\nfrom .config import Settings\n",
    "pkg/networks/mlp.py": """
        import torch.nn as nn


        class MLP(nn.Sequential):
            def __init__(self, input_dim, output_dim, hidden):
                super().__init__(nn.Linear(input_dim, hidden), nn.ELU(), nn.Linear(hidden, output_dim))
    """,
    "pkg/networks/config.py": """
        class Settings:
            def __init__(self, size, scale):
                self.size = size
                self.scale = scale
    """,
}
TEACHER = """
    import torch.nn as nn

    from pkg.networks import MLP, Settings


    class StudentTeacher(nn.Module):
        def __init__(self, num_obs, num_actions, hidden_dim):
            super().__init__()
            self.student = MLP(num_obs, num_actions, 64)
            BUILD

        def forward(self, obs):
            return self.student(obs) - self.teacher(obs)


    def train(data, optimizer):
        model = StudentTeacher(8, 2, 16)
        for obs in data:
            loss = model(obs).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _teacher(build: str) -> dict[str, str]:
    return {**NETWORKS, "pkg/policy.py": TEACHER.replace("BUILD", build)}


def test_project_network_built_with_another_input_size_is_a_layer_size_change():
    found = _findings(_teacher("self.teacher = MLP(num_obs, num_actions, 64)"),
                      _teacher("self.teacher = MLP(hidden_dim, num_actions, 64)"))
    f = _of(found, "StudentTeacher.__init__")
    assert f.title.startswith("Network built with other arguments") and f.confidence >= 0.75, (f.title, f.confidence)
    assert f.severity is Severity.significant


def test_other_arguments_to_a_plain_project_class_are_no_network_change():
    found = _findings(_teacher("self.teacher = MLP(num_obs, num_actions, 64)\n        self.cfg = Settings(num_obs, 1.0)"),
                      _teacher("self.teacher = MLP(num_obs, num_actions, 64)\n        self.cfg = Settings(num_obs, 2.0)"))
    hits = [f for f in found if "StudentTeacher" in f.title]  # still a change of the network, with no known meaning
    assert len(hits) == 1 and not hits[0].title.startswith("Network built") and hits[0].confidence < 0.75, \
        [(f.title, f.confidence) for f in found]
