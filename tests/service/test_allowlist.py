"""The repository allowlist: path prefixes (symlinks resolved, `..` cannot escape), URL patterns
(https/ssh/git only), log globs and the adapter under a prefix, and the API's 403/422 answers."""

from __future__ import annotations

import pytest

from investigator.service.allowlist import Allowlist, RepoInvalid, RepoRefused, path_glob_root
from investigator.service.jobs import Forbidden, SubmissionError, check_submission
from investigator.service.schemas import JobSubmission
from investigator.service.settings import ServiceSettings
from tests.service.apihelpers import service


@pytest.fixture
def tree(tmp_path):
    allowed = tmp_path / "repos"
    (allowed / "team" / "ppo").mkdir(parents=True)
    outside = tmp_path / "private"
    outside.mkdir()
    (tmp_path / "repos-evil").mkdir()
    return tmp_path, Allowlist.of([str(allowed)])


def test_paths_under_a_prefix_are_allowed_and_resolved(tree):
    root, allow = tree
    assert allow.check_repo(str(root / "repos" / "team" / "ppo")) == str((root / "repos/team/ppo").resolve())
    assert allow.check_repo(str(root / "repos" / "team" / ".." / "team" / "ppo")) == str((root / "repos/team/ppo").resolve())
    assert allow.check_repo(str(root / "repos")) == str((root / "repos").resolve())  # the prefix itself


@pytest.mark.parametrize("relative", ["private", "repos/../private", "repos/team/../../private", "repos-evil", "."])
def test_paths_outside_every_prefix_are_refused(tree, relative):
    root, allow = tree
    with pytest.raises(RepoRefused, match="outside the allowed path prefixes"):
        allow.check_repo(str(root / relative))


def test_a_symlink_cannot_escape_the_prefix(tree):
    root, allow = tree
    link = root / "repos" / "team" / "escape"
    link.symlink_to(root / "private")
    with pytest.raises(RepoRefused, match="resolves to .*private"):
        allow.check_repo(str(link))
    inner = root / "repos" / "team" / "alias"
    inner.symlink_to(root / "repos" / "team" / "ppo")  # a symlink that stays inside is fine
    assert allow.check_repo(str(inner)) == str((root / "repos/team/ppo").resolve())


def test_a_symlinked_prefix_is_resolved_too(tmp_path):
    real = tmp_path / "real"
    (real / "x").mkdir(parents=True)
    (tmp_path / "alias").symlink_to(real)
    allow = Allowlist.of([str(tmp_path / "alias")])
    assert allow.check_repo(str(real / "x")) == str((real / "x").resolve())


@pytest.mark.parametrize(("value", "reason"), [
    ("repos/team/ppo", "must be absolute"), ("-uhelp", "cannot start with '-'"), ("--upload-pack=touch", "'-'"),
    ("", "not a path"), ("/x\n/y", "control characters"), ("ext::sh -c touch% /tmp/pwned", "must be absolute"),
])
def test_malformed_repository_values_are_invalid(tree, value, reason):
    _, allow = tree
    with pytest.raises(RepoInvalid, match=reason):
        allow.check_repo(value)


def test_a_missing_directory_under_the_prefix_is_invalid_not_refused(tree):
    root, allow = tree
    with pytest.raises(RepoInvalid, match="no such directory"):
        allow.check_repo(str(root / "repos" / "nothing"))


URLS = Allowlist.of(["https://github.com/org/*", "git@github.com:org/*", "ssh://git@host.example/srv/*.git"])


@pytest.mark.parametrize("url", ["https://github.com/org/ppo", "https://github.com/org/ppo.git",
                                 "git@github.com:org/ppo.git", "ssh://git@host.example/srv/a.git"])
def test_urls_matching_a_pattern_are_allowed_unchanged(url):
    assert URLS.check_repo(url) == url


