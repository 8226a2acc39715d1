"""`investigate serve` (the HTTP service) and `investigate keys create|list|revoke` (its API keys).

Both take `--db URL` (default: a SQLite file in the data directory) and upgrade the schema first, so a
bad URL or an unreachable server is one line and exit 2 before anything starts. `keys create` prints
the new key alone on stdout (for `KEY=$(investigate keys create ...)`); it is shown only this once.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from investigator.git.errors import InputError

if TYPE_CHECKING:
    from investigator.service.settings import ServiceSettings
    from investigator.service.store import JobStore

EXIT_OK = 0


def default_data_dir() -> Path:
    """$INVESTIGATOR_DATA, else the user's data directory (XDG)."""
    explicit = os.environ.get("INVESTIGATOR_DATA")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(base) / "investigator" / "service"


def _db_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="postgresql://user:pass@host/db or a SQLite file path "
                                              "(default: service.db in the data directory)")
    p.add_argument("--data-dir", metavar="DIR", help="reports and checkpoints of jobs "
                                                     "(default: $INVESTIGATOR_DATA or ~/.local/share/investigator/service)")


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    from investigator.cli import _seconds, int_at_least

    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8321, help="port (default 8321)")
    _db_arguments(p)
    p.add_argument("--allow-repo", action="append", default=[], metavar="PATH_PREFIX|URL_PATTERN",
                   help="a directory whose repositories jobs may name, or a URL pattern such as "
                        "'https://github.com/org/*' (repeatable; none: every repository is refused)")
    p.add_argument("--workers", type=int_at_least(1), default=2, metavar="N", help="investigations at once (default 2)")
    p.add_argument("--queue-limit", type=int_at_least(1), default=100, metavar="N",
                   help="queued jobs beyond which submissions get 429 (default 100)")
    p.add_argument("--rate-limit", type=int_at_least(1), default=120, metavar="N",
                   help="requests per minute per API key (default 120)")
    p.add_argument("--no-auth", action="store_true", help="no API keys (only with a local --host)")
    p.add_argument("--api-only", action="store_true",
                   help="serve the API without running jobs in this process (another `serve` on the same --db runs them)")
    p.add_argument("--lease", type=_seconds, default=30.0, metavar="SECONDS",
                   help="job lease: a job whose worker died is resumed after it (default 30)")
    p.add_argument("--public-url", metavar="URL", default=os.environ.get("INVESTIGATOR_PUBLIC_URL"),
                   help="the service's address as users reach it (default $INVESTIGATOR_PUBLIC_URL); watch "
                        "notifications then link their report")
    p.add_argument("--retention-days", type=_seconds, default=30.0, metavar="DAYS",
                   help="finished jobs and their reports are deleted after this age (default 30)")


def _settings(args: argparse.Namespace) -> ServiceSettings:
    from pydantic import ValidationError

    from investigator.service.allowlist import Allowlist
    from investigator.service.settings import ServiceSettings

    data_dir = Path(args.data_dir).expanduser().resolve() if args.data_dir else default_data_dir()
    db = args.db or str(data_dir / "service.db")
    try:
        Allowlist.of(args.allow_repo)
        return ServiceSettings(db_url=db, host=args.host, port=args.port, data_dir=data_dir,
                               allow_repos=args.allow_repo, auth=not args.no_auth, workers=args.workers,
                               queue_limit=args.queue_limit, rate_limit_per_minute=args.rate_limit,
                               lease_s=args.lease, retention_days=args.retention_days,
                               public_url=args.public_url)
    except ValidationError as exc:
        first = exc.errors()[0]
        option = "-".join(str(p) for p in first["loc"]).replace("_", "-")
        raise InputError(f"--{option}: {first['msg']}") from None
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _open_store(db: str, data_dir: Path) -> JobStore:
    """The store at `db`, its schema upgraded; InputError (one line) when it cannot be reached."""
    from investigator.service.db import make_engine, upgrade

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(db)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise InputError(f"--db: cannot open the service database: {reason}") from None
    from investigator.service.store import JobStore

    return JobStore(make_engine(db))


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None


def run_serve(args: argparse.Namespace) -> int:
    """Check everything that can be checked before listening, then run uvicorn until stopped."""
    import uvicorn

    from investigator.service.app import create_app

    settings = _settings(args)
    if not settings.auth and not settings.auth_may_be_off():
        raise InputError(f"--no-auth is only accepted with a local --host (127.0.0.1, localhost, ::1), "
                         f"not {settings.host}; create a key with `investigate keys create --scope submit` instead")
    if not args.api_only and importlib.util.find_spec("investigator.service.pool") is None:
        raise InputError("this installation has no worker pool (investigator.service.pool); use --api-only")
    store = _open_store(settings.db_url, settings.data_dir)
    _check_port_free(settings.host, settings.port)
    if not settings.allow_repos:
        print("investigate serve: warning: no --allow-repo given: every submission will be refused", file=sys.stderr)
    active = [k for k in store.keys() if k.revoked_at is None]  # noqa: SIM118 (a method, not a dict)
    if settings.auth and not active:
        print("investigate serve: warning: no API key exists yet: create one with "
              f"`investigate keys create --scope admin --db {args.db or settings.db_url}`", file=sys.stderr)
    store.engine.dispose()
    app = create_app(settings, start_workers=not args.api_only)
    # uvicorn handles SIGINT/SIGTERM itself (a graceful shutdown: the pool is stopped) and raises them
    # again afterwards to the handlers found before: those are no-ops, so a stopped service exits 0.
    previous = {s: signal.signal(s, _ignore) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", proxy_headers=False,
                    server_header=False)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return EXIT_OK


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    """Stand-in signal handler while uvicorn serves (see run_serve)."""


def add_keys_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="keys_command", metavar="create|list|revoke", required=True)
    create = sub.add_parser("create", help="create a key and print it (alone, once) on stdout",
                            prog="investigate keys create")
    create.add_argument("--scope", required=True, choices=["read", "submit", "admin"],
                        help="read: see jobs and reports; submit: also submit and cancel; admin: everything")
    create.add_argument("--name", default="", help="a label (who or what uses the key)")
    _db_arguments(create)
    listing = sub.add_parser("list", help="keys with their id, scope, name and state", prog="investigate keys list")
    _db_arguments(listing)
    revoke = sub.add_parser("revoke", help="revoke a key by its id (the part after inv_)", prog="investigate keys revoke")
    revoke.add_argument("key_id", metavar="ID")
    _db_arguments(revoke)


def run_keys(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).expanduser().resolve() if args.data_dir else default_data_dir()
    store = _open_store(args.db or str(data_dir / "service.db"), data_dir)
    try:
        if args.keys_command == "create":
            key, secret = store.create_key(args.scope, args.name)
            print(f"created {key.scope} key {key.id}; it is shown once, store it now", file=sys.stderr)
            print(secret, flush=True)
        elif args.keys_command == "list":
            for k in store.keys():  # noqa: SIM118 (a method, not a dict)
                state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
                print(f"{k.id}  {k.scope:<6}  {k.created_at:%Y-%m-%d %H:%M}  {state:<24}  {k.name}".rstrip())
        elif not store.revoke_key(args.key_id):
            raise InputError(f"no active key {args.key_id} (see `investigate keys list`)")
        else:
            print(f"revoked key {args.key_id}", file=sys.stderr)
    finally:
        store.engine.dispose()
    return EXIT_OK
