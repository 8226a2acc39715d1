"""A key the code hands on as an argument it leaves out when the key is absent: the callee's default applies.

Real shape (PufferLib 9aa817f7..d4d17e69): `config.yaml` sections picked at run time by `--env` lost
`env_name: squared` / `env_name: pokemon_red`; `demo.py` reads `make_name = env_config.get('env_name',
None)`, passes `*([make_name] if make_name else [])` to `env_module.env_creator` of a module imported
by name (`importlib.import_module(f'...{pkg_name}')`), whose `def env_creator(name='squared')` gives the
same value. Both were "Config `…env_name` removed from the effective configuration" (significant, #4
and #5 of the range). Negatives: a removed value another than any callee's default, and a getter whose
None is passed on as an argument (the callee then gets None, not its default).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

DEMO = '''\
    import argparse
    import importlib

    import yaml


    def load_config(parser, config_path='config.yaml'):
        args, _ = parser.parse_known_args()
        with open(config_path) as f:
            config = yaml.safe_load(f)
        env_config = config[args.env]
        pkg_name = env_config.get('package', args.env)
        env_module = importlib.import_module(f'envs.{pkg_name}')
        make_name = env_config.get('env_name', None)
        make_env_args = [make_name] if make_name else []
        make_env = env_module.env_creator(*make_env_args)
        train = {**config['default']['train'], **env_config.get('train', {})}
        return make_env, train


    if __name__ == '__main__':
        parser = argparse.ArgumentParser()
        parser.add_argument('--env', default='pong')
        make_env, train = load_config(parser)
        make_env().learn(train['lr'])
'''

CREATOR = '''\
    def env_creator(name='{name}'):
        return lambda: make(name)


    def make(name):
        return name
'''

CONFIG = '''\
    default:
      train:
        lr: 0.001
    pong:
      package: pong
      env_name: PONG
      train:
        lr: 0.0003
    breakout:
      package: breakout
      env_name: breakout
'''


def _run(tmp_path: Path, removed: str, demo: str = DEMO) -> AnalyzerResult:
    files = {"demo.py": demo, "config.yaml": CONFIG.replace("PONG", removed),
             "envs/__init__.py": "", "envs/pong/__init__.py": "from .environment import env_creator\n",
             "envs/pong/environment.py": CREATOR.format(name="pong"),
             "envs/breakout/__init__.py": "from .environment import env_creator\n",
             "envs/breakout/environment.py": CREATOR.format(name="breakout")}
    cand = {"config.yaml": textwrap.dedent(files["config.yaml"]).replace(f"  env_name: {removed}\n", "")}
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in files.items()}, "baseline")
    c = commit_files(repo, cand, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _env_name(result: AnalyzerResult) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in result.findings if "env_name" in f.title]


def test_a_removed_key_equal_to_the_default_of_the_argument_left_out_is_identical(tmp_path):
    result = _run(tmp_path, "pong")
    assert _env_name(result) == []
    assert any("pong.env_name" in v.what and "env_creator(name=" in v.how for v in result.verified)


def test_a_removed_key_that_no_callee_defaults_to_is_still_a_finding(tmp_path):
    assert _env_name(_run(tmp_path, "pong-hard"))


def test_a_key_passed_on_as_none_is_no_omitted_argument(tmp_path):
    demo = DEMO.replace("make_env = env_module.env_creator(*make_env_args)",
                        "make_env = env_module.env_creator(make_name)")
    assert _env_name(_run(tmp_path, "pong", demo))


def test_none_got_leaves_filter_keeps_every_leaf_omitted_arguments_finds() -> None:
    """`none_got_leaves` (one walk per module) names every leaf `omitted_arguments` finds a call for, on the
    demo and on every module of the project (what `ReadIndex.omitted_defaults` skips finds nothing)."""
    import ast

    from investigator.config.defaults import none_got_leaves, omitted_arguments

    demo = ast.parse(textwrap.dedent(DEMO))
    assert omitted_arguments(demo, "env_name") == [("env_creator", 0)]
    assert "env_name" in none_got_leaves(demo) and "package" not in none_got_leaves(demo)
    extra = ast.parse("def f(c):\n    v = c.get('k', 1)\n    w = c.get(k2)\n    g(*([v] if v else []))\n")
    assert none_got_leaves(extra) == {}
    root = Path(__file__).resolve().parents[2] / "investigator"
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        leaves = none_got_leaves(tree)
        words = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        for leaf in sorted(words)[:200]:
            if omitted_arguments(tree, leaf):
                assert leaf in leaves, (path, leaf)
