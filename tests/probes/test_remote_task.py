"""The worker side of remote probe jobs, without Ray: mirror, checkout, run, pack; paths brought home."""

from __future__ import annotations

import io
import tarfile
import threading
from pathlib import Path

import pytest

from investigator.probes.executor import ProbeEnvironment, execute
from investigator.probes.model import ProbeJob, ProbeStatus
from investigator.probes.ray_backend import _localised
from investigator.probes.remote_task import RemoteProbe, RemoteResult, mirror, pack, run_remote, unpack
from investigator.probes.runner import CheckoutCache
from investigator.workflow.probing import repo_source
from tests.support.gitrepo import git, make_repo

SCRIPT = "import sys, os\nprint('value', open('data.txt').read().strip())\nos.makedirs(sys.argv[1], exist_ok=True)\n" \
         "open(os.path.join(sys.argv[1], 'metric.txt'), 'w').write('42')\n"


def _repo(tmp_path: Path) -> tuple[Path, list[str]]:
    repo = tmp_path / "repo"
    shas = make_repo(repo, [("base", {"job.py": SCRIPT, "data.txt": "one\n"}), ("cand", {"data.txt": "two\n"})])
    return repo, shas


def _job(side: str = "baseline", **kwargs: object) -> ProbeJob:
    return ProbeJob(probe="tprobe", side=side, command="{python} job.py {logdir}", needs_logdir=True,  # type: ignore[arg-type]
                    **kwargs)  # type: ignore[arg-type]


def test_mirror_clones_once_fetches_new_commits_and_refuses_options(tmp_path: Path) -> None:
    repo, (base, cand) = _repo(tmp_path)
    root = tmp_path / "mirrors"
    git_dir = mirror(str(repo), root, base)
    assert git_dir.is_dir() and mirror(str(repo), root, cand) == git_dir
    (repo / "data.txt").write_text("three\n")
    git(repo, "commit", "-qam", "third")
    third = git(repo, "rev-parse", "HEAD")
    assert mirror(str(repo), root, third) == git_dir  # a commit made after the clone is fetched
    with pytest.raises(RuntimeError, match="not in"):
        mirror(str(repo), root, "0" * 40)
    with pytest.raises(ValueError):
        mirror("--upload-pack=touch /tmp/x", root, base)


def test_run_remote_runs_the_job_in_its_own_checkout_and_packs_artifacts(tmp_path: Path) -> None:
    repo, (_, cand) = _repo(tmp_path)
    payload = RemoteProbe(job=_job(seed=3), commit=cand, repo_source=str(repo), cache_root=str(tmp_path / "w"))
    result = RemoteResult.model_validate(run_remote(payload.model_dump()))
    assert result.run.status == ProbeStatus.ok and result.run.commit == cand and result.run.seed == 3
    home = tmp_path / "home"
    run = _localised(result, home)
    assert Path(run.stdout_path or "").read_text().startswith("value two")
    assert Path(run.logdir or "", "metric.txt").read_text() == "42"  # the log directory came back too
    assert str(home.resolve()) in (run.stdout_path or "") and not Path(result.worker_root).exists()


def test_run_remote_applies_patches_and_reports_a_setup_failure(tmp_path: Path) -> None:
    repo, (base, _) = _repo(tmp_path)
    patch = "--- a/data.txt\n+++ b/data.txt\n@@ -1 +1 @@\n-one\n+patched\n"
    payload = RemoteProbe(job=_job(), commit=base, patches=[patch], repo_source=str(repo), cache_root=str(tmp_path / "w"))
    run = _localised(RemoteResult.model_validate(run_remote(payload.model_dump())), tmp_path / "home")
    assert Path(run.stdout_path or "").read_text().startswith("value patched")
    failing = payload.model_copy(update={"patches": [], "setup_command": "false"})
    with pytest.raises(RuntimeError, match="setup command failed"):
        run_remote(failing.model_dump())


def test_pack_leaves_out_what_passes_the_limit_and_unpack_refuses_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    (folder / "sub").mkdir(parents=True)
    (folder / "small.txt").write_text("x")
    (folder / "sub" / "big.bin").write_bytes(b"0" * 2_000_000)
    data, left_out = pack(folder, limit_mb=1.0)
    assert left_out == ["sub/big.bin"]
    unpack(data, tmp_path / "b")
    assert (tmp_path / "b" / "small.txt").read_text() == "x" and not (tmp_path / "b" / "sub" / "big.bin").exists()
    evil = io.BytesIO()
    with tarfile.open(fileobj=evil, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(tarfile.TarError):
        unpack(evil.getvalue(), tmp_path / "c")
    assert not (tmp_path / "escaped.txt").exists()


def test_repo_source_keeps_urls_and_resolves_paths(tmp_path: Path) -> None:
    assert repo_source("https://github.com/o/r.git", tmp_path) == "https://github.com/o/r.git"
    assert repo_source("git@github.com:o/r.git", tmp_path) == "git@github.com:o/r.git"
    assert repo_source("./repo", tmp_path / "x" / ".." / "g.git") == str((tmp_path / "g.git").resolve())


class _RecordingBackend:
    """A stand-in remote backend: runs the worker body in-process, recording what it was asked."""

    describe = "test backend"

    def __init__(self, source: str, root: Path) -> None:
        self.source, self.root, self.keys = source, root, []  # type: ignore[var-annotated]

    def run(self, job, key, side, artifacts, checkouts, adapter, auto, python, stop: threading.Event):  # type: ignore[no-untyped-def]
        self.keys.append(key)
        commit, patches = checkouts.source_of(key)
        payload = RemoteProbe(job=job, commit=commit, patches=list(patches), repo_source=self.source,
                              cache_root=str(self.root))
        return _localised(RemoteResult.model_validate(run_remote(payload.model_dump())), artifacts)


def test_executor_hands_jobs_to_the_backend_without_local_checkouts(tmp_path: Path) -> None:
    repo, (base, cand) = _repo(tmp_path)
    backend = _RecordingBackend(str(repo), tmp_path / "worker")
    env = ProbeEnvironment(commits={"baseline": base, "candidate": cand},
                           checkouts=CheckoutCache(tmp_path / "local-checkouts", repo / ".git"),
                           artifacts=tmp_path / "artifacts", backend=backend)
    runs = execute([_job(), _job(side="candidate")], env)
    assert [r.status for r in runs] == [ProbeStatus.ok, ProbeStatus.ok] and backend.keys == [base, cand]
    assert not (tmp_path / "local-checkouts").exists()  # nothing was checked out here
    assert Path(runs[1].stdout_path or "").read_text().startswith("value two")


def test_an_unreachable_cluster_skips_every_job_with_the_reason(tmp_path: Path) -> None:
    repo, (base, cand) = _repo(tmp_path)
    env = ProbeEnvironment(commits={"baseline": base, "candidate": cand},
                           checkouts=CheckoutCache(tmp_path / "c", repo / ".git"), artifacts=tmp_path / "a",
                           unavailable="cannot reach the Ray cluster at ray://nowhere:10001")
    runs = execute([_job()], env)
    assert runs[0].status == ProbeStatus.skipped and "ray://nowhere" in runs[0].error
