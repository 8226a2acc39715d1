"""The deployment files (Dockerfile targets, docker-compose.yml): parsed and checked against each other
and against the CLI, since no Docker daemon runs the tests (docs/deployment.md)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from investigator.cli import _build

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _dockerfile_stages() -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = stages.setdefault(match.group(1) or f"stage{len(stages)}", [])
        current.append(line)
    return stages


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`."""
    def value(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2) or "", match.group(3) or ""
        if name in env:
            return env[name]
        if op == ":-":
            return rest
        raise KeyError(f"{name}: {rest}")
    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", value, text)


def test_dockerfile_has_a_service_target_and_keeps_the_demo_as_default():
    stages = _dockerfile_stages()
    assert list(stages)[-1] == "cli" and 'CMD ["investigate", "demo"]' in stages["cli"]
    base = " ".join(stages["base"])
    assert re.search(r'pip install .*-e "\.\[[^]]*service[^]]*\]"', base), "the image installs the service extra"
    service = stages["service"]
    assert service[0].startswith("FROM base AS service")
    cmd = next(line for line in service if line.startswith("CMD"))
    assert '"serve"' in cmd and '"0.0.0.0"' in cmd and '"--db"' in cmd
    assert any(line.startswith("USER ") and "root" not in line for line in service)
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in service)


def test_compose_runs_the_service_target_on_a_healthy_postgres_16():
    compose = _compose()
    db, app = compose["services"]["db"], compose["services"]["investigator"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert app["build"]["target"] == "service" and "service" in _dockerfile_stages()
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert set(compose["volumes"]) >= {v.split(":")[0] for v in [*db["volumes"], *app["volumes"]] if not v.startswith(("$", "."))}
    assert all(p.startswith("127.0.0.1:") for p in app["ports"])  # not exposed beyond the host by default


def test_compose_database_url_matches_the_postgres_service():
    compose = _compose()
    db, app = compose["services"]["db"], compose["services"]["investigator"]
    env = {"POSTGRES_PASSWORD": "s3cret"}
    args = [_interpolate(str(a), env) for a in app["command"]]
    url = urlsplit(args[args.index("--db") + 1])
    db_env = {k: _interpolate(str(v), env) for k, v in db["environment"].items()}
    assert url.scheme == "postgresql" and url.hostname == "db"
    assert (url.username, url.password, url.path.lstrip("/")) == (db_env["POSTGRES_USER"], "s3cret", db_env["POSTGRES_DB"])
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # no silent empty password
        _interpolate(db["environment"]["POSTGRES_PASSWORD"], {})


def _serve_argv_from_dockerfile() -> list[str]:
    cmd = next(line for line in _dockerfile_stages()["service"] if line.startswith("CMD"))
    return [a for a in shlex.split(cmd.removeprefix("CMD").strip().strip("[]").replace(",", " "))]


@pytest.mark.parametrize("where", ["compose", "dockerfile"])
def test_serve_command_lines_parse_with_the_cli(where):
    """Both command lines use only options `investigate serve` has (checked once `serve` exists)."""
    parsers = _build()[1]
    if "serve" not in parsers:
        pytest.skip("`investigate serve` is not in this build yet")
    if where == "compose":
        argv = [_interpolate(str(a), {"POSTGRES_PASSWORD": "pw"}) for a in _compose()["services"]["investigator"]["command"]]
    else:
        argv = _serve_argv_from_dockerfile()
    assert argv[:2] == ["investigate", "serve"]
    args = parsers["serve"].parse_args(argv[2:])  # a usage error exits 2 and fails the test
    assert args.host == "0.0.0.0"
