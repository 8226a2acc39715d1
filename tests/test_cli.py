"""The command line: exit codes, one-line errors, reports in every format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from investigator.cli import main
from tests.conftest import commit_files, git


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def small_repo(tmp_path):
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n\ndef broken(:\n"}, "cand")
    return repo


@pytest.mark.parametrize(
    ("argv_fn", "needle"),
    [
        (lambda r, t: ["--repo", str(t / "nope"), "--baseline-commit", "HEAD"], "does not exist"),
        (lambda r, t: ["--repo", str(t), "--baseline-commit", "HEAD"], "not a git repository"),
        (lambda r, t: ["--repo", str(r), "--baseline-commit", "nosuchref"], "unknown baseline ref"),
        (lambda r, t: ["--repo", str(r), "--baseline-commit", "HEAD", "--candidate-commit", "main"], "same commit"),
        (lambda r, t: ["--repo", str(r)], "--baseline-commit is required"),
        (lambda r, t: [], "give --repo"),
        (lambda r, t: ["--repo", str(r), "--baseline-commit", "base", "--format", "pdf"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(small_repo, tmp_path, capsys, argv_fn, needle):
    code, out, err = _run(argv_fn(small_repo, tmp_path), capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in err + out


def test_unrelated_histories_exit_2(small_repo, capsys):
    git(small_repo, "checkout", "-q", "--orphan", "other")
    git(small_repo, "rm", "-rq", "--cached", ".")
    commit_files(small_repo, {"x.py": "x = 1\n"}, "orphan")
    code, _, err = _run(["--repo", str(small_repo), "--baseline-commit", "main", "--candidate-commit", "other", "--quiet"], capsys)
    assert code == 2 and "unrelated histories" in err


def test_fail_on_threshold_sets_exit_code(small_repo, tmp_path, capsys):
    argv = ["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(tmp_path / "out"), "--quiet"]
    code, out, _ = _run([*argv, "--fail-on", "significant"], capsys)
    assert code == 1  # the candidate's train.py no longer parses: a significant finding
    code, _, _ = _run([*argv, "--fail-on", "critical"], capsys)
    assert code == 0
    code, _, _ = _run(argv, capsys)
    assert code == 0


def test_writes_every_format(small_repo, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, _ = _run(
        ["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(out_dir), "--quiet", "--format", "md", "--format", "json", "--format", "html"],
        capsys,
    )
    assert code == 0
    files = sorted(p.suffix for p in out_dir.iterdir())
    assert files == [".html", ".json", ".md"]
    data = json.loads(next(out_dir.glob("*.json")).read_text())
    assert data["schema_version"] == "1.0"
    assert data["findings"][0]["rank"] == 1
    assert "<table>" in next(out_dir.glob("*.html")).read_text()


def test_console_script_runs_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "investigator.cli", "--repo", str(tmp_path / "missing"), "--baseline-commit", "HEAD"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "does not exist" in proc.stderr


def test_logs_only_mode_needs_no_repository(tmp_path, capsys):
    """TensorBoard runs at both commits, 4 seeds each, the candidate clearly worse: exit 1 on --fail-on."""
    import numpy as np

    from investigator.metrics.synthetic import write_tensorboard_run

    steps = np.arange(0, 20_000, 500)
    for side, final in (("base", 400.0), ("cand", 150.0)):
        for seed in range(4):
            rng = np.random.default_rng(seed)
            curve = final * (1 - np.exp(-steps / 4000)) + rng.normal(0, 5, len(steps))
            write_tensorboard_run(tmp_path / side / f"seed{seed}", {"charts/episodic_return": (steps.tolist(), curve.tolist())})
    out_dir = tmp_path / "out"
    code, out, err = _run(
        ["--baseline-runs", str(tmp_path / "base" / "*"), "--candidate-runs", str(tmp_path / "cand" / "*"), "--output", str(out_dir), "--quiet", "--format", "json", "--fail-on", "critical"],
        capsys,
    )
    assert code == 1, err
    data = json.loads(next(out_dir.glob("*.json")).read_text())
    assert data["range"] is None
    top = data["findings"][0]
    assert top["severity"] == "critical" and any(e["kind"] == "metric" for e in top["evidence"])


def _one_line_exit_2(argv, capsys, out_dir):
    code, out, err = _run([*argv, "--output", str(out_dir), "--quiet"], capsys)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err + out, err
    assert not out_dir.exists()  # nothing is written for an input error
    return lines[0]


def test_git_errors_name_their_cause(small_repo, tmp_path, capsys, monkeypatch):
    """Issue 12 item 8: each git refusal carries its true reason, in one line, exit 2."""
    monkeypatch.setenv("INVESTIGATOR_CACHE", str(tmp_path / "cache"))
    out_dir = tmp_path / "out"
    line = _one_line_exit_2(["--repo", "https://127.0.0.1:9/x.git", "--baseline-commit", "HEAD~1"], capsys, out_dir)
    assert line.startswith("investigate: error: cannot clone https://127.0.0.1:9/x.git: unable to access ")
    assert "Failed to connect to 127.0.0.1 port 9" in line
    line = _one_line_exit_2(["--repo", str(small_repo), "--baseline-commit", "HEAD^{tree}"], capsys, out_dir)
    assert line == "investigate: error: baseline ref 'HEAD^{tree}' names a tree, not a commit"
    line = _one_line_exit_2(["--repo", str(small_repo), "--baseline-commit", "base:train.py"], capsys, out_dir)
    assert line == "investigate: error: baseline ref 'base:train.py' names a blob, not a commit"
    from tests.test_git_layer import _ambiguous_prefix

    prefix = _ambiguous_prefix(small_repo)
    line = _one_line_exit_2(["--repo", str(small_repo), "--baseline-commit", prefix], capsys, out_dir)
    assert line == f"investigate: error: ambiguous baseline ref '{prefix}': matches 2 objects (2 blobs); give more hex digits"


def test_shallow_clone_exit_2_names_the_shallow_boundary(small_repo, tmp_path, capsys):
    git(small_repo, "checkout", "-q", "-b", "side", "base")
    commit_files(small_repo, {"side.py": "s = 1\n"}, "side")
    git(small_repo, "checkout", "-q", "main")
    commit_files(small_repo, {"more.py": "m = 1\n"}, "more")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{small_repo}", str(shallow)], check=True)
    line = _one_line_exit_2(["--repo", str(shallow), "--baseline-commit", "origin/side", "--candidate-commit", "origin/main"], capsys, tmp_path / "out")
    assert line.startswith(f"investigate: error: {shallow} is a shallow clone: no common ancestor of baseline ")
    assert line.endswith("(the merge base lies beyond the shallow boundary); `git fetch --unshallow` fetches the full history")


def test_unborn_head_with_both_refs_runs(small_repo, tmp_path, capsys):
    git(small_repo, "checkout", "-q", "--orphan", "fresh")
    code, out, err = _run(["--repo", str(small_repo), "--baseline-commit", "base", "--candidate-commit", "main", "--output", str(tmp_path / "out"), "--quiet"], capsys)
    assert code == 0, err
    assert list((tmp_path / "out").glob("*.md"))
    line = _one_line_exit_2(["--repo", str(small_repo), "--baseline-commit", "base"], capsys, tmp_path / "out2")
    assert line == (f"investigate: error: candidate ref 'HEAD': HEAD of {small_repo} is unborn (branch 'fresh' has no "
                    "commits yet); give --candidate-commit explicitly")


def test_half_written_clone_cache_is_rebuilt(small_repo, tmp_path, capsys, monkeypatch):
    import hashlib

    monkeypatch.setenv("INVESTIGATOR_CACHE", str(tmp_path / "cache"))
    url = f"file://{small_repo}"
    entry = tmp_path / "cache" / "repos" / hashlib.sha256(url.encode()).hexdigest()[:16]
    entry.mkdir(parents=True)  # what a clone killed at its start leaves
    argv = ["--repo", url, "--baseline-commit", "base", "--candidate-commit", "main", "--output", str(tmp_path / "out"), "--quiet"]
    code, _, err = _run(argv, capsys)
    assert code == 0, err
    assert (entry / "HEAD").exists()


def test_partial_clone_offline_records_unreadable_files_and_writes_the_report(tmp_path, capsys):
    """The changed blobs are local, the unchanged ones are not and the promisor is gone: the run
    goes on, and each file an analyzer could not read is a recorded failure in the report."""
    src = tmp_path / "src"
    files = {"train.py": "import yaml\n\ncfg = yaml.safe_load(open('config.yaml'))\nLR = cfg['lr']\n",
             "config.yaml": "lr: 0.001\n", "model.py": "WIDTH = 64\n"}
    commit_files(src, files, "base")
    git(src, "tag", "base")
    commit_files(src, {"model.py": "WIDTH = 32\n"}, "cand")
    git(src, "config", "uploadpack.allowFilter", "true")
    git(src, "config", "uploadpack.allowAnySHA1InWant", "true")
    clone = tmp_path / "partial.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", f"file://{src}", str(clone)], check=True)
    for rev in ("base:model.py", "main:model.py"):  # what the diff needs arrives while the remote is there
        subprocess.run(["git", f"--git-dir={clone}", "cat-file", "-p", git(src, "rev-parse", rev)], check=True, capture_output=True)
    src.rename(tmp_path / "gone")
    out = tmp_path / "out"
    code = main(["--repo", str(clone), "--baseline-commit", "base", "--output", str(out), "--format", "json", "--quiet"])
    _, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(next(out.glob("*.json")).read_text())
    unread = [f for f in data["failures"] if f["source"] == "git"]
    assert unread and all("could not be read (could not fetch " in f["message"] and f["message"].endswith("analysed as absent")
                          for f in unread)
    assert {f["path"] for f in unread} <= {"train.py", "config.yaml"}
