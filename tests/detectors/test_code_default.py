"""A literal replaced by a configuration field whose code default is that literal is identical at the
default, unless a configuration sets the key to another value.

Real shape (CORL, within the `corl-dt-traj-len` benchmark range): IQL's
`torch.optim.Adam(v_network.parameters(), lr=3e-4)` -> `lr=config.vf_lr` with a new dataclass field
`vf_lr: float = 3e-4` (and `qf_lr`, `actor_lr`); the per-task YAML files of IQL set `vf_lr: 3e-4`.
It was "Optimizer changed", significant, the range's first finding. Negatives: a configuration file
that sets the key to another value, a field whose default differs from the literal, config forensics'
effective value that differs.
"""

from __future__ import annotations

from types import SimpleNamespace

from investigator.detectors.codedefault import _defaulted, split
from investigator.detectors.engine import run_detectors
from investigator.detectors.guards import apply_guards
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.models import AnalyzerResult, Severity

SCRIPT = '''\
from dataclasses import dataclass

import torch


@dataclass
class TrainConfig:
    env: str = "halfcheetah-medium-v2"
    batch_size: int = 256
{fields}

def train(config: TrainConfig):
    v_network = torch.nn.Linear(17, 1)
    actor = torch.nn.Linear(17, 6)
    v_optimizer = torch.optim.Adam(v_network.parameters(), lr={v_lr})
    actor_optimizer = torch.optim.Adam(actor.parameters(), lr={actor_lr})
    for _ in range(10):
        loss = v_network(torch.randn(4, 17)).mean() + actor(torch.randn(4, 17)).mean()
        v_optimizer.zero_grad()
        actor_optimizer.zero_grad()
        loss.backward()
        v_optimizer.step()
        actor_optimizer.step()


if __name__ == "__main__":
    train(TrainConfig())
'''
BASE = SCRIPT.format(fields="", v_lr="3e-4", actor_lr="3e-4")
FIELDS = "    vf_lr: float = {vf}  # V function learning rate\n    actor_lr: float = 3e-4\n"


def _cand(vf: str = "3e-4") -> str:
    return SCRIPT.format(fields=FIELDS.format(vf=vf), v_lr="config.vf_lr", actor_lr="config.actor_lr")


def _run(base: dict[str, str], cand: dict[str, str], effective: dict[str, dict[str, object]] | None = None
         ) -> AnalyzerResult:
    b, c = MemoryTree(base), MemoryTree(cand)
    result = run_detectors(b, c, diff_trees(b, c), only={"optimizer_ctor"})
    results = {"code_detectors": result}
    if effective is not None:
        results["config_forensics"] = AnalyzerResult(analyzer="config_forensics", data={"effective_config": effective})
    revised = apply_guards(results, SimpleNamespace(baseline=b, candidate=c))
    return revised.get("code_detectors", result)


YAML = "env: halfcheetah-medium-v2\nvf_lr: {vf}\nbatch_size: 256\n"


def test_literal_replaced_by_a_field_of_the_same_default_is_no_effect() -> None:
    base = {"algorithms/iql.py": BASE, "configs/iql/halfcheetah.yaml": YAML.format(vf="3e-4").replace("vf_lr: 3e-4\n", "")}
    cand = {"algorithms/iql.py": _cand(), "configs/iql/halfcheetah.yaml": YAML.format(vf="3e-4"),
            "configs/iql/hopper.yaml": YAML.format(vf="0.0003")}
    result = _run(base, cand)
    assert not [f for f in result.findings if "Optimizer" in f.title], [f.title for f in result.findings]
    items = [n for n in result.no_effect if "Optimizer" in n.title]
    assert items and "identical at the code default" in items[0].reason
    assert "`vf_lr` (code default 0.0003, candidate)" in items[0].reason and "set it to the same value" in items[0].reason
    assert "`actor_lr` (code default 0.0003, candidate): no configuration sets it" in items[0].reason


