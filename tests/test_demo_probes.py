"""`investigate demo --probes`: the demo adapter works at both commits (YAML config at the baseline,
Python recipes at the candidate), and the probes decide what static analysis found or left open.

The end-to-end run is marked slow (about three minutes on 2 idle cores with every probe unit): run it with
`pytest -m slow tests/test_demo_probes.py`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from investigator.cli import main
from investigator.demo.command import write_adapter
from investigator.sandbox import export_commit

CHECK = r'''
import json, sys, tempfile, os
sys.path.insert(0, ".")
import importlib.util
spec = importlib.util.spec_from_file_location("adapter", sys.argv[1]); a = importlib.util.module_from_spec(spec); spec.loader.exec_module(a)
import torch
agent = a.make_agent(1); opt = a.make_optimizer(agent)
norms = []
step = opt.step
def recording_step(*args, **kwargs):
    norms.append(float(torch.norm(torch.stack([p.grad.norm() for p in agent.parameters() if p.grad is not None]))))
    return step(*args, **kwargs)
opt.step = recording_step
a.update_step(agent, opt, 1)
g = torch.Generator().manual_seed(0)
rewards, values = torch.randn(8, 2, generator=g), torch.randn(8, 2, generator=g)
dones = torch.zeros(8, 2); dones[3, 0] = 1
adv, ret = a.compute_advantages(rewards, values, dones, torch.zeros(2), torch.zeros(2), 0.99, 0.95)
path = os.path.join(tempfile.mkdtemp(), "agent.pt")
a.save_checkpoint(agent, path); fresh = a.make_agent(2); a.load_checkpoint(fresh, path)
same = all(torch.equal(x, y) for x, y in zip(agent.state_dict().values(), fresh.state_dict().values()))
env = a.make_env(1); obs = env.reset()
print(json.dumps({"norms": norms, "adv": adv.flatten().tolist(), "loaded": same, "obs": list(obs.shape),
                  "lr": opt.param_groups[0]["lr"]}))
'''


def test_demo_adapter_runs_the_projects_code_at_both_commits(demo_repo, tmp_path):
    adapter = write_adapter(tmp_path)
    out = {}
    for side, sha in (("baseline", demo_repo.baseline), ("candidate", demo_repo.candidate)):
        checkout = export_commit(demo_repo.path / ".git", sha, tmp_path / side)
        proc = subprocess.run([sys.executable, "-c", CHECK, str(adapter)], cwd=checkout, capture_output=True, text=True, timeout=120,
                              env={"PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr[-2000:]
        out[side] = json.loads(proc.stdout.strip().splitlines()[-1])
    base, cand = out["baseline"], out["candidate"]
    assert len(base["norms"]) == 1 and base["norms"][0] <= 0.5 + 1e-4  # the baseline clips to max_grad_norm
    assert cand["norms"][0] > 5 * 0.5  # the candidate does not: the batch is large enough to show it
    assert base["adv"] != pytest.approx(cand["adv"])  # the GAE index shift changes the advantages
    assert base["loaded"] and cand["loaded"] and base["obs"] == cand["obs"] == [8, 15]
    assert base["lr"] == cand["lr"] == 0.00025


@pytest.mark.slow
def test_demo_with_probes_writes_probe_runs_and_probe_evidence(tmp_path, capsys):
    code = main(["demo", "--probes", "--workdir", str(tmp_path / "work"), "--output", str(tmp_path / "out"), "--format", "json",
                 "--format", "md", "--quiet", "--probe-cache", "none", "--yes",
                 "--probe-budget", "1200",  # a loaded machine must not turn a seed budget into a verdict
                 "--no-bisect"])  # bisection in an investigation has its own test (tests/bisect); here it only took time
    assert code == 0
    data = json.loads(next((tmp_path / "out").glob("investigation-*.json")).read_text())
    assert (tmp_path / "work" / "probe_adapter.py").is_file()  # written outside the demo repository
    runs = data["probes"]
    assert runs and all({"probe", "side", "commit", "status", "device", "wall_s", "summary", "cached"} <= set(r) for r in runs)
    outcomes = {o["probe"]: o for o in data["probe_outcomes"]}
    hypotheses = {h["key"]: h for h in data["hypotheses"]}
    # a hypothesis static analysis left open, refuted by running the code
    assert outcomes["lr_trajectory"]["verdict"] == "refuted"
    schedule = hypotheses["trainer.lr_schedule_changed"]
    assert schedule["status"] == "refuted" and schedule["decided_by"] == "lr_trajectory"
    assert schedule["probe_evidence"][0]["kind"] == "probe"
    by_source = {f["source"].rsplit(".", 1)[-1]: f for f in data["findings"]}
    expected = {"advantage_reference": "gae_index", "grad_norm_at_step": "grad_clip"}  # probe -> the finding it confirms
    for probe, detector in expected.items():
        if probe in outcomes:  # probe units merged from their own branches
            assert outcomes[probe]["verdict"] == "confirmed", outcomes[probe]
            kinds = [e["kind"] for e in by_source[detector]["evidence"]]
            assert "probe" in kinds and "code" in kinds  # probe evidence beside the static evidence
    if "training_run" in outcomes:  # chosen by the critical findings: the reward change shows in 3 seeds
        assert outcomes["training_run"]["verdict"] == "confirmed", outcomes["training_run"]["summary"]
        gem = next(f for f in data["findings"] if "env.rewards.gem" in f["title"])
        assert any(e["kind"] == "probe" and e["details"]["probe"] == "training_run" for e in gem["evidence"])
    assert data.get("bisection") is None and not any(t["step"] == "bisect" for t in data["timings"])  # --no-bisect
    md = next((tmp_path / "out").glob("investigation-*.md")).read_text()
    assert "## Probe experiments" in md and "refuted (probe `lr_trajectory`)" in md
