"""The command line: exit codes, one-line errors, reports in every format."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from investigator.cli import main
from tests.support.gitrepo import commit_files, git


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
    reports = sorted(p for p in out_dir.iterdir() if not p.is_symlink())
    assert [p.suffix for p in reports] == [".html", ".json", ".md"]
    assert all(re.fullmatch(r"investigation-[0-9a-f]{7}-[0-9a-f]{7}-\d{8}-\d{6}-[0-9a-f]{6}", p.stem) for p in reports)
    assert len({p.stem for p in reports}) == 1
    for p in reports:  # latest.<fmt> links the report just written; printed paths are the real files
        assert (out_dir / f"latest{p.suffix}").resolve() == p.resolve() and str(p) in out
    data = json.loads(next(out_dir.glob("*.json")).read_text())
    assert data["schema_version"] == "1.3"
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

    from tests.support.metric_logs import write_tensorboard_run

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


def test_two_runs_into_one_directory_keep_both_reports(small_repo, tmp_path, capsys):
    """Unique names, atomic writes: a second run never overwrites the first; latest follows the newest."""
    out_dir = tmp_path / "out"
    argv = ["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(out_dir), "--quiet", "--format", "json"]
    assert _run(argv, capsys)[0] == 0
    first = json.loads((out_dir / "latest.json").read_text())
    assert _run(argv, capsys)[0] == 0
    second = json.loads((out_dir / "latest.json").read_text())
    reports = sorted(out_dir.glob("investigation-*.json"))
    assert len(reports) == 2 and first["run_id"] != second["run_id"]
    assert {json.loads(p.read_text())["run_id"] for p in reports} == {first["run_id"], second["run_id"]}
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_latest_never_replaces_a_users_file(small_repo, tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "latest.md").write_text("mine\n")
    code, out, _ = _run(["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(out_dir), "--quiet"], capsys)
    assert code == 0 and (out_dir / "latest.md").read_text() == "mine\n"
    assert len(list(out_dir.glob("investigation-*.md"))) == 1


@pytest.mark.parametrize(
    ("make_output", "needle"),
    [
        (lambda t: (t / "f.txt", (t / "f.txt").write_text("x"))[0], "is a file, not a directory"),
        (lambda t: (t / "f.txt" / "sub", (t / "f.txt").write_text("x"))[0], "cannot be created: "),
        (lambda t: t / "f.txt" / "a" / "b" if (t / "f.txt").write_text("x") else None, "is a file"),
        (lambda t: __import__("pathlib").Path("/proc/investigator-out"), "is not writable"),
        (lambda t: __import__("pathlib").Path("/proc"), "is not writable"),
    ],
)
def test_bad_output_path_is_refused_before_any_analysis(small_repo, tmp_path, capsys, make_output, needle):
    output = make_output(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, out, err = _run(["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(output)], capsys)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("investigate: error: --output") and needle in lines[0], lines
    assert out == ""  # no progress, no report line: nothing was analysed
    assert sorted(tmp_path.rglob("*")) == before


def test_read_only_output_directory_is_refused(small_repo, tmp_path, capsys, monkeypatch):
    """A read-only mount (EROFS): reproduced by making the probe fail as the kernel would."""
    import errno
    import tempfile

    out_dir = tmp_path / "ro"
    out_dir.mkdir()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code, out, err = _run(["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(out_dir)], capsys)
    assert code == 2 and err.strip() == f"investigate: error: --output {out_dir} is not writable: Read-only file system"
    assert list(out_dir.iterdir()) == []


def test_html_report_never_reads_an_image_path_from_a_commit_message(tmp_path, capsys):
    """A commit message is repository content: its image references are shown as text, never read."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nSECRET-BYTES-0123456789")
    out_dir = tmp_path / "out"
    (out_dir / "figures").mkdir(parents=True)
    (out_dir / "figures" / "planted.png").write_bytes(b"\x89PNG\r\n\x1a\nPLANTED-FIGURE")
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "base")
    git(repo, "tag", "base")
    message = f"tune ![a]({secret}) ![b](../secret.png) ![c](figures/planted.png) <img src='{secret}'>"
    commit_files(repo, {"train.py": "LR = 1e-3\n"}, message)
    code, out, err = _run(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out_dir), "--quiet", "--format", "html", "--format", "md"], capsys)
    assert code == 0, err
    page = next(out_dir.glob("investigation-*.html")).read_text()
    md = next(out_dir.glob("investigation-*.md")).read_text()
    assert f"tune !\\[a]({secret})" in md  # inert in any markdown viewer too
    import base64

    for payload in (secret.read_bytes(), (out_dir / "figures" / "planted.png").read_bytes()):
        assert base64.b64encode(payload).decode()[:24] not in page
    assert "data:image" not in page and "<img" not in page
    assert f"tune ![a]({secret})" in page  # shown as the text it is
    assert "&lt;img src=" in page  # raw HTML in repository text is escaped, not rendered


