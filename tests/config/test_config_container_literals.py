"""A config container built from a mapping holds the same keys as one filled by attribute assignments.

Real shape (jaxrl_m 7e8d8fe0..54ef8acb, examples/mujoco/iql.py:131): IQL's `get_default_config` went from
`config = ml_collections.ConfigDict(); config.discount = 0.99; ...` to `ml_collections.ConfigDict({'discount':
0.99, ...})` with the same values; the literal was unread and `discount` was filed "removed from the effective
configuration" (critical). `ConfigDict(dict(...))`, keyword construction and `config.update({...})` are the same
shape. Negative: a value the rewrite does change is still reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from investigator.config.extractors.python import parse_module
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

TRAIN = '''\
    from absl import app

    import iql


    def main(_):
        config = iql.get_default_config()
        agent = iql.create_learner(0, **config)
        agent.update()


    if __name__ == "__main__":
        app.run(main)
'''
IQL = '''\
    import ml_collections


    class Agent:
        def __init__(self, discount, expectile, tau):
            self.discount, self.expectile, self.tau = discount, expectile, tau

        def update(self):
            return self.discount * self.expectile + self.tau


    def create_learner(seed, discount=0.9, expectile=0.8, tau=0.01, dropout_rate=None):
        return Agent(discount, expectile, tau)


    def get_default_config():
    {body}
        return config
'''
ASSIGNED = '''\
    config = ml_collections.ConfigDict()
    config.discount = 0.99
    config.expectile = 0.7
    config.dropout_rate = None
    config.tau = 0.005
'''
LITERAL = '''\
    config = ml_collections.ConfigDict({
        'discount': {discount},
        'expectile': 0.7,
        'dropout_rate': ml_collections.config_dict.placeholder(float),
        'tau': 0.005,
    })
'''
DICT_CALL = '''\
    config = ml_collections.ConfigDict(dict(discount={discount}, expectile=0.7))
    config.update({'dropout_rate': None, 'tau': 0.005})
'''


def _iql(body: str) -> str:
    return textwrap.dedent(IQL).replace("{body}", textwrap.indent(textwrap.dedent(body), "    ").rstrip("\n"))


def _run(tmp_path: Path, body: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"train.py": textwrap.dedent(TRAIN), "iql.py": _iql(ASSIGNED)}, "baseline")
    c = commit_files(repo, {"iql.py": _iql(body)}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


@pytest.mark.parametrize("body", [LITERAL, DICT_CALL], ids=["dict-literal", "dict-call-and-update"])
def test_a_container_rebuilt_from_a_mapping_keeps_its_keys(tmp_path: Path, body: str) -> None:
    result = _run(tmp_path, body.replace("{discount}", "0.99"))
    titles = [f.title for f in result.findings]
    assert not any("discount" in t or "tau" in t or "expectile" in t or "dropout_rate" in t for t in titles), titles


@pytest.mark.parametrize("body", [LITERAL, DICT_CALL], ids=["dict-literal", "dict-call-and-update"])
def test_a_value_the_rewrite_changes_is_still_reported(tmp_path: Path, body: str) -> None:
    result = _run(tmp_path, body.replace("{discount}", "0.9"))
    hits = [f for f in result.findings if "discount" in f.title]
    assert hits and "0.99 → 0.9" in hits[0].title and "removed" not in hits[0].title, [f.title for f in
                                                                                        result.findings]
    assert hits[0].severity.value in ("critical", "significant")


def test_the_container_forms_read_as_attribute_assignments() -> None:
    code = textwrap.dedent('''\
        import ml_collections
        from easydict import EasyDict


        def get_config():
            config = ml_collections.ConfigDict({'lr': 3e-4, 'net': ml_collections.ConfigDict({'width': 256})})
            config.update(tau=0.005)
            other = EasyDict(gamma=0.99)
            data = {'x': 1}
            data.update({'y': 2})
            rl_config = config_dict.create(discounting=0.995, network=config_dict.create(width=32))
            rl_config.discounting = 0.95
            kwargs = dict(z=3)
            model_config = ConfigDict(extra="forbid")
            return config
    ''')
    fn = parse_module("cfg.py", code).functions["get_config"]
    got = {".".join(a.chain): a.values[0].value for a in fn.assignments}
    assert got == {"config.lr": 3e-4, "config.net.width": 256, "config.tau": 0.005, "other.gamma": 0.99,
                   "rl_config.discounting": 0.95, "rl_config.network.width": 32}
    assert [a.values[0].value for a in fn.assignments if a.chain == ["rl_config", "discounting"]] == [0.995, 0.95]