def test_a_configuration_file_that_sets_another_value_keeps_the_finding() -> None:
    base = {"algorithms/iql.py": BASE}
    cand = {"algorithms/iql.py": _cand(), "configs/iql/hopper.yaml": YAML.format(vf="1e-3")}
    result = _run(base, cand)
    found = [f for f in result.findings if "Optimizer" in f.title]
    assert found and found[0].severity is Severity.significant, [f.title for f in result.findings]
    assert "`configs/iql/hopper.yaml:2` sets it to 1e-3" in found[0].rationale


def test_a_launch_script_flag_with_another_value_keeps_the_finding() -> None:
    cand = {"algorithms/iql.py": _cand(), "run.sh": "python algorithms/iql.py --vf-lr 1e-3\n"}
    found = [f for f in _run({"algorithms/iql.py": BASE}, cand).findings if "Optimizer" in f.title]
    assert found and "`run.sh:1` sets it to 1e-3" in found[0].rationale


def test_effective_values_of_config_forensics_decide_where_they_exist() -> None:
    cand = {"algorithms/iql.py": _cand(), "configs/iql/hopper.yaml": YAML.format(vf="3e-4")}
    effective = {"baseline": {"train_config.batch_size": 256},
                 "candidate": {"train_config.vf_lr": 0.001, "train_config.batch_size": 256}}
    found = [f for f in _run({"algorithms/iql.py": BASE}, cand, effective).findings if "Optimizer" in f.title]
    assert found and found[0].severity is Severity.significant


def test_a_field_whose_default_differs_from_the_literal_is_a_change() -> None:
    result = _run({"algorithms/iql.py": BASE}, {"algorithms/iql.py": _cand(vf="1e-3")})
    found = [f for f in result.findings if "Optimizer" in f.title]
    assert found and found[0].severity is Severity.significant, [f.title for f in result.findings]
    assert "code default" not in found[0].rationale


def test_placeholders_read_as_their_defaults() -> None:
    found: dict[str, str] = {}
    assert _defaulted("lr=config[vf_lr=0.0003], betas=config[betas=(0.9, [1, 2])]", found) == \
        "lr=0.0003, betas=(0.9, [1, 2])"
    assert found == {"vf_lr": "0.0003", "betas": "(0.9, [1, 2])"}
    assert _defaulted("lr=config[lr]", {}) == "lr=config[lr]"  # no default known: stays a read

    class F:
        def __init__(self, key: tuple) -> None:
            self.key = key

    b, c = F(("Adam", ("lr=0.0003",))), F(("Adam", ("lr=config[vf_lr=0.0003]",)))
    kept_b, kept_c, nb, nc, keys = split([b], [c])
    assert not kept_b and not kept_c and nb == [b] and nc == [c] and keys == {"candidate": {"vf_lr": "0.0003"}}
    other = F(("Adam", ("lr=config[vf_lr=0.001]",)))
    assert split([b], [other])[2] == []


def test_only_the_configuration_files_named_after_the_script_count() -> None:
    # one script per algorithm: another algorithm's files set the same key otherwise
    cand = {"algorithms/offline/iql.py": _cand(), "configs/offline/iql/hopper.yaml": YAML.format(vf="3e-4"),
            "configs/finetune/iql/hopper.yaml": YAML.format(vf="3e-4"),
            "configs/finetune/spot/hopper.yaml": YAML.format(vf="1e-4")}
    result = _run({"algorithms/offline/iql.py": BASE}, cand)
    items = [n for n in result.no_effect if "Optimizer" in n.title]
    assert items and "`configs/offline/iql/hopper.yaml:2`" in items[0].reason, [f.title for f in result.findings]
    assert "finetune" not in items[0].reason
    # a file named after the script that sets another value keeps it
    cand["configs/offline/iql/walker.yaml"] = YAML.format(vf="1e-3")
    found = [f for f in _run({"algorithms/offline/iql.py": BASE}, cand).findings if "Optimizer" in f.title]
    assert found and "`configs/offline/iql/walker.yaml:2` sets it to 1e-3" in found[0].rationale
