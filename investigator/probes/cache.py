"""The probe result cache: a run that succeeded once is not run again (a second investigation, bisection).

A run is reused only when everything that could change its result is the same: the repository and
commit, the probe, what runs (child script or command), its parameters and seed, and the
environment (`scope`: Python, platform, torch/numpy versions, the child measurement code, the
adapter file, the auto-found functions, the setup command, the device kind). Only `ok` runs are
stored. The store is one SQLite file (WAL; one connection behind a lock, so threads share it);
a corrupted file is set aside and recreated with a warning, and a cache that cannot be opened is
turned off: the investigation never fails because of its cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from investigator.probes.model import ProbeJob, ProbeRun

log = logging.getLogger(__name__)
CHILD_DIR = Path(__file__).resolve().parent / "child"
_SCHEMA = 1
_PACKAGES = ("torch", "numpy", "gymnasium")
_FINGERPRINT = (
    "import importlib.metadata as m, json, platform, sys\n"
    "def v(p):\n"
    "    try:\n        return m.version(p)\n"
    "    except m.PackageNotFoundError:\n        return None\n"
    f"print(json.dumps({{'python': sys.version.split()[0], 'implementation': platform.python_implementation(),"
    f" 'platform': sys.platform + '-' + platform.machine(), 'packages': {{p: v(p) for p in {list(_PACKAGES)!r}}}}}))"
)


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/investigator, or ~/.cache/investigator."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "investigator"


@lru_cache(maxsize=8)
def interpreter_fingerprint(python: str = sys.executable) -> str:
    """JSON of the jobs' interpreter: version, platform, torch/numpy/gymnasium versions (read from
    package metadata in a subprocess of `python`: torch is never imported). Cached per process."""
    try:
        done = subprocess.run([python, "-c", _FINGERPRINT], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip().splitlines()[-1]
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
    except (OSError, subprocess.SubprocessError) as exc:
        reason = str(exc)
    return json.dumps({"python": python, "unreadable": reason[:200]})  # still a fingerprint: never a false hit


def child_code_hash() -> str:
    """A hash of the child-side code (harness and measurements): a changed measurement invalidates."""
    digest = hashlib.sha256()
    for path in sorted(CHILD_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_hash(path: str | None, checkout_relative: bool) -> str | None:
    """The adapter's content hash when it lives outside the checkout (inside, the commit covers it)."""
    if not path or checkout_relative:
        return path
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return f"unreadable:{path}"


def scope(*, repo: str, python: str = sys.executable, adapter: str | None = None, auto: dict[str, str] | None = None,
          setup_command: str | None = None, device_kind: str = "cpu") -> str:
    """The environment part of the key for one side of one investigation (see the module doc)."""
    parts: dict[str, Any] = {
        "repo": repo, "interpreter": interpreter_fingerprint(python), "child": child_code_hash(),
        "adapter": _file_hash(adapter, adapter is not None and not Path(adapter).is_absolute()),
        "auto": auto or {}, "setup": setup_command or "", "device": device_kind,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def job_key(job: ProbeJob, commit: str, scope_key: str = "") -> str:
    """The cache key of `job` at `commit` within `scope_key`."""
    what = {"scope": scope_key, "commit": commit, "probe": job.probe, "script": job.script, "command": job.command,
            "params": job.params, "seed": job.seed}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


STORE_NAME = "probe-results.sqlite"


class ResultCache:
    """`executor.ResultStore` over SQLite. `path` is the cache folder (the store is the file
    STORE_NAME in it; `default_cache_dir()`, `--probe-cache DIR`) or a `.sqlite`/`.db` file."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        self.path = path if path.suffix in (".sqlite", ".db", ".sqlite3") and not path.is_dir() else path / STORE_NAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._open()

    def _open(self) -> None:
        try:
            self._db = self._connect()
        except (sqlite3.DatabaseError, OSError) as exc:  # DatabaseError: not a database, malformed
            log.warning("probe result cache %s is unreadable (%s): recreating it", self.path, exc)
            self._set_aside()
            try:
                self._db = self._connect()
            except (sqlite3.Error, OSError) as again:
                log.warning("probe result cache %s cannot be used (%s): probes run without it", self.path, again)
                self._db = None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA:
                db.execute("DROP TABLE IF EXISTS runs")
                db.execute(f"PRAGMA user_version={_SCHEMA}")
            db.execute("CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, probe TEXT NOT NULL, "
                       "commit_sha TEXT NOT NULL, created REAL NOT NULL, run TEXT NOT NULL)")
            db.execute("SELECT count(*) FROM runs").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self) -> None:
        """The unreadable store and its journal files renamed to *.corrupt (only plain files: a
        folder in the way is the user's, left alone, and the cache is then off)."""
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            try:
                if part.is_file() and not part.is_symlink():
                    os.replace(part, Path(str(part) + ".corrupt"))
            except OSError:
                continue

    def _execute(self, sql: str, args: tuple[Any, ...]) -> list[Any] | None:
        """Run one statement; a corruption found now recreates the store (this call misses)."""
        with self._lock:
            if self._db is None:
                return None
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                log.warning("probe result cache %s failed (%s): recreating it", self.path, exc)
                self._db.close()
                self._open()
                return None

    def get(self, job: ProbeJob, commit: str, scope: str = "") -> ProbeRun | None:
        rows = self._execute("SELECT run FROM runs WHERE key = ?", (job_key(job, commit, scope),))
        if not rows:
            return None
        try:
            run = ProbeRun.model_validate_json(rows[0][0])
        except ValidationError:  # written by another version of the model
            return None
        if run.logdir and not Path(run.logdir).is_dir():  # its logs are gone: the run is not reusable
            return None
        return run

    def put(self, job: ProbeJob, commit: str, run: ProbeRun, scope: str = "") -> None:
        if not run.ok:
            return
        self._execute("INSERT OR REPLACE INTO runs (key, probe, commit_sha, created, run) VALUES (?, ?, ?, ?, ?)",
                      (job_key(job, commit, scope), job.probe, commit, time.time(), run.model_dump_json()))

    def count(self) -> int:
        rows = self._execute("SELECT count(*) FROM runs", ())
        return int(rows[0][0]) if rows else 0

    def delete_older_than(self, cutoff: float) -> None:
        """Forget the runs stored before `cutoff` (a Unix time)."""
        self._execute("DELETE FROM runs WHERE created < ?", (cutoff,))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
