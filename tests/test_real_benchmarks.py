"""The real-repository benchmark scripts' own logic: recipe/range validation, patch selection and
hashing, rebuilding a case, culprit ranking, run supervision. Runs without the corpus mirrors; the
check that every stored recipe still rebuilds from the mirrors is skipped when they are absent."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.gitrepo import commit_files, git

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
MIRRORS = Path(os.environ.get("INVESTIGATOR_MIRRORS", "/tmp/repos"))


def _load(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


rb = _load("real_bugs")
rr = _load("real_repos")
rc = _load("real_common")

SHA_A = "a" * 40
SHA_B = "b" * 40


def _case(**over) -> dict:
    c = {
        "id": "x-loss", "repo": "X", "fix": SHA_A, "later": SHA_B, "distance": 6, "kind": "loss",
        "description": "d", "select": [{"path": "a.py"}], "patch_sha256": "0" * 64,
        "culprit": {"path": "a.py", "start": 3, "end": 4},
    }
    c.update(over)
    return c


def _write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "r.yaml"
    p.write_text(json.dumps(data))  # JSON is YAML
    return p


# ------------------------------------------------------------------ recipes and ranges
def test_stored_recipes_are_valid_and_meet_the_brief() -> None:
    cases = rb.load_recipes(rb.DEFAULT_RECIPES)
    assert len(cases) >= 20
    assert len({c.repo for c in cases}) >= 6
    assert all(5 <= c.distance <= 10 for c in cases)


HELD_OUT = [rb.HOLDOUT_RECIPES, rb.HOLDOUT2_RECIPES, rb.HOLDOUT3_RECIPES,
            *(rb.HERE / f"real_bugs_holdout{n}.yaml" for n in (4, 5, 6, 7, 8, 9))]


@pytest.mark.parametrize("held_file", HELD_OUT, ids=[p.stem.removeprefix("real_bugs_") for p in HELD_OUT])
def test_holdout_recipes_are_valid_and_disjoint_from_the_sets_before_them(held_file: Path) -> None:
    """A held-out set measures generalisation: other repositories than every set mined before it (the
    tuned set, then the earlier held-out sets, which were used to tune), no shared case or fix."""
    order = [rb.DEFAULT_RECIPES, *HELD_OUT]
    held = rb.load_recipes(held_file)
    assert len(held) >= 10 if held_file == rb.HOLDOUT_RECIPES else len(held) >= 15
    assert len({c.repo for c in held}) >= 3
    assert all(5 <= c.distance <= 10 for c in held)
    for earlier_file in order[: order.index(held_file)]:
        earlier = rb.load_recipes(earlier_file)
        assert not {c.repo for c in held} & {c.repo for c in earlier}, earlier_file.name
        assert not {c.id for c in held} & {c.id for c in earlier}, earlier_file.name
        assert not {c.fix for c in held} & {c.fix for c in earlier}, earlier_file.name


def test_recipe_validation_rejects_bad_cases(tmp_path: Path) -> None:
    assert len(rb.load_recipes(_write(tmp_path, {"cases": [_case()]}))) == 1
    bad = [
        {"cases": [_case(), _case()]},  # duplicate id
        {"cases": [_case(fix="abc123")]},  # short commit id
        {"cases": [_case(distance=3)]},  # later too close to the fix
        {"cases": [_case(culprit={"path": "b.py", "start": 1, "end": 1})]},  # culprit not selected
        {"cases": [_case(culprit={"path": "a.py", "start": 5, "end": 4})]},
        {"cases": [_case(select=[{"path": "a.py", "hunks": [1, 1]}])]},
        {"cases": [_case(extra=1)]},
    ]
    for data in bad:
        with pytest.raises(ValueError):
            rb.load_recipes(_write(tmp_path, data))
    (tmp_path / "broken.yaml").write_text("cases: [")
    with pytest.raises(ValueError, match="cannot read"):
        rb.load_recipes(tmp_path / "broken.yaml")


def test_stored_ranges_are_valid_and_meet_the_brief(tmp_path: Path) -> None:
    ranges = rr.load_ranges(rr.DEFAULT_RANGES)
    assert len(ranges) >= 30
    assert len({r.repo for r in ranges}) >= 6
    r = {"repo": "X", "baseline": SHA_A, "candidate": SHA_B}
    assert len(rr.load_ranges(_write(tmp_path, {"ranges": [r]}))) == 1
    for data in ({"ranges": [r, r]}, {"ranges": [dict(r, baseline="HEAD~1")]}, {"ranges": []}):
        with pytest.raises(ValueError):
            rr.load_ranges(_write(tmp_path, data))



PRECISION = sorted(rr.HERE.glob("precision_holdout*.yaml"), key=lambda p: int(p.stem.removeprefix("precision_holdout")))


@pytest.mark.parametrize("held_file", PRECISION, ids=[p.stem for p in PRECISION])
def test_precision_sets_are_valid_and_fresh(held_file: Path) -> None:
    """A precision held-out set is read once on code never seen: ten ranges of repositories no earlier
    precision set, the sweep nor a mined-bug set holds."""
    ranges = rr.load_ranges(held_file)
    assert len(ranges) >= 8 and len({r.repo for r in ranges}) >= 8
    repos = {r.repo for r in ranges}
    assert not repos & {r.repo for r in rr.load_ranges(rr.DEFAULT_RANGES)}
    for earlier in PRECISION[: PRECISION.index(held_file)]:
        if int(earlier.stem.removeprefix("precision_holdout")) >= 10:
            assert not repos & {r.repo for r in rr.load_ranges(earlier)}, earlier.name
    if int(held_file.stem.removeprefix("precision_holdout")) >= 11:
        for bugs in [rb.DEFAULT_RECIPES, *HELD_OUT]:
            assert not repos & {c.repo for c in rb.load_recipes(bugs)}, bugs.name

# ------------------------------------------------------------------ patches
PATCH = textwrap.dedent(
    """\
    diff --git a/a.py b/a.py
    index 1111111..2222222 100644
    --- a/a.py
    +++ b/a.py
    @@ -1,3 +1,3 @@
     x = 1
    -y = 2
    +y = 3
     z = 4
    @@ -10,2 +10,2 @@
    -q = 1
    +q = 2
     r = 0
    diff --git a/b.py b/b.py
    index 3333333..4444444 100644
    --- a/b.py
    +++ b/b.py
    @@ -1 +1 @@
    -b = 0
    +b = 1
    """
)


def test_select_patch_keeps_headers_and_chosen_hunks_only() -> None:
    files = rb.split_patch(PATCH)
    assert list(files) == ["a.py", "b.py"]
    assert len(files["a.py"][1]) == 2
    only_second = rb.select_patch(PATCH, [rb.Selection(path="a.py", hunks=[1])])
    assert only_second.startswith("diff --git a/a.py b/a.py\n")
    assert "+q = 2" in only_second and "+y = 3" not in only_second and "b.py" not in only_second
    whole = rb.select_patch(PATCH, [rb.Selection(path="b.py"), rb.Selection(path="a.py")])
    assert whole.index("b.py") < whole.index("a/a.py") and "+y = 3" in whole
    with pytest.raises(ValueError, match="out of range"):
        rb.select_patch(PATCH, [rb.Selection(path="a.py", hunks=[2])])
    with pytest.raises(ValueError, match="not changed"):
        rb.select_patch(PATCH, [rb.Selection(path="c.py")])
    assert rb.patch_sha256(only_second) != rb.patch_sha256(whole)
    assert len(rb.patch_sha256(whole)) == 64


def test_span_and_map_line() -> None:
    assert rb.span([(5, 2), (9, 1)]) == (5, 9)
    assert rb.span([(7, 0)]) == (7, 8)  # pure deletion after line 7
    # base->later: 3 lines inserted after line 10 (new 11..13), one line deleted at old 20
    hunks = [(10, 0, 11, 3), (20, 1, 22, 0)]
    assert rb.map_line(hunks, 5) == 5
    assert rb.map_line(hunks, 12) == 10
    assert rb.map_line(hunks, 15) == 12
    assert rb.map_line(hunks, 30) == 28


# ------------------------------------------------------------------ ranking
def _f(rank: int, path: str, line: int | None, side: str = "candidate", evidence: bool = False) -> dict:
    loc = {"path": path, "line": line, "end_line": line, "side": side}
    if evidence:
        return {"rank": rank, "locations": [], "evidence": [{"locations": [loc]}]}
    return {"rank": rank, "locations": [loc]}


def test_culprit_rank_file_then_hunk() -> None:
    findings = [_f(2, "loss.py", 200), _f(1, "other.py", 40), _f(3, "loss.py", 51)]
    r = rb.culprit_rank(findings, "loss.py", (50, 52), (48, 50))
    assert r == {"file_rank": 2, "overlap": False, "hunk_rank": 3, "n_findings": 3}


def test_culprit_rank_reads_baseline_side_and_evidence_locations() -> None:
    r = rb.culprit_rank([_f(1, "loss.py", 49, side="baseline")], "loss.py", (80, 81), (48, 50))
    assert r["file_rank"] == 1 and r["overlap"] is True
    r = rb.culprit_rank([_f(1, "loss.py", 49, side="baseline")], "loss.py", (80, 81), None)
    assert r["overlap"] is False and r["hunk_rank"] is None
    r = rb.culprit_rank([_f(1, "loss.py", 81, evidence=True)], "loss.py", (80, 81), None)
    assert r["hunk_rank"] == 1
    r = rb.culprit_rank([_f(1, "loss.py", None)], "loss.py", (80, 81), None)
    assert r["file_rank"] == 1 and r["overlap"] is False
    assert rb.culprit_rank([], "loss.py", (1, 1), None)["file_rank"] is None


def test_summarize_counts_measured_cases_only() -> None:
    rows = [
        {"error": None, "file_rank": 1, "hunk_rank": 1, "n_findings": 4},
        {"error": None, "file_rank": 3, "hunk_rank": None, "n_findings": 5},
        {"error": None, "file_rank": None, "hunk_rank": None, "n_findings": 0},
        {"error": "patch does not apply", "file_rank": None, "hunk_rank": None, "n_findings": 0},
        {"error": None, "engine_error": "no report (rc 3)", "file_rank": None, "hunk_rank": None, "n_findings": 0},
    ]
    s = rb.summarize(rows)
    assert (s["measured"], s["errors"], s["top1"], s["top3"]) == (4, 1, 1, 2)
    assert (s["culprit_absent"], s["no_finding"], s["hunk_top3"], s["engine_errors"]) == (2, 2, 1, 1)


# ------------------------------------------------------------------ rebuilding a case from a repository
LOSS_BUGGY = "import math\n\nEPS = 1e-8\n\n\ndef loss(e, d):\n    a = abs(e) <= d\n    b = e > d\n    return a + b\n"
LOSS_FIXED = LOSS_BUGGY.replace("b = e > d", "b = abs(e) > d")


@pytest.fixture()
def fixed_history(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository where a loss bug is fixed, followed by 6 unrelated commits."""
    repo = tmp_path / "mirrors" / "toy"
    commit_files(repo, {"train/loss.py": LOSS_BUGGY, "README.md": "toy\n"}, "init")
    fix = commit_files(repo, {"train/loss.py": LOSS_FIXED}, "fix loss")
    later = fix
    for i in range(6):
        later = commit_files(repo, {f"notes/n{i}.txt": f"{i}\n", "train/loss.py": f"# v{i}\n" + LOSS_FIXED
                                    if i >= 2 else LOSS_FIXED}, f"noise {i}")
    git(repo, "clone", "-q", "--bare", str(repo), str(tmp_path / "mirrors" / "toy.git"))
    return tmp_path / "mirrors", fix, later


