"""The submission as the workflow runs it: the server's choices, verification's default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from investigator.service.schemas import JobSubmission


def _submission(**fields: object) -> JobSubmission:
    return JobSubmission.model_validate({"repo": "/srv/r", "baseline_commit": "v1", **fields})


def test_verification_is_on_by_default_only_with_a_training_command(tmp_path: Path) -> None:
    assert _submission().to_request(tmp_path).verify is False  # nothing to retrain with
    assert _submission(probe_command="{python} train.py --seed {seed}").to_request(tmp_path).verify is True
    assert _submission(probe_command="{python} train.py", verify=False).to_request(tmp_path).verify is False
    assert _submission(verify=True).to_request(tmp_path).verify is True  # asked for: the workflow says why it cannot


def test_the_server_fills_in_its_own_choices(tmp_path: Path) -> None:
    request = _submission(probe_executor="ray").to_request(tmp_path, probe_cache="/c", probe_python="/py")
    assert request.output == tmp_path and request.probe_cache == "/c" and request.probe_python == "/py"
    assert request.confirm_expensive is False and request.probe_executor == "ray"
    with pytest.raises(ValidationError):
        _submission(probe_executor="slurm")
    with pytest.raises(ValidationError):
        _submission(output="/etc")  # where reports go is the server's choice, not a field
