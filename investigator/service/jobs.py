"""Submitting a job: the checks every way in (the API, the web UI) makes before a row is queued.

The repository must pass the allowlist (`allowlist.py`); so must every server path the submission
names (log globs, the adapter file), since the service would read them. Fields that make the service
run a command of the caller's choosing (`probe_command`, `probe_setup`, `adapter`) need the admin
scope: a submit key may run the repository's own code through the probes, nothing else. A full queue
is refused (checked atomically with the insert) with a Retry-After estimated from recent job durations.
"""

from __future__ import annotations

import math

from investigator.probes.selection import probe_selection
from investigator.service.allowlist import Allowlist, RepoInvalid, RepoRefused, path_glob_root
from investigator.service.schemas import JobSubmission
from investigator.service.settings import ServiceSettings
from investigator.service.store import ApiKey, Job, JobStore, Stats

ADMIN_FIELDS = ("probe_command", "probe_setup", "adapter", "ray_address")  # run a command or code the caller chooses, or
# send work to a cluster the caller names


class SubmissionError(ValueError):
    """A refused submission: `status_code` is the HTTP status, the message one line for the user."""

    status_code = 422


class Forbidden(SubmissionError):
    status_code = 403


class QueueFull(SubmissionError):
    status_code = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def queue_wait_estimate(stats: Stats, workers: int) -> float:
    """Seconds until a queue slot is likely free: one mean job duration per worker-round (30 s when
    nothing has finished yet), between 5 s and 10 min."""
    mean = stats.finished_seconds_sum / stats.finished_count if stats.finished_count else 30.0
    return float(min(600.0, max(5.0, math.ceil(mean / max(1, workers)))))


def _check_paths(submission: JobSubmission, allowlist: Allowlist) -> None:
    """Log globs and the adapter are read by the service: under an allowed prefix, no `..`."""
    for field in ("baseline_runs", "candidate_runs"):
        for glob in getattr(submission, field):
            if ".." in glob.split("/"):
                raise RepoInvalid(f"{field}: '..' is not allowed in a log path: {glob}")
            allowlist.check_path(path_glob_root(glob), what=field)
    if submission.adapter is not None:
        allowlist.check_path(submission.adapter, what="adapter")


def _check_probes(selection: str) -> None:
    """Probe ids must exist (the CLI checks the same): a typo is a 422 now, not a failed job later."""
    try:
        probe_selection(selection)
    except ValueError as exc:
        raise SubmissionError(f"probes: {exc}") from None


def check_submission(submission: JobSubmission, settings: ServiceSettings, key: ApiKey | None) -> str:
    """The repository the job will use (resolved), or a SubmissionError saying why not."""
    _check_probes(submission.probes)
    if key is not None and not key.allows("admin"):
        named = [f for f in ADMIN_FIELDS if getattr(submission, f) is not None]
        if named:
            raise Forbidden(f"{', '.join(named)}: runs a command of the caller's choosing on the server; "
                            "only an admin key may set it")
    allowlist = Allowlist.of(settings.allow_repos)
    try:
        repo = allowlist.check_repo(submission.repo)
        _check_paths(submission, allowlist)
    except RepoRefused as exc:
        raise Forbidden(str(exc)) from None
    except RepoInvalid as exc:
        raise SubmissionError(str(exc)) from None
    return repo


def submit_job(store: JobStore, settings: ServiceSettings, submission: JobSubmission, key: ApiKey | None) -> Job:
    """Check and queue one job (nothing runs here: a worker claims it). `key` None: auth is off."""
    repo = check_submission(submission, settings, key)
    request = submission.model_dump(mode="json")
    request["repo"] = repo
    job = store.submit_within(repo, request, key.id if key is not None else None, settings.queue_limit)
    if job is None:
        stats = store.stats()
        raise QueueFull(f"the queue is full ({stats.queue_length} jobs waiting, limit {settings.queue_limit}); "
                        "retry later", queue_wait_estimate(stats, settings.workers))
    return job