def test_html_embeds_the_figures_this_run_wrote(tmp_path):
    from investigator.report.html import render_html

    (tmp_path / "figures").mkdir()
    ours, theirs = b"\x89PNG\r\n\x1a\nOURS", b"\x89PNG\r\n\x1a\nNOT-OURS"
    (tmp_path / "figures" / "metrics_overview.png").write_bytes(ours)
    (tmp_path / "figures" / "other.png").write_bytes(theirs)
    text = "# t\n\n![curves](figures/metrics_overview.png)\n\n![x](figures/other.png)\n"
    page = render_html(text, "t", tmp_path, {"figures/metrics_overview.png"})
    import base64

    assert f'src="data:image/png;base64,{base64.b64encode(ours).decode()}" alt="curves"' in page
    assert base64.b64encode(theirs).decode() not in page
    assert "[image not shown: x (figures/other.png)]" in page
    # a listed path that escapes the output directory is still never read
    assert "data:image" not in render_html("![s](../s.png)\n", "t", tmp_path / "figures", {"../s.png"})


def test_reports_that_cannot_be_written_after_the_analysis_are_kept_elsewhere(small_repo, tmp_path, capsys, monkeypatch):
    """The output directory passed the check, then failed (disk full): the work is not thrown away."""
    import errno

    import investigator.report.writer as writer

    out_dir = tmp_path / "out"
    real = writer.atomic_write_text

    def disk_full(path, text):
        if path.parent == out_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    monkeypatch.setattr(writer, "atomic_write_text", disk_full)
    code, out, err = _run(["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(out_dir), "--quiet", "--format", "json"], capsys)
    assert code == 2
    line = err.strip()
    assert line.startswith(f"investigate: error: the reports could not be written to {out_dir} (No space left on device); written to ")
    kept = Path(line.rsplit("written to ", 1)[1].removesuffix(" instead"))
    try:
        report = json.loads(next(kept.glob("investigation-*.json")).read_text())
        assert report["findings"] and f"json report: {kept}" in out
    finally:
        shutil.rmtree(kept)


def test_internal_error_mid_run_keeps_the_finished_steps_as_a_partial_report(small_repo, tmp_path, capsys, monkeypatch):
    """Exit 3 and one line, as before, but the analyzers' results are no longer thrown away."""
    import investigator.workflow.graph as graph

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(graph, "rank_findings", boom)
    out_dir = tmp_path / "out"
    code, out, err = _run(["--repo", str(small_repo), "--baseline-commit", "base", "--output", str(out_dir), "--quiet", "--format", "json"], capsys)
    assert code == 3
    line = err.strip()
    assert "\n" not in line and line.startswith("investigate: internal error: RuntimeError: boom; partial report: ")
    path = line.split("partial report: ", 1)[1].split(" (rerun with --debug", 1)[0]
    report = json.loads(Path(path).read_text())
    assert report["incomplete"]["reason"] == "stopped by an internal error (RuntimeError)"
    assert {"resolve", "diff", "triage", "analyze:diff_overview"} <= set(report["incomplete"]["finished_steps"])
    assert [f["source"] for f in report["findings"]] == ["diff_overview"]


def test_internal_error_before_any_step_writes_nothing(tmp_path, capsys, monkeypatch):
    import investigator.workflow.graph as graph

    def boom(*args, **kwargs):
        raise RuntimeError("early")

    monkeypatch.setattr(graph, "open_repository", boom)
    code, out, err = _run(["--repo", str(tmp_path), "--baseline-commit", "x", "--output", str(tmp_path / "o"), "--quiet"], capsys)
    assert code == 3 and err.strip() == "investigate: internal error: RuntimeError: early (rerun with --debug for the traceback)"
    assert not (tmp_path / "o").exists()
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


def test_help_lists_the_subcommands(capsys):
    code, out, _ = _run(["--help"], capsys)
    assert code == 0
    assert all(re.search(rf"^\s+{name}\s", out, re.MULTILINE) for name in ("run", "demo", "explain"))


def test_run_is_the_default_command(tmp_path, capsys):
    argv = ["--repo", str(tmp_path / "nope"), "--baseline-commit", "HEAD"]
    implicit, explicit = _run(argv, capsys), _run(["run", *argv], capsys)
    assert implicit == explicit and implicit[0] == 2 and "does not exist" in implicit[2]


def test_explain_list_prints_every_unit_with_kind_and_subsystem(capsys):
    from investigator.units import all_units

    code, out, err = _run(["explain", "--list"], capsys)
    assert code == 0 and not err
    rows = [line.split() for line in out.splitlines()]
    assert all(len(row) == 3 for row in rows)
    assert len(rows) == len(all_units()) == len({row[0] for row in rows})
    assert ["gae_index", "detector", "ppo"] in rows and ["final_performance", "metric_rule", "other"] in rows
    assert ["config_forensics", "analyzer", "-"] in rows and ["yaml", "extractor", "-"] in rows
    assert _run(["explain", "--list"], capsys)[1] == out  # a stable order


def test_explain_prints_a_units_documentation(capsys):
    code, out, _ = _run(["explain", "gae_index"], capsys)
    assert code == 0
    assert out.startswith("gae_index: GAE / lambda-return indexing\n")
    for needle in ("kind: detector", "subsystem: ppo", "severity: critical", "hypotheses: ppo.gae_changed",
                   "Rationale:\n  The TD error", "Fix:\n  Restore the baseline indices",
                   "Documentation:\n  GAE / lambda-return index shifts"):
        assert needle in out
    code, out, _ = _run(["explain", "throughput_drop"], capsys)
    assert code == 0 and "kind: metric_rule" in out and "severity: significant (low for drops under 20%)" in out


def test_explain_documents_each_probe_under_either_spelling(capsys):
    """Probes are units: `explain` shows their metadata; `training-run` (the issue's and `--probes`'
    spelling) names `training_run`."""
    code, out, _ = _run(["explain", "training-run"], capsys)
    assert code == 0 and out.startswith("training_run: ") and "kind: probe" in out
    code, out, _ = _run(["explain", "advantage_reference"], capsys)
    assert code == 0 and "kind: probe" in out and "hypotheses: ppo.gae_changed" in out


@pytest.mark.parametrize(("argv", "needle"), [
    (["explain", "gae_index_shift"], "unknown unit id 'gae_index_shift' (did you mean gae_index?)"),
    (["explain", "zzzz"], "unknown unit id 'zzzz'; `investigate explain --list`"),
    (["explain"], "give a unit id, or --list"),
])
def test_explain_an_unknown_id_is_one_line_and_exit_2(capsys, argv, needle):
    code, out, err = _run(argv, capsys)
    assert code == 2 and not out
    assert err.count("\n") == 1 and needle in err


def test_a_reader_that_leaves_early_is_not_an_internal_error(monkeypatch, capsys):
    """`investigate explain --list | head -1`: the closed pipe ends the command quietly with the
    shell's SIGPIPE status, not "internal error: BrokenPipeError"."""
    import investigator.cli as cli

    silenced: list[bool] = []

    def closed_pipe(argv):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "_dispatch", closed_pipe)
    monkeypatch.setattr(cli, "_silence_stdout", lambda: silenced.append(True))
    assert cli.main(["explain", "--list"]) == 141
    assert silenced == [True]
    assert "internal error" not in capsys.readouterr().err



def test_html_colours_cells_that_hold_only_a_severity(tmp_path):
    from investigator.report.html import render_html

    text = ("| # | severity | finding |\n|---|---|---|\n| 1 | critical | a |\n| 2 | low | the low road |\n"
            "| 3 | significant | b |\n\nA critical paragraph.\n")
    page = render_html(text, "t", tmp_path)
    for severity in ("critical", "significant", "low"):
        assert f'<td class="sev sev-{severity}">{severity}</td>' in page
    assert "<td>the low road</td>" in page and "<p>A critical paragraph.</p>" in page  # only whole cells
