"""`investigate serve` and `investigate keys`: bad options are one line and exit 2; `keys create` prints
the key alone; a real `serve` process listens on a free port, answers /healthz and takes a submission
with the printed key, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from investigator.cli import main
from investigator.service.db import connect
from investigator.service.store import JobStore

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^inv_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$")


def test_keys_create_prints_only_the_key_and_list_revoke_manage_it(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["keys", "create", "--scope", "submit", "--name", "ci", "--db", db]) == 0
    out = capsys.readouterr()
    assert KEY.match(out.out), out.out
    key = JobStore(connect(db)).authenticate(out.out.strip())
    assert key is not None and key.scope == "submit" and key.name == "ci"
    assert main(["keys", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert key.id in listed and "submit" in listed and "active" in listed and out.out.strip() not in listed
    assert main(["keys", "revoke", key.id, "--db", db]) == 0
    assert JobStore(connect(db)).authenticate(out.out.strip()) is None
    assert main(["keys", "list", "--db", db]) == 0 and "revoked" in capsys.readouterr().out
    assert main(["keys", "revoke", key.id, "--db", db]) == 2  # already revoked
    assert capsys.readouterr().err.count("\n") == 1


def test_keys_use_the_data_dir_database_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INVESTIGATOR_DATA", str(tmp_path / "data"))
    assert main(["keys", "create", "--scope", "read"]) == 0
    assert KEY.match(capsys.readouterr().out) and (tmp_path / "data" / "service.db").is_file()


@pytest.mark.parametrize(("argv", "says"), [
    (["serve", "--host", "0.0.0.0", "--no-auth"], "--no-auth is only accepted with a local --host"),
    (["serve", "--allow-repo", "relative/dir"], "must be absolute"),
    (["serve", "--allow-repo", "file:///srv/*"], "only https"),
    (["serve", "--workers", "0"], "--workers"),
    (["serve", "--port", "70000"], "--port"),
    (["serve", "--lease", "-1"], "--lease"),
    (["serve", "--public-url", "ftp://files.example"], "--public-url: Value error, expected an http:// or https:// URL"),
    (["serve", "--public-url", "https://h.example/?x=1"], "--public-url"),
    (["serve", "--db", "postgresql://nobody:x@127.0.0.1:1/none", "--api-only"], "cannot open the service database"),
    (["keys", "create", "--scope", "root"], "invalid choice"),
    (["keys"], "required"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys, argv, says):
    code = main([*argv, *(["--data-dir", str(tmp_path)] if argv[0] == "serve" else [])])
    err = capsys.readouterr().err
    assert code == 2 and says in err and err.count("\n") == 1, err


def test_a_busy_port_is_one_line_and_exit_2(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "--port", str(port), "--api-only", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and f"--port {port}: cannot listen there" in err and err.count("\n") == 1, err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _investigate(*argv: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "investigator.cli", *argv], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]


def _get(url: str, **kwargs: object) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, **kwargs)  # type: ignore[arg-type]
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_answers_healthz_and_a_submission_with_a_created_key(tmp_path):
    db, repos = str(tmp_path / "service.db"), tmp_path / "repos"
    (repos / "ppo").mkdir(parents=True)
    created = _investigate("keys", "create", "--scope", "submit", "--db", db)
    out, err = created.communicate(timeout=60)
    assert created.returncode == 0 and KEY.match(out), (out, err)
    port = _free_port()
    server = _investigate("serve", "--port", str(port), "--db", db, "--data-dir", str(tmp_path / "data"),
                          "--allow-repo", str(repos), "--api-only")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, health = _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "the service did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200 and health["db"] == "ok"
        body = json.dumps({"repo": str(repos / "ppo"), "baseline_commit": "v1"}).encode()
        headers = {"Content-Type": "application/json"}
        assert _get(f"{base}/v1/investigations", data=body, headers=headers, method="POST")[0] == 401
        status, submitted = _get(f"{base}/v1/investigations", data=body, method="POST",
                                 headers={**headers, "Authorization": f"Bearer {out.strip()}"})
        assert status == 201 and submitted["status"] == "queued"
        assert JobStore(connect(db)).get(str(submitted["id"])) is not None  # in the --db the keys command used
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    assert server.returncode == 0, log  # a graceful stop
    assert "Traceback" not in log
