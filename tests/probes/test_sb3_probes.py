"""Probes without an adapter on a project that trains with an SB3-style PPO: the whole path
(static detection -> setup -> the real runner -> the built-in child adapter -> the probe's decision)
at both commits of a generated repository that vendors a small SB3-shaped package (`fake_sb3`).

A planted change is confirmed by the probe that measures it (the learning rate passed to PPO by
`lr_trajectory`, the vendored buffer's GAE by `advantage_reference`); the probe of the unchanged
part refutes. One slow test runs the adapter against the real stable_baselines3 when installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from investigator.models import Side
from investigator.probes.builtin.advantage_reference import AdvantageReferenceProbe
from investigator.probes.builtin.lr_trajectory import LrTrajectoryProbe
from investigator.probes.runner import run_job
from investigator.probes.setup import BuiltSetup, SideSource, build_setup
from investigator.workflow.probing import ProbeResources, library_notes
from tests.probes.fake_sb3 import package, train_script
from tests.probes.helpers import run_probe, two_commits

SIDES: tuple[Side, Side] = ("baseline", "candidate")


def _built(files: dict[Side, dict[str, str]]) -> BuiltSetup:
    sources = {s: SideSource(read=files[s].get, paths=lambda s=s: sorted(files[s])) for s in SIDES}  # type: ignore[misc]
    return build_setup(sources, adapter=None, command=None, seeds=1, steps=None, entries=["train.py"])


def _run(tmp_path: Path, baseline: dict[str, str], changed: dict[str, str]) -> tuple[BuiltSetup, Path, dict[Side, str]]:
    files: dict[Side, dict[str, str]] = {"baseline": baseline, "candidate": {**baseline, **changed}}
    repo, base, cand = two_commits(tmp_path, baseline, changed)
    return _built(files), repo, {"baseline": base, "candidate": cand}


def test_a_learning_rate_passed_to_ppo_is_confirmed_and_the_unchanged_gae_refuted(tmp_path: Path) -> None:
    baseline = {**package(), "train.py": train_script(learning_rate=3e-4, gae_lambda=0.95)}
    built, repo, shas = _run(tmp_path, baseline, {"train.py": train_script(learning_rate=1e-3, gae_lambda=0.95)})
    assert built.setup.has_everywhere(["lr_at", "compute_advantages", "make_agent"]), built.notes
    decision, runs = run_probe(LrTrajectoryProbe(), built.setup, repo, shas, tmp_path, auto=built.auto)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].result["source"] == "lr_at" and runs[0].result["lr"][0] == pytest.approx(3e-4)
    assert runs[1].result["lr"][0] == pytest.approx(1e-3)
    assert decision.verdict == "confirmed", decision.summary
    decision, runs = run_probe(AdvantageReferenceProbe(), built.setup, repo, shas, tmp_path, auto=built.auto)
    assert all(r.ok and r.result["matches"] for r in runs), [r.error for r in runs]
    assert decision.verdict == "refuted", decision.summary


def test_gae_changed_in_the_vendored_buffer_is_confirmed_and_the_unchanged_rate_refuted(tmp_path: Path) -> None:
    script = train_script(learning_rate=3e-4)
    bug = {k: v for k, v in package(gae_bug=True).items() if k.endswith("buffers.py")}
    built, repo, shas = _run(tmp_path, {**package(), "train.py": script}, bug)
    decision, runs = run_probe(AdvantageReferenceProbe(), built.setup, repo, shas, tmp_path, auto=built.auto)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].result["matches"] and not runs[1].result["matches"]
    assert runs[1].result["closest_variant"] == "bootstrap_index_shift"
    assert decision.verdict == "confirmed", decision.summary
    decision, runs = run_probe(LrTrajectoryProbe(), built.setup, repo, shas, tmp_path, auto=built.auto)
    assert decision.verdict == "refuted", decision.summary


def test_the_report_note_names_the_probes_possible_and_not() -> None:
    files = {**package(), "train.py": train_script(learning_rate=3e-4)}
    res = ProbeResources(built=_built({"baseline": files, "candidate": files}))
    (note,) = library_notes(res)
    assert note.startswith("Stable-Baselines3 PPO detected at train.py:13 ('MlpPolicy', envs.ToyEnv(seed=3), learning_rate=0.0003")
    possible = note.split("probes possible without an adapter: ")[1].split(";")[0].split(", ")
    assert {"lr_trajectory", "advantage_reference", "checkpoint_load", "gradient_flow", "probe_envs", "obs_stats"} <= set(possible)
    assert "training_run" not in note and note.endswith("not possible: none")
    zoo = {**files, "train.py": train_script().replace('verbose=0)', 'verbose=0, **config)')}
    (note,) = library_notes(ProbeResources(built=_built({"baseline": zoo, "candidate": zoo})))
    assert "probes possible without an adapter: advantage_reference, obs_stats;" in note
    assert "lr_trajectory (constructor arguments not recorded (**config)" in note


@pytest.mark.slow
def test_every_adapter_function_runs_against_the_fake_package(tmp_path: Path) -> None:
    """checkpoint save/load, one update and the optimizer through the built-in adapter (one side)."""
    files = {**package(), "train.py": train_script(learning_rate=3e-4)}
    built = _built({"baseline": files, "candidate": files})
    repo, base, _ = two_commits(tmp_path, files, {"README.md": "x"})
    from investigator.probes.builtin.checkpoint_load import CheckpointLoadProbe
    from investigator.probes.builtin.gradient_flow import GradientFlowProbe
    from investigator.probes.runner import CheckoutCache

    checkout = CheckoutCache(tmp_path / "co", repo / ".git").checkout(base)
    for probe in (CheckpointLoadProbe(), GradientFlowProbe()):
        (job,) = probe.jobs(built.setup, "baseline")
        run = run_job(job, commit=base, checkout=checkout, artifacts=tmp_path / "art", auto=built.auto["baseline"])
        assert run.ok, (run.error, run.result)
        if probe.meta.id == "checkpoint_load":
            assert run.result["loaded"] == run.result["total"] == 8 and run.result["error"] is None
        else:
            assert set(run.result["params"].values()) == {"grad"} and run.result["steps"] == 4  # 2 epochs x 2 minibatches


REAL_TRAIN = '''\
import gymnasium as gym
from stable_baselines3 import PPO

def main():
    model = PPO("MlpPolicy", gym.make("CartPole-v1"), learning_rate=LR, n_steps=128, batch_size=64, n_epochs=2)
    model.learn(total_timesteps=2_000)

LR = 3e-4
if __name__ == "__main__":
    main()
'''


@pytest.mark.slow
def test_real_stable_baselines3_ppo_on_cartpole(tmp_path: Path) -> None:
    pytest.importorskip("stable_baselines3")
    pytest.importorskip("gymnasium")
    files = {"train.py": REAL_TRAIN}
    built = _built({"baseline": files, "candidate": files})
    repo, base, _ = two_commits(tmp_path, files, {"README.md": "x"})
    from investigator.probes.runner import CheckoutCache

    checkout = CheckoutCache(tmp_path / "co", repo / ".git").checkout(base)
    results = {}
    for script in ("advantage_reference", "lr_trajectory", "checkpoint_load", "gradient_flow", "obs_stats"):
        job = AdvantageReferenceProbe().harness_job("baseline", {"steps": 300, "every": 100}, script=script)
        run = run_job(job, commit=base, checkout=checkout, artifacts=tmp_path / "art", auto=built.auto["baseline"])
        assert run.ok, (script, run.error, json.dumps(run.result)[-2000:])
        results[script] = run.result
    assert results["advantage_reference"]["matches"]  # SB3's own GAE is the reference GAE
    assert results["lr_trajectory"]["lr"] == pytest.approx([3e-4] * 4)
    assert results["checkpoint_load"]["loaded"] == results["checkpoint_load"]["total"] > 0
    assert set(results["gradient_flow"]["params"].values()) == {"grad"}
    assert results["obs_stats"]["keys"]["obs"]["shape"] == [4]


@pytest.mark.slow
def test_investigate_without_an_adapter_confirms_the_learning_rate_passed_to_ppo(tmp_path: Path) -> None:
    """The CLI end to end: the note in the report's probe plan, and the probe's verdict on the finding."""
    from investigator.cli import main
    from tests.support.gitrepo import make_repo

    repo = tmp_path / "repo"
    make_repo(repo, [("baseline", {**package(), "train.py": train_script(learning_rate=3e-4)}),
                     ("candidate", {"train.py": train_script(learning_rate=3e-3)})])
    out = tmp_path / "out"
    code = main(["--repo", str(repo), "--baseline-commit", "HEAD~1", "--output", str(out), "--quiet", "--format", "json",
                 "--probes", "lr_trajectory", "--probe-cache", "none"])
    assert code == 0
    report = json.loads((out / "latest.json").read_text())
    notes = report["probe_plan"]["notes"]
    assert any(n.startswith("baseline: Stable-Baselines3 PPO detected at train.py:13") and "learning_rate=0.0003" in n
               for n in notes), notes
    (outcome,) = report["probe_outcomes"]
    assert outcome["probe"] == "lr_trajectory" and outcome["verdict"] == "confirmed", outcome