@pytest.mark.parametrize(("url", "error", "reason"), [
    ("https://github.com/other/ppo", RepoRefused, "matches no allowed URL pattern"),
    ("https://github.com.evil.example/org/ppo", RepoRefused, "matches no allowed"),
    ("https://GITHUB.com/org/ppo", RepoRefused, "matches no allowed"),  # case-sensitive patterns
    ("file:///etc/org/x", RepoRefused, "file scheme is not allowed"),
    ("http://github.com/org/ppo", RepoRefused, "http scheme is not allowed"),
    ("https://github.com/org/../other/ppo", RepoInvalid, "'..'"),
    ("git@github.com:org/../other", RepoInvalid, "'..'"),
    ("https://user:token@github.com/org/ppo", RepoInvalid, "credentials"),
    ("https://github.com/org/ppo?x=1", RepoInvalid, "query"),
    ("https:///org/ppo", RepoInvalid, "host"),
])
def test_urls_outside_the_patterns_or_malformed_are_refused(url, error, reason):
    with pytest.raises(error, match=reason):
        URLS.check_repo(url)


def test_an_empty_allowlist_refuses_everything_and_says_how_to_allow(tree):
    root, _ = tree
    empty = Allowlist.of([])
    for value in (str(root / "repos" / "team" / "ppo"), "https://github.com/org/ppo"):
        with pytest.raises(RepoRefused, match="allows no repository yet.*--allow-repo"):
            empty.check_repo(value)


@pytest.mark.parametrize(("entry", "reason"), [("relative/dir", "must be absolute"), ("file:///srv/*", "only https"),
                                               ("http://host/*", "only https"), ("  ", "empty")])
def test_bad_allowlist_entries_are_refused_at_startup(entry, reason):
    with pytest.raises(ValueError, match=reason):
        Allowlist.of([entry])


def test_glob_root_is_the_part_before_the_first_wildcard():
    assert path_glob_root("/srv/runs/seed*/progress.csv") == "/srv/runs"
    assert path_glob_root("/srv/runs/a/b.csv") == "/srv/runs/a/b.csv"
    assert path_glob_root("/*/x") == "/"


def _settings(tmp_path, allow):
    return ServiceSettings(db_url="unused", data_dir=tmp_path / "data", allow_repos=allow)


def test_log_globs_and_the_adapter_must_lie_under_a_prefix(tree):
    root, _ = tree
    settings = _settings(root, [str(root / "repos")])
    repo = str(root / "repos" / "team" / "ppo")
    ok = JobSubmission(repo=repo, baseline_commit="v1", baseline_runs=[f"{root}/repos/runs/seed*/progress.csv"])
    assert check_submission(ok, settings, None) == str(root.resolve() / "repos/team/ppo")
    refused = [
        {"baseline_runs": [f"{root}/private/seed*/progress.csv"]},
        {"candidate_runs": ["/etc/*"]},
        {"adapter": f"{root}/private/adapter.py"},
    ]
    for fields in refused:
        with pytest.raises(Forbidden, match="outside the allowed"):
            check_submission(JobSubmission(repo=repo, baseline_commit="v1", **fields), settings, None)
    for fields in ({"baseline_runs": [f"{root}/repos/*/../../private/x.csv"]}, {"candidate_runs": ["runs/*.csv"]}):
        with pytest.raises(SubmissionError, match=r"'\.\.'|must be absolute"):
            check_submission(JobSubmission(repo=repo, baseline_commit="v1", **fields), settings, None)


def test_the_api_answers_403_for_a_refused_repo_and_422_for_an_invalid_one(db_url, tmp_path):
    with service(db_url, tmp_path) as svc:
        key = svc.key("submit")
        private = tmp_path / "private"
        private.mkdir()
        (svc.repo / "escape").symlink_to(private)
        for repo in (str(private), str(svc.repo / ".." / ".." / ".." / "private"), str(svc.repo / "escape"),
                     "https://github.com/org/ppo", "file:///etc"):
            r = svc.client.post("/v1/investigations", json={"repo": repo, "baseline_commit": "v1"}, headers=key)
            assert r.status_code == 403, repo
            assert ("scheme is not allowed" if repo.startswith("file:") else "--allow-repo") in r.json()["detail"]
        for repo in ("relative/path", "-oProxyCommand=x", str(svc.repos / "missing")):
            r = svc.client.post("/v1/investigations", json={"repo": repo, "baseline_commit": "v1"}, headers=key)
            assert r.status_code == 422, repo
        assert svc.store.list_jobs()[1] == 0
