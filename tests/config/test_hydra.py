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


# mtrl f7f8ddcf..e282c3f5 config/config.yaml (Hydra 1.0): the options of later groups are named through the first
# entry's choice, `- experiment: ${defaults.0.setup}`, `- agent/components: ${defaults.0.setup}_actor`
INTERPOLATED = {
    "conf/train.yaml": """\
        defaults:
          - setup: metaworld
          - experiment: ${defaults.0.setup}
          - agent/components: ${defaults.0.setup}_actor
          - metrics: ${setup}
        seed: 1
    """,
    "conf/setup/metaworld.yaml": "save_dir: logs\n",
    "conf/setup/hipbmdp.yaml": "save_dir: logs\n",
    "conf/experiment/metaworld.yaml": "# @package _group_\nnum_train_steps: 1000000\n",
    "conf/experiment/hipbmdp.yaml": "# @package _group_\nnum_train_steps: 500000\n",
    "conf/agent/components/metaworld_actor.yaml": "# @package _group_\nactor:\n  num_layers: 3\n",
    "conf/agent/components/hipbmdp_actor.yaml": "# @package _group_\nactor:\n  num_layers: 4\n",
    "conf/metrics/metaworld.yaml": "# @package _group_\nevery: 10\n",
    "conf/metrics/hipbmdp.yaml": "# @package _group_\nevery: 20\n",
}


def test_defaults_list_options_named_through_another_entry_are_composed():
    table, comp = composed(INTERPOLATED)
    assert table["experiment.num_train_steps"].value == 1000000
    assert table["agent.components.actor.num_layers"].value == 3
    assert table["metrics.every"].value == 10
    assert not any("not found" in n for n in comp.notes), comp.notes


def test_defaults_list_interpolation_follows_the_command_line_choice():
    table, comp = composed(INTERPOLATED, overrides=["setup=hipbmdp"])
    assert table["experiment.num_train_steps"].value == 500000
    assert table["agent.components.actor.num_layers"].value == 4
    assert table["metrics.every"].value == 20


def test_defaults_list_interpolation_of_an_unknown_entry_is_left_as_written():
    files = dict(INTERPOLATED)
    files["conf/train.yaml"] = files["conf/train.yaml"].replace("${defaults.0.setup}_actor", "${defaults.7.setup}_actor")
    table, comp = composed(files)
    assert not any(k.startswith("agent.components") for k in table)
    assert any("not found" in n and "${defaults.7.setup}" in n for n in comp.notes), comp.notes
