"""The SARIF report: valid against the official SARIF 2.1.0 schema, one result per finding with the
rule that produced it, level from severity, the candidate's place, the baseline's in related locations,
fingerprints that survive moved lines, and URIs a code-review tool can resolve."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from investigator.cli import main
from investigator.models import CommitRef, Evidence, EvidenceKind, Finding, Location, Severity, Verification
from investigator.report.sarif import FINGERPRINT_KEY, artifact_uri, render_sarif, repository_uri, sarif_dict
from investigator.request import InvestigationRequest
from investigator.workflow.state import CommitSummary, Incomplete, Investigation, RangeSummary
from tests.support.gitrepo import commit_files, git

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
_VALIDATOR = jsonschema.Draft4Validator(SCHEMA)
# RFC 3986 URI-reference characters; a `%` only as a well-formed escape
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
BASE_SHA, CAND_SHA = "a" * 40, "b" * 40


def validate(log: dict) -> None:
    errors = sorted(_VALIDATOR.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def _uris(node: object) -> list[str]:
    """Every `uri` / `repositoryUri` value in the log."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("uri", "repositoryUri") and isinstance(value, str):
                found.append(value)
            else:
                found += _uris(value)
    elif isinstance(node, list):
        for item in node:
            found += _uris(item)
    return found


def _commit(sha: str, summary: str) -> CommitSummary:
    return CommitSummary(ref=sha, sha=sha, short=sha[:7], summary=summary, author="t", date="2024-01-01T00:00:00+00:00")


def investigation(findings: list[Finding], *, repo: str | None = "/srv/repos/agent", with_range: bool = True) -> Investigation:
    rng = RangeSummary(baseline=_commit(BASE_SHA, "works"), candidate=_commit(CAND_SHA, "worse"),
                       relation="baseline is an ancestor of candidate", commits_between=3) if with_range else None
    for rank, f in enumerate(findings, start=1):
        f.rank = rank
    return Investigation(request=InvestigationRequest(repo=repo), run_id="20240101-000000-abcdef", range=rng,
                         findings=findings)


def finding(source: str = "code_detectors.gae_index", severity: Severity = Severity.critical, *,
            locations: list[Location] | None = None, title: str = "GAE bootstraps from values[t]",
            id_: str | None = None) -> Finding:
    locs = [Location(path="algo/ppo.py", line=18, side="baseline"),
            Location(path="algo/ppo.py", line=21, end_line=23, side="candidate")] if locations is None else locations
    first = locs[0].render() if locs else "none"
    return Finding(id=id_ or f"{source.replace('.', ':')}:{first}", source=source, subsystem="ppo", severity=severity,
                   confidence=0.85, title=title, locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="baseline: `values[t + 1]` -> candidate: `values[t]`")],
                   fix="Restore the baseline index.")


