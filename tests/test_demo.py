from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from investigator.cli import main
from investigator.demo.command import MARKER


def test_demo_command_generates_and_reports(tmp_path, capsys):
    code = main(["demo", "--workdir", str(tmp_path / "work"), "--output", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert "md report:" in out and "json report:" in out and "html report:" in out
    assert (tmp_path / "work" / "gridarena-ppo" / ".git").is_dir()
    assert len(list((tmp_path / "out").glob("investigation-*.md"))) == 1
    assert (tmp_path / "out" / "latest.md").is_symlink()


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
    # 2,048 steps (4 PPO updates) give every plotted metric at least two points on each side, as 3,072 did, in
    # two thirds of the training time; 1,024 leaves a metric with one point (an empty plot)
    code = main(["demo", "--workdir", "w", "--output", "o", "--runs", "1", "--steps", "2048", "--quiet", "--format", "json", "--format", "html"])
    assert code == 0
    assert "training run baseline seed 1: ok" in capsys.readouterr().err
    report = json.loads(next((tmp_path / "o").glob("investigation-*.json")).read_text())
    assert "metric_forensics" in report["analyzers"]["ran"]
    assert any(s["id"].startswith("metric") or "Training metrics" in s["title"] for s in report["sections"])
    # one seed per side: numbers are reported but no critical metric verdict is drawn
    assert not any(f["source"].startswith("metric") and f["severity"] == "critical" for f in report["findings"])
    assert not [f for f in report["failures"] if f["source"] == "metric_forensics"], report["failures"]
    assert list((tmp_path / "w" / "runs" / "baseline").glob("seed1/progress.csv"))
    assert report["artifacts"] and all((tmp_path / "o" / a).is_file() for a in report["artifacts"])
    # figures of this run live in their own folder: a second run into "o" cannot overwrite them
    assert all(a.startswith(f"figures/{report['run_id']}/") for a in report["artifacts"])
    html = next((tmp_path / "o").glob("investigation-*.html")).read_text()
    assert "data:image/png;base64," in html  # plots are embedded, the page stands alone


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_demo_refuses_a_non_empty_directory_it_did_not_create(tmp_path, capsys):
    """The data-loss case: a directory with a `.git` and a file stays exactly as it was."""
    work = tmp_path / "mine"
    (work / ".git").mkdir(parents=True)
    (work / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (work / "notes.txt").write_text("precious\n")
    code = main(["demo", "--workdir", str(work), "--output", str(tmp_path / "out"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    line = _one_line(err)
    assert line.startswith(f"investigate: error: --workdir {work} is not empty and was not created by `investigate demo`")
    assert sorted(p.name for p in work.rglob("*")) == [".git", "HEAD", "notes.txt"]
    assert (work / "notes.txt").read_text() == "precious\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("workdir", "needle"),
    [
        (lambda t: Path("."), "is the current directory or one of its parents"),
        (lambda t: t.parent, "is the current directory or one of its parents"),
        (lambda t: Path("/"), "is the filesystem root"),
        (lambda t: Path("~").expanduser(), "is your home directory"),
    ],
)
def test_demo_refuses_protected_places_even_when_marked(tmp_path, capsys, monkeypatch, workdir, needle):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / MARKER).write_text("forged\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "keep.py").write_text("x = 1\n")
    monkeypatch.chdir(project)
    code = main(["demo", "--workdir", str(workdir(project)), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2 and needle in _one_line(err)
    assert (project / "keep.py").read_text() == "x = 1\n" and sorted(p.name for p in project.iterdir()) == ["keep.py"]


def test_demo_reuses_its_own_directory_and_keeps_the_users_files(tmp_path, capsys):
    work = tmp_path / "work"
    argv = ["demo", "--workdir", str(work), "--output", str(tmp_path / "out"), "--quiet", "--format", "json"]
    assert main(argv) == 0
    assert (work / MARKER).is_file()
    (work / "gridarena-ppo" / "stale.txt").write_text("from the last demo\n")
    (work / "my-notes.md").write_text("mine\n")
    capsys.readouterr()
    assert main(argv) == 0
    assert not (work / "gridarena-ppo" / "stale.txt").exists()  # the demo's own repository was regenerated
    assert (work / "my-notes.md").read_text() == "mine\n"  # what the user added is untouched
    assert len(list((tmp_path / "out").glob("investigation-*.json"))) == 2


def test_demo_recognises_a_demo_written_before_the_marker(tmp_path, capsys):
    from investigator.demo import generate_demo_repo

    work = tmp_path / "old"
    generate_demo_repo(work / "gridarena-ppo", plant_code=False)
    assert main(["demo", "--workdir", str(work), "--output", str(tmp_path / "out"), "--quiet", "--format", "json"]) == 0
    assert (work / MARKER).is_file()
    # a look-alike with a foreign entry is not a demo
    (work / MARKER).unlink()
    (work / "x.txt").write_text("x\n")
    capsys.readouterr()
    assert main(["demo", "--workdir", str(work), "--quiet"]) == 2
    assert "not empty" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--runs", "-1"], "argument --runs: must be at least 0, got -1"),
        (["--runs", "two"], "argument --runs: expected an integer, got 'two'"),
        (["--steps", "0"], "argument --steps: must be at least 512, got 0"),
        (["--format", "pdf"], "argument --format: invalid choice"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_demo_argument_errors_are_one_line(tmp_path, capsys, args, needle):
    code = main(["demo", "--workdir", str(tmp_path / "w"), *args])
    out, err = capsys.readouterr()
    line = _one_line(err)
    assert code == 2 and line.startswith("investigate demo: error: ") and needle in line and line.endswith("(see --help)")
    assert not (tmp_path / "w").exists()


def test_demo_checks_output_before_generating(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    code = main(["demo", "--workdir", str(tmp_path / "w"), "--output", str(tmp_path / "f"), "--quiet"])
    assert code == 2 and "--output" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "w").exists()


def test_demo_runs_without_torch_is_one_clear_line_and_nothing_written(tmp_path, capsys, monkeypatch):
    """The training runs are PyTorch code: with torch not importable (None in sys.modules is how
    Python marks a blocked import) `--runs` is refused up front, before any directory is created."""
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)
    code = main(["demo", "--workdir", str(tmp_path / "w"), "--output", str(tmp_path / "o"), "--runs", "1", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    line = _one_line(err)
    assert line.startswith("investigate: error: --runs trains the demo with PyTorch, which is not installed")
    assert '".[demo]"' in line and "Traceback" not in err
    assert not (tmp_path / "w").exists() and not (tmp_path / "o").exists()


def test_demo_without_runs_does_not_need_torch(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)
    code = main(["demo", "--workdir", str(tmp_path / "w"), "--output", str(tmp_path / "o"), "--quiet", "--format", "json"])
    assert code == 0, capsys.readouterr().err
    assert len(list((tmp_path / "o").glob("investigation-*.json"))) == 1
