"""Configuration plumbing: a changed `--config` option or loader is covered by config forensics'
key-by-key comparison when it compared both commits, and is still reported when it did not.

The real shape: a refactor that moves configuration from YAML files into Python classes removes
`parser.add_argument("--config", ...)` and `load_config(path)` from the entry; the demo's report
listed it as "Behavioural change in the environment path: `main`" next to config forensics' correct
findings on the same values."""

from __future__ import annotations

import ast
import textwrap

import pytest

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from investigator.flow.plumbing import _is_config_call

BASE = textwrap.dedent('''
    import argparse

    from rlproj.config_loader import load_config
    from rlproj.envs import make_env


    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--config", default="configs/train.yaml")
        parser.add_argument("--seed", type=int, default=1)
        args = parser.parse_args()
        cfg = load_config(args.config)
        env = make_env(cfg["env"], args.seed)
        obs = env.reset()
        for _ in range(100):
            obs, reward, done, info = env.step(obs)


    if __name__ == "__main__":
        main()
''').lstrip()

CAND = (BASE.replace('        parser.add_argument("--config", default="configs/train.yaml")\n', "")
        .replace("from rlproj.config_loader import load_config", "from recipes.arena import train_config")
        .replace("cfg = load_config(args.config)", "cfg = train_config()"))


def _run(base: str, cand: str, config_compared: bool):
    b, c = MemoryTree({"train.py": base}), MemoryTree({"train.py": cand})
    return analyse(build_pairs(b, c, diff_trees(b, c)), config_compared=config_compared)


def test_config_loading_refactor_is_covered_by_config_forensics():
    result = _run(BASE, CAND, config_compared=True)
    assert result.findings == []
    item = next(n for n in result.no_effect if n.title.startswith("Configuration plumbing"))
    assert "train.py:main" in item.title and "config forensics" in item.reason


def test_without_a_configuration_comparison_the_same_change_is_reported():
    result = _run(BASE, CAND, config_compared=False)
    assert [f.evidence[0].details["path"] for f in result.findings] == ["environment"]


def test_a_non_configuration_change_next_to_it_is_still_reported():
    cand = CAND.replace('make_env(cfg["env"], args.seed)', 'make_env(cfg["env"], args.seed + 1)')
    result = _run(BASE, cand, config_compared=True)
    assert len(result.findings) == 1 and "make_env" in result.findings[0].evidence[0].details["flow"]


@pytest.mark.parametrize(("source", "plumbing"), [
    ("parser.add_argument('--lr', type=float)", True),
    ("yaml.safe_load(open(path))", True),
    ("json.load(f)", True),
    ("OmegaConf.merge(a, b)", True),
    ("asdict(train_config())", True),
    ("cfg.get('lr', 3e-4)", True),
    ("torch.load(path)", False),  # a checkpoint, not configuration
    ("make_env(cfg)", False),
    ("model.get('weights')", False),
    ("load(path)", False),  # a bare loader of unknown format
    ("dataclasses.replace(cfg, lr=3e-4)", True),
    ("vars(args)", True),
    ("dict(lr=3e-4, gamma=0.99)", True),
    ("self.config.copy()", True),
    # real shape (cleanrl, JAX): a flax dataclass of rollout storage gets its value targets by `.replace`
    ("storage.replace(advantages=advantages, returns=advantages + storage.values)", False),
    ("copy.deepcopy(model)", False),
    ("dict(batch)", False),
    # real shape (sample-factory v1.120.1..v1.120.2): `parser = add_ngc_args(parser)` in the runner's parser
    ("add_ngc_args(parser)", True),
    ("add_ppo_arguments(parser, defaults)", False),  # a second argument that is no configuration object
    ("add_noise(cfg)", False),  # not an option registrar
    ("add_args(model)", False),  # handed something other than a parser or configuration
])
def test_configuration_calls(source, plumbing):
    call = ast.parse(source, mode="eval").body
    assert isinstance(call, ast.Call)
    assert all(_is_config_call(c) for c in ast.walk(call) if isinstance(c, ast.Call)) is plumbing