def _toy_case(mirrors: Path, fix: str, later: str, **over) -> rb.Case:
    scratch = rb.scratch_clone(mirrors / "toy.git", mirrors.parent / "probe.git")
    patch, cand = rb.build_candidate(scratch, fix, later, [rb.Selection(path="train/loss.py")], mirrors.parent)
    cs, _ = rb.culprit_spans(scratch, later, later, cand, "train/loss.py")
    data = _case(id="toy-loss", repo="toy", fix=fix, later=later, select=[{"path": "train/loss.py"}],
                 patch_sha256=rb.patch_sha256(patch),
                 culprit={"path": "train/loss.py", "start": cs[0], "end": cs[1]})
    data.update(over)
    return rb.Case.model_validate(data)


def _fake_investigate(tmp_path: Path, findings: list[dict]) -> str:
    """A stand-in for `investigate` that writes a fixed JSON report (the ranking is what is tested)."""
    script = tmp_path / "fake_investigate.py"
    script.write_text(textwrap.dedent(f"""\
        import json, sys
        out = sys.argv[sys.argv.index("--output") + 1]
        json.dump({{"findings": {findings!r}, "failures": []}}, open(out + "/investigation-x.json", "w"))
    """))
    wrapper = tmp_path / "fake-investigate"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    wrapper.chmod(0o755)
    return str(wrapper)


