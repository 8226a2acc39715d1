"""Hostile and pathological files in the repository: each is a recorded per-file failure that names
the file and the side, the run goes on, the report is written, and nothing unread is reported as a
change (issue 12, items 2-4 and their neighbours). Each case is a small generated git repository."""

from __future__ import annotations

import json
import time

import pytest

from investigator.cli import main
from tests.support.gitrepo import commit_files, git

BASE_YAML = "trainer:\n  lr: 0.00025\n  batch_size: 64\n  epochs: 10\n  gamma: 0.99\nenv:\n  name: cartpole\n  num_envs: 8\n"
TRAIN = ("import yaml\n\n\ndef main():\n    cfg = yaml.safe_load(open('config/train.yaml'))\n"
         "    print(cfg['trainer']['lr'], cfg['trainer']['batch_size'], cfg['env']['num_envs'])\n\n\n"
         "if __name__ == '__main__':\n    main()\n")
LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")


def alias_bomb(levels: int = 9) -> str:
    """Ten aliases of ten aliases of ... : a few hundred bytes that expand to 10**levels nodes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _investigate(tmp_path, candidate: dict[str, str | bytes | None], capsys, base: dict | None = None,
                 extra: tuple[str, ...] = ()) -> tuple[int, str, str, str]:
    repo = tmp_path / "repo"
    commit_files(repo, base or {"train.py": TRAIN, "config/train.yaml": BASE_YAML}, "base")
    git(repo, "tag", "base")
    commit_files(repo, candidate, "cand")
    out = tmp_path / "out"
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--quiet",
                 "--fail-on", "low", "--format", "md", "--format", "json", *extra])
    stdout, stderr = capsys.readouterr()
    reports = sorted(out.glob("*.md"))
    assert reports, f"no report written: {stdout} {stderr}"
    assert sorted(out.glob("*.json")), "json report not written"
    return code, stdout, stderr, reports[0].read_text()


def _failures(md: str) -> list[str]:
    tail = md.split("Recorded failures", 1)
    assert len(tail) == 2, "no recorded failures section"
    return [ln for ln in tail[1].splitlines()[1:] if ln.startswith("- ")]


def _assert_no_config_findings(md: str) -> None:
    """Nothing of the unread file may read as a removed, added or changed value."""
    for word in ("removed from the effective configuration", "added to the effective configuration",
                 "`trainer.lr`", "`trainer.batch_size`"):
        assert word not in md


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param(LFS_POINTER, "git-LFS pointer", id="lfs-pointer"),
        pytest.param(BASE_YAML.replace("  lr", "\tlr"), "does not parse", id="tabs"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "binary content", id="binary"),
        # over the 2,000,000-byte limit of a YAML file (the 50 MB file is the same case)
        pytest.param(BASE_YAML.replace("0.00025", "0.0003") + "data:\n"
                     + "".join(f"  k{i}: {'v' * 200}\n" for i in range(10_000)), "too large to read", id="oversized"),
        pytest.param(BASE_YAML + alias_bomb(), "aliases", id="alias-bomb"),
        pytest.param(BASE_YAML + "loop: &l [1, *l]\n", "recursive alias", id="recursive-alias"),
    ],
)
def test_unreadable_candidate_config_is_a_named_failure_not_removed_keys(tmp_path, capsys, content, needle):
    start = time.perf_counter()
    code, stdout, stderr, md = _investigate(tmp_path, {"config/train.yaml": content}, capsys)
    assert time.perf_counter() - start < 30
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr
    failures = [f for f in _failures(md) if "config_forensics" in f]
    assert len(failures) == 1, failures
    assert "candidate config/train.yaml" in failures[0] and needle in failures[0]
    assert "baseline" not in failures[0]
    _assert_no_config_findings(md)
    # the exit code says what the findings say: none critical, and none about the configuration
    assert "critical" not in md.split("## Findings, ranked", 1)[-1].split("##", 1)[0]
    assert code in (0, 1)


def test_unreadable_baseline_blames_the_baseline(tmp_path, capsys):
    """The parse-failure note names the side that fails (it used to blame the baseline always)."""
    base = {"train.py": TRAIN, "config/train.yaml": BASE_YAML.replace("  lr", "\tlr")}
    code, _, _, md = _investigate(tmp_path, {"config/train.yaml": BASE_YAML.replace("64", "128")}, capsys, base=base)
    failures = _failures(md)
    triage = [f for f in failures if "`triage`" in f]
    assert triage and "baseline version does not parse" in triage[0] and "candidate" not in triage[0]
    config = [f for f in failures if "config_forensics" in f]
    assert config and "baseline config/train.yaml" in config[0]
    assert "added to the effective configuration" not in md and "`trainer.lr`" not in md


def test_broken_candidate_triage_note_names_the_candidate(tmp_path, capsys):
    code, _, _, md = _investigate(tmp_path, {"config/train.yaml": BASE_YAML.replace("  lr", "\tlr")}, capsys)
    triage = [f for f in _failures(md) if "`triage`" in f]
    assert len(triage) == 1 and "candidate version does not parse" in triage[0] and "baseline" not in triage[0]
    # a YAML file that no longer loads is itself a real finding, worded for a data file
    assert "no longer parses at the candidate" in md and "fails when it reads it" in md


def test_readable_change_next_to_an_unreadable_file_is_still_reported(tmp_path, capsys):
    """Negative control: keys of a file read at both sides are compared as before."""
    base = {"train.py": TRAIN, "config/train.yaml": BASE_YAML, "config/other.yaml": "x: 1\n"}
    code, _, _, md = _investigate(tmp_path, {"config/train.yaml": BASE_YAML.replace("0.00025", "0.0025"),
                                             "config/other.yaml": LFS_POINTER}, capsys, base=base)
    assert "`trainer.lr`" in md and "0.0025" in md
    assert any("candidate config/other.yaml" in f and "git-LFS" in f for f in _failures(md))
    assert code == 1


def test_identical_unreadable_file_at_both_sides_is_not_a_failure(tmp_path, capsys):
    """A file unread at both commits with the same content changed nothing: no failure, no noise."""
    base = {"train.py": TRAIN, "config/train.yaml": BASE_YAML, "data/lfs.json": LFS_POINTER}
    _, _, _, md = _investigate(tmp_path, {"config/train.yaml": BASE_YAML.replace("64", "128")}, capsys, base=base)
    assert "data/lfs.json" not in md
    assert "`trainer.batch_size`" in md


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("x = " + "+".join(["a"] * 100_000) + "\n", id="100k-term-sum"),
        pytest.param("y = a" + ".b" * 50_000 + "\n", id="50k-attribute-chain"),
        # parses, but is deeper than Python's recursion limit for the recursive tree walks that follow
        pytest.param("z = " + "+".join(["a"] * 2_000) + "\n", id="2k-term-sum"),
    ],
)
def test_deeply_nested_python_is_a_per_file_failure(tmp_path, capsys, source):
    start = time.perf_counter()
    code, stdout, stderr, md = _investigate(tmp_path, {"train.py": TRAIN + source}, capsys)
    assert time.perf_counter() - start < 30
    assert "internal error" not in stderr and "Traceback" not in stdout + stderr
    if len(source) > 50_000:  # past the parser: named as not analysed
        failures = _failures(md)
        assert any("train.py" in f and "candidate" in f and "nested too deeply" in f for f in failures), failures
        # a source our parser gives up on is not a syntax error of the user's
        assert "no longer parses" not in md and "Fix the syntax error" not in md
    assert code in (0, 1)


def test_python_neighbours_null_bytes_and_bom(tmp_path, capsys):
    """A NUL byte in a source is unreadable (named); a UTF-8 byte-order mark is legal Python and parses."""
    code, _, stderr, md = _investigate(tmp_path, {"train.py": TRAIN + "\0\n", "config/train.yaml": None,
                                                  "tools/bom.py": "\ufeffLR = 3e-4\n".encode()}, capsys)
    assert "internal error" not in stderr
    assert not any("tools/bom.py" in f for f in _failures(md))
    assert any("candidate train.py" in f and "binary" in f for f in _failures(md))


def test_non_utf8_yaml_is_read_not_crashed(tmp_path, capsys):
    content = BASE_YAML.replace("cartpole", "cartp\xf6le").replace("64", "128").encode("latin-1")
    code, _, stderr, md = _investigate(tmp_path, {"config/train.yaml": content}, capsys)
    assert "internal error" not in stderr
    assert "`trainer.batch_size`" in md  # the rest of the file still compares


def _symlink_candidate(tmp_path, links: dict[str, str], files: dict[str, str] | None = None):
    """The base repository with `links` (path -> target text) committed as symbolic links."""
    repo = tmp_path / "repo"
    commit_files(repo, {"train.py": TRAIN, "config/train.yaml": BASE_YAML}, "base")
    git(repo, "tag", "base")
    for rel, text in (files or {}).items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    for rel, target in links.items():
        (repo / rel).unlink(missing_ok=True)
        (repo / rel).symlink_to(target)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    return repo


def _run(repo, tmp_path, capsys) -> tuple[int, str, str]:
    out = tmp_path / "out"
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--quiet"])
    _, err = capsys.readouterr()
    return code, err, next(out.glob("*.md")).read_text()


def test_symlinked_config_inside_the_tree_is_read_through_the_link(tmp_path, capsys):
    repo = _symlink_candidate(tmp_path, {"config/train.yaml": "ppo.yaml"},
                              {"config/ppo.yaml": BASE_YAML.replace("0.00025", "0.0025")})
    code, err, md = _run(repo, tmp_path, capsys)
    assert "internal error" not in err
    assert "0.0025" in md and "`trainer.lr`" in md  # the target's value, compared as the same file
    assert "removed from the effective configuration" not in md


@pytest.mark.parametrize("target", ["../../outside.yaml", "/etc/hostname", "loop.yaml"])
def test_symlink_out_of_the_tree_or_looping_is_a_named_failure(tmp_path, capsys, target):
    (tmp_path / "outside.yaml").write_text("trainer:\n  lr: 987654.5\n")
    links = {"config/train.yaml": target}
    if target == "loop.yaml":
        links["config/loop.yaml"] = "train.yaml"
    repo = _symlink_candidate(tmp_path, links)
    code, err, md = _run(repo, tmp_path, capsys)
    assert "internal error" not in err
    failures = _failures(md)
    assert any("candidate config/train.yaml" in f and "symbolic link" in f for f in failures), failures
    _assert_no_config_findings(md)
    assert "987654" not in md  # nothing outside the repository is ever read


def test_config_directory_turned_into_a_submodule_is_unknown_not_removed(tmp_path, capsys):
    """`config/` becomes a submodule: its files now live in another repository, so their keys are
    unknown at the candidate (named), not removed."""
    repo = tmp_path / "repo"
    base_sha = commit_files(repo, {"train.py": TRAIN, "config/train.yaml": BASE_YAML}, "base")
    git(repo, "tag", "base")
    git(repo, "rm", "-rq", "config")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{base_sha},config")
    git(repo, "commit", "-q", "-m", "config as a submodule")
    code, err, md = _run(repo, tmp_path, capsys)
    assert "internal error" not in err
    failures = [f for f in _failures(md) if "config_forensics" in f]
    assert len(failures) == 1 and "candidate config/train.yaml" in failures[0] and "submodule `config`" in failures[0]
    _assert_no_config_findings(md)


def test_file_names_that_are_not_utf8_reach_every_report_format(tmp_path, capsys):
    """A path git stores as latin-1 bytes is shown escaped (`conf\\xe9.yaml`); writing the JSON and
    HTML reports used to fail on it, after the analysis, with exit 3."""
    import os

    repo = tmp_path / "repo"
    name = os.fsdecode(b"conf\xe9.yaml")
    commit_files(repo, {"train.py": TRAIN, name: "trainer:\n  lr: 0.1\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {name: "trainer:\n  lr: 0.2\n", os.fsdecode(b"tr\xe9in.py"): "x = 1\n"}, "cand")
    out = tmp_path / "out"
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--quiet",
                 "--format", "md", "--format", "json", "--format", "html"])
    _, err = capsys.readouterr()
    assert code == 0 and "internal error" not in err
    assert {p.suffix for p in out.iterdir()} >= {".md", ".json", ".html"}
    text = next(out.glob("*.json")).read_text()
    assert json.loads(text) and "conf\\\\xe9.yaml" in text  # one escaped backslash in JSON text


def test_emptied_config_file_is_read_and_its_keys_are_removed(tmp_path, capsys):
    """Control: an empty file is readable (it sets nothing), so its keys really are gone; no failure."""
    code, _, stderr, md = _investigate(tmp_path, {"config/train.yaml": ""}, capsys)
    assert "internal error" not in stderr
    assert "Recorded failures" not in md
    assert "`trainer.lr`" in md