# -- positive: a real investigation through the CLI -------------------------------------------------
def test_demo_investigation_writes_valid_sarif_with_levels_locations_and_provenance(demo_repo, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["--repo", str(demo_repo.path), "--baseline-commit", demo_repo.baseline, "--candidate-commit",
                 demo_repo.candidate, "--output", str(out), "--quiet", "--format", "sarif", "--format", "json",
                 "--fail-on", "critical"])
    stdout = capsys.readouterr().out
    assert code == 1  # the demo plants critical regressions: --fail-on critical gates on them
    sarif_path = next(p for p in out.glob("investigation-*.sarif"))
    assert f"sarif report: {sarif_path}" in stdout and (out / "latest.sarif").resolve() == sarif_path.resolve()
    log = json.loads(sarif_path.read_text())
    report = json.loads(next(out.glob("investigation-*.json")).read_text())
    validate(log)
    run = log["runs"][0]
    results, rules = run["results"], run["tool"]["driver"]["rules"]
    assert len(results) == len(report["findings"]) >= 4
    levels = {"critical": "error", "significant": "warning", "low": "note"}
    for result, f in zip(results, report["findings"], strict=True):
        assert result["level"] == levels[f["severity"]] and result["properties"]["severity"] == f["severity"]
        assert result["message"]["text"].startswith(f["title"].rstrip("."))
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert len({r["id"] for r in rules}) == len(rules) == len({r["ruleId"] for r in results})
    gae = next(r for r in results if r["ruleId"] == "gae_index")
    assert gae["level"] == "error"
    path, line = demo_repo.locate(next(p for p in demo_repo.planted if p.id == "gae_bootstrap_index"), "candidate")
    loc = gae["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": path, "uriBaseId": "SRCROOT"} and loc["region"]["startLine"] == line
    assert gae["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "BASELINE"
    assert gae["properties"]["introducedBy"]["sha"] in {sha for sha, _ in demo_repo.commits}
    gae_rule = rules[gae["ruleIndex"]]
    assert gae_rule["shortDescription"]["text"] and "values[t + 1]" in gae_rule["help"]["text"]
    assert gae_rule["defaultConfiguration"]["level"] == "error" and gae_rule["properties"]["subsystem"] == "ppo"
    # the config value moved from YAML into Python: candidate in locations, the YAML line related
    gem = next(r for r in results if "gem" in r["message"]["text"])
    assert gem["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".py")
    assert gem["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".yaml")
    provenance = run["versionControlProvenance"][0]
    assert provenance["revisionId"] == git(demo_repo.path, "rev-parse", demo_repo.candidate)
    assert provenance["repositoryUri"] == demo_repo.path.resolve().as_uri()
    assert run["invocations"][0]["executionSuccessful"] is True


def test_paths_with_spaces_and_unicode_reach_the_sarif_as_proper_uris(tmp_path, capsys):
    repo = tmp_path / "my repo"
    name = "src dir/träin #1 50%.py"
    commit_files(repo, {name: "import torch\nLR = 3e-4\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {name: "import torch\nLR = 3e-4\n\ndef broken(:\n"}, "cand")
    out = tmp_path / "out"
    assert main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--quiet", "--format", "sarif",
                 "--fail-on", "critical"]) == 0  # only a significant finding: --fail-on critical passes
    capsys.readouterr()
    log = json.loads(next(out.glob("investigation-*.sarif")).read_text(encoding="utf-8"))
    validate(log)
    results = log["runs"][0]["results"]
    assert results, "the unparsable candidate file is a finding"
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "src%20dir/tr%C3%A4in%20%231%2050%25.py" and unquote(uri) == name
    assert all(_URI_CHARS.match(u) for u in _uris(log))
    assert log["runs"][0]["versionControlProvenance"][0]["repositoryUri"].startswith("file:///") and "my%20repo" in \
        log["runs"][0]["versionControlProvenance"][0]["repositoryUri"]


# -- negative and edge shapes on built investigations -----------------------------------------------
def test_no_findings_is_a_valid_log_with_empty_results():
    log = sarif_dict(investigation([]))
    validate(log)
    run = log["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["versionControlProvenance"][0]["revisionId"] == CAND_SHA


def _metric_finding(source: str, locations: list[Location], title: str) -> Finding:
    return Finding(id=f"metric_forensics:{source}:primary", source=source, subsystem="other", severity=Severity.critical,
                   confidence=0.9, title=title, locations=locations,
                   evidence=[Evidence(kind=EvidenceKind.metric, summary="IQM 412 -> 150, P(improvement) 0.00")])


def test_logs_only_investigation_has_no_provenance_and_location_less_results():
    """A training-log finding's places are run directories, not repository files: no `locations`."""
    metric = _metric_finding("final_performance", [Location(path="runs/baseline", side="baseline"),
                                                   Location(path="/data/runs/cand", side="candidate")],
                             "Final return 412 -> 150 (-64%)")
    log = sarif_dict(investigation([metric], repo=None, with_range=False))
    validate(log)
    run = log["runs"][0]
    assert "versionControlProvenance" not in run and "originalUriBaseIds" not in run
    (result,) = run["results"]
    assert "locations" not in result and "relatedLocations" not in result
    assert result["ruleId"] == "final_performance" and result["message"]["text"].startswith("Final return 412 -> 150")
    assert result["properties"]["otherPlaces"] == [{"side": "baseline", "path": "runs/baseline"},
                                                   {"side": "candidate", "path": "/data/runs/cand"}]


def test_log_finding_beside_a_repository_stays_location_less_and_code_findings_keep_theirs():
    metric = _metric_finding("secondary_metrics", [Location(path="reports/runs/baseline", side="baseline")],
                             "Entropy fell 40%")
    log = sarif_dict(investigation([finding(), metric]))
    validate(log)
    code, logs = log["runs"][0]["results"]
    assert code["locations"] and "locations" not in logs and "At the baseline" not in logs["message"]["text"]


def test_places_outside_the_checkout_are_never_given_as_files():
    f = finding(locations=[Location(path="../elsewhere/x.py", line=3, side="baseline"),
                           Location(path="/etc/passwd", line=1, side="candidate")])
    result = sarif_dict(investigation([f]))["runs"][0]["results"][0]
    assert "locations" not in result and "relatedLocations" not in result
    assert [p["path"] for p in result["properties"]["otherPlaces"]] == ["../elsewhere/x.py:3", "/etc/passwd:1"]


def test_finding_without_lines_gets_a_file_location_without_region():
    f = finding(locations=[Location(path="cfg/train.yaml", side="baseline"), Location(path="cfg/train.yaml", side="candidate")])
    log = sarif_dict(investigation([f]))
    validate(log)
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "cfg/train.yaml", "uriBaseId": "SRCROOT"}}
    assert "region" not in result["relatedLocations"][0]["physicalLocation"]


def test_baseline_only_finding_is_anchored_on_its_file_without_a_line():
    """A configuration key removed at the candidate: no candidate place; the file, not a stale line."""
    f = finding("config_forensics", Severity.significant,
                locations=[Location(path="configs/ppo.yaml", line=52, side="baseline")],
                title="Config `algorithm.entropy_coef` = 0.01 removed from the effective configuration")
    log = sarif_dict(investigation([f]))
    validate(log)
    result = log["runs"][0]["results"][0]
    anchor = result["locations"][0]
    assert anchor["physicalLocation"] == {"artifactLocation": {"uri": "configs/ppo.yaml", "uriBaseId": "SRCROOT"}}
    assert "baseline `aaaaaaa`: configs/ppo.yaml:52" in anchor["message"]["text"]
    related = result["relatedLocations"][0]["physicalLocation"]
    assert related["region"] == {"startLine": 52} and related["artifactLocation"]["uriBaseId"] == "BASELINE"


@pytest.mark.parametrize(("severity", "level"), [(Severity.critical, "error"), (Severity.significant, "warning"),
                                                  (Severity.low, "note")])
def test_level_follows_severity(severity, level):
    log = sarif_dict(investigation([finding(severity=severity)]))
    assert log["runs"][0]["results"][0]["level"] == level


def test_result_carries_region_related_location_and_properties():
    f = finding()
    f.introduced_by = CommitRef(sha="c" * 40, short="ccccccc", subject="Simplify GAE", author="t", date="2024-01-01")
    f.verification = Verification(verdict="proven", recovery=0.9, interval=[0.7, 1.1], runs=6, metric="final value")
    log = sarif_dict(investigation([f]))
    validate(log)
    result = log["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 21, "endLine": 23}
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 18}
    assert "At the baseline `aaaaaaa`: algo/ppo.py:18." in result["message"]["text"]
    assert "Evidence: baseline: `values[t + 1]`" in result["message"]["text"]
    props = result["properties"]
    assert props["introducedBy"]["sha"] == "c" * 40 and props["verification"]["verdict"] == "proven"
    assert props["subsystem"] == "ppo" and props["severity"] == "critical" and props["rank"] == 1


def test_a_finding_merged_from_several_places_keeps_every_place():
    f = finding(locations=[Location(path="algo/ppo.py", line=18, side="baseline"),
                           Location(path="algo/ppo.py", line=21, side="candidate"),
                           Location(path="algo/a2c.py", line=30, side="baseline"),
                           Location(path="algo/a2c.py", line=33, side="candidate")], title="Index shift (2 places)")
    result = sarif_dict(investigation([f]))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "algo/ppo.py"
    related = [(r["physicalLocation"]["artifactLocation"]["uri"], r["physicalLocation"]["artifactLocation"]["uriBaseId"],
                r["physicalLocation"]["region"]["startLine"]) for r in result["relatedLocations"]]
    assert related == [("algo/ppo.py", "BASELINE", 18), ("algo/a2c.py", "BASELINE", 30), ("algo/a2c.py", "SRCROOT", 33)]
    assert [r["id"] for r in result["relatedLocations"]] == [1, 2, 3]
    assert result["relatedLocations"][2]["message"]["text"] == "Also at the candidate `bbbbbbb`: algo/a2c.py:33"


def test_fingerprint_survives_moved_lines_and_new_runs_but_not_another_finding():
    def fp(f: Finding, run_id: str = "r1") -> str:
        inv = investigation([f])
        inv.run_id = run_id
        return sarif_dict(inv)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY]

    here = finding()
    moved = finding(locations=[Location(path="algo/ppo.py", line=40, side="baseline"),
                               Location(path="algo/ppo.py", line=44, side="candidate")])
    assert fp(here) == fp(moved) == fp(finding(), run_id="r2")
    assert fp(here) != fp(finding(title="Gradient clipping removed"))
    assert fp(here) != fp(finding(locations=[Location(path="algo/a2c.py", line=18, side="candidate")]))


def test_rule_ids_are_unit_ids_and_unknown_sources_still_get_a_rule():
    findings = [finding(), finding("code_detectors.gae_index", title="another index shift"),
                _metric_finding("secondary_metrics", [], "Entropy fell 40%")]
    log = sarif_dict(investigation(findings))
    validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["gae_index", "secondary_metrics"]
    assert [r["ruleIndex"] for r in log["runs"][0]["results"]] == [0, 0, 1]
    unknown = rules[1]
    assert "Training metrics" in unknown["shortDescription"]["text"] and "defaultConfiguration" not in unknown


def test_incomplete_run_and_recorded_failures_are_execution_notifications():
    from investigator.models import AnalyzerFailure

    inv = investigation([finding()])
    inv.incomplete = Incomplete(reason="interrupted by SIGTERM", finished_steps=["triage"])
    inv.failures = [AnalyzerFailure(source="code_detectors", message="analyzer stopped after 120 s", path="a.py")]
    log = sarif_dict(inv)
    validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert "interrupted by SIGTERM" in texts[0] and "analyzer stopped after 120 s (a.py)" in texts[1]


def test_schema_validation_can_fail():
    """The vendored schema is really applied: a log with an invalid level is rejected."""
    log = sarif_dict(investigation([finding()]))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError, match="level"):
        validate(log)


@pytest.mark.parametrize(("path", "uri"), [
    ("a b/c.py", "a%20b/c.py"), ("ünï/cödé.py", "%C3%BCn%C3%AF/c%C3%B6d%C3%A9.py"), ("x#y?.py", "x%23y%3F.py"),
    ("c:/x.py", "c%3A/x.py"), ("win\\path.py", "win/path.py"),
])
def test_artifact_uri_is_a_relative_percent_encoded_reference(path, uri):
    assert artifact_uri(path) == uri
    assert _URI_CHARS.match(uri) and not urlsplit(uri).scheme


@pytest.mark.parametrize(("repo", "uri"), [
    ("https://user:s3cret@github.com/org/agent.git", "https://github.com/org/agent.git"),
    ("https://ghp_token@github.com/org/agent.git", "https://github.com/org/agent.git"),
    ("git@github.com:org/agent.git", "ssh://git@github.com/org/agent.git"),
    ("ssh://git@host:2222/org/agent.git", "ssh://git@host:2222/org/agent.git"),
])
def test_repository_uri_of_urls_drops_passwords(repo, uri):
    assert repository_uri(repo) == uri


def test_repository_uri_of_a_local_path_is_an_encoded_file_uri(tmp_path):
    repo = tmp_path / "my ågent"
    assert repository_uri(str(repo)) == repo.resolve().as_uri()
    assert _URI_CHARS.match(repository_uri(str(repo)) or "")


def test_rendered_text_is_json_with_unicode_kept():
    f = finding(title="Config `reward.gem` changed: 0.3 → 0.0")
    text = render_sarif(investigation([f]))
    assert text.endswith("\n") and "→" in text
    validate(json.loads(text))