def test_case_rebuilds_reverse_patch_and_ranks_the_culprit(fixed_history, tmp_path: Path) -> None:
    mirrors, fix, later = fixed_history
    case = _toy_case(mirrors, fix, later)
    assert case.culprit.start == case.culprit.end == 9  # `b = e > d`, one line below the inserted comment
    fake = _fake_investigate(tmp_path, [
        {"rank": 1, "severity": "low", "locations": [{"path": "notes/n1.txt", "line": 1, "side": "candidate"}]},
        {"rank": 2, "severity": "critical", "locations": [{"path": "train/loss.py", "line": 9, "side": "candidate"}]},
    ])
    for mode in ("fix", "later"):
        row = rb.run_case(case, mirrors, fake, mode, 60, tmp_path / f"work-{mode}")
        assert row["error"] is None, row
        assert (row["file_rank"], row["overlap"], row["hunk_rank"]) == (2, True, 2)
    # the user's mirror is only read: no benchmark ref or commit was written into it
    assert "bench-candidate" not in git(mirrors / "toy.git", "for-each-ref")


def test_case_with_a_changed_patch_hash_is_an_error(fixed_history, tmp_path: Path) -> None:
    mirrors, fix, later = fixed_history
    case = _toy_case(mirrors, fix, later, patch_sha256="f" * 64)
    row = rb.run_case(case, mirrors, "/nonexistent/investigate", "fix", 60, tmp_path / "w")
    assert row["error"] and "patch hash" in row["error"]
    assert row["file_rank"] is None


