from __future__ import annotations

import subprocess

from investigator.cli import main


def test_demo_command_generates_and_reports(tmp_path, capsys):
    code = main(["demo", "--workdir", str(tmp_path / "work"), "--output", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "md report:" in out and "json report:" in out and "html report:" in out
    assert (tmp_path / "work" / "gridarena-ppo" / ".git").is_dir()
    assert len(list((tmp_path / "out").glob("*.md"))) == 1


def test_demo_repository_history_and_markers(demo_repo):
    log = subprocess.run(["git", "log", "--format=%s"], cwd=demo_repo.path, capture_output=True, text=True, check=True).stdout
    assert "Refactor: move configuration from YAML into Python classes and recipes" in log
    for planted in demo_repo.planted:
        for side in ("baseline", "candidate"):
            path, line = demo_repo.locate(planted, side)
            assert line >= 1


def test_demo_without_plants_has_no_planted_differences(tmp_path):
    from investigator.demo import generate_demo_repo

    clean = generate_demo_repo(tmp_path / "clean", plant_code=False, plant_config=False)
    assert clean.planted == ()
    ppo_base = clean.show(clean.baseline, "rlproj/ppo.py")
    assert ppo_base == clean.show(clean.candidate, "rlproj/ppo.py")


def test_demo_with_training_runs_feeds_the_metric_analyzer(tmp_path, capsys, monkeypatch):
    """One short run per commit, each in its own exported checkout and subprocess (relative paths)."""
    import json

    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--workdir", "w", "--output", "o", "--runs", "1", "--steps", "3072", "--quiet", "--format", "json", "--format", "html"])
    assert code == 0
    assert "training run baseline seed 1: ok" in capsys.readouterr().err
    report = json.loads(next((tmp_path / "o").glob("*.json")).read_text())
    assert "metric_forensics" in report["analyzers"]["ran"]
    assert any(s["id"].startswith("metric") or "Training metrics" in s["title"] for s in report["sections"])
    # one seed per side: numbers are reported but no critical metric verdict is drawn
    assert not any(f["source"].startswith("metric") and f["severity"] == "critical" for f in report["findings"])
    assert not [f for f in report["failures"] if f["source"] == "metric_forensics"], report["failures"]
    assert list((tmp_path / "w" / "runs" / "baseline").glob("seed1/progress.csv"))
    assert report["artifacts"] and all((tmp_path / "o" / a).is_file() for a in report["artifacts"])
    html = next((tmp_path / "o").glob("*.html")).read_text()
    assert "data:image/png;base64," in html  # plots are embedded, the page stands alone
