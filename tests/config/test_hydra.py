from investigator.config.hydra import compose

from .helpers import side_of


def composed(files, primary="conf/train.yaml", overrides=None):
    side = side_of(files)
    comp = compose(side.load, primary, overrides)
    table = {}
    for e in comp.entries:
        table[e.key] = e
    return table, comp


BASE = {
    "conf/train.yaml": """\
        defaults:
          - trainer: ppo
          - env: arena
          - optional logger: null
          - _self_
        seed: 1
        name: run-${trainer.lr}-${oc.env:USER}
        lr_copy: ${trainer.lr}
        rel: ${.seed}
        missing_ref: ${nope.x}
    """,
    "conf/trainer/ppo.yaml": """\
        defaults:
          - optim: adam
        lr: 3.0e-4
        epochs: 4
    """,
    "conf/trainer/optim/adam.yaml": "eps: 1.0e-5\n",
    "conf/trainer/sgd.yaml": "lr: 0.1\n",
    "conf/env/arena.yaml": "num_envs: 64\nrewards:\n  gem: 0.2\n",
    "conf/env/global_tweak.yaml": "# @package _global_\nseed: 7\n",
}


def test_groups_nested_groups_and_self_order():
    table, comp = composed(BASE)
    assert table["trainer.lr"].value == 3e-4 and table["trainer.lr"].path == "conf/trainer/ppo.yaml"
    assert table["trainer.optim.eps"].value == 1e-5  # nested group relative to its parent group
    assert table["env.rewards.gem"].line == 3
    assert table["seed"].value == 1
    assert "conf/trainer/optim/adam.yaml" in comp.files
    assert not any(k.startswith("logger") for k in table)  # null option skipped


def test_interpolations_resolved_or_raw():
    table, _ = composed(BASE)
    assert table["lr_copy"].value == 3e-4 and table["lr_copy"].literal  # type kept
    assert table["rel"].value == 1
    assert table["name"].literal is False and "${oc.env:USER}" in table["name"].value  # resolver stays raw
    assert table["missing_ref"].literal is False


def test_command_line_group_choice_and_value_override():
    table, _ = composed(BASE, overrides=["trainer=sgd", "seed=5"])
    assert table["trainer.lr"].value == 0.1
    assert "trainer.epochs" not in table
    assert table["seed"].value == 5 and table["seed"].path == "<command line>"


def test_override_and_package_header_and_at_package():
    files = dict(BASE)
    files["conf/train.yaml"] = """\
        defaults:
          - trainer: ppo
          - env@environment: arena
          - env/global_tweak
          - override trainer: sgd
        seed: 1
    """
    table, _ = composed(files)
    assert table["trainer.lr"].value == 0.1  # `override` replaced the earlier choice
    assert table["environment.num_envs"].value == 64  # group@package
    assert table["seed"].value == 1  # _self_ last by default: primary wins over the global tweak


def test_missing_group_file_is_noted_not_fatal():
    files = {"conf/train.yaml": "defaults:\n  - trainer: nope\n  - _self_\nseed: 1\n"}
    table, comp = composed(files)
    assert table["seed"].value == 1
    assert any("not found" in n for n in comp.notes)