def test_case_whose_patch_no_longer_applies_is_an_error(fixed_history, tmp_path: Path) -> None:
    mirrors, fix, later = fixed_history
    good = _toy_case(mirrors, fix, later)
    repo = mirrors / "toy"
    commit_files(repo, {"train/loss.py": "def loss(e, d):\n    return 0\n"}, "rewrite")
    for i in range(6):
        commit_files(repo, {f"more/m{i}.txt": "x\n"}, f"more {i}")
    git(mirrors / "toy.git", "fetch", "-q", str(repo), "+main:main")
    tip = git(repo, "rev-list", "--first-parent", "-n", "1", "HEAD~6")  # the rewrite: 7 after the fix
    case = good.model_copy(update={"later": tip, "distance": 7})
    row = rb.run_case(case, mirrors, "/nonexistent/investigate", "fix", 60, tmp_path / "w")
    assert row["error"] and "apply" in row["error"]
    wrong_distance = good.model_copy(update={"distance": 5})
    row = rb.run_case(wrong_distance, mirrors, "/nonexistent/investigate", "fix", 60, tmp_path / "w2")
    assert row["error"] and "distance" in row["error"]


def test_range_the_mirror_cannot_diff_is_an_error(fixed_history, tmp_path: Path) -> None:
    """Fetched mirrors may lack blobs: such a case measures the mirror, not the engine."""
    mirrors, fix, later = fixed_history
    case = _toy_case(mirrors, fix, later)
    bare = mirrors / "toy.git"
    blob = git(bare, "rev-parse", f"{later}:notes/n3.txt")
    loose = bare / "objects" / blob[:2] / blob[2:]
    assert loose.is_file()
    loose.unlink()
    row = rb.run_case(case, mirrors, "/nonexistent/investigate", "fix", 60, tmp_path / "w")
    assert row["error"] and "cannot diff" in row["error"]


def test_engine_failure_is_measured_not_an_error(fixed_history, tmp_path: Path) -> None:
    mirrors, fix, later = fixed_history
    case = _toy_case(mirrors, fix, later)
    failing = tmp_path / "failing-investigate"
    failing.write_text("#!/bin/sh\necho 'investigate: internal error: boom' >&2\nexit 3\n")
    failing.chmod(0o755)
    row = rb.run_case(case, mirrors, str(failing), "fix", 60, tmp_path / "w")
    assert row["error"] is None and row["engine_error"] == "no report (rc 3)" and row["internal_error"]
    assert rb.summarize([row])["culprit_absent"] == 1


def test_missing_mirror_is_reported_not_raised(tmp_path: Path) -> None:
    case = rb.Case.model_validate(_case())
    row = rb.run_case(case, tmp_path, "investigate", "fix", 60, tmp_path / "w")
    assert row["error"].startswith("no mirror of X")


