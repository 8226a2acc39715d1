"""Tiny child programs (no torch) and checks for the runner, executor and cache tests."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from investigator.probes.model import ProbeJob

PY = sys.executable


def write_module(checkout: Path, name: str, source: str) -> str:
    """A module in the checkout (harness jobs import it as their measurement) or a script."""
    checkout.mkdir(parents=True, exist_ok=True)
    (checkout / f"{name}.py").write_text(textwrap.dedent(source))
    return name


def harness_job(script: str, **kwargs: object) -> ProbeJob:
    return ProbeJob(probe="tprobe", side="baseline", script=script, **kwargs)  # type: ignore[arg-type]


def command_job(command: str, **kwargs: object) -> ProbeJob:
    return ProbeJob(probe="tprobe", side="baseline", command=command, **kwargs)  # type: ignore[arg-type]


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie left for init to reap counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.is_file() else []