# ------------------------------------------------------------------ run supervision
def test_run_investigate_kills_at_timeout_and_reads_reports(tmp_path: Path) -> None:
    res = rc.run_investigate([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path / "slow", 1.0)
    assert res.timed_out and res.rc is None and res.wall_s < 10
    fake = _fake_investigate(tmp_path, [{"rank": 1, "severity": "critical"}, {"rank": 2, "severity": "low"}])
    res = rc.run_investigate([fake, "--output", str(tmp_path / "ok")], tmp_path / "ok", 30)
    assert res.rc == 0 and not res.timed_out and not res.internal_error
    assert res.findings == {"critical": 1, "significant": 0, "low": 1}
    assert res.peak_mib and res.peak_mib > 1


def test_crash_and_internal_error_classification(tmp_path: Path) -> None:
    res = rc.RunResult(rc=0, timed_out=False, wall_s=1, peak_mib=1, stderr_tail="", report={},
                       failures=[{"source": "config", "message": "config forensics failed: TypeError: unhashable"},
                                 {"source": "metrics", "message": "no runs matched the glob"},
                                 {"source": "triage", "message": "x.py: candidate version does not parse: SyntaxError"},
                                 {"source": "metrics.r", "message": "rule failed: KeyError('loss')"},
                                 {"source": "detectors", "message": "analyzer crashed: IndexError: x (a.py:3)"}])
    assert [f["source"] for f in res.crashes] == ["config", "metrics.r", "detectors"]
    assert rc.RunResult(rc=3, timed_out=False, wall_s=1, peak_mib=1, stderr_tail="", report=None).internal_error
    rec = rr.record(rr.Range(repo="X", baseline=SHA_A, candidate=SHA_B), res, None)
    t = rr.totals([rec, dict(rec, timed_out=True, crashes=0, failures=0)])
    assert (t["analyzer_crashes"], t["ranges_with_crash"], t["timeouts"], t["wall_median_s"]) == (3, 1, 1, 1)


# ------------------------------------------------------------------ the stored data against the mirrors
@pytest.mark.skipif(not (MIRRORS / "HARL.git").exists(), reason="corpus mirrors absent (INVESTIGATOR_MIRRORS)")
@pytest.mark.parametrize(
    "recipes",
    [rb.DEFAULT_RECIPES, rb.HOLDOUT_RECIPES, rb.HOLDOUT2_RECIPES, rb.HOLDOUT3_RECIPES],
    ids=["tuned", "holdout", "holdout2", "holdout3"],
)
def test_every_stored_recipe_rebuilds_from_the_mirrors(recipes: Path, tmp_path: Path) -> None:
    """Each recipe's patch still hashes as stored, applies on its later commit and puts the culprit
    where the recipe says (investigate itself is not run here); cases without a mirror are skipped."""
    for case in rb.load_recipes(recipes):
        mirror = rc.mirror_path(MIRRORS, case.repo)
        if mirror is None:
            continue
        work = tmp_path / case.id
        work.mkdir()
        repo = rb.scratch_clone(mirror, work / "r.git")
        assert rb.first_parent_distance(repo, case.fix, case.later) == case.distance, case.id
        patch, cand = rb.build_candidate(repo, case.fix, case.later, case.select, work)
        assert rb.patch_sha256(patch) == case.patch_sha256, case.id
        rb.check_diffable(repo, case.fix, case.later)
        cs, _ = rb.culprit_spans(repo, case.later, case.later, cand, case.culprit.path)
        assert cs == (case.culprit.start, case.culprit.end), case.id


def test_pick_proposes_tag_and_first_parent_ranges(tmp_path: Path) -> None:
    repo = tmp_path / "mirrors" / "lib"
    shas = [commit_files(repo, {"train.py": f"lr = {i}\n"}, f"c{i}") for i in range(30)]
    git(repo, "tag", "v1.0", shas[3])
    git(repo, "tag", "v1.1", shas[10])
    git(repo, "tag", "nightly", shas[12])  # not a release tag
    assert rc.mirror_path(tmp_path / "mirrors", "lib") == repo
    assert rc.mirror_path(tmp_path / "mirrors", "absent") is None
    picked = rr.pick(repo, "lib", 4, max_files=10)
    kinds = [p["kind"] for p in picked]
    assert kinds.count("tags") == 1 and "fp5" in kinds and "fp20" in kinds
    tag = next(p for p in picked if p["kind"] == "tags")
    assert (tag["baseline"], tag["candidate"], tag["label"]) == (shas[3], shas[10], "lib:v1.0..v1.1")
    for p in picked:
        assert p["files_changed"] == 1 and rr.Range.model_validate({k: p[k] for k in ("repo", "baseline", "candidate")})
    assert rr.spread(10, 3) == [1, 5, 8] and rr.spread(2, 5) == [0, 1]
    assert rr.pick(repo, "lib", 4, max_files=0) == []  # every range changes one file


def test_bad_arguments_are_one_message_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rb.main(["--mirrors", str(tmp_path), "--investigate", str(tmp_path / "nope")]) == 2
    assert "not an executable" in capsys.readouterr().err
    assert rr.main(["--mirrors", str(tmp_path / "absent"), "--investigate", sys.executable]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert rb.main(["--mirrors", str(tmp_path), "--investigate", sys.executable, "--only", "no-such-case"]) == 2
    assert "unknown case ids" in capsys.readouterr().err
